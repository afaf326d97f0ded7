package discord

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/peerbot/peerbot/internal/testsync"

	"github.com/peerbot/peerbot/adapters/bolt"
	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/flows"
	"github.com/peerbot/peerbot/internal/fakediscord"
)

// wait is how long a test waits for a condition before it fails: long
// enough for a loaded 2-core CI machine under -race, and only ever spent
// when something is wrong.
const wait = 15 * time.Second

var (
	sam   = fakediscord.User{ID: "300000000000000001", Username: "sam", GlobalName: "Sam"}
	alex  = fakediscord.User{ID: "300000000000000002", Username: "alex"}
	robin = fakediscord.User{ID: "300000000000000003", Username: "robin"}
	other = fakediscord.User{ID: "300000000000000099", Username: "helperbot", Bot: true}
)

// harness is a fake Discord, a real engine on a bolt store, and adapters
// on them.
type harness struct {
	t      testing.TB
	fake   *fakediscord.Server
	store  *bolt.Store
	engine *bot.Engine
	logs   *testsync.Buffer

	a      *Adapter
	cancel context.CancelFunc
	done   chan error
}

func newHarness(t testing.TB, opts fakediscord.Options) *harness {
	t.Helper()
	fake := fakediscord.New(opts)
	t.Cleanup(fake.Close)
	store, err := bolt.Open(filepath.Join(t.TempDir(), "peerbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	logs := &testsync.Buffer{}
	engine, err := bot.New(bot.Options{
		Store: store, Flows: flows.Builtin(),
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, fake: fake, store: store, engine: engine, logs: logs}
}

// config is an adapter config pointing at the fake.
func (h *harness) config() Config {
	return Config{Token: fakediscord.DefaultToken, APIURL: h.fake.URL, ShardCount: 1}
}

// adapter returns a new adapter registered with the engine, not running.
func (h *harness) adapter(cfg Config) *Adapter {
	h.t.Helper()
	a, err := New(cfg, h.engine, slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		h.t.Fatal(err)
	}
	h.engine.Register(a)
	return a
}

// start runs a new adapter and waits until its shards are connected; it is
// stopped at the end of the test (or by stop).
func (h *harness) start(cfg Config) *Adapter {
	h.t.Helper()
	a := h.adapter(cfg)
	puts := len(h.fake.CommandPuts())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	h.a, h.cancel, h.done = a, cancel, done
	h.t.Cleanup(h.stop)
	shards := max(cfg.ShardCount, 1)
	if cfg.ShardCount == 0 {
		shards = h.fake.Options().Shards
	}
	if !h.fake.Await(wait, func() bool {
		for i := range shards {
			if !h.fake.Connected(i) {
				return false
			}
		}
		return a.app() != ""
	}) {
		select {
		case err := <-done:
			h.t.Fatalf("Run returned before connecting: %v", err)
		default:
		}
		h.t.Fatalf("the adapter did not connect; logs:\n%s", h.logs.String())
	}
	// Commands are registered right after the shards connect.
	want := puts + max(len(cfg.GuildIDs), 1)
	h.await("the slash commands", func() bool { return len(h.fake.CommandPuts()) >= want })
	return a
}

// stop stops the running adapter and waits for Run to return.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
	case <-time.After(wait):
		h.t.Errorf("Run did not return after its context ended")
	}
	h.cancel = nil
}

// use makes the harness report to t (a subtest) until the returned
// function is called.
func (h *harness) use(t testing.TB) func() {
	old := h.t
	h.t = t
	return func() { h.t = old }
}

// turn is something a user says and how many bot messages answer it.
type turn struct {
	text    string
	replies int
}

// dm returns the DM channel of u.
func (h *harness) dm(u fakediscord.User) string { return h.fake.DMChannel(u.ID) }

// await fails the test unless cond holds within wait.
func (h *harness) await(what string, cond func() bool) {
	h.t.Helper()
	if !h.fake.Await(wait, cond) {
		h.t.Fatalf("timed out waiting for %s; logs:\n%s", what, h.logs.String())
	}
}

// awaitDM waits until u's DM holds n messages and returns them.
func (h *harness) awaitDM(u fakediscord.User, n int) []fakediscord.Message {
	h.t.Helper()
	ch := h.dm(u)
	h.await(u.Username+"'s DM to hold enough messages", func() bool { return len(h.fake.MessagesIn(ch)) >= n })
	return h.fake.MessagesIn(ch)
}

// say sends a DM from u and waits for n more bot messages in the DM; it
// returns those.
func (h *harness) say(u fakediscord.User, text string, n int) []fakediscord.Message {
	h.t.Helper()
	before := len(h.fake.MessagesIn(h.dm(u)))
	if _, err := h.fake.SendDM(u, text); err != nil {
		h.t.Fatal(err)
	}
	return h.awaitDM(u, before+n)[before:]
}

// click clicks the button labelled label on message m and waits for the
// update and for n more bot messages in u's DM; it returns the
// interaction id and those messages.
func (h *harness) click(u fakediscord.User, m fakediscord.Message, label string, n int) (string, []fakediscord.Message) {
	h.t.Helper()
	before := len(h.fake.MessagesIn(h.dm(u)))
	id := ""
	for _, b := range fakediscord.Buttons(m.Components) {
		if b.Label == label {
			id = b.CustomID
		}
	}
	if id == "" {
		h.t.Fatalf("no button %q on %q", label, m.Content)
	}
	iid, err := h.fake.Click(u, m.ID, id)
	if err != nil {
		h.t.Fatal(err)
	}
	h.await("the click's callback", func() bool { return len(h.fake.CallbacksFor(iid)) > 0 })
	return iid, h.awaitDM(u, before+n)[before:]
}

// summary returns the engine's summary of u.
func (h *harness) summary(u fakediscord.User) bot.Summary {
	h.t.Helper()
	s, err := h.engine.Summary(context.Background(), userID(u.ID))
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// labels returns the button labels of cs, row by row.
func labels(cs []fakediscord.Component) [][]string {
	var out [][]string
	for _, row := range cs {
		var r []string
		for _, c := range row.Components {
			r = append(r, c.Label)
		}
		out = append(out, r)
	}
	return out
}

// allDisabled reports whether every button and menu of cs is disabled.
func allDisabled(cs []fakediscord.Component) bool {
	all := append(fakediscord.Buttons(cs), fakediscord.Selects(cs)...)
	for _, c := range all {
		if !c.Disabled {
			return false
		}
	}
	return len(all) > 0
}

func contents(ms []fakediscord.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Content
	}
	return out
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
