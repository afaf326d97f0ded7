// Package pacer paces the requests of a chat adapter below the platform's
// rate limits: a global rate, an optional rate per key (a channel), and a
// pause when the platform answers 429 anyway. Requests are let through one
// at a time, the most urgent first and, within one priority, in the order
// they came, so a busy platform delays messages but never drops them or
// reorders those of one key.
package pacer

import (
	"context"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Priority says whose request goes first.
type Priority int

const (
	// Bulk is for requests nobody is waiting for (scheduled check-ins,
	// reminders).
	Bulk Priority = iota
	// Interactive is for replies to what someone just said or clicked.
	Interactive
	// Urgent is for crisis replies: ahead of every other waiter, though
	// still within the limits, since a 429 would hold them up longer.
	Urgent
)

// A Ticket is a place in line. A request retried after a 429 keeps its
// ticket, and so its place.
type Ticket uint64

// Pacer lets requests through at the configured rates. Its zero value is
// not usable; call New.
//
// The spacing of one key is measured from the moment a request is let
// through, not from when it started waiting, so two requests to one key
// are always at least 1/perKey apart however long each waited for the
// global rate. A goroutine hands out the turns while anyone waits.
type Pacer struct {
	mu          sync.Mutex
	global      *rate.Limiter
	keyGap      time.Duration        // least time between two requests of one key
	keys        map[string]time.Time // key -> when its next request may go
	waiters     []*waiter            // by priority, then ticket
	pausedUntil time.Time            // set by Pause
	seq         Ticket               // last ticket handed out
	running     bool                 // a dispatching goroutine is alive
	wake        chan struct{}        // pokes the dispatcher
	swept       time.Time            // when keys was last swept
	// tokenAt is when the dispatcher meant to wake for the next global
	// token. Timers fire late; taking the token as of tokenAt keeps that
	// lateness from adding up, so the long-run rate is the configured one.
	tokenAt time.Time
}

// maxLate is how late a wake-up may be and still count as on time.
const maxLate = 20 * time.Millisecond

// waiter is one request waiting for its turn.
type waiter struct {
	ticket Ticket
	key    string // "" for requests that no per-key limit applies to
	prio   Priority
	ready  chan struct{}
	done   bool // granted or abandoned
}

// before orders waiters: higher priority first, then older tickets.
func (w *waiter) before(x *waiter) bool {
	if w.prio != x.prio {
		return w.prio > x.prio
	}
	return w.ticket < x.ticket
}

// New returns a pacer allowing global requests per second in all, and
// perKey per second for one key (0: no per-key limit).
func New(global, perKey float64) *Pacer {
	p := &Pacer{
		global: rate.NewLimiter(rate.Limit(global), 1),
		keys:   map[string]time.Time{},
		wake:   make(chan struct{}, 1),
	}
	if perKey > 0 {
		p.keyGap = time.Duration(float64(time.Second) / perKey)
	}
	return p
}

// Ticket reserves a place in line, for WaitTurn.
func (p *Pacer) Ticket() Ticket {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	return p.seq
}

// Wait waits for a new request's turn: see WaitTurn.
func (p *Pacer) Wait(ctx context.Context, key string, prio Priority) error {
	return p.WaitTurn(ctx, p.Ticket(), key, prio)
}

// WaitTurn waits until the request holding ticket t may go to key ("" for
// none). It fails only when ctx ends.
func (p *Pacer) WaitTurn(ctx context.Context, t Ticket, key string, prio Priority) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := &waiter{ticket: t, key: key, prio: prio, ready: make(chan struct{})}
	p.mu.Lock()
	i, _ := slices.BinarySearchFunc(p.waiters, w, func(x, w *waiter) int {
		if x.before(w) {
			return -1
		}
		return 1
	})
	p.waiters = slices.Insert(p.waiters, i, w)
	if !p.running {
		p.running = true
		go p.dispatch()
	} else {
		p.poke()
	}
	p.mu.Unlock()

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		p.mu.Lock()
		defer p.mu.Unlock()
		if !w.done {
			// Granted just as ctx ended: the turn is spent either way.
			w.done = true
			p.remove(w)
			p.poke()
		}
		return ctx.Err()
	}
}

// Pause stops every request for d, after the platform answered 429 with
// Retry-After.
func (p *Pacer) Pause(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := time.Now().Add(d); until.After(p.pausedUntil) {
		p.pausedUntil = until
	}
	p.poke()
}

// Waiting returns how many requests wait for their turn (a backlog gauge).
func (p *Pacer) Waiting() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.waiters)
}

func (p *Pacer) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *Pacer) remove(w *waiter) {
	if i := slices.Index(p.waiters, w); i >= 0 {
		p.waiters = slices.Delete(p.waiters, i, i+1)
	}
}

// dispatch lets waiters through one at a time while any are waiting.
func (p *Pacer) dispatch() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		p.mu.Lock()
		if len(p.waiters) == 0 {
			p.running = false
			p.mu.Unlock()
			return
		}
		wait := p.step()
		p.mu.Unlock()
		if wait == 0 {
			continue
		}
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-p.wake:
			timer.Stop()
		}
	}
}

// step grants one waiter if one may go now and returns 0; otherwise it
// returns how long to sleep before looking again. p.mu is held.
func (p *Pacer) step() time.Duration {
	now := time.Now()
	if now.Before(p.pausedUntil) {
		return p.pausedUntil.Sub(now)
	}
	w, wait := p.pick(now)
	if w == nil {
		return wait
	}
	// A global token. Not held while sleeping: a more urgent waiter that
	// comes in meanwhile gets the next one.
	at := now
	if late := now.Sub(p.tokenAt); late > 0 && late < maxLate {
		at = p.tokenAt
	}
	p.tokenAt = time.Time{}
	r := p.global.ReserveN(at, 1)
	if d := r.DelayFrom(at); d > 0 {
		r.CancelAt(at)
		d = max(d-now.Sub(at), time.Microsecond)
		p.tokenAt = now.Add(d)
		return d
	}
	w.done = true
	p.remove(w)
	if w.key != "" && p.keyGap > 0 {
		p.keys[w.key] = now.Add(p.keyGap)
	}
	close(w.ready)
	p.sweep(now)
	return 0
}

// pick returns the waiter to serve next: the first in line whose key is
// free and that is the first in line for its key. Otherwise it returns how
// long until a key frees up.
func (p *Pacer) pick(now time.Time) (*waiter, time.Duration) {
	var wait time.Duration = -1
	var seen map[string]bool
	for _, w := range p.waiters {
		if w.key == "" {
			return w, 0
		}
		if seen[w.key] {
			continue // one ahead of it in line goes first
		}
		if seen == nil {
			seen = map[string]bool{}
		}
		seen[w.key] = true
		next, ok := p.keys[w.key]
		if !ok || !now.Before(next) {
			return w, 0
		}
		if d := next.Sub(now); wait < 0 || d < wait {
			wait = d
		}
	}
	if wait < 0 {
		wait = time.Millisecond
	}
	return nil, wait
}

// sweep forgets keys whose spacing has run out, now and then, so that the
// map does not grow with every channel ever written to.
func (p *Pacer) sweep(now time.Time) {
	if len(p.keys) < 1024 || now.Sub(p.swept) < time.Minute {
		return
	}
	p.swept = now
	for key, next := range p.keys {
		if now.After(next) {
			delete(p.keys, key)
		}
	}
}
