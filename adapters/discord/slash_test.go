package discord

import (
	"github.com/bwmarrin/discordgo"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/peerbot/peerbot/internal/fakediscord"
)

const (
	guild1  = "500000000000000001"
	guild2  = "500000000000000002"
	general = "600000000000000001" // a guild channel
)

var commandNames = []string{"checkin", "goals", "schedule", "time", "days", "quiet", "pause", "resume", "stop", "timezone", "resources", "mydata"}

// Slash commands are registered with one bulk overwrite per guild when
// guild ids are set, else one global overwrite.
func TestSlashCommandsRegistered(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		guilds []string
		want   []string // guild ids of the PUTs; "" is global
	}{
		{name: "per guild", guilds: []string{guild1, guild2}, want: []string{guild1, guild2}},
		{name: "global", want: []string{""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, fakediscord.Options{})
			cfg := h.config()
			cfg.GuildIDs = tc.guilds
			h.start(cfg)
			puts := h.fake.CommandPuts()
			if len(puts) != len(tc.want) {
				t.Fatalf("%d bulk overwrites, want %d", len(puts), len(tc.want))
			}
			for i, p := range puts {
				if p.GuildID != tc.want[i] {
					t.Errorf("overwrite %d in guild %q, want %q", i, p.GuildID, tc.want[i])
				}
				var names []string
				opts := map[string][]string{}
				for _, c := range p.Commands {
					names = append(names, c.Name)
					for _, o := range c.Options {
						if o.Type != 3 || o.Required {
							t.Errorf("/%s option %s: type %d, required %v; want an optional string", c.Name, o.Name, o.Type, o.Required)
						}
						opts[c.Name] = append(opts[c.Name], o.Name)
					}
					if !slices.Equal(c.Contexts, []int{0, 1}) {
						t.Errorf("/%s contexts = %v, want guilds and the bot's DMs", c.Name, c.Contexts)
					}
				}
				if !slices.Equal(names, commandNames) {
					t.Errorf("commands = %v, want %v", names, commandNames)
				}
				for _, name := range []string{"time", "days", "quiet", "pause", "timezone", "resources"} {
					if !slices.Equal(opts[name], []string{"text"}) {
						t.Errorf("/%s options = %v, want one optional text", name, opts[name])
					}
				}
				if len(opts) != 6 {
					t.Errorf("options = %v", opts)
				}
			}
			if n := h.fake.CountRequests("PUT", "/applications/"); n != len(tc.want) {
				t.Errorf("%d PUTs, want %d", n, len(tc.want))
			}
		})
	}
}

// Slash commands are deferred ephemerally at once and answered with
// ephemeral follow-ups; prompts with buttons go to the DM.
func TestSlashCommands(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakediscord.Options{})
	cfg := h.config()
	cfg.GuildIDs = []string{guild1}
	h.start(cfg)

	// Someone who has agreed already, for the commands that need it.
	h.say(alex, "hi", 1)
	consent := h.awaitDM(alex, 1)[0]
	h.click(alex, consent, "Yes", 2)
	h.say(alex, "not today", 1)

	slash := func(t *testing.T, u fakediscord.User, guild, name string, opts map[string]string, followups int) (string, []fakediscord.Followup) {
		t.Helper()
		iid, err := h.fake.Slash(u, guild, general, name, opts)
		if err != nil {
			t.Fatal(err)
		}
		h.await("the follow-ups of /"+name, func() bool { return len(h.fake.FollowupsFor(iid)) >= followups })
		cb := h.fake.CallbacksFor(iid)
		if len(cb) != 1 || cb[0].Type != 5 || cb[0].Flags != fakediscord.Ephemeral || cb[0].Status != 204 {
			t.Errorf("callbacks of /%s = %+v, want one deferred ephemeral (type 5, flags 64)", name, cb)
		} else if cb[0].Latency > interactionWindow {
			t.Errorf("/%s deferred after %v", name, cb[0].Latency)
		}
		fs := h.fake.FollowupsFor(iid)
		for _, f := range fs {
			if f.Flags != fakediscord.Ephemeral {
				t.Errorf("follow-up of /%s %q is not ephemeral", name, firstLine(f.Content))
			}
		}
		return iid, fs
	}

	// A pause has an end within a year (bot.maxPauseDays).
	pauseUntil := time.Now().UTC().AddDate(0, 2, 0)
	tests := []struct {
		name    string
		user    fakediscord.User
		guild   string // "" for the DM
		command string
		opts    map[string]string
		want    []string // prefixes of the ephemeral follow-ups
	}{
		{name: "resources", user: sam, guild: guild1, command: "resources", want: []string{"If you need to talk to someone now"}},
		{name: "resources in the DM", user: sam, command: "resources", want: []string{"If you need to talk to someone now"}},
		{name: "pause for", user: alex, guild: guild1, command: "pause", opts: map[string]string{"text": "for 3 days"}, want: []string{"Okay — I've paused your check-ins until"}},
		{name: "pause until", user: alex, guild: guild1, command: "pause", opts: map[string]string{"text": "until " + pauseUntil.Format(time.DateOnly)},
			want: []string{"Okay — I've paused your check-ins until " + pauseUntil.Format("Monday 2 January 2006")}},
		{name: "resume", user: alex, guild: guild1, command: "resume", want: []string{"Welcome back — your check-ins are on again."}},
		{name: "timezone", user: alex, guild: guild1, command: "timezone", opts: map[string]string{"text": "Europe/London"}, want: []string{"Done — your timezone is now Europe/London"}},
		{name: "goals", user: alex, guild: guild1, command: "goals", want: []string{"You haven't set a goal yet."}},
		{name: "mydata", user: alex, command: "mydata", want: []string{"Here is everything I keep about you."}},
		{name: "stop", user: alex, guild: guild1, command: "stop", want: []string{"Okay — I've stopped all check-ins"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer h.use(t)()
			before := len(h.fake.Messages())
			_, fs := slash(t, tc.user, tc.guild, tc.command, tc.opts, len(tc.want))
			if len(fs) != len(tc.want) {
				t.Fatalf("follow-ups = %d, want %d", len(fs), len(tc.want))
			}
			for i, f := range fs {
				if !strings.HasPrefix(f.Content, tc.want[i]) {
					t.Errorf("follow-up %d = %q, want it to start with %q", i, firstLine(f.Content), tc.want[i])
				}
			}
			if n := len(h.fake.Messages()); n != before {
				t.Errorf("%d channel messages posted, want none (the answers are ephemeral)", n-before)
			}
		})
	}

	t.Run("checkin starts the check-in in the DM", func(t *testing.T) {
		defer h.use(t)()
		creates := h.fake.UserChannelCreates()
		iid, fs := slash(t, robin, guild1, "checkin", nil, 1)
		if len(fs) != 1 || fs[0].Content != textSentDM {
			t.Errorf("follow-ups = %+v, want one saying %q", fs, textSentDM)
		}
		// robin is new: the consent question, with its buttons, in the DM.
		consent := h.awaitDM(robin, 1)[0]
		if !strings.Contains(consent.Content, "Is it okay to go ahead?") || len(fakediscord.Buttons(consent.Components)) != 2 {
			t.Fatalf("DM = %q, want the consent question with buttons", firstLine(consent.Content))
		}
		if n := h.fake.UserChannelCreates() - creates; n != 1 {
			t.Errorf("UserChannelCreate calls = %d, want 1", n)
		}
		if n := len(h.fake.MessagesIn(general)); n != 0 {
			t.Errorf("%d messages in the guild channel, want none", n)
		}
		_, msgs := h.click(robin, consent, "Yes", 2)
		if msgs[1].Content != "Hi robin. How are you feeling today?" || len(fakediscord.Buttons(msgs[1].Components)) != 5 {
			t.Errorf("then %q, want the mood question with buttons", msgs[1].Content)
		}
		if s := h.summary(robin); s.InFlow != "daily-checkin" || s.DMChannel != h.dm(robin) {
			t.Errorf("summary = %+v", s)
		}
		_ = iid
	})

	t.Run("checkin with DMs closed is answered ephemerally", func(t *testing.T) {
		defer h.use(t)()
		const casey = "300000000000000004"
		u := fakediscord.User{ID: casey, Username: "casey"}
		h.fake.SetDMsClosed(casey, true)
		_, fs := slash(t, u, guild1, "checkin", nil, 2)
		if len(fs) != 2 || fs[0].Content != textDMClosedHere || !strings.Contains(fs[1].Content, "Is it okay to go ahead?") {
			t.Fatalf("follow-ups = %+v, want the DM notice then the consent question", fs)
		}
		if len(fakediscord.Buttons(fs[1].Components)) != 2 {
			t.Errorf("the ephemeral consent question has no buttons")
		}
		h.await("DMClosed in the store", func() bool { return h.summary(u).DMClosed })
		// The buttons of an ephemeral prompt work too: replies come back
		// through the click's interaction.
		iid, err := h.fake.Click(u, fs[1].ID, fakediscord.Buttons(fs[1].Components)[0].CustomID)
		if err != nil {
			t.Fatal(err)
		}
		h.await("the replies to the click", func() bool { return len(h.fake.FollowupsFor(iid)) >= 2 })
		if cb := h.fake.CallbacksFor(iid); len(cb) != 1 || cb[0].Type != 7 || !strings.HasSuffix(cb[0].Content, "Your answer: Yes") {
			t.Errorf("click callbacks = %+v", cb)
		}
		f := h.fake.FollowupsFor(iid)
		if !strings.HasPrefix(f[0].Content, "Thank you.") || f[0].Flags != fakediscord.Ephemeral {
			t.Errorf("after the click: %+v", f[0])
		}
	})

	t.Run("an unknown command", func(t *testing.T) {
		defer h.use(t)()
		iid, err := h.fake.Slash(sam, guild1, general, "dance", nil)
		if err != nil {
			t.Fatal(err)
		}
		h.await("the answer", func() bool { return len(h.fake.CallbacksFor(iid)) > 0 })
		if cb := h.fake.CallbacksFor(iid)[0]; cb.Type != 4 || cb.Flags != fakediscord.Ephemeral {
			t.Errorf("callback = %+v, want an ephemeral message", cb)
		}
	})
}

// Every slash command comes from the engine's table and turns back into
// what a person would type, its text option included.
func TestCommandTextFromTheTable(t *testing.T) {
	for _, tc := range []struct {
		name, option, want string
	}{
		{"resources", "meetings", "resources meetings"},
		{"mydata", "", "my data"},
		{"time", "20:30", "time 20:30"},
		{"checkin", "", "checkin"},
	} {
		d := discordgo.ApplicationCommandInteractionData{Name: tc.name}
		if tc.option != "" {
			d.Options = []*discordgo.ApplicationCommandInteractionDataOption{{Name: slashOption, Type: discordgo.ApplicationCommandOptionString, Value: tc.option}}
		}
		if got, ok := commandText(d); !ok || got != tc.want {
			t.Errorf("/%s %q = %q, %v; want %q", tc.name, tc.option, got, ok, tc.want)
		}
	}
	if _, ok := commandText(discordgo.ApplicationCommandInteractionData{Name: "dance"}); ok {
		t.Error("an unknown command was taken")
	}
}
