package evalset

import (
	"bytes"
	"strings"
	"testing"
)

func TestReadParsesAndRejects(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Item
		wantErr string
	}{
		{
			name: "comments blank lines and escapes",
			in:   "# header\n\ncrisis\tdirect\tline one\\nline two\nnot\tidiom\ta\\ttab and a \\\\ slash\n",
			want: []Item{
				{Label: "crisis", Group: "direct", Text: "line one\nline two", Line: 3},
				{Label: "not", Group: "idiom", Text: "a\ttab and a \\ slash", Line: 4},
			},
		},
		{name: "unknown label", in: "maybe\tx\ttext\n", wantErr: "unknown label"},
		{name: "missing field", in: "crisis\tdirect\n", wantErr: "want label"},
		{name: "empty group", in: "peer\t\ttext\n", wantErr: "empty group"},
		{name: "crlf", in: "peer\tpeer\tmy friend\r\n", want: []Item{{Label: "peer", Group: "peer", Text: "my friend", Line: 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Read(strings.NewReader(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d items, want %d", len(got), len(tc.want))
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("item %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	in := []Item{{Label: "crisis", Group: "g", Text: "a\nb\tc\\d \\n"}}
	var buf bytes.Buffer
	if err := Write(&buf, []string{"hdr"}, in); err != nil {
		t.Fatal(err)
	}
	got, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Text != in[0].Text {
		t.Fatalf("round trip = %+v, want text %q", got, in[0].Text)
	}
}

func TestSplitIsStratifiedAndDeterministic(t *testing.T) {
	var items []Item
	for i := 0; i < 7; i++ {
		items = append(items, Item{Label: "crisis", Group: "a", Text: string(rune('a' + i))})
	}
	for i := 0; i < 4; i++ {
		items = append(items, Item{Label: "not", Group: "b", Text: string(rune('A' + i))})
	}
	dev1, test1 := Split(items, 42)
	dev2, test2 := Split(items, 42)
	if len(dev1)+len(test1) != len(items) {
		t.Fatalf("split lost items: %d + %d != %d", len(dev1), len(test1), len(items))
	}
	count := func(xs []Item, g string) int {
		n := 0
		for _, x := range xs {
			if x.Group == g {
				n++
			}
		}
		return n
	}
	if count(dev1, "a") != 3 || count(dev1, "b") != 2 {
		t.Errorf("dev has a=%d b=%d, want 3 and 2", count(dev1, "a"), count(dev1, "b"))
	}
	for i := range dev1 {
		if dev1[i] != dev2[i] {
			t.Fatal("same seed gave a different split")
		}
	}
	_ = test2
}

func TestScoreCountsAndMisses(t *testing.T) {
	items := []Item{
		{Label: "crisis", Group: "g", Text: "urgent", Line: 1},
		{Label: "crisis", Group: "g", Text: "nothing", Line: 2},
		{Label: "not", Group: "h", Text: "check", Line: 3},
		{Label: "peer", Group: "p", Text: "peer", Line: 4},
		{Label: "disclosure", Group: "d", Text: "check disclosure", Line: 5},
	}
	d := func(text string) Outcome {
		return Outcome{
			Urgent:     text == "urgent",
			Check:      strings.HasPrefix(text, "check"),
			Peer:       text == "peer",
			Disclosure: strings.HasSuffix(text, "disclosure"),
		}
	}
	ts := Score(items, d)
	got := map[string]Tally{}
	for _, tl := range ts {
		got[tl.Label] = *tl
	}
	if c := got["crisis"]; c.N != 2 || c.Resources != 1 || c.Urgent != 1 || len(c.Misses) != 1 || c.Misses[0] != 2 {
		t.Errorf("crisis tally = %+v, want 2 messages, 1 with resources, miss on line 2", c)
	}
	if n := got["not"]; n.Check != 1 || len(n.Misses) != 1 {
		t.Errorf("not tally = %+v, want one check counted as a miss", n)
	}
	if p := got["peer"]; p.Peer != 1 || len(p.Misses) != 0 {
		t.Errorf("peer tally = %+v, want recognised", p)
	}
	if dd := got["disclosure"]; dd.Disclosure != 1 || len(dd.Misses) != 1 {
		t.Errorf("disclosure tally = %+v, want recognised but a miss for the check", dd)
	}
	var buf bytes.Buffer
	Print(&buf, ts)
	if !strings.Contains(buf.String(), "crisis with resources  50.0%") {
		t.Errorf("Print output lacks the goals line:\n%s", buf.String())
	}
}
