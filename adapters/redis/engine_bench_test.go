package redis_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/internal/loadgen"
	"github.com/peerbot/peerbot/internal/redisstats"
	"github.com/peerbot/peerbot/internal/redistest"
)

// benchRuns numbers benchmark runs.
var benchRuns atomic.Int64

// BenchmarkEngineRedis measures answered steps per second through the whole
// engine on a real redis-server with users people talking at once
// (loadgen; one op is one answered step), and the server's commands per
// message (INFO commandstats deltas). Run with:
//
//	go test -run '^$' -bench EngineRedis -benchmem ./adapters/redis/
//
// `peerbot bench --redis URL` runs the same load from the command line.
func BenchmarkEngineRedis(b *testing.B) {
	srv := redistest.Start(b)
	for _, users := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			e, _ := engineOn(b, srv, nil)
			e.Register(loadgen.NewCounter("test"))
			ctx := context.Background()
			client := srv.Client(b)
			var handled atomic.Int64
			// Each run of this function (the benchmark ramps b.N) gets
			// users of its own, so no message is a duplicate.
			run := benchRuns.Add(1)
			before, err := redistest.CommandStats(ctx, client)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			err = loadgen.Run(ctx, e, loadgen.Options{
				Platform: "test", Users: users, More: loadgen.Budget(int64(b.N)),
				User: func(i int) bot.UserID { return bot.NewUserID("bench", fmt.Sprint("r", run), fmt.Sprint("u", i)) },
				Said: func(int, bool, time.Duration) { handled.Add(1) },
			})
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			after, err := redistest.CommandStats(ctx, client)
			if err != nil {
				b.Fatal(err)
			}
			cmds, _ := redisstats.Since(before, after)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
			b.ReportMetric(float64(cmds)/float64(handled.Load()), "cmds/msg")
		})
	}
}
