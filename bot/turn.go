package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	crisispkg "github.com/peerbot/peerbot/bot/crisis"
	"github.com/peerbot/peerbot/flows"
)

// turn is the work of one inbound message: it reads the loaded state,
// changes it in memory, and collects the replies, history and flags that
// are saved together afterwards.
type turn struct {
	ctx     context.Context
	e       *Engine
	msg     Message
	st      *State
	now     time.Time
	loc     *time.Location
	replies []Reply
	changed bool
	history []Record
	flags   []Flag
	// deleteAll makes the save remove everything about the user first.
	deleteAll bool
	// refused is set when the message was a click on an earlier question.
	refused bool
	// expired is set when this turn closed a session that ran out of time.
	expired bool
	// counts are the Stats the turn adds to once it is saved.
	counts []*atomic.Int64
	// timers are durable timers the turn sets, saved with its replies.
	timers []timer
	// safetyClick is "yes" or "no" when the message is a click on a safety
	// check's button.
	safetyClick string
}

func newTurn(ctx context.Context, e *Engine, msg Message, st *State) *turn {
	t := &turn{ctx: ctx, e: e, msg: msg, st: st, now: msg.Time, loc: e.defaultTZ}
	// The user's own timezone, else the platform's for them, else the
	// community default.
	for _, tz := range []string{st.Profile.Timezone, msg.Timezone} {
		if tz == "" {
			continue
		}
		if loc, err := e.location(tz); err == nil {
			t.loc = loc
			break
		}
	}
	if p := &st.Profile; p.Consent == ConsentGiven {
		if p.Name == "" && msg.UserName != "" {
			p.Name = msg.UserName
			t.changed = true
		}
		// A message in the DM proves the DM works and names its channel,
		// so a restart or a scheduled prompt need not ask the platform.
		if msg.Direct && msg.Channel != "" && (p.DMChannel != msg.Channel || p.DMClosed) {
			p.DMChannel, p.DMClosed = msg.Channel, false
			t.changed = true
		}
	}
	return t
}

// save writes the turn's changes and the replies it owes in one atomic
// Store.Save.
func (t *turn) save(ctx context.Context, owed []Outbound) error {
	if t.deleteAll {
		return t.e.store.Save(ctx, Save{User: t.msg.User, Version: t.st.Version, EventID: t.msg.ID, Delete: true, Outbox: owed})
	}
	if !t.changed && len(t.history) == 0 && len(t.flags) == 0 && t.msg.ID == "" && len(owed) == 0 {
		return nil
	}
	s := Save{User: t.msg.User, Version: t.st.Version, EventID: t.msg.ID, History: t.history, Flags: t.flags, Outbox: owed}
	if t.changed {
		s.State = t.st
	}
	return t.e.store.Save(ctx, s)
}

// say queues a reply to the user.
func (t *turn) say(text string, opts ...Option) {
	t.replies = append(t.replies, Reply{Text: text, Options: opts})
}

func (t *turn) today() string { return t.now.In(t.loc).Format(time.DateOnly) }

// handle is an inbound message; d is what the crisis detector found in
// it. Danger is answered first, in the same turn, whatever state the user
// is in (before consent too); then an open safety check; then commands,
// consent, and the answer to the current step.
func (t *turn) handle(d crisispkg.Result) {
	t.expireSession()
	t.safetyOverdue()
	switch {
	case d.Kind == crisispkg.Self && d.Tier == crisispkg.Crisis:
		t.crisis(d)
		return
	case d.Kind == crisispkg.Self && d.Tier == crisispkg.Risk:
		t.risk(d)
		return
	case d.Kind == crisispkg.Peer && d.Tier > crisispkg.None:
		t.worriedPeer()
		return
	}
	if !t.resolveClick() {
		return
	}
	cmd, isCmd := parseCommand(t.msg.Text)
	if isCmd && cmd.doubtful && t.st.Session != nil && !t.st.Session.Held {
		isCmd = false // "days are getting better" answers the question
	}
	if t.safetyAnswer(d, cmd, isCmd) {
		return
	}
	disclosed := d.Kind == crisispkg.Disclosure && !isCmd
	p := &t.st.Profile
	switch p.Consent {
	case ConsentUnasked:
		if isCmd && cmd.allowedBeforeConsent() {
			t.command(cmd)
			return
		}
		if disclosed {
			t.disclosure(d)
		}
		// Someone who writes first has come to check in: once they agree,
		// the check-in starts.
		t.askConsent(DefaultFlow)
		return
	case ConsentAsked:
		if disclosed && yesOrNo(t.msg.Text) == "" && t.msg.Value == "" {
			t.disclosure(d)
		}
		t.consentAnswer(cmd, isCmd)
		return
	case ConsentRefused:
		if disclosed {
			t.disclosure(d)
			return
		}
		t.refusedUser(cmd, isCmd)
		return
	}
	if isCmd {
		t.command(cmd)
		return
	}
	s := t.st.Session
	switch {
	case disclosed && (s == nil || s.Held):
		t.disclosure(d)
	case s == nil:
		t.idle()
	case s.Held:
		t.held()
	default:
		t.answer(d)
	}
}

// begin is a conversation opened by the bot: consent first, then the flow.
func (t *turn) begin(flowID string) {
	t.expireSession()
	t.safetyOverdue()
	if t.st.Safety != nil {
		// An open safety check comes before any flow.
		t.askSafetyAgain()
		return
	}
	switch t.st.Profile.Consent {
	case ConsentUnasked, ConsentAsked:
		// A conversation the bot opens leads into a check-in once the
		// user agrees.
		if flowID == "" {
			flowID = DefaultFlow
		}
		t.askConsent(flowID)
		return
	case ConsentRefused:
		t.say(textRefusedReminder)
		return
	}
	if flowID == "" {
		t.greet()
		return
	}
	f := t.e.flows.Get(flowID)
	if s := t.st.Session; s != nil && s.Flow == flowID {
		t.reask("Let's pick up where we left off.")
		return
	}
	t.startFlow(f)
}

// greet welcomes back someone who has agreed to take part: by name when
// it is known, with no stand-in when it is not.
func (t *turn) greet() {
	text := "Welcome back."
	if name := t.st.Profile.Name; name != "" {
		text = fmt.Sprintf("Welcome back, %s.", name)
	}
	if d := t.currentStreak(); d > 0 {
		text += fmt.Sprintf(" Your streak: %s.", plural(d, "day"))
	}
	if s := t.st.Session; s != nil && !s.Held {
		t.say(text)
		t.reask("Let's pick up where we left off.")
		return
	}
	t.say(text + " Say \"checkin\" for today's check-in, or \"help\" to see everything I can do.")
}

// idle is a message with no flow running and no command in it.
func (t *turn) idle() {
	if isNotToday(t.msg.Text) {
		if due := t.st.NextStart(DefaultFlow); !due.IsZero() && due.In(t.loc).Format(time.DateOnly) == t.today() {
			// Before today's scheduled check-in: it will not come.
			if t.st.Prompted == nil {
				t.st.Prompted = map[string]string{}
			}
			t.st.Prompted[DefaultFlow] = t.today()
			t.changed = true
			t.say("No problem — I won't send today's check-in. I'm here whenever you want to check in.")
			return
		}
		t.say("No problem. I'm here whenever you want to check in.")
		return
	}
	if t.expired {
		t.say("That check-in has closed, and I've kept the answers you gave. " + textShortHelp)
		return
	}
	t.say(textShortHelp)
}

// held is a message while the crisis safety net holds the flow: "go on"
// carries on, "put it aside" closes it with its answers kept.
func (t *turn) held() {
	if isGoOn(t.msg.Text) {
		t.st.Session.Held = false
		t.changed = true
		t.reask("Okay, let's carry on.")
		return
	}
	if isPutAside(t.msg.Text) {
		t.putAside()
		return
	}
	t.say(textHeld)
}

// expireSession ends a session whose time ran out, keeping its answers.
func (t *turn) expireSession() {
	s := t.st.Session
	if s == nil || s.ExpiresAt.IsZero() || t.now.Before(s.ExpiresAt) {
		return
	}
	t.record(s, OutcomeExpired, nil)
	t.st.Session = nil
	t.changed = true
	t.expired = true
}

// answer takes the message as the answer to the current step. A relapse
// or a craving (d) gets a warm answer and a concern flag first; when it is
// not an answer to the step, the step is asked again — never as an error.
func (t *turn) answer(d crisispkg.Result) {
	f, step := t.current()
	if step == nil {
		return
	}
	raw := t.msg.Value
	if raw == "" {
		raw = t.msg.Text
	}
	if isNotToday(raw) {
		t.notToday()
		return
	}
	if t.msg.Value == "" && isPutAside(raw) {
		t.putAside()
		return
	}
	v, err := step.ParseAt(raw, t.now.In(t.loc))
	if d.Kind == crisispkg.Disclosure && t.msg.Value == "" {
		t.disclosure(d)
		if err != nil {
			t.ask(f, step, "Whenever you're ready, here's where we were:")
			return
		}
	}
	if err != nil {
		// An AnswerError is the sentence that says how to answer; any
		// other error is ours, logged and never shown.
		again := "Sorry, I couldn't take that answer. Could you try once more?"
		var ae *flows.AnswerError
		if errors.As(err, &ae) {
			again = ae.Expected
		} else {
			t.e.log.Error("answer parse failed", "flow", f.ID, "step", step.ID, "err", err)
		}
		t.ask(f, step, again)
		return
	}
	t.advance(f, step, v, raw)
}

// current returns the running flow and step, ending a session whose flow or
// step no longer exists (a community removed or renamed it).
func (t *turn) current() (*flows.Flow, *flows.Step) {
	s := t.st.Session
	f := t.e.flows.Get(s.Flow)
	var step *flows.Step
	if f != nil {
		step = f.Step(s.Step)
	}
	if step == nil {
		t.record(s, OutcomeStopped, nil)
		t.st.Session = nil
		t.changed = true
		t.say("The check-in you were in is no longer available, so I've closed it and kept your answers. " + textShortHelp)
		return nil, nil
	}
	return f, step
}

// advance records an answer (nil for a skipped step), raises the step's
// flags and moves on.
func (t *turn) advance(f *flows.Flow, step *flows.Step, v any, raw string) {
	s := t.st.Session
	if s.Answers == nil {
		s.Answers = map[string]any{}
	}
	s.Answers[step.ID] = v
	t.changed = true
	env := t.env(f)
	for _, hit := range step.Flags(env) {
		t.flag(f.ID, step.ID, raw, hit)
	}
	next, err := f.Next(step, env)
	if err != nil {
		t.e.log.Error("next step failed", "flow", f.ID, "step", step.ID, "err", err)
	}
	if next == nil {
		t.complete(f, OutcomeDone)
		return
	}
	s.Step = next.ID
	t.ask(f, next, "")
}

// complete ends the running flow: scores, completion flags, history,
// streak, goal and the done message.
func (t *turn) complete(f *flows.Flow, outcome string) {
	s := t.st.Session
	env := t.env(f)
	if outcome == OutcomeDone {
		for _, hit := range f.CompletionFlags(env) {
			t.flag(f.ID, "", "", hit)
		}
	}
	t.record(s, outcome, env.Scores)
	if f.Checkin {
		t.bumpStreak()
		env.Streak = t.st.Streak.Days
	}
	if outcome == OutcomeDone {
		if len(env.Scores) > 0 {
			if t.st.LastScores == nil {
				t.st.LastScores = map[string]map[string]float64{}
			}
			t.st.LastScores[f.ID] = env.Scores
		}
		if f.Goal != nil {
			t.applyGoal(f.Goal, s.Answers)
		}
		if f.Followup != nil {
			t.scheduleFollowup(f.Followup, s.Answers)
		}
	}
	t.st.Session = nil
	t.changed = true
	if outcome != OutcomeDone {
		return
	}
	done, err := f.Done(env)
	if err != nil {
		t.e.log.Error("done template failed", "flow", f.ID, "err", err)
		done = "Thank you — that's everything for now."
	}
	if done == "" {
		done = "Thank you — that's everything for now."
	}
	t.say(done)
}

// notToday ends the running flow gently; it counts as a check-in.
func (t *turn) notToday() {
	f, _ := t.current()
	if f == nil {
		return
	}
	t.complete(f, OutcomeNotToday)
	t.say("That's okay — thank you for letting me know. Take good care of yourself today. I'll be here when you want me.")
}

// putAside closes the running flow at the person's wish, keeping the
// answers given so far; unlike "not today" it does not count as a
// check-in.
func (t *turn) putAside() {
	t.record(t.st.Session, OutcomeStopped, nil)
	t.st.Session = nil
	t.changed = true
	t.say(`Okay — I've put it aside and kept the answers you gave. Say "checkin" whenever you'd like to start a new one.`)
}

// record appends a history record of the session.
func (t *turn) record(s *Session, outcome string, scores map[string]float64) {
	answers := make(map[string]any, len(s.Answers))
	for k, v := range s.Answers {
		answers[k] = v
	}
	t.history = append(t.history, Record{
		Flow: s.Flow, Started: s.StartedAt, Ended: t.now, Day: t.today(),
		Outcome: outcome, Answers: answers, Scores: scores,
	})
}

// startFlow begins f, setting aside any other running flow with its
// answers kept in history.
func (t *turn) startFlow(f *flows.Flow) {
	if s := t.st.Session; s != nil {
		t.record(s, OutcomeStopped, nil)
	}
	if f.Goal != nil && f.Goal.Progress != "" && t.currentGoal() == nil {
		t.st.Session = nil
		t.changed = true
		t.say("You don't have a goal to follow up on yet. Say \"start goal-setting\" to set one.")
		return
	}
	s := &Session{ID: newSessionID(), Flow: f.ID, Answers: map[string]any{}, StartedAt: t.now}
	if f.Schedule != nil && f.Schedule.ExpireAfter > 0 {
		s.ExpiresAt = t.now.Add(f.Schedule.ExpireAfter)
	}
	first := f.First()
	s.Step = first.ID
	t.st.Session = s
	t.changed = true
	if c := t.st.Safety; c != nil {
		// The flow waits for the open safety check's "yes".
		s.Held, c.Held = true, true
		t.askSafetyAgain()
		return
	}
	t.ask(f, first, "")
}

// ask sends a step's prompt with its buttons, after an optional line
// saying why it is asked again.
func (t *turn) ask(f *flows.Flow, step *flows.Step, before string) {
	text, err := step.Prompt(t.env(f))
	if err != nil {
		t.e.log.Error("prompt template failed", "flow", f.ID, "step", step.ID, "err", err)
		text = "(This question could not be shown properly.)"
	}
	if before != "" {
		text = before + "\n\n" + text
	}
	var opts []Option
	for _, o := range step.Options() {
		opts = append(opts, Option{Label: o.Label})
	}
	t.say(text, t.bind(opts, step.ID)...)
}

// reask asks the pending step again, after a command answered mid-flow.
func (t *turn) reask(before string) {
	s := t.st.Session
	if s == nil || s.Held {
		return
	}
	f, step := t.current()
	if step == nil {
		return
	}
	t.ask(f, step, before)
}

// env is what a flow's templates and conditions see.
func (t *turn) env(f *flows.Flow) flows.Env {
	p := t.st.Profile
	name := p.Name
	if name == "" {
		name = t.msg.UserName
	}
	var answers map[string]any
	if s := t.st.Session; s != nil {
		answers = s.Answers
	}
	goal := ""
	if g := t.currentGoal(); g != nil {
		goal = g.Text
	}
	env := flows.Env{
		Name:    name,
		Answers: answers,
		Last:    t.st.LastScores[f.ID],
		Streak:  t.currentStreak(),
		Goal:    goal,
		Profile: map[string]any{"name": name, "timezone": t.loc.String()},
		// A rule that fails on these answers counts as not holding: say
		// so (the rule, never the answers), so that a community can fix it.
		OnRuleError: func(rule string, err error) {
			t.e.log.Error("flag rule failed", "user", t.msg.User, "flow", f.ID, "rule", rule, "err", err)
		},
	}
	env.Scores = f.ComputeScores(env)
	return env
}

// flag records a flag raised by a rule.
func (t *turn) flag(flow, step, answer string, hit flows.FlagHit) {
	t.flags = append(t.flags, Flag{
		ID: t.e.newFlagID(t.now), User: t.msg.User, Flow: flow, Step: step,
		Answer: answer, Rule: hit.Rule, Level: Level(hit.Level), Reason: hit.Reason, Time: t.now,
	})
}

// bumpStreak counts today as a check-in day; one missed day between two
// check-ins does not break the streak.
func (t *turn) bumpStreak() {
	sk := &t.st.Streak
	today := t.today()
	switch {
	case sk.LastDay == today:
		if sk.Days == 0 {
			sk.Days = 1
		}
	case t.withinGrace(sk.LastDay):
		sk.Days++
	default:
		sk.Days = 1
	}
	sk.LastDay = today
	sk.Best = max(sk.Best, sk.Days)
	t.changed = true
}

// currentStreak is the streak as of today: zero once more than one day
// has been missed.
func (t *turn) currentStreak() int {
	sk := t.st.Streak
	if sk.LastDay == t.today() || t.withinGrace(sk.LastDay) {
		return sk.Days
	}
	return 0
}

// withinGrace reports whether day is yesterday or the day before.
func (t *turn) withinGrace(day string) bool {
	if day == "" {
		return false
	}
	local := t.now.In(t.loc)
	for back := 1; back <= 2; back++ {
		if local.AddDate(0, 0, -back).Format(time.DateOnly) == day {
			return true
		}
	}
	return false
}

// currentGoal is the most recent active goal, or nil.
func (t *turn) currentGoal() *Goal {
	for i := len(t.st.Goals) - 1; i >= 0; i-- {
		if t.st.Goals[i].Status == GoalActive {
			return &t.st.Goals[i]
		}
	}
	return nil
}

// applyGoal stores what a goal flow's answers say about the user's goal.
func (t *turn) applyGoal(m *flows.GoalMapping, answers map[string]any) {
	str := func(id string) string {
		if id == "" || answers[id] == nil {
			return ""
		}
		return fmt.Sprint(answers[id])
	}
	if m.Text != "" {
		g := Goal{
			ID: t.e.newFlagID(t.now), Text: str(m.Text), Why: str(m.Why), FirstStep: str(m.FirstStep),
			By: str(m.By), Status: GoalActive, Created: t.now, Updated: t.now,
		}
		switch c := answers[m.Confidence].(type) {
		case int:
			g.Confidence = c
		case float64:
			g.Confidence = int(c)
		}
		t.st.Goals = append(t.st.Goals, g)
		return
	}
	g := t.currentGoal()
	if g == nil {
		return
	}
	g.Updated = t.now
	if p := str(m.Progress); p != "" {
		g.Progress = p
		if strings.EqualFold(p, "done") {
			g.Status = GoalDone
		}
	}
	keep := strings.ToLower(str(m.Keep))
	switch {
	case strings.HasPrefix(keep, "let") || strings.HasPrefix(keep, "drop"):
		g.Status = GoalDropped
	case str(m.NewText) != "":
		// The new wording comes with its own "by", or none: the old one
		// belonged to the old wording.
		g.Text = str(m.NewText)
		g.By = str(m.NewBy)
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
