package crisis

import (
	"regexp/syntax"
	"slices"
	"strings"
)

// The machinery below compiles the tables and keeps them cheap to run.

// crisisRegexp is one compiled pattern and its keys: substrings one of
// which every match contains, worked out from the pattern itself (see
// crisisKeys). A message without any of them skips the regexp, which is
// what keeps DetectCrisis cheap on ordinary messages.
type crisisRegexp struct {
	re     *wordRegexp
	keys   []string // nil: always run
	keyIDs []uint16 // the keys in keyTable
}

func (c *crisisRegexp) mayMatch(t string) bool {
	if c.keys == nil {
		return true
	}
	for _, k := range c.keys {
		if strings.Contains(t, k) {
			return true
		}
	}
	return false
}

// crisisReach is how far from the key it contains a match may reach.
const crisisReach = 160

// keySet says which of all the patterns' keys occur in a text: bit id of
// keyTable. One pass over the text finds them all (see fill), so that a
// pattern none of whose keys occur is ruled out in a few lookups, without
// scanning the text once per key. It is small enough to live in a
// crisisScan, on the stack.
type keySet [maxKeys / 64]uint64

// maxKeys bounds the number of distinct keys of all tables.
const maxKeys = 2048

func (k *keySet) has(id uint16) bool { return k[id>>6]&(1<<(id&63)) != 0 }

// keyTable indexes every key of every pattern by its first two bytes.
type keyTable struct {
	ids    map[string]uint16
	byPair [1 << 16]uint16 // index+1 into lists, 0 when no key starts so
	lists  [][]keyEntry
}

type keyEntry struct {
	key string
	id  uint16
}

var keys = &keyTable{ids: map[string]uint16{}}

// id returns the id of key, adding it to the table when new.
func (kt *keyTable) id(key string) uint16 {
	if id, ok := kt.ids[key]; ok {
		return id
	}
	if len(kt.ids) == maxKeys {
		panic("crisis: more than maxKeys keys")
	}
	id := uint16(len(kt.ids))
	kt.ids[key] = id
	p := uint16(key[0])<<8 | uint16(key[1])
	if kt.byPair[p] == 0 {
		kt.lists = append(kt.lists, nil)
		kt.byPair[p] = uint16(len(kt.lists))
	}
	kt.lists[kt.byPair[p]-1] = append(kt.lists[kt.byPair[p]-1], keyEntry{key, id})
	return id
}

// fill sets k to the keys that occur in t.
func (k *keySet) fill(t string) {
	*k = keySet{}
	for i := 0; i+1 < len(t); i++ {
		l := keys.byPair[uint16(t[i])<<8|uint16(t[i+1])]
		if l == 0 {
			continue
		}
		for _, e := range keys.lists[l-1] {
			if strings.HasPrefix(t[i:], e.key) {
				k[e.id>>6] |= 1 << (e.id & 63)
			}
		}
	}
}

// mayMatchIn is mayMatch with the keys of t at hand.
func (c *crisisRegexp) mayMatchIn(ks *keySet) bool {
	if c.keys == nil {
		return true
	}
	for _, id := range c.keyIDs {
		if ks.has(id) {
			return true
		}
	}
	return false
}

// findAll returns the matches of c in t, whose keys are ks. In a long text
// it runs the regexp only on the stretches around its keys.
func (c *crisisRegexp) findAll(t string, ks *keySet) [][]int {
	if !c.mayMatchIn(ks) {
		return nil
	}
	if c.keys == nil || len(t) <= 8*crisisReach {
		return c.re.FindAllStringIndex(t)
	}
	var spans [][2]int
	for _, k := range c.keys {
		for i := 0; ; {
			j := strings.Index(t[i:], k)
			if j < 0 {
				break
			}
			p := i + j
			spans = append(spans, [2]int{max(0, p-crisisReach), min(len(t), p+len(k)+crisisReach)})
			i = p + 1
		}
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	var locs [][]int
	for i := 0; i < len(spans); {
		lo, hi := spans[i][0], spans[i][1]
		for i++; i < len(spans) && spans[i][0] <= hi; i++ {
			hi = max(hi, spans[i][1])
		}
		// Cut between words so that \b means what it means in t.
		for lo > 0 && crisisWordByte(t[lo-1]) {
			lo--
		}
		for hi < len(t) && crisisWordByte(t[hi]) {
			hi++
		}
		locs = c.re.appendAll(locs, t[lo:hi], lo)
	}
	return locs
}

func crisisWordByte(b byte) bool {
	return b == '_' || b >= 0x80 || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// crisisBlank replaces each of locs (in order, not overlapping) in t by
// " _ ".
func crisisBlank(t string, locs [][]int) string {
	var b strings.Builder
	b.Grow(len(t))
	last := 0
	for _, l := range locs {
		if l[0] < last {
			continue
		}
		b.WriteString(t[last:l[0]])
		b.WriteString(" _ ")
		last = l[1]
	}
	b.WriteString(t[last:])
	return b.String()
}

func newCrisisRegexp(pattern string) crisisRegexp {
	inner := crisisFragments.Replace(crisisFragments.Replace(pattern))
	c := crisisRegexp{re: newWordRegexp(inner), keys: crisisKeys(`\b(?:` + inner + `)\b`)}
	for _, k := range c.keys {
		c.keyIDs = append(c.keyIDs, keys.id(k))
	}
	return c
}

func compileCrisisPatterns(pats []string) []crisisRegexp {
	res := make([]crisisRegexp, len(pats))
	for i, p := range pats {
		res[i] = newCrisisRegexp(p)
	}
	return res
}

func compileCrisisRules(rules []*crisisRule) []*crisisRule {
	for _, r := range rules {
		r.res = compileCrisisPatterns(r.pats)
	}
	return rules
}

// crisisMaxKeys bounds the number of keys of one pattern: more
// strings.Contains calls than that cost more than running the regexp.
const crisisMaxKeys = 32

// crisisKeys returns substrings one of which occurs in every match of the
// regular expression expr, or nil when it finds no short list of them.
func crisisKeys(expr string) []string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	exact, need := crisisLiterals(re.Simplify())
	keys := crisisBetterKeys(need, exact)
	if keys == nil {
		return nil
	}
	// A key that contains another key adds nothing.
	slices.SortFunc(keys, func(a, b string) int { return len(a) - len(b) })
	var out []string
	for _, k := range keys {
		if !slices.ContainsFunc(out, func(o string) bool { return strings.Contains(k, o) }) {
			out = append(out, k)
		}
	}
	return out
}

// crisisLiterals returns exact, every string re can match when that is a
// short finite list (else nil), and need, a short list of strings one of
// which every match contains (else nil).
func crisisLiterals(re *syntax.Regexp) (exact, need []string) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, nil
		}
		s := string(re.Rune)
		return []string{s}, []string{s}
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return []string{""}, nil
	case syntax.OpCharClass:
		var set []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if len(set) == 4 {
					return nil, nil
				}
				set = append(set, string(r))
			}
		}
		return set, set
	case syntax.OpCapture:
		return crisisLiterals(re.Sub[0])
	case syntax.OpQuest:
		if e, _ := crisisLiterals(re.Sub[0]); e != nil {
			return crisisSet(append([]string{""}, e...)), nil
		}
		return nil, nil
	case syntax.OpPlus:
		e, n := crisisLiterals(re.Sub[0])
		return nil, crisisBetterKeys(n, e)
	case syntax.OpRepeat:
		if re.Min >= 1 {
			e, n := crisisLiterals(re.Sub[0])
			return nil, crisisBetterKeys(n, e)
		}
		return nil, nil
	case syntax.OpConcat:
		full, cur := []string{""}, []string{""}
		for _, sub := range re.Sub {
			e, n := crisisLiterals(sub)
			if e == nil {
				full = nil
				need = crisisBetterKeys(crisisBetterKeys(need, cur), n)
				cur = []string{""}
				continue
			}
			if full != nil {
				full = crisisCross(full, e)
			}
			need = crisisBetterKeys(need, e)
			if c := crisisCross(cur, e); c != nil && len(c) <= crisisMaxKeys {
				cur = c
			} else {
				need = crisisBetterKeys(need, cur)
				cur = e
			}
		}
		return full, crisisBetterKeys(need, cur)
	case syntax.OpAlternate:
		exactOK, needOK := true, true
		for _, sub := range re.Sub {
			e, n := crisisLiterals(sub)
			exactOK = exactOK && e != nil
			if exactOK {
				exact = append(exact, e...)
			}
			k := crisisBetterKeys(n, e)
			needOK = needOK && k != nil
			if needOK {
				need = append(need, k...)
			}
		}
		if !exactOK {
			exact = nil
		}
		if !needOK {
			need = nil
		}
		return crisisSet(exact), crisisSet(need)
	}
	return nil, nil
}

// crisisCross returns every a+b, or nil when there would be too many.
func crisisCross(as, bs []string) []string {
	if len(as)*len(bs) > 4*crisisMaxKeys {
		return nil
	}
	out := make([]string, 0, len(as)*len(bs))
	for _, a := range as {
		for _, b := range bs {
			out = append(out, a+b)
		}
	}
	return crisisSet(out)
}

// crisisSet sorts and dedupes; nil stays nil and too long becomes nil.
func crisisSet(s []string) []string {
	if s == nil || len(s) > 4*crisisMaxKeys {
		return nil
	}
	slices.Sort(s)
	return slices.Compact(s)
}

// crisisBetterKeys returns the better of two key lists: usable ones (no
// key of one byte, not too many), then a trade of a longer shortest key (up to
// 6 bytes) against fewer keys: each key is one more scan of the text.
func crisisBetterKeys(a, b []string) []string {
	score := func(s []string) int {
		if len(s) == 0 || len(s) > crisisMaxKeys {
			return -1
		}
		short := 6
		for _, k := range s {
			short = min(short, len(k))
		}
		if short < 2 {
			return -1 // a one-letter key is in every message
		}
		return 1000 + short*100 - 25*len(s)
	}
	sa, sb := score(a), score(b)
	switch {
	case sa < 0 && sb < 0:
		return nil
	case sa >= sb:
		return a
	default:
		return b
	}
}
