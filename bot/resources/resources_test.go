package resources

import (
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"not a list", "resources: 3\n", "dir.yaml:1: resources: must be a list of services"},
		{"unknown key and tag", "resources:\n  - name: A\n    reach: b\n    tagz: [food]\n  - name: C\n    reach: d\n    tags: [food, pizza]\n",
			"dir.yaml:4: unknown key \"tagz\" (known: name, helps, reach, hours, locale, tags)\ndir.yaml:2: tags: give at least one of crisis, housing, food, legal, employment, treatment, meetings, harm reduction, family\ndir.yaml:7: tags: unknown tag \"pizza\""},
		{"missing reach", "resources:\n  - name: A\n    tags: [food]\n", "dir.yaml:2: reach is required"},
		{"top-level typo", "resorces:\n  - name: A\n", "dir.yaml:1: unknown key \"resorces\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("dir.yaml", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestFind(t *testing.T) {
	d, err := Parse("dir.yaml", []byte(`resources:
  - name: Hope House
    helps: Emergency shelter and help with housing applications
    reach: Call 555-0100
    hours: 24/7
    tags: [housing]
  - name: Food Bank
    helps: Groceries every Tuesday
    reach: 12 Main St
    tags: [food]
  - name: Local Crisis Line
    helps: Someone to talk to now
    reach: Call 555-0199
    tags: [crisis]
  - name: Legal Aid
    helps: Free advice on tenancy and benefits
    reach: legalaid.example.org
    tags: [legal, housing]
`))
	if err != nil {
		t.Fatal(err)
	}
	names := func(es []Entry) string {
		var out []string
		for _, e := range es {
			out = append(out, e.Name)
		}
		return strings.Join(out, ", ")
	}
	tests := []struct{ query, want string }{
		{"housing", "Hope House, Legal Aid"},
		{"HOUSING", "Hope House, Legal Aid"},
		{"tenancy", "Legal Aid"},
		{"shelter", "Hope House"},
		{"", "Local Crisis Line, Hope House, Food Bank, Legal Aid"}, // crisis first
		{"crisis", "Local Crisis Line"},
		{"pizza", ""},
	}
	for _, tc := range tests {
		if got := names(d.Find(tc.query)); got != tc.want {
			t.Errorf("Find(%q) = %q, want %q", tc.query, got, tc.want)
		}
	}
	if got := d.Find("housing")[0].Text(); got != "Hope House — Emergency shelter and help with housing applications. Call 555-0100 (24/7)" {
		t.Errorf("Text = %q", got)
	}
	if len(Builtin().Find("meetings")) == 0 {
		t.Error("the built-in directory lists no meetings")
	}
}
