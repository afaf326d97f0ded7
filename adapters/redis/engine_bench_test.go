package redis_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/internal/redistest"
)

// benchRuns numbers benchmark runs.
var benchRuns atomic.Int64

type discard struct{}

func (discard) Name() string                          { return "test" }
func (discard) Send(context.Context, bot.Reply) error { return nil }

// BenchmarkEngineRedis measures answered steps per second through the whole
// engine on a real redis-server, and the server's commands per message
// (INFO commandstats deltas). Run with:
//
//	go test -run '^$' -bench EngineRedis -benchmem ./adapters/redis/
func BenchmarkEngineRedis(b *testing.B) {
	srv := redistest.Start(b)
	for _, users := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			e, store := engineOn(b, srv, nil)
			e.Register(discard{})
			_ = store
			ctx := context.Background()
			client := srv.Client(b)
			script := []string{"checkin", "4", "7", "no", "a good walk", "skip"}
			var next, answered, handled atomic.Int64
			// Each run of this function (the benchmark ramps b.N) gets
			// users and event ids of its own, so no message is a duplicate.
			run := benchRuns.Add(1)
			before, err := redistest.CommandStats(ctx, client)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			redistest.RunUsers(b, users, func(more func() bool) {
				id := next.Add(1)
				user := bot.NewUserID("bench", fmt.Sprint("r", run), fmt.Sprint("u", id))
				seq := 0
				handle := func(text string) {
					seq++
					m := bot.Message{ID: fmt.Sprint(id, "-", seq), Platform: "test", User: user, Channel: "D", Direct: true, Text: text}
					if err := e.Handle(ctx, m); err != nil {
						b.Error(err)
					}
					handled.Add(1)
				}
				handle("hi")
				handle("yes")
				for i := 0; more(); i++ {
					text := script[i%len(script)]
					handle(text)
					if text != "checkin" {
						answered.Add(1)
					}
				}
			})
			b.StopTimer()
			after, err := redistest.CommandStats(ctx, client)
			if err != nil {
				b.Fatal(err)
			}
			var cmds int64
			for name, n := range after {
				if name != "info" {
					cmds += n - before[name]
				}
			}
			b.ReportMetric(float64(answered.Load())/b.Elapsed().Seconds(), "steps/s")
			b.ReportMetric(float64(cmds)/float64(handled.Load()), "cmds/msg")
		})
	}
}
