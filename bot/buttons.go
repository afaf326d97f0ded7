package bot

import (
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
)

// A button's value names the question it answers, so that a click on an
// old prompt — answered meanwhile by typing, after a restart, on another
// replica — can never answer whatever question is current:
//
//	pb1.<scope>.<step>.<n>
//
// scope is the session's ID (or "c" for the consent question, "s" for a
// safety check), step a short hash of the step's id (of the safety check's
// id), n the option's index. The value is short enough
// for Discord's 100-character custom_id with room for an adapter's own
// prefix, and holds nothing a person wrote.
const (
	buttonPrefix = "pb1."
	consentScope = "c"
	consentStep  = "consent"
)

// consentAnswers are the consent question's options, in button order.
var consentAnswers = []string{"yes", "no"}

// newSessionID returns a short random id for a session.
func newSessionID() string {
	return strconv.FormatUint(uint64(rand.Uint32()), 36)
}

// stepToken is a short, stable stand-in for a step id.
func stepToken(step string) string {
	h := fnv.New32a()
	h.Write([]byte(step))
	return strconv.FormatUint(uint64(h.Sum32()), 36)
}

func buttonValue(scope, step string, n int) string {
	return buttonPrefix + scope + "." + stepToken(step) + "." + strconv.Itoa(n)
}

// parseButton splits a button value; ok is false for anything that is not
// one of ours.
func parseButton(v string) (scope, step string, n int, ok bool) {
	rest, found := strings.CutPrefix(v, buttonPrefix)
	if !found {
		return "", "", 0, false
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return "", "", 0, false
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil || n < 0 {
		return "", "", 0, false
	}
	return parts[0], parts[1], n, true
}

// bind gives the options of the current step of the session values bound
// to it.
func (t *turn) bind(opts []Option, step string) []Option {
	s := t.st.Session
	if s.ID == "" {
		// A session saved before sessions had ids.
		s.ID = newSessionID()
		t.changed = true
	}
	for i := range opts {
		opts[i].Value = buttonValue(s.ID, step, i)
	}
	return opts
}

// consentOptions are the consent question's Yes and No buttons.
func (t *turn) consentOptions() []Option {
	return []Option{
		{Label: "Yes", Value: buttonValue(consentScope, consentStep, 0)},
		{Label: "No", Value: buttonValue(consentScope, consentStep, 1)},
	}
}

// resolveClick turns a click into the answer its button stands for. A
// click on a button of an earlier question (or a value that is not ours)
// is refused: the person is told, and shown what is asked now. It returns
// false when the click was refused.
func (t *turn) resolveClick() bool {
	if t.msg.Value == "" {
		return true // typed
	}
	scope, step, n, ok := parseButton(t.msg.Value)
	if ok {
		p, s := t.st.Profile, t.st.Session
		switch {
		case scope == consentScope:
			if step == stepToken(consentStep) && n < len(consentAnswers) &&
				(p.Consent == ConsentAsked || p.Consent == ConsentRefused) {
				t.msg.Value = consentAnswers[n]
				return true
			}
		case scope == safetyScope:
			// "No" to any safety check counts, however old the button: a
			// person who says they are not safe is answered. "Yes"
			// answers only the open check it belongs to.
			if n == 1 || n == 0 && t.st.Safety != nil && step == stepToken(t.st.Safety.ID) {
				t.safetyClick = safetyAnswers[n]
				return true
			}
		case p.Consent == ConsentGiven && s != nil && !s.Held && s.ID == scope && stepToken(s.Step) == step:
			if f := t.e.flows.Get(s.Flow); f != nil {
				if st := f.Step(s.Step); st != nil && n < len(st.Options()) {
					t.msg.Value = st.Options()[n].Value
					return true
				}
			}
		}
	}
	t.refused = true
	const note = "That button belongs to an earlier question, so I haven't counted it."
	switch {
	case t.st.Safety != nil:
		t.say(note+" "+textSafetyAgain, t.safetyOptions()...)
	case t.st.Profile.Consent == ConsentAsked:
		t.say(note+" Is it okay to go ahead? (yes or no)", t.consentOptions()...)
	case t.st.Profile.Consent == ConsentGiven && t.st.Session != nil && !t.st.Session.Held:
		t.reask(note + " Here is where we are now:")
	default:
		t.say(note + " " + textShortHelp)
	}
	return false
}
