package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"github.com/peerbot/peerbot/bot/resources"
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
	"github.com/peerbot/peerbot/internal/observe"
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
	// logFile is where the terminal chat's log goes; "" when it goes to
	// stderr.
	logFile string
}

// setup loads config and flows, opens the store and builds the engine for
// the terminal chat, whose log goes to a file. Everything that can be
// checked is checked before the store is opened, so a mistake is reported
// as itself and not as a data file in use.
func setup(ctx context.Context, s settings, stderr io.Writer, defaultLevel, flowID string) (*app, error) {
	cfg, err := loadConfig(s, defaultLevel)
	if err != nil {
		return nil, err
	}
	return openChat(ctx, cfg, stderr, flowID)
}

// openChat opens what the terminal chat needs. Its log goes to a file in
// the data directory, so that warnings do not land in the conversation;
// the chat's first line says where.
func openChat(ctx context.Context, cfg *config.Config, stderr io.Writer, flowID string) (*app, error) {
	logPath := filepath.Join(cfg.DataDir, "peerbot.log")
	log := newLogger(&lazyFile{path: logPath}, cfg.LogLevel, config.LogFormatText)
	// Trouble reaching Redis at start is for the person at the terminal.
	retryLog := newLogger(stderr, "warn", config.LogFormatText)
	a, err := open(ctx, cfg, log, retryLog, flowID, nil)
	if err != nil {
		return nil, err
	}
	a.logFile = logPath
	return a, nil
}

// loadConfig reads the config file and the environment and applies the
// flags; nothing is opened.
func loadConfig(s settings, defaultLevel string) (*config.Config, error) {
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
	return cfg, nil
}

// open loads the flows, opens the store and builds the engine. Flows are
// loaded first, so that a broken flow creates no data file. rec, when not
// nil, observes the engine's store calls.
func open(ctx context.Context, cfg *config.Config, log, retryLog *slog.Logger, flowID string, rec observe.Recorder) (*app, error) {
	dir := resources.Builtin()
	if cfg.ResourcesFile != "" {
		var err error
		if dir, err = resources.Load(cfg.ResourcesFile); err != nil {
			return nil, err
		}
	}
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
	store, where, err := openStore(ctx, cfg, log, retryLog)
	if err != nil {
		return nil, err
	}
	var engineStore bot.Store = store
	if rec != nil {
		engineStore = observe.Store(store, rec)
	}
	o := engineOptions(cfg, engineStore, set, log)
	o.Directory = dir
	engine, err := bot.New(o)
	if err != nil {
		store.Close()
		return nil, err
	}
	return &app{cfg: cfg, store: store, where: where, flows: set, engine: engine, log: log}, nil
}

// engineOptions are the engine's options as the config says: run, chat
// and bench build the same engine.
func engineOptions(cfg *config.Config, store bot.Store, set *flows.Set, log *slog.Logger) bot.Options {
	// Validate checked it.
	quiet, _ := bot.ParseQuietHours(cfg.QuietHours)
	return bot.Options{
		Store:           store,
		Flows:           set,
		Log:             log,
		Community:       cfg.Community.Name,
		RetentionDays:   cfg.Community.Retention,
		DefaultTimezone: cfg.Timezone,
		CrisisResources: cfg.Crisis.Resources,
		// Mentors are not configurable yet: flags reach nobody, and the
		// texts say so (Options.FlagsReach).
		SafetyCheckAfter: cfg.Crisis.SafetyCheckAfter,
		QuietHours:       quiet,
		ScheduleGrace:    cfg.ScheduleGrace,
		MissedDays:       cfg.MissedDays,
	}
}

// openStore opens Redis when it is configured, the local file otherwise.
// An unreachable Redis is retried with backoff, each failure said on
// retryLog, until it answers or the user gives up (Ctrl-C).
func openStore(ctx context.Context, cfg *config.Config, log, retryLog *slog.Logger) (bot.Store, string, error) {
	if !cfg.Redis.Configured() {
		store, err := bolt.Open(filepath.Join(cfg.DataDir, "peerbot.db"))
		if err != nil {
			return nil, "", err
		}
		return store, store.Path(), nil
	}
	rc := redisConfig(cfg)
	// Connection trouble must reach the person starting peerbot even when
	// the log level hides warnings.
	redisstore.SetLibraryLogger(log)
	store, err := redisstore.Connect(ctx, rc, retryLog)
	if err != nil {
		return nil, "", err
	}
	log.Info("using redis", "addr", rc.Addr(), "prefix", cfg.Redis.Prefix)
	return store, fmt.Sprintf("Redis at %s (keys under %q)", rc.Addr(), cfg.Redis.Prefix), nil
}

// redisConfig is the Redis store's config as cfg says.
func redisConfig(cfg *config.Config) redisstore.Config {
	return redisstore.Config{
		URL:            cfg.Redis.URL,
		SentinelMaster: cfg.Redis.Sentinel.Master,
		SentinelAddrs:  cfg.Redis.Sentinel.Addrs,
		ClusterAddrs:   cfg.Redis.Cluster.Addrs,
		Password:       cfg.Redis.Password,
		Prefix:         cfg.Redis.Prefix,
		HistoryMax:     cfg.Redis.HistoryMax,
		RetentionDays:  cfg.Community.Retention,
	}
}

// chat runs the terminal conversation until end of input.
func (a *app) chat(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, user, flowID string) error {
	term := console.New(stdin, stdout, console.Options{User: user})
	a.engine.Register(term)
	fmt.Fprintf(stderr, "peerbot %s — your data is kept in %s; warnings go to %s\n", versionString(), a.where, a.logFile)
	start := bot.Message{
		Platform: term.Name(), User: term.User(), UserName: user, Channel: "console", Direct: true,
	}
	a.log.Debug("terminal chat started", "user", start.User, "flow", flowID)
	err := a.withOutbox(ctx, func(ctx context.Context) error {
		if err := a.engine.Begin(ctx, start, flowID); err != nil {
			return err
		}
		return term.Run(ctx, a.engine)
	})
	a.log.Debug("terminal chat ended", "user", start.User, "err", err)
	return err
}

// withOutbox runs fn (the terminal chat, or the platforms) with the outbox
// sender beside it, which delivers what an earlier process left owed and
// what a platform outage held back. When fn returns (SIGTERM, SIGINT, end
// of input), the sender stops and the engine is closed within
// shutdown_timeout: flags kept through a store outage are saved, or logged
// as lost.
func (a *app) withOutbox(ctx context.Context, fn func(context.Context) error) error {
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
	cfg, err := loadConfig(s, "warn")
	if err != nil {
		return err
	}
	if err := cfg.CheckPlatforms(); err != nil {
		return err
	}
	if !cfg.Slack.Enabled() && !cfg.Discord.Enabled() {
		// Nothing configured: the terminal is the adapter.
		a, err := openChat(ctx, cfg, stderr, "")
		if err != nil {
			return err
		}
		defer a.store.Close()
		return a.chat(ctx, stdin, stdout, stderr, defaultUser(), "")
	}
	return serve(ctx, cfg, stderr)
}

func validateCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	if err := parseFlags(fs, args, stdout, stderr, "peerbot validate: check flow files, config files and directories of them; list every error.\n\nUsage: peerbot validate [FILE|DIR ...]\n\nA file is taken for a config or a flow by its keys. A config's flows_dir is checked too.\nWith no arguments it checks the config ($PEERBOT_CONFIG, if set), its flows directory and the built-in flows."); err != nil {
		return err
	}
	var errs []error
	checked := 0
	var flowPaths []string
	// checkConfig loads the config at path ("" for none: the environment
	// only) and queues its flows directory.
	checkConfig := func(path string) {
		cfg, err := config.Load(path)
		if err != nil {
			errs = append(errs, err)
			return
		}
		if cfg.FlowsDir != "" {
			flowPaths = append(flowPaths, cfg.FlowsDir)
		}
		if cfg.ResourcesFile != "" {
			if _, err := resources.Load(cfg.ResourcesFile); err != nil {
				errs = append(errs, err)
			}
		}
	}
	paths := fs.Args()
	if len(paths) == 0 {
		if path := config.FromEnv(""); path != "" {
			checked++
			checkConfig(path)
		} else {
			checkConfig("")
		}
		checked += len(flows.Builtin().All())
	}
	for _, p := range paths {
		files, err := yamlFiles(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, f := range files {
			switch kind, err := fileKind(f); {
			case err != nil:
				errs = append(errs, err)
			case kind == kindConfig:
				checked++
				checkConfig(f)
			case kind == kindResources:
				checked++
				if _, err := resources.Load(f); err != nil {
					errs = append(errs, err)
				}
			default:
				flowPaths = append(flowPaths, f)
			}
		}
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

// yamlFiles is path itself when it is a file (or does not exist: loading
// it says so), or the .yaml and .yml files in it when it is a directory;
// a directory without any is an error, since nothing would be checked.
func yamlFiles(path string) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil || !fi.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		if ext := strings.ToLower(filepath.Ext(name)); !e.IsDir() && (ext == ".yaml" || ext == ".yml") && !strings.HasPrefix(name, ".") {
			files = append(files, filepath.Join(path, name))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: nothing to check: the directory has no .yaml or .yml files (flows or configs)", path)
	}
	return files, nil
}

// Kinds of file validate knows.
const (
	kindFlow      = "flow"
	kindConfig    = "config"
	kindResources = "resources"
)

// fileKind tells a config file from a flow file by its top-level keys: a
// flow has an id or steps; otherwise a file with a config key is a
// config. A file that cannot be read, or is not a YAML mapping, goes to
// the flow loader, which reports it with its line.
func fileKind(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return kindFlow, nil
	}
	keys := config.FileKeys(data)
	if keys == nil {
		return kindFlow, nil
	}
	configKeys := 0
	for _, k := range keys {
		switch {
		case k == "id" || k == "steps":
			return kindFlow, nil
		case k == "resources" && len(keys) == 1:
			return kindResources, nil
		case config.IsTopLevelKey(k):
			configKeys++
		}
	}
	if configKeys == 0 {
		return "", fmt.Errorf("%s: neither a flow (no id or steps) nor a config (no key such as timezone, slack or redis): its keys are %s", path, strings.Join(keys, ", "))
	}
	return kindConfig, nil
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
