package discord

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/internal/fakediscord"
)

// benchRate is the adapter's pace in BenchmarkDMs, requests/s.
const benchRate = 48

// BenchmarkDMs sends 1,000 DMs to 1,000 users (Send with an empty Channel,
// as the scheduler does for a due check-in) through the fake enforcing
// Discord's global limit of 50 requests/s, with the adapter paced at 48
// requests/s (96% of the limit; the default of 45 keeps a wider margin for
// real networks). Then a second run, by a new adapter on
// the same store, sends them again: the DM channels come from the store, so
// it makes no UserChannelCreate call.
//
// Reported per run (cold, cached): REST requests/s as the fake saw them,
// that rate as a share of the allowed 50/s (goal ≥ 95%), UserChannelCreate
// calls, and the 429s received (goal 0). It takes about 65 s (2,000
// requests, then 1,000, at 48/s), so run it once:
//
//	go test -run '^$' -bench BenchmarkDMs -benchtime 1x ./adapters/discord/
func BenchmarkDMs(b *testing.B) {
	const (
		users   = 1000
		workers = 64 // the scheduler's senders
	)
	for range b.N {
		h := newHarness(b, fakediscord.Options{GlobalRate: GlobalLimit})
		ids := make([]bot.UserID, users)
		for i := range ids {
			ids[i] = userID(fmt.Sprint(310000000000000000 + i))
		}

		run := func(name string) {
			cfg := h.config()
			cfg.Rate = benchRate
			a := h.adapter(cfg) // a new adapter: nothing in memory
			creates := h.fake.UserChannelCreates()
			requests := len(h.fake.Requests())
			limited, _ := h.fake.RateLimited()
			jobs := make(chan bot.UserID)
			var wg sync.WaitGroup
			var mu sync.Mutex
			var errs []error
			for range workers {
				wg.Go(func() {
					for u := range jobs {
						if err := a.Send(context.Background(), bot.Reply{User: u, Text: "Good morning. Time for your daily check-in."}); err != nil {
							mu.Lock()
							errs = append(errs, err)
							mu.Unlock()
						}
					}
				})
			}
			for _, u := range ids {
				jobs <- u
			}
			close(jobs)
			wg.Wait()
			if len(errs) > 0 {
				b.Fatalf("%s: %d sends failed, first: %v", name, len(errs), errs[0])
			}
			if !a.queue.WaitFor(time.Minute) { // the DM channels saved
				b.Fatalf("%s: profile writes did not finish", name)
			}
			reqs := h.fake.Requests()[requests:]
			first, last := reqs[0].Time, reqs[len(reqs)-1].Time
			rate := float64(len(reqs)-1) / last.Sub(first).Seconds()
			l, _ := h.fake.RateLimited()
			b.ReportMetric(rate, name+"-req/s")
			b.ReportMetric(100*rate/GlobalLimit, name+"-%allowed")
			b.ReportMetric(float64(h.fake.UserChannelCreates()-creates), name+"-UserChannelCreates")
			b.ReportMetric(float64(l-limited), name+"-429s")
			if n := len(h.fake.Messages()); n%users != 0 {
				b.Fatalf("%s: %d messages delivered, want a multiple of %d", name, n, users)
			}
		}
		b.ResetTimer()
		run("cold")
		run("cached")
		b.StopTimer()
		if n := h.fake.UserChannelCreates(); n != users {
			b.Errorf("UserChannelCreate calls = %d in all, want %d (none in the cached run)", n, users)
		}
		if got := len(h.fake.Messages()); got != 2*users {
			b.Errorf("%d DMs delivered, want %d", got, 2*users)
		}
		if strings.Contains(h.logs.String(), "level=ERROR") {
			b.Errorf("errors logged:\n%s", h.logs.String())
		}
	}
}
