package slack

import (
	"context"
	"testing"
	"time"

	"github.com/peerbot/peerbot/internal/fakeslack"
)

// Connected is false before Run, true once auth.test succeeded, and false
// again once Run returned.
func TestConnected(t *testing.T) {
	fake := fakeslack.New(t, fakeslack.Options{})
	o := fake.Options()
	a, err := New(Config{BotToken: o.BotToken, AppToken: o.AppToken, APIURL: fake.APIURL()}, &spy{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Connected() {
		t.Error("Connected before Run")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	if !fake.Wait(waitFor, a.Connected) {
		t.Error("not Connected after auth.test")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(waitFor):
		t.Fatal("Run did not return")
	}
	if a.Connected() {
		t.Error("Connected after Run returned")
	}
}
