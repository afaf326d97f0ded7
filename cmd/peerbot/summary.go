package main

import (
	"fmt"
	"strings"

	"github.com/peerbot/peerbot/adapters/discord"
	"github.com/peerbot/peerbot/adapters/slack"
	"github.com/peerbot/peerbot/config"
)

// summary says, at start, what `peerbot run` runs: platforms and modes,
// the store and where, the flows, their schedules, mentoring and the HTTP
// endpoints. It names settings, never a secret: tokens are only said to
// be set, and the store is named by its address (a Redis URL may carry a
// password).
func summary(cfg *config.Config, a *app, ps []platform, httpAddr string) string {
	var b strings.Builder
	line := func(what, format string, args ...any) {
		fmt.Fprintf(&b, "  %-10s %s\n", what+":", fmt.Sprintf(format, args...))
	}
	fmt.Fprintf(&b, "peerbot %s starting\n", versionString())
	paths := []string{"/healthz", "/readyz", "/metrics"}
	for _, p := range ps {
		switch p := p.(type) {
		case slackPlatform:
			line("slack", "%s; %s", slackMode(p.Mode()), slackDetails(cfg.Slack))
			if p.httpHandler() != nil {
				paths = append(paths, "/slack/events", "/slack/interactions", "/slack/commands")
			}
		case *discord.Adapter:
			line("discord", "gateway; %s", discordDetails(cfg.Discord))
		default:
			line(p.Name(), "on")
		}
	}
	line("store", "%s", a.where)
	var ids, scheduled []string
	for _, f := range a.flows.All() {
		from := ""
		if !strings.HasPrefix(f.File, "builtin/") {
			from = " (" + f.File + ")"
		}
		ids = append(ids, f.ID+from)
		if f.Schedule != nil {
			scheduled = append(scheduled, fmt.Sprintf("%s %q", f.ID, f.Schedule.Cron))
		}
	}
	line("flows", "%d: %s", len(ids), strings.Join(ids, ", "))
	if len(scheduled) == 0 {
		line("schedules", "none")
	} else {
		line("schedules", "%s, in each user's timezone (default %s); quiet hours %s", strings.Join(scheduled, ", "), cfg.Timezone, quietWords(cfg.QuietHours))
	}
	line("mentoring", "not configured (this version has no mentor settings)")
	line("http", "%s %s", httpAddr, strings.Join(paths, " "))
	return b.String()
}

func slackMode(mode string) string {
	if mode == slack.ModeHTTP {
		return "HTTP Events API (needs a public HTTPS URL in front of http.addr)"
	}
	return "Socket Mode"
}

func slackDetails(c config.Slack) string {
	api := "Slack's Web API"
	if c.APIURL != "" {
		api = "Web API at " + c.APIURL
	}
	return fmt.Sprintf("%s; %s; %g messages/s in the workspace, %g per channel", api, count(len(c.PeerChannels), "peer channel"), c.WorkspaceRate, c.ChannelRate)
}

func discordDetails(c config.Discord) string {
	var parts []string
	if c.APIURL != "" {
		parts = append(parts, "REST at "+c.APIURL)
	}
	if c.ShardCount == 0 {
		parts = append(parts, "every recommended shard")
	} else {
		parts = append(parts, fmt.Sprintf("shard %d of %d", c.ShardID, c.ShardCount))
	}
	if len(c.GuildIDs) == 0 {
		parts = append(parts, "slash commands global")
	} else {
		parts = append(parts, fmt.Sprintf("slash commands in %s", count(len(c.GuildIDs), "guild")))
	}
	parts = append(parts, count(len(c.PeerChannels), "peer channel"))
	if p := discord.PrivilegedIntents(discord.Intents(discord.Config{PeerChannels: c.PeerChannels})); len(p) > 0 {
		parts = append(parts, "privileged intents: "+strings.Join(p, ", "))
	}
	parts = append(parts, fmt.Sprintf("%g requests/s", c.Rate))
	return strings.Join(parts, "; ")
}

// count is "1 thing" or "n things".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

func quietWords(q string) string {
	if q == "" {
		return "none"
	}
	return q
}
