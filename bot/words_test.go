package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/flows"
)

// readFailStore fails the reads of "my data" the way a store adapter does:
// with a code and an address meant for the log.
type readFailStore struct {
	bot.Store
	history, flags bool
}

var errRedis = &bot.Error{Code: bot.EUNAVAILABLE, Message: "Redis at 127.0.0.1:6399 is unreachable"}

func (s *readFailStore) History(ctx context.Context, u bot.UserID, flow string, n int) ([]bot.Record, error) {
	if s.history {
		return nil, errRedis
	}
	return s.Store.History(ctx, u, flow, n)
}

func (s *readFailStore) Flags(ctx context.Context, u bot.UserID) ([]bot.Flag, error) {
	if s.flags {
		return nil, errRedis
	}
	return s.Store.Flags(ctx, u)
}

// TestMyDataWhenReadsFail: a part of "my data" that cannot be read is said
// in a human sentence, never left out in silence and never with the
// store's code or address.
func TestMyDataWhenReadsFail(t *testing.T) {
	tests := []struct {
		name           string
		history, flags bool
		want           []string
	}{
		{"history fails", true, false, []string{"• Check-in history: I couldn't read it just now — please ask again in a moment.", "• Flags: 0"}},
		{"flags fail", false, true, []string{"• Check-in history: 0", "• Flags: I couldn't read them just now — please ask again in a moment."}},
		{"both fail", true, true, []string{"• Check-in history: I couldn't read it", "• Flags: I couldn't read them"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.consent()
			e, err := bot.New(bot.Options{Store: &readFailStore{Store: h.store, history: tc.history, flags: tc.flags},
				Flows: flows.Builtin(), Clock: h.clock})
			if err != nil {
				t.Fatal(err)
			}
			e.Register(h.rec)
			h.engine = e
			r := h.say("my data")
			if len(r) == 0 {
				t.Fatal("no reply to my data")
			}
			text := r[0].Text
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("my data lacks %q:\n%s", w, text)
				}
			}
			for _, never := range []string{"Redis", "127.0.0.1", bot.EUNAVAILABLE, "error"} {
				if strings.Contains(text, never) {
					t.Errorf("my data shows %q:\n%s", never, text)
				}
			}
		})
	}
}
