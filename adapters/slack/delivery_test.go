package slack

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/peerbot/peerbot/internal/fakeslack"
)

// TestHTTPSignatures: only correctly signed, fresh requests are processed;
// Slack's url_verification challenge is answered.
func TestHTTPSignatures(t *testing.T) {
	h := start(t, setup{http: true})
	res, err := h.fake.DeliverHTTP(h.url, h.fake.URLVerification("challenge-42"))
	if err != nil || res.Status != http.StatusOK || res.Body != "challenge-42" {
		t.Fatalf("url_verification: %d %q %v", res.Status, res.Body, err)
	}

	dm := h.fake.DM(alex.ID)
	crisis := h.fake.MessageEvent(alex.ID, dm, "I want to kill myself")
	bad := []struct {
		name string
		env  fakeslack.Envelope
		opts []fakeslack.HTTPOption
	}{
		{"wrong secret", crisis, []fakeslack.HTTPOption{fakeslack.WithSecret("guessed")}},
		{"stale", crisis, []fakeslack.HTTPOption{fakeslack.WithTimestamp(time.Now().Add(-6 * time.Minute))}},
		{"from the future", crisis, []fakeslack.HTTPOption{fakeslack.WithTimestamp(time.Now().Add(6 * time.Minute))}},
		{"unsigned", crisis, []fakeslack.HTTPOption{fakeslack.Unsigned()}},
		{"forged command", h.fake.SlashCommand(alex.ID, dm, "/peerbot", "delete my data"), []fakeslack.HTTPOption{fakeslack.WithSecret("x")}},
		{"forged url_verification", h.fake.URLVerification("nope"), []fakeslack.HTTPOption{fakeslack.WithSecret("x")}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			res, err := h.fake.DeliverHTTP(h.url, tt.env, tt.opts...)
			if err != nil || res.Status != http.StatusUnauthorized {
				t.Fatalf("status %d, %v; want 401", res.Status, err)
			}
		})
	}
	if res, _ := h.fake.DeliverHTTP(h.url, crisis); res.Status != http.StatusOK {
		// The same bytes, correctly signed, are accepted: the refusals
		// above were for the signatures alone.
		t.Fatalf("a signed request: %d", res.Status)
	}
	h.expect(dm, 0, "988")
	// Had any refused request been queued, it would have reached the
	// engine first (one queue per user).
	if got := h.handled(1); len(got) != 1 {
		t.Errorf("engine got %d messages, want 1: %+v", len(got), got)
	}
	req, _ := http.NewRequest(http.MethodGet, h.url+"/slack/events", nil)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %v %v", res, err)
	}
}

// TestRedeliveries: a duplicated envelope, HTTP retries and repeated clicks
// produce one answer each; every delivery is acked.
func TestRedeliveries(t *testing.T) {
	t.Run("socket mode", func(t *testing.T) {
		h := start(t, setup{})
		dm := h.fake.DM(sam.ID)
		hi := h.say(sam, "hi")
		h.fake.Push(hi) // the same envelope again
		consent := h.expect(dm, 0, "Before we start")[0]
		yes := h.click(sam, consent, "Yes")
		h.fake.Push(yes) // a click delivered twice
		mood := h.expect(dm, 1, "Thank you", "How are you feeling")[1]
		// A double click: two clicks on the same prompt.
		c1, err1 := h.fake.Click(sam.ID, dm, mood.TS, "3 — Ok-ish")
		c2, err2 := h.fake.Click(sam.ID, dm, mood.TS, "5 — Great")
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		h.deliver(c1)
		h.deliver(c2)
		h.expect(dm, 3, "About how many hours")
		h.say(sam, "7") // queued after all of the above
		h.expect(dm, 4, "Any cravings")
		if n := len(h.fake.Messages(dm)); n != 5 {
			t.Errorf("%d messages, want 5:\n%s", n, dump(h.fake.Messages(dm)))
		}
		if m, _ := h.fake.Message(dm, mood.TS); m.Updates != 1 || !strings.Contains(m.Content(), "Ok-ish") {
			t.Errorf("mood prompt: %d updates, %q", m.Updates, m.Content())
		}
		h.allAcked()
		for _, env := range []fakeslack.Envelope{hi, yes} {
			if n := h.fake.Acked(env.EnvelopeID); n != 2 {
				t.Errorf("envelope %s acked %d times, want 2", env.EnvelopeID, n)
			}
		}
	})
	t.Run("http retries", func(t *testing.T) {
		h := start(t, setup{http: true})
		dm := h.fake.DM(sam.ID)
		hi := h.say(sam, "hi")
		h.deliver(hi, fakeslack.WithRetry(1))
		h.deliver(hi, fakeslack.WithRetry(2))
		h.expect(dm, 0, "Before we start")
		h.say(sam, "help") // allowed before consent; queued after the retries
		h.expect(dm, 1, "Here's what I can do", "is it okay to go ahead")
		if n := len(h.fake.Messages(dm)); n != 3 {
			t.Errorf("%d messages, want 3:\n%s", n, dump(h.fake.Messages(dm)))
		}
	})
}

// TestReconnects: a `disconnect` envelope and a dropped websocket in the
// middle of a check-in; the client reconnects (apps.connections.open again)
// and the check-in finishes, with envelopes sent meanwhile delivered after.
func TestReconnects(t *testing.T) {
	h := start(t, setup{})
	dm := h.fake.DM(sam.ID)
	h.say(sam, "hi")
	h.click(sam, h.expect(dm, 0, "Before we start")[0], "Yes")
	mood := h.expect(dm, 1, "Thank you", "How are you feeling")[1]
	h.allAcked()

	h.fake.Disconnect()
	h.click(sam, mood, "2 — Low") // waits for the new connection
	h.expect(dm, 3, "About how many hours")
	if n := h.fake.Opens(); n != 2 {
		t.Errorf("apps.connections.open called %d times after a disconnect, want 2", n)
	}
	h.say(sam, "6")
	cravings := h.expect(dm, 4, "Any cravings")[0]
	// An ack not yet written when the line drops is lost; Slack would
	// redeliver. Drop the line when all is acked, as the test can only
	// count acks that were sent.
	h.allAcked()

	h.fake.DropConnection()
	h.click(sam, cravings, "Yes")
	strength := h.expect(dm, 5, "How strong have they been")[0]
	if n := h.fake.Opens(); n != 3 {
		t.Errorf("apps.connections.open called %d times after a dropped connection, want 3", n)
	}
	h.click(sam, strength, "2")
	h.expect(dm, 6, "What has helped you")
	h.say(sam, "skip")
	h.expect(dm, 7, "What is one thing that went well")
	h.say(sam, "a long walk")
	h.expect(dm, 8, "Anything else you'd like to note down")
	h.say(sam, "skip")
	h.expect(dm, 9, "Thanks for checking in")
	h.allAcked()
	if s := h.summary(sam); s.Streak != 1 {
		t.Errorf("streak %d after the check-in, want 1", s.Streak)
	}
}

// TestSlowChannelHoldsUpNoOtherUser: Slack hangs on every post to one
// user's DM; another user's conversation goes on meanwhile, and the held
// reply arrives once Slack answers.
func TestSlowChannelHoldsUpNoOtherUser(t *testing.T) {
	h := start(t, setup{})
	samDM, alexDM := h.fake.DM(sam.ID), h.fake.DM(alex.ID)
	release := h.fake.HoldChannel(samDM)
	defer release()
	h.say(sam, "hi")
	h.handled(1) // the engine has sam's message; its reply will be held
	h.say(alex, "hi")
	h.expect(alexDM, 0, "Before we start")
	if n := len(h.fake.Messages(samDM)); n != 0 {
		t.Fatalf("sam's DM has %d messages while Slack holds it", n)
	}
	release()
	h.expect(samDM, 0, "Before we start")
}
