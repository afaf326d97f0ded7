// Package config loads peerbot's settings: one YAML file, environment
// overrides, and defaults that run with nothing configured at all (the
// terminal chat with a local data file).
//
// A file is checked strictly, so that a typo is caught at start and not
// discovered in production: unknown keys, values of the wrong type and
// invalid values are all errors, and every error is reported at once, each
// with the file and line it comes from. config/example.yaml lists every key
// with its default.
//
// These environment variables override the file:
//
//	PEERBOT_CONFIG     the config file, when none is given on the command line
//	PEERBOT_DATA_DIR   data_dir
//	PEERBOT_FLOWS_DIR  flows_dir
//	PEERBOT_LOG_LEVEL  log_level
//	PEERBOT_LOG_FORMAT log.format
//	PEERBOT_TIMEZONE   timezone
//
// Secrets (bot tokens, signing secrets, passwords) are read from the
// environment only and must never be written into a config file: config
// files get committed, copied and pasted into bug reports. A Config field
// that holds a secret has the tag `yaml:"-"`, so that the file cannot set
// it, and one row in the envVars table.
package config

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/peerbot/peerbot/bot"
)

// Config is the whole configuration of one peerbot process.
type Config struct {
	// File is the path the config was loaded from; "" when there was none.
	File string `yaml:"-"`
	// DataDir holds the local store and other state. The default follows
	// the XDG base directory spec so that a plain `peerbot` keeps its data
	// where the user expects it: $XDG_DATA_HOME/peerbot, else
	// ~/.local/share/peerbot, else ./peerbot-data.
	DataDir string `yaml:"data_dir" config:"path"`
	// FlowsDir holds extra flows, and flows that replace built-in ones of
	// the same id; "" means the built-in flows only.
	FlowsDir string `yaml:"flows_dir" config:"path"`
	// ResourcesFile is the community's resources directory (YAML: a list
	// of services with name, helps, reach, hours, locale and tags); ""
	// means the built-in one.
	ResourcesFile string `yaml:"resources_file" config:"path"`
	// Timezone is the IANA time zone given to new users until they set
	// their own; default "UTC".
	Timezone string `yaml:"timezone"`
	// LogLevel is one of debug, info, warn or error; default info.
	LogLevel string `yaml:"log_level"`
	// ShutdownTimeout bounds a graceful stop (SIGTERM, SIGINT): work in
	// flight finishes and owed messages are delivered or kept for the next
	// start within it; default 20s.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// Log says how log lines are written.
	Log Log `yaml:"log"`
	// QuietHours is the community's daily window, in each person's local
	// time, in which nothing scheduled is sent ("22:00-07:00"); "" none.
	QuietHours string `yaml:"quiet_hours"`
	// ScheduleGrace is how late a scheduled check-in may still go out after
	// peerbot was down; later, that day's is skipped. Default 2h.
	ScheduleGrace time.Duration `yaml:"schedule_grace"`
	// MissedDays is how many scheduled check-ins missed in a row raise a
	// concern flag; default 3.
	MissedDays int `yaml:"missed_days"`
	// Community describes the community the bot serves.
	Community Community `yaml:"community"`
	// Crisis configures the safety net.
	Crisis Crisis `yaml:"crisis"`
	// Redis, when configured, holds the state instead of the local file.
	Redis Redis `yaml:"redis"`
	// HTTP is peerbot's own HTTP listener (Slack's HTTP Events API).
	HTTP HTTP `yaml:"http"`
	// Slack runs when its tokens are in the environment.
	Slack Slack `yaml:"slack"`
	// Discord runs when its token is in the environment.
	Discord Discord `yaml:"discord"`

	// src records where each key was set (file line or environment
	// variable), so that Validate can point at it.
	src map[string]source
}

// Log says how log lines are written.
type Log struct {
	// Format is "text" (key=value lines, for people), "json" (one JSON
	// object a line, for log collectors) or "auto" (the default): text
	// when standard error is a terminal, JSON otherwise.
	Format string `yaml:"format"`
}

// Log formats.
const (
	LogFormatAuto = "auto"
	LogFormatText = "text"
	LogFormatJSON = "json"
)

// Community describes the community the bot serves; the consent text quotes
// it, so that people know who keeps their check-ins and for how long.
type Community struct {
	// Name is shown in the consent text; default "this community".
	Name string `yaml:"name"`
	// Retention is how many days check-ins are kept; default 365.
	Retention int `yaml:"retention_days"`
}

// Crisis configures the safety net's reply.
type Crisis struct {
	// Resources are the lines of the crisis reply (helplines and how to
	// reach them). A non-empty list in the file replaces the default list
	// as a whole, so that a community can give local helplines only.
	Resources []string `yaml:"resources"`
	// SafetyCheckAfter is how long a safety check ("Are you safe right
	// now?") may go unanswered before it becomes an urgent flag; default
	// 10m.
	SafetyCheckAfter time.Duration `yaml:"safety_check_after"`
}

// Redis configures the production store. At most one of URL, Sentinel and
// Cluster is set; none means the embedded store in DataDir.
type Redis struct {
	// URL is redis://[user:password@]host:port/db, or rediss:// for TLS.
	URL string `yaml:"url"`
	// Sentinel names a Sentinel-managed primary.
	Sentinel RedisSentinel `yaml:"sentinel"`
	// Cluster lists Redis Cluster nodes.
	Cluster RedisCluster `yaml:"cluster"`
	// Password authenticates to Sentinel and Cluster nodes; only from
	// PEERBOT_REDIS_PASSWORD, never from a file.
	Password string `yaml:"-"`
	// Prefix starts every key; default "pb:".
	Prefix string `yaml:"prefix"`
	// HistoryMax is how many check-ins are kept per user; default 1000.
	HistoryMax int `yaml:"history_max"`
}

// RedisSentinel names a primary watched by Sentinels.
type RedisSentinel struct {
	Master string   `yaml:"master"`
	Addrs  []string `yaml:"addrs"`
}

// RedisCluster lists the seed nodes of a Redis Cluster.
type RedisCluster struct {
	Addrs []string `yaml:"addrs"`
}

// Configured reports whether any Redis deployment is configured.
func (r Redis) Configured() bool {
	return r.URL != "" || r.Sentinel.Master != "" || len(r.Sentinel.Addrs) > 0 || len(r.Cluster.Addrs) > 0
}

// HTTP is peerbot's HTTP listener.
type HTTP struct {
	// Addr is host:port; default 127.0.0.1:8080.
	Addr string `yaml:"addr"`
}

// Slack configures the Slack adapter. The tokens come only from the
// environment.
type Slack struct {
	// Mode is "socket" or "http"; "" picks socket when an app token is
	// set and http when only a signing secret is.
	Mode string `yaml:"mode"`
	// APIURL is the Web API base, ending in "/"; default Slack's own.
	APIURL string `yaml:"api_url"`
	// PeerChannels are channel ids whose messages reach the engine.
	PeerChannels []string `yaml:"peer_channels"`
	// WorkspaceRate caps messages per second across the workspace; default 20.
	WorkspaceRate float64 `yaml:"workspace_rate"`
	// ChannelRate caps messages per second in one channel; default 1.
	ChannelRate float64 `yaml:"channel_rate"`

	BotToken      string `yaml:"-"` // PEERBOT_SLACK_BOT_TOKEN (xoxb-…)
	AppToken      string `yaml:"-"` // PEERBOT_SLACK_APP_TOKEN (xapp-…)
	SigningSecret string `yaml:"-"` // PEERBOT_SLACK_SIGNING_SECRET
}

// Enabled reports whether Slack has the secrets it needs to start.
func (s Slack) Enabled() bool { return s.BotToken != "" && (s.AppToken != "" || s.SigningSecret != "") }

// Discord configures the Discord adapter. The token comes only from the
// environment.
type Discord struct {
	// APIURL is the REST base; default Discord's own.
	APIURL string `yaml:"api_url"`
	// GuildIDs, when set, register slash commands per guild (instant)
	// rather than globally.
	GuildIDs []string `yaml:"guild_ids"`
	// ShardCount 0 runs every shard Discord recommends in this process;
	// otherwise this process runs shard ShardID of ShardCount.
	ShardCount int `yaml:"shard_count"`
	ShardID    int `yaml:"shard_id"`
	// FallbackChannel is where a user with closed DMs is mentioned.
	FallbackChannel string `yaml:"fallback_channel"`
	// PeerChannels are channel ids whose messages reach the engine (needs
	// the privileged message content intent).
	PeerChannels []string `yaml:"peer_channels"`
	// Rate caps REST requests per second; default 45, below the global 50.
	Rate float64 `yaml:"rate"`
	// ClientID is the application's id (developer portal, General
	// Information → Application ID), used by `peerbot setup discord` to
	// print the invite URL. Not a secret.
	ClientID string `yaml:"client_id"`

	Token string `yaml:"-"` // PEERBOT_DISCORD_TOKEN
}

// Enabled reports whether Discord has its token.
func (d Discord) Enabled() bool { return d.Token != "" }

// Defaults for the settings that have a fixed one.
const (
	DefaultTimezone  = "UTC"
	DefaultLogLevel  = "info"
	DefaultCommunity = "this community"
	// DefaultRedisPrefix starts every Redis key.
	DefaultRedisPrefix = "pb:"
	// DefaultHistoryMax is how many check-ins per user Redis keeps.
	DefaultHistoryMax = 1000
	DefaultRetention  = 365
	// DefaultSafetyCheckAfter is how long a safety check waits for an
	// answer.
	DefaultSafetyCheckAfter = 10 * time.Minute
	// DefaultScheduleGrace is how late a scheduled check-in may go out.
	DefaultScheduleGrace = 2 * time.Hour
	// DefaultMissedDays is how many missed check-ins raise a flag.
	DefaultMissedDays = 3
	// DefaultShutdownTimeout bounds a graceful stop.
	DefaultShutdownTimeout = 20 * time.Second
)

// DefaultCrisisResources returns the default crisis resources (from
// SAFETY.md), a new slice each time so that callers may change it.
func DefaultCrisisResources() []string {
	return slices.Clone(bot.DefaultCrisisResources)
}

// Default returns the configuration used when nothing is configured. It
// reads the environment only to find the default data directory.
func Default() *Config {
	return &Config{
		DataDir:         defaultDataDir(),
		Timezone:        DefaultTimezone,
		LogLevel:        DefaultLogLevel,
		Log:             Log{Format: LogFormatAuto},
		ShutdownTimeout: DefaultShutdownTimeout,
		ScheduleGrace:   DefaultScheduleGrace,
		MissedDays:      DefaultMissedDays,
		Community:       Community{Name: DefaultCommunity, Retention: DefaultRetention},
		Crisis:          Crisis{Resources: DefaultCrisisResources(), SafetyCheckAfter: DefaultSafetyCheckAfter},
		Redis:           Redis{Prefix: DefaultRedisPrefix, HistoryMax: DefaultHistoryMax},
		HTTP:            HTTP{Addr: "127.0.0.1:8080"},
		Slack:           Slack{WorkspaceRate: 20, ChannelRate: 1},
		Discord:         Discord{Rate: 45},
		src:             map[string]source{},
	}
}

// defaultDataDir follows the XDG base directory spec; a relative
// XDG_DATA_HOME is invalid by the spec and ignored.
func defaultDataDir() string {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "peerbot")
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return filepath.Join(home, ".local", "share", "peerbot")
	}
	return "peerbot-data"
}

// FromEnv returns path, or $PEERBOT_CONFIG when path is "": a flag given on
// the command line wins over the environment.
func FromEnv(path string) string {
	if path != "" {
		return path
	}
	return os.Getenv("PEERBOT_CONFIG")
}

// Load reads the config file at path, applies the environment overrides and
// validates the result. With path "" it starts from Default(). A file that
// cannot be read is an error naming it; problems in the file are all
// reported together, joined, each as an *Error with file and line.
func Load(path string) (*Config, error) {
	c := Default()
	var errs []*Error
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err) // *fs.PathError names the file
		}
		c.File = path
		errs = decode(c, path, data)
	}
	applyEnv(c)
	c.normalise()
	errs = append(errs, c.check()...)
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	return c, nil
}

// Validate checks the values of c, as Load does. Errors point at the file
// line or environment variable a value came from when c was loaded.
func (c *Config) Validate() error {
	if errs := c.check(); len(errs) > 0 {
		return joinErrors(errs)
	}
	return nil
}

// SlogLevel returns LogLevel as a slog.Level, info when it is not valid.
func (c *Config) SlogLevel() slog.Level {
	switch c.LogLevel {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

// expandHome turns a leading "~/" into the home directory, because people
// write paths that way in config files and no shell expands them there.
func expandHome(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return p
	}
	return filepath.Join(home, strings.TrimPrefix(p, "~"))
}
