package redis

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/flows"
	"github.com/peerbot/peerbot/internal/redisstats"
	"github.com/peerbot/peerbot/internal/redistest"
)

// nullAdapter takes every reply.
type nullAdapter struct{ sent int }

func (a *nullAdapter) Name() string                          { return "test" }
func (a *nullAdapter) Send(context.Context, bot.Reply) error { a.sent++; return nil }

// TestEngineRoundTripsPerStep: through the real engine, an answered step
// costs one round trip more than the store alone (load, save with the
// outbox entry, HDEL once delivered), and leaves the outbox empty.
func TestEngineRoundTripsPerStep(t *testing.T) {
	srv := redistest.Start(t)
	s, count := countedStore(t, srv)
	e, err := bot.New(bot.Options{Store: s, Flows: flows.Builtin(), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	a := &nullAdapter{}
	e.Register(a)
	ctx := t.Context()
	user := bot.NewUserID("test", "local", "rt")
	n := 0
	say := func(text string) {
		t.Helper()
		n++
		if err := e.Handle(ctx, bot.Message{ID: "ev" + string(rune('a'+n)), Platform: "test", User: user,
			Channel: "D1", Direct: true, Text: text}); err != nil {
			t.Fatalf("Handle(%q): %v", text, err)
		}
	}
	say("hi")
	say("yes") // consent; the check-in starts
	admin := srv.Client(t)
	stats := func() map[string]int64 {
		t.Helper()
		m, err := redistest.CommandStats(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	before := stats()
	count.Reset()
	sent := a.sent
	say("4") // an answered step: the next question is owed and delivered
	trips := count.RoundTrips()
	_, delta := redisstats.Since(before, stats())
	t.Logf("one answered step through the engine: %d round trips, server commands %v", trips, delta)
	if a.sent != sent+1 {
		t.Fatalf("replies sent for the step: %d, want 1", a.sent-sent)
	}
	if trips != 3 {
		t.Errorf("%d round trips per answered step, want 3 (load, save with the outbox entry, HDEL)", trips)
	}
	if top := delta["evalsha_ro"] + delta["evalsha"] + delta["eval"] + delta["hdel"]; top != 3 || delta["hdel"] != 1 {
		t.Errorf("top-level commands per step: %v, want EVALSHA_RO, EVALSHA and one HDEL", delta)
	}
	// What is left in the outbox are timers (tomorrow's scheduled start),
	// never a delivered reply.
	left, err := admin.HVals(ctx, s.keys(user).outbox).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range left {
		if !strings.Contains(v, `"timer":`) {
			t.Errorf("a reply left in the outbox after delivery: %s", v)
		}
	}
}
