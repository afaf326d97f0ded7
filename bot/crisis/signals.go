package crisis

// Signals: the wider scorer. Each signal is evidence that, alone, may be
// harmless ("tonight", "my pills", "goodbye") and that combines with others
// into tier 1 or tier 2 (SAFETY.md: plans and means, preparation, goodbyes,
// finality and time markers are what keyword rules miss). Patterns allow a
// few words between their parts, so "bought a rope today" and "got the
// rope" are one pattern. Every match goes through the same context checks
// as the rules (negation in its clause, whose it is, past story).

// strength is how much one signal weighs.
type strength int8

const (
	weak   strength = 1 // needs another signal
	strong strength = 2 // risk alone; crisis with any other signal
)

// signal is a named group of patterns of one strength.
type signal struct {
	crisisRule
	strength strength
}

var signals = compileSignals([]*signal{
	{strength: strong, crisisRule: crisisRule{name: "method", pats: []string{
		// "gonna drive my car into a tree", "walk into the lake"
		`(?:<intent>|im|i am|ill|i will|i should|should|thinking (?:about|of)) <adv>(?:jump|jumping|walk|walking|step|stepping|drive|driving|crash|crashing|throw <self>|throwing <self>)(?: \w+){0,4} (?:off|into|in front of|under|from|over)(?: \w+){0,3} (?:bridge|roof|building|overpass|train|traffic|tree|wall|lake|river|sea|ocean|cliff|ledge|highway|truck|bus|tracks|window)`,
		`(?:im|i am|is|are|standing|sitting|up|stood) (?:\w+ ){0,2}(?:on|at) (?:the |a |this )?(?:edge of (?:the |a )?)?(?:bridge|roof|rooftop|ledge|overpass|cliff|tracks|railing)`,
		`garage(?: \w+){0,8} (?:engine running|door shut|doors shut|door closed|doors closed)`,
		`(?:charcoal|hose)(?: \w+){0,5} (?:car|exhaust|windows)`, `taped (?:up )?the windows`,
		`(?:decided on|best way to do it|how many pills it takes|how much it takes)`,
		`eat(?:ing)? (?:his|her|my|their) gun`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "method", clauseEnd: true, pats: []string{
		// "going to jump.", not "going to jump on the trampoline"
		`(?:<intent>|im|ill) <adv>(?:jump|jumping)`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "passive-wish", pats: []string{
		// someone else's burden talk, for a worried peer
		`better off without (?:him|her|them)`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "means-ready", pats: []string{
		// preparation joined to a means: "saving my pills", "loaded the gun"
		`(?:bought|buy|buying|got|get|getting|loaded|load|loading|saved|saving|collecting|collected|counted|counting|lined up|lining up|stockpiling|stockpiled|stashed|stashing|hoarding|took|taken|tied|tying|sharpened|holding|hold)(?: \w+){0,4} (?:rope|noose|gun|pistol|rifle|shotgun|bullets|razors?|razor blades?|blades?|knife|charcoal|hose|<pills>)`,
		`(?:rope|noose|gun|pistol|bullets|razors?|blades?|knife|<pills>) (?:is |are )?(?:loaded|hanging|ready|in my hand|lined up|on the (?:table|counter|bed)|out)`,
		`(?:the|my) (?:knife|blade|gun|rope|razor|pills) (?:\w+ ){0,2}in my hand`,
		`out of the safe`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "means", pats: []string{
		`(?:have|got|has|keep|keeps) (?:\w+ ){0,3}(?:rope|noose|gun|pistol|bullets|razors?|razor blades?|blades?|knife|<pills>)`,
		`(?:the|a) (?:rope|noose|gun|razor blades?|blades?)`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "plan", clauseEnd: true, pats: []string{
		`(?:have|got|made|making) a plan(?: and the means)?`, `(?:got|have) it (?:all )?(?:planned|figured out|worked out)(?: out)?`,
		`thought it (?:all )?through`, `made up my mind`, `(?:found|picked) (?:a|the) (?:spot|place)(?: \w+){0,5}`,
		`how (?:im|i am|i will|ill) (?:gonna |going to )?do it`, `(?:planning|planned) how <to> (?:do it|kill <self>|end it)`,
		`(?:wrote|writing) down how`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "act", pats: []string{
		`(?:<intent>|im|ill|i will|i am|its) <adv>(?:do it|doing it|go through with it|happening)`,
		`(?:ending|end) it`, `the day i (?:go|die|do it)`, `nobody (?:will|can) stop me`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "time", pats: []string{
		`tonight|tomorrow|this weekend|by morning|by the morning|midnight|this time tomorrow|by this time|right now|soon|(?:this |on |next )?(?:friday|saturday|sunday|monday)`,
		`(?:after|when|once) (?:everyone|everybody|they|the kids|my \w+)(?: \w+){0,3} (?:asleep|to bed|to sleep|leaves?|leave|goes|go|gone)`,
		`after my shift`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "goodbye", aboutWriter: true, pats: []string{
		`saying my goodbyes`, `this is goodbye`, `goodbye (?:everyone|everybody|all|forever|world|for good)`, `bye everyone`, `farewell`,
		`(?:my )?last wish`, `(?:this is|its) my last night`,
		`(?:wrote|writing|write|written|left|leaving|leave) (?:a |my |the )?(?:suicide |goodbye )?(?:note|notes|letters?)(?: \w+){0,3} (?:for|to|on)`,
		`(?:wrote|writing|written) (?:goodbye|suicide) (?:letters?|notes?)`,
		`(?:a|my|the) (?:suicide |goodbye )?note (?:written|ready|done)`,
		`(?:look after|take care of|feed|feeds|care for) my (?:\w+ ){0,2}(?:when|after|once) (?:im|i am) gone`,
		`(?:wont|will not|not going <to>|wont be|not gonna) (?:be )?need(?:ing)? (?:it|them|this|that|these|those|anything)(?: anymore| where)?`,
		`dont blame (?:yourselves|yourself|anyone|urself|u)`, `take better care of (?:him|her|them|it) than i`,
		`(?:gave|given|giving|give) (?:away )?(?:all )?my (?:\w+ ){0,2}(?:to|away)(?: \w+){0,4}`,
		`(?:i want|want) you <to> have my`, `(?:made|make) my (?:peace|will)`, `loose ends`,
		`(?:deleting|delete|deleted) (?:all )?my accounts`, `take care of yourselves`, `(?:sorry|im sorry) for everything`,
		`said goodbye to (?:everyone|everybody|my)`, `(?:tell|let) my (?:\w+ ){0,2}(?:i love (?:them|her|him|you))`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "goodbye", aboutWriter: true, clauseEnd: true, pats: []string{
		// "my final message", not "my last message for today"
		`(?:my |this is my |the )?(?:last|final) (?:message|msg|words|goodbye|post|text)`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "finality", aboutWriter: true, pats: []string{
		`(?:wont|will not|not gonna|not going <to>|never) be (?:around|here|a problem|a burden)`,
		`(?:wont|will not) have <to> (?:deal with|worry about|put up with|see) me`,
		`(?:it|all|this)(?: will| ll| is)? (?:all )?(?:be )?(?:over soon|almost over|nearly over|be over)`, `(?:almost|nearly) over`,
		`no more me`, `(?:ill|i will|im gonna|im going <to>|gonna|going <to>) be (?:gone|dead)`, `be gone by`,
		`long sleep`, `(?:clock|check|checking|clocking) out (?:permanently|for good|forever)`, `my exit`,
		`(?:found|find|take|taking|my) (?:my )?way out`, `(?:go|going <to>|gonna) be with my`,
		`make sure (?:they|nobody|no one) (?:cant|can not|cannot)`, `(?:not|never) (?:come|coming) back`,
		`(?:stop|stops|stopping) my heart`, `(?:my )?last (?:one|time ever|high|shot|big shot)`, `one last`,
		`ready <to> go(?: now)?`, `sleep (?:forever|for good|and never)`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "overdose-plan", pats: []string{
		`(?:use|using|shoot|shooting|drink|drinking|take|taking|do|doing|mix|mixing|od|overdose)(?: up)?(?: \w+){0,3} (?:enough <to>|all of it|everything i have|the whole|way more than|till|until|more than i can)`,
		`enough(?: \w+){0,2} <to> (?:not wake|never wake|die|stop my|kill me|end it)`,
		`hot shot`, `nobody can narcan`, `(?:use|using) alone(?: \w+){0,4} (?:narcan|naloxone)`,
		`(?:relapse|use|using|high)(?: \w+){0,5} (?:last (?:one|time)|not come back|my last)`,
		`(?:benzos?|xanax|pills)(?: \w+){0,4} (?:booze|alcohol|vodka|drink|liquor)`, `whole bottle`,
		`(?:od|overdose|overdosing)(?: \w+){0,2} (?:on purpose|tonight)`, `not trying <to> get high`,
		`enough (?:dope|heroin|fent|gear|pills|stuff)(?: \w+){0,3} (?:kill|die|stop)`,
		`planning <to> (?:overdose|od)`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "self-harm-act", pats: []string{
		`(?:cut|cutting|burn|burning|burned|burnt|carve|carved|carving|slit|scratch|scratching|scratched)(?: \w+){0,3} (?:arms?|wrists?|thighs?|legs?|skin|stomach|hips?)`,
		`(?:till|until) (?:it|they|i) (?:bled|bleed|bleeds)`, `(?:want|wanna|need) <to> (?:bleed|hurt)`,
		`(?:started|start|been|keep|kept|back to) cutting(?: again)?`, `cutting is`, `self harmed`, `(?:have|got) the blades? out`,
		`(?:punched|hit|hitting|punching|banged|banging)(?: \w+){0,5} (?:on purpose|till|until)`,
		`on purpose(?: \w+){0,3} (?:hurt|bleed)`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "passive-wish", passive: true, pats: []string{
		`(?:takes|take|took) me in my sleep`,
		`if i (?:just )?(?:died|was gone|were gone|wasnt here|disappeared)(?: \w+){0,5} (?:relief|relieved|easier|better|happier)`,
		`(?:easier|better|happier)(?: \w+){0,4} if i (?:just )?(?:disappeared|died|was gone|wasnt here|wasnt around)`,
		`if (?:a|the) (?:bus|car|truck|train) (?:hit|hits) me`, `(?:stop|stopping) being here`,
		`want(?: \w+){0,2} (?:it all|everything|all of it) <to> stop`, `point (?:\w+ ){0,2}(?:being alive|living|of life|going on)`,
		`(?:relief|relieved)(?: \w+){0,4} (?:die|died|dead)`, `(?:die|died|dead)(?: \w+){0,4} (?:relief|relieved)`,
		`(?:dont|do not|no longer) (?:think i |really )?(?:want <to>|wanna) be alive`, `want <to> be dead`,
		`(?:think|thinking) about dying`, `(?:plan|planning) it out`,
	}}},
})

func compileSignals(sigs []*signal) []*signal {
	for _, s := range sigs {
		s.res = compileCrisisPatterns(s.pats)
	}
	return sigs
}

// signalHits are the signals found in a message, by whose they are.
type signalHits struct {
	self, other []*signal
}

func (h *signalHits) add(s *signal, w who) {
	switch w {
	case whoSelf:
		if !containsSignal(h.self, s) {
			h.self = append(h.self, s)
		}
	case whoOther:
		if !containsSignal(h.other, s) {
			h.other = append(h.other, s)
		}
	}
}

func containsSignal(list []*signal, s *signal) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// findSignals runs every signal on sc's text.
func findSignals(sc *crisisScan) signalHits {
	var h signalHits
	for _, s := range signals {
		for i := range s.res {
			for _, loc := range s.res[i].findAll(sc.t, &sc.pairs) {
				h.add(s, sc.judge(&s.crisisRule, loc[0], loc[1]))
			}
		}
	}
	return h
}

// signalTier combines distinct signals: two strong, or a strong and a weak
// one, are tier 1; one strong or two weak ones are tier 2; a weak one
// alone is nothing.
func signalTier(list []*signal) Tier {
	strongs, weaks := 0, 0
	for _, s := range list {
		if s.strength == strong {
			strongs++
		} else {
			weaks++
		}
	}
	switch {
	case strongs >= 2 || strongs == 1 && weaks >= 1:
		return Crisis
	case strongs == 1 || weaks >= 2:
		return Risk
	}
	return None
}

func signalNames(list []*signal) []string {
	if len(list) == 0 {
		return nil
	}
	names := make([]string, len(list))
	for i, s := range list {
		names[i] = s.name
	}
	return names
}
