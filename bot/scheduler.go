package bot

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/peerbot/peerbot/flows"
)

// Scheduling: every flow with a schedule begins on its own for each person
// who has consented and is not stopped or paused, in their own time zone.
//
// The next start of each scheduled flow is a durable timer in the person's
// outbox, written in the same save as the change that decides it (consent,
// a new time or days, a pause, the start before it), and recorded in
// State.Scheduled; a timer no longer recorded there is stale and does
// nothing. The wake index says when to look at whose outbox: a turn that
// writes a timer asks for a wake at its due time before it saves, so no
// timer is ever without one. RunOutbox claims due wakes (one claimer per
// person across replicas), runs what is due, and tells the index when the
// person's next entry is due.
//
// Each start writes State.Prompted[flow] = the local date, so a flow begins
// at most once per person and local date whatever the clock or the
// replicas do; the reminder and expiry of that run are timers too.

// Timer kinds of the schedule (safety checks have their own).
const (
	timerBegin  = "begin"  // begin:<flow>
	timerRemind = "remind" // remind:<session id>
	timerExpire = "expire" // expire:<session id>
	// timerFollowup begins a follow-up flow: followup:<flow>.
	timerFollowup = "followup"
)

// Defaults of the schedule.
const (
	// DefaultScheduleGrace is how late a start may run after downtime;
	// later than that, it is skipped.
	DefaultScheduleGrace = 2 * time.Hour
	// DefaultMissedDays is how many scheduled check-ins missed in a row
	// raise a flag.
	DefaultMissedDays = 3
	// maxScheduleAhead is how far ahead a start is scheduled: past it (a
	// pause with no end) nothing is, until the state changes.
	maxScheduleAhead = 400 * 24 * time.Hour
	// wakeBatch is how many people one sweep claims.
	wakeBatch = 512
)

// timingCache parses each cron spec once.
type timingCache struct{ m sync.Map } // spec → *Timing

func (c *timingCache) get(spec string) *Timing {
	if t, ok := c.m.Load(spec); ok {
		return t.(*Timing)
	}
	t, err := ParseTiming(spec)
	if err != nil {
		return nil // flows validated it at load; nothing to run
	}
	c.m.Store(spec, t)
	return t
}

// personalTiming is flow f's timing for the turn's person: their time and
// days move the daily check-in (DefaultFlow), not the other flows.
func (t *turn) personalTiming(f *flows.Flow) *Timing {
	tm := t.e.timings.get(f.Schedule.Cron)
	if tm == nil || f.ID != DefaultFlow {
		return tm
	}
	p := t.st.Profile
	if p.CheckinTime != "" {
		if h, m, err := ParseClock(p.CheckinTime); err == nil {
			tm = tm.At(h, m)
		}
	}
	if p.CheckinDays != 0 {
		tm = tm.On(p.CheckinDays)
	}
	return tm
}

// schedulable reports whether scheduled flows run for the person at all.
func (t *turn) schedulable() bool {
	p := t.st.Profile
	return p.Consent == ConsentGiven && !p.Stopped
}

// nextStart is when flow f next begins for the person, or zero: after any
// pause, never twice on one local date (a check-in done by hand that day
// counts), and outside quiet hours (a start inside them waits for their
// end if that is still the same day).
func (t *turn) nextStart(f *flows.Flow) time.Time {
	tm := t.personalTiming(f)
	if tm == nil {
		return time.Time{}
	}
	from := t.now
	if p := t.st.Profile.PausedUntil; p.After(from) {
		if p.Sub(from) > maxScheduleAhead {
			return time.Time{} // paused with no end: "resume" schedules again
		}
		from = p
	}
	for range 14 {
		at := tm.Next(from, t.loc)
		if at.IsZero() {
			return at
		}
		day := at.In(t.loc).Format(time.DateOnly)
		done := t.st.Prompted[f.ID] == day || t.checkedInByHand(f, day)
		if !done {
			if q := t.quietHours().Defer(at, t.loc); !q.IsZero() {
				return q
			}
		}
		from = at
	}
	return time.Time{}
}

// quietHours are the person's quiet hours: their own, else the
// community's.
func (t *turn) quietHours() QuietHours {
	if own := t.st.Profile.QuietHours; own != "" {
		if q, err := ParseQuietHours(own); err == nil {
			return q
		}
	}
	return t.e.quiet
}

// checkedInByHand reports whether the daily check-in was already done on
// day (by hand, or "not today"): then its scheduled start that day is not
// sent. Only the daily check-in: a daily check-in on a Sunday does not
// stand in for the weekly one.
func (t *turn) checkedInByHand(f *flows.Flow, day string) bool {
	return f.ID == DefaultFlow && t.st.Streak.LastDay == day
}

// reschedule makes the person's scheduled starts match what their state
// says now: a timer for each scheduled flow's next start, written when it
// changes. It runs at the end of every turn.
func (t *turn) reschedule() {
	if t.deleteAll {
		return
	}
	want := map[string]time.Time{}
	if t.schedulable() {
		for _, f := range t.e.flows.All() {
			if f.Schedule == nil || f.Schedule.Cron == "" || f.Audience == flows.AudienceChannel {
				continue
			}
			if at := t.nextStart(f); !at.IsZero() {
				want[f.ID] = at
			}
		}
	}
	for id := range t.st.Scheduled {
		if _, ok := want[id]; !ok {
			delete(t.st.Scheduled, id)
			t.changed = true
		}
	}
	for id, at := range want {
		if due, ok := timerDue(t.st.Scheduled[id]); ok && (due.Equal(at) || !due.After(t.now)) {
			continue // as it should be, or due and about to run
		}
		if t.st.Scheduled == nil {
			t.st.Scheduled = map[string]string{}
		}
		entry := t.e.newEntryID(at)
		t.timers = append(t.timers, timer{name: timerBegin + ":" + id, due: at, id: entry})
		t.st.Scheduled[id] = entry
		t.changed = true
	}
}

// NextStart returns when flow next begins on schedule for the person, or
// zero when it is not scheduled.
func (s *State) NextStart(flow string) time.Time {
	at, _ := timerDue(s.Scheduled[flow])
	return at
}

// timerDue reads the due time an entry id starts with (see newEntryID).
func timerDue(id string) (time.Time, bool) {
	hex, _, ok := strings.Cut(id, ".")
	if !ok || hex == "" {
		return time.Time{}, false
	}
	var n uint64
	for _, c := range hex {
		switch {
		case c >= '0' && c <= '9':
			n = n<<4 | uint64(c-'0')
		case c >= 'a' && c <= 'f':
			n = n<<4 | uint64(c-'a'+10)
		default:
			return time.Time{}, false
		}
	}
	return time.Unix(0, int64(n)), true
}

// scheduledStart runs the start of flow id due at due, from its timer
// (entry): the flow begins, unless the timer is stale, the person may not
// be prompted now, it already ran today, or peerbot was down for longer
// than the grace period (then it is skipped, never sent twice).
func (t *turn) scheduledStart(id, entry string, due time.Time) {
	if t.st.Scheduled[id] != entry {
		return // moved or cancelled since
	}
	delete(t.st.Scheduled, id)
	t.changed = true
	f := t.e.flows.Get(id)
	day := due.In(t.loc).Format(time.DateOnly)
	switch {
	case f == nil || !t.schedulable() || t.st.Profile.PausedUntil.After(t.now):
		return
	case t.now.Sub(due) > t.e.grace:
		t.e.log.Info("scheduled start skipped: too late after downtime", "user", t.msg.User, "flow", id, "due", due)
		t.counts = append(t.counts, &t.e.stats.missedDowntime)
		return
	case t.st.Prompted[id] == day, t.checkedInByHand(f, day):
		return
	case t.st.Session != nil && t.st.Session.Flow == id:
		return // still in it
	case t.st.Safety != nil:
		return // a safety check is open: no check-in on top of it
	}
	if t.st.Prompted == nil {
		t.st.Prompted = map[string]string{}
	}
	t.st.Prompted[id] = day
	t.startFlow(f)
	t.counts = append(t.counts, &t.e.stats.scheduled)
	if s := t.st.Session; s != nil && s.Flow == id && f.Schedule != nil {
		if f.Schedule.RemindAfter > 0 {
			t.timers = append(t.timers, timer{name: timerRemind + ":" + s.ID, due: t.now.Add(f.Schedule.RemindAfter)})
		}
		if f.Schedule.ExpireAfter > 0 {
			t.timers = append(t.timers, timer{name: timerExpire + ":" + s.ID, due: t.now.Add(f.Schedule.ExpireAfter)})
		}
	}
}

// remind asks the running question again, gently, once, if the run that
// set the reminder is still waiting for its first answer.
func (t *turn) remind(session string) {
	s := t.st.Session
	if s == nil || s.ID != session || s.Held || len(s.Answers) > 0 || !t.schedulable() {
		return
	}
	t.reask("Just a gentle nudge, no pressure — whenever you're ready:")
	t.counts = append(t.counts, &t.e.stats.reminders)
}

// expire closes the run that set the timer if it is still unfinished: it
// counts as missed, with no message; after DefaultMissedDays in a row, a
// concern flag.
func (t *turn) expire(session string) {
	s := t.st.Session
	if s == nil || s.ID != session {
		return
	}
	t.record(s, OutcomeExpired, nil)
	t.st.Session = nil
	t.st.Missed++
	t.changed = true
	t.counts = append(t.counts, &t.e.stats.expired)
	if t.st.Missed == t.e.missedDays {
		t.flags = append(t.flags, Flag{
			ID: t.e.newFlagID(t.now), User: t.msg.User, Flow: s.Flow, Rule: "missed",
			Level: LevelConcern, Reason: "Has not checked in for a few days", Time: t.now,
		})
	}
}

// runTimer is the turn of a schedule timer that fell due.
func (e *Engine) runTimer(ctx context.Context, o Outbound) {
	kind, arg, _ := strings.Cut(o.Timer, ":")
	msg := Message{Platform: o.Platform, User: o.Owner, Time: e.clock.Now()}
	due, _ := timerDue(o.ID) // the lease is the claim's by now
	owed, _, err := e.apply(ctx, msg, func(t *turn) {
		switch kind {
		case timerBegin:
			t.scheduledStart(arg, o.ID, due)
		case timerRemind:
			t.remind(arg)
		case timerExpire:
			t.expire(arg)
		case timerFollowup:
			t.followupStart(arg, o.ID)
		}
	})
	if err != nil {
		e.log.Warn("timer not run, kept for the next sweep", "user", o.Owner, "timer", kind, "code", ErrorCode(err), "err", err)
		return
	}
	_ = e.deliver(ctx, owed)
	if err := e.store.AckOutbox(ctx, o.Owner, o.ID); err != nil {
		e.log.Warn("timer run but not removed; it will run again and find nothing to do", "user", o.Owner,
			"code", ErrorCode(err), "err", err)
	}
}

// SweepWakes claims the people whose wake time has come and runs what is
// due in their outboxes: scheduled starts, reminders, expiries, safety
// checks, and deliveries to retry. It returns how many people it woke.
func (e *Engine) SweepWakes(ctx context.Context) (int, error) {
	users, err := e.store.ClaimWakes(ctx, e.lease, wakeBatch)
	if err != nil || len(users) == 0 {
		return 0, err
	}
	e.deliverAll(ctx, users, func(u UserID) []Outbound {
		entries, err := e.store.ClaimUserOutbox(ctx, u, e.lease)
		if err != nil {
			e.log.Warn("woken user's outbox not claimed", "user", u, "code", ErrorCode(err), "err", err)
			return nil
		}
		return entries
	}, func(u UserID) {
		// What is left (a later timer, a delivery to retry) wakes them
		// again; a wake asked for meanwhile is kept by the store.
		next, err := e.store.OutboxNext(ctx, u)
		if err != nil {
			e.log.Warn("woken user's next wake unknown; they wake again after the lease", "user", u, "err", err)
			return
		}
		if err := e.store.DoneWake(ctx, u, next); err != nil {
			e.log.Warn("wake not released; taken over after the lease", "user", u, "err", err)
		}
	})
	return len(users), nil
}

// Upcoming is one scheduled start, for display.
type Upcoming struct {
	User  UserID
	Flow  string
	Title string
	// At is the instant; Zone the person's time zone (or the spec's
	// CRON_TZ), to show it in.
	At   time.Time
	Zone *time.Location
}

// Upcoming returns the person's next scheduled starts as if now were at
// (zero: now), computed from their state, earliest first; nothing when
// they are not scheduled (no consent, stopped).
func (e *Engine) Upcoming(ctx context.Context, user UserID, at time.Time) ([]Upcoming, error) {
	if at.IsZero() {
		at = e.clock.Now()
	}
	st, err := e.store.Load(ctx, user, "")
	if err != nil {
		return nil, err
	}
	t := newTurn(ctx, e, Message{User: user, Time: at}, st)
	if !t.schedulable() {
		return nil, nil
	}
	var out []Upcoming
	for _, f := range e.flows.All() {
		if f.Schedule == nil || f.Schedule.Cron == "" || f.Audience == flows.AudienceChannel {
			continue
		}
		if next := t.nextStart(f); !next.IsZero() {
			out = append(out, Upcoming{User: user, Flow: f.ID, Title: f.Title, At: next, Zone: t.personalTiming(f).Zone(t.loc)})
		}
	}
	slices.SortFunc(out, func(a, b Upcoming) int { return a.At.Compare(b.At) })
	return out, nil
}

// UpcomingAll returns the next scheduled starts of the people who wake
// first (up to limit people), as Upcoming does.
func (e *Engine) UpcomingAll(ctx context.Context, at time.Time, limit int) ([]Upcoming, error) {
	wakes, err := e.store.PeekWakes(ctx, limit)
	if err != nil {
		return nil, err
	}
	var out []Upcoming
	for _, w := range wakes {
		u, err := e.Upcoming(ctx, w.User, at)
		if err != nil {
			return nil, err
		}
		out = append(out, u...)
	}
	slices.SortFunc(out, func(a, b Upcoming) int { return a.At.Compare(b.At) })
	return out, nil
}

// scheduleFollowup sets the follow-up of a completed flow: fu.Flow begins
// on the day after the date answered at fu.After, at the person's check-in
// time (their daily check-in's time that day, else 09:00), replacing any
// follow-up of that flow still to come.
func (t *turn) scheduleFollowup(fu *flows.Followup, answers map[string]any) {
	date, _ := answers[fu.After].(string)
	day, err := time.ParseInLocation(time.DateOnly, date, t.loc)
	if err != nil || t.e.flows.Get(fu.Flow) == nil {
		return
	}
	day = day.AddDate(0, 0, 1)
	at := time.Time{}
	if daily := t.e.flows.Get(DefaultFlow); daily != nil && daily.Schedule != nil && daily.Schedule.Cron != "" {
		if tm := t.personalTiming(daily); tm != nil {
			// The check-in time of that day, whatever days it runs on.
			at = tm.On(0x7f).Next(day.Add(-time.Nanosecond), t.loc)
			if !sameDay(at, day, t.loc) {
				at = time.Time{}
			}
		}
	}
	if at.IsZero() {
		y, m, d := day.Date()
		at = Instant(time.Date(y, m, d, 9, 0, 0, 0, time.UTC), t.loc)
	}
	if q := t.quietHours().Defer(at, t.loc); !q.IsZero() {
		at = q
	}
	if t.st.FollowUps == nil {
		t.st.FollowUps = map[string]string{}
	}
	entry := t.e.newEntryID(at)
	t.st.FollowUps[fu.Flow] = entry
	t.timers = append(t.timers, timer{name: timerFollowup + ":" + fu.Flow, due: at, id: entry})
	t.changed = true
}

func sameDay(a, b time.Time, loc *time.Location) bool {
	return a.In(loc).Format(time.DateOnly) == b.In(loc).Format(time.DateOnly)
}

// followupStart runs a follow-up from its timer, as scheduledStart runs a
// scheduled start; a goal follow-up only while there is a goal to follow.
func (t *turn) followupStart(id, entry string) {
	if t.st.FollowUps[id] != entry {
		return
	}
	delete(t.st.FollowUps, id)
	t.changed = true
	f := t.e.flows.Get(id)
	switch {
	case f == nil || !t.schedulable() || t.st.Profile.PausedUntil.After(t.now):
		return
	case f.Goal != nil && f.Goal.Progress != "" && t.currentGoal() == nil:
		return // the goal was dropped or done meanwhile
	case t.st.Session != nil && t.st.Session.Flow == id, t.st.Safety != nil:
		return
	}
	t.startFlow(f)
	t.counts = append(t.counts, &t.e.stats.followups)
}

// dayText shows a stored date answer as words ("Friday 6 November"); any
// other text as it is.
func dayText(s string) string {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.Format("Monday 2 January")
	}
	return s
}

// engineStats count what the schedule and the sender did, for metrics.
type engineStats struct {
	scheduled, followups, reminders, expired, missedDowntime atomic.Int64
	sent, sendFailed, sendRefused                            atomic.Int64
}

// Stats is a snapshot of what the engine has done since New, for metrics.
type Stats struct {
	// ScheduledStarts and FollowUps are flows begun on schedule and as a
	// goal's follow-up; Reminders the gentle reminders sent; Expired the
	// runs closed unanswered; SkippedAfterDowntime the starts that fell
	// due too long before peerbot came back.
	ScheduledStarts, FollowUps, Reminders, Expired, SkippedAfterDowntime int64
	// Sent, SendFailed and SendRefused count outbox deliveries: taken by
	// the platform, failed past their deadline (kept, to be retried), and
	// refused for good (dropped).
	Sent, SendFailed, SendRefused int64
}

// Stats returns the engine's counts so far.
func (e *Engine) Stats() Stats {
	s := &e.stats
	return Stats{
		ScheduledStarts: s.scheduled.Load(), FollowUps: s.followups.Load(), Reminders: s.reminders.Load(),
		Expired: s.expired.Load(), SkippedAfterDowntime: s.missedDowntime.Load(),
		Sent: s.sent.Load(), SendFailed: s.sendFailed.Load(), SendRefused: s.sendRefused.Load(),
	}
}
