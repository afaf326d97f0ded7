package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	crisispkg "github.com/peerbot/peerbot/bot/crisis"
)

// The safety net's answers to what the crisis detector finds (SAFETY.md):
//
//   - tier 1 about the writer: the crisis reply and an urgent flag (crisis,
//     in consent.go);
//   - tier 2 about the writer: the safety check, "Are you safe right now?",
//     in a message that already carries the resources. "No" (or "not
//     sure"), silence past Options.SafetyCheckAfter, or another risk or
//     crisis message while it is open make it urgent; "yes" lets the
//     conversation go on with a concern flag. A "yes" closes only that
//     check: every later message is read again from scratch;
//   - a worried peer: how to help and the resources, no flag on the writer;
//   - a disclosure (relapse, cravings): a warm answer, "resources" pointed
//     to, a concern flag, and the pending question again — never a
//     validation error.

// reasonCrisis is the reason of the urgent flag that crisis language
// raises. Flag reasons are read by the person in "my data": they say
// what happened in plain words, never a label for the person.
const reasonCrisis = "A message suggested danger; crisis lines were sent at once"

// DefaultSafetyCheckAfter is how long a safety check waits for an answer
// before its silence raises an urgent flag.
const DefaultSafetyCheckAfter = 10 * time.Minute

// SafetyCheck is an open "Are you safe right now?" question, asked because
// a message showed possible risk (crisis tier 2). It stays on the State
// until it is answered, or overtaken by a crisis or a second risk message.
type SafetyCheck struct {
	// ID binds the check's buttons and its timer to it.
	ID string `json:"id"`
	// Asked is when the check was asked; Due is when silence makes it
	// urgent.
	Asked time.Time `json:"asked"`
	Due   time.Time `json:"due"`
	// Rule is the detector's rule that asked it.
	Rule string `json:"rule"`
	// Text is the message that asked it, for the flag its answer or its
	// silence raises; empty for someone who refused consent.
	Text string `json:"text,omitempty"`
	// Held is set when the check paused the running flow (Session.Held),
	// so that "yes" lets that flow go on.
	Held bool `json:"held,omitempty"`
	// Escalated is set once silence past Due has raised the urgent flag;
	// the check stays open for an answer.
	Escalated bool `json:"escalated,omitempty"`
}

// Button and timer names of the safety check.
const (
	safetyScope = "s"
	timerSafety = "safety"
)

// safetyAnswers are the safety check's options, in button order.
var safetyAnswers = []string{"yes", "no"}

// safetyOptions are the open check's Yes and No buttons.
func (t *turn) safetyOptions() []Option {
	id := t.st.Safety.ID
	return []Option{
		{Label: "Yes", Value: buttonValue(safetyScope, id, 0)},
		{Label: "No", Value: buttonValue(safetyScope, id, 1)},
	}
}

// safeOrNot classifies a typed answer to the safety check: "yes", "no",
// "unsure" (taken as no) or "" for anything else.
func safeOrNot(text string) string {
	switch normalizePhrase(text) {
	case "yes", "y", "yeah", "yep", "yup", "ya", "yes i am", "yes i'm safe", "yes im safe", "yes i am safe",
		"i'm safe", "im safe", "i am safe", "safe", "i'm ok", "im ok", "i am ok", "i'm okay", "im okay", "i am okay",
		"ok", "okay", "yes i'm ok", "yes im ok", "yes i'm okay", "i'm fine", "im fine", "i am fine", "fine":
		return "yes"
	case "no", "n", "nope", "nah", "not really", "no i'm not", "no im not", "no i am not", "not safe",
		"i'm not safe", "im not safe", "i am not safe", "no i'm not safe", "no im not safe", "i'm not", "im not":
		return "no"
	case "not sure", "unsure", "i'm not sure", "im not sure", "i am not sure", "idk", "i don't know", "i dont know",
		"dont know", "don't know", "dunno", "maybe", "i guess", "kind of", "sort of":
		return "unsure"
	}
	return ""
}

// safetyText is the safety check: the question and the resources, and,
// when flags reach a person, what silence does.
func (e *Engine) safetyText() string {
	text := "I want to make sure you're okay. Are you safe right now?\n\n" +
		"If you're not, or you're not sure, you can talk to someone right now:\n" + e.bulletResources()
	if e.flagsReach != "" {
		text += fmt.Sprintf("\n\nIf I don't hear back from you within %s, I'll let %s know.", humanDuration(e.safetyAfter), e.flagsReach)
	}
	return text + "\n\nYou can answer with the buttons, or write yes or no."
}

const (
	textSafeYes = `Thank you for letting me know. I'm glad you're safe right now. If that changes, write to me any time — "resources" lists people you can reach day and night.`

	textSafetyAgain = `I'd like to know you're okay first: are you safe right now? (yes or no) If you're not, "resources" lists people you can reach day and night.`
)

// peerText is the reply to someone worried about another person: how to
// help, and the resources (SAFETY.md).
func (e *Engine) peerText() string {
	return "Thank you for looking out for them. Here is how you can help right now:\n" +
		"• If they may be in immediate danger, call your local emergency number and stay with them until help arrives.\n" +
		"• Stay with them, in person or on the phone, and listen without judging. It's okay to ask them directly whether they're thinking about suicide.\n" +
		"• Call a crisis line with them — 988 in the US, or one of the lines below.\n" +
		"• Don't leave them alone with the means: help them move pills, weapons or anything else they could use out of reach, if it's safe for you.\n\n" +
		"People you can reach, day and night — for them, and for you:\n" + e.bulletResources() + "\n\n" +
		"Supporting someone in crisis is hard. Look after yourself too; you can talk to these lines yourself."
}

// disclosureText is the warm answer to a relapse or a craving.
func disclosureText(rule string) string {
	if rule == "relapse" {
		return `Thank you for telling me — that takes courage. A relapse doesn't erase the progress you've made; many people in recovery have been here, and you can start again from today. If you'd like to talk to someone now, say "resources".`
	}
	return `Thank you for telling me. Cravings are part of recovery, and saying so is a strong step. If you'd like to talk to someone now, say "resources" — there are people there day and night.`
}

// risk answers possible risk (tier 2) about the writer: the safety check,
// or, when one is already open, the crisis reply and an urgent flag.
func (t *turn) risk(m crisispkg.Result) {
	if t.st.Safety != nil {
		t.st.Safety = nil
		t.changed = true
		t.urgent("safety-check:risk-again:"+m.Rule, `A second message suggested danger while "Are you safe right now?" was waiting for an answer; crisis lines were sent`, t.msg.Text)
		return
	}
	c := &SafetyCheck{ID: newSessionID(), Asked: t.now, Due: t.now.Add(t.e.safetyAfter), Rule: m.Rule}
	if t.st.Profile.Consent != ConsentRefused {
		c.Text = t.msg.Text
	}
	if s := t.st.Session; s != nil && !s.Held {
		s.Held = true
		c.Held = true
	}
	t.st.Safety = c
	t.changed = true
	t.replies = append(t.replies, Reply{Text: t.e.safetyText(), Options: t.safetyOptions(), Urgent: true})
	t.timers = append(t.timers, timer{name: timerSafety + ":" + c.ID, due: c.Due})
}

// safetyAnswer handles a message while a safety check is open (or a click
// on a safety check's "No", which counts whenever it comes). It returns
// false when the message is for the rest of the engine: a command that
// does not run a flow.
func (t *turn) safetyAnswer(d crisispkg.Result, cmd command, isCmd bool) bool {
	ans := t.safetyClick
	if ans == "" && t.msg.Value == "" && t.st.Safety != nil {
		ans = safeOrNot(t.msg.Text)
	}
	switch ans {
	case "yes":
		t.safe()
		return true
	case "no":
		t.notSafe("safety-check:no", `Answered no to "Are you safe right now?"; crisis lines were sent`)
		return true
	case "unsure":
		t.notSafe("safety-check:unsure", `Answered "not sure" to "Are you safe right now?"; crisis lines were sent`)
		return true
	}
	if t.st.Safety == nil {
		return false
	}
	if isCmd {
		switch cmd.name {
		case cmdCheckin, cmdStart, cmdSkip, cmdResume, cmdBye:
			// Nothing runs a flow past an open safety check, and a
			// goodbye gets the question again rather than a farewell.
			t.askSafetyAgain()
			return true
		}
		return false
	}
	if d.Kind == crisispkg.Disclosure {
		t.disclosure(d)
	}
	t.askSafetyAgain()
	return true
}

// safe is "yes, I'm safe": the check closes, a concern flag is raised
// (silence may have raised an urgent one already), and the conversation
// goes on where it was.
func (t *turn) safe() {
	c := t.st.Safety
	if c == nil {
		return
	}
	t.st.Safety = nil
	t.changed = true
	t.say(textSafeYes)
	if !c.Escalated && t.st.Profile.Consent == ConsentGiven {
		t.raise(LevelConcern, "safety-check:yes:"+c.Rule, `A message may have suggested danger; answered yes to "Are you safe right now?"`, c.Text)
	}
	switch t.st.Profile.Consent {
	case ConsentUnasked:
		// Someone who writes first has come to check in.
		t.askConsent(DefaultFlow)
	case ConsentAsked:
		t.say("Whenever you're ready: is it okay to go ahead? (yes or no)", t.consentOptions()...)
	case ConsentGiven:
		if s := t.st.Session; s != nil && c.Held && s.Held {
			s.Held = false
			t.reask("Let's carry on where we were.")
		}
	}
}

// notSafe is "no" or "not sure": the crisis reply and an urgent flag.
func (t *turn) notSafe(rule, reason string) {
	answer := t.msg.Text
	if c := t.st.Safety; c != nil {
		answer = c.Text
		t.st.Safety = nil
		t.changed = true
	}
	t.urgent(rule, reason, answer)
}

// askSafetyAgain asks the open check again, with its buttons.
func (t *turn) askSafetyAgain() {
	t.say(textSafetyAgain, t.safetyOptions()...)
}

// safetyOverdue raises the urgent flag of an open check whose time has run
// out unanswered; the check stays open for an answer. It runs on every
// turn, so a check is escalated by the user's next message if the timer
// has not fired yet.
func (t *turn) safetyOverdue() {
	c := t.st.Safety
	if c == nil || c.Escalated || t.now.Before(c.Due) {
		return
	}
	c.Escalated = true
	t.changed = true
	t.raise(LevelUrgent, "safety-check:silence:"+c.Rule,
		fmt.Sprintf(`No answer to "Are you safe right now?" within %s`, humanDuration(c.Due.Sub(c.Asked))), c.Text)
}

// safetyTimer is the safety check's timer firing: the check's silence is
// escalated if it is still open and unanswered. It returns true when the
// check is open but not due yet by the engine's clock (the store's clock
// ran ahead), so that the timer is kept for another claim.
func (t *turn) safetyTimer(id string) (early bool) {
	c := t.st.Safety
	if c == nil || c.ID != id {
		return false
	}
	if !c.Escalated && t.now.Before(c.Due) {
		return true
	}
	t.safetyOverdue()
	return false
}

// worriedPeer answers someone worried about another person: how to help
// and the resources, no flag on the writer, and then the pending question.
func (t *turn) worriedPeer() {
	t.replies = append(t.replies, Reply{Text: t.e.peerText(), Urgent: true})
	if t.msg.Direct {
		t.reask("Whenever you're ready, here's where we were:")
	}
}

// disclosure answers a relapse or a craving warmly and raises a concern
// flag for someone who has agreed to take part.
func (t *turn) disclosure(d crisispkg.Result) {
	t.say(disclosureText(d.Rule))
	if t.st.Profile.Consent != ConsentGiven {
		return
	}
	reason := "Talked about cravings"
	if d.Rule == "relapse" {
		reason = "Talked about a relapse"
	}
	t.raise(LevelConcern, "disclosure:"+d.Rule, reason, t.msg.Text)
}

// raise records a flag of the safety net, about where the user is now. For
// someone who refused consent it keeps the rule, never their words.
func (t *turn) raise(level Level, rule, reason, answer string) {
	flow, step := "", ""
	if s := t.st.Session; s != nil {
		flow, step = s.Flow, s.Step
	}
	if t.st.Profile.Consent == ConsentRefused {
		answer = ""
	}
	t.flags = append(t.flags, Flag{
		ID: t.e.newFlagID(t.now), User: t.msg.User, Flow: flow, Step: step, Answer: answer,
		Rule: rule, Level: level, Reason: reason, Time: t.now,
	})
}

// fireTimer runs a timer entry the sweeper claimed, and removes it once it
// has run; one that fails stays, to be claimed again after the lease.
func (e *Engine) fireTimer(ctx context.Context, o Outbound) {
	kind, id, _ := strings.Cut(o.Timer, ":")
	switch kind {
	case timerSafety:
		msg := Message{Platform: o.Platform, User: o.Owner, Time: e.clock.Now()}
		early := false
		owed, _, err := e.apply(ctx, msg, func(t *turn) { early = t.safetyTimer(id) })
		if err != nil {
			e.log.Warn("timer not run, kept for the next sweep", "user", o.Owner, "timer", kind, "code", ErrorCode(err), "err", err)
			return
		}
		_ = e.deliver(ctx, owed)
		if early {
			// Claimed again once the claim's lease runs out.
			return
		}
	case timerBegin, timerRemind, timerExpire, timerFollowup:
		e.runTimer(ctx, o)
		return
	default:
		e.log.Error("unknown timer dropped", "user", o.Owner, "timer", kind)
	}
	if err := e.store.AckOutbox(ctx, o.Owner, o.ID); err != nil {
		e.log.Warn("timer run but not removed; it will run again and find nothing to do", "user", o.Owner,
			"code", ErrorCode(err), "err", err)
	}
}

// humanDuration says a duration in words: "10 minutes", "1 hour".
func humanDuration(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	case d >= time.Minute:
		return plural(int((d+30*time.Second)/time.Minute), "minute")
	}
	return plural(int((d+time.Second/2)/time.Second), "second")
}
