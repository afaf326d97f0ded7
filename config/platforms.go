package config

import "strings"

// Where each secret is found, for the errors of CheckPlatforms.
const (
	whereSlackBotToken = "the Bot User OAuth Token (xoxb-…): api.slack.com/apps → your app → OAuth & Permissions, after \"Install to Workspace\""
	whereSlackAppToken = "an app-level token (xapp-…) with the connections:write scope: api.slack.com/apps → your app → Basic Information → App-Level Tokens → Generate Token and Scopes; Socket Mode must be on (Settings → Socket Mode)"
	whereSlackSecret   = "the Signing Secret: api.slack.com/apps → your app → Basic Information → App Credentials"
	whereDiscordToken  = "the bot token: discord.com/developers/applications → your application → Bot → Reset Token"
)

// CheckPlatforms reports every chat platform that is half set up: some of
// its secrets without the others, or its settings in the config file
// without its secrets. Each error names the missing environment variable
// and where to get its value. `peerbot run` calls it before it starts
// anything; Load does not, so that `peerbot validate` can check a config
// file on a machine that has none of the secrets.
func (c *Config) CheckPlatforms() error {
	var errs []*Error
	errs = append(errs, c.checkSlackSecrets()...)
	errs = append(errs, c.checkDiscordSecrets()...)
	if len(errs) > 0 {
		return joinErrors(errs)
	}
	return nil
}

func (c *Config) checkSlackSecrets() []*Error {
	s := c.Slack
	missing := func(env, why, where string) *Error {
		return &Error{Env: env, Msg: "not set, but " + why + ". Set it to " + where}
	}
	if s.BotToken == "" {
		var set []string
		if s.AppToken != "" {
			set = append(set, "PEERBOT_SLACK_APP_TOKEN")
		}
		if s.SigningSecret != "" {
			set = append(set, "PEERBOT_SLACK_SIGNING_SECRET")
		}
		if len(set) > 0 {
			return []*Error{missing("PEERBOT_SLACK_BOT_TOKEN", strings.Join(set, " and ")+" "+isAre(len(set))+" set: Slack needs the bot token too", whereSlackBotToken)}
		}
		if key := c.fileKey(setting{"slack.mode", s.Mode != ""}, setting{"slack.api_url", s.APIURL != ""}, setting{"slack.peer_channels", len(s.PeerChannels) > 0}); key != "" {
			return []*Error{c.errAt(key, "Slack is configured here, but PEERBOT_SLACK_BOT_TOKEN is not set. Set it to %s, with PEERBOT_SLACK_APP_TOKEN (Socket Mode) or PEERBOT_SLACK_SIGNING_SECRET (HTTP mode); or remove the slack settings", whereSlackBotToken)}
		}
		return nil
	}
	switch s.Mode {
	case "socket":
		if s.AppToken == "" {
			return []*Error{missing("PEERBOT_SLACK_APP_TOKEN", "slack.mode is socket", whereSlackAppToken)}
		}
	case "http":
		if s.SigningSecret == "" {
			return []*Error{missing("PEERBOT_SLACK_SIGNING_SECRET", "slack.mode is http", whereSlackSecret)}
		}
	default:
		if s.AppToken == "" && s.SigningSecret == "" {
			return []*Error{{
				Env: "PEERBOT_SLACK_APP_TOKEN",
				Msg: "not set, and neither is PEERBOT_SLACK_SIGNING_SECRET, but PEERBOT_SLACK_BOT_TOKEN is: Slack needs one of them. " +
					"For Socket Mode (no public URL needed) set PEERBOT_SLACK_APP_TOKEN to " + whereSlackAppToken +
					". For HTTP mode set PEERBOT_SLACK_SIGNING_SECRET to " + whereSlackSecret,
			}}
		}
	}
	return nil
}

func (c *Config) checkDiscordSecrets() []*Error {
	d := c.Discord
	if d.Token != "" {
		return nil
	}
	key := c.fileKey(
		setting{"discord.api_url", d.APIURL != ""},
		setting{"discord.guild_ids", len(d.GuildIDs) > 0},
		setting{"discord.shard_count", d.ShardCount > 0},
		setting{"discord.fallback_channel", d.FallbackChannel != ""},
		setting{"discord.peer_channels", len(d.PeerChannels) > 0},
	)
	if key == "" {
		return nil
	}
	return []*Error{c.errAt(key, "Discord is configured here, but PEERBOT_DISCORD_TOKEN is not set. Set it to %s; or remove the discord settings", whereDiscordToken)}
}

// setting is a config key and whether it has a value other than its
// default.
type setting struct {
	key string
	set bool
}

// fileKey returns the key of the first setting that is set and came from
// the config file, or "".
func (c *Config) fileKey(settings ...setting) string {
	for _, s := range settings {
		if src, ok := c.src[s.key]; s.set && ok && src.file != "" {
			return s.key
		}
	}
	return ""
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
