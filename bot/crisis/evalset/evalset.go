// Package evalset reads, writes and splits evaluation sets for the crisis
// detector.
//
// A set is a UTF-8 text file, one message a line, three fields separated by
// a tab:
//
//	label<TAB>group<TAB>text
//
// label is one of crisis, not, peer or disclosure:
//
//   - crisis: the writer may be in danger; the message must get the crisis
//     resources (either tier).
//   - not: no danger; it must get neither tier.
//   - peer: the writer is worried about someone else in danger; the message
//     must get the resources and be recognised as a peer message, with no
//     urgent flag on the writer.
//   - disclosure: a relapse or a craving, not a crisis; it must be recognised
//     as a disclosure and get neither tier.
//
// group is a free word that names the kind of message (direct, idiom, lyrics,
// ...); scores are reported per group. In text, \n stands for a newline, \t
// for a tab and \\ for a backslash. Blank lines and lines that start with #
// are ignored.
package evalset

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
)

// The labels a line may carry.
const (
	LabelCrisis     = "crisis"
	LabelNot        = "not"
	LabelPeer       = "peer"
	LabelDisclosure = "disclosure"
)

// Item is one message of a set.
type Item struct {
	Label string
	Group string
	Text  string
	// Line is the 1-based line number in the file it was read from, so a
	// reader can find a miss without the text being printed.
	Line int
}

// Read parses a set. It stops at the first malformed line, naming it.
func Read(r io.Reader) ([]Item, error) {
	var items []Item
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 {
			return nil, fmt.Errorf("line %d: want label<TAB>group<TAB>text", n)
		}
		switch f[0] {
		case LabelCrisis, LabelNot, LabelPeer, LabelDisclosure:
		default:
			return nil, fmt.Errorf("line %d: unknown label %q (want crisis, not, peer or disclosure)", n, f[0])
		}
		if f[1] == "" {
			return nil, fmt.Errorf("line %d: empty group", n)
		}
		items = append(items, Item{Label: f[0], Group: f[1], Text: Unescape(f[2]), Line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return items, nil
}

// ReadFile reads the set in the named file.
func ReadFile(name string) ([]Item, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	items, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return items, nil
}

// Write writes items in the format Read reads, after an optional header of
// comment lines.
func Write(w io.Writer, header []string, items []Item) error {
	bw := bufio.NewWriter(w)
	for _, h := range header {
		fmt.Fprintf(bw, "# %s\n", h)
	}
	for _, it := range items {
		fmt.Fprintf(bw, "%s\t%s\t%s\n", it.Label, it.Group, Escape(it.Text))
	}
	return bw.Flush()
}

// Unescape turns \n, \t and \\ into a newline, a tab and a backslash; any
// other backslash is kept as it is.
func Unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case 'n':
				b.WriteByte('\n')
				i++
				continue
			case 't':
				b.WriteByte('\t')
				i++
				continue
			case '\\':
				b.WriteByte('\\')
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Escape is the inverse of Unescape.
func Escape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\t", `\t`)
	return r.Replace(s)
}

// Split divides items at random into two halves, stratified by label and
// group: within each (label, group) stratum the items are shuffled with a
// generator seeded by seed, and the first half (rounded down) goes to dev,
// the rest to test. The same input and seed give the same split. Items keep
// their input order within each half.
func Split(items []Item, seed uint64) (dev, test []Item) {
	strata := map[string][]int{}
	var keys []string
	for i, it := range items {
		k := it.Label + "\x00" + it.Group
		if _, ok := strata[k]; !ok {
			keys = append(keys, k)
		}
		strata[k] = append(strata[k], i)
	}
	sort.Strings(keys) // map order is random; the split must not be
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	inDev := make([]bool, len(items))
	for _, k := range keys {
		idx := strata[k]
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for _, i := range idx[:len(idx)/2] {
			inDev[i] = true
		}
	}
	for i, it := range items {
		if inDev[i] {
			dev = append(dev, it)
		} else {
			test = append(test, it)
		}
	}
	return dev, test
}
