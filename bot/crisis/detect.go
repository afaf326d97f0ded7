package crisis

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
	t := normalizeCrisisText(text)
	if t == "" {
		return Result{}
	}
	if rule, ok := matchRules(t); ok {
		return Result{Tier: Crisis, Kind: Self, Rule: rule}
	}
	return Result{}
}

// matchRules runs the high-confidence rule table on normalised text and
// returns the name of the first rule with a match that counts.
func matchRules(t string) (string, bool) {
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
					return r.name, true
				}
			}
		}
	}
	return "", false
}
