package discord

import (
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/peerbot/peerbot/internal/fakediscord"
)

// The invite asks for the bot and its commands with exactly the
// permissions the features use.
func TestInviteURL(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(InviteURL("123456789012345678"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "https" || u.Host != "discord.com" || u.Path != "/oauth2/authorize" {
		t.Errorf("invite URL %s is not discord.com/oauth2/authorize", u)
	}
	q := u.Query()
	if q.Get("client_id") != "123456789012345678" || q.Get("scope") != "bot applications.commands" {
		t.Errorf("client_id %q scope %q", q.Get("client_id"), q.Get("scope"))
	}
	perms, err := strconv.ParseInt(q.Get("permissions"), 10, 64)
	if err != nil {
		t.Fatalf("permissions %q: %v", q.Get("permissions"), err)
	}
	for _, p := range []struct {
		name string
		bit  int64
	}{
		{"view channel", 1 << 10},
		{"send messages", 1 << 11},
		{"embed links", 1 << 14},
		{"attach files", 1 << 15},
		{"read message history", 1 << 16},
		{"add reactions", 1 << 6},
		{"create public threads", 1 << 35},
		{"send messages in threads", 1 << 38},
	} {
		if perms&p.bit == 0 {
			t.Errorf("permissions %d lack %s (%d)", perms, p.name, p.bit)
		}
		perms &^= p.bit
	}
	if perms != 0 {
		t.Errorf("permissions ask for more than the features use: %d left over", perms)
	}
}

// The intents `peerbot setup discord` tells the admin to enable are the
// ones the adapter identifies with.
func TestIntentsAreWhatTheAdapterIdentifiesWith(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		peers      []string
		privileged []string
	}{
		{name: "DMs only", privileged: nil},
		{name: "peer channels", peers: []string{general}, privileged: []string{"Message Content Intent"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, fakediscord.Options{})
			cfg := h.config()
			cfg.PeerChannels = tc.peers
			h.start(cfg)
			ids := h.fake.Identifies()
			if len(ids) == 0 {
				t.Fatal("no IDENTIFY")
			}
			if got, want := discordgo.Intent(ids[0].Intents), Intents(cfg); got != want {
				t.Errorf("the adapter identified with intents %d, Intents says %d", got, want)
			}
			if got := PrivilegedIntents(Intents(cfg)); !slices.Equal(got, tc.privileged) {
				t.Errorf("privileged intents %q, want %q", got, tc.privileged)
			}
		})
	}
}
