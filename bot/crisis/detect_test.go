package crisis

import (
	"strings"
	"testing"

	"github.com/peerbot/peerbot/bot/crisis/evalset"
)

func TestDetectTiersAndKinds(t *testing.T) {
	tests := []struct {
		name string
		text string
		tier Tier
		kind Kind
	}{
		// tier 1 from the rules, as before
		{"direct", "i want to kill myself", Crisis, Self},
		{"word form", "he wants to die", Crisis, Peer},
		// tier 1 from signals that combine
		{"means and preparation and time", "got the rope ready, doing it tonight", Crisis, Self},
		{"goodbye and time", "saying my goodbyes tonight", Crisis, Self},
		{"overdose in recovery words", "gonna use enough tonight to not wake up", Crisis, Self},
		// order-tolerant windows: words between the parts
		{"words inserted", "im seriously gonna just fucking kill myself", Crisis, Self},
		{"typo", "i wamt to kill mysefl", Crisis, Self},
		{"spaced slang", "gonna k m s", Crisis, Self},
		// negation is scoped to its clause
		{"negation then intent", "cant do this no more gonna end it", Crisis, Self},
		{"negated intent", "not gonna kms, just venting", None, Self},
		{"denied words", "i wasnt saying i want to die, i meant im exhausted", None, Self},
		// quotes, titles and lyrics
		{"song title in quotes", `listening to "i hate myself and want to die" on repeat`, None, Self},
		{"all one quote is own", `"i want to die"`, Crisis, Self},
		{"quoting oneself", `my sponsor asked and i said "i want to die"`, Crisis, Self},
		{"empty quote", `he said "" lol`, None, Self},
		{"quote of an emoji", `my friend texted me "😀"`, None, Self},
		{"quote of punctuation then risk", `she sent "..." and i want to die`, Crisis, Self},
		// recovery stories
		{"there was a time", "there was a time i wanted to die, 3 years sober now", None, Self},
		{"my old self", "my old self would have wanted to end it all after a day like this", None, Self},
		{"back then but again now", "i was suicidal last year and im feeling that way again", Crisis, Self},
		// single weak signals are nothing
		{"means alone", "doctor gave me new pills for my blood pressure", None, Self},
		{"time alone", "see you tomorrow at the meeting", None, Self},
		// idioms
		{"idiom", "this traffic is killing me", None, Self},
		{"cutting back", "cutting back on coffee", None, Self},
		// worried peers
		{"sponsee with a gun", "my sponsee texted me he has a gun and wants to end it what do i do", Risk, Peer},
		{"peer goodbye", "my friend is on the bridge right now and texted me goodbye", Crisis, Peer},
		{"reported quote", `my sister sent me a message saying "i'm sorry for everything, take care of mom"`, Risk, Peer},
		// disclosures
		{"relapse", "i relapsed yesterday", None, Disclosure},
		{"craving", "i feel like using tonight", None, Disclosure},
		{"negated relapse", "im not going to relapse", None, Self},
		{"crisis beats disclosure", "relapsed and gonna use till my heart stops", Crisis, Self},
		// a clinical question, and a rhetorical one
		{"topic question", "what does passive suicidal ideation mean", None, Self},
		{"rhetorical question", "whats even the point of me being alive", Risk, Self},
		// fillers do not break a match
		{"inserted just", "i wish i just wouldnt wake up", Crisis, Self},
		{"inserted honestly", "i honestly really dont want to be alive anymore", Crisis, Self},
		// chat spelling: a dropped g, "b" for "be"
		{"dropped g", "thinkin bout endin it all", Crisis, Self},
		{"b for be", "i dont wana b here anymor", Crisis, Self},
		{"plan b stays", "going with plan b tonight", None, Self},
		// banter takes a tier off, but a strong signal stays a check
		{"banter with a strong signal", "measured the beam in the basement lol. its strong enough", Risk, Self},
		{"banter with a weak pair", "see you tomorrow lol, gonna do it", None, Self},
		// negation stops at a new subject; a time is never negated
		{"new subject after negation", "if i dont show up monday its not your fault", Crisis, Self},
		{"three weak signals", "if anything happens to me my passwords are in the blue notebook, its not your fault", Crisis, Self},
		{"waiting is not wanting", "im waiting to use the bathroom", None, Self},
		{"first person stays negated", "i dont think im suicidal, just sad", None, Self},
		// a past marker inside a wish is what it is about
		{"wish about the past", "sometimes i wish the overdose last year had worked", Risk, Self},
		{"would have a time is not past", "everyone would have an easier time if i wasnt here", Risk, Self},
		{"in my 20s", "i was suicidal for most of my 20s. therapy saved me", None, Self},
		// plans, means and time that combine
		{"someone else's pills in an amount", "i have 60 of my dads pain pills in a ziploc", Risk, Self},
		{"research of a dose", "googling how many tylenol it takes to shut down your liver", Risk, Self},
		{"time and act", "once the kids are at their dads this weekend im doing it", Risk, Self},
		{"decision", "3am and ive decided. no more waiting", Crisis, Self},
		{"they will find me", "tomorrow morning they'll find me, sorry to whoever", Crisis, Self},
		// compliance is not a plan
		{"took my meds", "i took my meds this morning", None, Self},
		{"took all my meds today", "I took all my meds today", None, Self},
		{"kitchen knife", "bought a new knife set for the kitchen finally", None, Self},
		{"none this week", "suicidal thoughts? none this week", None, Self},
		// someone else's goodbye
		{"peer goodbye post", "my brother posted goodbye on facebook and isnt answering his phone", Risk, Peer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Detect(tt.text)
			if r.Tier != tt.tier || r.Kind != tt.kind {
				t.Errorf("Detect(%q) = %v/%v (rule %q, signals %v), want %v/%v", tt.text, r.Tier, r.Kind, r.Rule, r.Signals, tt.tier, tt.kind)
			}
			if r.Tier != None && r.Rule == "" {
				t.Errorf("Detect(%q) has tier %v but no rule", tt.text, r.Tier)
			}
			if strings.Contains(r.Rule, tt.text) {
				t.Errorf("rule %q holds the text", r.Rule)
			}
		})
	}
}

// TestTunedSetGoals keeps the detector at the issue 11 goals on the sets it
// was tuned on: the dev half of the evaluation set and the extra sets
// written on the detector branch. The test half and eval_extra4.tsv are
// scored only with crisiseval, see testdata/README.md.
func TestTunedSetGoals(t *testing.T) {
	for _, name := range []string{"eval_dev.tsv", "eval_extra.tsv", "eval_extra2.tsv", "eval_extra3.tsv"} {
		t.Run(name, func(t *testing.T) { checkGoals(t, "testdata/"+name) })
	}
}

func checkGoals(t *testing.T, file string) {
	items, err := evalset.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	ts := evalset.Score(items, func(text string) evalset.Outcome {
		r := Detect(text)
		switch r.Kind {
		case Peer:
			return evalset.Outcome{Peer: r.Tier != None}
		case Disclosure:
			return evalset.Outcome{Disclosure: true}
		}
		return evalset.Outcome{Urgent: r.Tier == Crisis, Check: r.Tier == Risk}
	})
	c := evalset.Sum(ts, evalset.LabelCrisis)
	n, d := evalset.Sum(ts, evalset.LabelNot), evalset.Sum(ts, evalset.LabelDisclosure)
	if got := float64(c.Resources) / float64(c.N); got < 0.95 {
		t.Errorf("crisis messages with resources = %.3f, want >= 0.95", got)
	}
	if got := float64(n.Urgent+d.Urgent) / float64(n.N+d.N); got > 0.02 {
		t.Errorf("non-crisis with an urgent flag = %.3f, want <= 0.02", got)
	}
	if got := float64(n.Check+d.Check) / float64(n.N+d.N); got > 0.10 {
		t.Errorf("non-crisis with the safety check = %.3f, want <= 0.10", got)
	}
}

// BenchmarkDetect300 is the issue 11 budget: at most 100 µs for a
// 300-character message.
func BenchmarkDetect300(b *testing.B) {
	benches := []struct{ name, text string }{
		{"benign", strings.Repeat("went to my meeting, talked to my sponsor, cooked dinner and slept ok. ", 5)[:300]},
		{"buried-risk", ("work was fine, the bus was late, my sister called about thanksgiving again. " +
			"i bought a rope on the way home and im doing it tonight. anyway the cat threw up on the rug and " +
			"my goal for the week was to drink more water, did ok on that. mood 2, sleep 5, cravings 3, ok. " +
			"tomorrow is another day i guess, night all")[:300]},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Detect(bb.text)
			}
		})
	}
	// Every message of the dev half, crisis or not, inside ordinary
	// check-in prose and cut to 300 characters: the time per message,
	// averaged.
	items, err := evalset.ReadFile("testdata/eval_dev.tsv")
	if err != nil {
		b.Fatal(err)
	}
	var texts []string
	for _, it := range items {
		s := "work was fine, the bus was late, my sister called about thanksgiving again. " + it.Text +
			" anyway the cat threw up on the rug and my goal for the week was to drink more water, did ok on that."
		texts = append(texts, s[:min(len(s), max(300, len(it.Text)))])
	}
	b.Run("buried-dev-set", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			Detect(texts[i%len(texts)])
			i++
		}
	})
}
