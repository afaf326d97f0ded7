package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	_ "time/tzdata" // timezones work on machines without zoneinfo

	"github.com/peerbot/peerbot/adapters/bolt"
	"github.com/peerbot/peerbot/adapters/console"
	redisstore "github.com/peerbot/peerbot/adapters/redis"
	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/config"
	"github.com/peerbot/peerbot/flows"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

// settings are the flags shared by run and chat; a flag overrides the
// config file, which overrides the defaults.
type settings struct {
	configFile string
	dataDir    string
	flowsDir   string
	logLevel   string
	redisURL   string
}

func (s *settings) register(fs *flag.FlagSet) {
	fs.StringVar(&s.configFile, "config", "", "config `file` (default $PEERBOT_CONFIG; none: built-in defaults)")
	fs.StringVar(&s.dataDir, "data", "", "`dir`ectory for the embedded store (overrides data_dir)")
	fs.StringVar(&s.flowsDir, "flows", "", "`dir`ectory of flow YAML files that add to or override the built-in flows")
	fs.StringVar(&s.logLevel, "log-level", "", "debug, info, warn or error (overrides log_level)")
	fs.StringVar(&s.redisURL, "redis", "", "redis://host:port/db `URL` of the shared store (overrides redis.url and $PEERBOT_REDIS_URL; default: the embedded store)")
}

// app is everything wired together.
type app struct {
	cfg   *config.Config
	store bot.Store
	// where says where the data lives, for the start-up line.
	where  string
	flows  *flows.Set
	engine *bot.Engine
	log    *slog.Logger
}

// setup loads config and flows, opens the store and builds the engine.
// Everything that can be checked is checked before the store is opened, so
// a mistake is reported as itself and not as a data file in use.
func setup(ctx context.Context, s settings, stderr io.Writer, defaultLevel, flowID string) (*app, error) {
	cfg, err := config.Load(config.FromEnv(s.configFile))
	if err != nil {
		return nil, err
	}
	if s.dataDir != "" {
		cfg.DataDir = s.dataDir
	}
	if s.flowsDir != "" {
		cfg.FlowsDir = s.flowsDir
	}
	if s.redisURL != "" {
		cfg.Redis.URL = s.redisURL
		cfg.Redis.Sentinel = config.RedisSentinel{}
		cfg.Redis.Cluster = config.RedisCluster{}
	}
	if s.logLevel != "" {
		cfg.LogLevel = s.logLevel
	} else if cfg.File == "" && os.Getenv("PEERBOT_LOG_LEVEL") == "" {
		cfg.LogLevel = defaultLevel
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := newLogger(stderr, cfg.LogLevel)

	set := flows.Builtin()
	if cfg.FlowsDir != "" {
		extra, err := flows.LoadDir(cfg.FlowsDir)
		if err != nil {
			return nil, err
		}
		set = set.Merge(extra)
	}
	if flowID != "" && set.Get(flowID) == nil {
		return nil, fmt.Errorf("no flow %q; the flows are: %s", flowID, strings.Join(flowIDs(set), ", "))
	}
	store, where, err := openStore(ctx, cfg, log, stderr)
	if err != nil {
		return nil, err
	}
	engine, err := bot.New(bot.Options{
		Store:           store,
		Flows:           set,
		Log:             log,
		Community:       cfg.Community.Name,
		RetentionDays:   cfg.Community.Retention,
		DefaultTimezone: cfg.Timezone,
		CrisisResources: cfg.Crisis.Resources,
	})
	if err != nil {
		store.Close()
		return nil, err
	}
	return &app{cfg: cfg, store: store, where: where, flows: set, engine: engine, log: log}, nil
}

// openStore opens Redis when it is configured, the local file otherwise.
// An unreachable Redis is retried with backoff, each failure said on
// stderr, until it answers or the user gives up (Ctrl-C).
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger, stderr io.Writer) (bot.Store, string, error) {
	if !cfg.Redis.Configured() {
		store, err := bolt.Open(filepath.Join(cfg.DataDir, "peerbot.db"))
		if err != nil {
			return nil, "", err
		}
		return store, store.Path(), nil
	}
	rc := redisstore.Config{
		URL:            cfg.Redis.URL,
		SentinelMaster: cfg.Redis.Sentinel.Master,
		SentinelAddrs:  cfg.Redis.Sentinel.Addrs,
		ClusterAddrs:   cfg.Redis.Cluster.Addrs,
		Password:       cfg.Redis.Password,
		Prefix:         cfg.Redis.Prefix,
		HistoryMax:     cfg.Redis.HistoryMax,
		RetentionDays:  cfg.Community.Retention,
	}
	// Connection trouble must reach the person starting peerbot even when
	// the log level hides warnings.
	redisstore.SetLibraryLogger(log)
	retryLog := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, err := redisstore.Connect(ctx, rc, retryLog)
	if err != nil {
		return nil, "", err
	}
	log.Info("using redis", "addr", rc.Addr(), "prefix", cfg.Redis.Prefix)
	return store, fmt.Sprintf("Redis at %s (keys under %q)", rc.Addr(), cfg.Redis.Prefix), nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// chat runs the terminal conversation until end of input.
func (a *app) chat(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, user, flowID string) error {
	term := console.New(stdin, stdout, console.Options{User: user})
	a.engine.Register(term)
	fmt.Fprintf(stderr, "peerbot %s — your data is kept in %s\n", versionString(), a.where)
	start := bot.Message{
		Platform: term.Name(), User: term.User(), UserName: user, Channel: "console", Direct: true,
	}
	return a.serve(ctx, func(ctx context.Context) error {
		if err := a.engine.Begin(ctx, start, flowID); err != nil {
			return err
		}
		return term.Run(ctx, a.engine)
	})
}

// serve runs fn (the terminal chat, or the platforms) with the outbox
// sender beside it, which delivers what an earlier process left owed and
// what a platform outage held back. When fn returns (SIGTERM, SIGINT, end
// of input), the sender stops and the engine is closed within
// shutdown_timeout: flags kept through a store outage are saved, or logged
// as lost.
func (a *app) serve(ctx context.Context, fn func(context.Context) error) error {
	sweepCtx, stopSweep := context.WithCancel(context.WithoutCancel(ctx))
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		_ = a.engine.RunOutbox(sweepCtx)
	}()
	err := fn(ctx)
	stopSweep()
	<-swept
	closeCtx, cancel := context.WithTimeout(context.Background(), cmp.Or(a.cfg.ShutdownTimeout, config.DefaultShutdownTimeout))
	defer cancel()
	if cerr := a.engine.Close(closeCtx); cerr != nil {
		a.log.Error("shutdown", "err", cerr)
	}
	return err
}

func chatCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	var s settings
	s.register(fs)
	flowID := fs.String("flow", "", "`id` of a flow to start right away (after consent, the first time)")
	user := fs.String("user", defaultUser(), "your `name` in the chat (default $PEERBOT_USER or $USER)")
	if err := parseFlags(fs, args, stdout, stderr, "peerbot chat: talk to peerbot in this terminal.\n\nUsage: peerbot chat [--flow ID] [--flows DIR] [--data DIR] [--redis URL] [--user NAME] [--config FILE]"); err != nil {
		return err
	}
	a, err := setup(ctx, s, stderr, "warn", *flowID)
	if err != nil {
		return err
	}
	defer a.store.Close()
	return a.chat(ctx, stdin, stdout, stderr, *user, *flowID)
}

func runCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var s settings
	s.register(fs)
	if err := parseFlags(fs, args, stdout, stderr, "peerbot run: run every configured adapter; with none configured, the terminal chat.\n\nUsage: peerbot run [--config FILE] [--data DIR] [--flows DIR] [--redis URL]"); err != nil {
		return err
	}
	a, err := setup(ctx, s, stderr, "warn", "")
	if err != nil {
		return err
	}
	defer a.store.Close()
	ps, err := a.platforms()
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		// Nothing configured: the terminal is the adapter.
		return a.chat(ctx, stdin, stdout, stderr, defaultUser(), "")
	}
	fmt.Fprintf(stderr, "peerbot %s — data in %s\n", versionString(), a.where)
	return a.serve(ctx, func(ctx context.Context) error { return runPlatforms(ctx, ps, stderr) })
}

func validateCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	if err := parseFlags(fs, args, stdout, stderr, "peerbot validate: check flow files, directories of flows and config files; list every error.\n\nUsage: peerbot validate [FILE|DIR ...]\n\nWith no arguments it checks the config ($PEERBOT_CONFIG, if set), its flows directory and the built-in flows."); err != nil {
		return err
	}
	var errs []error
	checked := 0
	paths := fs.Args()
	if len(paths) == 0 {
		cfg, err := config.Load(config.FromEnv(""))
		if err != nil {
			errs = append(errs, err)
		} else if cfg.FlowsDir != "" {
			paths = append(paths, cfg.FlowsDir)
		}
		checked += len(flows.Builtin().All())
	}
	var flowPaths []string
	for _, p := range paths {
		if isConfigFile(p) {
			checked++
			if _, err := config.Load(p); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		flowPaths = append(flowPaths, p)
	}
	if len(flowPaths) > 0 {
		set, err := flows.LoadFiles(flowPaths...)
		if err != nil {
			errs = append(errs, err)
		} else {
			checked += len(set.All())
		}
	}
	if len(errs) > 0 {
		for _, err := range errs {
			fmt.Fprintln(stderr, err)
		}
		return fmt.Errorf("validation failed")
	}
	fmt.Fprintf(stdout, "ok: %d file(s) and flow(s) checked, no errors\n", checked)
	return nil
}

// isConfigFile tells a config file from a flow file by its top-level
// keys: a config has at least one config key and no flow keys.
func isConfigFile(path string) bool {
	fi, err := os.Stat(path)
	if err != nil || fi.IsDir() {
		return false
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	config := false
	for _, line := range strings.Split(string(data), "\n") {
		key, _, ok := strings.Cut(line, ":")
		if !ok || key == "" || strings.ContainsAny(key[:1], " \t#-") {
			continue
		}
		switch key {
		case "id", "title", "steps", "done", "schedule", "audience", "checkin", "goal", "scores", "flag":
			return false
		case "data_dir", "flows_dir", "timezone", "log_level", "community", "crisis":
			config = true
		}
	}
	return config
}

func versionCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	if err := parseFlags(fs, args, stdout, stderr, "peerbot version: print the version."); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "peerbot", versionString())
	return nil
}

func versionString() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return version
}

func defaultUser() string {
	for _, k := range []string{"PEERBOT_USER", "USER", "USERNAME"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return ""
}

func flowIDs(set *flows.Set) []string {
	var ids []string
	for _, f := range set.All() {
		ids = append(ids, f.ID)
	}
	return ids
}
