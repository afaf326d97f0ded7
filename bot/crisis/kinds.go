package crisis

import "strings"

// Worried peers and disclosures: who the message is about, and relapse or
// cravings that are part of recovery rather than a crisis.

var (
	// crisisWorried is a writer asking how to help someone.
	crisisWorried = crisisAny(
		`what (?:do|should|can|would) (?:i|we) (?:do|say)`, `how (?:do|can|should) i (?:help|talk|reach)`,
		`should i (?:be worried|worry|call|tell)`, `(?:im|i am) (?:so )?(?:scared|worried|afraid) (?:for|about)`,
		`is this a sign`, `is (?:he|she|they) serious`, `(?:i|should i) call 911`, `what should i say`,
		`how do i help`, `dont know what <to> say <to> (?:him|her|them)`,
	)
	// crisisThirdPerson mentions someone else as a person, not a topic.
	crisisThirdPerson = newWordRegexp(`he|she|they|hes|shes|theyre|him|her|someone|somebody|(?:my|our|a|the) (?:\w+ )?(?:` +
		strings.Join(wordList(crisisPersons), "|") + `)`)

	// crisisJoke marks a message as banter ("lol"); crisisNotJoking undoes
	// it ("not even joking").
	crisisJoke       = crisisAny(`lol|lmao|lmfao|haha|hahaha|rofl|jk`)
	crisisNotJoking  = crisisAny(`not (?:even )?(?:joking|kidding|playing)|no cap|for real|fr|srsly|seriously`)
	crisisQuoteMarks = "\"“”«»„"
	// crisisUpbeat: the writer looks forward to something.
	crisisUpbeat = crisisAny(`wish me luck|so excited|excited|cant wait|yay|woohoo|congrats|so happy|stoked|pumped|so proud|celebrating|looking forward`)
	// crisisMedia: the quoted words are a lyric, a title or a line.
	crisisMedia = newWordRegexp(`songs?|lyrics?|title|titled|called|movie|film|line|quote|book|podcast|episode|sound|album|track|by|poem|show|series|reading|watching|watched|listening|singing|sang|karaoke|tiktok|meme|video|goes`)
	// crisisReported says someone sent or said the quoted words.
	crisisReported = newWordRegexp(`says|said|saying|texted|text|message|posted|wrote|sent`)
	// crisisOwnQuote: the writer quotes themself.
	crisisOwnQuote = newWordRegexp(`i (?:said|told \w+|wrote|texted|typed|say|keep saying)`)
)

// disclosures are relapse and craving language (Kind Disclosure).
var disclosures = compileCrisisRules([]*crisisRule{
	{name: "relapse", pats: []string{
		`relaps(?:e|ed|ing)|slipped(?: up)?|fell off the wagon|back to day (?:one|1|zero|0)|day (?:one|1|zero|0) again`,
		`(?:used|drank|smoked|shot up|got high|got drunk|drinking|using|picked up)(?: \w+){0,2} again`,
		`(?:i|just|yesterday i|last night i) (?:used|drank|shot up|got high|got drunk|picked up)`,
		`(?:drank|used|shot up|got high)(?: \w+){0,3} (?:after|last night|yesterday|this weekend)`,
		`had (?:a|one|a few|some) (?:drink|drinks|beer|beers|relapse|slip)`, `went back to the bar`,
		`(?:days?|months?|years?|sobriety|clean time) down the drain|reset my (?:date|days|clock|count|sobriety date)`,
		`(?:drank|used|got drunk|got high) at (?:the|a|my) (?:\w+ )?(?:party|wedding|bar|club|game|concert)`,
		`(?:used|smoked|shot up) (?:with|meth|weed|crack|heroin|dope|coke)`,
	}},
	{name: "craving", pats: []string{
		`crav(?:e|ing|ings)|urges? <to> (?:use|drink|get high)`,
		`(?:want|wants|wanted|wanting|wanna|need|needing|feel like|feeling like|tempted <to>)(?: \w+){0,2} (?:a drink|a beer|a shot|<to> drink|<to> use|<to> get high|<to> cop|<to> score|using|drinking|a hit|<to> join them)`,
		`(?:thinking (?:about|of)|cant stop thinking about|all i can think about is) (?:using|drinking|scoring|getting high|the bottle|the liquor store|going <to> the (?:liquor store|bar))`,
		`(?:might|gonna|going <to>|end up) (?:use|using|drink|drinking|relapse|relapsing)`, `liquor store`,
		`(?:want|wanna|need) <to> (?:use|drink|cop|score)`,
	}},
})

// crisisDisclosure returns the name of the first disclosure rule with a
// match about the writer now, or "".
func crisisDisclosure(sc *crisisScan) string {
	for _, r := range disclosures {
		for i := range r.res {
			for _, loc := range r.res[i].findAll(sc.t, &sc.keys) {
				if sc.judge(r, loc[0], loc[1]) == whoSelf {
					return r.name
				}
			}
		}
	}
	return ""
}

// splitQuotes separates quoted words from the writer's own. The writer's
// text keeps " _ " in place of each quote. Quotes in a message about a
// song, a film or a post are dropped (nobody's state); quotes of what
// someone else said or sent are returned as quoted (evidence for a worried
// peer); a message that is all one quote, or that quotes the writer ("i
// said ..."), is the writer's own words.
func splitQuotes(text string) (own, quoted string) {
	if !strings.ContainsAny(text, crisisQuoteMarks) {
		return text, ""
	}
	var o, q strings.Builder
	in := false
	start := 0
	for i, r := range text {
		if !strings.ContainsRune(crisisQuoteMarks, r) {
			continue
		}
		if !in {
			o.WriteString(text[start:i])
			start = i + len(string(r))
			in = true
			continue
		}
		q.WriteString(text[start:i])
		q.WriteString(" . ")
		o.WriteString(" _ ")
		start = i + len(string(r))
		in = false
	}
	if in { // an unclosed quote is not a quote
		o.WriteString(text[start-1:])
	} else {
		o.WriteString(text[start:])
	}
	if strings.Trim(o.String(), " _.,!?\t\n") == "" {
		return text, ""
	}
	// Quoted words are someone else's only when the message says whose:
	// a song, a film, a post, or another person. "i said "i want to die""
	// is the writer's own.
	lo := strings.ToLower(o.String())
	switch {
	case crisisMedia.MatchString(lo):
		return o.String(), "" // a lyric or a title: nobody's state
	case crisisOwnQuote.MatchString(lo) || !crisisReported.MatchString(lo) && !crisisThirdPerson.MatchString(lo):
		return text, ""
	}
	return o.String(), q.String()
}

func wordList(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for w := range m {
		out = append(out, w)
	}
	return out
}
