package bot

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CrisisMatch says why a message looks like a crisis.
type CrisisMatch struct {
	// Rule is a short stable rule name, one of "relapse-intent",
	// "overdose-intent", "stockpiling", "self-harm", "slang-kms",
	// "slang-unalive", "slang-ctb", "suicidal-intent", "passive-ideation",
	// "hopelessness", "burden" and "farewell". It goes into flag records;
	// the message text never does.
	Rule string
}

// DetectCrisis reports whether text suggests the writer may be in crisis
// now: first-person, current risk of suicide, self-harm or overdose,
// including passive wishes to be dead, farewells and slang ("kms").
//
// The engine calls it on every message, in any state and before consent, and
// answers a match in the same turn. It is safe for concurrent use (it only
// reads tables compiled once), runs in time linear in the length of text
// (about 1 µs for "4", 10-40 µs for a sentence, 2 ms for 10 kB), and never
// logs, keeps or returns the text.
//
// How it decides. The text is normalised (lower case; apostrophes, curly
// or straight, dropped so that "I'm" and "im", "don't" and "dont" are one
// word; quotes, emoji and symbols made spaces; zero-width and other
// invisible characters removed; whitespace collapsed), and known safe
// idioms ("killing it", "dying to see you", "dead tired", "could kill for a
// coffee", "cut myself shaving", "suicide prevention training", ...) are
// blanked out. Then each rule of a small named table of patterns is tried. A match counts unless, in its clause (split at
// punctuation and at "and", "but", "so", "because", "though" ...):
//   - a negation governs it ("I'm not suicidal", "I don't want to kill
//     myself", "no thoughts of hurting myself", "suicidal thoughts: none");
//     passive-ideation rules ignore negation, so "I'm not suicidal but I
//     hope I don't wake up" still counts;
//   - its subject is someone else or it is a topic ("my friend is
//     suicidal", "a talk about suicidal thoughts", "she asked if I was
//     suicidal");
//   - it is told as the past ("years ago", "used to", "back when", "last
//     year", "before I got sober" ...) with nothing that brings it back to
//     now: "again", "still", "lately", "right now" in the same sentence
//     part, "now"/"today" in the same clause, or "feeling that way again",
//     "the thoughts are back" anywhere in the message.
//
// Limits. It reads words, not people. It misses risk said in other words
// ("I gave my things away", "I have a plan", "I want the pain to stop"),
// in other languages, in misspellings or look-alike letters; reported speech
// counts as the writer's ("my friend said I want to die"); and it flags some
// jokes and hyperbole ("this homework makes me want to kill myself lol").
// Where in doubt it errs towards flagging. The detector decides who is
// told, never what is true: every match goes to a human, who judges it, and
// no match proves that someone is safe. It is one line of defence; the
// resources command is always there for anyone, whatever this function says.
func DetectCrisis(text string) (CrisisMatch, bool) {
	t := normalizeCrisisText(text)
	if t == "" {
		return CrisisMatch{}, false
	}
	for i := range crisisIdioms {
		if locs := crisisIdioms[i].findAll(t); locs != nil {
			t = crisisBlank(t, locs)
		}
	}
	sc := crisisScan{t: t}
	for _, r := range crisisRules {
		for i := range r.res {
			for _, loc := range r.res[i].findAll(t) {
				if sc.counts(r, loc[0], loc[1]) {
					return CrisisMatch{Rule: r.name}, true
				}
			}
		}
	}
	return CrisisMatch{}, false
}

// crisisRuleNames returns the names DetectCrisis can put in
// CrisisMatch.Rule, in the order the rules are tried.
func crisisRuleNames() []string {
	var names []string
	seen := map[string]bool{}
	for _, r := range crisisRules {
		if !seen[r.name] {
			seen[r.name] = true
			names = append(names, r.name)
		}
	}
	return names
}

// crisisRule is one row of the rule table: patterns over normalised text
// (no apostrophes, lower case) that share a name and the same checks.
type crisisRule struct {
	name string
	// passive rules are not silenced by negation (passive ideation:
	// "not suicidal but I hope I don't wake up").
	passive bool
	// aboutWriter rules are about the writer whatever the grammatical
	// subject ("everyone would be better off without me").
	aboutWriter bool
	// clauseStart: only filler words ("just", "I'm going to", ...) may come
	// before the match in its clause ("take all my pills", not "I take all
	// my pills every morning").
	clauseStart bool
	// clauseEnd: only filler words ("forever", "anymore", "tonight", ...)
	// may follow the match in its clause ("I can't go on", not "I can't go
	// on the trip").
	clauseEnd bool
	pats      []string
	res       []crisisRegexp
}

// crisisFragments are the pieces of pattern used by name in the table.
// Placeholders may use other placeholders one level deep.
var crisisFragments = strings.NewReplacer(
	"<to>", `(?:to|2)`,
	"<self>", `(?:my ?self|meself)`,
	"<want>", `(?:want(?:ed|ing)? <to>|wanna|wana)`,
	// what someone says when they mean to do something
	"<intent>", `(?:want(?:ed|ing)? <to>|wanna|wana|going <to>|gonna|gunna|gona|finna|about <to>|ready <to>|planning (?:<to>|on)|plan (?:<to>|on)|plans <to>|planned <to>|need <to>|have <to>|gotta|will|ill|shall|should|might|may|decided <to>|deciding <to>|tempted <to>|time <to>|try(?:ing)? <to>|feel like|going <to> go|gonna go)`,
	"<adv>", `(?:(?:just|really|rly|honestly|literally|actually|seriously|fucking|fuckin|fkn|so|finally|probably|definitely|totally|kinda|kind of|sort of|quietly|simply|even|all|go|and|gonna|going to|like) )*`,
	"<pills>", `(?:pills|meds|medication|medications|medicine|tablets|prescription pills|prescriptions?|sleeping pills|sleeping tablets|painkillers|pain meds|pain pills|opioids|opiates|oxys?|oxycodone|benzos|xanax|valium|insulin|antidepressants|tylenol|paracetamol|acetaminophen|fentanyl|fent|methadone|suboxone)`,
)

// crisisRules is the rule table, tried in order; the first counting match
// names the rule. Recovery-specific rules come first because their
// phrases also contain words of the general ones.
var crisisRules = compileCrisisRules([]*crisisRule{
	{
		name: "relapse-intent",
		pats: []string{
			// "going to use until I don't wake up"
			`(?:use|using|drink|drinking|shoot up|shooting up|get high|getting high|get wasted|getting wasted|smoke|smoking|binge|binging|bingeing|relapse|relapsing|pick up|picking up)(?: \w+){0,4} (?:until|till|til|untill) (?:i (?:dont|do not|never|wont|cant|cannot) (?:wake up|wake|breathe)|i die|i am dead|im dead|i stop breathing|my heart stops|it kills me)`,
			`(?:drink|drinking|drank|use|using|drug|drugging|smoke|smoking|shoot|shooting) <self> to death`,
			// "relapse on purpose and not stop"
			`relaps(?:e|ed|ing) (?:on purpose|deliberately|intentionally)`,
			`(?:use|using|drink|drinking|relapse|relapsing|get high|getting high|binge|binging)(?: on purpose| again)? (?:and|n) (?:not|never) (?:stop|stopping|come back|wake up)`,
		},
	},
	{
		name: "overdose-intent",
		pats: []string{
			// "I want to overdose", "gonna OD"
			`(?:<intent>|thinking (?:about|of)|considering|consider) <adv>(?:overdose|overdosing|od|oding|o d)`,
			// "OD on purpose", "took too many pills on purpose"
			`(?:overdose|overdosing|od|oding|o d|(?:take|taking|took|taken|swallow|swallowing|swallowed) (?:too many|way too many|all|all of) (?:my |the |these |those )?<pills>)(?: \w+){0,3} on purpose`,
			`(?:take|taking|took|taken|swallow|swallowing|swallowed|down|downing|downed|neck|necking) (?:a|the|an) (?:whole|entire|full) (?:bottle|box|pack|packet|strip|handful|tub|jar)s? of (?:my |the |these |those )?<pills>`,
			`(?:took|taken|swallowed|downed) (?:too many|way too many|loads of|a bunch of|a handful of|handfuls of|a load of|a lot of) (?:my |the |these |those )?<pills>`,
			`enough (?:<pills> |dope |gear |heroin |stuff |of (?:them|these|it|this) )?<to> (?:kill me|not wake up|never wake up|die|end it|end my life|overdose|od)`,
			`(?:take|taking|took|swallow|swallowing|swallowed|down|downing|downed) (?:all|all of|every one of|the rest of) (?:my |the |these |those )?<pills> (?:at once|all at once|at the same time|in one go|together|tonight|and (?:never|not|dont) wake up|and end it|and die)`,
		},
	},
	{
		// "take all my pills" said as a plan, not "I take all my pills
		// every morning".
		name:        "overdose-intent",
		clauseStart: true,
		pats: []string{
			`(?:take|swallow|down|neck) (?:all|all of|every one of|the rest of) (?:my |the |these |those |them )?<pills>`,
		},
	},
	{
		name: "stockpiling",
		pats: []string{
			`(?:saving|save|saved|stockpiling|stockpile|stockpiled|hoarding|hoard|hoarded|stashing|stash|stashed|squirrell?ing|building up|built up)(?: up| away| aside)? (?:all |some |up )?(?:of )?(?:my |the |these |those |extra |spare |a few |up )?<pills>`,
			`(?:a|my) (?:stash|stockpile|hoard|secret supply) of (?:\w+ )?<pills>`,
			`enough <pills> (?:saved|stashed|stockpiled|put away|hidden)`,
		},
	},
	{
		name: "self-harm",
		pats: []string{
			`(?:hurt|hurting|harm|harming|cut|cutting|burn|burning|punish|punishing|scratch|scratching|bruise|bruising|hit|hitting|beat|beating|injure|injuring|starve|starving|mutilate|mutilating|carve|carving) <self>`,
			`(?:i|im|ive|been|started|start|starting|keep|kept|still|back to|went back to|going back to|<want>|urge <to>|urges <to>|urge|urges|going <to>|gonna|feel like|thinking (?:about|of)|tempted <to>|need <to>|relapsed (?:on|with|into)|relapse (?:on|with|into)|do|did) self ?harm(?:ing|ed|s)?`,
			`self ?harm (?:urges?|thoughts?|again|tonight|rn)`,
			`(?:want|wanna|need|urge|urges|craving|crave|desperate)(?: <to>)? (?:bleed|see blood|feel the blade)`,
			`(?:slit|slitting|slice|slicing|cut|cutting|open) (?:open )?my (?:wrists?|throat|veins?)`,
		},
	},
	{
		// "been cutting again", not "been cutting carbs".
		name:      "self-harm",
		clauseEnd: true,
		pats: []string{
			`(?:been|started|start|starting|keep|kept|still|back to|went back to|going back to|<want>|urge <to>|urges <to>|urge|urges|going <to>|gonna|feel like|thinking (?:about|of)|tempted <to>|need <to>|relapsed (?:on|with|into)|relapse (?:on|with|into)|im|i am|am|i|ive) (?:cutting|cut|burning|burn|scratching|carving|slicing)(?: my (?:arms?|wrists?|legs?|thighs?|skin|stomach|body|hips?))?(?: again)?`,
		},
	},
	{
		name: "slang-kms",
		pats: []string{`kms+`},
	},
	{
		name: "slang-unalive",
		pats: []string{
			`un ?aliv(?:e|ing|ed) (?:<self>|me)`,
			`(?:<intent>|thinking (?:about|of)|considering|commit|committing) <adv>(?:un ?alive|un ?aliving|self ?unalive|sewer ?slide)`,
			`self ?unaliv(?:e|ing)`,
			`sewer ?slide`,
		},
	},
	{
		// "catch the bus", a euphemism for suicide.
		name: "slang-ctb",
		pats: []string{`ctb`},
	},
	{
		name: "suicidal-intent",
		pats: []string{
			// "I'm going to kill myself"
			`(?:kill|killing|killin|kil|off|offing|hang|hanging|shoot|shooting|drown|drowning|poison|poisoning|suffocate|suffocating|gas|gassing|end|ending) <self>`,
			// "I want to end my life"
			`(?:end|ending|take|taking|took) (?:my|my own) life`,
			`end(?:ing)? (?:it|everything|things) (?:all|for good|once and for all|permanently|forever)`,
			`(?:commit|committing|comitting|commiting|comit|attempt|attempting|attempted|do|doing|try|trying|tried) suicide`,
			`(?:write|writing|wrote|written|draft|drafting|leave|leaving|left) (?:a|my) suicide (?:note|letter)`,
			// "thinking about suicide"
			`(?:think|thinking|thinkin|thought|thoughts|considering|consider|contemplating|contemplate|planning|plan|plans|planned|obsessing|fantasi[sz]ing|dreaming|daydreaming|researching|googling|looking up) (?:about |of |on )?(?:suicide|killing <self>|ending (?:my life|my own life|it all|everything|things)|taking my (?:own )?life|dying|not being alive|not existing|being dead)`,
			// "I want to die", "I'd rather die"
			`(?:<want>|ready <to>|deserve <to>|deserving <to>|need <to>|wish <to>|longing <to>|desperate <to>|would rather|d rather|id rather|rather) <adv>diee*`,
			`feel(?:ing|s)? like (?:dying|death|i (?:want|wanna|should|need|deserve) (?:<to> )?die|i should be dead|ending it|ending it all|ending my life)`,
			// "I'm suicidal", "feeling suicidal again"
			`(?:im|i am|am|i was|was|ive been|i have been|been|feel|feeling|felt|feelin|getting|get|got|becoming|become|go|went|gone|always|still|kinda|so|very|really|pretty|extremely|super|quite|bit|fucking|fkn|actively|passively|mildly|severely|seriously|chronically|lowkey|low key|highkey|high key)(?: (?:so|very|really|pretty|kinda|kind of|a bit|a little|a little bit|quite|super|extremely|fucking|fkn|honestly|actually|literally|just|still|always|constantly|again|getting|feeling|starting to feel|more|actively|passively|mildly|severely|seriously|chronically|lowkey|low key|highkey|high key|bit|incredibly|increasingly))* suicidal`,
			`suicidal (?:thoughts?|feelings?|ideation|urges?|ideas?|thinking|tendencies|again|rn|right now|today|tonight|lately|these days|atm)`,
			`suicide (?:is|feels like|seems like|seems|looks like) (?:the|my) only (?:way|option|answer|choice|way out)`,
			`(?:<intent>|thinking (?:about|of)|feel like) <adv>(?:jump|jumping|step|stepping|walk|walking|throw <self>|throwing <self>) (?:off|from|in front of|under|into) (?:a|the|an|this|that|my|oncoming) (?:bridge|building|roof|rooftop|cliff|balcony|train|bus|car|truck|traffic|lorry|tower|overpass|window|ledge|river|sea)`,
		},
	},
	{
		name:      "suicidal-intent",
		clauseEnd: true,
		pats: []string{
			// "planning to end it tonight", not "going to end it with him"
			`(?:<intent>|thinking (?:about|of)|considering) <adv>(?:end|ending) (?:it|things|everything)`,
		},
	},
	{
		// "suicidal." on its own, or "Suicidal? Yes".
		name:        "suicidal-intent",
		clauseStart: true,
		clauseEnd:   true,
		pats:        []string{`suicidal(?: af)?`},
	},
	{
		name:    "passive-ideation",
		passive: true,
		pats: []string{
			// "I wish I was dead"
			`(?:wish|wishing|wished|hope|hoping|hoped|pray|praying|prayed)(?: that)? i (?:was|were|could be|would be|d be|was just|were just|could just be|had been|would just be|already was|were already) dead`,
			`(?:wish|wishing|hope|hoping|pray|praying)(?: that)? i (?:could |would |might |will |just |could just |would just )?(?:diee*|pass away|stop existing|cease to exist|stop breathing|not exist)`,
			`(?:wish|wishing|wished)(?: that)? i (?:was|were|had|had been|d been) never (?:born|here|alive)`,
			`wish(?:ing)? i (?:didnt|did not|wouldnt|couldnt) exist`,
			`wish(?:ing)? i (?:wasnt|was not|werent|were not) (?:alive|here|around|born|in this world|on this earth)`,
			`(?:<want>|wish i could|wish <to>|ready <to>) <adv>sleep (?:forever|for ever|permanently|and never wake)`,
			// "I don't want to be alive anymore"
			`(?:dont|do not|no longer|never)(?: really| even| honestly)? (?:want <to>|wanna|wish <to>) (?:be alive|exist|be around|be on this earth|be in this world|keep living|go on living|live anymore|live any more|live any longer|be here anymore|be here any more)`,
			`(?:better off|be better) dead`,
			`(?:<want>|wish (?:i was|i were|i could be|<to>)|would rather|d rather|id rather|rather) <adv>be dead`,
			`(?:dont|do not|wouldnt|would not|wont|couldnt|could not)(?: really| even| honestly)? (?:care|mind)(?: \w+){0,2} (?:if|whether) i (?:live or die|lived or died|die|died|dont wake up|didnt wake up|never woke up|never wake up|was dead|were dead|od|oded|overdose|overdosed|got hit|get hit)`,
			`(?:wouldnt|would not|dont|do not) mind (?:dying|being dead|not waking up|not existing|if i died|never waking up)`,
			`(?:nobody|no one) (?:would|will|d)(?: even| really)? (?:care|notice|mind)(?: \w+)? if i (?:died|was gone|were gone|disappeared|was dead|were dead|wasnt here|wasnt around|killed <self>|didnt wake up)`,
			`(?:want|wanna|wish|wishing|hope|hoping|need|pray)(?: for)? (?:it all|everything|my life|all of it|all this|all of this|this life) (?:<to> |would |could |will )?(?:just )?(?:all )?(?:end|be over)`,
			`wish (?:my life|it all|everything|life) (?:was|were|would be|could be|is) over`,
			// "I wish the overdose had killed me", "I hope something kills me"
			`(?:wish|wishing|hope|hoping|pray|praying)(?: that)? (?:it|that|they|he|she|something|someone|somebody|the \w+|a \w+) (?:had |would have |would |could |will |just |had just )?(?:kill|killed|kills|hit|hits) me`,
			// "I want to disappear forever"
			`(?:<want>|wish i could|wish <to>|need <to>|going <to>|gonna|hope <to>|would love <to>|d love <to>) <adv>(?:disappear|vanish|fade away) (?:forever|for good|permanently|from (?:this|the) world|off the face of the earth|and never come back)`,
			`(?:<want>|wish i could|wish <to>) <adv>(?:stop existing|not exist|cease to exist|not be here anymore|not be alive|not wake up|never wake up)`,
		},
	},
	{
		name:      "passive-ideation",
		passive:   true,
		clauseEnd: true,
		pats: []string{
			// "I don't want to go on", not "I don't want to live in London"
			`(?:dont|do not|no longer|never)(?: really| even| honestly)? (?:want <to>|wanna|wish <to>) (?:live|wake up|go on|keep going)`,
			// "I just want to disappear", not "... disappear for a weekend"
			`(?:<want>|wish i could|wish <to>|need <to>|just want <to>) <adv>(?:disappear|vanish|fade away)`,
			// "go to sleep and never wake up", not "... before noon"
			`(?:sleep|fall asleep|go to sleep|go to bed|close my eyes|lie down|lay down|pass out|drift off) (?:and|n|then) (?:never|not|dont|do not|wont|not ever) (?:wake|waking|ever wake)(?: back)? up`,
			// "I hope I don't wake up", not "... wake up late again"
			`(?:hope|hoping|wish|wishing|pray|praying)(?: that)? i (?:dont|do not|never|wont|will not|wouldnt|would not|didnt) (?:wake up|wake|make it through the night|make it to (?:tomorrow|morning|the morning)|see tomorrow|see the morning)`,
			// "sleep until I don't wake up", not "so I don't wake up late"
			`(?:until|till|til|untill|so|and) i (?:dont|do not|never|wont|will not|dont ever) wake(?: back)? up`,
		},
	},
	{
		name: "hopelessness",
		pats: []string{
			// "no reason to live"
			`(?:no|any|zero|not one|not a single|not any|without a|without any) (?:good )?reasons? (?:<to>|for) (?:live|living|go on|going on|keep going|keep living|stay alive|staying alive|be alive|being alive|exist|existing)`,
			`(?:dont|do not|cant|cannot|can not|couldnt) (?:have|find|see|think of)(?: a| any| one| a single)? (?:good )?reasons? (?:<to>|for) (?:live|living|keep living|go on|going on|keep going|be alive|stay alive)`,
			`nothing (?:left )?(?:<to>|worth) liv(?:e|ing) for`,
			`(?:no|whats the|what is the|dont see the|cant see the|lost the|dont see any|cant see any|see no) point (?:in |of |to )?(?:living|life|being alive|going on|keep going|existing|me being here|me living|staying alive|being here anymore|carrying on)`,
			`(?:give|giving|gave|given) up on (?:life|living|myself|everything)`,
			`(?:life|living|my life|it) (?:isnt|is not|aint|doesnt feel|does not feel|doesnt seem|no longer feels|no longer seems|is no longer|not) (?:really |even )?worth (?:living|it anymore|it any more|going on)`,
			`(?:life|my life|living) (?:is|feels|seems) (?:so |completely |totally |just )?(?:pointless|meaningless|hopeless|not worth living)`,
			`(?:there is|theres) no (?:way out|hope left|hope for me|future for me)`,
			`(?:dont|do not|cant|cannot|can not) see (?:a|any|another) way out`,
			`(?:whats|what is) the point (?:anymore|any more|of anything|of it all|in anything|of trying anymore)`,
			`no point (?:in anything|anymore|any more|in trying anymore|to anything)`,
		},
	},
	{
		// "I can't go on", not "I can't go on the trip".
		name:      "hopelessness",
		clauseEnd: true,
		pats: []string{
			// "I'm tired of living", not "tired of living with anxiety"
			`(?:tired|sick|exhausted|weary) (?:of|with) (?:living|being alive|life|existing|this life|my life)`,
			`done with (?:life|living|being alive|existing|this life|my life|it all)`,
			`(?:cant|cannot|can not|unable <to>|dont think i can) (?:go on|keep going|carry on|continue|keep living|keep fighting|live like this|do this any ?more|do it any ?more|take (?:it|this|this pain|the pain|any of this|life) any ?more|keep doing this|handle (?:it|this|life) any ?more|cope any ?more|face another day|do life)`,
		},
	},
	{
		name:        "burden",
		aboutWriter: true,
		pats: []string{
			// "everyone would be better off without me"
			`better off without me`,
			`(?:be|are|is) (?:better|happier|fine|okay|ok)(?: off)? (?:without me|if i (?:was|were) (?:gone|dead|not here|not around)|if i died|if i wasnt (?:here|around)|when im gone)`,
			`(?:im|i am|i feel like|feel like|i feel|i just feel like|im just|i am just|i know im|i know i am)(?: just| such| only| nothing but| always| so)? (?:a|such a|an|nothing but a|only a) (?:huge |big |massive |total |complete )?(?:burden|waste of (?:space|air|oxygen|life|skin))`,
			`(?:burden|waste of space) (?:to|on) (?:everyone|everybody|my family|them|all|the world|my kids|my friends)`,
			`(?:nobody|no one) (?:would|will|d)(?: even| really)? (?:miss|notice) me`,
		},
	},
	{
		name: "farewell",
		pats: []string{
			`(?:you|yall|you guys|you all|nobody|no one|anyone|u)(?: will|ll)? (?:wont|will not|will never|never|wont ever|will not ever) (?:hear from|see|talk to|have <to> deal with|have <to> worry about|hear) (?:from )?me (?:again|anymore|any more|ever again)`,
			`(?:wont|will not|will no longer|wont ever) be (?:here|around) (?:much longer|for much longer|anymore|any more|by (?:tomorrow|morning|the morning)|<to> see (?:tomorrow|the morning|another day))`,
			`(?:wont|will not|will no longer|wont ever) be alive`,
			`by the time (?:you|anyone|someone|somebody|they|u|my \w+) (?:read|reads|see|sees|get|gets|find|finds) this`,
			`(?:my|a) (?:final|last) (?:message|goodbye|words) (?:to|for) (?:you all|everyone|everybody|yall|you guys|the group|all of you|my family)`,
		},
	},
	{
		// "this is my last message", not "my last message for today";
		// "goodbye forever", not "bye forever cigarettes".
		name:      "farewell",
		clauseEnd: true,
		pats: []string{
			`this (?:is|will be|is going <to> be|might be) (?:my|the) (?:last|final) (?:message|msg|text|post|check ?in|words|goodbye|time you(?:ll| will)? hear from me)`,
			`this is goodbye`,
			`(?:goodbye|good bye|bye|farewell|bye bye)(?: to)?(?: everyone| everybody| all| you all| yall| guys| world| all of you| my friends| friends)? (?:forever|for ever|for good|for the last time|cruel world)`,
			`(?:saying|say|said) (?:my )?(?:final|last) goodbyes?`,
		},
	},
})

// crisisIdioms are safe phrases blanked out before the rules run, so that
// "killing it at work" or "I cut myself shaving" never reach them.
var crisisIdioms = compileCrisisPatterns(crisisIdiomPatterns)

var crisisIdiomPatterns = []string{
	// "killing it at work"
	`kill(?:ing|ed|s)? it`,
	// "this traffic is killing me", "that joke killed me"
	`(?:is|are|its|youre|this|that|joke|meme|video) kill(?:ing|s|ed) me`,
	// "I could kill for a coffee"
	`(?:could|would|d) (?:\w+ )?kill for`,
	// "dying to see you"
	`dying (?:to|for)`,
	// "this cake is to die for", not "I want to die for real"
	`(?:is|are|was|were|its|looks|look|smells|tastes) (?:\w+ )?to die for`,
	// "I'd die for a pizza"
	`(?:id|i would|would) die for`,
	// "dead tired", "dead serious"; not "better off dead right now"
	`dead (?:tired|beat|serious|bored|exhausted|funny|ringer|easy|simple)`,
	// "I nearly died laughing", "die of embarrassment"
	`(?:die|died|dying|dead)(?: of| from| with)? (?:laughing|laughter|embarrassment|boredom|cuteness|happiness|excitement|jealousy|envy|cringe)`,
	`(?:nearly|almost) (?:died|die|dying)`,
	// "I'd rather die than wear that"; not "... than go on like this"
	`rather (?:die|be dead) than (?:eat|eating|wear|wearing|be seen|watch|watching|listen|sit|sitting|admit|miss|use|using|drink|drinking|relapse|relapsing|pick up)`,
	`kill(?:ing|ed)? <self> laughing`,
	// "I could kill myself for forgetting"
	`could (?:just |honestly |literally )?kill <self> for`,
	// "killing myself at the gym"
	`killing <self> (?:at|with) (?:work|the gym|gym|training|exercise|studying|homework|overtime|revision|cardio)`,
	// "cut myself shaving", "burnt myself on the stove"; not "hurt myself while drunk"
	`(?:cut|cutting|burnt|burned|burn|burning|hurt|hurting|hit|scratched|bruised) <self> (?:shaving|cooking|chopping|baking|gardening|playing|running|lifting|skating|climbing|on (?:a|the|some)|while (?:cooking|shaving|chopping|gardening|playing|running|working out)|by accident|in the kitchen|at (?:the gym|work|practice|football|training)|when i (?:fell|tripped|slipped))`,
	`accidentally (?:cut|burnt|burned|hurt|hit|scratched) <self>`,
	// "burning myself out"
	`burn(?:ing|ed|t)? <self> out`,
	// "beating myself up about it"
	`beat(?:ing)? <self> up`,
	// "cut myself some slack"
	`cut(?:ting)? <self> (?:some )?slack`,
	`shoot(?:ing)? <self> in the foot`,
	`drown(?:ing|ed)? <self> in (?:work|coffee|tea|paperwork|homework|books|netflix|tv|music|chores|tasks|emails|study|studying|ice cream|chocolate)`,
	`(?:overdose|overdosed|overdosing|od|oding|oded) on (?:sugar|caffeine|coffee|chocolate|candy|cake|carbs|netflix|tv|anime|memes|cuteness|sunshine|sun|pizza|love|nostalgia|cheese|cookies|sweets|junk food|vitamin \w+)`,
	// "dyeing", misspelt
	`dying (?:my |her |his |their |the )?(?:hair|beard|clothes|shirt|jeans|eggs|fabric|shoes)`,
	// topics, not states: "suicide prevention training", "overdose risks"
	`(?:suicide|overdose|self ?harm|od) (?:prevention|awareness|training|risks?|rates?|statistics|stats|hotline|helpline|lifeline|deaths?|crisis|epidemic|reversal|kits?|response|support|resources|squad|mission|doors?|drills?|sprints?|runs?|workshop|course|policy|education|first aid)`,
	// kilometres: "ran 5 kms"
	`(?:\d+|a few|few|couple of|a couple of|many|several|some|hundreds of|thousands of|the) kms|kms (?:away|from|per|an hour|a day|each way|round trip|north|south|east|west|long)`,
}

// The context checks: word lists for the clause around a match, and small
// regexps for what needs phrases.
var (
	// A clause ends at one of crisisClausePuncts or crisisClauseWords:
	// negation, subject and "now" are judged within one clause.
	crisisClauseWords = crisisWords("and but so because cause cuz coz bc though tho although however yet whereas plus or")
	// A sentence part ends at one of crisisPartPuncts or crisisPartWords:
	// past tense is judged within one, so "I was suicidal years ago but I
	// am again" is two parts.
	crisisPartWords = crisisWords("but though tho although however yet whereas except")

	// A negation reaches forward to the next subject: "if I don't get help
	// I will ..." is not negated.
	crisisSubjects  = crisisWords("i im ive id ill you youre we he she they hes shes theyre it its who someone somebody nobody")
	crisisNegations = crisisWords("not no never dont doesnt didnt wont wouldnt isnt arent aint havent hasnt hadnt wasnt nor none nothing neither without nope nah zero stopped quit hardly barely")

	// The nearest subject before a match says whose it is: the writer's,
	// someone else's (a pronoun, or a person after "my", "a", "the" ...:
	// "my best friend"), or a topic's ("a talk about").
	crisisFirstPerson = crisisWords("i im ive id ill me myself meself")
	crisisOthers      = crisisWords("he she they hes shes theyre theyve theyd theyll hed shed him her his them their who whos someone somebody people others")
	crisisDeterminers = crisisWords("my a an our his her their the this that your ur")
	crisisPersons     = crisisWords(`friend friends dad daddy father mom mum mommy mummy mother parent parents
		brother bro sister sis sibling siblings cousin cousins uncle aunt auntie son daughter kid kids children child
		partner wife husband boyfriend girlfriend bf gf fiance fiancee sponsor sponsee mentor mentee roommate flatmate
		housemate neighbor neighbour colleague coworker boss grandma grandpa grandmother grandfather granny nan nephew
		niece ex buddy mate pal bestie bff therapist counselor counsellor doctor teacher student client patient guy girl
		man woman person lady dude member peer`)
	crisisTopics = crisisWords(`training talk course workshop documentary doc article podcast video film movie book
		lecture seminar class presentation statistics stats research study essay paper show series episode news post
		thread song lyrics poem webinar module leaflet pamphlet chapter speaker share discussion conversation story meme
		joke quote scene character`)
	crisisTopicLinks = crisisWords("about on regarding re around covering called titled named where")
	crisisAsk        = crisisWords("asked asks asking ask")
)

const (
	crisisClausePuncts = ".!?;:,"
	crisisPartPuncts   = ".!?;"
)

func crisisWords(list string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}

var (
	// crisisNegAnswer is a bare "no" after a label or a question:
	// "suicidal thoughts: none", "self harm? no".
	crisisNegAnswer = regexp.MustCompile(`^\s*[:?=,]?\s*(?:no|none|nope|nah|never|not really|not at all|not today|not now|zero|0|nil|nothing)\s*(?:[.!?;,]|$)`)

	// What may come before a clauseStart match and after a clauseEnd one.
	crisisStartFillers = crisisOnly(
		"just", "honestly", "ok", "okay", "ugh", "maybe", "so", "then", "well", "now", "tonight", "and", "go",
		"feeling", "very", "really", "kinda", "pretty", "super", "extremely", "lowkey", "highkey", "tbh", "still",
		"again", "literally", "might as well", "time to", "its time to", "lets", "let me",
		"should i", "i should", "i could", "i might", "might", "may", "i may", "i will", "ill", "i am", "im",
		"gonna", "going to", "i wanna", "wanna", "i want to", "want to", "i just want to", "about to", "ready to",
		"need to", "i need to", "gotta", "i gotta", "have to", "i have to",
	)
	crisisEndFillers = crisisOnly(
		"forever", "for ever", "for good", "permanently", "once and for all", "ever", "ever again", "again",
		"anymore", "any more", "any longer", "much longer", "like this", "like that", "at all", "completely",
		"tonight", "today", "tomorrow", "in the morning", "now", "right now", "rn", "atm", "soon", "already",
		"this time", "this week", "this weekend", "at this point", "on purpose",
		"honestly", "tbh", "lol", "idk", "really", "seriously", "literally", "i swear", "fr", "for real", "af",
		"i think", "i guess", "either", "too", "please", "pls", "plz", "sorry", "im sorry",
		"man", "guys", "yall", "everyone", "everybody", "all", "my friends", "friends", "goodbye", "bye",
		"love you", "love you all", "i love you", "i love you all",
		"to you", "to you all", "to everyone", "to anyone", "to the group",
		"from this world", "from the world", "off the face of the earth",
	)

	// crisisPast marks a story about then, not a statement about now.
	crisisPast = crisisAny(
		`used to`, `use to`,
		`(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|many|several|few|some|couple|a couple of|couple of) (?:years?|yrs?|months?|decades?)(?: and (?:a half|\w+ months?))? ago`,
		`years ago`, `months ago`, `long ago`, `a long time ago`, `ages ago`, `years back`, `once upon a time`,
		`back (?:when|then|in (?:the day|\d+|my|those|high school|school|college|rehab|active))`,
		`last year`, `the year before`, `in (?:19|20)\d\d`,
		`in the past`, `at the time`, `at that time`, `at my lowest`, `at rock bottom`,
		`(?:when|while) i was (?:younger|a kid|a child|little|a teen|a teenager|in school|in high school|at school|in college|at uni|in uni|using|drinking|still using|still drinking|in active addiction|in my addiction|in rehab|in treatment|in a dark place|at my worst|sick|at rock bottom|\d+)`,
		`before (?:i got|getting|i was|i became|i went to|i found)(?: sober| clean| help| recovery| rehab| treatment)?`,
		`before (?:rehab|treatment|recovery)`, `in (?:my|active) addiction`,
		`as a (?:kid|child|teen|teenager)`, `growing up`, `in my (?:teens|twenties|20s|thirties|30s|youth|past|old life)`,
	)
	// crisisPastVerb: the clause itself is told in the past.
	crisisPastVerb = crisisAny(`was|were|wasnt|werent|wanted|felt|thought|tried|attempted|wished|hoped|planned|kept|used|had|nearly|almost|didnt|couldnt|overdosed|relapsed|took|went|got|did|would|cut|burned|burnt|hurt|harmed`)
	// crisisSober: "three years clean" makes a past-tense clause a story.
	crisisSober = crisisAny(
		`(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|a|few|several|many) (?:years?|yrs?|months?|weeks?|days?) (?:sober|clean|in recovery|free)`,
		`(?:sober|clean|in recovery) (?:for|since)`, `been (?:sober|clean)`,
	)
	// crisisNowClause brings a past-tense clause to now (same clause only:
	// "now 3 years sober" in another clause is a happy ending).
	crisisNowClause = crisisAny(`now|today|tonight|since|this (?:week|morning|evening|afternoon)|yesterday|last night|recently|lately`)
	// crisisNowPart brings a past-tense clause to now within its part of
	// the sentence: "I was suicidal last year and I am again".
	crisisNowPart = crisisAny(
		`again`, `lately`, `these days`, `right now`, `rn`, `currently`, `tonight`, `at the moment`, `atm`,
		`still (?:am|do|does|feel|want|wanna|think|have|get|struggle|struggling|fighting|battling|thinking|wanting)`,
	)
	// crisisPositive marks a clause about being well: its "again" or "still"
	// does not bring a past crisis back ("... and now I'm happy again").
	crisisPositive = crisisAny(`happy|well|ok|okay|fine|better|good|great|sober|clean|healthy|myself|hopeful|grateful|stable|strong|safe|thriving|alright|calm|content|proud|excited|free`)
	// crisisRecurrence anywhere in the message brings back what a past
	// clause told: "I was suicidal years ago. I'm feeling that way again."
	crisisRecurrence = crisisAny(
		`(?:feel|feeling|felt|feelin|think|thinking) (?:that way|like that|the same way|the same|it|this way|those feelings|that) (?:again|all over again)`,
		`(?:its|it is|they are|theyre|thoughts are|feelings are|the thoughts are|those thoughts are|that feeling is|the feeling is|the urges are)(?: all)? (?:back|coming back|back again|returning|creeping back)`,
		`(?:thoughts|feelings|thinking|it|they|that feeling|those feelings|those thoughts|the thoughts|the feelings) (?:are |is )?(?:coming back|back again|returning|creeping back|starting again|started again)`,
		`still (?:am|do|does|feel that way|feel like that|think about it|have (?:them|those|these|it)|get (?:them|those|these))`,
		`(?:happening|doing it|thinking about it|thinking that|thinking like that) again`,
		`back to (?:feeling|thinking) (?:that way|like that|the same)`,
	)
)

// crisisAny matches any of alts as whole words.
func crisisAny(alts ...string) *regexp.Regexp {
	return regexp.MustCompile(`\b(?:` + strings.Join(alts, "|") + `)\b`)
}

// crisisOnly matches a text made only of phrases among alts.
func crisisOnly(alts ...string) *regexp.Regexp {
	return regexp.MustCompile(`^ ?(?:(?:` + strings.Join(alts, "|") + `) ?)*$`)
}

// crisisScan holds one message's normalised text and what was worked out
// about it once.
type crisisScan struct {
	t string
	// sober and recur are worked out when first needed: 0 not yet, 1 yes,
	// 2 no.
	sober, recur int8
}

// counts reports whether the match t[start:end] of rule r is first-person,
// current and not negated.
func (sc *crisisScan) counts(r *crisisRule, start, end int) bool {
	t := sc.t
	cs, ce := crisisClause(t, start, end, crisisClausePuncts, crisisClauseWords, 240)
	prefix, tail := t[cs:start], t[end:ce]

	if r.clauseStart && !crisisStartFillers.MatchString(prefix) {
		return false
	}
	if r.clauseEnd && !crisisEndFillers.MatchString(tail) {
		return false
	}
	if !r.passive {
		if crisisNegated(prefix) {
			return false
		}
		if crisisNegAnswer.MatchString(t[end:min(len(t), end+24)]) {
			return false
		}
	}
	if !r.aboutWriter && !crisisAboutWriter(prefix, t[start:end]) {
		return false
	}
	return !sc.past(cs, ce, start, end)
}

// crisisClause returns the bounds of the clause around t[start:end]: from
// after the last break before start to the first break after end, looking
// at most limit bytes either way. A break is one of the bytes puncts or one
// of words.
func crisisClause(t string, start, end int, puncts string, words map[string]bool, limit int) (cs, ce int) {
	lo, hi := max(0, start-limit), min(len(t), end+limit)
	cs, ce = lo, hi
	for j := start; j > lo; {
		c := t[j-1]
		if strings.IndexByte(puncts, c) >= 0 {
			cs = j
			break
		}
		if !crisisWordByte(c) {
			j--
			continue
		}
		k := j - 1
		for k > 0 && crisisWordByte(t[k-1]) {
			k--
		}
		if k >= lo && words[t[k:j]] {
			cs = j
			break
		}
		j = k
	}
	for j := end; j < hi; {
		c := t[j]
		if strings.IndexByte(puncts, c) >= 0 {
			ce = j
			break
		}
		if !crisisWordByte(c) {
			j++
			continue
		}
		k := j + 1
		for k < len(t) && crisisWordByte(t[k]) {
			k++
		}
		if k <= hi && words[t[j:k]] {
			ce = j
			break
		}
		j = k
	}
	return cs, ce
}

// crisisNegated reports whether a negation governs what follows prefix: a
// negation among the last six words, none of them a subject ("I don't
// really want to", "no thoughts of"; but not "no, I want to" or "if I
// don't get help I will").
func crisisNegated(prefix string) bool {
	words := strings.Fields(prefix)
	for i := len(words) - 1; i >= max(0, len(words)-6); i-- {
		switch w := words[i]; {
		case crisisSubjects[w]:
			return false
		case crisisNegations[w]:
			return true
		}
	}
	return false
}

// crisisAboutWriter reports whether the match is about the writer: it
// starts with "I", or the nearest subject before it in its clause is the
// writer rather than someone else or a topic. No subject at all counts as
// the writer: chat drops the "I".
func crisisAboutWriter(prefix, match string) bool {
	words := strings.Fields(prefix)
	n := len(words)
	// "she asked if I was suicidal"
	if n >= 2 && (words[n-1] == "if" || words[n-1] == "whether") &&
		(crisisAsk[words[n-2]] || n >= 3 && crisisAsk[words[n-3]]) {
		return false
	}
	switch first, _, _ := strings.Cut(match, " "); first {
	case "i", "im", "ive", "id", "ill":
		return true
	}
	for i := n - 1; i >= 0; i-- {
		switch w := words[i]; {
		case crisisFirstPerson[w]:
			return true
		case crisisOthers[w]:
			return false
		case crisisPersons[w] && (i >= 1 && crisisDeterminers[words[i-1]] || i >= 2 && crisisDeterminers[words[i-2]]):
			return false
		case crisisTopicLinks[w] && i >= 1 && (crisisTopics[words[i-1]] || crisisTopics[strings.TrimSuffix(words[i-1], "s")]):
			return false
		}
	}
	return true
}

// past reports whether the match in clause t[cs:ce] is told as the past and
// nothing brings it back to now.
func (sc *crisisScan) past(cs, ce, start, end int) bool {
	t := sc.t
	clause := t[cs:ce]
	ps, pe := crisisClause(t, start, end, crisisPartPuncts, crisisPartWords, 400)
	part := t[ps:pe]
	isPast := crisisPast.MatchString(clause)
	if !isPast && crisisPastVerb.MatchString(clause) {
		isPast = crisisPast.MatchString(part) || sc.soberStory()
	}
	if !isPast {
		return false
	}
	if crisisNowClause.MatchString(clause) {
		return false
	}
	for _, m := range crisisNowPart.FindAllStringIndex(part, -1) {
		// "... and now I'm happy again" is a happy ending, not a return.
		cs, ce := crisisClause(part, m[0], m[1], crisisClausePuncts, crisisClauseWords, 120)
		if !crisisPositive.MatchString(part[cs:ce]) {
			return false
		}
	}
	return !sc.recurrence()
}

func (sc *crisisScan) soberStory() bool {
	if sc.sober == 0 {
		sc.sober = 2
		if crisisSober.MatchString(sc.t) {
			sc.sober = 1
		}
	}
	return sc.sober == 1
}

// recurrence reports whether the message says the feeling is back, in a
// phrase that is not itself negated ("never again" does not count).
func (sc *crisisScan) recurrence() bool {
	if sc.recur == 0 {
		sc.recur = 2
		for _, m := range crisisRecurrence.FindAllStringIndex(sc.t, -1) {
			cs, _ := crisisClause(sc.t, m[0], m[1], crisisClausePuncts, crisisClauseWords, 120)
			if !crisisNegated(sc.t[cs:m[0]]) {
				sc.recur = 1
				break
			}
		}
	}
	return sc.recur == 1
}

// normalizeCrisisText lower-cases text; drops apostrophes ("I'm" and "im"
// both become "im"), zero-width and other invisible characters and
// combining marks; turns a hyphen between words into a space ("self-harm"),
// other dashes into commas and any other symbol into a space; and collapses
// whitespace, line breaks included. Sentence punctuation .!?;:, is kept,
// followed by one space.
func normalizeCrisisText(s string) string {
	buf := make([]byte, 0, len(s)+8)
	space := func() {
		if n := len(buf); n > 0 && buf[n-1] != ' ' {
			buf = append(buf, ' ')
		}
	}
	punct := func(c byte) {
		if n := len(buf); n > 0 && buf[n-1] == ' ' {
			buf = buf[:n-1]
		}
		if len(buf) > 0 {
			buf = append(buf, c, ' ')
		}
	}
	prevWord := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		word := false
		switch {
		case r == '\'' || r == '’' || r == '‘' || r == 'ʼ' || r == '`' || r == '´' || r == '′' || r == '‛' || r == '＇':
			// "I'm" -> "im", "don't" -> "dont": one spelling whether or not
			// the apostrophe was typed.
			continue
		case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r):
			// zero-width spaces and joiners, bidi controls, soft hyphens,
			// variation selectors, combining marks
			continue
		case r == '…':
			punct('.')
		case r < utf8.RuneSelf && strings.IndexByte(".!?;:,", byte(r)) >= 0:
			punct(byte(r))
		case r == '-' || r == '‐' || r == '‑' || r == '–' || r == '—' || r == '―' || r == '−':
			next, _ := utf8.DecodeRuneInString(s[i:])
			if prevWord && (r == '-' || r == '‐' || r == '‑') && (unicode.IsLetter(next) || unicode.IsDigit(next)) {
				space() // "self-harm" -> "self harm"
			} else {
				punct(',')
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
			word = true
		default:
			space()
		}
		prevWord = word
	}
	if n := len(buf); n > 0 && buf[n-1] == ' ' {
		buf = buf[:n-1]
	}
	out := string(buf)
	// "no one" is a subject, not a negation; "my self" is "myself".
	if strings.Contains(out, "no one") || strings.Contains(out, "my self") {
		out = crisisJoinRe.ReplaceAllStringFunc(out, func(m string) string {
			if m == "no one" {
				return "nobody"
			}
			return "myself"
		})
	}
	return out
}

var crisisJoinRe = regexp.MustCompile(`\b(?:no one|my self)\b`)

// The machinery below compiles the tables and keeps them cheap to run.

// crisisRegexp is one compiled pattern and its keys: substrings one of
// which every match contains, worked out from the pattern itself (see
// crisisKeys). A message without any of them skips the regexp, which is
// what keeps DetectCrisis cheap on ordinary messages.
type crisisRegexp struct {
	re   *regexp.Regexp
	keys []string // nil: always run
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

// findAll returns the matches of c in t. In a long text it runs the regexp
// only on the stretches around its keys.
func (c *crisisRegexp) findAll(t string) [][]int {
	if !c.mayMatch(t) {
		return nil
	}
	if c.keys == nil || len(t) <= 8*crisisReach {
		return c.re.FindAllStringIndex(t, -1)
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
		for _, m := range c.re.FindAllStringIndex(t[lo:hi], -1) {
			locs = append(locs, []int{lo + m[0], lo + m[1]})
		}
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
	expr := `\b(?:` + crisisFragments.Replace(crisisFragments.Replace(pattern)) + `)\b`
	return crisisRegexp{re: regexp.MustCompile(expr), keys: crisisKeys(expr)}
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
