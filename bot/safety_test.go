package bot_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/bot/storetest"
	"github.com/peerbot/peerbot/flows"
)

// Messages the detector reads as possible risk (tier 2) about the writer,
// from the evaluation set's dev half.
const (
	riskText  = "thinking about taking the long sleep"
	riskText2 = "you won't have to deal with me much longer"
)

// flagRules returns the rules of the user's flags, oldest first.
func (h *harness) flagRules() []string {
	h.t.Helper()
	fs, err := h.store.Flags(context.Background(), h.user)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Level)+":"+f.Rule)
	}
	return out
}

// state loads the user's state.
func (h *harness) state() *bot.State {
	h.t.Helper()
	st, err := h.store.Load(context.Background(), h.user, "")
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

func TestSafetyCheckButtons(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, h *harness)
	}{
		{"no on an old check still counts", func(t *testing.T, h *harness) {
			r := h.say(riskText)
			no := button(t, r[0], "No")
			h.say("yes")
			r = h.say2(no)
			if len(r) == 0 || !r[0].Urgent || !strings.Contains(r[0].Text, "988") {
				t.Fatalf("old No: %+v, want the crisis reply", r)
			}
			if got := h.flagRules(); len(got) != 2 || got[1] != "urgent:safety-check:no" {
				t.Fatalf("flags %v, want the concern of the yes, then urgent safety-check:no", got)
			}
		}},
		{"yes on an old check is refused and the open one stays", func(t *testing.T, h *harness) {
			r := h.say(riskText)
			yes := button(t, r[0], "Yes")
			h.say("yes")
			h.say(riskText2)
			open := h.state().Safety
			r = h.say2(yes)
			if len(r) != 1 || !strings.Contains(r[0].Text, "earlier question") || !strings.Contains(r[0].Text, "are you safe right now?") {
				t.Fatalf("old Yes: %+v, want it refused and the open check asked", r)
			}
			if st := h.state(); st.Safety == nil || st.Safety.ID != open.ID {
				t.Fatalf("after an old Yes the check is %+v, want %+v still open", st.Safety, open)
			}
			r = h.say2(button(t, r[0], "Yes"))
			if len(r) == 0 || !strings.Contains(r[0].Text, "glad you're safe") || h.state().Safety != nil {
				t.Fatalf("the open check's Yes: %+v", r)
			}
		}},
		{"a forged value is refused", func(t *testing.T, h *harness) {
			h.say(riskText)
			r := h.say2(bot.Option{Label: "Yes", Value: "pb1.s.zzz.0"})
			if len(r) != 1 || !strings.Contains(r[0].Text, "earlier question") || h.state().Safety == nil {
				t.Fatalf("forged Yes: %+v", r)
			}
		}},
		{"buttons name the check", func(t *testing.T, h *harness) {
			r := h.say(riskText)
			if len(r) != 1 || len(r[0].Options) != 2 {
				t.Fatalf("safety check %+v", r)
			}
			for _, o := range r[0].Options {
				if !strings.HasPrefix(o.Value, "pb1.s.") || len(o.Value) > 80 {
					t.Errorf("button value %q, want a pb1.s. value that fits a custom_id", o.Value)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.consent()
			h.rec.take()
			tt.run(t, h)
		})
	}
}

func TestPeerChannelDanger(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		answer  string // in the reply, "" for no reply
		buttons int
		flags   int
		state   bool // something is stored
	}{
		{"possible risk gets the safety check privately", riskText, "Are you safe right now?", 2, 0, true},
		{"a worried peer gets how to help privately", "my friend said she wants to die, what do i do", "Thank you for looking out for them", 0, 0, false},
		{"a relapse is left to the peers", "I relapsed yesterday", "", 0, 0, false},
		{"ordinary talk is left to the peers", "anyone up for a walk?", "", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			m := h.msg(tt.text, "")
			m.Direct, m.Channel = false, "C-peers"
			if err := h.engine.Handle(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			r := h.rec.take()
			switch {
			case tt.answer == "" && len(r) != 0:
				t.Fatalf("replies %+v, want none", r)
			case tt.answer != "" && (len(r) != 1 || r[0].Channel != "" || !strings.Contains(r[0].Text, tt.answer) || len(r[0].Options) != tt.buttons):
				t.Fatalf("replies %+v, want one in the DM (empty channel) with %q and %d buttons", r, tt.answer, tt.buttons)
			}
			if got := h.flagRules(); len(got) != tt.flags {
				t.Errorf("flags %v, want %d", got, tt.flags)
			}
			if st := h.state(); st.Exists() != tt.state {
				t.Errorf("state stored = %v, want %v", st.Exists(), tt.state)
			}
		})
	}
}

func TestDisclosureAnswers(t *testing.T) {
	tests := []struct {
		name  string
		setup func(h *harness)
		text  string
		want  []string // a part of each reply, in order
		flags []string
	}{
		{"before consent: warm, then the consent question, no flag", func(*harness) {}, "I relapsed yesterday",
			[]string{"that takes courage", "Before we start"}, nil},
		{"with no flow running", func(h *harness) {
			h.consent()
			h.say("not today")
		}, "I feel like using tonight",
			[]string{"Cravings are part of recovery"}, []string{"concern:disclosure:craving"}},
		{"while a crisis holds the check-in", func(h *harness) {
			h.consent()
			h.say("checkin")
			h.say("I want to end my life")
		}, "I relapsed yesterday",
			[]string{"that takes courage"}, []string{"urgent:crisis:suicidal-intent", "concern:disclosure:relapse"}},
		{"while a safety check is open: warm, then the check again", func(h *harness) {
			h.consent()
			h.say(riskText)
		}, "I relapsed yesterday",
			[]string{"that takes courage", "are you safe right now?"}, []string{"concern:disclosure:relapse"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			tt.setup(h)
			h.rec.take()
			r := h.say(tt.text)
			if len(r) != len(tt.want) {
				t.Fatalf("replies %+v, want %d", r, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(r[i].Text, w) || strings.Contains(r[i].Text, "Please answer") {
					t.Errorf("reply %d = %q, want %q", i, r[i].Text, w)
				}
			}
			if got := h.flagRules(); strings.Join(got, " ") != strings.Join(tt.flags, " ") {
				t.Errorf("flags %v, want %v", got, tt.flags)
			}
		})
	}
}

// TestSafetyTimerHoldsNothingBack: the check's timer waits in the outbox
// until it is due, and a later reply that could not be delivered is swept
// long before that.
func TestSafetyTimerHoldsNothingBack(t *testing.T) {
	h := newHarness(t)
	a := &switchAdapter{recorder: h.rec}
	e := engineWith(t, h, h.store, a)
	h.consent()
	h.say(riskText)
	a.down.Store(true)
	_ = e.Handle(context.Background(), h.msg("help", ""))
	a.down.Store(false)
	h.clock.Add(bot.DefaultOutboxLease + time.Second)
	if n, err := e.SweepOutbox(context.Background()); err != nil || n != 1 {
		t.Fatalf("sweep claimed %d (%v), want the help reply only", n, err)
	}
	if r := a.take(); len(r) != 1 || !strings.Contains(r[0].Text, "Here's what I can do") {
		t.Fatalf("swept %+v, want the help reply", r)
	}
	if got := h.flagRules(); len(got) != 0 {
		t.Fatalf("flags %v before the check is due", got)
	}
}

func TestSafetyTimerFiresOnceAcrossReplicas(t *testing.T) {
	h := newHarness(t)
	h.consent()
	h.say(riskText)
	var engines []*bot.Engine
	for range 3 {
		e, err := bot.New(bot.Options{Store: h.store, Flows: flows.Builtin(), Clock: h.clock})
		if err != nil {
			t.Fatal(err)
		}
		e.Register(h.rec)
		engines = append(engines, e)
	}
	h.clock.Add(bot.DefaultSafetyCheckAfter)
	var claimed atomic.Int64
	var wg sync.WaitGroup
	for _, e := range engines {
		wg.Go(func() {
			n, err := e.SweepOutbox(context.Background())
			if err != nil {
				t.Error(err)
			}
			claimed.Add(int64(n))
		})
	}
	wg.Wait()
	if claimed.Load() != 1 {
		t.Errorf("the timer was claimed %d times, want once", claimed.Load())
	}
	if got := h.flagRules(); len(got) != 1 || !strings.HasPrefix(got[0], "urgent:safety-check:silence:") {
		t.Fatalf("flags %v, want one urgent silence flag", got)
	}
	if r := h.rec.take(); len(r) != 0 {
		t.Errorf("the timer sent %+v; it raises a flag only", r)
	}
}

func TestSafetyCheckAfterOption(t *testing.T) {
	h := newHarness(t)
	h.tune = func(o *bot.Options) { o.SafetyCheckAfter = time.Hour; o.FlagsReach = "the mentors' team" }
	h.restart()
	h.consent()
	r := h.say(riskText)
	if len(r) != 1 || !strings.Contains(r[0].Text, "within 1 hour, I'll let the mentors' team know.") {
		t.Fatalf("safety check %+v", r)
	}
	h.clock.Add(59 * time.Minute)
	_, _ = h.engine.SweepOutbox(context.Background())
	if got := h.flagRules(); len(got) != 0 {
		t.Fatalf("flags %v before the hour", got)
	}
	h.clock.Add(time.Minute)
	_, _ = h.engine.SweepOutbox(context.Background())
	if got := h.flagRules(); len(got) != 1 {
		t.Fatalf("flags %v after the hour, want the silence flag", got)
	}
}

func TestDeleteWithAnOpenSafetyCheck(t *testing.T) {
	h := newHarness(t)
	h.consent()
	h.say("checkin")
	h.say(riskText)
	if r := h.say("delete my data"); len(r) != 1 || !strings.Contains(r[0].Text, "deleted everything") {
		t.Fatalf("delete: %+v", r)
	}
	h.clock.Add(time.Hour)
	if n, err := h.engine.SweepOutbox(context.Background()); err != nil || n != 0 {
		t.Fatalf("sweep after delete claimed %d (%v), want nothing: the timer went with the data", n, err)
	}
	if st := h.state(); st.Exists() {
		t.Fatalf("state after delete: %+v", st)
	}
	if got := h.flagRules(); len(got) != 0 {
		t.Fatalf("flags after delete: %v", got)
	}
}

func TestDangerWithTheStoreDown(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		want   string
		urgent bool
		kept   string // rule prefix of the kept flag, "" for none
	}{
		{"crisis", "I want to end my life", "I'm a bot and I can't alert a person myself", true, "crisis:"},
		{"possible risk: the resources, and urgent since nobody could ask", riskText, "988", true, "safety-check:unasked:"},
		{"a worried peer", "my friend said she wants to die, what do i do", "Don't leave them alone with the means", true, ""},
		{"anything else", "I relapsed yesterday", "couldn't save that", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			flaky := &flakyStore{Store: h.store}
			e := engineWith(t, h, flaky, h.rec)
			h.consent()
			h.rec.take()
			flaky.down.Store(true)
			_ = e.Handle(context.Background(), h.msg(tt.text, ""))
			r := h.rec.take()
			if len(r) != 1 || r[0].Urgent != tt.urgent || !strings.Contains(r[0].Text, tt.want) {
				t.Fatalf("replies %+v, want one with %q (urgent %v)", r, tt.want, tt.urgent)
			}
			if want := map[bool]int{true: 1}[tt.kept != ""]; e.KeptFlags() != want {
				t.Fatalf("kept %d flags, want %d", e.KeptFlags(), want)
			}
			flaky.down.Store(false)
			// Close saves the kept flag now that the store answers.
			if err := e.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			got := h.flagRules()
			if tt.kept == "" {
				if len(got) != 0 {
					t.Fatalf("flags %v, want none", got)
				}
				return
			}
			if len(got) != 1 || !strings.HasPrefix(got[0], "urgent:"+tt.kept) {
				t.Fatalf("flags %v, want urgent %s", got, tt.kept)
			}
		})
	}
}

// dupStore saves, then answers EDUPLICATE, as Redis does when go-redis
// resends a save script whose reply was lost: the save happened, and the
// engine hears that the event was handled already.
type dupStore struct {
	bot.Store
	dup atomic.Bool
}

func (s *dupStore) Save(ctx context.Context, sv bot.Save) error {
	if err := s.Store.Save(ctx, sv); err != nil || !s.dup.Load() || sv.EventID == "" {
		return err
	}
	return bot.Errorf(bot.EDUPLICATE, "The event was handled already.")
}

func TestUrgentRepliesGoOutOnADuplicateSave(t *testing.T) {
	tests := []struct {
		name    string
		consent bool
		text    string
		want    string // in the first reply; "" for no reply
	}{
		{"crisis from a new user", false, "I want to end my life", "988"},
		{"crisis mid check-in", true, "I want to kill myself", "988"},
		{"the safety check", true, riskText, "Are you safe right now?"},
		{"an ordinary answer stays quiet", true, "help", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			ds := &dupStore{Store: h.store}
			e := engineWith(t, h, ds, h.rec)
			if tt.consent {
				h.consent()
				h.say("checkin")
			}
			h.rec.take()
			ds.dup.Store(true)
			if err := e.Handle(context.Background(), h.msg(tt.text, "")); err != nil {
				t.Fatal(err)
			}
			r := h.rec.take()
			if tt.want == "" {
				if len(r) != 0 {
					t.Fatalf("replies %+v, want none (the first save's replies wait in the outbox)", r)
				}
				return
			}
			if len(r) == 0 || !r[0].Urgent || !strings.Contains(r[0].Text, tt.want) {
				t.Fatalf("replies %+v, want the urgent reply at once", r)
			}
			// The entries the resent save wrote are the ones sent: none
			// is left to go out twice.
			ds.dup.Store(false)
			h.clock.Add(bot.DefaultOutboxLease + time.Second)
			if n, err := e.SweepOutbox(context.Background()); err != nil || n != 0 {
				t.Errorf("sweep claimed %d (%v), want 0", n, err)
			}
		})
	}
}

func TestRefusedConsentFlagsKeepTheRuleNotTheText(t *testing.T) {
	tests := []struct {
		name     string
		refused  bool
		text     string
		answer   string // the "No" to the safety check, if any
		rule     string
		wantText bool
	}{
		{"refused: crisis", true, "I want to end my life", "", "crisis:suicidal-intent", false},
		{"refused: safety check answered no", true, riskText, "no", "safety-check:no", false},
		{"consent given: crisis keeps the words", false, "I want to end my life", "", "crisis:suicidal-intent", true},
		{"consent given: safety check keeps the words", false, riskText, "no", "safety-check:no", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.say("hi")
			if tt.refused {
				h.say("no")
			} else {
				h.say("yes")
			}
			h.say(tt.text)
			if tt.answer != "" {
				h.say(tt.answer)
			}
			fs, err := h.store.Flags(context.Background(), h.user)
			if err != nil || len(fs) != 1 {
				t.Fatalf("flags %+v, %v; want one", fs, err)
			}
			if fs[0].Rule != tt.rule || fs[0].Level != bot.LevelUrgent {
				t.Errorf("flag %s:%s, want urgent:%s", fs[0].Level, fs[0].Rule, tt.rule)
			}
			if got := fs[0].Answer == tt.text; got != tt.wantText || !tt.wantText && fs[0].Answer != "" {
				t.Errorf("flag answer %q, want the words kept = %v", fs[0].Answer, tt.wantText)
			}
			if st := h.state(); st.Safety != nil {
				t.Errorf("safety check still open: %+v", st.Safety)
			}
		})
	}
	t.Run("refused: a flag kept through a store outage", func(t *testing.T) {
		h := newHarness(t)
		flaky := &flakyStore{Store: h.store}
		e := engineWith(t, h, flaky, h.rec)
		h.say("hi")
		h.say("no")
		flaky.down.Store(true)
		_ = e.Handle(context.Background(), h.msg("I want to end my life", ""))
		flaky.down.Store(false)
		if err := e.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		fs, err := h.store.Flags(context.Background(), h.user)
		if err != nil || len(fs) != 1 || fs[0].Answer != "" || fs[0].Rule != "crisis:suicidal-intent" {
			t.Fatalf("flags %+v, %v; want one with the rule and no words", fs, err)
		}
	})
}

// TestSafetyTimerClaimedEarlyIsKept: a store whose clock runs ahead of the
// engine's may hand the timer over before the engine thinks it is due; it
// is then kept, and fires on a later claim.
func TestSafetyTimerClaimedEarlyIsKept(t *testing.T) {
	h := newHarness(t)
	engineClock := storetest.NewClock(h.clock.Now())
	e, err := bot.New(bot.Options{Store: h.store, Flows: flows.Builtin(), Clock: engineClock})
	if err != nil {
		t.Fatal(err)
	}
	e.Register(h.rec)
	h.engine = e
	h.consent()
	h.say(riskText)
	h.clock.Add(bot.DefaultSafetyCheckAfter)                   // the store's clock
	engineClock.Add(bot.DefaultSafetyCheckAfter - time.Minute) // the engine's, a minute behind
	if n, err := e.SweepOutbox(context.Background()); err != nil || n != 1 {
		t.Fatalf("sweep claimed %d (%v), want the timer", n, err)
	}
	if got := h.flagRules(); len(got) != 0 {
		t.Fatalf("flags %v before the check is due by the engine's clock", got)
	}
	h.clock.Add(bot.DefaultOutboxLease)
	engineClock.Add(bot.DefaultOutboxLease + time.Minute)
	if n, err := e.SweepOutbox(context.Background()); err != nil || n != 1 {
		t.Fatalf("second sweep claimed %d (%v), want the kept timer", n, err)
	}
	if got := h.flagRules(); len(got) != 1 || !strings.HasPrefix(got[0], "urgent:safety-check:silence:") {
		t.Fatalf("flags %v, want the silence flag", got)
	}
}

// TestBeginWaitsForAnOpenSafetyCheck: a conversation the bot opens (the
// scheduler's check-in) asks the open check again instead of a flow.
func TestBeginWaitsForAnOpenSafetyCheck(t *testing.T) {
	h := newHarness(t)
	h.consent()
	h.say("not today")
	h.say(riskText)
	if err := h.engine.Begin(context.Background(), h.msg("", ""), bot.DefaultFlow); err != nil {
		t.Fatal(err)
	}
	r := h.rec.take()
	if len(r) != 1 || !strings.Contains(r[0].Text, "are you safe right now?") || len(r[0].Options) != 2 {
		t.Fatalf("Begin with an open check: %+v", r)
	}
	if st := h.state(); st.Session != nil || st.Safety == nil {
		t.Fatalf("session %+v, check %+v; want no flow started and the check open", st.Session, st.Safety)
	}
	r = h.say("yes")
	if len(r) != 1 || !strings.Contains(r[0].Text, "glad you're safe") {
		t.Fatalf("yes: %+v", r)
	}
}
