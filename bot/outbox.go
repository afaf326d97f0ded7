package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Delivery defaults; Options can change them.
const (
	// DefaultSendTimeout bounds one message's delivery, retries included.
	// Past it the message stays in the outbox for the sweeper.
	DefaultSendTimeout = 20 * time.Second
	// DefaultOutboxLease is how long the engine that wrote an entry has to
	// deliver it before any sender may take it over. It is longer than a
	// send's deadline, so that a live sender is never raced.
	DefaultOutboxLease = 30 * time.Second
	// DefaultSweepEvery is how often RunOutbox retries the deliveries
	// this process saw fail, and flags kept through an outage.
	DefaultSweepEvery = 5 * time.Second
	// DefaultFullSweepEvery is how often RunOutbox looks at every user's
	// outbox for entries whose sender died (a crashed replica): a store
	// may need to scan for them, so less often.
	DefaultFullSweepEvery = time.Minute

	// sweepBatch is how many entries one sweep claims.
	sweepBatch = 256
	// sweepSenders is how many owners' entries a sweep delivers at once.
	sweepSenders = 8
)

// ERefused is the code of a send error that retrying cannot mend: the
// platform refused the message for good (a deleted channel, a user who
// left). Adapters return it so that the entry is dropped, not retried.
const ERefused = "refused"

// permanent reports whether a send error means the message can never be
// delivered.
func permanent(err error) bool {
	switch ErrorCode(err) {
	case ERefused, EINVALID, ENOTFOUND:
		return true
	}
	return false
}

// timer is a durable timer a turn sets (see Outbound.Timer).
type timer struct {
	name string
	due  time.Time
	id   string // the entry's id; "" makes one that sorts at due
}

// outbox turns the turn's replies into outbox entries owned by the turn's
// user: where the reply goes defaults to where the message came from. The
// turn's timers follow, each an entry whose lease ends when it is due and
// whose id sorts at that time, so that it never holds back the user's
// messages.
func (t *turn) outbox() []Outbound {
	if len(t.replies) == 0 && len(t.timers) == 0 {
		return nil
	}
	now := t.e.clock.Now()
	out := make([]Outbound, len(t.replies), len(t.replies)+len(t.timers))
	for i, r := range t.replies {
		if r.User == "" {
			r.User = t.msg.User
		}
		if r.Channel == "" {
			r.Channel = t.msg.Channel
		}
		if r.Ref == "" {
			r.Ref = t.msg.Ref
		}
		out[i] = Outbound{
			ID: t.e.newEntryID(now), Owner: t.msg.User, Platform: t.msg.Platform, Reply: r,
			Created: now, LeaseUntil: now.Add(t.e.lease),
		}
	}
	for _, tm := range t.timers {
		if tm.id == "" {
			tm.id = t.e.newEntryID(tm.due)
		}
		out = append(out, Outbound{
			ID: tm.id, Owner: t.msg.User, Platform: t.msg.Platform, Reply: Reply{User: t.msg.User},
			Created: now, LeaseUntil: tm.due, Timer: tm.name,
		})
	}
	return out
}

// newEntryID returns an id that sorts by creation: the time, then a
// counter for entries made in the same nanosecond.
func (e *Engine) newEntryID(now time.Time) string {
	return entryID(now, uint32(e.flagSeq.Add(1)))
}

// entryID is the id of an entry made or due at t: the time, then n, which
// tells apart entries of the same nanosecond (timerDue reads the time).
func entryID(t time.Time, n uint32) string {
	return fmt.Sprintf("%016x.%08x", uint64(t.UnixNano()), n)
}

// deliver sends one owner's entries in order and removes the delivered ones
// from the outbox. Each send has its own deadline, and a send that fails
// past it leaves it and every later entry, in order, for the sweeper.
// Timers are left for the sweeper to claim when they are due. It never
// runs under the user's lock.
func (e *Engine) deliver(ctx context.Context, entries []Outbound) error {
	if len(entries) == 0 {
		return nil
	}
	// A caller that gave up (an inbound request cancelled, a shutdown
	// beginning) must not drop a reply the user is owed: each send is
	// bounded by its own deadline instead.
	ctx = context.WithoutCancel(ctx)
	var done []string
	var failed error
	for _, o := range entries {
		if o.Timer != "" {
			continue
		}
		err := e.sendEntry(ctx, o)
		switch {
		case err == nil:
			e.stats.sent.Add(1)
			done = append(done, o.ID)
		case permanent(err):
			e.stats.sendRefused.Add(1)
			e.log.Warn("message refused by the platform, dropped", "user", o.Reply.User, "platform", o.Platform,
				"entry", o.ID, "code", ErrorCode(err), "err", err)
			done = append(done, o.ID)
		default:
			e.log.Warn("message not delivered, kept in the outbox", "user", o.Reply.User, "platform", o.Platform,
				"entry", o.ID, "err", err)
			failed = err
			e.stats.sendFailed.Add(1)
			e.retryLater(o.Owner)
		}
		if failed != nil {
			break
		}
	}
	if len(done) > 0 {
		actx, cancel := context.WithTimeout(ctx, e.sendTimeout)
		defer cancel()
		if err := e.store.AckOutbox(actx, entries[0].Owner, done...); err != nil {
			// The messages went out; the sweeper will send them again
			// once the lease ends, which is the at-least-once window.
			e.log.Error("delivered messages not marked in the outbox", "user", entries[0].Owner,
				"code", ErrorCode(err), "err", err)
			failed = errors.Join(failed, err)
		}
	}
	return failed
}

// sendEntry sends one entry through its platform's adapter, retrying
// transient failures with jittered exponential backoff until its deadline.
func (e *Engine) sendEntry(ctx context.Context, o Outbound) error {
	e.mu.RLock()
	a := e.adapters[o.Platform]
	e.mu.RUnlock()
	if a == nil {
		return Errorf(EUNAVAILABLE, "No adapter is running for platform %q.", o.Platform)
	}
	ctx, cancel := context.WithTimeout(ctx, e.sendTimeout)
	defer cancel()
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = 200 * time.Millisecond
	b.MaxInterval = 5 * time.Second
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		err := a.Send(ctx, o.Reply)
		if err != nil && permanent(err) {
			return struct{}{}, backoff.Permanent(err)
		}
		return struct{}{}, err
	}, backoff.WithBackOff(b), backoff.WithMaxElapsedTime(e.sendTimeout))
	return err
}

// RunOutbox delivers what no live sender is delivering, until ctx ends:
// every sweep interval the deliveries this process saw fail, and at start
// and then every full-sweep interval whatever any user's outbox holds past
// its lease (entries left by a crash or by a replica that died) and the
// timers that are due (a safety check's silence). It also saves flags
// kept through a store outage.
func (e *Engine) RunOutbox(ctx context.Context) error {
	tick := time.NewTicker(e.sweepEvery)
	defer tick.Stop()
	// At start, and once more as soon as the leases of what an earlier
	// process left have run out (a restart after a crash), then at the
	// full-sweep interval.
	nextFull := time.Now()
	afterStart := nextFull.Add(e.lease + e.sweepEvery)
	for {
		if _, err := e.SweepWakes(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("wake sweep failed", "code", ErrorCode(err), "err", err)
		}
		var err error
		if now := time.Now(); !now.Before(nextFull) {
			_, err = e.SweepOutbox(ctx)
			nextFull = now.Add(e.fullSweepEvery)
			if now.Before(afterStart) {
				nextFull = afterStart
			}
		} else {
			err = e.RetryFailed(ctx)
		}
		if err != nil && ctx.Err() == nil {
			e.log.Warn("outbox sweep failed", "code", ErrorCode(err), "err", err)
		}
		e.saveKeptFlags(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// SweepOutbox claims entries of any user whose lease has run out and
// delivers them, several owners at once and each owner's in order, and
// runs the timers among them. It returns how many it claimed.
func (e *Engine) SweepOutbox(ctx context.Context) (int, error) {
	entries, err := e.store.ClaimOutbox(ctx, e.lease, sweepBatch)
	if err != nil || len(entries) == 0 {
		return 0, err
	}
	var owners []UserID
	byOwner := map[UserID][]Outbound{}
	for _, o := range entries {
		if byOwner[o.Owner] == nil {
			owners = append(owners, o.Owner)
		}
		byOwner[o.Owner] = append(byOwner[o.Owner], o)
	}
	e.deliverAll(ctx, owners, func(owner UserID) []Outbound { return byOwner[owner] }, nil)
	return len(entries), nil
}

// RetryFailed claims and delivers the outbox of each user whose delivery
// failed in this process, once their lease has run out. An owner is
// forgotten once a claim delivers, or when nothing was left to claim
// (another replica did it) a while after the lease ended.
func (e *Engine) RetryFailed(ctx context.Context) error {
	e.retryMu.Lock()
	owners := make([]UserID, 0, len(e.retry))
	for u := range e.retry {
		owners = append(owners, u)
	}
	e.retryMu.Unlock()
	var mu sync.Mutex
	var errs []error
	e.deliverAll(ctx, owners, func(owner UserID) []Outbound {
		entries, err := e.store.ClaimUserOutbox(ctx, owner, e.lease)
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
			return nil
		}
		e.retryMu.Lock()
		if len(entries) > 0 || e.clock.Now().Sub(e.retry[owner]) > 2*e.lease {
			// Delivered now (a failure notes it again), or gone.
			delete(e.retry, owner)
		}
		e.retryMu.Unlock()
		return entries
	}, nil)
	return errors.Join(errs...)
}

// retryLater notes an owner whose delivery failed, for RetryFailed.
func (e *Engine) retryLater(owner UserID) {
	e.retryMu.Lock()
	defer e.retryMu.Unlock()
	if _, ok := e.retry[owner]; !ok {
		e.retry[owner] = e.clock.Now()
	}
}

// deliverAll delivers the entries entriesOf gives for each owner, several
// owners at once, running the timers among them; then, when set, after.
func (e *Engine) deliverAll(ctx context.Context, owners []UserID, entriesOf func(UserID) []Outbound, after func(UserID)) {
	slots := make(chan struct{}, sweepSenders)
	var wg sync.WaitGroup
	for _, owner := range owners {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			var msgs []Outbound
			for _, o := range entriesOf(owner) {
				if o.Timer != "" {
					e.fireTimer(ctx, o)
					continue
				}
				msgs = append(msgs, o)
			}
			_ = e.deliver(ctx, msgs)
			if after != nil {
				after(owner)
			}
		})
	}
	wg.Wait()
}

// keepFlag holds a flag that could not be saved (the store is down) until
// saveKeptFlags can save it.
func (e *Engine) keepFlag(f Flag) {
	e.keptMu.Lock()
	defer e.keptMu.Unlock()
	e.kept = append(e.kept, f)
	e.keptCount.Store(int64(len(e.kept)))
}

// saveKeptFlags saves the flags kept through a store outage, appending them
// whatever the user's state has become meanwhile; those it cannot save yet
// stay kept.
func (e *Engine) saveKeptFlags(ctx context.Context) {
	if e.keptCount.Load() == 0 {
		return
	}
	e.keptMu.Lock()
	defer e.keptMu.Unlock()
	var still []Flag
	for _, f := range e.kept {
		// The text of someone who refused consent is not kept: only the
		// rule that fired.
		st, err := e.store.Load(ctx, f.User, "")
		if err != nil {
			still = append(still, f)
			continue
		}
		if st.Profile.Consent == ConsentRefused {
			f.Answer = ""
		}
		err = e.store.Save(ctx, Save{User: f.User, AnyVersion: true, Flags: []Flag{f}})
		if err != nil {
			still = append(still, f)
			continue
		}
		e.log.Info("flag kept through a store outage is saved", "user", f.User, "flag", f.ID, "level", f.Level)
	}
	e.kept = still
	e.keptCount.Store(int64(len(e.kept)))
}

// KeptFlags returns how many flags are waiting for the store to come back.
func (e *Engine) KeptFlags() int { return int(e.keptCount.Load()) }

// LostFlags returns how many flags were never saved because the engine was
// closed while the store was down.
func (e *Engine) LostFlags() int { return int(e.lostFlags.Load()) }

// Close saves the flags kept through a store outage if the store answers
// before ctx ends; each one it cannot save is logged at ERROR with the user
// id (never the text) and counted in LostFlags.
func (e *Engine) Close(ctx context.Context) error {
	e.saveKeptFlags(ctx)
	e.keptMu.Lock()
	defer e.keptMu.Unlock()
	for _, f := range e.kept {
		e.log.Error("flag lost: the store was down until shutdown", "user", f.User, "flag", f.ID, "level", f.Level, "rule", f.Rule)
		e.lostFlags.Add(1)
	}
	n := len(e.kept)
	e.kept = nil
	e.keptCount.Store(0)
	if n > 0 {
		return Errorf(EUNAVAILABLE, "%d flag(s) could not be saved before shutdown", n)
	}
	return nil
}
