package bot_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/peerbot/peerbot/adapters/bolt"
	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/flows"
)

// consent brings the harness user past the consent question.
func (h *harness) consent() {
	h.t.Helper()
	h.say("hi")
	if r := h.say("yes"); len(r) == 0 || !strings.Contains(r[0].Text, "Thank you") {
		h.t.Fatalf("consent not taken: %+v", r)
	}
}

func TestDuplicateEventHandledOnce(t *testing.T) {
	h := newHarness(t)
	h.consent()
	ctx := context.Background()
	h.say("checkin")
	m := h.msg("4", "")
	for i := range 3 {
		if err := h.engine.Handle(ctx, m); err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
	}
	replies := h.rec.take()
	if len(replies) != 1 || !strings.Contains(replies[0].Text, "sleep") {
		t.Fatalf("three deliveries of one event gave %d replies: %+v", len(replies), replies)
	}
	st, err := h.store.Load(ctx, h.user, "")
	if err != nil {
		t.Fatal(err)
	}
	if st.Session.Step != "sleep" {
		t.Fatalf("session at step %q, want sleep (the answer applied once)", st.Session.Step)
	}
}

// TestTwoEnginesOneStore runs two engines (two replicas) on one store and
// sends one user's answers through both at once: every answer must be
// recorded exactly once.
func TestTwoEnginesOneStore(t *testing.T) {
	set, err := flows.LoadDir("testdata/flows")
	if err != nil {
		t.Fatal(err)
	}
	store, err := bolt.Open(filepath.Join(t.TempDir(), "peerbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rec := &recorder{}
	var engines []*bot.Engine
	for range 2 {
		e, err := bot.New(bot.Options{Store: store, Flows: flows.Builtin().Merge(set)})
		if err != nil {
			t.Fatal(err)
		}
		e.Register(rec)
		engines = append(engines, e)
	}
	ctx := context.Background()
	user := bot.NewUserID("test", "local", "pat")
	msg := func(id, text string) bot.Message {
		return bot.Message{ID: id, Platform: "test", User: user, Channel: "D", Direct: true, Text: text}
	}
	for i, text := range []string{"hi", "yes", "start twenty"} {
		if err := engines[0].Handle(ctx, msg(fmt.Sprint("setup", i), text)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			// Each answer is delivered twice, once to each replica, as a
			// platform retry might.
			for _, e := range engines {
				if err := e.Handle(ctx, msg(fmt.Sprint("answer", i), fmt.Sprint("answer ", i))); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	records, err := store.History(ctx, user, "twenty", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1 || records[0].Outcome != bot.OutcomeDone {
		t.Fatalf("history %+v, want one completed run", records)
	}
	seen := map[string]bool{}
	for _, v := range records[0].Answers {
		seen[v.(string)] = true
	}
	for i := range 20 {
		if !seen[fmt.Sprint("answer ", i)] {
			t.Errorf("answer %d lost; answers: %v", i, records[0].Answers)
		}
	}
	if len(seen) != 20 {
		t.Errorf("%d distinct answers, want 20", len(seen))
	}
}

// flakyStore is the real store with a switch that makes it fail as an
// unreachable database would.
type flakyStore struct {
	bot.Store
	down atomic.Bool
}

var errDown = bot.Errorf(bot.EUNAVAILABLE, "The store is unreachable.")

func (s *flakyStore) Load(ctx context.Context, u bot.UserID, ev string) (*bot.State, error) {
	if s.down.Load() {
		return nil, errDown
	}
	return s.Store.Load(ctx, u, ev)
}

func (s *flakyStore) Save(ctx context.Context, sv bot.Save) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.Save(ctx, sv)
}

func TestStoreDown(t *testing.T) {
	h := newHarness(t)
	flaky := &flakyStore{Store: h.store}
	e, err := bot.New(bot.Options{Store: flaky, Flows: flows.Builtin(), Clock: h.clock})
	if err != nil {
		t.Fatal(err)
	}
	e.Register(h.rec)
	h.engine = e
	h.consent()
	h.say("checkin")
	h.say("4") // mood saved

	flaky.down.Store(true)
	ctx := context.Background()
	err = e.Handle(ctx, h.msg("7", ""))
	if bot.ErrorCode(err) != bot.EUNAVAILABLE {
		t.Errorf("Handle with the store down: %v, want an unavailable error", err)
	}
	r := h.rec.take()
	if len(r) != 1 || r[0].Text != "I couldn't save that — please send it again in a moment." {
		t.Fatalf("store down: replies %+v", r)
	}
	// Crisis language still gets the resources, without promising that a
	// mentor was told.
	_ = e.Handle(ctx, h.msg("I want to kill myself", ""))
	r = h.rec.take()
	if len(r) != 1 || !r[0].Urgent || !strings.Contains(r[0].Text, "988") || !strings.Contains(r[0].Text, "I can't alert a person myself") {
		t.Fatalf("crisis with the store down: %+v", r)
	}

	flaky.down.Store(false)
	r = h.say("7")
	if len(r) != 1 || !strings.Contains(r[0].Text, "cravings") {
		t.Fatalf("after the store came back: %+v", r)
	}
	st, err := h.store.Load(ctx, h.user, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(st.Session.Answers["mood"], " ", st.Session.Answers["sleep"]); got != "4 7" {
		t.Errorf("answers after the outage: %s, want 4 7", got)
	}
}

// failingAdapter fails every send.
type failingAdapter struct{}

func (failingAdapter) Name() string                          { return "test" }
func (failingAdapter) Send(context.Context, bot.Reply) error { return errors.New("platform down") }

func TestSendFailureIsReported(t *testing.T) {
	h := newHarness(t)
	h.engine.Register(failingAdapter{})
	err := h.engine.Handle(context.Background(), h.msg("hello", ""))
	if err == nil || !strings.Contains(err.Error(), "platform down") {
		t.Fatalf("Handle = %v, want the send error", err)
	}
}

func TestUnknownPlatform(t *testing.T) {
	h := newHarness(t)
	m := h.msg("hello", "")
	m.Platform = "nowhere"
	err := h.engine.Handle(context.Background(), m)
	if bot.ErrorCode(err) != bot.EUNAVAILABLE || !strings.Contains(err.Error(), `"nowhere"`) {
		t.Fatalf("Handle = %v, want an unavailable error naming the platform", err)
	}
}

func TestBeginUnknownFlow(t *testing.T) {
	h := newHarness(t)
	if err := h.engine.Begin(context.Background(), h.msg("", ""), "nope"); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Fatalf("Begin = %v, want not found", err)
	}
}

func TestRefAndPlatformTimezone(t *testing.T) {
	h := newHarness(t)
	m := h.msg("hi", "")
	m.Ref, m.Timezone = "response-url-1", "America/Chicago"
	if err := h.engine.Handle(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	r := h.rec.take()
	if len(r) != 1 || r[0].Ref != "response-url-1" || r[0].Channel != "D1" || r[0].User != h.user {
		t.Fatalf("replies %+v: want one, with the message's ref, channel and user", r)
	}
	h.say("yes")
	s, err := h.engine.Summary(context.Background(), h.user)
	if err != nil {
		t.Fatal(err)
	}
	if s.Timezone != "UTC" || s.DMChannel != "D1" || s.InFlow != "daily-checkin" || s.Consent != bot.ConsentGiven {
		t.Errorf("summary %+v: want UTC (no platform tz on that message), DM D1, in daily-checkin, consent given", s)
	}
	m = h.msg("timezone", "")
	m.Timezone = "America/Chicago"
	if err := h.engine.Handle(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if r := h.rec.take(); len(r) == 0 || !strings.Contains(r[0].Text, "America/Chicago") {
		t.Errorf("the platform's timezone is not used while the user has none: %+v", r)
	}
}

func TestUpdateProfileAndBeginUsesKnownDM(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	// Nothing is stored for a stranger when nothing changes.
	if err := h.engine.UpdateProfile(ctx, h.user, func(*bot.Profile) {}); err != nil {
		t.Fatal(err)
	}
	if st, _ := h.store.Load(ctx, h.user, ""); st.Exists() {
		t.Fatal("UpdateProfile with no change stored a state")
	}
	h.consent()
	if err := h.engine.UpdateProfile(ctx, h.user, func(p *bot.Profile) { p.DMChannel, p.DMClosed = "D9", true }); err != nil {
		t.Fatal(err)
	}
	s, err := h.engine.Summary(ctx, h.user)
	if err != nil || s.DMChannel != "D9" || !s.DMClosed {
		t.Fatalf("summary %+v, %v; want DM D9, closed", s, err)
	}
	// A bot-opened conversation with no channel goes to the known DM.
	m := h.msg("", "")
	m.Channel = ""
	if err := h.engine.Begin(ctx, m, ""); err != nil {
		t.Fatal(err)
	}
	if r := h.rec.take(); len(r) == 0 || r[0].Channel != "D9" {
		t.Fatalf("Begin replies %+v, want them in D9", r)
	}
	// Writing in the DM clears the closed note.
	h.say("help")
	if s, _ := h.engine.Summary(ctx, h.user); s.DMClosed || s.DMChannel != "D1" {
		t.Errorf("after a DM: %+v, want DM D1, not closed", s)
	}
}

func TestPeerChannelMessages(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	m := h.msg("anyone up for a walk later?", "")
	m.Direct, m.Channel = false, "C-peers"
	if err := h.engine.Handle(ctx, m); err != nil {
		t.Fatal(err)
	}
	if r := h.rec.take(); len(r) != 0 {
		t.Fatalf("the bot answered ordinary talk in a peer channel: %+v", r)
	}
	m = h.msg("honestly I want to die", "")
	m.Direct, m.Channel = false, "C-peers"
	if err := h.engine.Handle(ctx, m); err != nil {
		t.Fatal(err)
	}
	r := h.rec.take()
	if len(r) != 1 || r[0].Channel != "" || !r[0].Urgent || !strings.Contains(r[0].Text, "988") {
		t.Fatalf("crisis in a peer channel: replies %+v; want the resources once, privately (empty channel = the DM)", r)
	}
	flags, err := h.store.Flags(ctx, h.user)
	if err != nil || len(flags) != 1 || flags[0].Level != bot.LevelUrgent {
		t.Fatalf("flags %+v, %v; want one urgent flag", flags, err)
	}
}
