package bot_test

import (
	"context"
	"errors"
	"hash/fnv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/flows"
)

// switchAdapter records replies, and fails every send while down is set.
type switchAdapter struct {
	*recorder
	down atomic.Bool
}

func (a *switchAdapter) Send(ctx context.Context, r bot.Reply) error {
	if a.down.Load() {
		return errors.New("platform down")
	}
	return a.recorder.Send(ctx, r)
}

// engineWith replaces the harness's engine with one on store and adapter.
func engineWith(t *testing.T, h *harness, store bot.Store, a bot.Adapter) *bot.Engine {
	t.Helper()
	e, err := bot.New(bot.Options{Store: store, Flows: flows.Builtin(), Clock: h.clock, SendTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e.Register(a)
	h.engine = e
	return e
}

func TestUndeliveredRepliesStayInTheOutbox(t *testing.T) {
	h := newHarness(t)
	a := &switchAdapter{recorder: h.rec}
	e := engineWith(t, h, h.store, a)
	ctx := context.Background()

	a.down.Store(true)
	if err := e.Handle(ctx, h.msg("hello", "")); err == nil {
		t.Fatal("Handle with the platform down returned no error")
	}
	if got := a.take(); len(got) != 0 {
		t.Fatalf("replies with the platform down: %+v", got)
	}
	// The sender that wrote the entry still holds its lease.
	if n, err := e.SweepOutbox(ctx); err != nil || n != 0 {
		t.Fatalf("sweep inside the lease claimed %d (%v), want 0", n, err)
	}

	a.down.Store(false)
	h.clock.Add(bot.DefaultOutboxLease + time.Second)
	if n, err := e.SweepOutbox(ctx); err != nil || n != 1 {
		t.Fatalf("sweep after the lease claimed %d (%v), want the consent question", n, err)
	}
	got := a.take()
	if len(got) != 1 || !strings.Contains(got[0].Text, "Is it okay to go ahead?") || len(got[0].Options) != 2 {
		t.Fatalf("swept reply = %+v, want the consent question with its buttons", got)
	}
	if got[0].User != h.user || got[0].Channel != "D1" {
		t.Errorf("swept reply addressed to %s in %q, want %s in D1", got[0].User, got[0].Channel, h.user)
	}
	// Delivered means gone.
	h.clock.Add(bot.DefaultOutboxLease + time.Second)
	if n, _ := e.SweepOutbox(ctx); n != 0 {
		t.Fatalf("a delivered reply was claimed again (%d)", n)
	}
}

func TestFailedDeliveryIsRetriedByItsSender(t *testing.T) {
	h := newHarness(t)
	a := &switchAdapter{recorder: h.rec}
	e := engineWith(t, h, h.store, a)
	ctx := context.Background()
	a.down.Store(true)
	_ = e.Handle(ctx, h.msg("hello", ""))
	a.down.Store(false)
	// Inside the lease nothing is claimed; the owner stays noted.
	if err := e.RetryFailed(ctx); err != nil || len(a.take()) != 0 {
		t.Fatalf("retry inside the lease: err %v or something sent", err)
	}
	h.clock.Add(bot.DefaultOutboxLease + time.Second)
	if err := e.RetryFailed(ctx); err != nil {
		t.Fatal(err)
	}
	if got := a.take(); len(got) != 1 || !strings.Contains(got[0].Text, "Is it okay to go ahead?") {
		t.Fatalf("retried delivery: %+v", got)
	}
	// Delivered: forgotten, and nothing left to send.
	h.clock.Add(bot.DefaultOutboxLease + time.Second)
	if err := e.RetryFailed(ctx); err != nil || len(a.take()) != 0 {
		t.Fatalf("second retry: err %v or something sent again", err)
	}
	if n, _ := e.SweepOutbox(ctx); n != 0 {
		t.Fatalf("outbox not empty after the retry: %d", n)
	}
}

func TestRepliesAfterARestartGoOut(t *testing.T) {
	h := newHarness(t)
	a := &switchAdapter{recorder: h.rec}
	engineWith(t, h, h.store, a)
	h.consent()
	a.take()
	a.down.Store(true)
	_ = h.engine.Handle(context.Background(), h.msg("checkin", ""))

	// A new process on the same file: the prompt it owed is sent.
	h.restart()
	a.down.Store(false)
	e := engineWith(t, h, h.store, a)
	h.clock.Add(bot.DefaultOutboxLease)
	if n, err := e.SweepOutbox(context.Background()); err != nil || n != 1 {
		t.Fatalf("sweep after restart claimed %d (%v), want 1", n, err)
	}
	if got := a.take(); len(got) != 1 || !strings.Contains(got[0].Text, "How are you feeling today?") {
		t.Fatalf("after restart: %+v, want the mood question", got)
	}
}

func TestAckComesAfterTheSaveAndBeforeTheSend(t *testing.T) {
	h := newHarness(t)
	h.consent()
	h.rec.take()
	var verdicts []bot.Verdict
	m := h.msg("checkin", "")
	m.Ack = func(v bot.Verdict) {
		verdicts = append(verdicts, v)
		st, err := h.store.Load(context.Background(), h.user, m.ID)
		if err != nil || !st.Seen || st.Session == nil {
			t.Errorf("at ack time the event is not saved: seen=%v session=%v err=%v", st != nil && st.Seen, st != nil && st.Session != nil, err)
		}
		if got := h.rec.take(); len(got) != 0 {
			t.Errorf("replies sent before the ack: %+v", got)
		}
	}
	if err := h.engine.Handle(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if len(verdicts) != 1 || verdicts[0] != bot.Accepted {
		t.Fatalf("verdicts = %v, want one Accepted", verdicts)
	}
	if got := h.rec.take(); len(got) != 1 {
		t.Fatalf("replies after the ack: %+v, want the question", got)
	}

	// A duplicate is accepted (it was saved before) and sends nothing.
	verdicts = nil
	if err := h.engine.Handle(context.Background(), m); err != nil || len(verdicts) != 1 || verdicts[0] != bot.Accepted {
		t.Fatalf("duplicate: verdicts %v, err %v", verdicts, err)
	}

	// The store down: NotSaved, after which the person was told.
	flaky := &flakyStore{Store: h.store}
	engineWith(t, h, flaky, h.rec)
	flaky.down.Store(true)
	verdicts = nil
	m = h.msg("4", "")
	m.Ack = func(v bot.Verdict) { verdicts = append(verdicts, v) }
	_ = h.engine.Handle(context.Background(), m)
	if len(verdicts) != 1 || verdicts[0] != bot.NotSaved {
		t.Fatalf("store down: verdicts %v, want one NotSaved", verdicts)
	}
}

// button returns the reply's button whose label starts with label.
func button(t *testing.T, r bot.Reply, label string) bot.Option {
	t.Helper()
	for _, o := range r.Options {
		if strings.HasPrefix(o.Label, label) {
			return o
		}
	}
	t.Fatalf("no button %q in %+v", label, r.Options)
	return bot.Option{}
}

func TestOldButtonsAreRefused(t *testing.T) {
	h := newHarness(t)
	h.consent()
	h.rec.take()
	r := h.say("checkin")
	mood := r[len(r)-1]
	great := button(t, mood, "5")
	if strings.Contains(great.Value, "5") && !strings.HasPrefix(great.Value, "pb1.") {
		t.Fatalf("button value %q is not bound to its question", great.Value)
	}
	h.say("3") // typed: the mood question is answered

	click := func(o bot.Option) (bot.Verdict, []bot.Reply) {
		t.Helper()
		var v bot.Verdict
		m := h.msg(o.Label, o.Value)
		m.Ack = func(x bot.Verdict) { v = x }
		if err := h.engine.Handle(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		return v, h.rec.take()
	}
	cases := []struct {
		name string
		opt  bot.Option
		e    func()
	}{
		{"old click", great, nil},
		{"old click after a restart", great, h.restart},
		{"forged value", bot.Option{Label: "5 — Great", Value: "pb1.zzzz.abc.4"}, nil},
		{"plain value", bot.Option{Label: "5 — Great", Value: "5"}, nil},
		{"garbage", bot.Option{Label: "x", Value: "pb1..."}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.e != nil {
				tc.e()
			}
			v, got := click(tc.opt)
			if v != bot.Refused {
				t.Errorf("verdict %v, want Refused", v)
			}
			if len(got) != 1 || !strings.Contains(got[0].Text, "earlier question") || !strings.Contains(got[0].Text, "hours did you sleep") {
				t.Fatalf("replies %+v, want the refusal and the current question", got)
			}
			st, err := h.store.Load(context.Background(), h.user, "")
			if err != nil {
				t.Fatal(err)
			}
			if st.Session.Step != "sleep" || st.Session.Answers["mood"] != float64(3) {
				t.Fatalf("session after a refused click: step %s answers %v", st.Session.Step, st.Session.Answers)
			}
		})
	}

	// Someone else sending sam's button value (a forged click) answers
	// nothing of theirs, and nothing of sam's.
	other := h.msg(great.Label, great.Value)
	other.User = bot.NewUserID("test", "local", "alex")
	var v bot.Verdict
	other.Ack = func(x bot.Verdict) { v = x }
	if err := h.engine.Handle(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	if got := h.rec.take(); v != bot.Refused || len(got) != 1 || !strings.Contains(got[0].Text, "earlier question") {
		t.Fatalf("another user's click with sam's value: verdict %v, replies %+v", v, got)
	}

	// A second engine on the same store (another replica) refuses it too.
	h2 := *h
	e2 := engineWith(t, &h2, h.store, h.rec)
	m := h.msg(great.Label, great.Value)
	if err := e2.Handle(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if got := h.rec.take(); len(got) != 1 || !strings.Contains(got[0].Text, "earlier question") {
		t.Fatalf("other replica: %+v", got)
	}
}

func TestCurrentButtonsWorkAfterARestart(t *testing.T) {
	h := newHarness(t)
	h.consent()
	h.rec.take()
	r := h.say("checkin")
	low := button(t, r[len(r)-1], "2")
	h.restart()
	if got := h.say2(low); len(got) != 1 || !strings.Contains(got[0].Text, "hours did you sleep") {
		t.Fatalf("click after restart: %+v", got)
	}
	st, _ := h.store.Load(context.Background(), h.user, "")
	if st.Session.Answers["mood"] != float64(2) {
		t.Fatalf("mood = %v, want 2", st.Session.Answers["mood"])
	}
}

// restart closes the store and opens it again with a new engine, as a new
// process would.
func (h *harness) restart() {
	h.t.Helper()
	h.store.Close()
	h.open()
}

// say2 clicks a button.
func (h *harness) say2(o bot.Option) []bot.Reply {
	h.t.Helper()
	if err := h.engine.Handle(context.Background(), h.msg(o.Label, o.Value)); err != nil {
		h.t.Fatalf("click %q: %v", o.Label, err)
	}
	return h.rec.take()
}

func TestClickDuringAnOutageCanBeRepeated(t *testing.T) {
	h := newHarness(t)
	flaky := &flakyStore{Store: h.store}
	engineWith(t, h, flaky, h.rec)
	h.consent()
	h.rec.take()
	r := h.say("checkin")
	ok := button(t, r[len(r)-1], "3")
	flaky.down.Store(true)
	_ = h.engine.Handle(context.Background(), h.msg(ok.Label, ok.Value))
	if got := h.rec.take(); len(got) != 1 || !strings.Contains(got[0].Text, "couldn't save") {
		t.Fatalf("click during the outage: %+v", got)
	}
	flaky.down.Store(false)
	if got := h.say2(ok); len(got) != 1 || !strings.Contains(got[0].Text, "hours did you sleep") {
		t.Fatalf("the same click once the store is back: %+v", got)
	}
}

func TestCrisisFlagKeptThroughAStoreOutage(t *testing.T) {
	h := newHarness(t)
	flaky := &flakyStore{Store: h.store}
	e := engineWith(t, h, flaky, h.rec)
	h.consent()
	h.rec.take()
	flaky.down.Store(true)
	_ = e.Handle(context.Background(), h.msg("I want to kill myself", ""))
	if got := h.rec.take(); len(got) != 1 || !got[0].Urgent {
		t.Fatalf("crisis reply with the store down: %+v", got)
	}
	if e.KeptFlags() != 1 {
		t.Fatalf("kept flags = %d, want 1", e.KeptFlags())
	}
	// Still down: a sweep keeps it.
	_, _ = e.SweepOutbox(context.Background())
	flaky.down.Store(false)
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = e.RunOutbox(runCtx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for e.KeptFlags() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	fl, err := h.store.Flags(context.Background(), h.user)
	if err != nil {
		t.Fatal(err)
	}
	if len(fl) != 1 || fl[0].Level != bot.LevelUrgent || !strings.HasPrefix(fl[0].Rule, "crisis:") {
		t.Fatalf("flags after the store came back: %+v", fl)
	}
}

func TestFlagLostAtShutdownIsCounted(t *testing.T) {
	h := newHarness(t)
	flaky := &flakyStore{Store: h.store}
	e := engineWith(t, h, flaky, h.rec)
	flaky.down.Store(true)
	_ = e.Handle(context.Background(), h.msg("I want to end my life", ""))
	if err := e.Close(context.Background()); bot.ErrorCode(err) != bot.EUNAVAILABLE {
		t.Fatalf("Close with a kept flag and the store down = %v, want unavailable", err)
	}
	if e.LostFlags() != 1 || e.KeptFlags() != 0 {
		t.Fatalf("lost %d kept %d, want 1 and 0", e.LostFlags(), e.KeptFlags())
	}
}

// blockingAdapter holds every send for one user until released.
type blockingAdapter struct {
	recorder
	slow    bot.UserID
	release chan struct{}
	started chan struct{}
	once    sync.Once
}

func (a *blockingAdapter) Send(ctx context.Context, r bot.Reply) error {
	if r.User == a.slow {
		a.once.Do(func() { close(a.started) })
		select {
		case <-a.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return a.recorder.Send(ctx, r)
}

// stripe is the engine's lock stripe of a user (see Engine.lockFor).
func stripe(u bot.UserID) uint32 {
	h := fnv.New32a()
	h.Write([]byte(u))
	return h.Sum32() % 256
}

func TestASlowSendHoldsUpNoOtherUser(t *testing.T) {
	h := newHarness(t)
	slow := h.user
	// Another user on the same lock stripe: the worst case.
	var other bot.UserID
	for i := 0; ; i++ {
		other = bot.NewUserID("test", "local", "u"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26%26)))
		if other != slow && stripe(other) == stripe(slow) {
			break
		}
	}
	a := &blockingAdapter{slow: slow, release: make(chan struct{}), started: make(chan struct{})}
	e, err := bot.New(bot.Options{Store: h.store, Flows: flows.Builtin(), Clock: h.clock})
	if err != nil {
		t.Fatal(err)
	}
	e.Register(a)
	go func() { _ = e.Handle(context.Background(), h.msg("hello", "")) }()
	<-a.started
	m := h.msg("hello", "")
	m.User = other
	done := make(chan error, 1)
	go func() { done <- e.Handle(context.Background(), m) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a user on the same lock stripe waited for another user's slow send")
	}
	// And the slow user's own profile can change while their send waits.
	if err := e.UpdateProfile(context.Background(), slow, func(p *bot.Profile) { p.DMClosed = true }); err != nil {
		t.Fatal(err)
	}
	close(a.release)
}
