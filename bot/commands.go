package bot

import (
	"fmt"
	"github.com/peerbot/peerbot/bot/resources"
	"slices"
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
	// doubtful: typed without "/" and with an argument the command does
	// not accept ("days are getting better"); mid check-in it is an
	// answer, not a command.
	doubtful bool
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
	cmdSchedule  = "schedule"
	cmdTime      = "time"
	cmdDays      = "days"
	cmdQuiet     = "quiet"
	cmdTimezone  = "timezone"
	cmdResources = "resources"
	cmdMyData    = "my data"
	cmdDelete    = "delete my data"
	cmdBye       = "bye"
	cmdUnknown   = "unknown"
)

// commandSpec is everything about one command in one place: the words
// that call it, what it takes, who may use it, its help line, whether
// platforms offer it as a slash command, and what it does. Help, parsing,
// the consent gate and the platforms' slash commands all read this table.
type commandSpec struct {
	name string
	// words are what people type for it (lower case), besides the name.
	words []string
	// arg says what it takes after its words, for help ("" nothing).
	arg string
	// optionalArg: the command works with no argument too.
	optionalArg bool
	// beforeConsent: usable before agreeing to anything (stores nothing).
	beforeConsent bool
	// reask: the pending question is asked again after it.
	reask bool
	// slash: platforms offer it as a slash command.
	slash bool
	// accepts, when set, says whether an argument is one the command
	// takes; everyday words ("time", "days") need it (see doubtful).
	accepts func(arg string) bool
	help    string
	run     func(t *turn, arg string)
}

// commandTable lists the commands in the order help shows them.
var commandTable = []commandSpec{
	{name: cmdCheckin, words: []string{"check in", "check-in"}, slash: true,
		help: "start today's check-in", run: func(t *turn, _ string) { t.startOrContinue(DefaultFlow) }},
	{name: cmdStart, arg: "<name>", help: `start another check-in, e.g. "start goal-setting" or "start weekly-wellbeing"`,
		run: (*turn).startCommand},
	{name: cmdGoals, words: []string{"goal", "my goals"}, reask: true, slash: true,
		help: "see your goals", run: func(t *turn, _ string) { t.goals() }},
	{name: cmdSkip, help: `skip an optional question; "not today" ends a check-in gently; "put it aside" closes it for now`,
		run: func(t *turn, _ string) { t.skip() }},
	{name: cmdSchedule, words: []string{"my schedule", "when"}, reask: true, slash: true,
		help: "see when your next check-ins come, in your own time", run: func(t *turn, _ string) { t.showSchedule() }},
	{name: cmdTime, arg: "<HH:MM>", optionalArg: true, reask: true, slash: true,
		accepts: func(a string) bool { _, _, err := ParseClock(a); return err == nil },
		help:    `move your daily check-in, e.g. "time 20:30"`, run: (*turn).setTime},
	{name: cmdDays, arg: "<days>", optionalArg: true, reask: true, slash: true,
		accepts: func(a string) bool { _, err := ParseDays(a); return err == nil },
		help:    `choose the days, e.g. "days mon-fri" or "days every day"`, run: (*turn).setDays},
	{name: cmdQuiet, words: []string{"quiet hours"}, arg: "<from-to>", optionalArg: true, reask: true, slash: true,
		accepts: func(a string) bool { _, err := ParseQuietHours(a); return err == nil },
		help:    `hours when I send nothing scheduled, e.g. "quiet 22:00-07:00" ("quiet off" to clear)`, run: (*turn).setQuiet},
	{name: cmdPause, words: []string{"away"}, arg: "<for N days | until DATE>", optionalArg: true, slash: true,
		accepts: func(a string) bool {
			a = strings.ToLower(a)
			return strings.HasPrefix(a, "for ") || strings.HasPrefix(a, "until ") || strings.HasPrefix(a, "till ")
		},
		help: `pause check-ins ("pause for 3 days", "away until 2026-12-24")`, run: (*turn).pause},
	{name: cmdResume, words: []string{"unpause"}, slash: true,
		help: "turn check-ins back on", run: func(t *turn, _ string) { t.resume() }},
	{name: cmdStop, words: []string{"unsubscribe"}, beforeConsent: true, slash: true,
		help: "stop all check-ins and reminders", run: func(t *turn, _ string) { t.stop() }},
	{name: cmdTimezone, words: []string{"time zone", "tz"}, arg: "<Area/City>", optionalArg: true, reask: true, slash: true,
		help: `set your timezone, e.g. "timezone Europe/London"`, run: (*turn).timezone},
	{name: cmdResources, words: []string{"resource", "crisis"}, arg: "[what]", optionalArg: true, beforeConsent: true, reask: true, slash: true,
		accepts: func(a string) bool {
			a = strings.TrimPrefix(strings.ToLower(a), "for ")
			return slices.Contains(resources.Tags, a)
		},
		help: `people you can reach right now, and other help: "resources housing", "resources meetings"`,
		run:  func(t *turn, what string) { t.say(t.e.resourcesFor(what)) }},
	{name: cmdMyData, words: []string{"mydata", "export", "export my data"}, beforeConsent: true, reask: true, slash: true,
		help: "see everything I keep about you", run: func(t *turn, _ string) { t.myData() }},
	{name: cmdDelete, words: []string{"deletemydata"}, beforeConsent: true,
		help: "erase all of it, at once", run: func(t *turn, _ string) { t.deleteAll = true; t.say(textDeleted) }},
	{name: cmdHelp, words: []string{"commands", "?"}, beforeConsent: true, reask: true,
		help: "this list"}, // run by command: it reads this table
	{name: cmdBye, words: []string{"goodbye", "bye bye", "quit", "exit"}, beforeConsent: true,
		help: "say goodbye; I'll keep your place", run: func(t *turn, _ string) { t.bye() }},
}

// commandsByWord maps every word of every command to its spec.
var commandsByWord = func() map[string]*commandSpec {
	m := map[string]*commandSpec{}
	for i := range commandTable {
		c := &commandTable[i]
		for _, w := range append([]string{c.name}, c.words...) {
			m[w] = c
		}
	}
	return m
}()

// helpText lists the commands, from the table.
func helpText() string {
	var b strings.Builder
	b.WriteString("Here's what I can do (with or without a / in front):")
	for _, c := range commandTable {
		b.WriteString("\n• " + c.name)
		if c.arg != "" {
			b.WriteString(" " + c.arg)
		}
		b.WriteString(" — " + c.help)
	}
	return b.String()
}

// CommandInfo describes one command for a platform's menu of slash
// commands.
type CommandInfo struct {
	// Name is what is typed ("my data"); a platform that needs one word
	// drops the spaces.
	Name string
	// Help is a one-line description.
	Help string
	// Arg says what the command takes ("" nothing); Optional, whether it
	// works without.
	Arg      string
	Optional bool
}

// SlashCommands are the commands platforms offer as slash commands, in
// help's order.
func SlashCommands() []CommandInfo {
	var out []CommandInfo
	for _, c := range commandTable {
		if c.slash {
			out = append(out, CommandInfo{Name: c.name, Help: c.help, Arg: c.arg, Optional: c.optionalArg})
		}
	}
	return out
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
		spec, ok := commandsByWord[head]
		if !ok {
			continue
		}
		arg := strings.TrimSpace(strings.TrimPrefix(t, head))
		if spec.arg == "" && arg != "" {
			// "stop worrying about it" is an answer, not the stop command.
			continue
		}
		// Arguments keep their case: timezones are "Europe/London".
		if arg != "" {
			arg = originalTail(text, len(strings.Fields(head)))
		}
		doubtful := !prefixed && arg != "" && spec.accepts != nil && !spec.accepts(arg)
		return command{name: spec.name, arg: arg, raw: text, doubtful: doubtful}, true
	}
	if prefixed {
		return command{name: cmdUnknown, raw: text}, true
	}
	return command{}, false
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
	spec, ok := commandsByWord[c.name]
	return ok && spec.beforeConsent
}

// command runs a command; where the user is mid-flow and the command does
// not end the flow, the pending step is asked again afterwards.
func (t *turn) command(c command) {
	spec, ok := commandsByWord[c.name]
	if !ok {
		t.say(fmt.Sprintf("I don't know the command %q. %s", strings.TrimSpace(c.raw), textShortHelp))
		spec = &commandSpec{reask: true}
	} else if spec.name == cmdHelp {
		t.say(helpText())
	} else {
		spec.run(t, c.arg)
	}
	if spec.reask && t.st.Profile.Consent == ConsentGiven {
		t.reask(textBackTo)
	}
}

// bye answers "bye", "quit" or "exit" kindly. The engine cannot know how
// a platform is left (the terminal may add that itself), so it says only
// what stays true everywhere; a running check-in is kept for later.
func (t *turn) bye() {
	text := "Take care — I'm here whenever you want to check in."
	if s := t.st.Session; s != nil && !s.Held && t.st.Profile.Consent == ConsentGiven {
		text += " I've kept your answers so far, and we can carry on where we left off when you're back."
	}
	t.say(text)
}

// startOrContinue starts a flow, or asks its pending step if it is already
// running.
func (t *turn) startOrContinue(id string) {
	f := t.e.flows.Get(id)
	if f == nil {
		t.say(fmt.Sprintf("There is no check-in called %q here. %s", id, t.flowList()))
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
		t.reask(textBackTo)
		return
	}
	f := t.e.flows.Get(strings.ToLower(arg))
	if f == nil || f.Audience == "channel" {
		t.say(fmt.Sprintf("There is no check-in called %q here. %s", arg, t.flowList()))
		t.reask(textBackTo)
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

// pause takes "", "until DATE", "for N days" or "N days" (or weeks). In the
// middle of a check-in it says what becomes of it: the person can finish
// it now or put it aside.
func (t *turn) pause(arg string) {
	p := &t.st.Profile
	until, err := parsePause(arg, t.now.In(t.loc))
	if err != nil {
		t.say(ErrorMessage(err))
		t.reask(textBackTo)
		return
	}
	p.PausedUntil = until
	t.changed = true
	text := fmt.Sprintf("Okay — I've paused your check-ins until %s. Say \"resume\" to start again sooner.", until.Format("Monday 2 January 2006"))
	if until.Equal(pauseForever) {
		text = "Okay — I've paused your check-ins until you say \"resume\". Everything else still works, and \"resources\" is always here."
	}
	if s := t.st.Session; s != nil && !s.Held {
		t.say(text + "\n\n" + fmt.Sprintf(textPausedMidFlow, t.flowTitle(s.Flow)))
		t.reask("If you'd like to finish it now:")
		return
	}
	t.say(text)
}

// maxPauseDays is the longest pause with an end date; "pause" alone lasts
// until "resume".
const maxPauseDays = 365

// pauseForever is the PausedUntil of a pause with no end date.
var pauseForever = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// parsePause reads the argument of "pause". Its errors are *Error values
// whose Message is the sentence to show the person.
func parsePause(arg string, now time.Time) (time.Time, error) {
	words := strings.Fields(strings.ToLower(arg))
	example := now.AddDate(0, 0, 7).Format(time.DateOnly)
	bad := Errorf(EINVALID, "I didn't understand %q. Try \"pause\", \"pause for 3 days\", \"pause for 2 weeks\" or \"pause until %s\".",
		arg, example)
	tooLong := Errorf(EINVALID, "I can pause check-ins for up to %d days (52 weeks) at a time — for example \"pause for 30 days\" or \"pause until %s\". "+
		"To pause with no end date, say \"pause\" on its own, and \"resume\" when you're ready.", maxPauseDays, example)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
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
		if d.After(today.AddDate(0, 0, maxPauseDays+1)) {
			return time.Time{}, tooLong
		}
		return d, nil
	}
	if words[0] == "for" {
		words = words[1:]
	}
	if len(words) == 2 && (words[1] == "day" || words[1] == "days" || words[1] == "week" || words[1] == "weeks") {
		n, err := strconv.Atoi(words[0])
		if err != nil || n < 1 {
			return time.Time{}, bad
		}
		if strings.HasPrefix(words[1], "week") {
			n = min(n, maxPauseDays) * 7
		}
		if n > maxPauseDays {
			return time.Time{}, tooLong
		}
		return today.AddDate(0, 0, n+1), nil
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
	t.reask(textBackTo)
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
			line += " (by " + dayText(g.By) + ")"
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

// myData shows everything stored about the user, in words a person reads:
// each answer under its question's short wording, as they gave it.
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
		b.WriteString("• Check-ins: none — you said no to them\n")
	default:
		b.WriteString("• Consent: not given yet\n")
		b.WriteString("• Check-ins: none yet — they start only once you say yes\n")
	}
	if p.Consent == ConsentGiven {
		t.profileLines(&b)
	}
	if c := t.st.Safety; c != nil {
		fmt.Fprintf(&b, "• Safety check: asked %s, waiting for your answer\n", c.Asked.In(t.loc).Format("2006-01-02 15:04"))
	}
	if s := t.st.Session; s != nil {
		fmt.Fprintf(&b, "• In progress: %s, started %s\n%s", t.flowTitle(s.Flow), s.StartedAt.In(t.loc).Format("2006-01-02 15:04"),
			t.answerLines(s.Flow, s.Answers))
	}
	records, err := t.e.store.History(t.ctx, t.msg.User, "", 0)
	switch {
	case err != nil:
		t.e.log.Error("history failed", "user", t.msg.User, "code", ErrorCode(err), "err", err)
		b.WriteString("• Check-in history: I couldn't read it just now — please ask again in a moment.\n")
	case p.Consent == ConsentGiven || len(records) > 0:
		fmt.Fprintf(&b, "• Check-in history: %d\n", len(records))
		for _, r := range records {
			fmt.Fprintf(&b, "  – %s %s (%s)\n%s", r.Day, t.flowTitle(r.Flow), outcomeWords(r.Outcome), t.answerLines(r.Flow, r.Answers))
		}
	}
	flags, err := t.e.store.Flags(t.ctx, t.msg.User)
	switch {
	case err != nil:
		t.e.log.Error("flags failed", "user", t.msg.User, "code", ErrorCode(err), "err", err)
		b.WriteString("• Flags: I couldn't read them just now — please ask again in a moment.\n")
	case t.e.flagsReach == "":
		fmt.Fprintf(&b, "• Flags: %d (kept with your data; nobody is notified of them)\n", len(flags))
	default:
		fmt.Fprintf(&b, "• Flags: %d (%s is told of each)\n", len(flags), t.e.flagsReach)
	}
	for _, f := range flags {
		fmt.Fprintf(&b, "  – %s %s: %s\n", f.Time.In(t.loc).Format(time.DateOnly), f.Level, f.Reason)
	}
	b.WriteString("\nSay \"delete my data\" to erase all of it.")
	t.say(b.String())
}

// profileLines writes what is kept about someone taking part: name,
// timezone, whether check-ins are on, streak and goals.
func (t *turn) profileLines(b *strings.Builder) {
	p := t.st.Profile
	if p.Name != "" {
		fmt.Fprintf(b, "• Name: %s\n", p.Name)
	}
	fmt.Fprintf(b, "• Timezone: %s\n", t.loc)
	switch {
	case p.Stopped:
		b.WriteString("• Check-ins: stopped\n")
	case p.PausedUntil.Equal(pauseForever):
		b.WriteString("• Check-ins: paused until you resume\n")
	case p.PausedUntil.After(t.now):
		fmt.Fprintf(b, "• Check-ins: paused until %s\n", p.PausedUntil.Format(time.DateOnly))
	default:
		b.WriteString("• Check-ins: on\n")
	}
	fmt.Fprintf(b, "• Streak: %s (best %s)\n", plural(t.currentStreak(), "day"), plural(t.st.Streak.Best, "day"))
	for _, g := range t.st.Goals {
		fmt.Fprintf(b, "• Goal (%s): %s", g.Status, g.Text)
		if g.By != "" {
			fmt.Fprintf(b, ", by %s", g.By)
		}
		b.WriteString("\n")
	}
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

// answerLines writes one line per answer, "    Mood: Ok-ish", in the order
// the flow asks them: each under its question's short wording, its value
// in words and text exactly as written. One line each also keeps a
// right-to-left mark in someone's text to that line. Answers to steps the
// flow no longer has follow, under their ids.
func (t *turn) answerLines(flowID string, answers map[string]any) string {
	if len(answers) == 0 {
		return ""
	}
	var b strings.Builder
	seen := make(map[string]bool, len(answers))
	if f := t.e.flows.Get(flowID); f != nil {
		for _, s := range f.Steps {
			if v, ok := answers[s.ID]; ok {
				seen[s.ID] = true
				fmt.Fprintf(&b, "    %s: %s\n", s.Label, s.AnswerText(v))
			}
		}
	}
	var rest []string
	for k := range answers {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		fmt.Fprintf(&b, "    %s: %s\n", k, formatValue(answers[k]))
	}
	return b.String()
}

// formatValue says an answer whose step is unknown: as stored, text as
// written.
func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "skipped"
	case bool:
		if x {
			return "Yes"
		}
		return "No"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
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

// isPutAside recognises a wish to close the running flow for now.
func isPutAside(text string) bool {
	switch normalizePhrase(text) {
	case "put it aside", "put aside", "set it aside", "leave it", "leave it for now", "put it aside please", "close it":
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
