package bot

import (
	"fmt"
	"strings"
	"time"
)

// The commands that say when check-ins come: time, days, quiet, schedule.
// Each changes only the profile; reschedule, at the end of the turn, moves
// the timers.

// setTime moves the daily check-in: "time 20:30"; "time" alone says the
// time it comes at.
func (t *turn) setTime(arg string) {
	p := &t.st.Profile
	if strings.TrimSpace(arg) == "" {
		at := "the community's usual time"
		if p.CheckinTime != "" {
			at = p.CheckinTime
		}
		t.say(fmt.Sprintf(`Your daily check-in comes at %s. Say "time 20:30" to move it.`, at))
		return
	}
	h, m, err := ParseClock(arg)
	if err != nil {
		t.say(ErrorMessage(err) + " Nothing has changed.")
		return
	}
	p.CheckinTime = fmt.Sprintf("%02d:%02d", h, m)
	t.changed = true
	t.reschedule()
	t.say(fmt.Sprintf("Done — your daily check-in will come at %s, your time (%s). %s", p.CheckinTime, t.loc, t.nextLine()))
}

// setDays chooses the days of the daily check-in: "days mon-fri".
func (t *turn) setDays(arg string) {
	p := &t.st.Profile
	if strings.TrimSpace(arg) == "" {
		t.say(fmt.Sprintf(`Your daily check-in comes %s. Say "days mon-fri" or "days every day" to change it.`, dayWords(p.CheckinDays)))
		return
	}
	days, err := ParseDays(arg)
	if err != nil {
		t.say(ErrorMessage(err) + " Nothing has changed.")
		return
	}
	if days == 0x7f {
		days = 0 // every day: the flow's own days
	}
	p.CheckinDays = days
	t.changed = true
	t.reschedule()
	t.say(fmt.Sprintf("Done — your daily check-in will come %s. %s", dayWords(p.CheckinDays), t.nextLine()))
}

// setQuiet sets the person's own quiet hours: "quiet 22:00-07:00", "quiet
// off"; "quiet" alone says them.
func (t *turn) setQuiet(arg string) {
	p := &t.st.Profile
	if strings.TrimSpace(arg) == "" {
		t.say(fmt.Sprintf(`Your quiet hours: %s. Say "quiet 22:00-07:00" to set your own, or "quiet off".`, t.quietWords()))
		return
	}
	q, err := ParseQuietHours(arg)
	if err != nil {
		t.say(ErrorMessage(err) + " Nothing has changed.")
		return
	}
	p.QuietHours = q.String()
	t.changed = true
	t.reschedule()
	t.say(fmt.Sprintf("Done — quiet hours: %s. %s", t.quietWords(), t.nextLine()))
}

func (t *turn) quietWords() string {
	q := t.quietHours()
	if q.From == q.To {
		return "none"
	}
	return fmt.Sprintf("%s, your time — nothing scheduled comes then", q)
}

// showSchedule lists the person's next scheduled check-ins in their own
// time.
func (t *turn) showSchedule() {
	t.reschedule()
	p := t.st.Profile
	switch {
	case p.Consent != ConsentGiven:
		t.say("No check-ins are scheduled: they start only once you say yes to taking part.")
		return
	case p.Stopped:
		t.say(`Check-ins are stopped, so nothing is scheduled. Say "resume" to turn them back on.`)
		return
	}
	var lines []string
	for _, f := range t.e.flows.All() {
		if at := t.st.NextStart(f.ID); !at.IsZero() {
			lines = append(lines, fmt.Sprintf("• %s — %s", f.Title, at.In(t.loc).Format("Mon 2 Jan, 15:04")))
		}
		if at, ok := timerDue(t.st.FollowUps[f.ID]); ok {
			lines = append(lines, fmt.Sprintf("• %s — %s", f.Title, at.In(t.loc).Format("Mon 2 Jan, 15:04")))
		}
	}
	if len(lines) == 0 {
		t.say("Nothing is scheduled for you right now.")
		return
	}
	text := fmt.Sprintf("Your next check-ins, in your time (%s):\n%s", t.loc, strings.Join(lines, "\n"))
	if p.PausedUntil.After(t.now) && p.PausedUntil.Sub(t.now) <= maxScheduleAhead {
		text += "\nThey're paused until " + p.PausedUntil.In(t.loc).Format("Mon 2 Jan") + "."
	}
	t.say(text)
}

// nextLine says when the daily check-in comes next, after a change.
func (t *turn) nextLine() string {
	at := t.st.NextStart(DefaultFlow)
	if at.IsZero() {
		return ""
	}
	return "The next one: " + at.In(t.loc).Format("Mon 2 Jan, 15:04") + "."
}

// dayWords says a set of weekdays: "every day", "on Mon, Wed, Fri".
func dayWords(days uint64) string {
	if days == 0 || days == 0x7f {
		return "every day"
	}
	if days == 0x3e {
		return "on weekdays"
	}
	var names []string
	for d := time.Monday; ; d = (d + 1) % 7 {
		if days&(1<<d) != 0 {
			names = append(names, d.String()[:3])
		}
		if d == time.Sunday {
			break
		}
	}
	return "on " + strings.Join(names, ", ")
}
