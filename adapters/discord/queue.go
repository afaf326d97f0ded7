package discord

import (
	"context"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/internal/pacer"
)

// recentSet remembers the last n strings added: event ids handled by this
// process, so that a redelivered event is handled once.
type recentSet struct {
	ids *lru.Cache[string, struct{}]
}

func newRecentSet(n int) *recentSet {
	ids, _ := lru.New[string, struct{}](n) // fails only for n below 1
	return &recentSet{ids: ids}
}

// add adds id and reports whether it was new.
func (r *recentSet) add(id string) bool {
	found, _ := r.ids.ContainsOrAdd(id, struct{}{})
	return !found
}

// has reports whether id is in the set.
func (r *recentSet) has(id string) bool { return r.ids.Contains(id) }

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
