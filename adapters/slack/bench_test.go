package slack

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/peerbot/peerbot/adapters/bolt"
	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/flows"
	"github.com/peerbot/peerbot/internal/fakeslack"
)

// BenchmarkDMs1000 sends 1,000 DMs to 1,000 users at once (Send with no
// channel: conversations.open, then chat.postMessage) through the fake
// Slack enforcing one message per second per channel and 50 messages per
// second across the workspace, with the adapter set to the same rates.
//
// It reports the throughput as a share of the allowed rate (goal: at
// least 95 %) and the 429s received (goal: 0). At 50/s one run takes about
// 20 s, so run it once:
//
//	go test -run '^$' -bench DMs1000 -benchtime 1x ./adapters/slack/
func BenchmarkDMs1000(b *testing.B) {
	const (
		users = 1000
		rate  = 50.0
	)
	fake := fakeslack.New(b, fakeslack.Options{ChannelRate: 1, WorkspaceRate: rate})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := bolt.Open(filepath.Join(b.TempDir(), "peerbot.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	engine, err := bot.New(bot.Options{Store: store, Flows: flows.Builtin(), Log: quiet})
	if err != nil {
		b.Fatal(err)
	}
	o := fake.Options()
	a, err := New(Config{BotToken: o.BotToken, AppToken: o.AppToken, APIURL: fake.APIURL(),
		WorkspaceRate: rate, ChannelRate: 1}, engine, quiet)
	if err != nil {
		b.Fatal(err)
	}
	engine.Register(a)
	ctx := context.Background()

	var sent int
	var elapsed time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		var wg sync.WaitGroup
		for u := range users {
			user := bot.NewUserID("slack", o.TeamID, fmt.Sprintf("U%d-%04d", i, u))
			wg.Go(func() {
				if err := a.Send(ctx, bot.Reply{User: user, Text: "Good morning! Time for your daily check-in."}); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		elapsed += time.Since(start)
		sent += users
	}
	b.StopTimer()
	a.bg.Wait()
	if n := len(fake.Calls("chat.postMessage")) - fake.RateLimited(); n != sent {
		b.Fatalf("%d messages delivered, want %d", n, sent)
	}
	perSecond := float64(sent) / elapsed.Seconds()
	b.ReportMetric(perSecond, "msgs/s")
	b.ReportMetric(100*perSecond/rate, "%allowed")
	b.ReportMetric(float64(fake.RateLimited()), "429s")
}
