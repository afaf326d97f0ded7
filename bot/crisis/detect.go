package crisis

import "strings"

// Tier is how sure the detector is that a message needs the crisis
// resources.
type Tier int

const (
	// None: nothing that needs the resources.
	None Tier = iota
	// Risk: possible risk. The engine answers with the safety check ("Are
	// you safe right now?"), which already carries the resources.
	Risk
	// Crisis: high-confidence crisis language. The engine answers with the
	// crisis reply and, for Kind Self, an urgent flag.
	Crisis
)

// String returns "none", "risk" or "crisis".
func (t Tier) String() string {
	switch t {
	case Risk:
		return "risk"
	case Crisis:
		return "crisis"
	}
	return "none"
}

// Kind says whose danger, or what kind of message, a Result is about.
type Kind int

const (
	// Self: the writer (the default).
	Self Kind = iota
	// Peer: someone else is in danger and the writer is a worried peer.
	// The writer gets the resources and how to help, and no urgent flag.
	Peer
	// Disclosure: a relapse or a craving, not a crisis (Tier None): a warm
	// answer, never a validation error.
	Disclosure
)

// String returns "self", "peer" or "disclosure".
func (k Kind) String() string {
	switch k {
	case Peer:
		return "peer"
	case Disclosure:
		return "disclosure"
	}
	return "self"
}

// Result is what Detect found. It never holds any of the message text, so
// it may be logged and stored in flags.
type Result struct {
	// Tier is None, Risk or Crisis.
	Tier Tier
	// Kind is Self, Peer or Disclosure.
	Kind Kind
	// Rule names the rule that decided, or "" when nothing did. Rule names
	// are stable: they go into flag records.
	Rule string
	// Signals names the evidence found (such as "means", "time",
	// "goodbye"), in the order found; for people reviewing a flag.
	Signals []string
}

// Detect reads one chat message and says whether it needs the crisis
// resources, how urgently, and whose danger it is about. See the package
// documentation for how it decides and its limits.
//
// It is safe for concurrent use, runs in time linear in the length of text,
// and never logs, keeps or returns the text.
func Detect(text string) Result {
	own, quoted := splitQuotes(text)
	sc := prepare(own)
	t := sc.t
	if t == "" {
		return Result{}
	}
	self, other := matchRules(&sc)
	hits := findSignals(&sc)
	if qs := prepare(quoted); qs.t != "" {
		// Quoted words are someone else's: a lyric, a title, or what a
		// friend texted. They count only for a worried peer. (Quotes
		// with no words in them, "" or "🙂", add nothing.)
		if _, o := matchRules(&qs); o != "" && other == "" {
			other = o
		}
		if s, _ := matchRules(&qs); s != "" && other == "" && crisisThirdPerson.MatchString(t) {
			other = s
		}
		qh := findSignals(&qs)
		for _, s := range append(qh.self, qh.other...) {
			if crisisThirdPerson.MatchString(t) {
				hits.add(s, whoOther)
			}
		}
	}

	selfTier := signalTier(hits.self)
	rule := ""
	if self != "" {
		selfTier, rule = Crisis, self
	} else if len(hits.self) > 0 {
		rule = "signals:" + strings.Join(signalNames(hits.self), "+")
		// Banter ("lol") takes a tier off what only the wider scorer saw.
		// A strong signal stays at least a safety check: people in
		// crisis write "lol" too.
		if crisisJoke.MatchString(sc.full) && !crisisNotJoking.MatchString(sc.full) && selfTier > None &&
			(selfTier == Crisis || !hasStrong(hits.self)) {
			selfTier--
		}
		// Weak signals only, in a message that looks forward to something
		// ("tonights the night!! first date, wish me luck"): nothing.
		if selfTier == Risk && !hasStrong(hits.self) && crisisUpbeat.MatchString(t) {
			selfTier = None
		}
	}
	otherTier := signalTier(hits.other)
	if other != "" {
		otherTier = Crisis
	}
	worried := crisisWorried.MatchString(t) && crisisThirdPerson.MatchString(t)
	switch {
	case otherTier > None && (self == "" || worried):
		// Someone else is in danger and the writer is not (or is asking
		// how to help): a worried peer.
		r := Result{Tier: otherTier, Kind: Peer, Rule: other, Signals: signalNames(hits.other)}
		if r.Rule == "" {
			r.Rule = "signals:" + strings.Join(r.Signals, "+")
		}
		return r
	case selfTier > None:
		return Result{Tier: selfTier, Kind: Self, Rule: rule, Signals: signalNames(hits.self)}
	case worried && len(hits.self) > 0:
		return Result{Tier: Risk, Kind: Peer, Rule: "peer-worried", Signals: signalNames(hits.self)}
	}
	if d := crisisDisclosure(&sc); d != "" {
		return Result{Kind: Disclosure, Rule: d}
	}
	return Result{}
}

// prepare normalises text, corrects the spelling of the key words and
// blanks out safe idioms. The scan it returns holds the keys that occur in
// the result, for the pre-filter.
func prepare(text string) crisisScan {
	t := normalizeCrisisText(text)
	if t == "" {
		return crisisScan{}
	}
	t = correctSpelling(t)
	full := t
	t = dropFillers(t)
	sc := crisisScan{t: t, full: full}
	sc.keys.fill(t)
	blanked := false
	for i := range crisisIdioms {
		if locs := crisisIdioms[i].findAll(t, &sc.keys); locs != nil {
			t = crisisBlank(t, locs)
			blanked = true
		}
	}
	if blanked {
		sc.t = t
		sc.keys.fill(t) // a blank may make or break keys
	}
	return sc
}

// matchRules runs the high-confidence rule table on prepared text and
// returns the name of the first rule with a match about the writer, and of
// the first about someone else.
func matchRules(sc *crisisScan) (self, other string) {
	for _, r := range crisisRules {
		for i := range r.res {
			for _, loc := range r.res[i].findAll(sc.t, &sc.keys) {
				switch sc.judge(r, loc[0], loc[1]) {
				case whoSelf:
					return r.name, other
				case whoOther:
					if other == "" {
						other = r.name
					}
				}
			}
		}
	}
	return "", other
}
