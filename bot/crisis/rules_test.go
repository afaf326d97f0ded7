package crisis

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const crisisPhrasesFile = "testdata/crisis_phrases.txt"

// crisisCase is one line of testdata/crisis_phrases.txt.
type crisisCase struct {
	group  string
	line   int
	text   string
	flag   bool
	rule   string // when flag
	source string // the phrase as written in the file
}

func (c crisisCase) name() string {
	kind := "ok"
	if c.flag {
		kind = "flag"
	}
	return fmt.Sprintf("%s/%s/%s", c.group, kind, c.source)
}

func loadCrisisPhrases(t testing.TB) []crisisCase {
	t.Helper()
	f, err := os.Open(crisisPhrasesFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []crisisCase
	group := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			group = strings.TrimSpace(line[1 : len(line)-1])
			continue
		}
		head, phrase, ok := strings.Cut(line, " |")
		if !ok || group == "" {
			t.Fatalf("%s:%d: want \"[group]\", \"flag <rule> | phrase\" or \"ok | phrase\"", crisisPhrasesFile, n)
		}
		phrase = strings.TrimSpace(phrase)
		c := crisisCase{group: group, line: n, source: phrase, text: phrase}
		if strings.HasPrefix(phrase, `"`) {
			if c.text, err = strconv.Unquote(phrase); err != nil {
				t.Fatalf("%s:%d: bad quoted phrase: %v", crisisPhrasesFile, n, err)
			}
		}
		switch fields := strings.Fields(head); {
		case len(fields) == 2 && fields[0] == "flag":
			c.flag, c.rule = true, fields[1]
		case len(fields) == 1 && fields[0] == "ok":
		default:
			t.Fatalf("%s:%d: want \"flag <rule>\" or \"ok\" before \"|\"", crisisPhrasesFile, n)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// urgentSelf runs Detect and reports whether it raises what the phrase file
// calls a flag: tier Crisis about the writer (an urgent flag).
func urgentSelf(text string) (Result, bool) {
	r := Detect(text)
	return r, r.Tier == Crisis && r.Kind == Self
}

func TestDetectCrisisPhrases(t *testing.T) {
	for _, c := range loadCrisisPhrases(t) {
		t.Run(c.name(), func(t *testing.T) {
			m, got := urgentSelf(c.text)
			switch {
			case c.flag && !got:
				t.Errorf("line %d: Detect(%q) = %v, want tier crisis, rule %q", c.line, c.text, m, c.rule)
			case c.flag && m.Rule != c.rule:
				t.Errorf("line %d: Detect(%q) rule = %q, want %q", c.line, c.text, m.Rule, c.rule)
			case !c.flag && got:
				t.Errorf("line %d: Detect(%q) = rule %q, want no urgent flag on the writer", c.line, c.text, m.Rule)
			}
		})
	}
}

// TestDetectCrisisPhrasesInLongMessage puts each phrase, as a sentence of
// its own, in the middle of a long benign message: long messages take
// another path (the regexps run only around their keys).
func TestDetectCrisisPhrasesInLongMessage(t *testing.T) {
	filler := longCrisisMessage(2<<10, "")
	for _, c := range loadCrisisPhrases(t) {
		t.Run(c.name(), func(t *testing.T) {
			if strings.HasPrefix(c.text, "“") {
				// A quote inside a message that names other people (the
				// filler's sponsor) is read as someone else's words.
				t.Skip("quoted phrase")
			}
			text := filler + "\n" + c.text + ".\n" + filler
			m, got := urgentSelf(text)
			if got != c.flag || got && m.Rule != c.rule {
				t.Errorf("line %d: urgentSelf(filler + %q + filler) = %q, %v; want %q, %v", c.line, c.text, m.Rule, got, c.rule, c.flag)
			}
		})
	}
}

// TestCrisisPhrasesCoverage keeps the fixture honest: enough phrases, both
// kinds in every group, and every rule exercised.
func TestCrisisPhrasesCoverage(t *testing.T) {
	cases := loadCrisisPhrases(t)
	if len(cases) < 60 {
		t.Errorf("%d phrases, want at least 60", len(cases))
	}
	type count struct{ flag, ok int }
	groups := map[string]*count{}
	used := map[string]bool{}
	rules := crisisRuleNames()
	for _, c := range cases {
		g := groups[c.group]
		if g == nil {
			g = &count{}
			groups[c.group] = g
		}
		if c.flag {
			g.flag++
			used[c.rule] = true
			if !slices.Contains(rules, c.rule) {
				t.Errorf("line %d: unknown rule %q (rules: %v)", c.line, c.rule, rules)
			}
		} else {
			g.ok++
		}
	}
	for name, g := range groups {
		if g.flag == 0 || g.ok == 0 {
			t.Errorf("group %q has %d must-flag and %d must-not-flag phrases, want both", name, g.flag, g.ok)
		}
	}
	for _, r := range rules {
		if !used[r] {
			t.Errorf("rule %q has no must-flag phrase", r)
		}
	}
	flags, oks := 0, 0
	for _, g := range groups {
		flags, oks = flags+g.flag, oks+g.ok
	}
	t.Logf("%d phrases in %d groups: %d must flag, %d must not", len(cases), len(groups), flags, oks)
}

// TestCrisisKeys checks that the keys worked out from each pattern never
// hide a match its regexp would find, on every phrase of the fixture.
func TestCrisisKeys(t *testing.T) {
	var all []crisisRegexp
	all = append(all, crisisIdioms...)
	for _, r := range crisisRules {
		all = append(all, r.res...)
	}
	for _, s := range signals {
		all = append(all, s.res...)
	}
	for _, d := range disclosures {
		all = append(all, d.res...)
	}
	for _, c := range loadCrisisPhrases(t) {
		text := normalizeCrisisText(c.text)
		for _, p := range all {
			if p.re.MatchString(text) && !p.mayMatch(text) {
				t.Errorf("%s matches %q but none of its keys %q occur", p.re, text, p.keys)
			}
		}
	}
}

// TestCrisisRuleNames pins the rule names: they are stored in flags, so
// renaming one is a breaking change (update the CrisisMatch doc too).
func TestCrisisRuleNames(t *testing.T) {
	rules := crisisRuleNames()
	want := []string{"relapse-intent", "overdose-intent", "stockpiling", "self-harm", "slang-kms", "slang-unalive",
		"slang-ctb", "suicidal-intent", "passive-ideation", "hopelessness", "burden", "farewell"}
	if !slices.Equal(rules, want) {
		t.Errorf("crisisRuleNames() = %q, want %q", rules, want)
	}
	for _, r := range rules {
		for _, c := range r {
			if (c < 'a' || c > 'z') && c != '-' {
				t.Errorf("rule name %q: want lower-case words joined by '-'", r)
				break
			}
		}
	}
}

// FuzzCrisisKeys checks on any text that no pattern's keys hide a match
// and that DetectCrisis neither panics nor returns an unknown rule.
func FuzzCrisisKeys(f *testing.F) {
	for _, c := range loadCrisisPhrases(f) {
		f.Add(c.text)
	}
	f.Add(`he said "" lol`) // a quote with no words in it once panicked
	var all []crisisRegexp
	all = append(all, crisisIdioms...)
	for _, r := range crisisRules {
		all = append(all, r.res...)
	}
	for _, s := range signals {
		all = append(all, s.res...)
	}
	for _, d := range disclosures {
		all = append(all, d.res...)
	}
	rules := crisisRuleNames()
	f.Fuzz(func(t *testing.T, text string) {
		norm := normalizeCrisisText(text)
		for _, p := range all {
			if p.re.MatchString(norm) && !p.mayMatch(norm) {
				t.Errorf("%s matches %q but none of its keys %q occur", p.re, norm, p.keys)
			}
		}
		if m := Detect(text); !validResult(m, rules) {
			t.Errorf("Detect(%q) = %+v", text, m)
		}
	})
}

// validResult checks what every Result must be: no rule without a tier
// (except a disclosure, which has no tier), a rule for every tier, a peer
// or disclosure only of its own tier range, and a known rule name.
func validResult(r Result, rules []string) bool {
	switch {
	case r.Tier == None && r.Kind == Disclosure:
		return r.Rule == "relapse" || r.Rule == "craving"
	case r.Tier == None:
		return r.Kind == Self && r.Rule == "" && r.Signals == nil
	case r.Kind == Disclosure:
		return false
	case r.Rule == "":
		return false
	}
	return slices.Contains(rules, r.Rule) || strings.HasPrefix(r.Rule, "signals:") || r.Rule == "peer-worried"
}

func TestNormalizeCrisisText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"spaces only", " \t\n ", ""},
		{"lower case", "I Want", "i want"},
		{"straight apostrophe", "I'm", "im"},
		{"curly apostrophe", "I’m don’t", "im dont"},
		{"missing apostrophe", "Im dont cant", "im dont cant"},
		{"curly quotes", "“hello”", "hello"},
		{"zero width", "d\u200bi\u200ce\u200d\ufeff\u2060", "die"},
		{"bidi controls", "\u202eabc\u202c", "abc"},
		{"soft hyphen", "sui\u00adcidal", "suicidal"},
		{"combining marks", "d\u0336i\u0336e\u0336", "die"},
		{"collapse whitespace", "a  \t b", "a b"},
		{"newline is a space", "i want\nto\r\ndie", "i want to die"},
		{"punctuation kept", "yes, no. ok?", "yes, no. ok?"},
		{"space before punctuation", "ok , fine", "ok, fine"},
		{"hyphen between words", "self-harm ok-ish", "self harm ok ish"},
		{"dash between clauses", "fine - not really — ok", "fine, not really, ok"},
		{"emoji", "ok 🙂 fine", "ok fine"},
		{"right to left", "مرحبا", "مرحبا"},
		{"no one", "No one cares", "nobody cares"},
		{"my self", "hurt my self", "hurt myself"},
		{"leading punctuation", "...ok", "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := normalizeCrisisText(tt.in); got != tt.want {
				t.Errorf("normalizeCrisisText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// crisisFiller is benign check-in prose, repeated to build long messages.
const crisisFiller = "Slept badly but went to my meeting, talked to my sponsor and cooked dinner; cravings were strong, I'm killing it at work and dead tired. "

func longCrisisMessage(size int, tail string) string {
	var b strings.Builder
	for b.Len()+len(tail) < size {
		b.WriteString(crisisFiller)
	}
	b.WriteString(tail)
	return b.String()
}

func TestDetectCrisisLongMessage(t *testing.T) {
	tests := []struct {
		name string
		text string
		rule string // "" for no match
	}{
		{"10kB benign", longCrisisMessage(10<<10, ""), ""},
		{"10kB risk at the end", longCrisisMessage(10<<10, "I want to die."), "suicidal-intent"},
		{"10kB risk at the start", "I want to die. " + longCrisisMessage(10<<10, ""), "suicidal-intent"},
		{"10kB negated repeats", strings.Repeat("I don't want to kill myself. ", 350), ""},
		{"10kB past repeats", strings.Repeat("Years ago I wanted to die. ", 380), ""},
		{"10kB third-party repeats", strings.Repeat("my friend said kms, ", 512), ""},
		{"10kB one word", strings.Repeat("kms", 3413), ""},
		{"10kB no punctuation", strings.Repeat("not ", 2600) + "i want to die", "suicidal-intent"},
		{"100kB benign", longCrisisMessage(100<<10, ""), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			begin := time.Now()
			m, got := urgentSelf(tt.text)
			if elapsed := time.Since(begin); elapsed > 2*time.Second {
				t.Errorf("took %v on %d bytes", elapsed, len(tt.text))
			}
			if got != (tt.rule != "") || got && m.Rule != tt.rule {
				t.Errorf("urgentSelf(%d bytes) = %q, %v; want %q", len(tt.text), m.Rule, got, tt.rule)
			}
		})
	}
}

// TestDetectCrisisConcurrent is meant for -race: the detector shares only
// read-only compiled tables.
func TestDetectCrisisConcurrent(t *testing.T) {
	cases := loadCrisisPhrases(t)
	var wg sync.WaitGroup
	errs := make(chan string, len(cases)*8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := range cases {
				c := cases[(i+w*7)%len(cases)]
				if m, got := urgentSelf(c.text); got != c.flag || (c.flag && m.Rule != c.rule) {
					errs <- fmt.Sprintf("line %d: got %q, %v", c.line, m.Rule, got)
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func BenchmarkDetect(b *testing.B) {
	benches := []struct{ name, text string }{
		{"answer", "4"},
		{"sentence", "cravings were strong but I called my sponsor and went to a meeting"},
		{"risk", "I'm not suicidal but I hope I don't wake up"},
		{"10kB-benign", longCrisisMessage(10<<10, "")},
		{"10kB-risk-at-end", longCrisisMessage(10<<10, "I was suicidal last year and I'm feeling that way again")},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			b.SetBytes(int64(len(bb.text)))
			b.ReportAllocs()
			for b.Loop() {
				Detect(bb.text)
			}
		})
	}
}
