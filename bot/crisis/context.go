package crisis

import (
	"regexp"
	"strings"
)

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
	crisisSubjects = crisisWords("i im ive id ill you youre we he she they hes shes theyre it its who someone somebody nobody")
	// A negation does not reach past these: "no more" and "not anymore"
	// close their own phrase, and an intent word starts a new one ("cant do
	// this no more gonna end it").
	crisisNegStops    = crisisWords("more anymore longer gonna gunna finna boutta imma ima")
	crisisIntentStops = crisisWords("gonna gunna finna boutta imma ima")
	crisisNegations   = crisisWords("not no never dont doesnt didnt wont wouldnt isnt arent aint havent hasnt hadnt wasnt nor none nothing neither without nope nah zero stopped quit hardly barely")

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
	crisisNegAnswer = regexp.MustCompile(`^\s*[:?=,]?\s*(?:no|none|nope|nah|never|not really|not at all|not today|not now|zero|0|nil|nothing)(?: (?:today|tonight|this week|this month|lately|recently|so far|at all|anymore|in a while|for a while|for (?:\d+|a|two|three|a few) (?:days|weeks|months)|thankfully|tbh|lol|rn|right now|atm|yet|again))*\s*(?:[.!?;,]|$)`)

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
		"no cap", "fr fr", "ngl", "deadass", "for real",
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
		`there (?:was|were) (?:a time|times|days|nights|years|moments|a period)`, `my old self`, `the old me`,
		`the (?:guy|girl|man|woman|person|kid) i (?:was|used to be)`, `in the old days`, `old days`,
		`when i (?:first )?(?:got|was getting|came into|came in|started getting) (?:sober|clean|recovery|the rooms)`,
		`(?:in|during) (?:early recovery|detox|my first year|active addiction)`, `at my (?:lowest|worst)`,
		`(?:spent|for) (?:years|months|so long|a long time)`,
		// "would have wanted to", not "would have an easier time"
		`(?:would|could|might) have (?:\w+ed|been|done|gone|taken|felt|thought|drunk|drank|used|got|gotten|made|wanted|tried|killed|ended|cut|hurt|given|picked|relapsed)|wouldve|couldve|id have`,
		`(?:in|for|during|most of|all of|half of|through) my (?:teens|twenties|20s|thirties|30s|forties|40s|childhood|adolescence|youth)`,
		`(?:in|during|through) (?:high school|middle school|college|uni)`,
		`my first (?:year|months?|weeks?|days?|time) (?:sober|clean|in recovery|in the rooms)?`,
		`i remember`, `i was (?:so |completely |totally )?wrong`,
		`the (?:night|day|time|week|year) (?:that )?i (?:almost|nearly|tried|attempted|overdosed|wanted|first|was)`,
		`this time last year`, `at (?:age )?(?:1[3-9]|2[0-9])`, `when i was in (?:active addiction|my addiction|rehab|treatment|detox|the psych ward|hospital)`,
		`\d+ (?:years?|yrs?|months?) ago`, `years ago today`,
		`as a (?:kid|child|teen|teenager)`, `growing up`, `in my (?:teens|twenties|20s|thirties|30s|youth|past|old life)`,
	)
	// crisisPastVerb: the clause itself is told in the past.
	crisisPastVerb = crisisAny(`was|were|wasnt|werent|wanted|felt|thought|tried|attempted|wished|hoped|planned|kept|used|had|nearly|almost|didnt|couldnt|overdosed|relapsed|took|went|got|did|would|cut|burned|burnt|hurt|harmed|begged|remember|spent|wrote`)
	// crisisClinicalQ opens a question about a topic.
	crisisClinicalQ = regexp.MustCompile(`^ ?(?:what (?:does|is|are|do)|whats|how (?:do you|does|many|long|can you)|is it (?:normal|true)|can you)\b`)
	// crisisRhetoricalQ is a question that is a state, not a topic:
	// "whats the point of me being alive".
	crisisRhetoricalQ = regexp.MustCompile(`^ ?(?:whats|what is|what s|what does|how (?:do|can) (?:i|you)) (?:the )?(?:point|use|reason)\b`)
	// crisisDenied: the writer denies having said or meant it. Every
	// match holds "say", "said" or "mean" (see mayBeDenial).
	crisisDenied = regexp.MustCompile(`\b(?:not|wasnt|isnt|never|dont|didnt|im not|i am not)(?: really| actually)? (?:saying|say|said|mean|meant|sayin)(?: that)?(?: i)? ?$`)
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
func crisisAny(alts ...string) *wordRegexp {
	return newWordRegexp(strings.Join(alts, "|"))
}

// crisisOnly matches a text made only of phrases among alts.
func crisisOnly(alts ...string) *regexp.Regexp {
	return regexp.MustCompile(`^ ?(?:(?:` + strings.Join(alts, "|") + `) ?)*$`)
}

// crisisScan holds one message's normalised text and what was worked out
// about it once.
type crisisScan struct {
	t    string
	full string // t before fillers were dropped ("seriously" says "not joking")
	keys keySet
	// sober and recur are worked out when first needed: 0 not yet, 1 yes,
	// 2 no.
	sober, recur int8
}

// who is whose state a match speaks of.
type who int8

const (
	whoNone  who = iota // negated, past, a topic, or not a match
	whoSelf             // the writer, now
	whoOther            // someone else, now: the writer may be a worried peer
)

// counts reports whether the match t[start:end] of rule r is first-person,
// current and not negated.
func (sc *crisisScan) counts(r *crisisRule, start, end int) bool {
	return sc.judge(r, start, end) == whoSelf
}

// judge says whose current state the match t[start:end] of rule r is
// about, or whoNone when it is negated, told as the past, a topic, or
// outside the fillers its rule allows.
func (sc *crisisScan) judge(r *crisisRule, start, end int) who {
	t := sc.t
	cs, ce := crisisClause(t, start, end, crisisClausePuncts, crisisClauseWords, 240)
	prefix, tail := t[cs:start], t[end:ce]

	if r.clauseStart && !crisisStartFillers.MatchString(prefix) {
		return whoNone
	}
	if r.clauseEnd && !crisisEndFillers.MatchString(tail) {
		return whoNone
	}
	if !r.passive {
		// A match that opens with its own subject starts a new clause: a
		// negation before it does not reach it ("if i dont show up monday
		// its not your fault").
		if !startsWithSubject(t[start:end]) && crisisNegated(prefix) {
			return whoNone
		}
		if crisisNegAnswer.MatchString(t[end:min(len(t), end+24)]) {
			return whoNone
		}
	}
	// "i wasnt saying i want to die": a denial of the words, not a state.
	if before := t[max(0, start-40):start]; mayBeDenial(before) && crisisDenied.MatchString(before) {
		return whoNone
	}
	if sc.past(cs, ce, start, end) {
		return whoNone
	}
	// "what does passive suicidal ideation mean": a question about the
	// topic, not a state.
	if ss, _ := crisisClause(t, start, end, crisisPartPuncts, nil, 240); crisisClinicalQ.MatchString(t[ss:start]) && !crisisRhetoricalQ.MatchString(t[ss:end]) {
		return whoNone
	}
	if r.aboutWriter {
		return whoSelf
	}
	w, explicit := crisisWho(prefix, t[start:end])
	if !explicit && cs > 0 {
		// "he has a gun and wants to end it": a clause joined by "and"
		// shares the subject of the one before it in the sentence.
		if ss, _ := crisisClause(t, cs, cs, crisisPartPuncts, nil, 240); ss < cs {
			if pw, ok := crisisWho(t[ss:cs], ""); ok {
				return pw
			}
		}
	}
	return w
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
		case crisisNegStops[w]:
			// "not gonna" is negated; "no more gonna" is not.
			return crisisIntentStops[w] && i >= 1 && crisisNegations[words[i-1]]
		case crisisNegations[w]:
			return true
		}
	}
	return false
}

// startsWithSubject reports whether match opens with a subject word other
// than "I": "i dont think im suicidal" stays negated.
func startsWithSubject(match string) bool {
	first, _, _ := strings.Cut(match, " ")
	return crisisSubjects[first] && !crisisFirstPerson[first]
}

// crisisWho says whose the match is, and whether a word said so: the writer's when it starts with "I"
// or the nearest subject before it in its clause is the writer; someone
// else's when that subject is another person ("my best friend", "he") or
// the match itself names them ("kill himself"); nobody's (a topic) after "a
// talk about" or "she asked if". No subject at all counts as the writer:
// chat drops the "I".
func crisisWho(prefix, match string) (w who, explicit bool) {
	words := strings.Fields(prefix)
	n := len(words)
	// "she asked if I was suicidal"
	if n >= 2 && (words[n-1] == "if" || words[n-1] == "whether") &&
		(crisisAsk[words[n-2]] || n >= 3 && crisisAsk[words[n-3]]) {
		return whoNone, true
	}
	switch first, _, _ := strings.Cut(match, " "); first {
	case "i", "im", "ive", "id", "ill":
		return whoSelf, true
	}
	if crisisOtherSelf.MatchString(match) {
		return whoOther, true
	}
	for i := n - 1; i >= 0; i-- {
		switch w := words[i]; {
		case w == "me" && i >= 1 && crisisToMe[words[i-1]]:
			// "my friend sent me ...": the object, not the subject
			continue
		case crisisFirstPerson[w]:
			return whoSelf, true
		case crisisOthers[w]:
			return whoOther, true
		case crisisPersons[w] && (i >= 1 && crisisDeterminers[words[i-1]] || i >= 2 && crisisDeterminers[words[i-2]]):
			return whoOther, true
		case crisisTopicLinks[w] && i >= 1 && (crisisTopics[words[i-1]] || crisisTopics[strings.TrimSuffix(words[i-1], "s")]):
			return whoNone, true
		}
	}
	return whoSelf, false
}

// crisisToMe are verbs whose object "me" is not the subject of what
// follows.
var crisisToMe = crisisWords("sent texted told asked called messaged showed gave sends texts tells asks calls messages shows gives dmed emailed")

var crisisOtherSelf = crisisAny(`himself|herself|themselves|themself`)

// past reports whether the match in clause t[cs:ce] is told as the past and
// nothing brings it back to now.
func (sc *crisisScan) past(cs, ce, start, end int) bool {
	t := sc.t
	clause := t[cs:ce]
	ps, pe := crisisClause(t, start, end, crisisPartPuncts, crisisPartWords, 400)
	part := t[ps:pe]
	// A past marker inside the match is what the wish is about ("i wish
	// the overdose last year had worked"), not when it is told.
	isPast := crisisPast.MatchString(t[cs:start]) || crisisPast.MatchString(t[end:ce])
	if !isPast && crisisPastVerb.MatchString(clause) {
		isPast = crisisPast.MatchString(t[ps:start]) || crisisPast.MatchString(t[end:pe]) || sc.soberStory()
	}
	if !isPast {
		return false
	}
	if crisisNowClause.MatchString(clause) {
		return false
	}
	for _, m := range crisisNowPart.FindAllStringIndex(part) {
		// "... and now I'm happy again" is a happy ending, not a return.
		cs, ce := crisisClause(part, m[0], m[1], crisisClausePuncts, crisisClauseWords, 120)
		if !crisisPositive.MatchString(part[cs:ce]) {
			return false
		}
	}
	return !sc.recurrence()
}

// mayBeDenial is false when s cannot match crisisDenied: it saves running
// that regexp before almost every match.
func mayBeDenial(s string) bool {
	return strings.Contains(s, "sa") && (strings.Contains(s, "say") || strings.Contains(s, "said")) || strings.Contains(s, "mean")
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
		for _, m := range crisisRecurrence.FindAllStringIndex(sc.t) {
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
