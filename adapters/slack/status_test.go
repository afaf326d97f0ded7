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
	// The websocket lost, and Slack refusing the next connection twice:
	// not connected until it is back; then one reconnect counted.
	fake.InjectStatus("apps.connections.open", 2, 503)
	fake.DropConnection()
	if !fake.Wait(waitFor, func() bool { return !a.Connected() }) {
		t.Error("still Connected with the websocket down")
	}
	if !fake.Wait(waitFor, a.Connected) {
		t.Error("not Connected again after the reconnect")
	}
	if n := a.Reconnects(); n != 1 {
		t.Errorf("Reconnects = %d, want 1", n)
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
