package slack

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/internal/fakeslack"
)

// TestSlashCommands: /checkin and /peerbot <command> become engine
// commands; replies that concern only the user are ephemeral where the
// command was typed, questions and the crisis reply go to the DM.
func TestSlashCommands(t *testing.T) {
	for _, mode := range []struct {
		name string
		http bool
	}{{"socket mode", false}, {"http mode", true}} {
		t.Run(mode.name, func(t *testing.T) {
			h := start(t, setup{http: mode.http})
			dm := h.fake.DM(sam.ID)
			ephemerals := func(n int) []fakeslack.Message {
				t.Helper()
				h.until(fmt.Sprintf("%d ephemeral messages", n), func() bool { return len(h.fake.Ephemerals()) >= n })
				return h.fake.Ephemerals()
			}

			// /checkin in a channel: the consent question (buttons) goes
			// to the DM, and the user is told so where they typed.
			h.deliver(h.fake.SlashCommand(sam.ID, peerChannel, "/checkin", ""))
			consent := h.expect(dm, 0, "Before we start")[0]
			checkPrompt(t, consent, "Is it okay to go ahead?", yesNo)
			if e := ephemerals(1)[0]; e.Channel != peerChannel || e.User != sam.ID || !strings.Contains(e.Text, "direct message") {
				t.Errorf("pointer to the DM: %+v", e)
			}
			h.click(sam, consent, "Yes")
			h.expect(dm, 1, "Thank you", "How are you feeling")

			// /peerbot resources mid-check-in: the resources ephemeral,
			// the question again in the DM.
			h.deliver(h.fake.SlashCommand(sam.ID, peerChannel, "/peerbot", "resources"))
			if e := ephemerals(2)[1]; e.Channel != peerChannel || e.User != sam.ID || !strings.Contains(e.Text, "988") {
				t.Errorf("resources: %+v", e)
			}
			again := h.expect(dm, 3, "Back to where we were")[0]
			checkPrompt(t, again, "How are you feeling today?", moodScale)

			// /peerbot pause for 3 days, typed in the DM itself.
			h.deliver(h.fake.SlashCommand(sam.ID, dm, "/peerbot", "pause for 3 days"))
			if e := ephemerals(3)[2]; e.Channel != dm || !strings.Contains(e.Text, "paused your check-ins until") || !strings.Contains(e.Text, "put it aside") {
				t.Errorf("pause: %+v", e)
			}
			h.expect(dm, 4, "If you'd like to finish it now")
			if s := h.summary(sam); !s.PausedUntil.After(time.Now().Add(48 * time.Hour)) {
				t.Errorf("not paused: %+v", s)
			}

			// Where the bot cannot post (not in the channel), the
			// command's response_url carries the ephemeral reply.
			h.fake.InjectError("chat.postEphemeral", 1, "channel_not_found")
			h.deliver(h.fake.SlashCommand(sam.ID, "CELSEWHERE", "/peerbot", ""))
			h.until("a response_url post", func() bool { return len(h.fake.Calls("response_url")) == 1 })
			r := h.fake.Calls("response_url")[0]
			if r.JSON["response_type"] != "ephemeral" || !strings.Contains(r.JSON["text"].(string), "Here's what I can do") {
				t.Errorf("response_url post: %v", r.JSON)
			}

			// Crisis language in a command: the resources, urgently, in
			// the DM, not hidden in an ephemeral message.
			h.deliver(h.fake.SlashCommand(sam.ID, peerChannel, "/peerbot", "I want to end my life"))
			h.expect(dm, 6, "988")

			var texts []string
			for _, m := range h.spy.messages() {
				if !m.Direct {
					t.Errorf("a command or click reached the engine as a channel message: %+v", m)
				}
				if m.Ref != "" {
					texts = append(texts, m.Text)
					if !strings.HasPrefix(m.ID, "command:") {
						t.Errorf("command message id %q", m.ID)
					}
				}
			}
			want := []string{"checkin", "resources", "pause for 3 days", "help", "I want to end my life"}
			if strings.Join(texts, "|") != strings.Join(want, "|") {
				t.Errorf("engine got commands %q, want %q", texts, want)
			}
			h.noTextInLogs("end my life")
		})
	}
}

// TestChannelMessages: peer channel messages reach the engine as channel
// messages; crisis language there is answered in the DM; other channels,
// bots (peerbot included) and edits are ignored.
func TestChannelMessages(t *testing.T) {
	h := start(t, setup{})
	for _, env := range []fakeslack.Envelope{
		h.fake.MessageEvent(kim.ID, peerChannel, "good morning all"),
		h.fake.MessageEvent(kim.ID, "CRANDOM", "hello random"),
		h.fake.BotMessageEvent(peerChannel, "BOTHER", "automated notice"),
		h.fake.BotMessageEvent(h.fake.DM(kim.ID), "BBOT", "peerbot's own message"),
		h.fake.MessageEvent("UBOT", peerChannel, "peerbot as a user"),
		h.fake.EditEvent(kim.ID, peerChannel, "edited text"),
		h.fake.MessageEvent(kim.ID, peerChannel, "I want to kill myself"),
	} {
		h.deliver(env)
	}
	h.expect(h.fake.DM(kim.ID), 0, "988")
	h.say(kim, "hi") // after everything above, in kim's queue
	h.expect(h.fake.DM(kim.ID), 1, "Before we start")

	got := h.handled(3)
	if len(got) != 3 {
		t.Fatalf("engine got %d messages, want 3: %+v", len(got), got)
	}
	for i, want := range []struct {
		channel string
		direct  bool
		text    string
	}{{peerChannel, false, "good morning all"}, {peerChannel, false, "I want to kill myself"}, {h.fake.DM(kim.ID), true, "hi"}} {
		if m := got[i]; m.Channel != want.channel || m.Direct != want.direct || m.Text != want.text || m.UserName != "Kim Novak" {
			t.Errorf("message %d: %+v, want %+v", i, m, want)
		}
	}
	for _, ch := range []string{peerChannel, "CRANDOM"} {
		if n := len(h.fake.Messages(ch)); n != 0 {
			t.Errorf("%d messages posted in %s", n, ch)
		}
	}
	h.allAcked()
	h.noTextInLogs("kill myself", "good morning")
}

// TestTimezoneAndName: users.info's tz and name go with every message,
// asked once per user.
func TestTimezoneAndName(t *testing.T) {
	h := start(t, setup{})
	dm := h.fake.DM(alex.ID)
	h.say(alex, "hi")
	h.click(alex, h.expect(dm, 0, "Before we start")[0], "Yes")
	h.expect(dm, 1, "Thank you", "Hi Alex.")
	h.say(alex, "my data")
	m := h.expect(dm, 3, "Here is everything I keep about you")[0]
	if !strings.Contains(m.Text, "Timezone: Asia/Tokyo") {
		t.Errorf("my data: %q, want the Slack timezone", m.Text)
	}
	var asked int
	for _, c := range h.fake.Calls("users.info") {
		if c.Form.Get("user") == alex.ID {
			asked++
		}
	}
	if asked != 1 {
		t.Errorf("users.info asked %d times for one user, want 1", asked)
	}
}

// TestRetries: a 429 with Retry-After is waited out and the message still
// delivered; so are Slack's passing failures. A refusal for good is not
// retried.
func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		inject    func(*fakeslack.Server)
		calls     []int // HTTP statuses of the chat.postMessage calls
		errCode   string
		minGap    time.Duration
		limited   int
		delivered bool
	}{
		{"429 with Retry-After", func(f *fakeslack.Server) { f.InjectRateLimit("chat.postMessage", 1, 1) }, []int{429, 200}, "", 950 * time.Millisecond, 1, true},
		{"server error", func(f *fakeslack.Server) { f.InjectStatus("chat.postMessage", 1, 503) }, []int{503, 200}, "", 100 * time.Millisecond, 0, true}, // 250 ms ± 50 % jitter
		{"internal_error", func(f *fakeslack.Server) { f.InjectError("chat.postMessage", 1, "internal_error") }, []int{200, 200}, "internal_error", 100 * time.Millisecond, 0, true},
		{"refused for good", func(f *fakeslack.Server) { f.InjectError("chat.postMessage", 1, "is_archived") }, []int{200}, "is_archived", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, setup{})
			tt.inject(h.fake)
			err := h.a.Send(context.Background(), bot.Reply{User: "slack:T0FAKE:U1", Text: "Time for your check-in"})
			if (err == nil) != tt.delivered {
				t.Fatalf("Send: %v", err)
			}
			calls := h.fake.Calls("chat.postMessage")
			if len(calls) != len(tt.calls) {
				t.Fatalf("%d calls, want %d", len(calls), len(tt.calls))
			}
			for i, c := range calls {
				if c.Status != tt.calls[i] {
					t.Errorf("call %d: status %d, want %d", i, c.Status, tt.calls[i])
				}
				if i > 0 && c.Time.Sub(calls[i-1].Time) < tt.minGap {
					t.Errorf("retried after %v, want at least %v", c.Time.Sub(calls[i-1].Time), tt.minGap)
				}
			}
			if tt.errCode != "" && calls[0].Error != tt.errCode {
				t.Errorf("first call's error %q", calls[0].Error)
			}
			if h.fake.RateLimited() != tt.limited || int(h.a.retries.Load()) != tt.limited {
				t.Errorf("fake answered %d 429s, adapter waited out %d, want %d", h.fake.RateLimited(), h.a.retries.Load(), tt.limited)
			}
		})
	}
	t.Run("through the engine", func(t *testing.T) {
		t.Parallel()
		h := start(t, setup{})
		h.fake.InjectRateLimit("chat.postMessage", 1, 1)
		h.say(sam, "hi")
		h.expect(h.fake.DM(sam.ID), 0, "Before we start")
		if h.fake.RateLimited() != 1 {
			t.Errorf("%d 429s", h.fake.RateLimited())
		}
	})
}

// TestPacing: the limiter keeps to the per-channel and workspace rates the
// fake enforces, so that Slack never answers 429.
func TestPacing(t *testing.T) {
	tests := []struct {
		name    string
		fake    fakeslack.Options
		cfg     func(*Config)
		users   int // one goroutine per user
		each    int // messages per user, in a row
		minGap  time.Duration
		perChan bool // the gap is per channel, not across all
	}{
		{"one channel", fakeslack.Options{ChannelRate: 5}, func(c *Config) { c.ChannelRate = 5 }, 1, 5, 200 * time.Millisecond, true},
		{"workspace", fakeslack.Options{ChannelRate: -1, WorkspaceRate: 10}, func(c *Config) { c.WorkspaceRate = 10 }, 10, 1, 100 * time.Millisecond, false},
		{"both", fakeslack.Options{ChannelRate: 4, WorkspaceRate: 10}, func(c *Config) { c.ChannelRate, c.WorkspaceRate = 4, 10 }, 3, 3, 250 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := start(t, setup{fake: tt.fake, cfg: tt.cfg})
			var wg sync.WaitGroup
			for u := range tt.users {
				wg.Go(func() {
					for i := range tt.each {
						err := h.a.Send(context.Background(), bot.Reply{User: bot.UserID(fmt.Sprintf("slack:T0FAKE:UP%d", u)), Text: fmt.Sprint("message ", i)})
						if err != nil {
							t.Error(err)
						}
					}
				})
			}
			wg.Wait()
			if n := h.fake.RateLimited(); n != 0 {
				t.Errorf("%d 429s", n)
			}
			last := map[string]time.Time{}
			for _, c := range h.fake.Calls("chat.postMessage") {
				key := ""
				if tt.perChan {
					key = c.Form.Get("channel")
				}
				// Requests travel: allow them to come a little early.
				if prev, ok := last[key]; ok && c.Time.Sub(prev) < tt.minGap*8/10 {
					t.Errorf("posts %v apart in %q, want %v", c.Time.Sub(prev), key, tt.minGap)
				}
				last[key] = c.Time
			}
			if n := len(h.fake.Calls("chat.postMessage")); n != tt.users*tt.each {
				t.Errorf("%d posts, want %d", n, tt.users*tt.each)
			}
		})
	}
}

// TestUrgentFirst: the crisis reply overtakes everything waiting for the
// workspace limit.
func TestUrgentFirst(t *testing.T) {
	h := start(t, setup{fake: fakeslack.Options{ChannelRate: -1}, cfg: func(c *Config) { c.WorkspaceRate = 4 }})
	ctx := context.Background()
	var wg sync.WaitGroup
	for u := range 6 {
		wg.Go(func() {
			if err := h.a.Send(ctx, bot.Reply{User: bot.UserID(fmt.Sprintf("slack:T0FAKE:UQ%d", u)), Text: "Time for your check-in"}); err != nil {
				t.Error(err)
			}
		})
	}
	h.until("the first post", func() bool { return len(h.fake.Calls("chat.postMessage")) >= 1 })
	if err := h.a.Send(ctx, bot.Reply{User: "slack:T0FAKE:U1", Text: "crisis resources", Urgent: true}); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	calls := h.fake.Calls("chat.postMessage")
	for i, c := range calls {
		if c.Form.Get("text") == "crisis resources" && i > 2 {
			t.Errorf("the urgent reply went out %d-th of %d", i+1, len(calls))
		}
	}
}

// TestSendToDM: Send with no channel opens the DM once, remembers it (in
// the profile only for users who agreed to be stored), and marks DMs that
// Slack refuses.
func TestSendToDM(t *testing.T) {
	h := start(t, setup{})
	ctx := context.Background()
	consented := &bot.State{Profile: bot.Profile{Consent: bot.ConsentGiven}}
	if err := h.store.Save(ctx, bot.Save{User: "slack:T0FAKE:U2", State: consented}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []fakeslack.User{alex, kim, alex, kim} {
		if err := h.a.Send(ctx, bot.Reply{User: bot.NewUserID("slack", "T0FAKE", u.ID), Text: "Time for your check-in"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(h.fake.Calls("conversations.open")); n != 2 {
		t.Errorf("conversations.open called %d times for 2 users, want 2", n)
	}
	for _, u := range []fakeslack.User{alex, kim} {
		if n := len(h.fake.Messages(h.fake.DM(u.ID))); n != 2 {
			t.Errorf("%d messages in %s's DM, want 2", n, u.ID)
		}
	}
	h.until("alex's DM in the profile", func() bool { return h.summary(alex).DMChannel == h.fake.DM(alex.ID) })
	h.a.bg.Wait()
	if s := h.summary(kim); s.DMChannel != "" || s.Consent != bot.ConsentUnasked {
		t.Errorf("stored for a user who never agreed: %+v", s)
	}

	// A user Slack will not let the bot write to.
	closed := &bot.State{Profile: bot.Profile{Consent: bot.ConsentGiven}}
	if err := h.store.Save(ctx, bot.Save{User: "slack:T0FAKE:U9", State: closed}); err != nil {
		t.Fatal(err)
	}
	h.fake.InjectError("conversations.open", 1, "user_disabled")
	err := h.a.Send(ctx, bot.Reply{User: "slack:T0FAKE:U9", Text: "hello"})
	if bot.ErrorCode(err) != bot.EUNAVAILABLE {
		t.Errorf("Send to a disabled user: %v", err)
	}
	h.a.bg.Wait()
	s, _ := h.engine.Summary(ctx, "slack:T0FAKE:U9")
	if !s.DMClosed {
		t.Errorf("DMClosed not set: %+v", s)
	}
	if err := h.a.Send(ctx, bot.Reply{User: "console:local:sam", Text: "x"}); bot.ErrorCode(err) != bot.EINVALID {
		t.Errorf("Send to a non-Slack user: %v", err)
	}
	// Long text is split into several messages, in order.
	long := strings.Repeat("All work and no play makes a dull day. ", 200)
	if err := h.a.Send(ctx, bot.Reply{User: "slack:T0FAKE:U3", Text: long}); err != nil {
		t.Fatal(err)
	}
	msgs := h.fake.Messages(h.fake.DM(kim.ID))[2:]
	var joined []string
	for _, m := range msgs {
		if len([]rune(m.Text)) > maxMessageText {
			t.Errorf("a message of %d characters", len([]rune(m.Text)))
		}
		joined = append(joined, m.Text)
	}
	if len(msgs) < 2 || strings.Join(joined, " ") != strings.TrimSpace(long) {
		t.Errorf("long text split into %d messages that do not add up", len(msgs))
	}
}
