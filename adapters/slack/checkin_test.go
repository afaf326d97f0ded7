package slack

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/internal/fakeslack"
)

var (
	yesNo     = []fakeslack.Button{{Label: "Yes", Value: "yes"}, {Label: "No", Value: "no"}}
	moodScale = []fakeslack.Button{{Label: "1 — Rough", Value: "1"}, {Label: "2 — Low", Value: "2"},
		{Label: "3 — Ok-ish", Value: "3"}, {Label: "4 — Good", Value: "4"}, {Label: "5 — Great", Value: "5"}}
)

// checkPrompt checks a question with buttons as Block Kit: the text in
// section blocks, then one actions block with the buttons in order, each
// with a unique action id and the option's value.
func checkPrompt(t *testing.T, m fakeslack.Message, question string, want []fakeslack.Button) {
	t.Helper()
	var types []string
	for _, b := range m.Blocks {
		types = append(types, b["type"].(string))
	}
	if len(types) < 2 || types[len(types)-1] != "actions" || slices.Contains(types[:len(types)-1], "actions") {
		t.Fatalf("blocks %v: want sections then one actions block", types)
	}
	if !strings.Contains(strings.Join(fakeslack.Texts(m.Blocks), "\n"), question) {
		t.Errorf("sections %q do not ask %q", fakeslack.Texts(m.Blocks), question)
	}
	if !strings.Contains(m.Text, question) {
		t.Errorf("fallback text %q does not contain %q", m.Text, question)
	}
	got := m.Buttons()
	ids := map[string]bool{}
	for i, b := range got {
		if ids[b.ActionID] || !strings.HasPrefix(b.ActionID, actionPrefix) {
			t.Errorf("button %d: action id %q not unique or not ours", i, b.ActionID)
		}
		ids[b.ActionID] = true
		got[i].ActionID, got[i].BlockID = "", ""
		// The engine binds each value to its question; the adapter must
		// pass it on untouched.
		if !strings.HasPrefix(b.Value, "pb1.") {
			t.Errorf("button %d: value %q is not the engine's bound value", i, b.Value)
		}
		got[i].Value = ""
	}
	var labels []fakeslack.Button
	for _, b := range want {
		labels = append(labels, fakeslack.Button{Label: b.Label})
	}
	if !slices.Equal(got, labels) {
		t.Errorf("buttons %v, want %v", got, labels)
	}
}

// checkAnswered checks that a clicked prompt was updated: the question is
// still there, the buttons are gone, the answer is shown.
func checkAnswered(t *testing.T, h *harness, prompt fakeslack.Message, label string) {
	t.Helper()
	var m fakeslack.Message
	h.until("the update of "+prompt.TS, func() bool {
		m, _ = h.fake.Message(prompt.Channel, prompt.TS)
		return m.Updates > 0
	})
	if m.Updates != 1 {
		t.Errorf("prompt updated %d times, want once", m.Updates)
	}
	if len(m.Buttons()) != 0 {
		t.Errorf("buttons still there after the click: %v", m.Buttons())
	}
	want := "Your answer: *" + label + "*"
	if !strings.Contains(m.Content(), want) || !strings.Contains(m.Content(), fakeslack.Texts(prompt.Blocks)[0]) {
		t.Errorf("updated prompt %q: want the question and %q", m.Content(), want)
	}
}

// TestDailyCheckin is a whole daily check-in, in Socket Mode and in HTTP
// mode: consent and answers by button, typed answers, a wrong answer asked
// again, the done message.
func TestDailyCheckin(t *testing.T) {
	for _, mode := range []struct {
		name string
		http bool
	}{{"socket mode", false}, {"http mode", true}} {
		t.Run(mode.name, func(t *testing.T) {
			// Over Socket Mode the bot's own posts come back as events, as
			// they do from Slack: they must be ignored.
			h := start(t, setup{http: mode.http, fake: fakeslack.Options{EchoBotMessages: !mode.http}})
			dm := h.fake.DM(sam.ID)

			h.say(sam, "hi")
			consent := h.expect(dm, 0, "Before we start, here is how it works")[0]
			checkPrompt(t, consent, "Is it okay to go ahead?", yesNo)

			h.click(sam, consent, "Yes")
			msgs := h.expect(dm, 1, "Thank you.", "Hi Sam. How are you feeling today?")
			checkAnswered(t, h, consent, "Yes")
			if len(msgs[0].Blocks) != 0 {
				t.Errorf("a message without options has blocks: %v", msgs[0].Blocks)
			}
			mood := msgs[1]
			checkPrompt(t, mood, "How are you feeling today?", moodScale)

			h.click(sam, mood, "4 — Good")
			sleep := h.expect(dm, 3, "About how many hours did you sleep last night?")[0]
			checkAnswered(t, h, mood, "4 — Good")
			if len(sleep.Buttons()) != 0 {
				t.Errorf("a number question has buttons: %v", sleep.Buttons())
			}

			h.say(sam, "30")
			again := h.expect(dm, 4, "Please answer with a number from 0 to 24")[0]
			if !strings.Contains(again.Text, "About how many hours") {
				t.Errorf("the wrong answer's reply %q does not ask again", again.Text)
			}
			h.say(sam, "7")
			cravings := h.expect(dm, 5, "Any cravings today?")[0]
			checkPrompt(t, cravings, "Any cravings today?", yesNo)
			h.click(sam, cravings, "No")
			h.expect(dm, 6, "What is one thing that went well")
			checkAnswered(t, h, cravings, "No")
			h.say(sam, "I called my sponsor & felt <better>")
			h.expect(dm, 7, "Anything else you'd like to note down?")
			h.say(sam, "skip")
			h.expect(dm, 8, "Thanks for checking in, Sam.")

			if n := len(h.fake.Messages(dm)); n != 9 {
				t.Errorf("%d messages in the DM, want 9:\n%s", n, dump(h.fake.Messages(dm)))
			}
			updates := h.fake.Calls("chat.update")
			if len(updates) != 3 {
				t.Errorf("%d chat.update calls, want 3 (one per click)", len(updates))
			}
			for _, u := range updates {
				if u.Form.Get("channel") != dm || len(fakeslack.Buttons(u.Blocks)) != 0 {
					t.Errorf("chat.update %v: want the DM, without buttons", u.Form)
				}
			}
			if !mode.http {
				h.allAcked()
			}
			// What reached the engine: typed text as text (Slack's
			// entities decoded), clicks as value and label, every one
			// with the DM, its id and the users.info timezone and name.
			var answers []string
			for _, m := range h.spy.messages() {
				kind := m.Value
				if strings.HasPrefix(kind, "pb1.") {
					kind = "click"
				}
				answers = append(answers, m.Text+"="+kind)
				if !m.Direct || m.Channel != dm || m.ID == "" || m.Timezone != "America/New_York" || m.UserName != "Sam" ||
					m.User != "slack:T0FAKE:U1" || m.Platform != "slack" {
					t.Errorf("engine got %+v", m)
				}
			}
			want := []string{"hi=", "Yes=click", "4 — Good=click", "30=", "7=", "No=click", "I called my sponsor & felt <better>=", "skip="}
			if !slices.Equal(answers, want) {
				t.Errorf("engine got %q, want %q", answers, want)
			}
			if s := h.summary(sam); s.Streak != 1 || s.InFlow != "" || s.Name != "Sam" || s.DMChannel != dm {
				t.Errorf("after the check-in: %+v", s)
			}
			if n := len(h.fake.Calls("users.info")); n != 1 {
				t.Errorf("users.info called %d times, want once (cached)", n)
			}
			h.noTextInLogs("sponsor", "Before we start")
		})
	}
}

// TestAnswersInOrder sends a user's answers back to back without waiting:
// the per-user queue keeps them in order.
func TestAnswersInOrder(t *testing.T) {
	h := start(t, setup{})
	dm := h.fake.DM(sam.ID)
	h.say(sam, "hi")
	h.click(sam, h.expect(dm, 0, "Before we start")[0], "yes")
	h.expect(dm, 1, "Thank you", "How are you feeling")
	for _, text := range []string{"3", "7.5", "no", "I went for a walk", "skip"} {
		h.say(sam, text)
	}
	h.expect(dm, 3, "About how many hours", "Any cravings", "What is one thing", "Anything else you'd like", "Thanks for checking in")
}

// TestStaleAndRepeatedClicks: a click on a question answered meanwhile by
// typing is refused by the engine (the button's value names its question)
// and the old prompt says so; a second click on a prompt is ignored.
func TestStaleAndRepeatedClicks(t *testing.T) {
	h := start(t, setup{})
	dm := h.fake.DM(sam.ID)
	h.say(sam, "hi")
	h.click(sam, h.expect(dm, 0, "Before we start")[0], "Yes")
	mood := h.expect(dm, 1, "Thank you", "How are you feeling")[1]
	h.say(sam, "3") // answered by typing
	h.expect(dm, 3, "About how many hours")
	atEngine := len(h.handled(3))

	stale, err := h.fake.ClickBlocks(sam.ID, mood, "5 — Great") // a copy with buttons, clicked late
	if err != nil {
		t.Fatal(err)
	}
	h.click(sam, mood, "2 — Low") // the old prompt
	h.until("the old prompt closed", func() bool { m, _ := h.fake.Message(dm, mood.TS); return m.Updates == 1 })
	old, _ := h.fake.Message(dm, mood.TS)
	if len(old.Buttons()) != 0 || !strings.Contains(old.Content(), "replaced by a later one") {
		t.Errorf("old prompt after its click: %q %v", old.Content(), old.Buttons())
	}
	h.expect(dm, 4, "earlier question")
	h.deliver(stale)
	h.say(sam, "8") // after the second click in the same queue
	h.expect(dm, 5, "Any cravings")
	if got := h.spy.messages()[atEngine:]; len(got) != 2 || got[0].Text != "2 — Low" || got[1].Text != "8" {
		t.Errorf("engine got %+v, want the refused click and the typed answer", got)
	}
	if m, _ := h.fake.Message(dm, mood.TS); m.Updates != 1 {
		t.Errorf("old prompt updated %d times, want 1", m.Updates)
	}
}

// TestAckAfterSave: a delivery is acknowledged once the engine has saved
// its effect, not before: a crash before the save leaves it to Slack to
// send again. A turn slower than the deadline is acknowledged at the
// deadline and still completes.
func TestAckAfterSave(t *testing.T) {
	t.Run("socket mode", func(t *testing.T) {
		h := start(t, setup{gate: true})
		env := h.say(sam, "hi")
		h.handled(1) // the engine has it, and waits for the gate: nothing saved yet
		if n := h.fake.Acked(env.EnvelopeID); n != 0 {
			t.Fatalf("acked %d times before the save", n)
		}
		h.spy.gate <- struct{}{}
		h.until("the ack", func() bool { return h.fake.Acked(env.EnvelopeID) == 1 })
		h.expect(h.fake.DM(sam.ID), 0, "Before we start")
		if onTime, late := h.a.AckStats(); onTime != 1 || late != 0 {
			t.Errorf("acks on time %d, late %d; want 1 and 0", onTime, late)
		}

		// A turn that takes longer than the deadline.
		env = h.say(sam, "yes")
		h.handled(2)
		h.until("the ack at the deadline", func() bool { return h.fake.Acked(env.EnvelopeID) == 1 })
		if _, late := h.a.AckStats(); late != 1 {
			t.Errorf("late acks %d, want 1", late)
		}
		h.spy.gate <- struct{}{}
		h.expect(h.fake.DM(sam.ID), 1, "Thank you")
	})
	t.Run("http mode", func(t *testing.T) {
		h := start(t, setup{http: true})
		h.say(sam, "hi") // returns once Slack has its 200
		if onTime, late := h.a.AckStats(); onTime != 1 || late != 0 {
			t.Errorf("acks on time %d, late %d; want 1 and 0", onTime, late)
		}
		h.expect(h.fake.DM(sam.ID), 0, "Before we start")
	})
}

// TestCrisis: crisis language in a DM gets the crisis resources in the very
// next message, before consent and in the middle of a check-in.
func TestCrisis(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(h *harness) int // returns the messages already in the DM
		text    string
	}{
		{"before consent", func(*harness) int { return 0 }, "i want to kill myself"},
		{"mid check-in", func(h *harness) int {
			dm := h.fake.DM(sam.ID)
			h.say(sam, "hi")
			h.click(sam, h.expect(dm, 0, "Before we start")[0], "Yes")
			h.expect(dm, 1, "Thank you", "How are you feeling")
			return 3
		}, "honestly I don't want to be alive anymore"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := start(t, setup{})
			dm := h.fake.DM(sam.ID)
			n := tt.prepare(h)
			h.say(sam, tt.text)
			m := h.expect(dm, n, "988")[0]
			for _, want := range []string{"741741", "116 123", "findahelpline.com"} {
				if !strings.Contains(m.Text, want) {
					t.Errorf("crisis reply %q lacks %q", m.Text, want)
				}
			}
			calls := h.fake.Calls("chat.postMessage")
			last := calls[n]
			if last.Form.Get("unfurl_links") != "false" {
				t.Errorf("crisis reply unfurls links: %v", last.Form)
			}
			h.noTextInLogs(tt.text)
		})
	}
}

// TestAppHome: app_home_opened publishes the streak, the goal and the pause
// state from the engine.
func TestAppHome(t *testing.T) {
	now := time.Now().UTC()
	tests := []struct {
		name  string
		state *bot.State // nil: a user never seen
		want  []string
	}{
		{"new user", nil, []string{"You haven't started yet"}},
		{"paused, with a goal and a streak", &bot.State{
			Profile: bot.Profile{Consent: bot.ConsentGiven, Timezone: "UTC", PausedUntil: now.Add(72 * time.Hour)},
			Streak:  bot.Streak{Days: 4, LastDay: now.Format(time.DateOnly)},
			Goals:   []bot.Goal{{ID: "g1", Text: "Walk every morning <7am>", Status: bot.GoalActive, Created: now}},
		}, []string{"*Streak:* 4 days in a row", "*Current goal:* Walk every morning &lt;7am&gt;",
			"paused until " + now.Add(72*time.Hour).Format("Monday 2 January 2006")}},
		{"stopped", &bot.State{Profile: bot.Profile{Consent: bot.ConsentGiven, Stopped: true}},
			[]string{"No check-in streak yet", "*Current goal:* none yet", "stopped"}},
		{"on", &bot.State{Profile: bot.Profile{Consent: bot.ConsentGiven}}, []string{"*Check-ins:* on"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := start(t, setup{})
			if tt.state != nil {
				err := h.store.Save(context.Background(), bot.Save{User: "slack:T0FAKE:U2", State: tt.state})
				if err != nil {
					t.Fatal(err)
				}
			}
			h.deliver(h.fake.AppHomeOpened(alex.ID))
			h.until("views.publish", func() bool { return len(h.fake.Calls("views.publish")) == 1 })
			c := h.fake.Calls("views.publish")[0]
			if c.JSON["user_id"] != alex.ID || c.JSON["view"].(map[string]any)["type"] != "home" {
				t.Errorf("views.publish %v", c.JSON)
			}
			texts := strings.Join(fakeslack.Texts(h.fake.Home(alex.ID)), "\n")
			for _, w := range tt.want {
				if !strings.Contains(texts, w) {
					t.Errorf("home %q lacks %q", texts, w)
				}
			}
		})
	}
}
