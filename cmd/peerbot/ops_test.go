package main

// Tests of what an operator sees: half-configured secrets, the start-up
// summary, setup slack|discord, validate on configs and empty folders, the
// HTTP endpoints (/healthz, /readyz, /metrics) and the logs.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"gopkg.in/yaml.v3"

	"github.com/peerbot/peerbot/adapters/slack"
	"github.com/peerbot/peerbot/internal/fakeslack"
	"github.com/peerbot/peerbot/internal/redistest"
)

// writeConfig writes a config file for one test and returns its path.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "peerbot.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A platform with some of its secrets, or its settings without them, stops
// `peerbot run` with the missing variable and where to get it; nothing
// starts and no secret is echoed.
func TestHalfConfiguredSecretsStopStartup(t *testing.T) {
	t.Parallel()
	const botToken, appToken, secret = "xoxb-visible-bot-token", "xapp-visible-app-token", "visible-signing-secret"
	for _, tc := range []struct {
		name   string
		env    []string
		config string
		want   []string
	}{
		{
			name: "slack bot token only",
			env:  []string{"PEERBOT_SLACK_BOT_TOKEN=" + botToken},
			want: []string{"PEERBOT_SLACK_APP_TOKEN", "PEERBOT_SLACK_SIGNING_SECRET", "connections:write", "api.slack.com/apps"},
		},
		{
			name: "slack app token only",
			env:  []string{"PEERBOT_SLACK_APP_TOKEN=" + appToken},
			want: []string{"$PEERBOT_SLACK_BOT_TOKEN: not set", "OAuth & Permissions"},
		},
		{
			name: "slack signing secret only",
			env:  []string{"PEERBOT_SLACK_SIGNING_SECRET=" + secret},
			want: []string{"$PEERBOT_SLACK_BOT_TOKEN: not set", "OAuth & Permissions"},
		},
		{
			name:   "slack http mode without the signing secret",
			env:    []string{"PEERBOT_SLACK_BOT_TOKEN=" + botToken, "PEERBOT_SLACK_APP_TOKEN=" + appToken},
			config: "slack:\n  mode: http\n",
			want:   []string{"$PEERBOT_SLACK_SIGNING_SECRET: not set, but slack.mode is http", "Signing Secret"},
		},
		{
			name:   "discord settings without the token",
			config: "discord:\n  guild_ids: [\"123456789012345678\"]\n",
			want:   []string{"peerbot.yaml:2: discord.guild_ids", "PEERBOT_DISCORD_TOKEN is not set", "Bot → Reset Token"},
		},
		{
			name:   "slack settings without tokens",
			config: "slack:\n  peer_channels: [C1]\n",
			want:   []string{"peerbot.yaml:2: slack.peer_channels", "PEERBOT_SLACK_BOT_TOKEN is not set"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.env...)
			args := []string{"run", "--data", t.TempDir()}
			if tc.config != "" {
				args = append(args, "--config", writeConfig(t, tc.config))
			}
			r := e.run(t, "yes\n", args...)
			mustExit(t, r, 1)
			mustContain(t, "stderr", r.stderr, tc.want...)
			mustNotContain(t, "stderr", r.stderr, botToken, appToken, secret, consentIntro)
			if r.stdout != "" {
				t.Errorf("a refused start printed on stdout (the terminal chat?)\n%s", r)
			}
		})
	}
}

// A started `peerbot run`, with its stderr watched.
type runningBot struct {
	t      *testing.T
	cmd    *exec.Cmd
	stderr *lineWatcher
	addr   string // the HTTP address it said it listens on
}

var httpLine = regexp.MustCompile(`(?m)^\s+http:\s+(\S+) /healthz`)

// startRun starts `peerbot run args...` and waits for its start-up summary.
func startRun(t *testing.T, e *env, args ...string) *runningBot {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, peerbotBin, append([]string{"run"}, args...)...)
	cmd.Env = e.environ()
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdout = io.Discard
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rb := &runningBot{t: t, cmd: cmd, stderr: watchLines(pipe, "  http: ")}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		<-rb.stderr.done
		_ = cmd.Wait()
		cancel()
		if t.Failed() {
			t.Logf("peerbot run stderr:\n%s", rb.stderr)
		}
	})
	select {
	case <-rb.stderr.seen:
	case <-rb.stderr.done:
		t.Fatalf("peerbot run ended before its summary; stderr:\n%s", rb.stderr)
	case <-time.After(runTimeout):
		t.Fatalf("no summary within %v; stderr:\n%s", runTimeout, rb.stderr)
	}
	m := httpLine.FindStringSubmatch(rb.stderr.String())
	if m == nil {
		t.Fatalf("the summary does not say where HTTP listens:\n%s", rb.stderr)
	}
	rb.addr = m[1]
	return rb
}

// get fetches path from the bot's HTTP server.
func (rb *runningBot) get(path string) (int, string) {
	rb.t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	res, err := client.Get("http://" + rb.addr + path)
	if err != nil {
		rb.t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// await polls path until its status is code, and returns the last body.
func (rb *runningBot) await(path string, code int) string {
	rb.t.Helper()
	deadline := time.Now().Add(runTimeout)
	for {
		got, body := rb.get(path)
		if got == code {
			return body
		}
		if time.Now().After(deadline) {
			rb.t.Fatalf("GET %s: %d %q; want %d within %v", path, got, body, code, runTimeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// awaitMetrics polls /metrics until cond holds, and returns that scrape.
func (rb *runningBot) awaitMetrics(cond func(string) bool) string {
	rb.t.Helper()
	deadline := time.Now().Add(runTimeout)
	for {
		_, m := rb.get("/metrics")
		if cond(m) {
			return m
		}
		if time.Now().After(deadline) {
			rb.t.Fatalf("/metrics did not get there within %v:\n%s", runTimeout, m)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// metric returns the value of the series line that starts with series
// (name and labels as Prometheus prints them), 0 when there is none.
func metric(t *testing.T, body, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatalf("series %s: %v", series, err)
			}
			return v
		}
	}
	return 0
}

// `peerbot run` on Redis against the Slack fake: /healthz answers, a
// scripted check-in moves the counters on /metrics, /readyz goes 503 with
// the reason while Redis is down and 200 when it is back, and the start-up
// summary says what runs without any secret.
func TestRunServesHealthReadinessAndMetrics(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	fake := fakeslack.New(t, fakeslack.Options{ChannelRate: -1})
	cfg := writeConfig(t, fmt.Sprintf("http:\n  addr: 127.0.0.1:0\nslack:\n  api_url: %s\nlog:\n  format: json\n", fake.APIURL()))
	o := fake.Options()
	e := newEnv(t, "PEERBOT_SLACK_BOT_TOKEN="+o.BotToken, "PEERBOT_SLACK_APP_TOKEN="+o.AppToken, "PEERBOT_REDIS_URL="+srv.URL())
	rb := startRun(t, e, "--config", cfg, "--data", t.TempDir(), "--log-level", "debug")

	if code, body := rb.get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if !fake.Wait(runTimeout, fake.Connected) {
		t.Fatal("peerbot did not connect to Slack")
	}
	if body := rb.await("/readyz", 200); body != "ready\n" {
		t.Errorf("/readyz: %q", body)
	}
	_, before := rb.get("/metrics")
	handledOK := `peerbot_messages_handled_total{outcome="ok",platform="slack"}`
	sentOK := `peerbot_replies_sent_total{outcome="ok",platform="slack"}`
	concern := `peerbot_flags_raised_total{level="concern"}`
	if metric(t, before, handledOK) != 0 || !strings.Contains(before, handledOK+" 0") {
		t.Errorf("before any message, want %s at 0:\n%s", handledOK, before)
	}

	// The check-in: consent, a low mood (a concern flag), the sleep hours.
	dm := fake.DM("U1")
	for i, line := range []string{"hi", "yes", "1", "7"} {
		fake.Push(fake.MessageEvent("U1", dm, line))
		want := []int{1, 3, 4, 5}[i] // bot messages in the DM after this line
		if !fake.Wait(runTimeout, func() bool { return len(fake.Messages(dm)) >= want }) {
			t.Fatalf("after %q: %d messages in the DM, want %d", line, len(fake.Messages(dm)), want)
		}
	}
	// The last reply reaches Slack a moment before Handle returns and is
	// counted: wait for the counts to settle.
	after := rb.awaitMetrics(func(m string) bool {
		return metric(t, m, handledOK) >= 4 && metric(t, m, sentOK) >= 4
	})
	if got := metric(t, after, handledOK); got != 4 {
		t.Errorf("%s = %v, want 4", handledOK, got)
	}
	if got := metric(t, after, sentOK); got < 4 {
		t.Errorf("%s = %v, want at least 4", sentOK, got)
	}
	if got := metric(t, after, concern); got != 1 {
		t.Errorf("%s = %v, want 1 (the low mood)", concern, got)
	}
	if got := metric(t, after, `peerbot_handle_duration_seconds_count{platform="slack"}`); got != 4 {
		t.Errorf("handle duration count = %v, want 4", got)
	}
	// Every envelope (the bot's own echoes included) was acknowledged after
	// its save, none at the deadline.
	if got := metric(t, after, `peerbot_acks_after_save_total{platform="slack"}`); got < 4 {
		t.Errorf("acks after save = %v, want at least 4", got)
	}
	if got := metric(t, after, `peerbot_acks_at_deadline_total{platform="slack"}`); got != 0 {
		t.Errorf("acks at the deadline = %v, want 0", got)
	}
	if got := metric(t, after, `peerbot_flags_kept_in_memory`); got != 0 {
		t.Errorf("flags kept in memory = %v, want 0", got)
	}
	// The outbox's deliveries, and what the outboxes hold: the replies all
	// went out; the scheduled starts wait as timers.
	if got := metric(t, after, `peerbot_deliveries_total{outcome="sent"}`); got < 4 {
		t.Errorf("deliveries sent = %v, want at least 4", got)
	}
	// The outboxes are counted every few seconds at most.
	counted := rb.awaitMetrics(func(m string) bool { return metric(t, m, `peerbot_outbox_timers`) >= 1 })
	if got := metric(t, counted, `peerbot_outbox_messages`); got != 0 {
		t.Errorf("outbox messages = %v, want 0 after every reply went out", got)
	}
	for _, want := range []string{`peerbot_prompts_scheduled_total 0`, `peerbot_reminders_total 0`, `peerbot_reconnects_total{platform="slack"} 0`} {
		if !strings.Contains(after, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	for _, want := range []string{`peerbot_platform_connected{platform="slack"} 1`, `peerbot_build_info{version=`} {
		if !strings.Contains(after, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(after, "U1") || strings.Contains(after, "T0FAKE") {
		t.Errorf("/metrics names a user or workspace:\n%s", after)
	}

	// Redis down: not ready, with the reason; a message now is a store error.
	srv.Stop()
	body := rb.await("/readyz", 503)
	mustContain(t, "/readyz with Redis down", body, "not ready", "store: Redis at "+srv.Addr)
	fake.Push(fake.MessageEvent("U1", dm, "no"))
	storeErr := `peerbot_store_errors_total{code="unavailable",operation="load"}`
	rb.awaitMetrics(func(m string) bool {
		return metric(t, m, storeErr) >= 1 && metric(t, m, `peerbot_messages_handled_total{outcome="unavailable",platform="slack"}`) >= 1
	})

	srv.Restart(t)
	rb.await("/readyz", 200)

	// What it runs, and no secret anywhere in what it printed.
	log := rb.stderr.String()
	mustContain(t, "summary", log, "slack:", "Socket Mode", "store:", "Redis at "+srv.Addr, "flows:", "daily-checkin", "schedules:", `daily-checkin "0 9 * * *"`, "mentoring:", "not configured", "/metrics")
	mustNotContain(t, "stderr", log, o.BotToken, o.AppToken, "I couldn't save")
	// JSON logs (log.format: json), with ids and never the text typed.
	jsonLines := 0
	for _, line := range strings.Split(log, "\n") {
		if strings.HasPrefix(line, "{") {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Errorf("a log line is not JSON: %q", line)
			}
			jsonLines++
		}
	}
	if jsonLines == 0 {
		t.Errorf("no JSON log line with log.format json:\n%s", log)
	}
}

// In Slack's HTTP mode, Slack's endpoints and /healthz share http.addr.
func TestSlackHTTPModeSharesTheServer(t *testing.T) {
	t.Parallel()
	fake := fakeslack.New(t, fakeslack.Options{ChannelRate: -1})
	cfg := writeConfig(t, fmt.Sprintf("http:\n  addr: 127.0.0.1:0\nslack:\n  mode: http\n  api_url: %s\n", fake.APIURL()))
	o := fake.Options()
	e := newEnv(t, "PEERBOT_SLACK_BOT_TOKEN="+o.BotToken, "PEERBOT_SLACK_SIGNING_SECRET="+o.SigningSecret)
	rb := startRun(t, e, "--config", cfg, "--data", t.TempDir())
	mustContain(t, "summary", rb.stderr.String(), "HTTP Events API", "/slack/events", "/slack/interactions", "/slack/commands")
	rb.await("/readyz", 200)
	dm := fake.DM("U1")
	res, err := fake.DeliverHTTP("http://"+rb.addr, fake.MessageEvent("U1", dm, "hi"))
	if err != nil || res.Status != 200 {
		t.Fatalf("event over HTTP: %d %v", res.Status, err)
	}
	if !fake.Wait(runTimeout, func() bool { return len(fake.Messages(dm)) > 0 }) {
		t.Fatal("no reply to an event delivered over HTTP")
	}
	if got := fake.Messages(dm)[0].Text; !strings.Contains(got, consentQuestion) {
		t.Errorf("reply %q is not the consent question", got)
	}
	if res, err := fake.DeliverHTTP("http://"+rb.addr, fake.MessageEvent("U1", dm, "hi"), fakeslack.WithSecret("wrong")); err != nil || res.Status != 401 {
		t.Errorf("a forged request got %d %v, want 401", res.Status, err)
	}
	if code, _ := rb.get("/healthz"); code != 200 {
		t.Errorf("/healthz: %d", code)
	}
	r := newEnv(t).run(t, "", "health", "--config", writeConfig(t, "http:\n  addr: "+rb.addr+"\n"))
	mustExit(t, r, 0)
}

// `peerbot health` fails when nothing answers on http.addr.
func TestHealthCommandWithNothingRunning(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	srv.Kill() // a port that was free a moment ago and is closed now
	r := newEnv(t).run(t, "", "health", "--config", writeConfig(t, "http:\n  addr: "+srv.Addr+"\n"))
	mustExit(t, r, 1)
	mustContain(t, "stderr", r.stderr, "health:", srv.Addr)
}

// The manifest parses as YAML and asks for exactly the scopes, events and
// slash commands the adapter uses, in the mode configured.
func TestSetupSlack(t *testing.T) {
	t.Parallel()
	type manifest struct {
		Features struct {
			AppHome struct {
				Messages bool `yaml:"messages_tab_enabled"`
				ReadOnly bool `yaml:"messages_tab_read_only_enabled"`
			} `yaml:"app_home"`
			SlashCommands []struct {
				Command, URL string
			} `yaml:"slash_commands"`
		}
		OAuth struct {
			Scopes struct{ Bot []string }
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				RequestURL string   `yaml:"request_url"`
				BotEvents  []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				Enabled    bool   `yaml:"is_enabled"`
				RequestURL string `yaml:"request_url"`
			}
			SocketMode bool `yaml:"socket_mode_enabled"`
		}
	}
	var commands []string
	for _, c := range slack.SlashCommands {
		commands = append(commands, c.Command)
	}
	for _, tc := range []struct {
		name   string
		config string
		env    []string
		args   []string
		socket bool
	}{
		{name: "socket mode by default", socket: true},
		{name: "socket mode from the app token", env: []string{"PEERBOT_SLACK_APP_TOKEN=xapp-1"}, socket: true},
		{name: "http mode from the config", config: "slack:\n  mode: http\n", args: []string{"--url", "https://bot.example.org/"}},
		{name: "http mode from the flag", config: "slack:\n  mode: socket\n", args: []string{"--mode", "http", "--url", "https://bot.example.org"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"setup", "slack"}, tc.args...)
			if tc.config != "" {
				args = append(args, "--config", writeConfig(t, tc.config))
			}
			r := newEnv(t, tc.env...).run(t, "", args...)
			mustExit(t, r, 0)
			var m manifest
			if err := yaml.Unmarshal([]byte(r.stdout), &m); err != nil {
				t.Fatalf("the manifest is not YAML: %v\n%s", err, r.stdout)
			}
			if !slices.Equal(m.OAuth.Scopes.Bot, slack.BotScopes) {
				t.Errorf("scopes %q, want %q", m.OAuth.Scopes.Bot, slack.BotScopes)
			}
			for _, s := range []string{"chat:write", "im:history", "im:write", "users:read", "commands", "reactions:write", "channels:history", "groups:history", "files:write"} {
				if !slices.Contains(m.OAuth.Scopes.Bot, s) {
					t.Errorf("no scope %s", s)
				}
			}
			if !slices.Equal(m.Settings.Events.BotEvents, slack.BotEvents) {
				t.Errorf("events %q, want what the adapter handles: %q", m.Settings.Events.BotEvents, slack.BotEvents)
			}
			var got []string
			for _, c := range m.Features.SlashCommands {
				got = append(got, c.Command)
			}
			if !slices.Equal(got, commands) {
				t.Errorf("slash commands %q, want %q", got, commands)
			}
			if !m.Settings.Interactivity.Enabled || !m.Features.AppHome.Messages || m.Features.AppHome.ReadOnly {
				t.Errorf("want interactivity and a writable App Home messages tab: %+v %+v", m.Settings.Interactivity, m.Features.AppHome)
			}
			if m.Settings.SocketMode != tc.socket {
				t.Errorf("socket_mode_enabled %v, want %v", m.Settings.SocketMode, tc.socket)
			}
			urls := []string{m.Settings.Events.RequestURL, m.Settings.Interactivity.RequestURL}
			for _, c := range m.Features.SlashCommands {
				urls = append(urls, c.URL)
			}
			want := []string{"https://bot.example.org/slack/events", "https://bot.example.org/slack/interactions"}
			for range commands {
				want = append(want, "https://bot.example.org/slack/commands")
			}
			if tc.socket {
				want = make([]string, len(urls))
				mustContain(t, "instructions", r.stdout, "connections:write", "PEERBOT_SLACK_APP_TOKEN")
			} else {
				mustContain(t, "instructions", r.stdout, "PEERBOT_SLACK_SIGNING_SECRET", "reverse proxy")
			}
			if !slices.Equal(urls, want) {
				t.Errorf("request URLs %q, want %q", urls, want)
			}
		})
	}
	t.Run("http mode without a public URL", func(t *testing.T) {
		t.Parallel()
		for _, args := range [][]string{{"--mode", "http"}, {"--mode", "http", "--url", "http://bot.example.org"}} {
			r := newEnv(t).run(t, "", append([]string{"setup", "slack"}, args...)...)
			mustExit(t, r, 2)
			mustContain(t, "stderr", r.stderr, "--url https://")
		}
	})
}

// The invite URL has the scopes and the permission bits the features use;
// the Message Content intent is asked for only with peer channels.
func TestSetupDiscord(t *testing.T) {
	t.Parallel()
	wantPerms := int64(discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionSendMessagesInThreads |
		discordgo.PermissionEmbedLinks | discordgo.PermissionAttachFiles | discordgo.PermissionReadMessageHistory |
		discordgo.PermissionAddReactions | discordgo.PermissionCreatePublicThreads)
	invite := regexp.MustCompile(`https://discord\.com/oauth2/authorize\?\S+`)
	for _, tc := range []struct {
		name, config string
		args         []string
		clientID     string
		content      bool // Message Content to enable
	}{
		{name: "client id from the flag", args: []string{"--client-id", "111111111111111111"}, clientID: "111111111111111111"},
		{name: "client id and peer channels from the config", config: "discord:\n  client_id: \"222222222222222222\"\n  peer_channels: [\"333333333333333333\"]\n", clientID: "222222222222222222", content: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"setup", "discord"}, tc.args...)
			if tc.config != "" {
				args = append(args, "--config", writeConfig(t, tc.config))
			}
			r := newEnv(t).run(t, "", args...)
			mustExit(t, r, 0)
			u, err := url.Parse(invite.FindString(r.stdout))
			if err != nil || u.Host == "" {
				t.Fatalf("no invite URL in:\n%s", r.stdout)
			}
			q := u.Query()
			if q.Get("client_id") != tc.clientID || q.Get("scope") != "bot applications.commands" {
				t.Errorf("client_id %q scope %q", q.Get("client_id"), q.Get("scope"))
			}
			if perms, err := strconv.ParseInt(q.Get("permissions"), 10, 64); err != nil || perms != wantPerms {
				t.Errorf("permissions %q, want %d", q.Get("permissions"), wantPerms)
			}
			content := strings.Contains(r.stdout, "(Bot → Privileged Gateway Intents): Message Content Intent")
			if content != tc.content {
				t.Errorf("asks to enable Message Content: %v, want %v\n%s", content, tc.content, r.stdout)
			}
		})
	}
	t.Run("no client id", func(t *testing.T) {
		t.Parallel()
		r := newEnv(t).run(t, "", "setup", "discord")
		mustExit(t, r, 2)
		mustContain(t, "stderr", r.stderr, "--client-id", "Application ID")
	})
}

// validate takes a config by its keys, even with only slack: and redis:,
// and an empty folder is an error, not "ok".
func TestValidateConfigsAndEmptyFolders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	slackRedis := write("slack-redis.yaml", "slack:\n  mode: socket\nredis:\n  url: redis://redis:6379/0\n")
	badRedis := write("bad/slack-redis.yaml", "slack:\n  mode: socket\nredis:\n  url: http://redis:6379/0\n")
	neither := write("neither/x.yaml", "colour: blue\n")
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	write("onlytext/readme.txt", "no yaml here\n")
	mixed := write("mixed/peerbot.yaml", "timezone: UTC\n")
	write("mixed/evening.yaml", "id: evening\nsteps:\n  - id: q\n    ask: How was it?\n    yesno: {}\n")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr []string
	}{
		{name: "config with only slack and redis", args: []string{slackRedis}, stdout: "ok: 1 file(s)"},
		{name: "a broken config of that kind is reported as a config", args: []string{badRedis}, code: 1, stderr: []string{badRedis + ":4: redis.url:"}},
		{name: "a folder with a config and a flow", args: []string{filepath.Dir(mixed)}, stdout: "ok: 2 file(s)"},
		{name: "empty folder", args: []string{empty}, code: 1, stderr: []string{empty + ": nothing to check", "no .yaml or .yml files"}},
		{name: "folder without YAML", args: []string{filepath.Join(dir, "onlytext")}, code: 1, stderr: []string{"nothing to check"}},
		{name: "neither a flow nor a config", args: []string{neither}, code: 1, stderr: []string{"neither a flow", "colour"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newEnv(t).run(t, "", append([]string{"validate"}, tc.args...)...)
			mustExit(t, r, tc.code)
			if tc.stdout != "" {
				mustContain(t, "stdout", r.stdout, tc.stdout)
			}
			mustContain(t, "stderr", r.stderr, tc.stderr...)
		})
	}
}

// The terminal chat's log goes to a file in the data directory, named once
// at start, and not into the conversation on the terminal.
func TestChatLogsToAFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	data := t.TempDir()
	r := e.run(t, "yes\n4\n", "chat", "--data", data, "--log-level", "debug")
	mustExit(t, r, 0)
	logPath := filepath.Join(data, "peerbot.log")
	if n := strings.Count(r.stderr, logPath); n != 1 {
		t.Errorf("stderr names the log file %d times, want once:\n%s", n, r.stderr)
	}
	if logLine.MatchString(r.stderr) || logLine.MatchString(r.stdout) {
		t.Errorf("log lines on the terminal:\n%s", r)
	}
	data2, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatalf("no log file: %v", err)
	}
	if !logLine.Match(data2) {
		t.Errorf("the log file has no log line:\n%s", data2)
	}
}

// A config whose stderr is not a terminal logs JSON by default (auto), and
// text when asked.
func TestRunLogFormat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, format string
		json         bool
	}{
		{name: "auto, not a terminal", format: "auto", json: true},
		{name: "text", format: "text", json: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := fakeslack.New(t, fakeslack.Options{})
			o := fake.Options()
			cfg := writeConfig(t, fmt.Sprintf("http:\n  addr: 127.0.0.1:0\nlog_level: info\nlog:\n  format: %s\nslack:\n  api_url: %s\n", tc.format, fake.APIURL()))
			e := newEnv(t, "PEERBOT_SLACK_BOT_TOKEN="+o.BotToken, "PEERBOT_SLACK_APP_TOKEN="+o.AppToken)
			rb := startRun(t, e, "--config", cfg, "--data", t.TempDir())
			if !fake.Wait(runTimeout, fake.Connected) {
				t.Fatal("not connected")
			}
			rb.await("/readyz", 200)
			var logs []string
			sc := bufio.NewScanner(strings.NewReader(rb.stderr.String()))
			for sc.Scan() {
				if l := sc.Text(); strings.Contains(l, "connected to Slack") {
					logs = append(logs, l)
				}
			}
			if len(logs) == 0 {
				t.Fatalf("no log line about connecting:\n%s", rb.stderr)
			}
			var rec map[string]any
			isJSON := json.Unmarshal([]byte(logs[0]), &rec) == nil
			if isJSON != tc.json {
				t.Errorf("log line %q: JSON %v, want %v", logs[0], isJSON, tc.json)
			}
		})
	}
}
