package discord

import (
	"context"
	"sync"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/internal/pacer"
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

// priority orders REST calls in the pacer: urgent (crisis replies) first,
// then interactive (replies to what someone just said or clicked), then
// bulk (sends nobody is waiting for: scheduled check-ins, reminders).
type priority = pacer.Priority

const (
	bulk        = pacer.Bulk
	interactive = pacer.Interactive
	urgent      = pacer.Urgent
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

// restPacer paces REST calls below Discord's global limit; the limits of
// each route are discordgo's to keep (it waits out a 429 too).
type restPacer struct{ *pacer.Pacer }

func newPacer(perSecond float64) restPacer { return restPacer{pacer.New(perSecond, 0)} }

func (p restPacer) wait(ctx context.Context, prio priority) error { return p.Wait(ctx, "", prio) }
