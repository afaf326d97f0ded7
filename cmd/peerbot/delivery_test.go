package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/peerbot/peerbot/internal/fakeslack"
	"github.com/peerbot/peerbot/internal/redistest"
)

// deliveryRig is peerbot run on a real redis-server against a fake Slack
// that delivers unacknowledged envelopes again, as Slack does.
type deliveryRig struct {
	t     *testing.T
	slack *fakeslack.Server
	redis *goredis.Client
	env   *env
	cfg   string
	dm    string
	key   string // the test user's session key
}

func newDeliveryRig(t *testing.T) *deliveryRig {
	t.Helper()
	srv := redistest.Start(t)
	slack := fakeslack.New(t, fakeslack.Options{RedeliverUnacked: true, ChannelRate: 50})
	o := slack.Options()
	cfg := writeConfig(t, fmt.Sprintf("http:\n  addr: 127.0.0.1:0\nslack:\n  api_url: %s\n  channel_rate: 50\nshutdown_timeout: 15s\n", slack.APIURL()))
	return &deliveryRig{
		t: t, slack: slack, redis: srv.Client(t), cfg: cfg, dm: slack.DM("U1"),
		env: newEnv(t, "PEERBOT_SLACK_BOT_TOKEN="+o.BotToken, "PEERBOT_SLACK_APP_TOKEN="+o.AppToken, "PEERBOT_REDIS_URL="+srv.URL()),
		key: "pb:{u:slack:" + o.TeamID + ":U1}:session",
	}
}

func (r *deliveryRig) start() *runningBot {
	r.t.Helper()
	rb := startRun(r.t, r.env, "--config", r.cfg)
	if !r.slack.Wait(runTimeout, r.slack.Connected) {
		r.t.Fatal("peerbot did not connect to Slack")
	}
	return rb
}

// awaitMessage waits for the n-th message (0-based) in the DM and checks
// that it contains want.
func (r *deliveryRig) awaitMessage(n int, want string) fakeslack.Message {
	r.t.Helper()
	return r.awaitMessageWithin(runTimeout, n, want)
}

// outboxWait is how long a message owed by a killed process can take to go
// out: the dead writer's lease on its outbox entry (bot.DefaultOutboxLease,
// 30 s) and a retry interval (5 s), with room to spare.
const outboxWait = 60 * time.Second

func (r *deliveryRig) awaitMessageWithin(d time.Duration, n int, want string) fakeslack.Message {
	r.t.Helper()
	if !r.slack.Wait(d, func() bool { return len(r.slack.Messages(r.dm)) > n }) {
		r.t.Fatalf("no message %d (%q) in the DM; have %d", n, want, len(r.slack.Messages(r.dm)))
	}
	m := r.slack.Messages(r.dm)[n]
	if !strings.Contains(m.Text, want) {
		var all []string
		for i, x := range r.slack.Messages(r.dm) {
			all = append(all, fmt.Sprintf("%d: %.60q", i, x.Text))
		}
		r.t.Fatalf("message %d = %q, want %q; all:\n%s", n, m.Text, want, strings.Join(all, "\n"))
	}
	return m
}

// count returns how many DM messages contain s.
func (r *deliveryRig) count(s string) int {
	n := 0
	for _, m := range r.slack.Messages(r.dm) {
		if strings.Contains(m.Text, s) {
			n++
		}
	}
	return n
}

// consentAndMood brings the user to the mood question; it returns how many
// DM messages there are then.
func (r *deliveryRig) consentAndMood() int {
	r.t.Helper()
	r.slack.Push(r.slack.MessageEvent("U1", r.dm, "hi"))
	consent := r.awaitMessage(0, "Is it okay to go ahead?")
	env, err := r.slack.Click("U1", r.dm, consent.TS, "Yes")
	if err != nil {
		r.t.Fatal(err)
	}
	r.slack.Push(env)
	r.awaitMessage(2, "How are you feeling today?")
	return 3
}

// session returns the user's stored session.
func (r *deliveryRig) session() (step string, answers map[string]any) {
	r.t.Helper()
	body, err := r.redis.Get(context.Background(), r.key).Result()
	if err != nil {
		r.t.Fatalf("GET %s: %v", r.key, err)
	}
	var s struct {
		Step    string         `json:"step"`
		Answers map[string]any `json:"answers"`
	}
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		r.t.Fatal(err)
	}
	return s.Step, s.Answers
}

// delivered waits until the fake has written env to peerbot.
func (r *deliveryRig) delivered(env fakeslack.Envelope) {
	r.t.Helper()
	if !r.slack.Wait(runTimeout, func() bool {
		for _, d := range r.slack.Delivered() {
			if d.EnvelopeID == env.EnvelopeID {
				return true
			}
		}
		return false
	}) {
		r.t.Fatal("the envelope was never delivered")
	}
}

// TestKillAfterDeliveryLosesNothing: peerbot killed (SIGKILL) a few
// milliseconds after Slack delivered an answer, then started again: the
// answer is stored once and the next question arrives. Either the save
// happened before the kill (the outbox entry is then sent by the new
// process, or was sent already), or the delivery was never acknowledged
// and Slack delivers it again.
func TestKillAfterDeliveryLosesNothing(t *testing.T) {
	for _, delay := range []time.Duration{0, 2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 50 * time.Millisecond} {
		t.Run(delay.String(), func(t *testing.T) {
			t.Parallel()
			r := newDeliveryRig(t)
			rb := r.start()
			next := r.consentAndMood()

			env := r.slack.MessageEvent("U1", r.dm, "4")
			r.slack.Push(env)
			r.delivered(env)
			time.Sleep(delay)
			if err := rb.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			_ = rb.cmd.Wait()

			restarted := time.Now()
			r.start()
			r.awaitMessageWithin(outboxWait, next, "hours did you sleep")
			t.Logf("the next question came %v after the restart", time.Since(restarted).Round(100*time.Millisecond))
			// The answer counts once: the session waits on the sleep
			// question with the mood answered (twice would have answered
			// sleep with "4" too).
			time.Sleep(500 * time.Millisecond) // room for a wrong second application
			step, answers := r.session()
			if step != "sleep" || answers["mood"] != float64(4) || answers["sleep"] != nil {
				t.Fatalf("session after the kill: step %q answers %v", step, answers)
			}
			if n := r.count("hours did you sleep"); n > 2 {
				t.Errorf("the sleep question came %d times, want once (twice at most: the at-least-once window)", n)
			} else {
				t.Logf("killed %v after delivery: acked %d time(s), sleep question shown %d time(s)", delay, r.slack.Acked(env.EnvelopeID), n)
			}
		})
	}
}

// TestSigtermMidCheckinAndDuringARateLimit: SIGTERM right after an answer,
// with Slack answering chat.postMessage with 429 (Retry-After 2 s): peerbot
// waits the rate limit out, sends the next question, and exits 0 within
// shutdown_timeout. Nothing acknowledged is lost.
func TestSigtermMidCheckinAndDuringARateLimit(t *testing.T) {
	r := newDeliveryRig(t)
	rb := r.start()
	next := r.consentAndMood()

	r.slack.InjectRateLimit("chat.postMessage", 1, 2)
	env := r.slack.MessageEvent("U1", r.dm, "4")
	r.slack.Push(env)
	r.delivered(env)
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	if err := rb.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := rb.cmd.Wait()
	if err != nil {
		t.Fatalf("peerbot exited with %v after SIGTERM, want 0; stderr:\n%s", err, rb.stderr)
	}
	t.Logf("exited %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	if r.count("hours did you sleep") == 0 {
		// Not sent before exit: it must be in the outbox, and go out on
		// the next start.
		r.start()
	}
	r.awaitMessageWithin(outboxWait, next, "hours did you sleep")
	if step, answers := r.session(); step != "sleep" || answers["mood"] != float64(4) {
		t.Fatalf("session after SIGTERM: step %q answers %v", step, answers)
	}
	if n := r.slack.Acked(env.EnvelopeID); n != 1 {
		t.Errorf("the answer's envelope was acknowledged %d times, want 1", n)
	}
}
