package bot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/peerbot/peerbot/adapters/bolt"
	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/flows"
)

// discard is an adapter that drops replies.
type discard struct{}

func (discard) Name() string                          { return "bench" }
func (discard) Send(context.Context, bot.Reply) error { return nil }

// BenchmarkEngineBolt measures answered steps per second through the whole
// engine on the bolt store, each step durably written, with many users at
// once (-cpu and SetParallelism set how many). Run with:
//
//	go test -run '^$' -bench EngineBolt -benchmem ./bot/
func BenchmarkEngineBolt(b *testing.B) {
	for _, users := range []int{2, 16, 64, 256} {
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			benchEngine(b, users)
		})
	}
}

func benchEngine(b *testing.B, users int) {
	store, err := bolt.Open(filepath.Join(b.TempDir(), "peerbot.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	e, err := bot.New(bot.Options{Store: store, Flows: flows.Builtin()})
	if err != nil {
		b.Fatal(err)
	}
	e.Register(discard{})
	ctx := context.Background()
	// The answers of one daily check-in; "checkin" starts the next.
	script := []string{"checkin", "4", "7", "no", "a good walk", "skip"}
	var next atomic.Int64
	var answered atomic.Int64
	b.SetParallelism(max(1, users/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := next.Add(1)
		user := bot.NewUserID("bench", "local", fmt.Sprint("u", id))
		seq := 0
		handle := func(text string) {
			seq++
			m := bot.Message{ID: fmt.Sprint(id, "-", seq), Platform: "bench", User: user, Channel: "D", Direct: true, Text: text}
			if err := e.Handle(ctx, m); err != nil {
				b.Error(err)
			}
		}
		handle("hi")
		handle("yes")
		for i := 0; pb.Next(); i++ {
			text := script[i%len(script)]
			handle(text)
			if text != "checkin" {
				answered.Add(1)
			}
		}
	})
	b.ReportMetric(float64(answered.Load())/b.Elapsed().Seconds(), "steps/s")
}
