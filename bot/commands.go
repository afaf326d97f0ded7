package bot

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// command is a parsed user command: its canonical name and the rest.
type command struct {
	name string
	arg  string
	// raw is the message as typed, for the unknown-command reply.
	raw string
}

// The command names.
const (
	cmdHelp      = "help"
	cmdCheckin   = "checkin"
	cmdStart     = "start"
	cmdGoals     = "goals"
	cmdSkip      = "skip"
	cmdPause     = "pause"
	cmdResume    = "resume"
	cmdStop      = "stop"
	cmdTimezone  = "timezone"
	cmdResources = "resources"
	cmdMyData    = "my data"
	cmdDelete    = "delete my data"
	cmdUnknown   = "unknown"
)

// commandWords maps what people type (lower case, single spaces) to a
// command; longer phrases are tried first.
var commandWords = map[string]string{
	"help": cmdHelp, "commands": cmdHelp, "?": cmdHelp,
	"checkin": cmdCheckin, "check in": cmdCheckin, "check-in": cmdCheckin,
	"start": cmdStart,
	"goals": cmdGoals, "goal": cmdGoals, "my goals": cmdGoals,
	"skip":   cmdSkip,
	"pause":  cmdPause,
	"resume": cmdResume, "unpause": cmdResume,
	"stop": cmdStop, "unsubscribe": cmdStop,
	"timezone": cmdTimezone, "time zone": cmdTimezone, "tz": cmdTimezone,
	"resources": cmdResources, "resource": cmdResources, "crisis": cmdResources,
	"my data": cmdMyData, "mydata": cmdMyData, "export": cmdMyData, "export my data": cmdMyData,
	"delete my data": cmdDelete, "deletemydata": cmdDelete,
}

// parseCommand recognises a command, case-insensitively, with or without a
// leading "/" or "!". Text that starts with "/" or "!" but names no command
// is an unknown command; other text is not a command at all.
func parseCommand(text string) (command, bool) {
	t := strings.TrimSpace(text)
	prefixed := strings.HasPrefix(t, "/") || strings.HasPrefix(t, "!")
	t = strings.TrimLeft(t, "/!")
	t = strings.Join(strings.Fields(strings.ToLower(t)), " ")
	t = strings.TrimRightFunc(t, func(r rune) bool { return r == '.' || r == '!' || r == '?' && t != "?" })
	if t == "" {
		if prefixed {
			return command{name: cmdUnknown, raw: text}, true
		}
		return command{}, false
	}
	// Try the longest leading phrase (up to three words) that is a command.
	words := strings.SplitN(t, " ", 4)
	for n := min(3, len(words)); n >= 1; n-- {
		head := strings.Join(words[:n], " ")
		name, ok := commandWords[head]
		if !ok {
			continue
		}
		arg := strings.TrimSpace(strings.TrimPrefix(t, head))
		if !takesArg(name) && arg != "" {
			// "stop worrying about it" is an answer, not the stop command.
			continue
		}
		// Arguments keep their case: timezones are "Europe/London".
		if arg != "" {
			arg = originalTail(text, len(strings.Fields(head)))
		}
		return command{name: name, arg: arg, raw: text}, true
	}
	if prefixed {
		return command{name: cmdUnknown, raw: text}, true
	}
	return command{}, false
}

func takesArg(name string) bool {
	switch name {
	case cmdStart, cmdPause, cmdTimezone:
		return true
	}
	return false
}

// originalTail returns text after its first n words, as typed.
func originalTail(text string, n int) string {
	f := strings.Fields(strings.TrimLeft(strings.TrimSpace(text), "/!"))
	if n >= len(f) {
		return ""
	}
	return strings.TrimRightFunc(strings.Join(f[n:], " "), func(r rune) bool { return r == '.' || r == '!' })
}

// allowedBeforeConsent is true for commands that store nothing and that a
// person must be able to use before agreeing to anything.
func (c command) allowedBeforeConsent() bool {
	switch c.name {
	case cmdHelp, cmdResources, cmdMyData, cmdDelete, cmdStop:
		return true
	}
	return false
}

// command runs a command; where the user is mid-flow and the command does
// not end the flow, the pending step is asked again afterwards.
func (t *turn) command(c command) {
	reask := true
	switch c.name {
	case cmdHelp:
		t.say(textHelp)
	case cmdUnknown:
		t.say(fmt.Sprintf("I don't know the command %q. %s", strings.TrimSpace(c.raw), textShortHelp))
	case cmdResources:
		t.say(t.e.resourcesText())
	case cmdCheckin:
		reask = false
		t.startOrContinue(DefaultFlow)
	case cmdStart:
		reask = false
		t.startCommand(c.arg)
	case cmdGoals:
		t.goals()
	case cmdSkip:
		reask = false
		t.skip()
	case cmdPause:
		t.pause(c.arg)
	case cmdResume:
		reask = false
		t.resume()
	case cmdStop:
		reask = false
		t.stop()
	case cmdTimezone:
		t.timezone(c.arg)
	case cmdMyData:
		t.myData()
	case cmdDelete:
		reask = false
		t.deleteAll = true
		t.say(textDeleted)
	}
	if reask && t.st.Profile.Consent == ConsentGiven {
		t.reask("Back to where we were:")
	}
}

// startOrContinue starts a flow, or asks its pending step if it is already
// running.
func (t *turn) startOrContinue(id string) {
	f := t.e.flows.Get(id)
	if f == nil {
		t.say(fmt.Sprintf("There is no flow called %q here. %s", id, t.flowList()))
		return
	}
	if s := t.st.Session; s != nil && s.Flow == id {
		if s.Held {
			s.Held = false
			t.changed = true
		}
		t.reask("You're in the middle of this one — here's where we were:")
		return
	}
	t.startFlow(f)
}

func (t *turn) startCommand(arg string) {
	if arg == "" {
		t.say("Which one? " + t.flowList())
		t.reask("Back to where we were:")
		return
	}
	f := t.e.flows.Get(strings.ToLower(arg))
	if f == nil || f.Audience == "channel" {
		t.say(fmt.Sprintf("There is no flow called %q here. %s", arg, t.flowList()))
		t.reask("Back to where we were:")
		return
	}
	t.startOrContinue(f.ID)
}

func (t *turn) flowList() string {
	var ids []string
	for _, f := range t.e.flows.All() {
		if f.Audience != "channel" {
			ids = append(ids, fmt.Sprintf("%q (%s)", "start "+f.ID, f.Title))
		}
	}
	return "You can say " + strings.Join(ids, ", ") + "."
}

func (t *turn) skip() {
	s := t.st.Session
	if s == nil {
		t.say("There's nothing to skip right now.")
		return
	}
	if s.Held {
		t.held()
		return
	}
	f, step := t.current()
	if step == nil {
		return
	}
	if !step.Optional {
		t.ask(f, step, "This one needs an answer — or say \"not today\" to stop here for today.")
		return
	}
	t.advance(f, step, nil, "")
}

// pause takes "", "until DATE", "for N days" or "N days".
func (t *turn) pause(arg string) {
	p := &t.st.Profile
	until, err := parsePause(arg, t.now.In(t.loc))
	if err != nil {
		t.say(err.Error())
		return
	}
	p.PausedUntil = until
	t.changed = true
	if until.Equal(pauseForever) {
		t.say("Okay — I've paused your check-ins until you say \"resume\". Everything else still works, and \"resources\" is always here.")
		return
	}
	t.say(fmt.Sprintf("Okay — I've paused your check-ins until %s. Say \"resume\" to start again sooner.", until.Format("Monday 2 January 2006")))
}

// pauseForever is the PausedUntil of a pause with no end date.
var pauseForever = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

func parsePause(arg string, now time.Time) (time.Time, error) {
	words := strings.Fields(strings.ToLower(arg))
	bad := Errorf(EINVALID, "I didn't understand %q. Try \"pause\", \"pause for 3 days\" or \"pause until %s\".",
		arg, now.AddDate(0, 0, 7).Format(time.DateOnly))
	switch {
	case len(words) == 0:
		return pauseForever, nil
	case words[0] == "until" && len(words) == 2:
		d, err := time.ParseInLocation(time.DateOnly, words[1], now.Location())
		if err != nil {
			return time.Time{}, bad
		}
		if !d.After(now) {
			return time.Time{}, Errorf(EINVALID, "%s has already passed. Try a date after today.", words[1])
		}
		return d, nil
	}
	if words[0] == "for" {
		words = words[1:]
	}
	if len(words) == 2 && (words[1] == "day" || words[1] == "days" || words[1] == "week" || words[1] == "weeks") {
		n, err := strconv.Atoi(words[0])
		if err != nil || n < 1 || n > 365 {
			return time.Time{}, bad
		}
		if strings.HasPrefix(words[1], "week") {
			n *= 7
		}
		d := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
		return d.AddDate(0, 0, n+1), nil
	}
	return time.Time{}, bad
}

func (t *turn) resume() {
	p := &t.st.Profile
	wasOff := p.Stopped || !p.PausedUntil.IsZero()
	p.Stopped = false
	p.PausedUntil = time.Time{}
	t.changed = true
	if s := t.st.Session; s != nil && s.Held {
		s.Held = false
		t.reask("Okay, let's carry on.")
		return
	}
	if wasOff {
		t.say("Welcome back — your check-ins are on again.")
	} else {
		t.say("Your check-ins are already on.")
	}
	t.reask("Back to where we were:")
}

func (t *turn) stop() {
	p := &t.st.Profile
	if p.Consent != ConsentGiven {
		t.say("Okay. I won't send you anything. Say \"delete my data\" to remove everything, or \"help\" if you change your mind.")
		return
	}
	if s := t.st.Session; s != nil {
		t.record(s, OutcomeStopped, nil)
		t.st.Session = nil
	}
	p.Stopped = true
	t.changed = true
	t.say("Okay — I've stopped all check-ins and reminders. I'll only answer when you write to me. " +
		"What you've shared stays until you say \"delete my data\"; say \"resume\" any time to start again.")
}

func (t *turn) timezone(arg string) {
	if arg == "" {
		t.say(fmt.Sprintf("Your timezone is %s. To change it, say \"timezone Area/City\", for example \"timezone Europe/London\".", t.loc))
		return
	}
	loc, err := t.e.location(arg)
	if err != nil || arg == "Local" || !strings.Contains(arg, "/") && arg != "UTC" {
		t.say(fmt.Sprintf("I don't know the timezone %q. Please use an Area/City name, for example \"timezone America/Chicago\" or \"timezone Europe/London\".", arg))
		return
	}
	t.st.Profile.Timezone = loc.String()
	t.loc = loc
	t.changed = true
	t.say(fmt.Sprintf("Done — your timezone is now %s (it's %s there).", loc, t.now.In(loc).Format("15:04")))
}

func (t *turn) goals() {
	var active, finished []string
	for _, g := range t.st.Goals {
		line := "• " + g.Text
		if g.By != "" {
			line += " (by " + g.By + ")"
		}
		switch g.Status {
		case GoalActive:
			if g.Progress != "" {
				line += " — last update: " + strings.ToLower(g.Progress)
			}
			active = append(active, line)
		case GoalDone:
			finished = append(finished, line+" — done")
		}
	}
	if len(active) == 0 && len(finished) == 0 {
		t.say("You haven't set a goal yet. Say \"start goal-setting\" when you'd like to set one — it's yours to choose.")
		return
	}
	var b strings.Builder
	if len(active) > 0 {
		b.WriteString("Your goals:\n" + strings.Join(active, "\n"))
	}
	if len(finished) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString("Done already:\n" + strings.Join(finished, "\n"))
	}
	b.WriteString("\n\nSay \"start goal-followup\" to tell me how it's going, or \"start goal-setting\" for a new one.")
	t.say(b.String())
}

// myData shows everything stored about the user.
func (t *turn) myData() {
	p := t.st.Profile
	if !t.st.Exists() {
		t.say("I don't have anything stored about you.")
		return
	}
	var b strings.Builder
	b.WriteString("Here is everything I keep about you.\n")
	switch p.Consent {
	case ConsentGiven:
		fmt.Fprintf(&b, "• Consent: given on %s\n", p.ConsentAt.In(t.loc).Format(time.DateOnly))
	case ConsentRefused:
		b.WriteString("• Consent: you said no, so I keep only that choice, and a note of any message that suggested you may be in danger (never its words)\n")
	default:
		b.WriteString("• Consent: not given yet\n")
	}
	if p.Name != "" {
		fmt.Fprintf(&b, "• Name: %s\n", p.Name)
	}
	fmt.Fprintf(&b, "• Timezone: %s\n", t.loc)
	switch {
	case p.Stopped:
		b.WriteString("• Check-ins: stopped\n")
	case p.PausedUntil.Equal(pauseForever):
		b.WriteString("• Check-ins: paused until you resume\n")
	case p.PausedUntil.After(t.now):
		fmt.Fprintf(&b, "• Check-ins: paused until %s\n", p.PausedUntil.Format(time.DateOnly))
	default:
		b.WriteString("• Check-ins: on\n")
	}
	fmt.Fprintf(&b, "• Streak: %s (best %s)\n", plural(t.currentStreak(), "day"), plural(t.st.Streak.Best, "day"))
	for _, g := range t.st.Goals {
		fmt.Fprintf(&b, "• Goal (%s): %s\n", g.Status, g.Text)
	}
	if c := t.st.Safety; c != nil {
		fmt.Fprintf(&b, "• Safety check: asked %s, waiting for your answer\n", c.Asked.In(t.loc).Format("2006-01-02 15:04"))
	}
	if s := t.st.Session; s != nil {
		fmt.Fprintf(&b, "• In progress: %s, started %s%s\n", t.flowTitle(s.Flow), s.StartedAt.In(t.loc).Format("2006-01-02 15:04"), formatAnswers(s.Answers))
	}
	records, err := t.e.store.History(t.ctx, t.msg.User, "", 0)
	if err != nil {
		t.e.log.Error("history failed", "user", t.msg.User, "err", err)
		b.WriteString("• Check-in history: I couldn't read it just now — please ask again in a moment.\n")
	} else {
		fmt.Fprintf(&b, "• Check-in history: %d\n", len(records))
		for _, r := range records {
			fmt.Fprintf(&b, "  – %s %s (%s)%s\n", r.Day, t.flowTitle(r.Flow), outcomeWords(r.Outcome), formatAnswers(r.Answers))
		}
	}
	if flags, err := t.e.store.Flags(t.ctx, t.msg.User); err == nil {
		if t.e.flagsReach == "" {
			fmt.Fprintf(&b, "• Flags: %d (kept with your data; nobody is notified of them)\n", len(flags))
		} else {
			fmt.Fprintf(&b, "• Flags: %d (%s is told of each)\n", len(flags), t.e.flagsReach)
		}
		for _, f := range flags {
			fmt.Fprintf(&b, "  – %s %s: %s\n", f.Time.In(t.loc).Format(time.DateOnly), f.Level, f.Reason)
		}
	}
	b.WriteString("\nSay \"delete my data\" to erase all of it.")
	t.say(b.String())
}

func (t *turn) flowTitle(id string) string {
	if f := t.e.flows.Get(id); f != nil && f.Title != "" {
		return f.Title
	}
	return id
}

func outcomeWords(o string) string {
	switch o {
	case OutcomeDone:
		return "done"
	case OutcomeNotToday:
		return "not today"
	case OutcomeExpired:
		return "unfinished"
	default:
		return "stopped"
	}
}

// formatAnswers renders answers as " — mood: 4, cravings: no", in a stable
// order.
func formatAnswers(a map[string]any) string {
	if len(a) == 0 {
		return ""
	}
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + formatValue(a[k])
	}
	return " — " + strings.Join(parts, ", ")
}

func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "skipped"
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return strconv.Quote(x)
	default:
		return fmt.Sprint(x)
	}
}

// isNotToday recognises "not today" and close variants.
func isNotToday(text string) bool {
	switch normalizePhrase(text) {
	case "not today", "not now", "no thanks not today", "not today thanks", "not today thank you", "maybe later":
		return true
	}
	return false
}

// isGoOn recognises a wish to carry on with a held flow.
func isGoOn(text string) bool {
	switch normalizePhrase(text) {
	case "go on", "continue", "carry on", "keep going", "resume", "lets continue", "let's continue", "go on please", "ok go on", "yes go on":
		return true
	}
	return false
}

// normalizePhrase lower-cases, drops punctuation at the ends and collapses
// spaces.
func normalizePhrase(text string) string {
	t := strings.ToLower(strings.ReplaceAll(text, "’", "'"))
	t = strings.TrimFunc(t, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) && r != '\'' || r == '/' })
	return strings.Join(strings.FieldsFunc(t, func(r rune) bool { return unicode.IsSpace(r) || r == ',' }), " ")
}
