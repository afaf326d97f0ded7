package discord

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/internal/fakediscord"
)

// A reply without a channel opens the user's DM once: the channel is kept
// in memory and in the store, so neither a second send nor a restarted
// adapter asks Discord again.
func TestDMChannelCached(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakediscord.Options{})
	ctx := context.Background()
	send := func(a *Adapter) {
		t.Helper()
		if err := a.Send(ctx, bot.Reply{User: userID(robin.ID), Text: "Time for your check-in."}); err != nil {
			t.Fatal(err)
		}
	}
	first := h.adapter(h.config())
	send(first)
	send(first)
	if n := h.fake.UserChannelCreates(); n != 1 {
		t.Errorf("UserChannelCreate calls = %d after two sends, want 1", n)
	}
	if !first.queue.WaitFor(wait) {
		t.Fatal("the DM channel was not saved")
	}
	if s := h.summary(robin); s.DMChannel != h.dm(robin) {
		t.Errorf("stored DM channel = %q, want %q", s.DMChannel, h.dm(robin))
	}
	restarted := h.adapter(h.config())
	send(restarted)
	if n := h.fake.UserChannelCreates(); n != 1 {
		t.Errorf("UserChannelCreate calls = %d after a restart, want still 1", n)
	}
	if n := len(h.fake.MessagesIn(h.dm(robin))); n != 3 {
		t.Errorf("%d messages in the DM, want 3", n)
	}
}

// Options become at most 5 buttons a row (rows as even as can be), and a
// select menu past 10 options; custom ids carry index and value.
func TestComponents(t *testing.T) {
	t.Parallel()
	opts := func(n int) []bot.Option {
		var out []bot.Option
		for i := range n {
			out = append(out, bot.Option{Label: fmt.Sprint("Option ", i+1), Value: strconv.Itoa(i + 1)})
		}
		return out
	}
	tests := []struct {
		name  string
		n     int
		rows  []int // buttons per row; nil for menus
		menus []int // options per menu
	}{
		{name: "yes/no", n: 2, rows: []int{2}},
		{name: "five", n: 5, rows: []int{5}},
		{name: "six (WHO-5 0-5)", n: 6, rows: []int{3, 3}},
		{name: "seven", n: 7, rows: []int{4, 3}},
		{name: "ten", n: 10, rows: []int{5, 5}},
		{name: "eleven (a 0-10 scale)", n: 11, menus: []int{11}},
		{name: "thirty", n: 30, menus: []int{25, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := components(opts(tc.n))
			var rows, menus []int
			next := 0 // the index of the next option
			for _, c := range cs {
				row, ok := c.(discordgo.ActionsRow)
				if !ok {
					t.Fatalf("top-level component %T, want an action row", c)
				}
				for _, ic := range row.Components {
					switch x := ic.(type) {
					case discordgo.Button:
						if want := fmt.Sprintf("pb:%d:%d", next, next+1); x.CustomID != want || x.Label != fmt.Sprint("Option ", next+1) {
							t.Errorf("button %q %q, want custom id %q", x.Label, x.CustomID, want)
						}
						next++
					case discordgo.SelectMenu:
						if x.MenuType != discordgo.StringSelectMenu || x.MaxValues != 1 || len(row.Components) != 1 {
							t.Errorf("menu = %+v", x)
						}
						for _, o := range x.Options {
							if want := fmt.Sprintf("%d:%d", next, next+1); o.Value != want {
								t.Errorf("option %q value %q, want %q", o.Label, o.Value, want)
							}
							next++
						}
						menus = append(menus, len(x.Options))
					}
				}
				if _, isMenu := row.Components[0].(discordgo.SelectMenu); !isMenu {
					rows = append(rows, len(row.Components))
				}
			}
			if next != tc.n {
				t.Errorf("%d options rendered, want %d", next, tc.n)
			}
			if !slices.Equal(rows, tc.rows) || !slices.Equal(menus, tc.menus) {
				t.Errorf("rows %v menus %v, want rows %v menus %v", rows, menus, tc.rows, tc.menus)
			}
		})
	}

	t.Run("a long value is left out of the custom id", func(t *testing.T) {
		long := strings.Repeat("x", 120)
		if id := encodeChoice(idPrefix, 3, long); id != "pb:3:" {
			t.Errorf("custom id = %q", id)
		}
		if i, v, ok := decodeChoice("3:" + "yes"); i != 3 || v != "yes" || !ok {
			t.Errorf("decode = %d %q %v", i, v, ok)
		}
	})

	// End to end: a select menu past 10 options, through the fake (which
	// checks Discord's limits), and a pick from it.
	t.Run("select menu picked", func(t *testing.T) {
		h := newHarness(t, fakediscord.Options{})
		h.start(h.config())
		var options []bot.Option
		for i := 0; i <= 11; i++ {
			options = append(options, bot.Option{Label: fmt.Sprintf("%d — level %d", i, i), Value: strconv.Itoa(i)})
		}
		if err := h.a.Send(context.Background(), bot.Reply{User: userID(sam.ID), Text: "How sure are you?", Options: options}); err != nil {
			t.Fatal(err)
		}
		m := h.awaitDM(sam, 1)[0]
		menus := fakediscord.Selects(m.Components)
		if len(m.Components) != 1 || len(menus) != 1 || len(menus[0].Options) != 12 {
			t.Fatalf("components = %+v, want one select menu of 12", m.Components)
		}
		pick := menus[0].Options[7]
		iid, err := h.fake.Select(sam, m.ID, menus[0].CustomID, pick.Value)
		if err != nil {
			t.Fatal(err)
		}
		h.await("the callback", func() bool { return len(h.fake.CallbacksFor(iid)) > 0 })
		cb := h.fake.CallbacksFor(iid)[0]
		// The options were not the engine's (their values are not bound
		// to a question of sam's), so the engine refuses the pick and the
		// prompt says so.
		if cb.Type != 7 || cb.Content != "How sure are you?"+replacedNote || !allDisabled(cb.Components) {
			t.Errorf("callback = %+v", cb)
		}
		if sel := fakediscord.Selects(cb.Components)[0]; !sel.Options[7].Default {
			t.Errorf("the chosen option is not marked: %+v", sel.Options)
		}
		h.awaitDM(sam, 2) // the engine's answer: the refusal and the consent question
	})
}

// Long texts are cut at paragraph, line or word boundaries into pieces of
// at most 2000 characters.
func TestSplitText(t *testing.T) {
	t.Parallel()
	para := strings.Repeat("word ", 300) // 1500 characters
	tests := []struct {
		name   string
		text   string
		pieces int
	}{
		{name: "short", text: "hello", pieces: 1},
		{name: "exactly 2000", text: strings.Repeat("é", 2000), pieces: 1},
		{name: "two paragraphs", text: para + "\n\n" + para, pieces: 2},
		{name: "one long word", text: strings.Repeat("x", 4500), pieces: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := splitText(tc.text, maxContent)
			if len(got) != tc.pieces {
				t.Fatalf("%d pieces, want %d", len(got), tc.pieces)
			}
			for _, p := range got {
				if n := len([]rune(p)); n > maxContent || n == 0 {
					t.Errorf("a piece of %d characters", n)
				}
			}
			noSpace := func(s string) string { return strings.Join(strings.Fields(s), "") }
			if noSpace(strings.Join(got, "")) != noSpace(tc.text) {
				t.Error("text lost or changed")
			}
		})
	}
}

// With ShardCount 0 the adapter runs every shard /gateway/bot recommends,
// one session each, and handles the events of all of them.
func TestShards(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakediscord.Options{Shards: 2})
	cfg := h.config()
	cfg.ShardCount = 0
	cfg.PeerChannels = []string{general}
	h.start(cfg)

	var shards []string
	for _, id := range h.fake.Identifies() {
		if id.Shard == nil {
			t.Fatalf("IDENTIFY without a shard")
		}
		shards = append(shards, fmt.Sprint(*id.Shard))
		const want = int(discordgo.IntentsGuilds | discordgo.IntentsDirectMessages | discordgo.IntentsGuildMessages | discordgo.IntentsMessageContent)
		if id.Intents != want || id.Token != "Bot "+fakediscord.DefaultToken {
			t.Errorf("IDENTIFY intents %d token %q, want %d and the bot token", id.Intents, id.Token, want)
		}
	}
	slices.Sort(shards)
	if !slices.Equal(shards, []string{"[0 2]", "[1 2]"}) {
		t.Errorf("identified shards %v, want [0 2] and [1 2]", shards)
	}
	// A guild whose events go to shard 1: (id >> 22) % 2 == 1.
	guild := strconv.FormatUint(3<<22, 10)
	if h.fake.ShardFor(guild) != 1 {
		t.Fatal("test guild is not on shard 1")
	}
	if _, err := h.fake.SendGuildMessage(sam, guild, general, "I want to kill myself"); err != nil {
		t.Fatal(err)
	}
	msgs := h.awaitDM(sam, 1)
	if !strings.Contains(msgs[0].Content, "988") {
		t.Errorf("DM = %q, want the crisis resources", firstLine(msgs[0].Content))
	}
}

// Messages in peer channels reach the engine as not direct (crisis
// language is answered in the DM, never in the channel); other channels,
// bots and the bot itself are ignored.
func TestPeerChannels(t *testing.T) {
	t.Parallel()
	const elsewhere = "600000000000000002"
	h := newHarness(t, fakediscord.Options{})
	cfg := h.config()
	cfg.PeerChannels = []string{general}
	h.start(cfg)
	self := fakediscord.User{ID: fakediscord.DefaultBotID, Username: fakediscord.DefaultBotName, Bot: true}
	selfNotFlagged := self
	selfNotFlagged.Bot = false

	tests := []struct {
		name    string
		user    fakediscord.User
		channel string
		text    string
		answer  bool // a crisis reply in the user's DM
	}{
		{name: "crisis language in a peer channel", user: sam, channel: general, text: "I want to kill myself", answer: true},
		{name: "an ordinary message in a peer channel", user: sam, channel: general, text: "good morning all"},
		{name: "crisis language in another channel", user: sam, channel: elsewhere, text: "I want to kill myself"},
		{name: "another bot", user: other, channel: general, text: "I want to kill myself"},
		{name: "the bot itself", user: selfNotFlagged, channel: general, text: "I want to kill myself"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer h.use(t)()
			before := len(h.fake.Messages())
			if _, err := h.fake.SendGuildMessage(tc.user, guild1, tc.channel, tc.text); err != nil {
				t.Fatal(err)
			}
			// A DM from sam after it, handled after it: its answer is the
			// last message.
			want := 1
			if tc.answer {
				want = 2
			}
			if _, err := h.fake.SendDM(sam, "resources"); err != nil {
				t.Fatal(err)
			}
			h.await("the answer to the DM", func() bool {
				ms := h.fake.Messages()
				return len(ms) >= before+want && strings.HasPrefix(ms[len(ms)-1].Content, "If you need to talk")
			})
			got := h.fake.Messages()[before:]
			if tc.answer {
				if got[0].ChannelID != h.dm(sam) || !strings.Contains(got[0].Content, "988") {
					t.Errorf("answer in %s: %q; want the crisis resources in the DM", got[0].ChannelID, firstLine(got[0].Content))
				}
			}
			if len(got) != want {
				t.Errorf("%d messages, want %d: %q\n%s", len(got), want, contents(got), h.logs.String())
			}
			for _, m := range got {
				if m.ChannelID != h.dm(sam) {
					t.Errorf("a message in channel %s, want only the DM", m.ChannelID)
				}
			}
		})
	}
}

// Without peer channels the privileged intent is not asked for; with them
// and the intent not enabled, Run fails at once and says what to do.
func TestIntents(t *testing.T) {
	t.Parallel()
	t.Run("no peer channels", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, fakediscord.Options{})
		h.start(h.config())
		want := int(discordgo.IntentsGuilds | discordgo.IntentsDirectMessages | discordgo.IntentsGuildMessages)
		if ids := h.fake.Identifies(); len(ids) != 1 || ids[0].Intents != want || ids[0].Shard != nil {
			t.Errorf("identifies = %+v, want intents %d and no shard", ids, want)
		}
	})
	t.Run("message content not enabled", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, fakediscord.Options{DisallowMessageContent: true})
		cfg := h.config()
		cfg.PeerChannels = []string{general}
		a := h.adapter(cfg)
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		err := a.Run(ctx)
		if err == nil || !strings.Contains(err.Error(), "Message Content intent") || !strings.Contains(err.Error(), "developer portal") {
			t.Errorf("Run = %v, want the privileged intent explained", err)
		}
	})
	t.Run("a wrong token", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, fakediscord.Options{})
		cfg := h.config()
		cfg.Token = "Bot not-the-token"
		a := h.adapter(cfg)
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := a.Run(ctx); err == nil || !strings.Contains(err.Error(), "PEERBOT_DISCORD_TOKEN") {
			t.Errorf("Run = %v, want the token refused", err)
		}
	})
}

// A 429 is waited out and retried by discordgo: nothing is dropped.
func TestRateLimited(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		opts                fakediscord.Options
		fault               *fakediscord.Fault
		sends               int
		want429, wantGlobal int
	}{
		{name: "route 429", fault: &fakediscord.Fault{Method: "POST", PathPrefix: "/channels/", RetryAfter: 200 * time.Millisecond}, sends: 1, want429: 1},
		{name: "global 429", fault: &fakediscord.Fault{PathPrefix: "/channels/", RetryAfter: 200 * time.Millisecond, Global: true, Times: 2}, sends: 2, want429: 2, wantGlobal: 2},
		{name: "route bucket headers", opts: fakediscord.Options{RouteLimit: 2, RouteWindow: 300 * time.Millisecond}, sends: 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tc.opts)
			a := h.adapter(h.config())
			ch := h.dm(sam)
			if tc.fault != nil {
				h.fake.Inject(*tc.fault)
			}
			for i := range tc.sends {
				if err := a.Send(context.Background(), bot.Reply{User: userID(sam.ID), Channel: ch, Text: fmt.Sprint("message ", i)}); err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
			}
			got := contents(h.fake.MessagesIn(ch))
			if len(got) != tc.sends {
				t.Errorf("%d messages delivered, want %d: %q", len(got), tc.sends, got)
			}
			total, global := h.fake.RateLimited()
			if total != tc.want429 || global != tc.wantGlobal {
				t.Errorf("429s = %d (global %d), want %d (%d)", total, global, tc.want429, tc.wantGlobal)
			}
			if n := a.rateLimits.Load(); n != int64(tc.want429) {
				t.Errorf("the adapter waited out %d 429s, want %d", n, tc.want429)
			}
		})
	}
}

// New refuses bad settings with errors that say what to fix.
func TestNewValidates(t *testing.T) {
	t.Parallel()
	engine := &nopEngine{}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{name: "no token", cfg: Config{}, want: "PEERBOT_DISCORD_TOKEN"},
		{name: "only the prefix", cfg: Config{Token: "Bot "}, want: "PEERBOT_DISCORD_TOKEN"},
		{name: "bad api url", cfg: Config{Token: "t", APIURL: "ftp://x"}, want: "api_url"},
		{name: "shard out of range", cfg: Config{Token: "t", ShardCount: 2, ShardID: 2}, want: "shard 2 of 2"},
		{name: "shard id without count", cfg: Config{Token: "t", ShardID: 1}, want: "needs shard_count"},
		{name: "negative shard count", cfg: Config{Token: "t", ShardCount: -1}, want: "negative"},
		{name: "rate above the global limit", cfg: Config{Token: "t", Rate: 60}, want: "at most 50"},
		{name: "guild id", cfg: Config{Token: "t", GuildIDs: []string{"my-guild"}}, want: "guild id"},
		{name: "fallback channel", cfg: Config{Token: "t", FallbackChannel: "#general"}, want: "fallback_channel"},
		{name: "peer channel", cfg: Config{Token: "t", PeerChannels: []string{"general"}}, want: "peer channel"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg, engine, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New = %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
	if _, err := New(Config{Token: "t"}, nil, nil); err == nil {
		t.Error("New without an engine succeeded")
	}
	a, err := New(Config{Token: "abc"}, engine, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil || a.token != "Bot abc" || a.cfg.Rate != DefaultRate || a.Name() != "discord" {
		t.Errorf("New = %+v, %v; want the prefix added and the default rate", a, err)
	}
	if a2, _ := New(Config{Token: "Bot abc"}, engine, nil); a2.token != "Bot abc" {
		t.Errorf("token = %q, want the prefix kept once", a2.token)
	}
}

type nopEngine struct{}

func (nopEngine) Handle(context.Context, bot.Message) error { return nil }
func (nopEngine) Summary(context.Context, bot.UserID) (bot.Summary, error) {
	return bot.Summary{}, nil
}
func (nopEngine) UpdateProfile(context.Context, bot.UserID, func(*bot.Profile)) error { return nil }

// APIURL sends REST to another base, with its path in front, as a proxy
// needs; other hosts are left alone.
func TestAPIURLRewrite(t *testing.T) {
	t.Parallel()
	var (
		mu  sync.Mutex
		got []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Host+" "+r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"url":"ws://gateway.example/"}`)
	}))
	defer srv.Close()
	a, err := New(Config{Token: "t", APIURL: srv.URL + "/discord-proxy/"}, nopEngine{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := a.rest.(*discordgo.Session)
	if _, err := s.Gateway(); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	mu.Lock()
	defer mu.Unlock()
	if want := []string{host + " /discord-proxy/api/v9/gateway"}; !slices.Equal(got, want) {
		t.Errorf("requests = %v, want %v", got, want)
	}
	other := &rewriteTransport{base: nil, next: roundTrip(func(r *http.Request) (*http.Response, error) {
		return nil, errors.New(r.URL.Host)
	})}
	req, _ := http.NewRequest("GET", "https://cdn.discordapp.com/x.png", nil)
	if _, err := other.RoundTrip(req); err == nil || err.Error() != "cdn.discordapp.com" {
		t.Errorf("a CDN request went to %v", err)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The pacer lets a reply to someone pass a backlog of bulk sends, and a
// crisis reply go at once.
func TestPacerPriority(t *testing.T) {
	t.Parallel()
	// A slow pace (a turn every 100 ms) so that the order is decided by
	// the pacer, not by how the goroutines happen to be scheduled.
	p := newPacer(10)
	ctx := context.Background()
	var (
		mu    sync.Mutex
		order []string
		wg    sync.WaitGroup
	)
	done := func(name string) {
		mu.Lock()
		defer mu.Unlock()
		order = append(order, name)
	}
	const backlog = 8
	first := make(chan struct{})
	var once sync.Once
	for range backlog {
		wg.Go(func() {
			if err := p.wait(ctx, bulk); err != nil {
				t.Error(err)
			}
			done("bulk")
			once.Do(func() { close(first) })
		})
	}
	<-first // the first bulk send took the free turn; the rest queue
	for deadline := time.Now().Add(10 * time.Second); p.Waiting() < backlog-1; {
		if time.Now().After(deadline) {
			t.Fatalf("only %d bulk sends queued, want %d", p.Waiting(), backlog-1)
		}
		runtime.Gosched()
	}
	if err := p.wait(ctx, urgent); err != nil {
		t.Fatal(err)
	}
	done("urgent")
	if err := p.wait(ctx, interactive); err != nil {
		t.Fatal(err)
	}
	done("interactive")
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	// Urgent goes at once; the interactive send waits for the bulk send
	// already holding a turn at most, never for the backlog behind it.
	u, i := slices.Index(order, "urgent"), slices.Index(order, "interactive")
	if u > 2 || len(order)-1-i < backlog-4 {
		t.Errorf("order = %v, want urgent and interactive ahead of the bulk backlog", order)
	}
}
