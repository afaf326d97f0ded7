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

// `peerbot run` starts Slack and Discord together when their secrets are in
// the environment, and both answer a DM.
func TestRunStartsSlackAndDiscord(t *testing.T) {
	t.Parallel()
	slack := fakeslack.New(t, fakeslack.Options{})
	discord := fakediscord.New(fakediscord.Options{})
	t.Cleanup(discord.Close)

	cfg := filepath.Join(t.TempDir(), "peerbot.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("http:\n  addr: 127.0.0.1:0\nslack:\n  api_url: %s\ndiscord:\n  api_url: %s\n", slack.APIURL(), discord.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t,
		"PEERBOT_SLACK_BOT_TOKEN="+slack.Options().BotToken,
		"PEERBOT_SLACK_APP_TOKEN="+slack.Options().AppToken,
		"PEERBOT_DISCORD_TOKEN="+fakediscord.DefaultToken,
	)
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, peerbotBin, "run", "--config", cfg, "--data", t.TempDir())
	cmd.Env = e.environ()
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr testsync.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		}
	}()

	if !slack.Wait(runTimeout, slack.Connected) {
		t.Fatal("peerbot did not connect to Slack's Socket Mode")
	}
	slack.Push(slack.MessageEvent("U1", slack.DM("U1"), "hi"))
	if !slack.Wait(runTimeout, func() bool { return len(slack.Messages(slack.DM("U1"))) > 0 }) {
		t.Fatal("no reply in the Slack DM")
	}
	if got := slack.Messages(slack.DM("U1"))[0].Text; !strings.Contains(got, consentQuestion) {
		t.Errorf("Slack reply %q is not the consent question", got)
	}

	sam := fakediscord.User{ID: "300000000000000001", Username: "sam"}
	var sent bool
	if !discord.Await(runTimeout, func() bool {
		if !sent {
			if _, err := discord.SendDM(sam, "hi"); err == nil {
				sent = true
			}
		}
		return len(discord.MessagesIn(discord.DMChannel(sam.ID))) > 0
	}) {
		t.Fatal("no reply in the Discord DM")
	}
	if got := discord.MessagesIn(discord.DMChannel(sam.ID))[0].Content; !strings.Contains(got, consentQuestion) {
		t.Errorf("Discord reply %q is not the consent question", got)
	}
	if stdout.String() != "" {
		t.Errorf("peerbot run printed a terminal chat with platforms configured: %q", stdout.String())
	}
	// The start-up summary names both platforms and no secret.
	log := stderr.String()
	mustContain(t, "stderr", log, "slack:", "Socket Mode", "discord:", "gateway", "store:", "peerbot.db")
	mustNotContain(t, "stderr", log, slack.Options().BotToken, slack.Options().AppToken, fakediscord.DefaultToken)
}
