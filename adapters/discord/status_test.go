package discord

import (
	"testing"

	"github.com/peerbot/peerbot/internal/fakediscord"
)

// Connected is false before Run, true once the gateway said READY, and
// false again once Run shuts down.
func TestConnected(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakediscord.Options{})
	if a := h.adapter(h.config()); a.Connected() {
		t.Error("Connected before Run")
	}
	a := h.start(h.config())
	if !a.Connected() {
		t.Error("not Connected after the gateway said READY")
	}
	// The gateway connection lost: discordgo reconnects and resumes; one
	// reconnect counted, connected again after it.
	h.fake.Drop(0)
	h.await("the reconnect", func() bool { return a.Reconnects() == 1 && a.Connected() && h.fake.Connected(0) })
	h.stop()
	if a.Connected() {
		t.Error("Connected after Run returned")
	}
}
