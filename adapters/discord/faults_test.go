package discord

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/internal/fakediscord"
)

// checkin is the state of a check-in under way in a fault test.
type checkin struct {
	hi, yes string              // the ids of the first message and of the consent click
	mood    fakediscord.Message // the mood prompt
}

// Replayed and duplicated dispatches are handled once, and the gateway
// faults Discord produces are survived: each case starts a check-in, does
// its fault around the mood answer, and the check-in must finish with one
// answer per question.
func TestReplaysAndGatewayFaults(t *testing.T) {
	t.Parallel()
	clickMood := func(h *harness, c checkin) { h.click(sam, c.mood, "3 — Ok-ish", 1) }
	connectedAgain := func(h *harness, identifies int) {
		h.await("a new IDENTIFY", func() bool { return len(h.fake.Identifies()) >= identifies && h.fake.Connected(0) })
	}
	resumed := func(h *harness) {
		h.await("a RESUME", func() bool {
			rs := h.fake.Resumes()
			return len(rs) > 0 && rs[len(rs)-1].OK && h.fake.Connected(0)
		})
	}
	tests := []struct {
		name  string
		opts  fakediscord.Options
		fault func(t *testing.T, h *harness, c checkin)
	}{{
		name: "a message delivered twice",
		fault: func(t *testing.T, h *harness, c checkin) {
			before := len(h.fake.MessagesIn(h.dm(sam)))
			id, err := h.fake.SendDM(sam, "3")
			if err != nil {
				t.Fatal(err)
			}
			h.awaitDM(sam, before+1)
			if err := h.fake.Redeliver(0, id); err != nil {
				t.Fatal(err)
			}
		},
	}, {
		name: "a click delivered twice",
		fault: func(t *testing.T, h *harness, c checkin) {
			iid, _ := h.click(sam, c.mood, "3 — Ok-ish", 1)
			if err := h.fake.Redeliver(0, iid); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if n := len(h.fake.CallbacksFor(iid)); n != 1 {
					t.Errorf("the twice-delivered click got %d callbacks, want 1", n)
				}
			})
		},
	}, {
		name: "op 7 reconnect",
		fault: func(t *testing.T, h *harness, c checkin) {
			if err := h.fake.Reconnect(0); err != nil {
				t.Fatal(err)
			}
			resumed(h)
			clickMood(h, c)
		},
	}, {
		name: "op 7 after a dispatch lost on the wire: RESUME replays it",
		fault: func(t *testing.T, h *harness, c checkin) {
			before := len(h.fake.MessagesIn(h.dm(sam)))
			if err := h.fake.LoseNext(0, 1); err != nil {
				t.Fatal(err)
			}
			if _, err := h.fake.SendDM(sam, "3"); err != nil {
				t.Fatal(err)
			}
			if err := h.fake.Reconnect(0); err != nil {
				t.Fatal(err)
			}
			h.awaitDM(sam, before+1)
			if rs := h.fake.Resumes(); len(rs) != 1 || rs[0].Replayed != 1 {
				t.Errorf("resumes = %+v, want one replaying the lost dispatch", rs)
			}
		},
	}, {
		name: "RESUME replays dispatches the bot already handled",
		fault: func(t *testing.T, h *harness, c checkin) {
			if err := h.fake.ReplayOnResume(0, 1); err != nil { // everything after READY
				t.Fatal(err)
			}
			if err := h.fake.Reconnect(0); err != nil {
				t.Fatal(err)
			}
			resumed(h)
			if rs := h.fake.Resumes(); rs[0].Replayed < 2 {
				t.Errorf("resumes = %+v, want the hi and the click replayed", rs)
			}
			clickMood(h, c)
			if n := len(h.fake.CallbacksFor(c.yes)); n != 1 {
				t.Errorf("the replayed consent click got %d callbacks, want 1", n)
			}
		},
	}, {
		name: "op 9 invalid session",
		fault: func(t *testing.T, h *harness, c checkin) {
			if err := h.fake.InvalidSession(0, false); err != nil {
				t.Fatal(err)
			}
			connectedAgain(h, 2)
			clickMood(h, c)
		},
	}, {
		name: "heartbeat ACKs stop",
		opts: fakediscord.Options{HeartbeatInterval: 100 * time.Millisecond},
		fault: func(t *testing.T, h *harness, c checkin) {
			if err := h.fake.StopHeartbeatACKs(0); err != nil {
				t.Fatal(err)
			}
			// discordgo closes with 1000, which ends the session: its
			// RESUME is refused and it identifies again.
			connectedAgain(h, 2)
			clickMood(h, c)
		},
	}, {
		name: "websocket dropped",
		fault: func(t *testing.T, h *harness, c checkin) {
			if err := h.fake.Drop(0); err != nil {
				t.Fatal(err)
			}
			resumed(h)
			clickMood(h, c)
		},
	}, {
		name: "a restarted bot gets a dispatch it handled before",
		fault: func(t *testing.T, h *harness, c checkin) {
			h.stop()
			h.start(h.config())
			// Only the store knows the first "hi" was handled.
			if err := h.fake.Redeliver(0, c.hi); err != nil {
				t.Fatal(err)
			}
			clickMood(h, c)
		},
	}}
	// The cases run at once, each on its own fake: they mostly wait on
	// discordgo's reconnects (each closes with a fixed one-second pause),
	// so they are not held to -parallel (the CPU count) as t.Parallel
	// tests would be.
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, tc := range tests {
		wg.Go(func() {
			t.Run(tc.name, func(t *testing.T) {
				h := newHarness(t, tc.opts)
				h.start(h.config())

				var c checkin
				var err error
				if c.hi, err = h.fake.SendDM(sam, "hi"); err != nil {
					t.Fatal(err)
				}
				consent := h.awaitDM(sam, 1)[0]
				var msgs []fakediscord.Message
				c.yes, msgs = h.click(sam, consent, "Yes", 2)
				c.mood = msgs[1]

				tc.fault(t, h, c)

				for _, s := range []string{"8", "no", "a walk", "skip"} {
					h.say(sam, s, 1)
				}
				want := []string{
					"Hi, I'm peerbot", "Thank you.", "Hi Sam. How are you feeling today?",
					"About how many hours", "Any cravings today?", "What is one thing", "Anything else you'd like", "Thanks for checking in, Sam.",
				}
				got := contents(h.fake.MessagesIn(h.dm(sam)))
				if len(got) != len(want) {
					t.Fatalf("DM has %d messages, want %d:\n%s", len(got), len(want), strings.Join(got, "\n---\n"))
				}
				for i := range want {
					if !strings.HasPrefix(got[i], want[i]) {
						t.Errorf("message %d = %q, want it to start with %q", i, firstLine(got[i]), want[i])
					}
				}
				recs, err := h.store.History(context.Background(), userID(sam.ID), "daily-checkin", 0)
				if err != nil || len(recs) != 1 {
					t.Fatalf("history = %+v, %v; want one check-in", recs, err)
				}
				if m := recs[0].Answers["mood"]; m != 3 && m != float64(3) {
					t.Errorf("mood = %v, want 3", m)
				}
			})
		})
	}
}

// A user with DMs closed (50007) is mentioned once in the fallback channel,
// without check-in content; DMClosed is stored; nothing more is sent to
// them, even after a restart, until they write to the bot.
func TestDMsClosed(t *testing.T) {
	t.Parallel()
	const fallback = "400000000000000001"
	h := newHarness(t, fakediscord.Options{})
	cfg := h.config()
	cfg.FallbackChannel = fallback
	h.start(cfg)
	h.fake.SetDMsClosed(robin.ID, true)
	ctx := context.Background()
	begin := func() error {
		// What the scheduler does for a due check-in.
		return h.engine.Begin(ctx, bot.Message{Platform: platform, User: userID(robin.ID), Direct: true}, "daily-checkin")
	}

	if err := begin(); !errors.Is(err, ErrDMClosed) {
		t.Fatalf("Begin = %v, want ErrDMClosed", err)
	}
	mentions := h.fake.MessagesIn(fallback)
	if len(mentions) != 1 {
		t.Fatalf("fallback channel has %d messages, want 1", len(mentions))
	}
	m := mentions[0]
	if want := "<@" + robin.ID + ">, I couldn't send you a direct message — please open your DMs to get check-ins"; m.Content != want {
		t.Errorf("mention = %q, want %q", m.Content, want)
	}
	if m.AllowedMentions == nil || len(m.AllowedMentions.Users) != 1 || m.AllowedMentions.Users[0] != robin.ID || len(m.Components) != 0 {
		t.Errorf("mention allows %+v, components %v; want robin only and no buttons", m.AllowedMentions, m.Components)
	}
	h.await("DMClosed in the store", func() bool { return h.summary(robin).DMClosed })
	if s := h.summary(robin); s.DMChannel != h.dm(robin) {
		t.Errorf("DM channel in the store = %q, want %q", s.DMChannel, h.dm(robin))
	}

	// No retry storm: later sends fail at once, without asking Discord,
	// also from a new adapter on the same store.
	requests := len(h.fake.Requests())
	for range 3 {
		if err := begin(); !errors.Is(err, ErrDMClosed) {
			t.Fatalf("Begin again = %v, want ErrDMClosed", err)
		}
	}
	restarted := h.adapter(cfg)
	if err := restarted.Send(ctx, bot.Reply{User: userID(robin.ID), Text: "a reminder"}); !errors.Is(err, ErrDMClosed) {
		t.Fatalf("Send after a restart = %v, want ErrDMClosed", err)
	}
	if n := len(h.fake.Requests()); n != requests {
		t.Errorf("%d more REST requests for a user with DMs closed, want none", n-requests)
	}

	// They open their DMs and write: the bot answers, and DMClosed clears.
	h.stop()
	h.start(cfg)
	h.fake.SetDMsClosed(robin.ID, false)
	msgs := h.say(robin, "yes", 2)
	if !strings.HasPrefix(msgs[0].Content, "Thank you.") {
		t.Errorf("after yes: %q", msgs[0].Content)
	}
	h.await("DMClosed cleared", func() bool { return !h.summary(robin).DMClosed })
	if n := len(h.fake.MessagesIn(fallback)); n != 1 {
		t.Errorf("fallback channel has %d messages, want still 1", n)
	}
}
