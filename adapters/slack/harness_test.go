package slack

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peerbot/peerbot/internal/testsync"

	"github.com/peerbot/peerbot/adapters/bolt"
	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/flows"
	"github.com/peerbot/peerbot/internal/fakeslack"
)

// waitFor is how long a test waits for something that should happen at once.
const waitFor = 15 * time.Second

// The people of the tests, as users.info knows them.
var (
	sam  = fakeslack.User{ID: "U1", Name: "sam", RealName: "Sam Rivera", DisplayName: "Sam", TZ: "America/New_York"}
	alex = fakeslack.User{ID: "U2", Name: "alex", RealName: "Alex Chen", FirstName: "Alex", TZ: "Asia/Tokyo"}
	kim  = fakeslack.User{ID: "U3", Name: "kim", RealName: "Kim Novak", TZ: "Europe/Berlin"}
)

const peerChannel = "CPEER"

// spy records what reaches the engine and passes it on; with gate set, each
// Handle waits for a value on it first.
type spy struct {
	*bot.Engine
	gate chan struct{}
	mu   sync.Mutex
	msgs []bot.Message
}

func (s *spy) Handle(ctx context.Context, m bot.Message) error {
	s.mu.Lock()
	s.msgs = append(s.msgs, m)
	s.mu.Unlock()
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return s.Engine.Handle(ctx, m)
}

func (s *spy) messages() []bot.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bot.Message(nil), s.msgs...)
}

type harness struct {
	t      *testing.T
	fake   *fakeslack.Server
	store  *bolt.Store
	engine *bot.Engine
	spy    *spy
	a      *Adapter
	logs   *testsync.Buffer
	url    string // HTTP mode: the adapter's base URL
	http   bool
}

type setup struct {
	http bool
	fake fakeslack.Options
	cfg  func(*Config)
	gate bool // the spy engine waits for h.spy.gate before each message
}

// start runs a real engine (built-in flows, bolt store in a temp dir) with
// the adapter against a fake Slack, in Socket Mode or HTTP mode.
func start(t *testing.T, s setup) *harness {
	t.Helper()
	if s.fake.ChannelRate == 0 {
		s.fake.ChannelRate = 50 // tests are quick; the pacing tests set their own
	}
	fake := fakeslack.New(t, s.fake)
	for _, u := range []fakeslack.User{sam, alex, kim} {
		fake.AddUser(u)
	}
	logs := &testsync.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store, err := bolt.Open(filepath.Join(t.TempDir(), "peerbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	engine, err := bot.New(bot.Options{Store: store, Flows: flows.Builtin(), Log: logger, Community: "Test Community"})
	if err != nil {
		t.Fatal(err)
	}
	sp := &spy{Engine: engine}
	if s.gate {
		sp.gate = make(chan struct{})
	}
	o := fake.Options()
	cfg := Config{
		BotToken: o.BotToken, APIURL: fake.APIURL(), PeerChannels: []string{peerChannel},
		WorkspaceRate: 500, ChannelRate: s.fake.ChannelRate,
	}
	if s.fake.ChannelRate < 0 {
		cfg.ChannelRate = 1000
	}
	if s.http {
		cfg.SigningSecret, cfg.HTTPAddr = o.SigningSecret, "127.0.0.1:0"
	} else {
		cfg.AppToken = o.AppToken
	}
	if s.cfg != nil {
		s.cfg(&cfg)
	}
	a, err := New(cfg, sp, logger)
	if err != nil {
		t.Fatal(err)
	}
	engine.Register(a)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	h := &harness{t: t, fake: fake, store: store, engine: engine, spy: sp, a: a, logs: logs, http: s.http}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(waitFor):
			t.Error("Run did not return after its context ended")
		}
		store.Close()
	})
	if s.http {
		if !fake.Wait(waitFor, func() bool { return a.addr.Load() != nil }) {
			t.Fatal("the HTTP server did not start")
		}
		h.url = "http://" + a.addr.Load().(string)
	} else if !fake.Wait(waitFor, fake.Connected) {
		t.Fatalf("Socket Mode did not connect; logs:\n%s", logs)
	}
	return h
}

// deliver sends an envelope the way the mode takes it.
func (h *harness) deliver(env fakeslack.Envelope, opts ...fakeslack.HTTPOption) {
	h.t.Helper()
	if !h.http {
		h.fake.Push(env)
		return
	}
	res, err := h.fake.DeliverHTTP(h.url, env, opts...)
	if err != nil || res.Status != 200 {
		h.t.Fatalf("HTTP delivery: %d %v", res.Status, err)
	}
}

// say is a user writing in their DM with the bot.
func (h *harness) say(u fakeslack.User, text string) fakeslack.Envelope {
	h.t.Helper()
	env := h.fake.MessageEvent(u.ID, h.fake.DM(u.ID), text)
	h.deliver(env)
	return env
}

// click is a user clicking a button (by label or value) of a message.
func (h *harness) click(u fakeslack.User, m fakeslack.Message, button string) fakeslack.Envelope {
	h.t.Helper()
	env, err := h.fake.Click(u.ID, m.Channel, m.TS, button)
	if err != nil {
		h.t.Fatal(err)
	}
	h.deliver(env)
	return env
}

// posts waits until channel holds n bot messages and returns them.
func (h *harness) posts(channel string, n int) []fakeslack.Message {
	h.t.Helper()
	if !h.fake.Wait(waitFor, func() bool { return len(h.fake.Messages(channel)) >= n }) {
		h.t.Fatalf("want %d messages in %s, have:\n%s", n, channel, dump(h.fake.Messages(channel)))
	}
	return h.fake.Messages(channel)
}

// expect waits for the next messages in channel (after the first `after`)
// and checks that each contains its fragment, in order.
func (h *harness) expect(channel string, after int, fragments ...string) []fakeslack.Message {
	h.t.Helper()
	msgs := h.posts(channel, after+len(fragments))[after:]
	for i, f := range fragments {
		if !strings.Contains(msgs[i].Content(), f) {
			h.t.Fatalf("message %d in %s = %q, want it to contain %q; all:\n%s", after+i, channel, msgs[i].Content(), f, dump(h.fake.Messages(channel)))
		}
	}
	return msgs
}

// until waits for cond; the fake's changes and a short tick wake it.
func (h *harness) until(what string, cond func() bool) {
	h.t.Helper()
	if !h.fake.Wait(waitFor, cond) {
		h.t.Fatalf("timed out waiting for %s", what)
	}
}

// acked waits until every delivered envelope was acked.
func (h *harness) allAcked() {
	h.t.Helper()
	if !h.fake.Wait(waitFor, func() bool { return len(h.fake.Unacked()) == 0 }) {
		h.t.Fatalf("envelopes never acked: %v", h.fake.Unacked())
	}
}

// handled waits until the engine has seen n messages from the spy.
func (h *harness) handled(n int) []bot.Message {
	h.t.Helper()
	h.until(fmt.Sprintf("%d messages at the engine", n), func() bool { return len(h.spy.messages()) >= n })
	return h.spy.messages()
}

func (h *harness) summary(u fakeslack.User) bot.Summary {
	h.t.Helper()
	s, err := h.engine.Summary(context.Background(), bot.NewUserID("slack", "T0FAKE", u.ID))
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// noTextInLogs fails if any of the texts appears in the logs.
func (h *harness) noTextInLogs(texts ...string) {
	h.t.Helper()
	logs := h.logs.String()
	for _, s := range texts {
		if strings.Contains(logs, s) {
			h.t.Errorf("the logs contain message text %q:\n%s", s, logs)
		}
	}
}

func dump(msgs []fakeslack.Message) string {
	var b strings.Builder
	for i, m := range msgs {
		fmt.Fprintf(&b, "  %d [%s] %q buttons=%v updates=%d\n", i, m.TS, m.Content(), m.Buttons(), m.Updates)
	}
	return b.String()
}

// labels returns the labels of buttons.
func labels(bs []fakeslack.Button) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Label)
	}
	return out
}
