package config

import (
	"os"
	"strings"
)

// envVar is one environment variable that overrides a setting.
type envVar struct {
	name string                    // the variable, e.g. PEERBOT_TIMEZONE
	key  string                    // the config key it overrides, for errors
	set  func(c *Config, v string) // stores the value in c
}

// envVars are the environment overrides, applied after the file. A secret
// (a bot token, a password) is added as one row here, with a Config field
// tagged `yaml:"-"` so that no config file can hold it, for example:
//
//	{"PEERBOT_SLACK_BOT_TOKEN", "slack.bot_token", func(c *Config, v string) { c.Slack.BotToken = v }},
var envVars = []envVar{
	{"PEERBOT_DATA_DIR", "data_dir", func(c *Config, v string) { c.DataDir = expandHome(v) }},
	{"PEERBOT_FLOWS_DIR", "flows_dir", func(c *Config, v string) { c.FlowsDir = expandHome(v) }},
	{"PEERBOT_LOG_LEVEL", "log_level", func(c *Config, v string) { c.LogLevel = v }},
	{"PEERBOT_LOG_FORMAT", "log.format", func(c *Config, v string) { c.Log.Format = v }},
	{"PEERBOT_TIMEZONE", "timezone", func(c *Config, v string) { c.Timezone = v }},
	// The URL may carry a password, so it is a secret too.
	{"PEERBOT_REDIS_URL", "redis.url", func(c *Config, v string) { c.Redis.URL = v }},
	{"PEERBOT_REDIS_PASSWORD", "redis.password", func(c *Config, v string) { c.Redis.Password = v }},
	{"PEERBOT_SLACK_BOT_TOKEN", "slack.bot_token", func(c *Config, v string) { c.Slack.BotToken = v }},
	{"PEERBOT_SLACK_APP_TOKEN", "slack.app_token", func(c *Config, v string) { c.Slack.AppToken = v }},
	{"PEERBOT_SLACK_SIGNING_SECRET", "slack.signing_secret", func(c *Config, v string) { c.Slack.SigningSecret = v }},
	{"PEERBOT_DISCORD_TOKEN", "discord.token", func(c *Config, v string) { c.Discord.Token = v }},
}

// applyEnv applies the overrides that are set. An empty variable counts as
// unset, as in most tools, so that `PEERBOT_TIMEZONE= peerbot` is harmless.
func applyEnv(c *Config) {
	if c.src == nil {
		c.src = map[string]source{}
	}
	for _, e := range envVars {
		v, ok := os.LookupEnv(e.name)
		if !ok || v == "" {
			continue
		}
		e.set(c, v)
		c.src[e.key] = source{env: e.name}
	}
}

// normalise accepts the values people write in other cases and spellings,
// from the file and the environment alike: log levels and formats in any
// case (environment variables are often upper case), the common alias
// "warning", and a client id pasted with spaces around it.
func (c *Config) normalise() {
	c.LogLevel = strings.ToLower(strings.TrimSpace(c.LogLevel))
	if c.LogLevel == "warning" {
		c.LogLevel = "warn"
	}
	c.Log.Format = strings.ToLower(strings.TrimSpace(c.Log.Format))
	c.Slack.Mode = strings.ToLower(c.Slack.Mode)
	c.Discord.ClientID = strings.TrimSpace(c.Discord.ClientID)
}
