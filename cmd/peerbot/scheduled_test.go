package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/peerbot/peerbot/internal/fakediscord"
	"github.com/peerbot/peerbot/internal/fakeslack"
	"github.com/peerbot/peerbot/internal/testsync"
)

// `peerbot run` against the Slack and Discord fakes DMs a consented person
// on schedule, and nobody who has not consented or who stopped. The flow
// is due every minute (at most once a day per person), so the test waits
// for the next minute.
func TestRunSendsScheduledCheckins(t *testing.T) {
	t.Parallel()
	slack := fakeslack.New(t, fakeslack.Options{ChannelRate: 50})
	discord := fakediscord.New(fakediscord.Options{})
	t.Cleanup(discord.Close)
	flowsDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(flowsDir, "minute.yaml"), []byte(`id: every-minute
title: Every minute
schedule: {cron: "* * * * *"}
steps:
  - id: how
    ask: "Scheduled: how is this minute going?"
    text: {optional: true}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "peerbot.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, "http:\n  addr: 127.0.0.1:0\nflows_dir: %s\nslack:\n  api_url: %s\n  channel_rate: 50\ndiscord:\n  api_url: %s\n",
		flowsDir, slack.APIURL(), discord.URL), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t,
		"PEERBOT_SLACK_BOT_TOKEN="+slack.Options().BotToken,
		"PEERBOT_SLACK_APP_TOKEN="+slack.Options().AppToken,
		"PEERBOT_DISCORD_TOKEN="+fakediscord.DefaultToken,
	)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, peerbotBin, "run", "--config", cfg, "--data", t.TempDir())
	cmd.Env = e.environ()
	cmd.WaitDelay = 5 * time.Second
	var stderr testsync.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("stderr:\n%s", stderr.String())
		}
	}()
	if !slack.Wait(runTimeout, slack.Connected) {
		t.Fatal("peerbot did not connect to Slack")
	}
	texts := func(ch string) string {
		var b strings.Builder
		for _, m := range slack.Messages(ch) {
			b.WriteString(m.Text + "\n")
		}
		return b.String()
	}
	waitFor := func(ch, s string) {
		t.Helper()
		if !slack.Wait(runTimeout, func() bool { return strings.Contains(texts(ch), s) }) {
			t.Fatalf("no %q in %s:\n%s", s, ch, texts(ch))
		}
	}
	// U1 consents (the daily check-in then starts: "not today" ends it);
	// U2 never answers the consent question; U3 consents and stops.
	for _, step := range []struct{ user, text, want string }{
		{"U1", "hi", "Is it okay to go ahead?"}, {"U1", "yes", "How are you feeling"}, {"U1", "not today", "That's okay"},
		{"U2", "hi", "Is it okay to go ahead?"},
		{"U3", "hi", "Is it okay to go ahead?"}, {"U3", "yes", "How are you feeling"}, {"U3", "stop", "stopped"},
	} {
		slack.Push(slack.MessageEvent(step.user, slack.DM(step.user), step.text))
		waitFor(slack.DM(step.user), step.want)
	}
	sam := fakediscord.User{ID: "300000000000000001", Username: "sam"}
	dm := func() string {
		var b strings.Builder
		for _, m := range discord.MessagesIn(discord.DMChannel(sam.ID)) {
			b.WriteString(m.Content + "\n")
		}
		return b.String()
	}
	for _, step := range []struct{ text, want string }{{"hi", "Is it okay to go ahead?"}, {"yes", "How are you feeling"}, {"not today", "That's okay"}} {
		sent := false
		if !discord.Await(runTimeout, func() bool {
			if !sent {
				if _, err := discord.SendDM(sam, step.text); err == nil {
					sent = true
				}
			}
			return strings.Contains(dm(), step.want)
		}) {
			t.Fatalf("Discord: no %q:\n%s", step.want, dm())
		}
	}

	// The next minute: the scheduled prompt, on Slack and on Discord.
	const prompt = "Scheduled: how is this minute going?"
	deadline := 75 * time.Second
	if !slack.Wait(deadline, func() bool { return strings.Contains(texts(slack.DM("U1")), prompt) }) {
		t.Fatalf("no scheduled prompt for the consented Slack user within %v:\n%s", deadline, texts(slack.DM("U1")))
	}
	if !discord.Await(deadline, func() bool { return strings.Contains(dm(), prompt) }) {
		t.Fatalf("no scheduled prompt for the consented Discord user within %v:\n%s", deadline, dm())
	}
	time.Sleep(6 * time.Second) // another sweep: nobody else is due
	for _, u := range []string{"U2", "U3"} {
		if strings.Contains(texts(slack.DM(u)), prompt) {
			t.Errorf("%s got a scheduled prompt:\n%s", u, texts(slack.DM(u)))
		}
	}
	if n := strings.Count(texts(slack.DM("U1")), prompt); n != 1 {
		t.Errorf("U1 got the prompt %d times, want 1", n)
	}
}
