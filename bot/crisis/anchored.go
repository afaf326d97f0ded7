package crisis

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
)

// Anchored matching: every pattern of the tables is a whole-word regexp,
// \b(?:...)\b. Run unanchored, Go's regexp tries it at every byte of the
// text, and the patterns that allow words between their parts ("bought
// (?: \w+){0,4} rope") make each try expensive: most of the detector's time
// went there. Instead, the literal strings that every match starts with
// are worked out from the pattern once (its starts: "bought", "buy",
// "got ", ...); the text is walked once for word boundaries where one of
// them begins, and only there is the pattern tried, anchored. The matches
// are exactly those of FindAllStringIndex (leftmost-first, not
// overlapping): an anchored try at the leftmost possible start finds the
// same match the unanchored search finds there.

// startLen bounds the length of a start: longer ones filter no better.
const startLen = 8

// maxStarts bounds the number of starts of one pattern.
const maxStarts = 512

// wordRegexp is a whole-word pattern, \b(?:expr)\b, run anchored at its
// possible starts. Its methods return what the same methods of
// regexp.Regexp return.
type wordRegexp struct {
	re   *regexp.Regexp // \b(?:expr)\b, for patterns without usable starts
	anch *regexp.Regexp // ^(?:expr)\b, tried where a start is at a word boundary
	// starts by first byte: byFirst[b] is the index+1 in groups of the
	// starts that begin with b, 0 when none does. nil: no usable starts.
	byFirst *[256]uint8
	groups  [][]string
	// second[g] holds the second bytes of the starts in groups[g] (all
	// bytes when one of them has a single byte).
	second [][4]uint64
}

// newWordRegexp compiles \b(?:expr)\b.
func newWordRegexp(expr string) *wordRegexp {
	w := &wordRegexp{re: regexp.MustCompile(`\b(?:` + expr + `)\b`)}
	re, err := syntax.Parse(`(?:`+expr+`)`, syntax.Perl)
	if err != nil {
		return w
	}
	p := startsOf(re.Simplify())
	if !p.ok || p.nullable || len(p.starts) == 0 || slices.Contains(p.starts, "") {
		return w
	}
	w.anch = regexp.MustCompile(`^(?:` + expr + `)\b`)
	w.byFirst = new([256]uint8)
	for _, s := range minimalStarts(p.starts) {
		b := s[0]
		if w.byFirst[b] == 0 {
			w.groups = append(w.groups, nil)
			w.byFirst[b] = uint8(len(w.groups))
		}
		g := w.byFirst[b] - 1
		w.groups[g] = append(w.groups[g], s)
	}
	w.second = make([][4]uint64, len(w.groups))
	for g, starts := range w.groups {
		for _, s := range starts {
			if len(s) == 1 {
				w.second[g] = [4]uint64{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
				break
			}
			w.second[g][s[1]>>6] |= 1 << (s[1] & 63)
		}
	}
	return w
}

// String returns the source of the unanchored regexp.
func (w *wordRegexp) String() string { return w.re.String() }

// asciiWord is \w of package regexp: \b is a boundary of ASCII word bytes.
func asciiWord(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || b == '_'
}

// next returns the match of w leftmost at or after from in s, or -1, -1.
func (w *wordRegexp) next(s string, from int) (start, end int) {
	for p := from; p < len(s); p++ {
		g := w.byFirst[s[p]]
		if g == 0 {
			continue
		}
		// \b at p
		if asciiWord(s[p]) == (p > 0 && asciiWord(s[p-1])) {
			continue
		}
		rest := s[p:]
		if len(rest) > 1 && w.second[g-1][rest[1]>>6]&(1<<(rest[1]&63)) == 0 {
			continue
		}
		hit := false
		for _, st := range w.groups[g-1] {
			if strings.HasPrefix(rest, st) {
				hit = true
				break
			}
		}
		if !hit {
			continue
		}
		if loc := w.anch.FindStringIndex(rest); loc != nil {
			return p, p + loc[1]
		}
	}
	return -1, -1
}

// MatchString reports whether s contains a match.
func (w *wordRegexp) MatchString(s string) bool {
	if w.byFirst == nil {
		return w.re.MatchString(s)
	}
	start, _ := w.next(s, 0)
	return start >= 0
}

// FindAllStringIndex returns every match, as regexp's FindAllStringIndex(s,
// -1) does (nil when none).
func (w *wordRegexp) FindAllStringIndex(s string) [][]int {
	return w.appendAll(nil, s, 0)
}

// appendAll appends the matches in s, shifted by base, to locs.
func (w *wordRegexp) appendAll(locs [][]int, s string, base int) [][]int {
	if w.byFirst == nil {
		for _, m := range w.re.FindAllStringIndex(s, -1) {
			locs = append(locs, []int{base + m[0], base + m[1]})
		}
		return locs
	}
	for from := 0; from < len(s); {
		start, end := w.next(s, from)
		if start < 0 {
			break
		}
		locs = append(locs, []int{base + start, base + end})
		from = end // matches are never empty: every start has a byte
	}
	return locs
}

// startSet describes the non-empty matches of a syntax tree: ok when starts
// is a list of strings one of which begins each of them (cut to
// startLen); exact, when not nil, is every string the tree matches;
// nullable when it matches the empty string.
type startSet struct {
	ok       bool
	starts   []string
	exact    []string
	nullable bool
}

// startsOf works out the starts of re; ok is false when it finds no short
// list.
func startsOf(re *syntax.Regexp) startSet {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return startSet{}
		}
		s := string(re.Rune)
		return startSet{ok: true, starts: []string{cut(s)}, exact: []string{s}, nullable: s == ""}
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		// Assertions only narrow what matches: as starts they are empty.
		return startSet{ok: true, exact: []string{""}, nullable: true}
	case syntax.OpCharClass:
		var set []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if r >= 0x80 || len(set) == 64 {
					return startSet{}
				}
				set = append(set, string(r))
			}
		}
		return startSet{ok: len(set) > 0, starts: set, exact: set}
	case syntax.OpCapture:
		return startsOf(re.Sub[0])
	case syntax.OpQuest:
		s := startsOf(re.Sub[0])
		s.nullable = true
		if s.exact != nil {
			s.exact = setOf(append([]string{""}, s.exact...))
		}
		return s
	case syntax.OpStar, syntax.OpPlus, syntax.OpRepeat:
		s := startsOf(re.Sub[0])
		s.exact = nil
		if re.Op == syntax.OpStar || re.Op == syntax.OpRepeat && re.Min == 0 {
			s.nullable = true
		}
		if re.Op == syntax.OpRepeat && re.Max == 0 {
			return startSet{ok: true, exact: []string{""}, nullable: true}
		}
		return s
	case syntax.OpAlternate:
		out := startSet{ok: true, exact: []string{}}
		for _, sub := range re.Sub {
			s := startsOf(sub)
			if !s.ok {
				return startSet{}
			}
			out.starts = append(out.starts, s.starts...)
			out.nullable = out.nullable || s.nullable
			if out.exact != nil && s.exact != nil {
				out.exact = append(out.exact, s.exact...)
			} else {
				out.exact = nil
			}
		}
		out.starts = setOf(out.starts)
		out.exact = setOf(out.exact)
		return out.bounded()
	case syntax.OpConcat:
		return concatStarts(re.Sub)
	}
	return startSet{}
}

// concatStarts works out the starts of subs, matched one after another.
func concatStarts(subs []*syntax.Regexp) startSet {
	if len(subs) == 0 {
		return startSet{ok: true, exact: []string{""}, nullable: true}
	}
	a := startsOf(subs[0])
	if !a.ok {
		return startSet{}
	}
	// The rest is worked out only when needed: when a may be empty or
	// its exact strings are short.
	var b *startSet
	rest := func() startSet {
		if b == nil {
			r := concatStarts(subs[1:])
			b = &r
		}
		return *b
	}
	out := startSet{ok: true}
	if a.exact == nil {
		// A non-empty match starts with one of a's starts, or a matched
		// nothing and the rest starts it.
		out.starts = a.starts
		if a.nullable {
			r := rest()
			if !r.ok {
				return startSet{}
			}
			out.starts = append(slices.Clip(out.starts), r.starts...)
			out.nullable = r.nullable
		}
		out.starts = setOf(out.starts)
		return out.bounded()
	}
	r := rest()
	if !r.ok {
		return startSet{}
	}
	out.nullable = a.nullable && r.nullable
	// Each start is one more comparison where its first byte occurs: a's
	// exact strings are extended by the rest's starts only while the list
	// stays short.
	extend := len(a.exact)*len(r.starts) <= maxStarts/4 && len(r.starts) <= 16
	for _, e := range a.exact {
		switch {
		case e == "":
			out.starts = append(out.starts, r.starts...)
		case len(e) >= startLen || r.nullable || !extend:
			out.starts = append(out.starts, cut(e))
		default:
			for _, s := range r.starts {
				out.starts = append(out.starts, cut(e+s))
			}
		}
	}
	if r.exact != nil && len(a.exact)*len(r.exact) <= maxStarts {
		for _, e := range a.exact {
			for _, f := range r.exact {
				out.exact = append(out.exact, e+f)
			}
		}
		out.exact = setOf(out.exact)
	}
	out.starts = setOf(out.starts)
	return out.bounded()
}

// bounded gives up on a set of starts that is too long.
func (s startSet) bounded() startSet {
	if len(s.exact) > maxStarts {
		s.exact = nil
	}
	if len(s.starts) > maxStarts {
		return startSet{}
	}
	return s
}

func cut(s string) string {
	if len(s) > startLen {
		return s[:startLen]
	}
	return s
}

// setOf sorts and dedupes s; nil stays nil.
func setOf(s []string) []string {
	if s == nil {
		return nil
	}
	slices.Sort(s)
	return slices.Compact(s)
}

// minimalStarts drops every start that begins with another: it adds
// nothing.
func minimalStarts(starts []string) []string {
	starts = setOf(slices.Clone(starts))
	var out []string
	for _, s := range starts {
		// sorted: a start's own prefixes come before it
		if len(out) > 0 && strings.HasPrefix(s, out[len(out)-1]) {
			continue
		}
		out = append(out, s)
	}
	return out
}
