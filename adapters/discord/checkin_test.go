package discord

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/peerbot/peerbot/internal/fakediscord"
)

// A mentee's first daily check-in, in a DM, through discordgo against the
// fake: consent and mood by buttons, sleep typed (a wrong answer first),
// cravings typed while its buttons show, the done message.
func TestDailyCheckinInDM(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakediscord.Options{})
	h.start(h.config())
	dm := h.dm(sam)

	// "hi" from someone new: the consent question, with Yes and No.
	consent := h.say(sam, "hi", 1)[0]
	if !strings.Contains(consent.Content, "Is it okay to go ahead?") {
		t.Fatalf("first message is not the consent question: %q", consent.Content)
	}
	if got := labels(consent.Components); !slices.Equal(got[0], []string{"Yes", "No"}) || len(got) != 1 {
		t.Fatalf("consent buttons = %v, want one row [Yes No]", got)
	}
	for i, b := range fakediscord.Buttons(consent.Components) {
		// pb:<index>:<the engine's value, bound to the question>
		if b.Type != fakediscord.Button || b.Disabled || !strings.HasPrefix(b.CustomID, []string{"pb:0:pb1.", "pb:1:pb1."}[i]) {
			t.Errorf("consent button %d = %+v", i, b)
		}
	}
	if consent.AllowedMentions == nil || len(consent.AllowedMentions.Parse) != 0 {
		t.Errorf("allowed_mentions = %+v, want none parsed", consent.AllowedMentions)
	}

	// Yes: the consent message is updated in place (type 7: the question,
	// the answer, the buttons disabled), then the thanks and the mood.
	yes, msgs := h.click(sam, consent, "Yes", 2)
	cb := h.fake.CallbacksFor(yes)
	if len(cb) != 1 || cb[0].Type != 7 || cb[0].Status != 204 {
		t.Fatalf("callbacks of the Yes click = %+v, want one type 7", cb)
	}
	if !strings.HasPrefix(cb[0].Content, consent.Content) || !strings.HasSuffix(cb[0].Content, "Your answer: Yes") {
		t.Errorf("updated consent message = %q", cb[0].Content)
	}
	if !allDisabled(cb[0].Components) || labels(cb[0].Components)[0][0] != "Yes" {
		t.Errorf("updated consent components = %+v, want Yes and No disabled", cb[0].Components)
	}
	if cb[0].Latency > interactionWindow {
		t.Errorf("the click was answered after %v, past Discord's 3 s", cb[0].Latency)
	}
	if now, _ := h.fake.Message(consent.ID); !allDisabled(now.Components) || !strings.Contains(now.Content, "Your answer: Yes") {
		t.Errorf("consent message now = %+v", now)
	}
	if !strings.HasPrefix(msgs[0].Content, "Thank you.") || len(msgs[0].Components) != 0 {
		t.Errorf("after consent: %q", msgs[0].Content)
	}
	mood := msgs[1]
	if mood.Content != "Hi Sam. How are you feeling today?" {
		t.Errorf("mood prompt = %q", mood.Content)
	}
	wantMood := []string{"1 — Rough", "2 — Low", "3 — Ok-ish", "4 — Good", "5 — Great"}
	if got := labels(mood.Components); len(got) != 1 || !slices.Equal(got[0], wantMood) {
		t.Fatalf("mood buttons = %v, want one row %v", got, wantMood)
	}

	// A mood by click.
	good, msgs := h.click(sam, mood, "4 — Good", 1)
	if cb := h.fake.CallbacksFor(good); len(cb) != 1 || cb[0].Type != 7 ||
		cb[0].Content != mood.Content+"\n\nYour answer: 4 — Good" || !allDisabled(cb[0].Components) {
		t.Errorf("callback of the mood click = %+v", cb)
	}
	if msgs[0].Content != "About how many hours did you sleep last night?" || len(msgs[0].Components) != 0 {
		t.Errorf("sleep prompt = %q %v", msgs[0].Content, msgs[0].Components)
	}

	// A wrong answer is asked again; then a typed answer.
	msgs = h.say(sam, "30", 1)
	if want := "Please answer with a number from 0 to 24.\n\nAbout how many hours did you sleep last night?"; msgs[0].Content != want {
		t.Errorf("after 30: %q, want %q", msgs[0].Content, want)
	}
	cravings := h.say(sam, "7", 1)[0]
	if cravings.Content != "Any cravings today?" || !slices.Equal(labels(cravings.Components)[0], []string{"Yes", "No"}) {
		t.Fatalf("cravings prompt = %q %v", cravings.Content, labels(cravings.Components))
	}

	// Typed while the buttons show: the answer counts, and the buttons of
	// the prompt are disabled (a PATCH) so it cannot be clicked later.
	msgs = h.say(sam, "no", 1)
	if msgs[0].Content != "What is one thing that went well, even a small one?" {
		t.Errorf("after no: %q", msgs[0].Content)
	}
	h.await("the cravings buttons disabled", func() bool {
		m, _ := h.fake.Message(cravings.ID)
		return allDisabled(m.Components)
	})
	if edits := h.fake.Edits(); len(edits) != 1 || edits[0].MessageID != cravings.ID || edits[0].Content != nil {
		t.Errorf("edits = %+v, want one PATCH of the cravings prompt's components", edits)
	}
	if _, err := h.fake.Click(sam, cravings.ID, fakediscord.Buttons(cravings.Components)[0].CustomID); err == nil {
		t.Error("the fake let a disabled button be clicked")
	}

	msgs = h.say(sam, "I called my sponsor", 1)
	if msgs[0].Content != `Anything else you'd like to note down? (or "skip")` {
		t.Errorf("note prompt = %q", msgs[0].Content)
	}
	msgs = h.say(sam, "skip", 1)
	if want := "Thanks for checking in, Sam. Every check-in counts. Take care of yourself today."; msgs[0].Content != want {
		t.Errorf("done = %q, want %q", msgs[0].Content, want)
	}

	// The whole DM, and nothing anywhere else.
	want := []string{
		"Hi, I'm peerbot",
		"Thank you.",
		"Hi Sam. How are you feeling today?",
		"About how many hours did you sleep last night?",
		"Please answer with a number from 0 to 24.",
		"Any cravings today?",
		"What is one thing that went well, even a small one?",
		"Anything else you'd like to note down?",
		"Thanks for checking in, Sam.",
	}
	got := contents(h.fake.MessagesIn(dm))
	if len(got) != len(want) {
		t.Fatalf("DM has %d messages, want %d:\n%s", len(got), len(want), strings.Join(got, "\n---\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("message %d = %q, want it to start with %q", i, firstLine(got[i]), want[i])
		}
	}
	if all := h.fake.Messages(); len(all) != len(want) {
		t.Errorf("%d messages in all, want only the %d in the DM", len(all), len(want))
	}
	if cbs := h.fake.Callbacks(); len(cbs) != 2 {
		t.Errorf("callbacks = %+v, want the two clicks'", cbs)
	}

	// What was stored.
	recs, err := h.store.History(context.Background(), userID(sam.ID), "daily-checkin", 0)
	if err != nil || len(recs) != 1 {
		t.Fatalf("history = %v, %v; want one check-in", recs, err)
	}
	ans := recs[0].Answers
	if ans["mood"] != 4 && ans["mood"] != float64(4) || ans["sleep"] != float64(7) || ans["cravings"] != false || ans["went_well"] != "I called my sponsor" {
		t.Errorf("answers = %v", ans)
	}
	if s := h.summary(sam); s.DMChannel != dm || s.Streak != 1 || s.DMClosed {
		t.Errorf("summary = %+v", s)
	}
	// The DM came from the conversation: no UserChannelCreate needed.
	if n := h.fake.UserChannelCreates(); n != 0 {
		t.Errorf("UserChannelCreate calls = %d, want 0", n)
	}
	// Message text never reaches the logs.
	for _, secret := range []string{"I called my sponsor", "How are you feeling"} {
		if strings.Contains(h.logs.String(), secret) {
			t.Errorf("the logs contain message text %q", secret)
		}
	}
}

// A crisis message in a DM is answered at once with the crisis resources,
// in the next message; the running check-in is held.
func TestCrisisInDM(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakediscord.Options{})
	h.start(h.config())

	tests := []struct {
		name   string
		user   fakediscord.User
		before []turn // said first
		want   int    // bot messages for the crisis message
	}{
		{name: "before consent", user: sam, want: 1},
		{name: "mid check-in", user: alex, before: []turn{{"hi", 1}, {"yes", 2}, {"2", 1}}, want: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer h.use(t)()
			for _, s := range tc.before {
				h.say(tc.user, s.text, s.replies)
			}
			msgs := h.say(tc.user, "I want to kill myself", tc.want)
			if !strings.Contains(msgs[0].Content, "988") || !strings.Contains(msgs[0].Content, "Samaritans") {
				t.Errorf("next message = %q, want the crisis resources", msgs[0].Content)
			}
			if len(msgs[0].Components) != 0 {
				t.Errorf("the crisis reply has components")
			}
			if tc.want == 2 && !strings.Contains(msgs[1].Content, "paused the check-in") {
				t.Errorf("then %q, want the check-in held", msgs[1].Content)
			}
			flags, err := h.store.Flags(context.Background(), userID(tc.user.ID))
			if err != nil || len(flags) == 0 || flags[len(flags)-1].Level != "urgent" {
				t.Errorf("flags = %+v, %v; want an urgent flag", flags, err)
			}
		})
	}
}

// TestOldClickAfterRestart: after a restart this process no longer knows
// which prompts closed, and a typed answer leaves the old prompt's buttons
// live; a click on them is refused by the engine (the button's value names
// its question) and the prompt says it was replaced. The interaction is
// answered with the verdict, inside Discord's window.
func TestOldClickAfterRestart(t *testing.T) {
	h := newHarness(t, fakediscord.Options{})
	h.start(h.config())
	consent := h.say(sam, "hi", 1)[0]
	_, msgs := h.click(sam, consent, "Yes", 2)
	mood := msgs[1]
	if !strings.Contains(mood.Content, "How are you feeling") {
		t.Fatalf("after consent: %q", contents(msgs))
	}

	h.stop()
	h.start(h.config())
	h.say(sam, "3", 1) // typed: the sleep question
	iid, msgs := h.click(sam, mood, "5 — Great", 1)
	cb := h.fake.CallbacksFor(iid)
	if len(cb) != 1 || cb[0].Type != 7 || !strings.HasSuffix(cb[0].Content, replacedNote) || !allDisabled(cb[0].Components) {
		t.Fatalf("callback of the old click = %+v", cb)
	}
	if cb[0].Latency > interactionWindow {
		t.Errorf("callback after %v, past Discord's window", cb[0].Latency)
	}
	if !strings.Contains(msgs[0].Content, "earlier question") || !strings.Contains(msgs[0].Content, "hours did you sleep") {
		t.Fatalf("reply to the old click: %q", msgs[0].Content)
	}
	st, err := h.store.Load(context.Background(), userID(sam.ID), "")
	if err != nil {
		t.Fatal(err)
	}
	if st.Session == nil || st.Session.Step != "sleep" || st.Session.Answers["mood"] != float64(3) {
		t.Fatalf("session after the old click: %+v", st.Session)
	}
	if onTime, late := h.a.AckStats(); onTime != 1 || late != 0 {
		t.Errorf("click acks on time %d, late %d; want 1 and 0 (this adapter's one click)", onTime, late)
	}
}

// TestMessageWithNoAuthorIDIsIgnored: a dispatch whose author has no id
// is nobody's message; the bot neither answers nor stores anything for a
// user "discord:global:".
func TestMessageWithNoAuthorIDIsIgnored(t *testing.T) {
	h := newHarness(t, fakediscord.Options{})
	h.start(h.config())
	if _, err := h.fake.SendDM(fakediscord.User{ID: "", Username: "ghost"}, "hi"); err != nil {
		t.Fatal(err)
	}
	h.say(sam, "hi", 1) // a real message after it: the queue has moved on
	st, err := h.store.Load(context.Background(), userID(""), "")
	if err != nil {
		t.Fatal(err)
	}
	if st.Exists() {
		t.Fatalf("state stored for an author with no id: %+v", st.Profile)
	}
}
