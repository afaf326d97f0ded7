package bot_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peerbot/peerbot/adapters/bolt"
	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/bot/storetest"
	"github.com/peerbot/peerbot/flows"
)

// Transcript files (testdata/transcripts/*.txt) are whole conversations.
// Each line is one of:
//
//	# comment
//	begin [FLOW]          the bot opens the conversation (as the terminal does)
//	> TEXT                the user types TEXT
//	click LABEL           the user clicks the newest button whose label is
//	                      LABEL or starts with it (case aside), sending its
//	                      value as a platform would
//	< TEXT                the next bot reply contains TEXT
//	<+ TEXT               the same reply also contains TEXT
//	<! TEXT               the same reply does not contain TEXT
//	buttons A | B | C     the same reply has exactly these button labels
//	clock +DURATION       time moves on (Go duration, e.g. 25h)
//	restart               the engine and store are closed and opened again
//	flags LEVEL:RULE ...  the user's flags are exactly these (rule prefix match)
//	history N             the user has N history records
//	streak N              "my data"-independent check of the stored streak
//	nostate               nothing is stored about the user
//	reach WHO             the engine is opened again with Options.FlagsReach
//	                      WHO (flags reach a person); "reach" alone: nobody
//	sweep                 the outbox sweeper runs once (safety-check timers)
//	name NAME             later messages carry the display name NAME (Sam
//	                      by default); "name" alone: no name at all
//
// Every reply must be matched: a user line while replies are unread fails.

// recorder is an adapter that keeps every reply.
type recorder struct {
	mu      sync.Mutex
	replies []bot.Reply
}

func (r *recorder) Name() string { return "test" }

func (r *recorder) Send(_ context.Context, rep bot.Reply) error {
	r.mu.Lock()
	r.replies = append(r.replies, rep)
	r.mu.Unlock()
	return nil
}

func (r *recorder) take() []bot.Reply {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.replies
	r.replies = nil
	return out
}

// harness runs one user's conversation against a real bolt store.
type harness struct {
	t      *testing.T
	dir    string
	clock  *storetest.Clock
	store  *bolt.Store
	engine *bot.Engine
	rec    *recorder
	user   bot.UserID
	seq    int
	// tune, when set, changes the engine's options on every open.
	tune func(*bot.Options)
	// name is the display name messages carry.
	name string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{
		t:     t,
		dir:   t.TempDir(),
		clock: storetest.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)),
		rec:   &recorder{},
		user:  bot.NewUserID("test", "local", "sam"),
		name:  "Sam",
	}
	h.open()
	t.Cleanup(func() { h.store.Close() })
	return h
}

func (h *harness) open() {
	h.t.Helper()
	store, err := bolt.Open(filepath.Join(h.dir, "peerbot.db"), bolt.WithClock(h.clock))
	if err != nil {
		h.t.Fatal(err)
	}
	o := bot.Options{Store: store, Flows: flows.Builtin(), Clock: h.clock, Community: "Test Community", SendTimeout: time.Second}
	if h.tune != nil {
		h.tune(&o)
	}
	e, err := bot.New(o)
	if err != nil {
		h.t.Fatal(err)
	}
	e.Register(h.rec)
	h.store, h.engine = store, e
}

func (h *harness) msg(text, value string) bot.Message {
	h.seq++
	return bot.Message{
		ID: "ev" + strconv.Itoa(h.seq), Platform: "test", User: h.user, UserName: h.name,
		Channel: "D1", Direct: true, Text: text, Value: value, Time: h.clock.Now(),
	}
}

func (h *harness) say(text string) []bot.Reply {
	h.t.Helper()
	if err := h.engine.Handle(context.Background(), h.msg(text, "")); err != nil {
		h.t.Fatalf("Handle(%q): %v", text, err)
	}
	return h.rec.take()
}

func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/transcripts/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts found: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			runTranscript(t, file)
		})
	}
}

func runTranscript(t *testing.T, file string) {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := newHarness(t)
	ctx := context.Background()
	var pending []bot.Reply
	var current *bot.Reply
	var buttons []bot.Option // of the newest reply that had any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	line := 0
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s:%d: %s", file, line, fmt.Sprintf(format, args...))
	}
	flush := func() {
		t.Helper()
		if len(pending) > 0 {
			fail("unexpected reply: %q", pending[0].Text)
		}
		current = nil
	}
	for sc.Scan() {
		line++
		text := sc.Text()
		cmd, arg, _ := strings.Cut(text, " ")
		switch {
		case strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#"):
		case cmd == ">":
			flush()
			if err := h.engine.Handle(ctx, h.msg(expandInput(arg), "")); err != nil {
				fail("Handle: %v", err)
			}
			pending = h.rec.take()
		case cmd == "click":
			flush()
			var button *bot.Option
			for i := range buttons {
				if l := strings.ToLower(buttons[i].Label); l == strings.ToLower(arg) || strings.HasPrefix(l, strings.ToLower(arg)) {
					button = &buttons[i]
					break
				}
			}
			if button == nil {
				fail("no button %q among %+v", arg, buttons)
			}
			// The text of a click is the button's label, as platforms send it.
			if err := h.engine.Handle(ctx, h.msg(button.Label, button.Value)); err != nil {
				fail("Handle click: %v", err)
			}
			pending = h.rec.take()
		case cmd == "begin":
			flush()
			if err := h.engine.Begin(ctx, h.msg("", ""), arg); err != nil {
				fail("Begin: %v", err)
			}
			pending = h.rec.take()
		case cmd == "<":
			if len(pending) == 0 {
				fail("expected a reply containing %q, got none", arg)
			}
			current = &pending[0]
			pending = pending[1:]
			if len(current.Options) > 0 {
				buttons = current.Options
			}
			if !strings.Contains(current.Text, arg) {
				fail("reply does not contain %q:\n%s", arg, current.Text)
			}
		case cmd == "<+" || cmd == "<!":
			if current == nil {
				fail("%s with no reply", cmd)
			}
			if has := strings.Contains(current.Text, arg); has != (cmd == "<+") {
				fail("reply %s %q:\n%s", map[bool]string{true: "contains", false: "lacks"}[has], arg, current.Text)
			}
		case cmd == "buttons":
			if current == nil {
				fail("buttons with no reply")
			}
			var got []string
			for _, o := range current.Options {
				got = append(got, o.Label)
			}
			if g := strings.Join(got, " | "); g != arg {
				fail("buttons are %q, want %q", g, arg)
			}
		case cmd == "clock":
			flush()
			d, err := time.ParseDuration(strings.TrimPrefix(arg, "+"))
			if err != nil {
				fail("bad duration: %v", err)
			}
			h.clock.Add(d)
		case cmd == "restart":
			flush()
			h.restart()
		case cmd == "flags":
			flush()
			got, err := h.store.Flags(ctx, h.user)
			if err != nil {
				fail("Flags: %v", err)
			}
			want := strings.Fields(arg)
			if len(got) != len(want) {
				fail("%d flags %v, want %d %v", len(got), flagNames(got), len(want), want)
			}
			for i, w := range want {
				level, rule, _ := strings.Cut(w, ":")
				if string(got[i].Level) != level || !strings.HasPrefix(strings.ReplaceAll(got[i].Rule, " ", ""), rule) {
					fail("flag %d is %s, want %s", i, flagNames(got)[i], w)
				}
			}
		case cmd == "history":
			flush()
			got, err := h.store.History(ctx, h.user, "", 0)
			if err != nil {
				fail("History: %v", err)
			}
			if n, _ := strconv.Atoi(arg); len(got) != n {
				fail("%d history records, want %s", len(got), arg)
			}
		case cmd == "streak":
			flush()
			st, err := h.store.Load(ctx, h.user, "")
			if err != nil {
				fail("Load: %v", err)
			}
			if n, _ := strconv.Atoi(arg); st.Streak.Days != n {
				fail("streak %d, want %s", st.Streak.Days, arg)
			}
		case cmd == "reach":
			flush()
			who := strings.TrimSpace(arg)
			h.tune = func(o *bot.Options) { o.FlagsReach = who }
			h.restart()
		case cmd == "sweep":
			flush()
			if _, err := h.engine.SweepOutbox(ctx); err != nil {
				fail("SweepOutbox: %v", err)
			}
			pending = h.rec.take()
		case cmd == "name":
			flush()
			h.name = strings.TrimSpace(arg)
		case cmd == "nostate":
			flush()
			st, err := h.store.Load(ctx, h.user, "")
			if err != nil {
				fail("Load: %v", err)
			}
			if st.Exists() {
				fail("state stored: %+v", st.Profile)
			}
		default:
			fail("unknown transcript line %q", text)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	flush()
}

// expandInput lets transcripts write long or odd input: {10k} is 10,000
// letters, \x01 style escapes are control characters.
func expandInput(s string) string {
	s = strings.ReplaceAll(s, "{10k}", strings.Repeat("a", 10000))
	if u, err := strconv.Unquote(`"` + strings.ReplaceAll(s, `"`, `\"`) + `"`); err == nil {
		return u
	}
	return s
}

func flagNames(fs []bot.Flag) []string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Level)+":"+f.Rule)
	}
	return out
}
