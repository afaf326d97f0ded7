package crisis

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/peerbot/peerbot/bot/crisis/evalset"
)

// allWordRegexps is every whole-word pattern the detector runs.
func allWordRegexps() []*wordRegexp {
	var all []*wordRegexp
	add := func(res []crisisRegexp) {
		for i := range res {
			all = append(all, res[i].re)
		}
	}
	add(crisisIdioms)
	for _, r := range crisisRules {
		add(r.res)
	}
	for _, s := range signals {
		add(s.res)
	}
	for _, d := range disclosures {
		add(d.res)
	}
	return append(all, crisisPast, crisisPastVerb, crisisNowClause, crisisNowPart, crisisPositive,
		crisisRecurrence, crisisSober, crisisOtherSelf, crisisWorried, crisisThirdPerson, crisisJoke,
		crisisNotJoking, crisisMedia, crisisReported, crisisOwnQuote)
}

// agreeWithRegexp reports the first pattern on which the anchored matcher
// and package regexp disagree about s.
func agreeWithRegexp(t *testing.T, all []*wordRegexp, s string) {
	t.Helper()
	for _, w := range all {
		want := w.re.FindAllStringIndex(s, -1)
		got := w.FindAllStringIndex(s)
		if !slices.EqualFunc(got, want, slices.Equal[[]int]) {
			t.Fatalf("%s on %q: anchored %v, regexp %v", w, s, got, want)
		}
		if w.MatchString(s) != (want != nil) {
			t.Fatalf("%s on %q: MatchString %v, regexp %v", w, s, !(want != nil), want != nil)
		}
	}
}

// TestWordRegexpAgreesWithRegexp checks that anchored matching finds
// exactly the matches of package regexp, on the phrase file and the dev
// half, normalised and as typed, whole and (a quarter of them) cut at
// every clause.
func TestWordRegexpAgreesWithRegexp(t *testing.T) {
	var texts []string
	for _, c := range loadCrisisPhrases(t) {
		texts = append(texts, c.text)
	}
	items, err := evalset.ReadFile("testdata/eval_dev.tsv")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		texts = append(texts, it.Text)
	}
	all := allWordRegexps()
	usable := 0
	for _, w := range all {
		if w.byFirst != nil {
			usable++
		}
	}
	if usable < len(all)*9/10 {
		t.Errorf("only %d of %d patterns have starts", usable, len(all))
	}
	for k, text := range texts {
		n := correctSpelling(normalizeCrisisText(text))
		agreeWithRegexp(t, all, strings.ToLower(text))
		agreeWithRegexp(t, all, n)
		if k%4 != 0 {
			continue // clauses of a quarter of them: enough, and quick under -race
		}
		for i := 0; i < len(n); i++ {
			if strings.IndexByte(crisisClausePuncts, n[i]) >= 0 {
				agreeWithRegexp(t, all, n[:i])
				agreeWithRegexp(t, all, n[i:])
			}
		}
	}
}

// FuzzWordRegexp checks anchored matching against package regexp on any
// text.
func FuzzWordRegexp(f *testing.F) {
	for _, c := range loadCrisisPhrases(f) {
		f.Add(c.text)
	}
	f.Add("bought a rope, got the pills")
	all := allWordRegexps()
	f.Fuzz(func(t *testing.T, text string) {
		agreeWithRegexp(t, all, text)
		agreeWithRegexp(t, all, correctSpelling(normalizeCrisisText(text)))
	})
}

func TestStartsOf(t *testing.T) {
	tests := []struct {
		name string
		expr string
		want []string // nil: no usable starts
	}{
		{"literal", `kms`, []string{"kms"}},
		{"alternation", `buy|bought`, []string{"bought", "buy"}},
		{"words then a gap", `(?:buy|got)(?: \w+){0,4} rope`, []string{"buy ", "got "}},
		{"optional first word", `(?:my )?last wish`, []string{"last wis", "my last "}},
		{"long starts are cut", `stockpiling`, []string{"stockpil"}},
		{"a short word is extended", `(?:a|the) rope`, []string{"a rope", "the rope"}},
		{"digits", `\d+ kms`, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}},
		{"any word first", `\w+ ago`, strings.Split("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz", "")},
		{"may be empty", `(?:so )?`, nil},
		{"any byte", `.+ die`, nil},
		{"case folded", `(?i)die`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWordRegexp(tt.expr)
			var got []string
			if w.byFirst != nil {
				for _, g := range w.groups {
					got = append(got, g...)
				}
				slices.Sort(got)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("starts of %q = %q, want %q", tt.expr, got, tt.want)
			}
			// Whatever the starts, the matches are regexp's.
			re := regexp.MustCompile(`\b(?:` + tt.expr + `)\b`)
			for _, s := range []string{"i got a new rope", "my last wish, last wish", "ran 5 kms", "2 years ago", "DIE die"} {
				if got, want := w.FindAllStringIndex(s), re.FindAllStringIndex(s, -1); !slices.EqualFunc(got, want, slices.Equal[[]int]) {
					t.Errorf("%q on %q: %v, want %v", tt.expr, s, got, want)
				}
			}
		})
	}
}
