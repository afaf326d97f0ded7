package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/flows"
)

// sweep wakes whoever is due and returns the replies sent.
func (h *harness) sweep() []bot.Reply {
	h.t.Helper()
	if _, err := h.engine.SweepWakes(context.Background()); err != nil {
		h.t.Fatalf("SweepWakes: %v", err)
	}
	return h.rec.take()
}

// until moves the clock to the given UTC time.
func (h *harness) until(t *testing.T, s string) {
	t.Helper()
	at, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		t.Fatal(err)
	}
	h.clock.Add(at.Sub(h.clock.Now()))
}

// checkedIn brings the harness user past consent and today's check-in.
func (h *harness) checkedIn() {
	h.t.Helper()
	h.consent()
	h.say("not today")
	h.rec.take()
}

func mentions(rs []bot.Reply, s string) bool {
	for _, r := range rs {
		if strings.Contains(r.Text, s) {
			return true
		}
	}
	return false
}

func TestScheduledCheckinArrivesOncePerDay(t *testing.T) {
	h := newHarness(t) // the clock starts at 2026-11-02 09:00 UTC
	h.checkedIn()
	h.until(t, "2026-11-03 08:59:00")
	if got := h.sweep(); len(got) != 0 {
		t.Fatalf("before 09:00: %+v", got)
	}
	h.until(t, "2026-11-03 09:00:05")
	got := h.sweep()
	if len(got) != 1 || !strings.Contains(got[0].Text, "How are you feeling today?") || len(got[0].Options) != 5 {
		t.Fatalf("at 09:00: %+v, want the mood question with its buttons", got)
	}
	if got[0].User != h.user || got[0].Channel != "D1" {
		t.Errorf("prompt addressed to %s in %q", got[0].User, got[0].Channel)
	}
	// Swept again, by this engine or another: nothing more that day.
	h.until(t, "2026-11-03 09:05:00")
	if got := h.sweep(); len(got) != 0 {
		t.Fatalf("a second prompt the same day: %+v", got)
	}
	// The buttons of the scheduled prompt answer it.
	if r := h.say2(button(t, got0(t, h, got), "4")); !mentions(r, "hours did you sleep") {
		t.Fatalf("answering the scheduled prompt: %+v", r)
	}
}

func got0(t *testing.T, h *harness, rs []bot.Reply) bot.Reply {
	t.Helper()
	if len(rs) == 0 {
		t.Fatal("no reply")
	}
	return rs[0]
}

func TestNoScheduledPromptWithoutConsentOrWhenStoppedOrPaused(t *testing.T) {
	tests := []struct {
		name  string
		setup func(h *harness)
		until string // when the first prompt may come again
	}{
		{"never asked", func(h *harness) {}, ""},
		{"refused consent", func(h *harness) { h.say("hi"); h.say("no"); h.rec.take() }, ""},
		{"stopped", func(h *harness) { h.checkedIn(); h.say("stop"); h.rec.take() }, ""},
		{"paused for 3 days", func(h *harness) { h.checkedIn(); h.say("pause for 3 days"); h.rec.take() }, "2026-11-06 09:00:05"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			tc.setup(h)
			for _, day := range []string{"2026-11-03", "2026-11-04", "2026-11-05"} {
				h.until(t, day+" 09:00:05")
				if got := h.sweep(); len(got) != 0 {
					t.Fatalf("%s: prompted %+v", day, got)
				}
			}
			if tc.until == "" {
				return
			}
			h.until(t, tc.until)
			if got := h.sweep(); !mentions(got, "How are you feeling today?") {
				t.Fatalf("after the pause: %+v", got)
			}
		})
	}
}

func TestResumeSchedulesAgain(t *testing.T) {
	h := newHarness(t)
	h.checkedIn()
	h.say("stop")
	h.until(t, "2026-11-03 09:00:05")
	if got := h.sweep(); len(got) != 0 {
		t.Fatalf("stopped: %+v", got)
	}
	h.say("resume")
	h.rec.take()
	h.until(t, "2026-11-04 09:00:05")
	if got := h.sweep(); !mentions(got, "How are you feeling today?") {
		t.Fatalf("after resume: %+v", got)
	}
}

func TestCheckinByHandCountsForTheDay(t *testing.T) {
	h := newHarness(t)
	h.checkedIn()
	h.until(t, "2026-11-03 07:00:00")
	h.say("checkin")
	h.say("not today") // counts as a check-in
	h.rec.take()
	h.until(t, "2026-11-03 09:00:05")
	if got := h.sweep(); len(got) != 0 {
		t.Fatalf("prompted after checking in by hand that morning: %+v", got)
	}
	h.until(t, "2026-11-04 09:00:05")
	if got := h.sweep(); !mentions(got, "How are you feeling today?") {
		t.Fatalf("the next day: %+v", got)
	}
}

func TestReminderThenExpiryThenMissedFlag(t *testing.T) {
	h := newHarness(t)
	h.checkedIn()
	for i, day := range []string{"2026-11-03", "2026-11-04", "2026-11-05"} {
		h.until(t, day+" 09:00:05")
		if got := h.sweep(); !mentions(got, "How are you feeling today?") {
			t.Fatalf("%s: no prompt: %+v", day, got)
		}
		h.until(t, day+" 12:00:10") // remind_after 3h
		got := h.sweep()
		if len(got) != 1 || !strings.Contains(got[0].Text, "gentle nudge") || !strings.Contains(got[0].Text, "How are you feeling today?") {
			t.Fatalf("%s: reminder %+v", day, got)
		}
		h.until(t, day+" 15:00:00")
		if got := h.sweep(); len(got) != 0 {
			t.Fatalf("%s: a second reminder: %+v", day, got)
		}
		h.until(t, day+" 21:00:10") // expire_after 12h: closed, no message
		if got := h.sweep(); len(got) != 0 {
			t.Fatalf("%s: expiry said %+v, want nothing", day, got)
		}
		fl, err := h.store.Flags(context.Background(), h.user)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{true: 1, false: 0}[i == 2]; len(fl) != want {
			t.Fatalf("%s: %d flags, want %d (a missed flag on the third day)", day, len(fl), want)
		}
	}
	fl, _ := h.store.Flags(context.Background(), h.user)
	if fl[0].Rule != "missed" || fl[0].Level != bot.LevelConcern {
		t.Fatalf("flag %+v", fl[0])
	}
	hist, _ := h.store.History(context.Background(), h.user, "daily-checkin", 3)
	if len(hist) != 3 || hist[0].Outcome != bot.OutcomeExpired {
		t.Fatalf("history %+v, want 3 expired runs", hist)
	}
}

func TestCatchUpAfterDowntime(t *testing.T) {
	for _, tc := range []struct {
		name   string
		wakeAt string
		sent   bool
	}{
		{"inside the grace period", "2026-11-03 10:30:00", true},
		{"past the grace period", "2026-11-03 11:30:00", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.checkedIn()
			h.until(t, tc.wakeAt) // peerbot was down at 09:00
			if got := h.sweep(); mentions(got, "How are you feeling today?") != tc.sent {
				t.Fatalf("after downtime: %+v, want sent=%v", got, tc.sent)
			}
			h.until(t, "2026-11-03 23:00:00")
			if got := h.sweep(); mentions(got, "How are you feeling today?") && !mentions(got, "gentle nudge") {
				t.Fatalf("a second prompt the same day: %+v", got)
			}
			h.until(t, "2026-11-04 09:00:05")
			if got := h.sweep(); !mentions(got, "How are you feeling today?") {
				t.Fatalf("the next day: %+v", got)
			}
		})
	}
}

func TestScheduleInThePersonsZoneAcrossDST(t *testing.T) {
	h := newHarness(t)
	h.checkedIn()
	h.say("timezone America/Los_Angeles")
	if err := h.engine.UpdateProfile(context.Background(), h.user, func(p *bot.Profile) { p.CheckinTime = "02:30" }); err != nil {
		t.Fatal(err)
	}
	// Months later (every start in between skipped: the engine was not
	// swept), the next start is computed again.
	h.until(t, "2027-03-13 12:00:00")
	if got := h.sweep(); len(got) != 0 {
		t.Fatalf("a start months late was sent: %+v", got)
	}
	st, err := h.store.Load(context.Background(), h.user, "")
	if err != nil {
		t.Fatal(err)
	}
	la := zone(t, "America/Los_Angeles")
	due := st.NextStart("daily-checkin")
	if due.In(la).Format("2006-01-02 15:04 MST") != "2027-03-14 03:00 PDT" {
		t.Fatalf("scheduled %v (%q), want 2027-03-14 03:00 PDT: 02:30 does not exist that day", due.In(la), st.Scheduled["daily-checkin"])
	}
	h.clock.Add(due.Sub(h.clock.Now()) + time.Second)
	if got := h.sweep(); !mentions(got, "How are you feeling today?") {
		t.Fatalf("at 03:00 PDT: %+v", got)
	}
}

// TestTwoEnginesPromptOnce: two replicas sweeping the same store at the
// same moment send one prompt.
func TestTwoEnginesPromptOnce(t *testing.T) {
	h := newHarness(t)
	h.checkedIn()
	e2, err := bot.New(bot.Options{Store: h.store, Flows: flows.Builtin(), Clock: h.clock})
	if err != nil {
		t.Fatal(err)
	}
	e2.Register(h.rec)
	h.until(t, "2026-11-03 09:00:05")
	var wg sync.WaitGroup
	for _, e := range []*bot.Engine{h.engine, e2} {
		wg.Go(func() { _, _ = e.SweepWakes(context.Background()) })
	}
	wg.Wait()
	if got := h.rec.take(); len(got) != 1 {
		t.Fatalf("two sweeping engines sent %d prompts, want 1", len(got))
	}
}

func TestScheduleCommands(t *testing.T) {
	h := newHarness(t) // 2026-11-02 09:00 UTC, a Monday
	h.checkedIn()
	say := func(text string) string {
		t.Helper()
		var b strings.Builder
		for _, r := range h.say(text) {
			b.WriteString(r.Text + "\n")
		}
		return b.String()
	}
	tests := []struct {
		name, say, want string
	}{
		{"time", "time 20:30", "Done — your daily check-in will come at 20:30, your time (UTC). The next one: Tue 3 Nov, 20:30."}, // today was checked in already,
		{"time 8pm", "time 8pm", "at 20:00"},
		{"bad time", "time 25:00", `"25:00" is not a time of day: use 24-hour time like 20:30, or 8:30pm. Nothing has changed.`},
		{"days", "days mon-fri", "Done — your daily check-in will come on weekdays."},
		{"bad days", "days funday", `"funday" is not a day`},
		{"quiet", "quiet 19:00-21:00", "Done — quiet hours: 19:00-21:00"},
		{"bad quiet", "quiet late", "is not a window of quiet hours"},
		{"schedule", "schedule", "Your next check-ins, in your time (UTC):\n• Daily check-in — Tue 3 Nov, 21:00"},
		{"timezone moves it", "timezone Asia/Kolkata", "Asia/Kolkata"},
		{"schedule in the new zone", "schedule", "• Daily check-in — Tue 3 Nov, 21:00"},
		{"quiet off", "quiet off", "Done — quiet hours: none. The next one: Tue 3 Nov, 20:00."},
	}
	for _, tc := range tests {
		if got := say(tc.say); !strings.Contains(got, tc.want) {
			t.Fatalf("%s: %q said\n%s\nwant it to contain %q", tc.name, tc.say, got, tc.want)
		}
	}
	// The prompt comes at the new time, in the new zone, on a weekday.
	h.until(t, "2026-11-03 14:30:05") // Tuesday, 20:00 in Kolkata
	if got := h.sweep(); !mentions(got, "How are you feeling today?") {
		t.Fatalf("at 20:00 Kolkata time: %+v", got)
	}
}

func TestNotTodayBeforeThePrompt(t *testing.T) {
	h := newHarness(t)
	h.checkedIn()
	h.until(t, "2026-11-03 07:00:00")
	if got := h.say("not today"); !mentions(got, "I won't send today's check-in") {
		t.Fatalf("not today before the prompt: %+v", got)
	}
	h.until(t, "2026-11-03 09:00:05")
	if got := h.sweep(); len(got) != 0 {
		t.Fatalf("today's check-in came after all: %+v", got)
	}
	h.until(t, "2026-11-04 09:00:05")
	if got := h.sweep(); !mentions(got, "How are you feeling today?") {
		t.Fatalf("the next day: %+v", got)
	}
}

func TestDaysAreAnswersMidCheckin(t *testing.T) {
	h := newHarness(t)
	h.consent() // the check-in runs
	h.rec.take()
	h.say("3")
	h.say("7")
	h.say("no")
	// "What went well?" — an everyday sentence that starts like a command.
	if got := h.say("days are getting better"); !mentions(got, "note down") {
		t.Fatalf("a text answer taken for the days command: %+v", got)
	}
	st, _ := h.store.Load(context.Background(), h.user, "")
	if st.Profile.CheckinDays != 0 {
		t.Fatalf("days changed by an answer: %b", st.Profile.CheckinDays)
	}
}

// TestGoalFollowupTheDayAfter: a goal set "by Friday" is followed up on
// Saturday at the mentee's check-in time, once; goals and schedule show
// the date.
func TestGoalFollowupTheDayAfter(t *testing.T) {
	h := newHarness(t) // Monday 2026-11-02 09:00 UTC
	h.checkedIn()
	h.say("time 19:00")
	for _, line := range []string{"start goal-setting", "walk every morning", "I sleep better", "buy shoes"} {
		h.say(line)
	}
	got := h.say("by Friday")
	if !mentions(got, "How sure do you feel") {
		t.Fatalf("after the date: %+v", got)
	}
	got = h.say("8")
	if !mentions(got, "by Friday 6 November") || !mentions(got, "I'll check in the day after") {
		t.Fatalf("done text: %+v", got)
	}
	if got := h.say("goals"); !mentions(got, "(by Friday 6 November)") {
		t.Fatalf("goals: %+v", got)
	}
	if got := h.say("schedule"); !mentions(got, "Goal follow-up — Sat 7 Nov, 19:00") && !mentions(got, "— Sat 7 Nov, 19:00") {
		t.Fatalf("schedule: %+v", got)
	}
	h.until(t, "2026-11-07 18:59:00")
	for _, r := range h.sweep() {
		if strings.Contains(r.Text, "Last time you set a goal") {
			t.Fatalf("the follow-up came early: %+v", r)
		}
	}
	h.until(t, "2026-11-07 19:00:05")
	got = h.sweep()
	if !mentions(got, "Last time you set a goal: \"walk every morning\"") {
		t.Fatalf("Saturday 19:00: %+v", got)
	}
	h.until(t, "2026-11-07 19:30:00")
	for _, r := range h.sweep() {
		if strings.Contains(r.Text, "Last time you set a goal") {
			t.Fatalf("the follow-up came twice: %+v", r)
		}
	}
}

// TestFollowupSkippedWhenTheGoalIsGone: a goal let go before its day gets
// no follow-up.
func TestFollowupSkippedWhenTheGoalIsGone(t *testing.T) {
	h := newHarness(t)
	h.checkedIn()
	for _, line := range []string{"start goal-setting", "walk", "why not", "shoes", "tomorrow", "8"} {
		h.say(line)
	}
	for _, line := range []string{"start goal-followup", "not yet", "busy", "let it go"} {
		h.say(line)
	}
	h.rec.take()
	h.until(t, "2026-11-04 09:00:05")
	for _, r := range h.sweep() {
		if strings.Contains(r.Text, "Last time you set a goal") {
			t.Fatalf("a follow-up of a goal let go: %+v", r)
		}
	}
}

// A start placed directly in the store (as load tests do) begins the flow
// when it is due, like one the scheduler wrote.
func TestPlaceScheduledStart(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	now := h.clock.Now()
	due := now.Add(time.Hour)
	st := &bot.State{Profile: bot.Profile{Consent: bot.ConsentGiven, ConsentAt: now, Timezone: "UTC", DMChannel: "D1"}}
	timer := bot.PlaceScheduledStart(st, h.user, "test", bot.DefaultFlow, now, due, 1)
	if err := h.store.Save(ctx, bot.Save{User: h.user, State: st, Outbox: []bot.Outbound{timer}}); err != nil {
		t.Fatal(err)
	}
	if err := h.store.ScheduleWake(ctx, h.user, due); err != nil {
		t.Fatal(err)
	}
	if got := h.sweep(); len(got) != 0 {
		t.Fatalf("before it is due: %+v", got)
	}
	h.clock.Add(time.Hour + time.Second)
	got := h.sweep()
	if len(got) != 1 || !strings.Contains(got[0].Text, "How are you feeling today?") {
		t.Fatalf("when due: %+v, want the mood question", got)
	}
	if got := h.sweep(); len(got) != 0 {
		t.Fatalf("swept again: %+v", got)
	}
}

// TestDailyCheckinDoesNotStandInForTheWeekly: a daily check-in done on a
// Sunday morning does not stop the weekly one at 10:00.
func TestDailyCheckinDoesNotStandInForTheWeekly(t *testing.T) {
	h := newHarness(t) // Monday 2026-11-02
	h.checkedIn()
	h.until(t, "2026-11-08 08:00:00") // Sunday
	h.say("checkin")
	h.say("not today")
	h.rec.take()
	h.until(t, "2026-11-08 09:00:05")
	if got := h.sweep(); mentions(got, "How are you feeling today?") {
		t.Fatalf("the daily check-in came after one by hand: %+v", got)
	}
	h.until(t, "2026-11-08 10:00:05")
	got := h.sweep()
	if len(got) == 0 || strings.Contains(got[0].Text, "How are you feeling today?") {
		t.Fatalf("Sunday 10:00: %+v, want the weekly wellbeing check-in", got)
	}
}
