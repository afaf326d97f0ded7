package pacer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// turns records the order in which requests were let through, and when.
type turns struct {
	mu    sync.Mutex
	order strings.Builder
	at    map[string][]time.Duration // key -> grant times since start
	start time.Time
}

func (g *turns) add(name, key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.order.WriteString(name)
	if g.at == nil {
		g.at = map[string][]time.Duration{}
	}
	g.at[key] = append(g.at[key], time.Since(g.start))
}

// TestOrder: waiters are let through in order, at the rates, the more
// urgent first. Each case first spends the pacer's burst (and the first
// key's turn), then queues its waiters one after the other. The clock is
// synctest's, so the times are exact.
func TestOrder(t *testing.T) {
	type w struct {
		key  string
		prio Priority
	}
	tests := []struct {
		name           string
		global, perKey float64
		waiters        []w
		want           string        // grant order, by index
		took           time.Duration // until the last was let through
	}{
		{"global rate", 20, 0, []w{{"A", Bulk}, {"B", Bulk}, {"C", Bulk}, {"D", Bulk}}, "0123", 200 * time.Millisecond},
		{"one key in order", 1000, 20, []w{{"A", Bulk}, {"A", Bulk}, {"A", Bulk}}, "012", 150 * time.Millisecond},
		{"other keys not held up by a busy one", 1000, 5, []w{{"A", Bulk}, {"A", Bulk}, {"B", Bulk}}, "201", 400 * time.Millisecond},
		{"urgent first", 10, 0, []w{{"A", Bulk}, {"B", Bulk}, {"C", Bulk}, {"D", Bulk}, {"E", Urgent}}, "40123", 500 * time.Millisecond},
		{"interactive passes a bulk backlog", 10, 0, []w{{"", Bulk}, {"", Bulk}, {"", Bulk}, {"", Interactive}, {"", Urgent}}, "43012", 500 * time.Millisecond},
		{"urgent passes its own key's line", 1000, 5, []w{{"A", Bulk}, {"A", Urgent}}, "10", 400 * time.Millisecond},
		{"urgent waits for its key", 1000, 5, []w{{"A", Urgent}, {"B", Bulk}}, "10", 200 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := New(tt.global, tt.perKey)
				ctx := context.Background()
				g := &turns{start: time.Now()}
				if err := p.Wait(ctx, tt.waiters[0].key, Bulk); err != nil {
					t.Fatal(err)
				}
				var wg sync.WaitGroup
				for i, x := range tt.waiters {
					wg.Go(func() {
						if err := p.Wait(ctx, x.key, x.prio); err != nil {
							t.Error(err)
						}
						g.add(fmt.Sprint(i), x.key)
					})
					synctest.Wait() // in line before the next one comes
				}
				wg.Wait()
				if got := g.order.String(); got != tt.want {
					t.Errorf("order %s, want %s", got, tt.want)
				}
				if took := time.Since(g.start); took != tt.took {
					t.Errorf("took %v, want %v", took, tt.took)
				}
			})
		})
	}
}

// TestRates: many requests from many goroutines go at the global rate, no
// faster, and never faster than the per-key rate for one key.
func TestRates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, global, perKey = 200, 50, 2
		p := New(global, perKey)
		g := &turns{start: time.Now()}
		var wg sync.WaitGroup
		for i := range n {
			key := fmt.Sprint(i % 40)
			wg.Go(func() {
				if err := p.Wait(context.Background(), key, Bulk); err != nil {
					t.Error(err)
				}
				g.add(".", key)
			})
			synctest.Wait() // in line in this order: keys 0 to 39, then again
		}
		wg.Wait()
		// 40 keys at 2/s each allow 80/s, so the global 50/s is the limit.
		if took, want := time.Since(g.start), (n-1)*time.Second/global; took != want {
			t.Errorf("%d requests took %v, want %v", n, took, want)
		}
		for key, at := range g.at {
			for i := 1; i < len(at); i++ {
				if gap := at[i] - at[i-1]; gap < time.Second/perKey {
					t.Fatalf("key %s: two requests %v apart, want at least %v", key, gap, time.Second/perKey)
				}
			}
		}
	})
}

func TestPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(1000, 0)
		p.Pause(150 * time.Millisecond)
		start := time.Now()
		if err := p.Wait(context.Background(), "", Urgent); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 150*time.Millisecond {
			t.Errorf("let through after %v of a 150ms pause", d)
		}
	})
}

// A request retried after a 429 keeps its place in line.
func TestRetryKeepsItsPlace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(10, 0)
		ctx := context.Background()
		retried := p.Ticket()
		if err := p.WaitTurn(ctx, retried, "", Bulk); err != nil {
			t.Fatal(err)
		}
		g := &turns{start: time.Now()}
		var wg sync.WaitGroup
		for _, name := range []string{"a", "b"} {
			wg.Go(func() {
				if err := p.Wait(ctx, "", Bulk); err != nil {
					t.Error(err)
				}
				g.add(name, "")
			})
			synctest.Wait()
		}
		if err := p.WaitTurn(ctx, retried, "", Bulk); err != nil {
			t.Fatal(err)
		}
		g.add("r", "")
		wg.Wait()
		if got := g.order.String(); got != "rab" {
			t.Errorf("order %s, want the retry first (rab)", got)
		}
	})
}

func TestCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(1, 0)
		if err := p.Wait(context.Background(), "", Bulk); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if err := p.Wait(ctx, "", Bulk); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait past its deadline: %v", err)
		}
		if n := p.Waiting(); n != 0 {
			t.Errorf("%d waiters left behind", n)
		}
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		if err := p.Wait(cancelled, "", Urgent); !errors.Is(err, context.Canceled) {
			t.Errorf("Wait with a cancelled context: %v", err)
		}
	})
}
