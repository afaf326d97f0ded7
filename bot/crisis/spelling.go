package crisis

import "strings"

// Spelling: chat misspells and abbreviates exactly the words the rules
// need ("i wnat to kil myslef"). Before the rules run, each word of the
// normalised text is mapped to the spelling they expect: known slang and
// typos from a table, and any word of five letters or more within one
// edit (a letter inserted, dropped, changed, or two swapped) of a word of
// the key vocabulary. The key vocabulary leaves out words with a common
// English neighbour one edit away ("killing" and "billing", "saving" and
// "having"): correcting those would invent risk.

// spellingTable maps a word to what the rules expect.
var spellingTable = map[string]string{
	"wnat": "want", "wamt": "want", "wnt": "want", "wnna": "wanna", "wnana": "wanna", "wanan": "wanna", "whant": "want", "wabt": "want", "wana": "wanna",
	"kil": "kill", "kilk": "kill", "killin": "killing", "kiling": "killing", "kilin": "killing",
	"gona": "gonna", "gna": "gonna", "gnna": "gonna", "gunna": "gonna", "gonnna": "gonna", "finna": "gonna", "imma": "im gonna", "ima": "im gonna",
	"boutta": "about to", "bouta": "about to", "abt": "about", "bout": "about",
	"thinkin": "thinking", "thinkn": "thinking", "tryna": "trying to",
	"dei": "die", "dye": "die", "ded": "dead", "lfie": "life", "lief": "life", "lyfe": "life",
	"suicidle": "suicidal", "sucidle": "suicidal", "suicdal": "suicidal", "suisidal": "suicidal", "sewerslide": "sewer slide",
	"jus": "just", "srsly": "seriously", "rly": "really", "tmrw": "tomorrow", "tmr": "tomorrow", "2nite": "tonight", "tonite": "tonight",
	"goodby": "goodbye", "gbye": "goodbye", "bb": "bye", "shd": "self harmed", "shing": "self harming",
}

// spellingPhrases are multi-word spellings, matched on whole words.
var spellingPhrases = strings.NewReplacer(
	" k m s ", " kms ", " n e more ", " anymore ", " n e 1 ", " anyone ",
	" b alive ", " be alive ", " it al ", " it all ", " my slef ", " myself ",
)

// spellingVocab is the key vocabulary that typos are corrected to. Not
// "wanting": "waiting" is one letter away.
var spellingVocab = []string{
	"myself", "suicide", "suicidal", "overdose", "overdosing", "unalive", "unaliving", "goodbye", "goodbyes",
	"forever", "anymore", "permanently", "tomorrow", "everyone", "everybody", "selfharm", "relapse", "relapsed",
	"cravings", "stockpiling", "tonight",
}

// spellingDeletes maps each vocabulary word and each of its one-letter
// deletions to the word: a typo t is within one edit of v when a deletion
// of t, t itself, or a deletion of v coincide (symmetric delete).
var spellingDeletes = func() map[string]string {
	m := map[string]string{}
	for _, v := range spellingVocab {
		m[v] = v
		for i := range v {
			d := v[:i] + v[i+1:]
			if _, ok := m[d]; !ok {
				m[d] = v
			}
		}
	}
	return m
}()

// correctSpelling returns t with every word spelt as the rules expect.
func correctSpelling(t string) string {
	changed := false
	var b strings.Builder
	b.Grow(len(t) + 16)
	for i := 0; i < len(t); {
		if !crisisWordByte(t[i]) {
			b.WriteByte(t[i])
			i++
			continue
		}
		j := i
		for j < len(t) && crisisWordByte(t[j]) {
			j++
		}
		w := t[i:j]
		if c := spellWord(w, t[:i], t[j:]); c != w {
			w, changed = c, true
		}
		b.WriteString(w)
		i = j
	}
	out := t
	if changed {
		out = b.String()
	}
	if strings.Contains(out, " ") {
		p := spellingPhrases.Replace(" " + out + " ")
		out = p[1 : len(p)-1]
	}
	return out
}

// spellWord corrects one word; before and after are the text around it.
func spellWord(w, before, after string) string {
	if c, ok := spellingTable[w]; ok {
		if w == "dye" && !dyeMeansDie(before, after) {
			return w
		}
		return c
	}
	if w == "b" && beMeansBe(before) {
		return "be" // "dont wanna b here"
	}
	if strings.HasSuffix(w, "in") && len(w) >= 4 && ingForms[w+"g"] {
		return w + "g" // "endin it", "cuttin again"
	}
	if len(w) < 5 || len(w) > 14 {
		return w
	}
	if v, ok := spellingDeletes[w]; ok {
		return v // w is a vocabulary word or one letter short of one
	}
	for i := range w {
		if v, ok := spellingDeletes[w[:i]+w[i+1:]]; ok && len(v) >= len(w)-1 && absDiff(len(v), len(w)) <= 1 {
			return v // a letter too many, changed, or (one of) two swapped
		}
	}
	return w
}

// beMeansBe: "b" after "to", "wanna", "gonna", "will", "cant", "dont" ...
// is "be"; "plan b" is not.
func beMeansBe(before string) bool {
	before = strings.TrimRight(before, " ")
	prev := before[strings.LastIndexByte(before, ' ')+1:]
	return crisisBeBefore[prev]
}

var crisisBeBefore = crisisWords("to 2 wanna wana gonna gona gunna will ill cant wont dont never should could would might just not always")

// ingForms are the words ending in -ing that the patterns use: "endin"
// with the g dropped is read as "ending" (chat drops it).
var ingForms = func() map[string]bool {
	m := map[string]bool{}
	var srcs []string
	for _, r := range crisisRules {
		srcs = append(srcs, r.pats...)
	}
	for _, s := range signals {
		srcs = append(srcs, s.pats...)
	}
	for _, d := range disclosures {
		srcs = append(srcs, d.pats...)
	}
	for _, src := range srcs {
		for _, w := range strings.FieldsFunc(crisisFragments.Replace(crisisFragments.Replace(src)), func(r rune) bool {
			return r < 'a' || r > 'z'
		}) {
			// "kill" + "ing", a whole word of at least 5 letters
			if len(w) >= 6 && strings.HasSuffix(w, "ing") {
				m[w] = true
			}
		}
	}
	for _, w := range []string{"during", "nothing", "something", "anything", "everything", "morning", "evening", "thing", "bring", "sing", "king", "ring", "wing", "sting", "spring", "string"} {
		delete(m, w) // their "-in" forms are words of their own, or not chat
	}
	return m
}()

// crisisFillers are dropped from the text the rules read: one inserted
// "just" or "really" must not break a match ("i wish i just wouldnt wake
// up"). A filler followed by punctuation stays.
var crisisFillers = crisisWords("just jus really rly literally honestly actually seriously fucking fuckin fkn freaking friggin kinda totally simply even exactly lowkey genuinely truly")

// dropFillers returns t without its filler words.
func dropFillers(t string) string {
	has := false
	for w := range strings.FieldsSeq(t) {
		if crisisFillers[w] {
			has = true
			break
		}
	}
	if !has {
		return t
	}
	var b strings.Builder
	b.Grow(len(t))
	for w := range strings.FieldsSeq(t) {
		if crisisFillers[w] {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return b.String()
}

// dyeMeansDie: "i want to dye" is "die"; "to dye my hair" is not.
func dyeMeansDie(before, after string) bool {
	if !strings.HasSuffix(before, "to ") {
		return false
	}
	next, _, _ := strings.Cut(strings.TrimLeft(after, " "), " ")
	next = strings.TrimRight(next, ".,!?;:")
	return next == "" || !crisisDyeObjects[next]
}

var crisisDyeObjects = crisisWords("my her his the it them their your a some this that hair eggs clothes")

func absDiff(a, b int) int {
	if a > b {
		return a - b
	}
	return b - a
}
