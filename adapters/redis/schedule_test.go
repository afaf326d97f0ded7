package redis_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	redisstore "github.com/peerbot/peerbot/adapters/redis"
	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/bot/storetest"
	"github.com/peerbot/peerbot/flows"
	"github.com/peerbot/peerbot/internal/redistest"
)

// counter counts the scheduled prompts and reminders each user receives,
// per day.
type counter struct {
	clock     bot.Clock
	mu        sync.Mutex
	prompts   map[string]int // user|day
	reminders map[string]int
}

func (c *counter) Name() string { return "test" }

func (c *counter) Send(_ context.Context, r bot.Reply) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	day := c.clock.Now().Format(time.DateOnly)
	switch {
	case strings.Contains(r.Text, "gentle nudge"):
		c.reminders[string(r.User)+"|"+day]++
	case strings.Contains(r.Text, "How are you feeling today?"):
		c.prompts[string(r.User)]++
	}
	return nil
}

// TestReplicasThroughAWeek: 500 people on one Redis (single and Cluster),
// swept by two and then three engines at once through a simulated week,
// one engine killed mid-sweep on day 4: everyone gets exactly one prompt a
// day and at most one reminder.
func TestReplicasThroughAWeek(t *testing.T) {
	t.Run("single", func(t *testing.T) {
		srv := redistest.Start(t)
		replicaWeek(t, redisstore.Config{URL: srv.URL()})
	})
	t.Run("cluster", func(t *testing.T) {
		cl := redistest.StartCluster(t, 3)
		replicaWeek(t, redisstore.Config{ClusterAddrs: cl.Addrs})
	})
}

func replicaWeek(t *testing.T, cfg redisstore.Config) {
	const users = 500
	clock := storetest.NewClock(time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC))
	c := &counter{clock: clock, prompts: map[string]int{}, reminders: map[string]int{}}
	newEngine := func() *bot.Engine {
		client, err := redisstore.NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		store := redisstore.New(client, cfg, redisstore.WithClock(clock))
		t.Cleanup(func() { store.Close() })
		e, err := bot.New(bot.Options{Store: store, Flows: flows.Builtin(), Clock: clock,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		e.Register(c)
		return e
	}
	engines := []*bot.Engine{newEngine(), newEngine()}
	ctx := context.Background()

	// Everyone consents and checks in by hand on day 0.
	var wg sync.WaitGroup
	for u := range users {
		wg.Go(func() {
			user := bot.UserID(fmt.Sprint("test:T1:U", u))
			for i, text := range []string{"hi", "yes", "not today"} {
				m := bot.Message{ID: fmt.Sprint(user, "-", i), Platform: "test", User: user, Channel: "D", Direct: true, Text: text}
				if err := engines[u%2].Handle(ctx, m); err != nil {
					t.Errorf("%s %q: %v", user, text, err)
				}
			}
		})
	}
	wg.Wait()
	c.mu.Lock()
	clear(c.prompts) // the consent's own check-in
	c.mu.Unlock()

	sweepAll := func(es []*bot.Engine, kill *bot.Engine) {
		t.Helper()
		// Sweep until nothing more is due, every engine at once.
		for range 50 {
			var mu sync.Mutex
			woken := 0
			var wg sync.WaitGroup
			for _, e := range es {
				wg.Go(func() {
					sctx := ctx
					if e == kill {
						// Killed mid-sweep: its claims are taken over
						// once their lease runs out.
						var cancel context.CancelFunc
						sctx, cancel = context.WithTimeout(ctx, 2*time.Millisecond)
						defer cancel()
					}
					n, err := e.SweepWakes(sctx)
					if err != nil && sctx.Err() == nil {
						t.Errorf("SweepWakes: %v", err)
					}
					mu.Lock()
					woken += n
					mu.Unlock()
				})
			}
			wg.Wait()
			if woken == 0 {
				return
			}
		}
		t.Fatal("sweeps never ran out of work")
	}
	for day := 1; day <= 7; day++ {
		if day == 3 {
			engines = append(engines, newEngine())
		}
		date := time.Date(2026, 11, 2+day, 0, 0, 0, 0, time.UTC)
		for _, at := range []time.Duration{9*time.Hour + 5*time.Second, 12*time.Hour + 10*time.Second, 21*time.Hour + 10*time.Second} {
			clock.Add(date.Add(at).Sub(clock.Now()))
			var kill *bot.Engine
			if day == 4 && at < 10*time.Hour {
				kill = engines[2]
			}
			sweepAll(engines, kill)
			if kill != nil {
				// What the killed engine held is taken over after the
				// lease, still inside the grace period.
				engines = engines[:2]
				clock.Add(bot.DefaultOutboxLease + time.Second)
				sweepAll(engines, nil)
			}
		}
		c.mu.Lock()
		for u := range users {
			user := fmt.Sprint("test:T1:U", u)
			if c.prompts[user] != day {
				c.mu.Unlock()
				t.Fatalf("day %d: %s had %d prompts, want %d", day, user, c.prompts[user], day)
			}
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Nobody answered: one reminder a day each, never two.
	for k, n := range c.reminders {
		if n != 1 {
			t.Fatalf("%s: %d reminders that day, want 1", k, n)
		}
	}
	if len(c.reminders) != 7*users {
		t.Fatalf("%d user-days with a reminder, want %d", len(c.reminders), 7*users)
	}
}
