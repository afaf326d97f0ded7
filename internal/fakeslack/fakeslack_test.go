package fakeslack_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/peerbot/peerbot/internal/fakeslack"
)

func client(s *fakeslack.Server) *slack.Client {
	o := s.Options()
	return slack.New(o.BotToken, slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken(o.AppToken))
}

func TestWebAPI(t *testing.T) {
	s := fakeslack.New(t, fakeslack.Options{ChannelRate: -1})
	s.AddUser(fakeslack.User{ID: "U1", Name: "sam", DisplayName: "Sam", TZ: "Europe/London"})
	api := client(s)
	ctx := context.Background()

	auth, err := api.AuthTestContext(ctx)
	if err != nil || auth.TeamID != "T0FAKE" || auth.UserID != "UBOT" || auth.BotID != "BBOT" {
		t.Fatalf("auth.test = %+v, %v", auth, err)
	}
	if _, err := slack.New("xoxb-wrong", slack.OptionAPIURL(s.APIURL())).AuthTestContext(ctx); err == nil || err.Error() != "invalid_auth" {
		t.Fatalf("wrong token: %v, want invalid_auth", err)
	}
	u, err := api.GetUserInfoContext(ctx, "U1")
	if err != nil || u.TZ != "Europe/London" || u.Profile.DisplayName != "Sam" {
		t.Fatalf("users.info = %+v, %v", u, err)
	}
	ch, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil || ch.ID != s.DM("U1") {
		t.Fatalf("conversations.open = %+v, %v", ch, err)
	}
	btn := slack.NewButtonBlockElement("a1", "yes", slack.NewTextBlockObject(slack.PlainTextType, "Yes", false, false))
	_, ts, err := api.PostMessageContext(ctx, ch.ID, slack.MsgOptionText("Okay?", false),
		slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "Okay?", false, false), nil, nil),
			slack.NewActionBlock("b1", btn)))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := s.Message(ch.ID, ts)
	if !ok || m.Text != "Okay?" || len(m.Buttons()) != 1 || m.Buttons()[0] != (fakeslack.Button{ActionID: "a1", BlockID: "b1", Label: "Yes", Value: "yes"}) {
		t.Fatalf("posted message = %+v", m)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, ch.ID, ts, slack.MsgOptionText("Okay?", false), slack.MsgOptionBlocks()); err != nil {
		t.Fatal(err)
	}
	m, _ = s.Message(ch.ID, ts)
	if m.Updates != 1 || len(m.Buttons()) != 0 || len(m.Original) != 2 {
		t.Fatalf("updated message = %+v", m)
	}
	if _, err := api.PostEphemeralContext(ctx, "C1", "U1", slack.MsgOptionText("just you", false)); err != nil {
		t.Fatal(err)
	}
	if e := s.Ephemerals(); len(e) != 1 || e[0].User != "U1" || e[0].Channel != "C1" {
		t.Fatalf("ephemerals = %+v", e)
	}
	_, err = api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: slack.HomeTabViewRequest{
		Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "home", false, false), nil, nil)}}}})
	if err != nil || len(fakeslack.Texts(s.Home("U1"))) != 1 {
		t.Fatalf("views.publish: %v, home %v", err, s.Home("U1"))
	}
	calls := s.Calls("chat.postMessage")
	if len(calls) != 1 || calls[0].Form.Get("channel") != ch.ID || len(calls[0].Blocks) != 2 || calls[0].Form.Has("token") {
		t.Fatalf("recorded postMessage = %+v", calls)
	}
}

func TestRateLimits(t *testing.T) {
	tests := []struct {
		name     string
		opts     fakeslack.Options
		channels []string // one post each, at once
		limited  int      // 429s expected
	}{
		{"per channel", fakeslack.Options{ChannelRate: 1, Tolerance: time.Millisecond}, []string{"D1", "D1", "D2"}, 1},
		{"workspace", fakeslack.Options{ChannelRate: -1, WorkspaceRate: 1, Tolerance: time.Millisecond}, []string{"D1", "D2", "D3"}, 2},
		{"burst", fakeslack.Options{ChannelRate: 1, ChannelBurst: 2, Tolerance: time.Millisecond}, []string{"D1", "D1", "D1"}, 1},
		{"unlimited", fakeslack.Options{ChannelRate: -1}, []string{"D1", "D1", "D1"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fakeslack.New(t, tt.opts)
			api := client(s)
			limited := 0
			for _, ch := range tt.channels {
				_, _, err := api.PostMessageContext(context.Background(), ch, slack.MsgOptionText("hi", false))
				var rl *slack.RateLimitedError
				switch {
				case errors.As(err, &rl):
					limited++
					if rl.RetryAfter < time.Second {
						t.Errorf("Retry-After %v, want whole seconds", rl.RetryAfter)
					}
				case err != nil:
					t.Fatal(err)
				}
			}
			if limited != tt.limited || s.RateLimited() != tt.limited {
				t.Fatalf("429s: client saw %d, fake counted %d, want %d", limited, s.RateLimited(), tt.limited)
			}
		})
	}
}

func TestInjection(t *testing.T) {
	s := fakeslack.New(t, fakeslack.Options{ChannelRate: -1})
	api := client(s)
	s.InjectRateLimit("chat.postMessage", 1, 3)
	s.InjectError("chat.postEphemeral", 1, "not_in_channel")
	_, _, err := api.PostMessageContext(context.Background(), "D1", slack.MsgOptionText("hi", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 3*time.Second {
		t.Fatalf("injected 429: %v", err)
	}
	if _, _, err := api.PostMessageContext(context.Background(), "D1", slack.MsgOptionText("hi", false)); err != nil {
		t.Fatalf("after the injected 429: %v", err)
	}
	if _, err := api.PostEphemeralContext(context.Background(), "C1", "U1", slack.MsgOptionText("x", false)); err == nil || err.Error() != "not_in_channel" {
		t.Fatalf("injected error: %v", err)
	}
}

// TestSocketMode runs slack-go's Socket Mode client against the fake:
// hello, an envelope and its ack, then a disconnect and a dropped
// connection, each followed by a new apps.connections.open.
func TestSocketMode(t *testing.T) {
	s := fakeslack.New(t, fakeslack.Options{PingInterval: 100 * time.Millisecond})
	sm := socketmode.New(client(s))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = sm.RunContext(ctx) }()
	got := make(chan string, 10)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-sm.Events:
				if evt.Type != socketmode.EventTypeEventsAPI {
					continue
				}
				_ = sm.Ack(*evt.Request)
				ev := evt.Data.(slackevents.EventsAPIEvent)
				got <- ev.InnerEvent.Data.(*slackevents.MessageEvent).Text
			}
		}
	}()
	expect := func(text string) {
		t.Helper()
		select {
		case g := <-got:
			if g != text {
				t.Fatalf("got %q, want %q", g, text)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no event %q", text)
		}
	}
	env := s.MessageEvent("U1", "DU1", "one")
	s.Push(env) // before the client connects: it waits
	expect("one")
	if !s.Wait(5*time.Second, func() bool { return s.Acked(env.EnvelopeID) == 1 }) {
		t.Fatal("no ack")
	}

	s.Disconnect()
	env = s.MessageEvent("U1", "DU1", "two")
	s.Push(env)
	expect("two")
	if s.Opens() != 2 {
		t.Fatalf("apps.connections.open called %d times, want 2", s.Opens())
	}

	// An ack not yet written when the connection drops is lost (Slack
	// would deliver the envelope again): wait for it first.
	if !s.Wait(5*time.Second, func() bool { return s.Acked(env.EnvelopeID) == 1 && s.Connected() }) {
		t.Fatal("no ack after the reconnect")
	}
	s.DropConnection()
	s.Push(s.MessageEvent("U1", "DU1", "three"))
	expect("three")
	s.Wait(5*time.Second, func() bool { return len(s.Unacked()) == 0 })
	if s.Opens() != 3 || len(s.Unacked()) != 0 {
		t.Fatalf("opens %d, unacked %v", s.Opens(), s.Unacked())
	}
}

func TestDeliverHTTPIsSigned(t *testing.T) {
	s := fakeslack.New(t, fakeslack.Options{})
	secret := s.Options().SigningSecret
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sv, err := slack.NewSecretsVerifier(r.Header, secret)
		if err == nil {
			_, _ = sv.Write(body)
			err = sv.Ensure()
		}
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer app.Close()
	env := s.MessageEvent("U1", "DU1", "hi")
	tests := []struct {
		name string
		env  fakeslack.Envelope
		opts []fakeslack.HTTPOption
		want int
	}{
		{"event", env, nil, 200},
		{"retry", env, []fakeslack.HTTPOption{fakeslack.WithRetry(1)}, 200},
		{"interaction", s.SlashCommand("U1", "C1", "/peerbot", "help"), nil, 200},
		{"wrong secret", env, []fakeslack.HTTPOption{fakeslack.WithSecret("nope")}, 401},
		{"stale", env, []fakeslack.HTTPOption{fakeslack.WithTimestamp(time.Now().Add(-6 * time.Minute))}, 401},
		{"unsigned", env, []fakeslack.HTTPOption{fakeslack.Unsigned()}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := s.DeliverHTTP(app.URL, tt.env, tt.opts...)
			if err != nil || res.Status != tt.want {
				t.Fatalf("status %d, %v; want %d", res.Status, err, tt.want)
			}
		})
	}
}

// TestRedeliverUnacked: with RedeliverUnacked, an envelope whose
// connection ended before it was acknowledged comes again on the next
// connection, marked as a retry; an acknowledged one does not.
func TestRedeliverUnacked(t *testing.T) {
	s := fakeslack.New(t, fakeslack.Options{RedeliverUnacked: true})
	type seen struct {
		text  string
		retry int
	}
	run := func(ack bool) (context.CancelFunc, chan seen) {
		sm := socketmode.New(client(s))
		ctx, cancel := context.WithCancel(context.Background())
		go func() { _ = sm.RunContext(ctx) }()
		got := make(chan seen, 10)
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case evt := <-sm.Events:
					if evt.Type != socketmode.EventTypeEventsAPI {
						continue
					}
					if ack {
						_ = sm.Ack(*evt.Request)
					}
					ev := evt.Data.(slackevents.EventsAPIEvent)
					got <- seen{ev.InnerEvent.Data.(*slackevents.MessageEvent).Text, evt.Request.RetryAttempt}
				}
			}
		}()
		return cancel, got
	}
	next := func(got chan seen) seen {
		t.Helper()
		select {
		case g := <-got:
			return g
		case <-time.After(10 * time.Second):
			t.Fatal("no event")
			return seen{}
		}
	}

	stop, got := run(false) // a client that dies before acknowledging
	s.Push(s.MessageEvent("U1", "DU1", "one"))
	if g := next(got); g != (seen{"one", 0}) {
		t.Fatalf("first delivery %+v", g)
	}
	stop()
	s.Wait(5*time.Second, func() bool { return !s.Connected() })
	s.DropConnection()

	stop, got = run(true)
	defer stop()
	if g := next(got); g != (seen{"one", 1}) {
		t.Fatalf("redelivery %+v, want the same event as retry 1", g)
	}
	s.Push(s.MessageEvent("U1", "DU1", "two"))
	if g := next(got); g != (seen{"two", 0}) {
		t.Fatalf("after the redelivery %+v", g)
	}
}
