package bot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/peerbot/peerbot/adapters/bolt"
	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/flows"
	"github.com/peerbot/peerbot/internal/loadgen"
)

// BenchmarkEngineBolt measures answered steps per second through the whole
// engine on the bolt store, each step durably written, with users people
// talking at once (loadgen; one op is one answered step). Run with:
//
//	go test -run '^$' -bench EngineBolt -benchmem ./bot/
//
// `peerbot bench` runs the same load from the command line.
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
	e.Register(loadgen.NewCounter("bench"))
	b.ReportAllocs()
	b.ResetTimer()
	err = loadgen.Run(context.Background(), e, loadgen.Options{
		Platform: "bench", Users: users, More: loadgen.Budget(int64(b.N)),
		User: func(i int) bot.UserID { return bot.NewUserID("bench", "local", fmt.Sprint("u", i)) },
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}
