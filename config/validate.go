package config

import (
	"fmt"
	"github.com/peerbot/peerbot/bot"
	"net"
	"net/url"
	"strings"
	"time"
)

// check returns every problem with the values of c.
func (c *Config) check() []*Error {
	var errs []*Error
	if c.DataDir == "" {
		errs = append(errs, c.errAt("data_dir", "must not be empty"))
	}
	switch {
	case c.Timezone == "":
		errs = append(errs, c.errAt("timezone", "must not be empty; use an IANA name such as \"UTC\" or \"Europe/London\""))
	case c.Timezone == "Local":
		// "Local" is whatever the server happens to be set to, which is
		// rarely what the community lives by.
		errs = append(errs, c.errAt("timezone", "\"Local\" is not an IANA time zone name; use one such as \"Europe/London\""))
	default:
		if _, err := time.LoadLocation(c.Timezone); err != nil {
			errs = append(errs, c.errAt("timezone", "unknown time zone %q; use an IANA name such as \"Europe/London\" or \"America/New_York\"", c.Timezone))
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, c.errAt("log_level", "%q is not one of debug, info, warn, error", c.LogLevel))
	}
	switch c.Log.Format {
	case LogFormatAuto, LogFormatText, LogFormatJSON:
	default:
		errs = append(errs, c.errAt("log.format", "%q is not one of auto, text, json", c.Log.Format))
	}
	if _, err := bot.ParseQuietHours(c.QuietHours); err != nil {
		errs = append(errs, c.errAt("quiet_hours", "%s", bot.ErrorMessage(err)))
	}
	if c.MissedDays < 1 {
		errs = append(errs, c.errAt("missed_days", "must be at least 1, got %d", c.MissedDays))
	}
	if strings.TrimSpace(c.Community.Name) == "" {
		errs = append(errs, c.errAt("community.name", "must not be empty"))
	}
	if c.Community.Retention < 1 {
		errs = append(errs, c.errAt("community.retention_days", "must be at least 1, got %d", c.Community.Retention))
	}
	// An empty list is fine (the caller falls back to the defaults); an
	// empty line in it would show as a blank bullet in a crisis reply.
	for i, r := range c.Crisis.Resources {
		if strings.TrimSpace(r) == "" {
			errs = append(errs, c.errAt(fmt.Sprintf("crisis.resources[%d]", i), "must not be empty"))
		}
	}
	errs = append(errs, c.checkRedis()...)
	errs = append(errs, c.checkChat()...)
	return errs
}

// checkChat checks the Slack, Discord and HTTP settings.
func (c *Config) checkChat() []*Error {
	var errs []*Error
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		errs = append(errs, c.errAt("http.addr", "%q is not host:port", c.HTTP.Addr))
	}
	switch c.Slack.Mode {
	case "", "socket", "http":
	default:
		errs = append(errs, c.errAt("slack.mode", "%q is not socket or http", c.Slack.Mode))
	}
	for _, u := range []struct{ key, val string }{{"slack.api_url", c.Slack.APIURL}, {"discord.api_url", c.Discord.APIURL}} {
		if u.val == "" {
			continue
		}
		if p, err := url.Parse(u.val); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, c.errAt(u.key, "%q is not an http(s):// URL", u.val))
		}
	}
	if c.Slack.APIURL != "" && !strings.HasSuffix(c.Slack.APIURL, "/") {
		errs = append(errs, c.errAt("slack.api_url", "must end in \"/\" (the method name is appended to it)"))
	}
	if c.Slack.WorkspaceRate <= 0 {
		errs = append(errs, c.errAt("slack.workspace_rate", "must be more than 0"))
	}
	if c.Slack.ChannelRate <= 0 {
		errs = append(errs, c.errAt("slack.channel_rate", "must be more than 0"))
	}
	if c.Discord.Rate <= 0 || c.Discord.Rate > 50 {
		errs = append(errs, c.errAt("discord.rate", "must be more than 0 and at most 50 (Discord's global limit)"))
	}
	if c.Discord.ClientID != "" && strings.Trim(c.Discord.ClientID, "0123456789") != "" {
		errs = append(errs, c.errAt("discord.client_id", "%q is not a Discord application id (a number: developer portal, General Information → Application ID)", c.Discord.ClientID))
	}
	if c.Discord.ShardCount < 0 || c.Discord.ShardID < 0 || (c.Discord.ShardCount > 0 && c.Discord.ShardID >= c.Discord.ShardCount) {
		errs = append(errs, c.errAt("discord.shard_id", "shard %d of %d does not exist (ids run from 0 to shard_count-1)", c.Discord.ShardID, c.Discord.ShardCount))
	}
	return errs
}

// checkRedis allows one Redis deployment at most, each complete.
func (c *Config) checkRedis() []*Error {
	var errs []*Error
	r := c.Redis
	kinds := 0
	if r.URL != "" {
		kinds++
		u, err := url.Parse(r.URL)
		switch {
		case err != nil:
			errs = append(errs, c.errAt("redis.url", "not a URL: use redis://host:port/db or rediss://host:port/db"))
		case u.Scheme != "redis" && u.Scheme != "rediss":
			errs = append(errs, c.errAt("redis.url", "scheme %q is not redis:// or rediss://", u.Scheme))
		case u.Host == "":
			errs = append(errs, c.errAt("redis.url", "has no host: use redis://host:port/db"))
		}
	}
	if r.Sentinel.Master != "" || len(r.Sentinel.Addrs) > 0 {
		kinds++
		if r.Sentinel.Master == "" {
			errs = append(errs, c.errAt("redis.sentinel.addrs", "redis.sentinel.master (the name of the primary) is needed too"))
		}
		if len(r.Sentinel.Addrs) == 0 {
			errs = append(errs, c.errAt("redis.sentinel.master", "redis.sentinel.addrs (the sentinels, host:port) are needed too"))
		}
	}
	if len(r.Cluster.Addrs) > 0 {
		kinds++
	}
	for _, list := range []struct {
		key   string
		addrs []string
	}{{"redis.sentinel.addrs", r.Sentinel.Addrs}, {"redis.cluster.addrs", r.Cluster.Addrs}} {
		for i, a := range list.addrs {
			if _, _, err := net.SplitHostPort(a); err != nil {
				errs = append(errs, c.errAt(fmt.Sprintf("%s[%d]", list.key, i), "%q is not host:port", a))
			}
		}
	}
	if kinds > 1 {
		errs = append(errs, c.errAt("redis", "set only one of redis.url, redis.sentinel and redis.cluster"))
	}
	if r.Prefix == "" {
		errs = append(errs, c.errAt("redis.prefix", "must not be empty"))
	}
	if r.HistoryMax < 1 {
		errs = append(errs, c.errAt("redis.history_max", "must be at least 1, got %d", r.HistoryMax))
	}
	return errs
}
