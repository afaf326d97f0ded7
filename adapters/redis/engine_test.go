package redis_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	redisstore "github.com/peerbot/peerbot/adapters/redis"
	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/flows"
	"github.com/peerbot/peerbot/internal/redistest"
)

// recorder is an adapter that keeps every reply, per user.
type recorder struct {
	mu      sync.Mutex
	replies map[bot.UserID][]bot.Reply
}

func (r *recorder) Name() string { return "test" }

func (r *recorder) Send(_ context.Context, rep bot.Reply) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.replies == nil {
		r.replies = map[bot.UserID][]bot.Reply{}
	}
	r.replies[rep.User] = append(r.replies[rep.User], rep)
	return nil
}

func (r *recorder) take(u bot.UserID) []bot.Reply {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.replies[u]
	delete(r.replies, u)
	return out
}

// engineOn returns an engine on a Redis store of its own client, as one
// replica would have.
func engineOn(t testing.TB, srv *redistest.Server, rec *recorder) (*bot.Engine, *redisstore.Store) {
	t.Helper()
	client, err := redisstore.NewClient(redisstore.Config{URL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	store := redisstore.New(client, redisstore.Config{URL: srv.URL()})
	t.Cleanup(func() { store.Close() })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	e, err := bot.New(bot.Options{Store: store, Flows: flows.Builtin(), Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if rec != nil {
		e.Register(rec)
	}
	return e, store
}

type conversation struct {
	t    testing.TB
	e    *bot.Engine
	rec  *recorder
	user bot.UserID
	seq  int
}

func (c *conversation) say(text string) (string, error) {
	c.seq++
	err := c.e.Handle(context.Background(), bot.Message{
		ID: fmt.Sprint(c.user, "-", c.seq), Platform: "test", User: c.user, Channel: "D", Direct: true, Text: text,
	})
	var b strings.Builder
	for _, r := range c.rec.take(c.user) {
		b.WriteString(r.Text + "\n")
	}
	return b.String(), err
}

func (c *conversation) expect(text, want string) {
	c.t.Helper()
	got, err := c.say(text)
	if err != nil {
		c.t.Fatalf("%q: %v", text, err)
	}
	if !strings.Contains(got, want) {
		c.t.Fatalf("%q: reply %q does not contain %q", text, got, want)
	}
}

// TestRedisKilledMidConversation: the mentee hears that their answer was
// not saved, nothing saved before is lost, and once Redis is back the next
// message works without restarting peerbot.
func TestRedisKilledMidConversation(t *testing.T) {
	// Persistence on, as in production: a killed Redis keeps what it had.
	srv := redistest.Start(t, redistest.WithAppendOnly())
	rec := &recorder{}
	e, store := engineOn(t, srv, rec)
	c := &conversation{t: t, e: e, rec: rec, user: "test:T1:U1"}
	c.expect("hi", "Before we start")
	c.expect("yes", "How are you feeling today?")
	c.expect("4", "how many hours")

	srv.Kill()
	got, err := c.say("7")
	if bot.ErrorCode(err) != bot.EUNAVAILABLE {
		t.Errorf("Handle with Redis down = %v, want unavailable", err)
	}
	if got != "I couldn't save that — please send it again in a moment.\n" {
		t.Fatalf("reply with Redis down: %q", got)
	}
	got, _ = c.say("I want to end my life")
	if !strings.Contains(got, "988") {
		t.Fatalf("crisis with Redis down got no resources: %q", got)
	}

	if e.KeptFlags() != 1 {
		t.Fatalf("flags kept through the outage: %d, want the crisis flag", e.KeptFlags())
	}

	srv.Restart(t)
	c.seq += 10 // new event ids: the failed ones were never marked anyway
	c.expect("7", "Any cravings today?")
	// The crisis flag raised while Redis was down is in Redis now.
	fl, err := store.Flags(context.Background(), c.user)
	if err != nil {
		t.Fatal(err)
	}
	if e.KeptFlags() != 0 || len(fl) != 1 || fl[0].Level != bot.LevelUrgent || !strings.HasPrefix(fl[0].Rule, "crisis:") {
		t.Fatalf("after Redis returned: kept %d, stored flags %+v; want the urgent crisis flag stored", e.KeptFlags(), fl)
	}
	c.expect("no", "went well")
	c.expect("a walk", "note down")
	c.expect("skip", "Thanks for checking in")
	c.expect("my data", "Mood: Good")
}

// TestRedisRestartWithPersistence: with appendonly on, every session saved
// before a restart of Redis is there after it.
func TestRedisRestartWithPersistence(t *testing.T) {
	srv := redistest.Start(t, redistest.WithAppendOnly())
	rec := &recorder{}
	e, _ := engineOn(t, srv, rec)
	var convs []*conversation
	for i := range 5 {
		c := &conversation{t: t, e: e, rec: rec, user: bot.UserID(fmt.Sprint("test:T1:P", i))}
		c.expect("hi", "Before we start")
		c.expect("yes", "How are you feeling today?")
		c.expect("3", "how many hours")
		convs = append(convs, c)
	}
	srv.Kill()
	srv.Restart(t)
	for _, c := range convs {
		c.expect("8", "Any cravings today?")
		c.expect("my data", "Mood: Ok-ish")
	}
}

// TestTwoEnginesTwoHundredUsers: two replicas on one Redis, 200 users each
// answering on both at once (every message delivered to both, as a retry
// might be): every answer is recorded exactly once.
func TestTwoEnginesTwoHundredUsers(t *testing.T) {
	srv := redistest.Start(t)
	rec := &recorder{}
	e1, store := engineOn(t, srv, rec)
	e2, _ := engineOn(t, srv, rec)
	ctx := context.Background()
	script := []string{"hi", "yes", "4", "7", "yes", "3", "talked to my sponsor", "a walk", "nothing else"}
	const users = 200
	var wg sync.WaitGroup
	for u := range users {
		wg.Go(func() {
			user := bot.UserID(fmt.Sprint("test:T1:U", u))
			for i, text := range script {
				m := bot.Message{ID: fmt.Sprint(user, "-", i), Platform: "test", User: user, Channel: "D", Direct: true, Text: text}
				var inner sync.WaitGroup
				for _, e := range []*bot.Engine{e1, e2} {
					inner.Go(func() {
						if err := e.Handle(ctx, m); err != nil {
							t.Errorf("%s %q: %v", user, text, err)
						}
					})
				}
				inner.Wait()
			}
		})
	}
	wg.Wait()
	for u := range users {
		user := bot.UserID(fmt.Sprint("test:T1:U", u))
		records, err := store.History(ctx, user, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(records) != 1 {
			t.Fatalf("%s: %d history records, want 1", user, len(records))
		}
		got := fmt.Sprint(records[0].Answers)
		want := "map[coping:talked to my sponsor craving_strength:3 cravings:true mood:4 note:nothing else sleep:7 went_well:a walk]"
		if got != want {
			t.Fatalf("%s: answers %s, want %s", user, got, want)
		}
		// Each answer produced one reply set: the replies to the user are
		// the consent, thanks + first question, then one per answer.
		if n := len(rec.take(user)); n != len(script)+1 {
			t.Errorf("%s: %d replies, want %d (each message answered once)", user, n, len(script)+1)
		}
	}
}
