package evalset

import (
	"fmt"
	"io"
	"sort"
)

// Outcome is what a detector decided for one message, in the terms the
// engine acts on.
type Outcome struct {
	// Urgent: tier 1 about the writer (crisis reply and an urgent flag).
	Urgent bool
	// Check: tier 2 about the writer (the safety check with the resources).
	Check bool
	// Peer: the writer is worried about someone else (resources and a
	// how-to-help reply, no flag on the writer).
	Peer bool
	// Disclosure: a relapse or a craving (a warm answer, no tier).
	Disclosure bool
}

// Resources reports whether the reply carries the crisis resources.
func (o Outcome) Resources() bool { return o.Urgent || o.Check || o.Peer }

// Detector decides on one message.
type Detector func(text string) Outcome

// Tally counts the outcomes of one group of one label.
type Tally struct {
	Label, Group                                  string
	N, Resources, Urgent, Check, Peer, Disclosure int
	// Misses are the line numbers of the messages scored as wrong for
	// their label (see Wrong).
	Misses []int
}

// Wrong reports whether o is a wrong answer for a message labelled label:
// a crisis message without resources; a not message with any tier or a
// peer or disclosure reading; a peer message not read as peer; a
// disclosure not read as one, or with a tier.
func Wrong(label string, o Outcome) bool {
	switch label {
	case LabelCrisis:
		return !o.Resources()
	case LabelPeer:
		return !o.Peer || o.Urgent
	case LabelDisclosure:
		return !o.Disclosure || o.Urgent || o.Check
	default:
		return o.Urgent || o.Check || o.Peer
	}
}

// Score runs d on every item and tallies the outcomes per label and group.
// The result is sorted by label (crisis, not, peer, disclosure) then group.
func Score(items []Item, d Detector) []*Tally {
	by := map[[2]string]*Tally{}
	for _, it := range items {
		k := [2]string{it.Label, it.Group}
		t := by[k]
		if t == nil {
			t = &Tally{Label: it.Label, Group: it.Group}
			by[k] = t
		}
		o := d(it.Text)
		t.add(o)
		if Wrong(it.Label, o) {
			t.Misses = append(t.Misses, it.Line)
		}
	}
	out := make([]*Tally, 0, len(by))
	for _, t := range by {
		out = append(out, t)
	}
	order := map[string]int{LabelCrisis: 0, LabelNot: 1, LabelPeer: 2, LabelDisclosure: 3}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Label != out[j].Label {
			return order[out[i].Label] < order[out[j].Label]
		}
		return out[i].Group < out[j].Group
	})
	return out
}

func (t *Tally) add(o Outcome) {
	t.N++
	if o.Resources() {
		t.Resources++
	}
	if o.Urgent {
		t.Urgent++
	}
	if o.Check {
		t.Check++
	}
	if o.Peer {
		t.Peer++
	}
	if o.Disclosure {
		t.Disclosure++
	}
}

// Sum adds up the tallies of one label (all of them when label is "").
func Sum(ts []*Tally, label string) Tally {
	s := Tally{Label: label, Group: "ALL"}
	for _, t := range ts {
		if label != "" && t.Label != label {
			continue
		}
		s.N += t.N
		s.Resources += t.Resources
		s.Urgent += t.Urgent
		s.Check += t.Check
		s.Peer += t.Peer
		s.Disclosure += t.Disclosure
		s.Misses = append(s.Misses, t.Misses...)
	}
	return s
}

// Print writes a per-group table of rates. What each column counts
// depends on the label:
//
//	crisis      resources (either tier, or the peer reply), urgent (tier 1), check (tier 2)
//	not         urgent (tier 1), check (tier 2), peer and disclosure readings
//	peer        recognised as peer, urgent on the writer
//	disclosure  recognised as disclosure, urgent, check
//
// The goals of issue 11 apply to the crisis resources rate (≥ 95 %) and
// the non-crisis urgent (≤ 2 %) and check (≤ 10 %) rates; "non-crisis"
// is every not and disclosure message (peer messages should get the
// resources).
func Print(w io.Writer, ts []*Tally) {
	pct := func(a, n int) string {
		if n == 0 {
			return "     -"
		}
		return fmt.Sprintf("%5.1f%%", 100*float64(a)/float64(n))
	}
	row := func(t Tally) {
		switch t.Label {
		case LabelCrisis:
			fmt.Fprintf(w, "  %-16s %4d  resources %s  urgent %s  check %s\n", t.Group, t.N, pct(t.Resources, t.N), pct(t.Urgent, t.N), pct(t.Check, t.N))
		case LabelPeer:
			fmt.Fprintf(w, "  %-16s %4d  peer      %s  urgent %s  check %s\n", t.Group, t.N, pct(t.Peer, t.N), pct(t.Urgent, t.N), pct(t.Check, t.N))
		case LabelDisclosure:
			fmt.Fprintf(w, "  %-16s %4d  disclosed %s  urgent %s  check %s\n", t.Group, t.N, pct(t.Disclosure, t.N), pct(t.Urgent, t.N), pct(t.Check, t.N))
		default:
			fmt.Fprintf(w, "  %-16s %4d  urgent    %s  check  %s  peer  %s  disclosure %s\n", t.Group, t.N, pct(t.Urgent, t.N), pct(t.Check, t.N), pct(t.Peer, t.N), pct(t.Disclosure, t.N))
		}
	}
	for _, label := range []string{LabelCrisis, LabelNot, LabelPeer, LabelDisclosure} {
		s := Sum(ts, label)
		if s.N == 0 {
			continue
		}
		fmt.Fprintf(w, "%s\n", label)
		for _, t := range ts {
			if t.Label == label {
				row(*t)
			}
		}
		row(s)
	}
	// The goals' denominators: not and disclosure together.
	non := Sum(ts, LabelNot)
	d := Sum(ts, LabelDisclosure)
	non.N += d.N
	non.Urgent += d.Urgent
	non.Check += d.Check
	c := Sum(ts, LabelCrisis)
	fmt.Fprintf(w, "goals: crisis with resources %s (>= 95%%), non-crisis urgent %s (<= 2%%), non-crisis check %s (<= 10%%)\n",
		pct(c.Resources, c.N), pct(non.Urgent, non.N), pct(non.Check, non.N))
}
