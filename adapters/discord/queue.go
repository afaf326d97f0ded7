package discord

import (
	"context"
	"sync"
	"sync/atomic"

	"golang.org/x/time/rate"

	"github.com/peerbot/peerbot/bot"
)

// recentSet remembers the last n strings added.
type recentSet struct {
	mu   sync.Mutex
	set  map[string]struct{}
	ring []string
	next int
}

func newRecentSet(n int) *recentSet {
	return &recentSet{set: make(map[string]struct{}, n), ring: make([]string, n)}
}

// add adds id and reports whether it was new.
func (r *recentSet) add(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.set[id]; ok {
		return false
	}
	if old := r.ring[r.next]; old != "" {
		delete(r.set, old)
	}
	r.ring[r.next] = id
	r.next = (r.next + 1) % len(r.ring)
	r.set[id] = struct{}{}
	return true
}

// has reports whether id is in the set.
func (r *recentSet) has(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.set[id]
	return ok
}

// priority orders REST calls in the pacer.
type priority int

const (
	// bulk: sends nobody is waiting for (scheduled check-ins, reminders).
	bulk priority = iota
	// interactive: replies to what someone just said or clicked.
	interactive
	// urgent: crisis replies, never held back.
	urgent
)

type interactiveKey struct{}

// withInteractive marks ctx as the handling of someone's message.
func withInteractive(ctx context.Context) context.Context {
	return context.WithValue(ctx, interactiveKey{}, true)
}

func priorityOf(ctx context.Context, r bot.Reply) priority {
	switch {
	case r.Urgent:
		return urgent
	case ctx.Value(interactiveKey{}) != nil:
		return interactive
	default:
		return bulk
	}
}

// pacer paces REST calls at a fixed rate with one token bucket (burst 1).
// Bulk callers take their turn one at a time, so that at most one bulk
// reservation is ahead of an interactive caller; urgent callers take a
// token without waiting (the rate's margin below Discord's limit absorbs
// them, and discordgo waits out a 429 if it comes to that).
type pacer struct {
	lim  *rate.Limiter
	bulk sync.Mutex
	// queued counts bulk callers waiting for their turn (a backlog gauge).
	queued atomic.Int32
}

func newPacer(perSecond float64) *pacer {
	return &pacer{lim: rate.NewLimiter(rate.Limit(perSecond), 1)}
}

func (p *pacer) wait(ctx context.Context, prio priority) error {
	switch prio {
	case urgent:
		p.lim.Reserve()
		return nil
	case interactive:
		return p.lim.Wait(ctx)
	default:
		p.queued.Add(1)
		p.bulk.Lock()
		defer p.bulk.Unlock()
		defer p.queued.Add(-1)
		return p.lim.Wait(ctx)
	}
}
