package flows

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	// Wednesday 4 November 2026, 15:00 in London.
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 4, 15, 0, 0, 0, loc)
	tests := []struct {
		in, want string // want "" means asked again
	}{
		{"tomorrow", "2026-11-05"},
		{"Friday", "2026-11-06"},
		{"by friday", "2026-11-06"},
		{"this weekend", "2026-11-07"},
		{"next week", "2026-11-09"},
		{"Dec 12", "2026-12-12"},
		{"12 december", "2026-12-12"},
		{"in 5 days", "2026-11-09"},
		{"in 3 days", "2026-11-07"},
		{"in a week", "2026-11-11"},
		{"in two weeks", "2026-11-18"},
		{"2026-12-24", "2026-12-24"},
		{"today", "2026-11-04"},
		{"sometime", ""},
		{"soon", ""},
		{"", ""},
		{"2026-01-01", ""}, // passed
		{"2028-01-01", ""}, // more than a year away
	}
	s := &Step{ID: "by", Kind: Date}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := s.ParseAt(tc.in, now)
			if tc.want == "" {
				var ae *AnswerError
				if !errors.As(err, &ae) {
					t.Fatalf("ParseAt(%q) = %v, %v; want it asked again", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseAt(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
			}
		})
	}
	if opts := s.Options(); len(opts) != 4 || opts[0].Label != "Tomorrow" || opts[3].Label != "In two weeks" {
		t.Fatalf("date buttons = %+v", opts)
	}
	for _, o := range s.Options() {
		if _, err := s.ParseAt(o.Value, now); err != nil {
			t.Errorf("button %q does not parse: %v", o.Label, err)
		}
	}
}

func TestFollowupErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"after is not a date", "id: g\ntitle: G\nfollowup: {flow: x, after: a}\nsteps:\n  - id: a\n    ask: A?\n    text: {}\n",
			`f.yaml:3: followup: after: step "a" must ask for a date (date: {}), not text`},
		{"no such step", "id: g\ntitle: G\nfollowup: {flow: x, after: nope}\nsteps:\n  - id: a\n    ask: A?\n    date: {}\n",
			`f.yaml:3: followup: after: no step "nope" in this flow`},
		{"flow missing", "id: g\ntitle: G\nfollowup: {after: a}\nsteps:\n  - id: a\n    ask: A?\n    date: {}\n",
			`f.yaml:3: followup: flow is required (followup: {flow: goal-followup, after: by})`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tc.yaml))
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Parse = %v\nwant %s", err, tc.want)
			}
		})
	}
	// A follow-up naming a flow the set lacks is found with the set.
	f, err := Parse("f.yaml", []byte("id: g\ntitle: G\nfollowup: {flow: nowhere, after: a}\nsteps:\n  - id: a\n    ask: A?\n    date: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	extra, err := NewSet(f)
	if err != nil {
		t.Fatal(err)
	}
	set := Builtin().Merge(extra)
	if err := set.Check(); err == nil || !strings.Contains(err.Error(), `f.yaml:3: followup: no flow "nowhere"`) {
		t.Fatalf("Check = %v", err)
	}
}
