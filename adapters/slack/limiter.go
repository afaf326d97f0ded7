package slack

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter paces every write to Slack: at most channelRate posts per second
// in one channel and wsRate writes per second across the workspace. Writers
// wait their turn in acquire; urgent writers (the crisis reply) are served
// before every other waiter, and the others in the order they came, so a
// busy workspace delays messages but never drops or reorders them within a
// channel.
//
// Per-channel spacing is measured from the moment a write is let through,
// not from when it started waiting, so two posts to one channel are always
// at least 1/channelRate apart however long each waited for the workspace.
//
// A 429 from Slack (pause) stops every write until Retry-After has passed.
//
// The dispatching goroutine runs only while someone waits.
type limiter struct {
	mu          sync.Mutex
	ws          *rate.Limiter
	chanGap     time.Duration        // minimum time between two posts in one channel
	channels    map[string]time.Time // channel -> when its next post may go
	waiters     []*waiter            // in seq order
	pausedUntil time.Time            // set by a 429
	seq         uint64               // last ticket handed out
	running     bool                 // a dispatcher goroutine is alive
	wake        chan struct{}        // pokes the dispatcher
	now         func() time.Time     // the clock
	swept       time.Time            // when channels was last swept
	// tokenAt is when the dispatcher meant to wake for the next workspace
	// token. Timers fire late; taking the token as of tokenAt keeps that
	// lateness from adding up, so the long-run rate is the configured one.
	tokenAt time.Time
}

// maxLate is how late a wake-up may be and still count as on time.
const maxLate = 20 * time.Millisecond

// waiter is one write waiting for its turn.
type waiter struct {
	seq     uint64
	channel string // "" for writes that no channel limit applies to
	urgent  bool
	ready   chan struct{}
	done    bool // granted or abandoned
}

func newLimiter(wsRate, channelRate float64) *limiter {
	l := &limiter{
		ws:       rate.NewLimiter(rate.Limit(wsRate), 1),
		channels: map[string]time.Time{},
		wake:     make(chan struct{}, 1),
		now:      time.Now,
	}
	if channelRate > 0 {
		l.chanGap = time.Duration(float64(time.Second) / channelRate)
	}
	return l
}

// ticket reserves a place in line. A write that is retried after a 429
// keeps its ticket, and so its place.
func (l *limiter) ticket() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	return l.seq
}

// acquire waits until the write with ticket seq may go to channel ("" for
// none). It fails only when ctx ends.
func (l *limiter) acquire(ctx context.Context, seq uint64, channel string, urgent bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := &waiter{seq: seq, channel: channel, urgent: urgent, ready: make(chan struct{})}
	l.mu.Lock()
	// Keep waiters sorted by seq: a retry goes back to its old place.
	i := len(l.waiters)
	for i > 0 && l.waiters[i-1].seq > seq {
		i--
	}
	l.waiters = append(l.waiters, nil)
	copy(l.waiters[i+1:], l.waiters[i:])
	l.waiters[i] = w
	if !l.running {
		l.running = true
		go l.dispatch()
	} else {
		l.poke()
	}
	l.mu.Unlock()

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		defer l.mu.Unlock()
		if w.done {
			// Granted just as ctx ended: the slot is spent either way.
			return ctx.Err()
		}
		w.done = true
		l.remove(w)
		l.poke()
		return ctx.Err()
	}
}

// pause stops every write for d, after Slack answered 429 with Retry-After.
func (l *limiter) pause(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until := l.now().Add(d); until.After(l.pausedUntil) {
		l.pausedUntil = until
	}
	l.poke()
}

func (l *limiter) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *limiter) remove(w *waiter) {
	for i, x := range l.waiters {
		if x == w {
			l.waiters = append(l.waiters[:i], l.waiters[i+1:]...)
			return
		}
	}
}

// dispatch lets waiters through one at a time while any are waiting.
func (l *limiter) dispatch() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		l.mu.Lock()
		if len(l.waiters) == 0 {
			l.running = false
			l.mu.Unlock()
			return
		}
		wait := l.step()
		l.mu.Unlock()
		if wait == 0 {
			continue
		}
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-l.wake:
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		}
	}
}

// step grants one waiter if one may go now and returns 0; otherwise it
// returns how long to sleep before looking again. l.mu is held.
func (l *limiter) step() time.Duration {
	now := l.now()
	if now.Before(l.pausedUntil) {
		return l.pausedUntil.Sub(now)
	}
	w, wait := l.pick(now)
	if w == nil {
		return wait
	}
	// A workspace token. Not held while sleeping: an urgent waiter that
	// comes in meanwhile gets the next one.
	at := now
	if late := now.Sub(l.tokenAt); late > 0 && late < maxLate {
		at = l.tokenAt
	}
	l.tokenAt = time.Time{}
	r := l.ws.ReserveN(at, 1)
	if d := r.DelayFrom(at); d > 0 {
		r.CancelAt(at)
		d = max(d-now.Sub(at), time.Microsecond)
		l.tokenAt = now.Add(d)
		return d
	}
	w.done = true
	l.remove(w)
	if w.channel != "" && l.chanGap > 0 {
		l.channels[w.channel] = now.Add(l.chanGap)
	}
	close(w.ready)
	l.sweep(now)
	return 0
}

// pick returns the waiter to serve next: the first urgent one whose channel
// is free, else the first waiter whose channel is free and that is the
// oldest waiter of its channel. Otherwise it returns how long until a
// channel frees up.
func (l *limiter) pick(now time.Time) (*waiter, time.Duration) {
	var wait time.Duration = -1
	blocked := func(ch string) bool {
		if ch == "" {
			return false
		}
		next, ok := l.channels[ch]
		if !ok || !now.Before(next) {
			return false
		}
		if d := next.Sub(now); wait < 0 || d < wait {
			wait = d
		}
		return true
	}
	for _, w := range l.waiters {
		if w.urgent && !blocked(w.channel) {
			return w, 0
		}
	}
	var seen map[string]bool
	for _, w := range l.waiters {
		if w.channel != "" {
			if seen[w.channel] {
				continue // an older write to this channel goes first
			}
			if seen == nil {
				seen = map[string]bool{}
			}
			seen[w.channel] = true
		}
		if !blocked(w.channel) {
			return w, 0
		}
	}
	if wait < 0 {
		wait = time.Millisecond
	}
	return nil, wait
}

// sweep forgets channels whose spacing has run out, now and then, so the
// map does not grow with every DM ever sent.
func (l *limiter) sweep(now time.Time) {
	if len(l.channels) < 1024 || now.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = now
	for ch, next := range l.channels {
		if now.After(next) {
			delete(l.channels, ch)
		}
	}
}
