package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/peerbot/peerbot/adapters/discord"
	"github.com/peerbot/peerbot/adapters/slack"
	"github.com/peerbot/peerbot/config"
)

const setupUsage = `peerbot setup: print what a platform needs to be set up.

Usage:
  peerbot setup slack [--config FILE] [--mode socket|http] [--url https://bot.example.org] [--name NAME]
      the Slack app manifest (YAML) to paste at api.slack.com/apps → Create New App → From a manifest
  peerbot setup discord [--config FILE] [--client-id ID]
      the invite URL with the permissions peerbot needs, and the intents to enable
`

func setupCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, setupUsage)
		return errUsage
	}
	switch args[0] {
	case "slack":
		return setupSlackCommand(args[1:], stdout, stderr)
	case "discord":
		return setupDiscordCommand(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, setupUsage)
		return nil
	default:
		fmt.Fprintf(stderr, "peerbot setup: unknown platform %q\n\n%s", args[0], setupUsage)
		return errUsage
	}
}

func setupSlackCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("setup slack", flag.ContinueOnError)
	configFile := fs.String("config", "", "config `file` (default $PEERBOT_CONFIG); slack.mode says the mode")
	mode := fs.String("mode", "", "socket or http (default: slack.mode, else http when only PEERBOT_SLACK_SIGNING_SECRET is set, else socket)")
	base := fs.String("url", "", "HTTP mode: the public HTTPS `URL` in front of http.addr, e.g. https://bot.example.org")
	name := fs.String("name", "peerbot", "the app's and the bot's `name` in Slack")
	if err := parseFlags(fs, args, stdout, stderr, "peerbot setup slack: print the Slack app manifest (YAML) for the configured mode.\n\nUsage: peerbot setup slack [--config FILE] [--mode socket|http] [--url https://bot.example.org] [--name NAME]"); err != nil {
		return err
	}
	cfg, err := config.Load(config.FromEnv(*configFile))
	if err != nil {
		return err
	}
	m := strings.ToLower(*mode)
	switch {
	case m != "":
	case cfg.Slack.Mode != "":
		m = cfg.Slack.Mode
	case cfg.Slack.AppToken == "" && cfg.Slack.SigningSecret != "":
		m = slack.ModeHTTP
	default:
		m = slack.ModeSocket
	}
	if m != slack.ModeSocket && m != slack.ModeHTTP {
		fmt.Fprintf(stderr, "peerbot setup slack: --mode %q is not socket or http\n", *mode)
		return errUsage
	}
	if m == slack.ModeHTTP {
		u, err := url.Parse(*base)
		if *base == "" || err != nil || u.Scheme != "https" || u.Host == "" {
			fmt.Fprintf(stderr, "peerbot setup slack: HTTP mode needs the public HTTPS address Slack will post to, in front of http.addr (%s): --url https://bot.example.org\n", cfg.HTTP.Addr)
			return errUsage
		}
	}
	fmt.Fprint(stdout, slackManifestHeader(m, cfg.HTTP.Addr))
	enc := yaml.NewEncoder(stdout)
	enc.SetIndent(2)
	if err := enc.Encode(slackManifest(m, strings.TrimSuffix(*base, "/"), *name)); err != nil {
		return err
	}
	return enc.Close()
}

func slackManifestHeader(mode, httpAddr string) string {
	steps := []string{
		"api.slack.com/apps → Create New App → From a manifest → pick the workspace → paste this whole file.",
		"Install to Workspace; copy the Bot User OAuth Token (xoxb-…) into PEERBOT_SLACK_BOT_TOKEN.",
	}
	if mode == slack.ModeSocket {
		steps = append(steps,
			"Basic Information → App-Level Tokens → Generate Token and Scopes, with the scope connections:write; copy it (xapp-…) into PEERBOT_SLACK_APP_TOKEN.",
			"peerbot run: Socket Mode dials out to Slack; no public URL is needed.")
	} else {
		steps = append(steps,
			"Basic Information → App Credentials → copy the Signing Secret into PEERBOT_SLACK_SIGNING_SECRET; set slack.mode: http.",
			"Put an HTTPS reverse proxy at the URL above in front of http.addr ("+httpAddr+"); Slack checks the request URL once peerbot runs (Event Subscriptions → Retry).",
			"peerbot run.")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Slack app manifest for peerbot (%s mode).\n", mode)
	for i, s := range steps {
		fmt.Fprintf(&b, "# %d. %s\n", i+1, s)
	}
	return b.String()
}

// The Slack app manifest, in the order Slack documents its keys.
type (
	slackAppManifest struct {
		Metadata           manifestMetadata `yaml:"_metadata"`
		DisplayInformation manifestDisplay  `yaml:"display_information"`
		Features           manifestFeatures `yaml:"features"`
		OAuthConfig        manifestOAuth    `yaml:"oauth_config"`
		Settings           manifestSettings `yaml:"settings"`
	}
	manifestMetadata struct {
		MajorVersion int `yaml:"major_version"`
		MinorVersion int `yaml:"minor_version"`
	}
	manifestDisplay struct {
		Name        string `yaml:"name"`
		Description string `yaml:"description"`
	}
	manifestFeatures struct {
		AppHome       manifestAppHome         `yaml:"app_home"`
		BotUser       manifestBotUser         `yaml:"bot_user"`
		SlashCommands []manifestSlashCommands `yaml:"slash_commands"`
	}
	manifestAppHome struct {
		HomeTabEnabled             bool `yaml:"home_tab_enabled"`
		MessagesTabEnabled         bool `yaml:"messages_tab_enabled"`
		MessagesTabReadOnlyEnabled bool `yaml:"messages_tab_read_only_enabled"`
	}
	manifestBotUser struct {
		DisplayName  string `yaml:"display_name"`
		AlwaysOnline bool   `yaml:"always_online"`
	}
	manifestSlashCommands struct {
		Command      string `yaml:"command"`
		URL          string `yaml:"url,omitempty"`
		Description  string `yaml:"description"`
		UsageHint    string `yaml:"usage_hint,omitempty"`
		ShouldEscape bool   `yaml:"should_escape"`
	}
	manifestOAuth struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	}
	manifestSettings struct {
		EventSubscriptions struct {
			RequestURL string   `yaml:"request_url,omitempty"`
			BotEvents  []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			IsEnabled  bool   `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url,omitempty"`
		} `yaml:"interactivity"`
		OrgDeployEnabled     bool `yaml:"org_deploy_enabled"`
		SocketModeEnabled    bool `yaml:"socket_mode_enabled"`
		TokenRotationEnabled bool `yaml:"token_rotation_enabled"`
	}
)

// slackManifest is the manifest for mode; base is the public URL in HTTP
// mode. Scopes, events and commands are the adapter's own lists.
func slackManifest(mode, base, name string) slackAppManifest {
	m := slackAppManifest{
		Metadata:           manifestMetadata{MajorVersion: 1, MinorVersion: 1},
		DisplayInformation: manifestDisplay{Name: name, Description: "Daily check-ins and goals for a peer-support community, with mentors in the loop."},
		Features: manifestFeatures{
			AppHome: manifestAppHome{HomeTabEnabled: true, MessagesTabEnabled: true},
			BotUser: manifestBotUser{DisplayName: name, AlwaysOnline: true},
		},
	}
	http := mode == slack.ModeHTTP
	for _, c := range slack.SlashCommands {
		sc := manifestSlashCommands{Command: c.Command, Description: c.Description, UsageHint: c.UsageHint}
		if http {
			sc.URL = base + "/slack/commands"
		}
		m.Features.SlashCommands = append(m.Features.SlashCommands, sc)
	}
	m.OAuthConfig.Scopes.Bot = append([]string(nil), slack.BotScopes...)
	m.Settings.EventSubscriptions.BotEvents = append([]string(nil), slack.BotEvents...)
	m.Settings.Interactivity.IsEnabled = true
	if http {
		m.Settings.EventSubscriptions.RequestURL = base + "/slack/events"
		m.Settings.Interactivity.RequestURL = base + "/slack/interactions"
	}
	m.Settings.SocketModeEnabled = !http
	return m
}

func setupDiscordCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("setup discord", flag.ContinueOnError)
	configFile := fs.String("config", "", "config `file` (default $PEERBOT_CONFIG); discord.client_id and discord.peer_channels are read from it")
	clientID := fs.String("client-id", "", "the application `id` (developer portal, General Information → Application ID; default discord.client_id)")
	if err := parseFlags(fs, args, stdout, stderr, "peerbot setup discord: print the invite URL with the permissions peerbot needs, and the intents to enable.\n\nUsage: peerbot setup discord [--config FILE] [--client-id ID]"); err != nil {
		return err
	}
	cfg, err := config.Load(config.FromEnv(*configFile))
	if err != nil {
		return err
	}
	id := strings.TrimSpace(*clientID)
	if id == "" {
		id = cfg.Discord.ClientID
	}
	if id == "" || strings.Trim(id, "0123456789") != "" {
		fmt.Fprintln(stderr, "peerbot setup discord: give the application id with --client-id ID or discord.client_id in the config: discord.com/developers/applications → your application → General Information → Application ID (a number)")
		return errUsage
	}
	intents := discord.Intents(discord.Config{PeerChannels: cfg.Discord.PeerChannels})
	privileged := discord.PrivilegedIntents(intents)
	fmt.Fprintf(stdout, "Invite URL (scopes %s; permissions %d: view channels, send messages, send messages in threads, embed links, attach files, read message history, add reactions, create public threads):\n\n  %s\n\n",
		strings.Join(discord.Scopes, ", "), discord.Permissions, discord.InviteURL(id))
	if len(privileged) == 0 {
		fmt.Fprintln(stdout, "Privileged intents to enable (Bot → Privileged Gateway Intents): none. peerbot reads DMs, which need no privileged intent; with discord.peer_channels set it would need the Message Content Intent.")
	} else {
		fmt.Fprintf(stdout, "Privileged intents to enable (Bot → Privileged Gateway Intents): %s (discord.peer_channels is set: peerbot reads messages there).\n", strings.Join(privileged, ", "))
	}
	fmt.Fprintln(stdout, "Then set PEERBOT_DISCORD_TOKEN to the bot token (Bot → Reset Token) and run peerbot run.")
	return nil
}

// healthCommand asks a running peerbot whether it is alive (or ready): the
// HEALTHCHECK of an image without curl.
func healthCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	configFile := fs.String("config", "", "config `file` (default $PEERBOT_CONFIG); http.addr says where to ask")
	ready := fs.Bool("ready", false, "ask /readyz (store and platforms answer) instead of /healthz (alive)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, args, stdout, stderr, "peerbot health: ask the peerbot running on http.addr whether it is alive (exit 0) or not (exit 1).\n\nUsage: peerbot health [--config FILE] [--ready] [--timeout 3s]"); err != nil {
		return err
	}
	cfg, err := config.Load(config.FromEnv(*configFile))
	if err != nil {
		return err
	}
	path := "/healthz"
	if *ready {
		path = "/readyz"
	}
	u := "http://" + dialAddr(cfg.HTTP.Addr) + path
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	fmt.Fprint(stdout, string(body))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s answered %s", u, res.Status)
	}
	return nil
}

// dialAddr turns a listening address into one to connect to: a wildcard
// host (0.0.0.0, ::, none) becomes the loopback.
func dialAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	switch host {
	case "", "0.0.0.0", "::", "[::]":
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
