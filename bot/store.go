package bot

import (
	"context"
	"time"
)

// Store is the engine's only memory. Each user's state is one document
// (State) changed by optimistic concurrency: Load it with its Version, work
// out the change, and Save it with that Version. A Save whose Version is
// stale fails with ECONFLICT and the caller loads again; so two messages from
// one user handled at once, in one process or two, never lose an answer.
//
// Implementations: adapters/bolt (one local file) and adapters/redis. Both
// pass the conformance suite in bot/storetest.
type Store interface {
	// Load returns the user's state. A user never seen has a zero State
	// (Exists false, Version 0). When eventID is not empty, State.Seen says
	// whether a Save already marked that event as handled.
	Load(ctx context.Context, user UserID, eventID string) (*State, error)

	// Save applies one change atomically: the new state, the history records
	// and flags to append, and the mark of the event that caused it. It fails
	// with ECONFLICT when the stored Version is no longer s.Version, and with
	// EDUPLICATE when s.EventID is already marked; in both cases nothing is
	// written.
	Save(ctx context.Context, s Save) error

	// History returns the user's records, newest first; flow "" means every
	// flow and limit <= 0 means all.
	History(ctx context.Context, user UserID, flow string, limit int) ([]Record, error)

	// Flags returns every flag raised about the user, oldest first.
	Flags(ctx context.Context, user UserID) ([]Flag, error)

	// DeleteUser removes everything stored about the user: state, history,
	// flags, goals and the outbox. Dedupe marks carry no content and may
	// remain.
	DeleteUser(ctx context.Context, user UserID) error

	// ClaimOutbox returns up to limit undelivered outbox entries, of any
	// user, whose lease has run out (their sender died or gave up), and
	// leases them for lease from now, so that one replica delivers each;
	// oldest first within a user.
	ClaimOutbox(ctx context.Context, lease time.Duration, limit int) ([]Outbound, error)

	// ClaimUserOutbox is ClaimOutbox for one owner: the cheap way to retry
	// a delivery this process saw fail, without looking at every user.
	ClaimUserOutbox(ctx context.Context, owner UserID, lease time.Duration) ([]Outbound, error)

	// AckOutbox removes delivered (or undeliverable) entries from the
	// owner's outbox. Unknown ids are ignored.
	AckOutbox(ctx context.Context, owner UserID, ids ...string) error

	// OutboxNext returns when the owner's earliest outbox entry is due
	// (its lease ends: a timer's due time, or a retry); zero when the
	// outbox is empty.
	OutboxNext(ctx context.Context, owner UserID) (time.Time, error)

	// The wake index says when to look at a user's outbox: the due index
	// of scheduled work, spread over shards so that a Cluster spreads it.

	// ScheduleWake adds the user to the wake index at at, or moves them
	// earlier; never later.
	ScheduleWake(ctx context.Context, user UserID, at time.Time) error

	// ClaimWakes takes up to limit users whose wake time has come, and
	// users claimed earlier whose claim's lease (lease from their claim)
	// has run out — their claimer died —, and claims them for lease: one
	// claimer has each at a time.
	ClaimWakes(ctx context.Context, lease time.Duration, limit int) ([]UserID, error)

	// OutboxStats counts what every outbox holds, for metrics: it may look
	// at every user, so callers cache it.
	OutboxStats(ctx context.Context) (OutboxStats, error)

	// PeekWakes returns up to limit people with the earliest wakes, and
	// when, without claiming anything (for "peerbot schedule").
	PeekWakes(ctx context.Context, limit int) ([]Wake, error)

	// DoneWake ends the claim of user; with next not zero the user wakes
	// again then (or earlier, if ScheduleWake said so meanwhile).
	DoneWake(ctx context.Context, user UserID, next time.Time) error

	// Close releases the store.
	Close() error
}

// Save is one atomic change of a user's state; see Store.Save.
type Save struct {
	User UserID
	// Version is the State.Version that the change was computed from.
	Version int64
	// EventID, when not empty, is marked as handled in the same update.
	EventID string
	// State is the new state; nil leaves it as it is (a mark-only save).
	// The store sets its Version.
	State *State
	// History records to append.
	History []Record
	// Flags to append.
	Flags []Flag
	// Outbox holds the messages the change owes someone, written in the
	// same update so that none is lost between the save and the send.
	Outbox []Outbound
	// Delete removes everything stored about the user (as DeleteUser),
	// dedupe marks included and EventID not marked, and then writes
	// Outbox; State, History and Flags must be empty.
	Delete bool
	// AnyVersion skips the version check: for a save that only appends
	// (flags kept through a store outage), with State nil.
	AnyVersion bool
}

// OutboxStats is what the outboxes hold: messages not yet delivered (and
// when the oldest was written), and timers waiting to fall due.
type OutboxStats struct {
	Messages int
	Oldest   time.Time
	Timers   int
}

// Add counts one entry.
func (s *OutboxStats) Add(o Outbound) {
	if o.Timer != "" {
		s.Timers++
		return
	}
	s.Messages++
	if s.Oldest.IsZero() || o.Created.Before(s.Oldest) {
		s.Oldest = o.Created
	}
}

// Wake is one entry of the wake index: when to look at a person's outbox.
type Wake struct {
	User UserID
	At   time.Time
}

// Outbound is one message the bot owes someone, kept in the owner's outbox
// until the platform has taken it.
type Outbound struct {
	// ID orders a user's entries (it sorts by creation) and names the
	// entry for AckOutbox.
	ID string `json:"id"`
	// Owner is the user whose save wrote the entry; the entry lives with
	// their keys.
	Owner UserID `json:"owner"`
	// Platform is the adapter that delivers it.
	Platform string `json:"platform"`
	// Reply is the message itself.
	Reply Reply `json:"reply"`
	// Created is when the turn that owes it was saved.
	Created time.Time `json:"created"`
	// LeaseUntil is when another sender may take the entry over: the
	// engine that wrote it delivers it first.
	LeaseUntil time.Time `json:"lease"`
	// Attempts counts claims by ClaimOutbox (deliveries after the first).
	Attempts int `json:"attempts,omitempty"`
	// Timer, when set, makes the entry a durable timer instead of a
	// message: LeaseUntil is when it is due, the sweeper claims it then
	// (once across replicas, again after a crash) and the engine runs
	// what it names ("safety:<check id>") rather than sending Reply.
	Timer string `json:"timer,omitempty"`
}

// State is everything about one user that the engine reads on each message.
type State struct {
	User UserID `json:"-"`
	// Version counts saves; 0 means nothing is stored.
	Version int64 `json:"-"`
	// Seen is set by Load when the event id asked about is already handled.
	Seen bool `json:"-"`

	Profile Profile  `json:"profile"`
	Session *Session `json:"session,omitempty"`
	Streak  Streak   `json:"streak"`
	Goals   []Goal   `json:"goals,omitempty"`
	// LastScores keeps, per flow, the scores of its last completed run, so a
	// flow can say how things changed since last time.
	LastScores map[string]map[string]float64 `json:"last_scores,omitempty"`
	// Safety is the open safety check ("Are you safe right now?"), if any.
	Safety *SafetyCheck `json:"safety,omitempty"`
	// Scheduled holds, per scheduled flow, the id of the outbox timer that
	// begins it next; a timer whose id is not here any more is stale.
	Scheduled map[string]string `json:"scheduled,omitempty"`
	// Prompted holds, per scheduled flow, the local date (YYYY-MM-DD) it
	// was last begun on schedule: at most one prompt per flow and day.
	Prompted map[string]string `json:"prompted,omitempty"`
	// FollowUps holds, per flow, the id of the outbox timer that begins it
	// as a follow-up (a goal's "by when" passed); a stale timer does
	// nothing.
	FollowUps map[string]string `json:"followups,omitempty"`
	// Missed counts scheduled check-ins missed in a row (expired
	// unanswered); a check-in done resets it.
	Missed int `json:"missed,omitempty"`
}

// Exists reports whether anything is stored for the user.
func (s *State) Exists() bool { return s.Version > 0 }

// Consent is where the user stands on the consent question.
type Consent string

// The consent states.
const (
	ConsentUnasked Consent = ""
	ConsentAsked   Consent = "asked"
	ConsentGiven   Consent = "given"
	ConsentRefused Consent = "refused"
)

// Profile is who the user is to the bot.
type Profile struct {
	// CheckinTime, "HH:MM", moves the daily check-in's time ("time 20:30");
	// "" keeps the flow's.
	CheckinTime string `json:"checkin_time,omitempty"`
	// CheckinDays, one bit per time.Weekday, limits scheduled check-ins to
	// those days ("days mon-fri"); 0 keeps the flow's.
	CheckinDays uint64 `json:"checkin_days,omitempty"`
	// QuietHours, "22:00-07:00", replaces the community's quiet hours for
	// this person ("none" for none); "" keeps the community's.
	QuietHours string    `json:"quiet_hours,omitempty"`
	Name       string    `json:"name,omitempty"`
	Timezone   string    `json:"tz,omitempty"`
	Consent    Consent   `json:"consent,omitempty"`
	ConsentAt  time.Time `json:"consent_at,omitzero"`
	// PausedUntil, when in the future, stops scheduled check-ins until then.
	PausedUntil time.Time `json:"paused_until,omitzero"`
	// Stopped ends every scheduled check-in and reminder until "resume".
	Stopped bool `json:"stopped,omitempty"`
	// ShareFull lets mentors see whole check-ins, not only flags.
	ShareFull bool `json:"share_full,omitempty"`
	// Mentors are the peers who receive this user's flags.
	Mentors []UserID `json:"mentors,omitempty"`
	// DMChannel caches the platform's DM channel with the user.
	DMChannel string `json:"dm,omitempty"`
	// DMClosed notes that the platform refused a DM to the user (they
	// closed their DMs); cleared when they write to the bot again.
	DMClosed bool `json:"dm_closed,omitempty"`
	// PendingFlow is a flow to start as soon as consent is given.
	PendingFlow string `json:"pending_flow,omitempty"`
}

// Session is the flow a user is in the middle of.
type Session struct {
	// ID tells this run of a flow from earlier ones, so a button of an
	// old prompt cannot answer a new question.
	ID        string         `json:"id,omitempty"`
	Flow      string         `json:"flow"`
	Step      string         `json:"step"`
	Answers   map[string]any `json:"answers,omitempty"`
	StartedAt time.Time      `json:"started"`
	// ExpiresAt, when set, is when an unfinished session is dropped.
	ExpiresAt time.Time `json:"expires,omitzero"`
	// Held is set by the crisis safety net: the flow waits until the user
	// says they want to go on.
	Held bool `json:"held,omitempty"`
}

// Streak counts days with a check-in; one missed day is forgiven.
type Streak struct {
	Days int `json:"days,omitempty"`
	Best int `json:"best,omitempty"`
	// LastDay is the local date (YYYY-MM-DD) of the last check-in.
	LastDay string `json:"last_day,omitempty"`
}

// Goal is something the user set out to do, in their words.
type Goal struct {
	ID         string    `json:"id"`
	Text       string    `json:"text"`
	Why        string    `json:"why,omitempty"`
	FirstStep  string    `json:"first_step,omitempty"`
	By         string    `json:"by,omitempty"`
	Confidence int       `json:"confidence,omitempty"`
	Status     string    `json:"status"` // active, done, dropped
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
	// Progress is the last follow-up answer: done, partly or not yet.
	Progress string `json:"progress,omitempty"`
}

// Goal statuses.
const (
	GoalActive  = "active"
	GoalDone    = "done"
	GoalDropped = "dropped"
)

// Record is one finished run of a flow.
type Record struct {
	Flow    string             `json:"flow"`
	Started time.Time          `json:"started"`
	Ended   time.Time          `json:"ended"`
	Day     string             `json:"day"` // local date of Ended
	Outcome string             `json:"outcome"`
	Answers map[string]any     `json:"answers,omitempty"`
	Scores  map[string]float64 `json:"scores,omitempty"`
}

// Record outcomes.
const (
	OutcomeDone     = "done"      // every step answered
	OutcomeNotToday = "not_today" // the user said "not today": counts as a check-in
	OutcomeStopped  = "stopped"   // ended by stop or by starting another flow
	OutcomeExpired  = "expired"   // left unfinished past the flow's expire_after
)

// Level is how soon a human should look at a flag.
type Level string

// Flag levels.
const (
	LevelInfo    Level = "info"
	LevelConcern Level = "concern"
	LevelUrgent  Level = "urgent"
)

// Flag is a response a mentor should see.
type Flag struct {
	ID     string    `json:"id"`
	User   UserID    `json:"user"`
	Flow   string    `json:"flow,omitempty"`
	Step   string    `json:"step,omitempty"`
	Answer string    `json:"answer,omitempty"`
	Rule   string    `json:"rule"`
	Level  Level     `json:"level"`
	Reason string    `json:"reason"`
	Time   time.Time `json:"time"`
}
