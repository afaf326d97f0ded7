package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/peerbot/peerbot/bot/resources"
	"hash/fnv"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	crisispkg "github.com/peerbot/peerbot/bot/crisis"
	"github.com/peerbot/peerbot/flows"
)

// DefaultFlow is the flow that "checkin" starts.
const DefaultFlow = "daily-checkin"

// saveRetries bounds the load-change-save loop when other replicas keep
// winning the race for the same user; past it the user is asked to resend.
const saveRetries = 8

// Options configures an Engine. Only Store and Flows are required.
type Options struct {
	Store Store
	Flows *flows.Set
	Clock Clock        // default: the wall clock
	Log   *slog.Logger // default: slog.Default()
	// Community is the community's name, used in the consent text.
	Community string
	// RetentionDays is how long check-ins are kept, told in the consent text.
	RetentionDays int
	// DefaultTimezone is the timezone of users who have not set one.
	DefaultTimezone string
	// CrisisResources replaces DefaultCrisisResources when not empty.
	CrisisResources []string
	// Directory is the community's resources directory ("resources
	// housing"); default resources.Builtin().
	Directory *resources.Directory
	// FlagsReach says who receives the flags the engine raises, in the
	// words the bot uses with the person: a singular noun phrase such as
	// "a mentor" or "the mentors' team". Empty, the default, means that
	// nothing delivers flags to a person: they are stored and shown by
	// "my data", and the consent text, the crisis reply and the other
	// texts say so instead of promising that someone is told. Set it only
	// when flags really reach someone.
	FlagsReach string
	// QuietHours is the community's daily window in which nothing
	// scheduled is sent (see QuietHours.Defer); zero means none.
	QuietHours QuietHours
	// ScheduleGrace is how late a scheduled start may run after downtime;
	// default DefaultScheduleGrace.
	ScheduleGrace time.Duration
	// MissedDays is how many scheduled check-ins missed in a row raise a
	// concern flag; default DefaultMissedDays.
	MissedDays int
	// SafetyCheckAfter is how long the safety check ("Are you safe right
	// now?") waits for an answer before its silence raises an urgent flag;
	// default DefaultSafetyCheckAfter. RunOutbox fires it.
	SafetyCheckAfter time.Duration
	// SendTimeout bounds each message's delivery; default
	// DefaultSendTimeout.
	SendTimeout time.Duration
	// OutboxLease is how long a sender has to deliver an entry before
	// another may take it over; default DefaultOutboxLease.
	OutboxLease time.Duration
	// SweepEvery is RunOutbox's interval; default DefaultSweepEvery.
	SweepEvery time.Duration
	// FullSweepEvery is how often RunOutbox looks at every user's outbox;
	// default DefaultFullSweepEvery.
	FullSweepEvery time.Duration
}

// Engine runs conversations: it takes each inbound Message, decides what it
// means for the user's state, saves the change together with the replies it
// owes (the outbox) atomically, and then delivers them through the adapter
// the message came from.
type Engine struct {
	store       Store
	flows       *flows.Set
	clock       Clock
	log         *slog.Logger
	community   string
	retention   int
	defaultTZ   *time.Location
	resources   []string
	directory   *resources.Directory
	flagsReach  string
	safetyAfter time.Duration
	// The schedule: parsed specs, quiet hours, grace, missed days.
	timings     timingCache
	quiet       QuietHours
	grace       time.Duration
	missedDays  int
	sendTimeout time.Duration
	lease       time.Duration
	sweepEvery  time.Duration
	// fullSweepEvery: see Options.FullSweepEvery.
	fullSweepEvery time.Duration

	// retry notes owners whose delivery failed here, and since when.
	retryMu sync.Mutex
	retry   map[UserID]time.Time

	// kept holds flags raised while the store was down (see keepFlag).
	keptMu    sync.Mutex
	kept      []Flag
	keptCount atomic.Int64
	lostFlags atomic.Int64
	stats     engineStats

	mu       sync.RWMutex
	adapters map[string]Adapter

	// userLocks serialise turns of one user inside this process, so the
	// optimistic save rarely conflicts; other replicas are covered by the
	// store's version check.
	userLocks [256]sync.Mutex
	flagSeq   atomic.Uint64
	// locations caches time.LoadLocation, which reads and parses the zone
	// data on every call (about 20 µs): once per zone, not per message.
	locations sync.Map // string → *time.Location
}

// New returns an Engine.
func New(o Options) (*Engine, error) {
	if o.Store == nil || o.Flows == nil {
		return nil, errors.New("bot: Options.Store and Options.Flows are required")
	}
	if err := o.Flows.Check(); err != nil {
		return nil, err
	}
	e := &Engine{
		store:      o.Store,
		flows:      o.Flows,
		clock:      o.Clock,
		log:        o.Log,
		community:  o.Community,
		retention:  o.RetentionDays,
		resources:  o.CrisisResources,
		flagsReach: strings.TrimSpace(o.FlagsReach),
		adapters:   map[string]Adapter{},
		defaultTZ:  time.UTC,

		safetyAfter: cmp.Or(o.SafetyCheckAfter, DefaultSafetyCheckAfter),
		quiet:       o.QuietHours,
		grace:       cmp.Or(o.ScheduleGrace, DefaultScheduleGrace),
		missedDays:  cmp.Or(o.MissedDays, DefaultMissedDays),
		sendTimeout: cmp.Or(o.SendTimeout, DefaultSendTimeout),
		lease:       cmp.Or(o.OutboxLease, DefaultOutboxLease),
		sweepEvery:  cmp.Or(o.SweepEvery, DefaultSweepEvery),

		fullSweepEvery: cmp.Or(o.FullSweepEvery, DefaultFullSweepEvery),
		retry:          map[UserID]time.Time{},
	}
	if e.clock == nil {
		e.clock = SystemClock{}
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	if e.community == "" {
		e.community = "this community"
	}
	if e.retention <= 0 {
		e.retention = 365
	}
	if len(e.resources) == 0 {
		e.resources = DefaultCrisisResources
	}
	e.directory = o.Directory
	if e.directory == nil {
		e.directory = resources.Builtin()
	}
	if o.DefaultTimezone != "" {
		loc, err := time.LoadLocation(o.DefaultTimezone)
		if err != nil {
			return nil, fmt.Errorf("bot: default timezone: %w", err)
		}
		e.defaultTZ = loc
	}
	return e, nil
}

// Register adds an adapter; replies to messages whose Platform is its Name
// go through it.
func (e *Engine) Register(a Adapter) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.adapters[a.Name()] = a
}

var _ Conversations = (*Engine)(nil)

// Handle takes one inbound message: the crisis check first (the crisis
// reply, the safety check, a reply for a worried peer, a warm answer to a
// relapse or a craving), then an open safety check, then commands, then
// the answer to the current step. The change and the replies it owes are
// saved in one atomic update; msg.Ack is called then; and only after that,
// outside the user's lock, are the replies delivered. A message whose save
// failed can be sent again without being applied twice.
func (e *Engine) Handle(ctx context.Context, msg Message) error {
	return e.run(ctx, msg, nil)
}

// Begin opens a conversation from the bot's side, as the terminal does on
// start and the scheduler will for a due check-in: the consent question for
// a new user, otherwise flowID ("" for a greeting only).
func (e *Engine) Begin(ctx context.Context, msg Message, flowID string) error {
	if flowID != "" && e.flows.Get(flowID) == nil {
		return Errorf(ENOTFOUND, "There is no flow called %q.", flowID)
	}
	return e.run(ctx, msg, &opening{flow: flowID})
}

// opening is a turn the bot opens itself, rather than an inbound message.
type opening struct {
	flow string // the flow to start; "" for a greeting
}

func (e *Engine) run(ctx context.Context, msg Message, open *opening) error {
	if msg.Time.IsZero() {
		msg.Time = e.clock.Now()
	}
	if msg.User == "" {
		return Errorf(EINVALID, "A message needs a user.")
	}
	msg.Text = cleanText(msg.Text)
	ack := msg.Ack
	msg.Ack = nil
	verdict := func(v Verdict) {
		if ack != nil {
			ack(v)
			ack = nil
		}
	}

	// The crisis check needs nothing from the store, so that the resources
	// go out even when the store is down. A click is a button's label, not
	// the person's words.
	var det crisispkg.Result
	if open == nil && msg.Value == "" {
		det = crisispkg.Detect(msg.Text)
	}
	if !msg.Direct && open == nil {
		if !answeredInPublic(det) {
			// Peer channels belong to people; the bot speaks there only
			// for group prompts, which are not run here.
			verdict(Accepted)
			return nil
		}
		// Danger in a peer channel is answered privately, in the
		// writer's DM, never in front of the group.
		msg.Channel = ""
	}
	e.saveKeptFlags(ctx)

	fn := func(t *turn) { t.handle(det) }
	if open != nil {
		fn = func(t *turn) { t.begin(open.flow) }
	}
	owed, v, err := e.apply(ctx, msg, fn)
	if err != nil {
		verdict(NotSaved)
		return e.storeFailed(ctx, msg, det, err)
	}
	verdict(v)
	return e.deliver(ctx, owed)
}

// answeredInPublic reports whether a message in a peer channel gets an
// answer (in the writer's DM): danger to the writer or to someone else.
// Relapse and cravings are what peer channels are for, and are left to
// the peers.
func answeredInPublic(d crisispkg.Result) bool {
	return d.Tier > crisispkg.None && (d.Kind == crisispkg.Self || d.Kind == crisispkg.Peer)
}

// apply runs fn as the user's turn under the user's lock and saves its
// change with the replies it owes; it returns those replies as outbox
// entries.
func (e *Engine) apply(ctx context.Context, msg Message, fn func(*turn)) ([]Outbound, Verdict, error) {
	lock := e.lockFor(msg.User)
	lock.Lock()
	defer lock.Unlock()

	for attempt := 0; ; attempt++ {
		st, err := e.store.Load(ctx, msg.User, msg.ID)
		if err != nil {
			return nil, 0, err
		}
		if st.Seen {
			e.log.Debug("duplicate event skipped", "user", msg.User, "event", msg.ID)
			// A platform delivers again what it was never told of: the
			// process that saved it may have died before sending what
			// the turn owed. Look at the outbox once its lease is over.
			e.retryLater(msg.User)
			return nil, Accepted, nil
		}
		if msg.Channel == "" {
			// A conversation the bot opens goes to the DM it knows.
			msg.Channel = st.Profile.DMChannel
		}
		t := newTurn(ctx, e, msg, st)
		fn(t)
		t.reschedule()
		owed := t.outbox()
		// A timer's wake goes into the index before the save: a wake with
		// nothing due finds nothing, but a timer without one never runs.
		if wake := earliestTimer(owed); !wake.IsZero() {
			if err := e.store.ScheduleWake(ctx, msg.User, wake); err != nil {
				return nil, 0, err
			}
		}
		err = t.save(ctx, owed)
		switch ErrorCode(err) {
		case "":
			for _, c := range t.counts {
				c.Add(1)
			}
			if t.refused {
				return owed, Refused, nil
			}
			return owed, Accepted, nil
		case EDUPLICATE:
			// The event was saved already — often by this very save,
			// resent after a lost reply, whose messages then wait for
			// the sweeper. Crisis resources must not wait: the turn's
			// messages go out now (a second copy later is the price).
			if urgent(owed) {
				e.log.Warn("urgent reply sent again for a duplicate event", "user", msg.User, "event", msg.ID)
				return owed, Accepted, nil
			}
			e.retryLater(msg.User) // as for st.Seen above
			return nil, Accepted, nil
		case ECONFLICT:
			if attempt < saveRetries {
				continue
			}
		}
		return nil, 0, err
	}
}

// earliestTimer is the due time of the earliest timer among entries, or
// zero.
func earliestTimer(entries []Outbound) time.Time {
	var at time.Time
	for _, o := range entries {
		if o.Timer != "" && (at.IsZero() || o.LeaseUntil.Before(at)) {
			at = o.LeaseUntil
		}
	}
	return at
}

// urgent reports whether any of the entries is an urgent reply (one that
// carries the crisis resources).
func urgent(owed []Outbound) bool {
	for _, o := range owed {
		if o.Reply.Urgent {
			return true
		}
	}
	return false
}

// storeFailed tells the user their message was not saved, so they can send
// it again. Crisis language or possible risk about the writer still gets
// the resources, and an urgent flag kept until the store answers again; a
// worried peer still gets how to help.
func (e *Engine) storeFailed(ctx context.Context, msg Message, det crisispkg.Result, err error) error {
	e.log.Error("store failed", "user", msg.User, "code", ErrorCode(err), "err", err)
	reply := Reply{Text: "I couldn't save that — please send it again in a moment."}
	now := e.clock.Now()
	switch {
	case det.Kind == crisispkg.Self && det.Tier > crisispkg.None:
		// The safety check cannot be asked without the store, so possible
		// risk is treated like an unanswered check: urgent.
		rule, reason := "crisis:"+det.Rule, reasonCrisis
		if det.Tier == crisispkg.Risk {
			rule, reason = "safety-check:unasked:"+det.Rule, "A message may have suggested danger; crisis lines were sent, but the question \"Are you safe right now?\" couldn't be asked (a storage outage)"
		}
		e.keepFlag(Flag{
			ID: e.newFlagID(now), User: msg.User, Answer: msg.Text, Rule: rule,
			Level: LevelUrgent, Reason: reason, Time: now,
		})
		reply = Reply{Text: e.crisisText(false), Urgent: true}
	case det.Kind == crisispkg.Peer && det.Tier > crisispkg.None:
		reply = Reply{Text: e.peerText(), Urgent: true}
	}
	// Nothing can be written to the outbox: send straight away.
	reply.User, reply.Channel, reply.Ref = msg.User, msg.Channel, msg.Ref
	if sendErr := e.sendEntry(context.WithoutCancel(ctx), Outbound{Platform: msg.Platform, Reply: reply}); sendErr != nil {
		e.log.Error("send failed", "user", msg.User, "platform", msg.Platform, "err", sendErr)
		return errors.Join(err, sendErr)
	}
	return err
}

// location returns the named timezone, loaded once.
func (e *Engine) location(name string) (*time.Location, error) {
	if loc, ok := e.locations.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	e.locations.Store(name, loc)
	return loc, nil
}

func (e *Engine) lockFor(u UserID) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(u))
	return &e.userLocks[h.Sum32()%uint32(len(e.userLocks))]
}

func (e *Engine) newFlagID(now time.Time) string {
	return fmt.Sprintf("%x-%x", now.UnixNano(), e.flagSeq.Add(1))
}

// maxMessageRunes caps how much of one message the engine looks at; a
// longer one is cut, not refused, and text answers have their own limits.
const maxMessageRunes = 20000

// cleanText trims the message, drops control characters (keeping new lines
// and tabs) and caps its length.
func cleanText(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n >= maxMessageRunes {
			break
		}
		if r == '\n' || r == '\t' || (r >= 0x20 && r != 0x7f && !(r >= 0x80 && r < 0xa0)) {
			b.WriteRune(r)
			n++
		}
	}
	return strings.TrimSpace(b.String())
}

// Summary is what a platform shows about a user outside a conversation (a
// Slack App Home, a status command).
type Summary struct {
	Name        string
	Consent     Consent
	Streak      int
	Goal        string // the current goal, "" if none
	PausedUntil time.Time
	Stopped     bool
	Timezone    string
	DMChannel   string
	DMClosed    bool
	InFlow      string // the running flow's id, "" if none
}

// Summary returns what the engine knows of user, for display.
func (e *Engine) Summary(ctx context.Context, user UserID) (Summary, error) {
	st, err := e.store.Load(ctx, user, "")
	if err != nil {
		return Summary{}, err
	}
	t := newTurn(ctx, e, Message{User: user, Time: e.clock.Now()}, st)
	p := st.Profile
	s := Summary{
		Name: p.Name, Consent: p.Consent, Streak: t.currentStreak(), PausedUntil: p.PausedUntil,
		Stopped: p.Stopped, Timezone: t.loc.String(), DMChannel: p.DMChannel, DMClosed: p.DMClosed,
	}
	if g := t.currentGoal(); g != nil {
		s.Goal = g.Text
	}
	if st.Session != nil {
		s.InFlow = st.Session.Flow
	}
	return s, nil
}

// UpdateProfile changes a user's profile outside a conversation, as an
// adapter does to remember a DM channel or that DMs are closed. It retries
// when another update wins the race. Nothing is stored for a user the bot
// has never met unless fn changes something. Replies are sent outside the
// user's lock, so an adapter may call it from inside Send.
func (e *Engine) UpdateProfile(ctx context.Context, user UserID, fn func(*Profile)) error {
	lock := e.lockFor(user)
	lock.Lock()
	defer lock.Unlock()
	for attempt := 0; ; attempt++ {
		st, err := e.store.Load(ctx, user, "")
		if err != nil {
			return err
		}
		before := st.Profile
		fn(&st.Profile)
		if reflect.DeepEqual(before, st.Profile) {
			return nil
		}
		err = e.store.Save(ctx, Save{User: user, Version: st.Version, State: st})
		if ErrorCode(err) != ECONFLICT || attempt >= saveRetries {
			return err
		}
	}
}
