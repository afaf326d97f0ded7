package loadgen

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/peerbot/peerbot/bot"
)

// script records what each user said.
type script struct {
	mu   sync.Mutex
	said map[bot.UserID][]string
	ids  map[string]bool
	fail string // a text whose Handle fails
}

func (s *script) Handle(_ context.Context, m bot.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids[m.ID] {
		return fmt.Errorf("event id %s twice", m.ID)
	}
	s.ids[m.ID] = true
	s.said[m.User] = append(s.said[m.User], m.Text)
	if m.Text == s.fail {
		return errors.New("boom")
	}
	return nil
}

func TestRunAnswersExactlyTheBudget(t *testing.T) {
	s := &script{said: map[bot.UserID][]string{}, ids: map[string]bool{}}
	var answered, said atomic.Int64
	err := Run(context.Background(), s, Options{
		Platform: "test", Users: 3, More: Budget(20),
		User: func(i int) bot.UserID { return bot.NewUserID("test", "w", fmt.Sprint("u", i)) },
		Said: func(_ int, a bool, took time.Duration) {
			said.Add(1)
			if a {
				answered.Add(1)
			}
			if took < 0 {
				t.Errorf("negative latency %v", took)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if answered.Load() != 20 {
		t.Fatalf("%d answered steps, want 20", answered.Load())
	}
	total := 0
	for u, texts := range s.said {
		total += len(texts)
		if !slices.Equal(texts[:2], opening) {
			t.Errorf("%s began with %q, want %q", u, texts[:2], opening)
		}
		rest := texts[2:]
		for i, text := range rest {
			if want := Checkin[i%len(Checkin)]; text != want {
				t.Fatalf("%s said %q at %d, want %q (all: %s)", u, text, i, want, strings.Join(rest, ","))
			}
		}
		if n := len(rest); n > 0 && rest[n-1] == "checkin" {
			t.Errorf("%s ended on a checkin that nothing answered", u)
		}
	}
	if int64(total) != said.Load() {
		t.Errorf("Said was called %d times for %d messages", said.Load(), total)
	}
}

func TestRunStopsAtTheFirstError(t *testing.T) {
	s := &script{said: map[bot.UserID][]string{}, ids: map[string]bool{}, fail: "7"}
	err := Run(context.Background(), s, Options{
		Platform: "test", Users: 2, More: func() bool { return true },
		User: func(i int) bot.UserID { return bot.NewUserID("test", "w", fmt.Sprint("u", i)) },
	})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %v, want the handler's", err)
	}
}

func TestCounter(t *testing.T) {
	c := NewCounter("x")
	_ = c.Send(context.Background(), bot.Reply{})
	_ = c.Send(context.Background(), bot.Reply{})
	if c.Name() != "x" || c.Sent() != 2 {
		t.Fatalf("name %q sent %d", c.Name(), c.Sent())
	}
}
