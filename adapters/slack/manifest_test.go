package slack

import (
	"strings"
	"testing"

	"github.com/peerbot/peerbot/internal/fakeslack"
)

// Every event in BotEvents and every command in SlashCommands does what it
// is there for when it arrives, so the manifest that `peerbot setup slack`
// builds from them subscribes to what the adapter handles.
func TestManifestListsAreWhatTheAdapterHandles(t *testing.T) {
	const privatePeer = "GPEER"
	h := start(t, setup{cfg: func(c *Config) { c.PeerChannels = append(c.PeerChannels, privatePeer) }})
	handledIn := func(channel string, direct bool) func() bool {
		return func() bool {
			for _, m := range h.spy.messages() {
				if m.Channel == channel && m.Direct == direct {
					return true
				}
			}
			return false
		}
	}
	events := map[string]struct {
		env  func() fakeslack.Envelope
		done func() bool
	}{
		"message.im": {
			env:  func() fakeslack.Envelope { return h.fake.MessageEvent(sam.ID, h.fake.DM(sam.ID), "hi") },
			done: handledIn(h.fake.DM(sam.ID), true),
		},
		"message.channels": {
			env:  func() fakeslack.Envelope { return h.fake.MessageEvent(alex.ID, peerChannel, "hello all") },
			done: handledIn(peerChannel, false),
		},
		"message.groups": {
			env:  func() fakeslack.Envelope { return h.fake.MessageEvent(alex.ID, privatePeer, "hello all") },
			done: handledIn(privatePeer, false),
		},
		"app_home_opened": {
			env:  func() fakeslack.Envelope { return h.fake.AppHomeOpened(kim.ID) },
			done: func() bool { return len(h.fake.Home(kim.ID)) > 0 },
		},
	}
	for _, name := range BotEvents {
		ev, ok := events[name]
		if !ok {
			t.Errorf("BotEvents has %q, which this test does not deliver: add it here", name)
			continue
		}
		h.deliver(ev.env())
		if !h.fake.Wait(waitFor, ev.done) {
			t.Errorf("event %s had no effect; logs:\n%s", name, h.logs)
		}
	}
	for _, c := range SlashCommands {
		before := len(h.spy.messages())
		h.deliver(h.fake.SlashCommand(kim.ID, peerChannel, c.Command, ""))
		if !h.fake.Wait(waitFor, func() bool { return len(h.spy.messages()) > before }) {
			t.Errorf("slash command %s did not reach the engine", c.Command)
			continue
		}
		if !strings.HasPrefix(c.Command, "/") || c.Description == "" {
			t.Errorf("slash command %+v: want a leading slash and a description", c)
		}
	}
}
