package bot

import (
	"fmt"
	"slices"
	"strings"

	crisispkg "github.com/peerbot/peerbot/bot/crisis"
)

// askConsent shows the consent text with Yes/No buttons and remembers the
// flow to start once consent is given. Nothing else about the user is
// stored before they agree.
func (t *turn) askConsent(pendingFlow string) {
	p := &t.st.Profile
	if p.Consent != ConsentAsked || (pendingFlow != "" && p.PendingFlow != pendingFlow) {
		p.Consent = ConsentAsked
		if pendingFlow != "" {
			p.PendingFlow = pendingFlow
		}
		t.changed = true
	}
	t.say(t.e.consentText(), t.consentOptions()...)
}

// consentAnswer handles a message while the consent question is open.
func (t *turn) consentAnswer(cmd command, isCmd bool) {
	p := &t.st.Profile
	if isCmd && cmd.allowedBeforeConsent() {
		t.command(cmd)
		if cmd.name != cmdDelete && cmd.name != cmdStop && cmd.name != cmdBye {
			t.say("Whenever you're ready: is it okay to go ahead? (yes or no)", t.consentOptions()...)
		}
		return
	}
	answer := t.msg.Value
	if answer == "" {
		answer = t.msg.Text
	}
	switch yesOrNo(answer) {
	case "yes":
		pending := p.PendingFlow
		p.Consent = ConsentGiven
		p.ConsentAt = t.now
		p.PendingFlow = ""
		if p.Name == "" {
			p.Name = t.msg.UserName
		}
		if t.msg.Direct && t.msg.Channel != "" {
			p.DMChannel = t.msg.Channel
		}
		t.changed = true
		t.say("Thank you. You can say \"pause\", \"stop\", \"my data\" or \"delete my data\" at any time, and \"help\" shows everything else.")
		if f := t.e.flows.Get(pending); f != nil {
			t.startFlow(f)
		} else {
			t.say("Say \"checkin\" whenever you'd like to start today's check-in.")
		}
	case "no":
		// Keep only the refusal, so the bot knows to stay quiet.
		// An open safety check stays open, without the words that asked it.
		safety := t.st.Safety
		if safety != nil {
			safety.Text = ""
		}
		*t.st = State{User: t.st.User, Version: t.st.Version, Profile: Profile{Consent: ConsentRefused, ConsentAt: t.now}, Safety: safety}
		t.changed = true
		t.say("Understood — thank you for letting me know. I'll keep only this choice, and I won't message you. " +
			"One exception: if you write something that suggests you may be in danger, I'll answer with crisis lines and keep a note that it happened — never your words. " +
			"If you change your mind, just write \"yes\". And if you ever need support, \"resources\" lists people you can reach any time.")
	default:
		t.say("Before we start I need your okay. Is it okay to go ahead? Please answer yes or no.",
			t.consentOptions()...)
	}
}

// refusedUser handles a message from someone who said no to consent: the
// bot answers what is asked and otherwise stays quiet.
func (t *turn) refusedUser(cmd command, isCmd bool) {
	if isCmd && cmd.allowedBeforeConsent() {
		t.command(cmd)
		return
	}
	answer := t.msg.Value
	if answer == "" {
		answer = t.msg.Text
	}
	if yesOrNo(answer) == "yes" || isCmd && (cmd.name == cmdCheckin || cmd.name == cmdStart) {
		t.askConsent("")
		return
	}
	t.say(textRefusedReminder)
}

// yesOrNo classifies a consent answer: "yes", "no" or "".
func yesOrNo(text string) string {
	switch normalizePhrase(text) {
	case "yes", "y", "yeah", "yep", "ok", "okay", "sure", "i agree", "agree", "yes please", "i consent", "1":
		return "yes"
	case "no", "n", "nope", "no thanks", "no thank you", "i don't agree", "i do not agree", "2":
		return "no"
	}
	return ""
}

// consentText says what is stored, who is told of what, and what happens
// on crisis language, as it is true for the engine's configuration: with
// nobody receiving flags it promises no person.
func (e *Engine) consentText() string {
	var who string
	if e.flagsReach == "" {
		who = "• Flags: some answers (like a very low mood) and anything that suggests you may be in danger are marked with a flag and kept with your data. Right now nobody is notified of them: you can see them with \"my data\".\n" +
			"• If you may be in danger: if something you write suggests it, I'll send you crisis lines run by people straight away. I'm a bot and I can't alert a person myself."
	} else {
		who = fmt.Sprintf("• Who is told: when an answer raises a flag, like a low mood, %[1]s is told.\n"+
			"• One limit: if something you write suggests you may be in danger, I will always tell %[1]s so a person can reach out, and send you crisis lines run by people straight away. I can't keep that secret.", e.flagsReach)
	}
	return fmt.Sprintf(`Hi, I'm peerbot, the check-in helper for %s. I'm a bot, not a counsellor or a helpline, and I don't give medical advice.

Before we start, here is how it works:
• What I store: your check-in answers, the goals you set, your timezone and your streak. Check-ins are kept for %d days.
%s
• You're in charge: say "pause" or "stop" at any time, "my data" to see everything I keep, and "delete my data" to erase it all.

Is it okay to go ahead? (yes or no)`, e.community, e.retention, who)
}

// DefaultCrisisResources are shown when a community configures none
// (SAFETY.md).
var DefaultCrisisResources = []string{
	"US: call or text 988 (988 Suicide & Crisis Lifeline), or chat at 988lifeline.org.",
	"Crisis Text Line: text HOME to 741741 (US), 686868 (Canada) or 85258 (UK, run there as Shout).",
	"UK and Ireland: Samaritans, call 116 123 (free, 24/7).",
	"Elsewhere: findahelpline.com lists helplines in over 130 countries.",
	"If your life is in immediate danger: call your local emergency number.",
}

func (e *Engine) bulletResources() string {
	return "• " + strings.Join(e.resources, "\n• ")
}

// crisisText is the reply to crisis language: acknowledge, resources, who
// is told, keep talking. No humour, no emoji (SAFETY.md). It says a person
// is being told only when flags reach one (Options.FlagsReach) and the flag
// was saved (flagged); otherwise it says plainly that the bot cannot alert
// anyone and asks the person to contact the resources now.
func (e *Engine) crisisText(flagged bool) string {
	var told string
	switch {
	case e.flagsReach == "":
		told = "I'm a bot and I can't alert a person myself, so please contact one of these now."
	case flagged:
		told = "I'm letting " + e.flagsReach + " know now, so a person can reach out to you."
	default:
		told = "I couldn't reach " + e.flagsReach + " just now, so please contact one of these directly."
	}
	return "Thank you for telling me. What you're feeling matters, and you don't have to go through it alone.\n\n" +
		"You can talk to someone right now:\n" + e.bulletResources() + "\n\n" +
		told + " I'm still here, and you can keep writing to me."
}

// resourcesFor answers "resources" and "resources <what>": the crisis lines
// always first, then the directory's services about what (all of them
// when what is empty).
func (e *Engine) resourcesFor(what string) string {
	text := e.resourcesText()
	what = strings.TrimSpace(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(what)), "for "))
	var lines []string
	for _, r := range e.directory.Find(what) {
		if what == "" && slices.Contains(r.Tags, "crisis") {
			continue // the crisis lines above say it
		}
		lines = append(lines, "• "+r.Text())
	}
	tags := strings.Join(e.directory.KindsListed(), ", ")
	switch {
	case len(lines) == 0 && what != "" && tags == "":
		return text + fmt.Sprintf("\n\nI don't have anything listed for %q.", what)
	case len(lines) == 0 && what != "":
		return text + fmt.Sprintf("\n\nI don't have anything listed for %q. What I do have: %s.", what, tags)
	case len(lines) == 0:
		return text
	case what == "":
		return text + "\n\nOther help:\n" + strings.Join(lines, "\n") + fmt.Sprintf("\n\nSay \"resources\" and a kind to see one kind: %s.", tags)
	}
	return text + fmt.Sprintf("\n\nFor %q:\n", what) + strings.Join(lines, "\n")
}

func (e *Engine) resourcesText() string {
	text := "If you need to talk to someone now, these are run by people, day and night:\n" + e.bulletResources()
	if e.flagsReach == "" {
		return text + "\n\nYour peers here are there for you too."
	}
	return text + "\n\nYour mentor and your peers here are there for you too."
}

// crisis answers crisis language, in the same turn and before anything
// else, whatever state the user is in: resources, an urgent flag, and the
// running flow held until the user wants to go on. An open safety check is
// overtaken by it.
func (t *turn) crisis(m crisispkg.Result) {
	if t.st.Safety != nil {
		t.st.Safety = nil
		t.changed = true
	}
	t.urgent("crisis:"+m.Rule, reasonCrisis, t.msg.Text)
}

// urgent is the crisis reply with an urgent flag (rule, reason, and the
// words that raised it), the running flow held.
func (t *turn) urgent(rule, reason, answer string) {
	t.replies = append(t.replies, Reply{Text: t.e.crisisText(true), Urgent: true})
	if s := t.st.Session; s != nil {
		if !s.Held {
			s.Held = true
			t.changed = true
		}
		t.say("I've paused the check-in. Whenever you want to carry on, say \"go on\".")
	}
	t.raise(LevelUrgent, rule, reason, answer)
}

// Texts used in more than one place.
const (
	textShortHelp = `Say "checkin" for today's check-in, "goals" for your goals, "resources" for people to talk to, or "help" for everything I can do.`

	textHeld = `I'm here, and I'm listening. Whenever you want to carry on with the check-in, say "go on". If you'd like to talk to a person now, say "resources".`

	textRefusedReminder = `You chose not to take part, so I'm not storing your messages. If you change your mind, write "yes". "resources" lists people you can reach any time.`

	// textBackTo leads the pending question asked again after a command.
	textBackTo = "Back to where we were:"

	// textPausedMidFlow follows the pause reply in the middle of a flow
	// (%s: its title). "put it aside" is handled by turn.putAside.
	textPausedMidFlow = `You're partway through "%s". You can finish it now — just answer below — or say "put it aside" and I'll close it, keeping the answers you've given.`

	textDeleted = `Done — I've deleted everything I stored about you: your answers, goals, streak and settings. If you write to me again, we'll start fresh with the consent question.`
)
