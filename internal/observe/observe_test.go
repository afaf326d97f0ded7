package observe

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/peerbot/peerbot/bot"
)

// recorder keeps what it is told, as strings.
type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf(format, args...))
}
func (r *recorder) MessageHandled(p, o string, took time.Duration) {
	r.add("handled %s %s", p, o)
	if took <= 0 {
		r.add("no duration")
	}
}
func (r *recorder) ReplySent(p, o string)      { r.add("sent %s %s", p, o) }
func (r *recorder) FlagRaised(l string)        { r.add("flag %s", l) }
func (r *recorder) StoreError(op, code string) { r.add("store %s %s", op, code) }
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.events
	r.events = nil
	return e
}
func (r *recorder) want(t *testing.T, want ...string) {
	t.Helper()
	if got := r.take(); !slices.Equal(got, want) {
		t.Errorf("recorded %q, want %q", got, want)
	}
}

// engine answers Handle with err after a short wait.
type engine struct {
	bot.Conversations
	err error
}

func (e engine) Handle(context.Context, bot.Message) error {
	time.Sleep(time.Millisecond)
	return e.err
}

type platform struct{ err error }

func (platform) Name() string                            { return "slack" }
func (p platform) Send(context.Context, bot.Reply) error { return p.err }

// memStore fails Load and Save with err.
type memStore struct {
	bot.Store
	err error
}

func (s memStore) Load(context.Context, bot.UserID, string) (*bot.State, error) {
	return &bot.State{}, s.err
}
func (s memStore) Save(context.Context, bot.Save) error { return s.err }

func TestOutcome(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, "ok"},
		{"coded", bot.Errorf(bot.EUNAVAILABLE, "down"), "unavailable"},
		{"plain error", errors.New("boom"), "internal"},
		{"cancelled", context.Canceled, "cancelled"},
		{"coded, cancelled inside", &bot.Error{Code: bot.EUNAVAILABLE, Err: context.Canceled}, "cancelled"},
		{"deadline", fmt.Errorf("send: %w", context.DeadlineExceeded), "cancelled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Outcome(tc.err); got != tc.want {
				t.Errorf("Outcome(%v) = %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}

func TestDecorators(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{}
	t.Run("handle", func(t *testing.T) {
		msg := bot.Message{Platform: "discord", Text: "secret words", User: "discord:global:1"}
		if err := Conversations(engine{}, rec).Handle(ctx, msg); err != nil {
			t.Fatal(err)
		}
		down := bot.Errorf(bot.EUNAVAILABLE, "down")
		if err := Conversations(engine{err: down}, rec).Handle(ctx, msg); err != down {
			t.Errorf("Handle returned %v, want the engine's error", err)
		}
		rec.want(t, "handled discord ok", "handled discord unavailable")
	})
	t.Run("send", func(t *testing.T) {
		_ = Adapter(platform{}, rec).Send(ctx, bot.Reply{})
		_ = Adapter(platform{err: bot.Errorf(bot.EINVALID, "closed DM")}, rec).Send(ctx, bot.Reply{})
		if got := Adapter(platform{}, rec).Name(); got != "slack" {
			t.Errorf("Name = %q", got)
		}
		rec.want(t, "sent slack ok", "sent slack invalid")
	})
	t.Run("store", func(t *testing.T) {
		ok := Store(memStore{}, rec)
		flags := []bot.Flag{{Level: bot.LevelUrgent}, {Level: bot.LevelConcern}, {Level: "weird"}}
		if err := ok.Save(ctx, bot.Save{Flags: flags}); err != nil {
			t.Fatal(err)
		}
		_, _ = ok.Load(ctx, "u", "")
		rec.want(t, "flag urgent", "flag concern", "flag other")

		for _, code := range []string{bot.ECONFLICT, bot.EDUPLICATE} {
			s := Store(memStore{err: bot.Errorf(code, "")}, rec)
			_ = s.Save(ctx, bot.Save{Flags: flags})
			_, _ = s.Load(ctx, "u", "")
		}
		_ = Store(memStore{err: &bot.Error{Code: bot.EUNAVAILABLE, Err: context.Canceled}}, rec).Save(ctx, bot.Save{})
		rec.want(t) // a store doing its job, or a caller gone, is no store error

		down := Store(memStore{err: bot.Errorf(bot.EUNAVAILABLE, "redis down")}, rec)
		_ = down.Save(ctx, bot.Save{Flags: flags})
		_, _ = down.Load(ctx, "u", "")
		rec.want(t, "store save unavailable", "store load unavailable")
	})
}
