package config

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	_ "time/tzdata" // the tests must not depend on the machine's zoneinfo
)

// clearEnv unsets every override so that the caller's environment cannot
// change a test's outcome.
func clearEnv(t *testing.T) {
	t.Helper()
	t.Setenv("PEERBOT_CONFIG", "")
	for _, e := range envVars {
		t.Setenv(e.name, "")
	}
}

// exported returns c without its unexported bookkeeping, for comparisons.
func exported(c *Config) Config {
	out := *c
	out.src = nil
	return out
}

// errList splits a joined error into its parts.
func errList(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestLoad(t *testing.T) {
	clearEnv(t)
	def := Default()
	tests := []struct {
		name string
		file string
		want func(c *Config) // changes Default() into the expected config
		errs []string        // each error, in order, as exact "file:line: ..." prefixes
	}{
		{
			name: "good file",
			file: "testdata/good.yaml",
			want: func(c *Config) {
				c.DataDir = "/var/lib/peerbot"
				c.FlowsDir = filepath.Join("testdata", "flows") // relative to the file
				c.Timezone = "Europe/London"
				c.LogLevel = "debug" // DEBUG normalised
				c.Community = Community{Name: "Harbour Recovery Circle", Retention: 90}
				c.Crisis.Resources = []string{
					"UK and Ireland: Samaritans, call 116 123 (free, 24/7).",
					"In an emergency: call 999.",
				}
			},
		},
		{name: "empty file", file: "testdata/empty.yaml", want: func(*Config) {}},
		{name: "comments only", file: "testdata/comments_only.yaml", want: func(*Config) {}},
		{name: "null values keep defaults", file: "testdata/null_values.yaml", want: func(*Config) {}},
		{name: "example", file: "example.yaml", want: func(*Config) {}},
		{
			name: "redis url",
			file: "testdata/redis_good.yaml",
			want: func(c *Config) {
				c.Redis.URL, c.Redis.Prefix, c.Redis.HistoryMax = "redis://127.0.0.1:6390/2", "peer:", 200
			},
		},
		{
			name: "redis cluster",
			file: "testdata/redis_cluster.yaml",
			want: func(c *Config) {
				c.Redis.Cluster.Addrs = []string{"10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000"}
			},
		},
		{
			name: "redis mistakes",
			file: "testdata/redis_bad.yaml",
			errs: []string{
				`testdata/redis_bad.yaml:1: redis: set only one of redis.url, redis.sentinel and redis.cluster`,
				`testdata/redis_bad.yaml:2: redis.url: scheme "http" is not redis:// or rediss://`,
				`testdata/redis_bad.yaml:5: redis.sentinel.addrs[0]: "sentinel-1" is not host:port`,
				`testdata/redis_bad.yaml:7: unknown key "redis.cluster.adrs" (did you mean "redis.cluster.addrs"?)`,
				`testdata/redis_bad.yaml:8: redis.history_max: must be at least 1, got 0`,
				`testdata/redis_bad.yaml:9: unknown key "redis.password": secrets are read from the environment`,
			},
		},
		{
			name: "unknown key",
			file: "testdata/unknown_key.yaml",
			errs: []string{`testdata/unknown_key.yaml:8: unknown key "tiemzone" (did you mean "timezone"?)`},
		},
		{
			name: "wrong type",
			file: "testdata/wrong_type.yaml",
			errs: []string{`testdata/wrong_type.yaml:3: log_level: expected a string`},
		},
		{
			name: "bad timezone",
			file: "testdata/bad_timezone.yaml",
			errs: []string{`testdata/bad_timezone.yaml:1: timezone: unknown time zone "Mars/Olympus_Mons"`},
		},
		{
			name: "several errors at once",
			file: "testdata/several_errors.yaml",
			errs: []string{
				`testdata/several_errors.yaml:2: timezone: unknown time zone "Europe/Lundon"`,
				`testdata/several_errors.yaml:3: log_level: "verbose" is not one of debug, info, warn, error`,
				`testdata/several_errors.yaml:5: community.name: expected a string, got a list`,
				`testdata/several_errors.yaml:6: community.retention_days: must be at least 1, got 0`,
				`testdata/several_errors.yaml:7: unknown key "community.nmae" (did you mean "community.name"?)`,
				`testdata/several_errors.yaml:9: crisis.resources: expected a list of strings`,
				`testdata/several_errors.yaml:10: unknown key "slack_bot_token": secrets are read from the environment`,
				`testdata/several_errors.yaml:11: duplicate key "timezone" (first set at line 2)`,
			},
		},
		{
			name: "bad list items",
			file: "testdata/bad_resources.yaml",
			errs: []string{
				`testdata/bad_resources.yaml:4: crisis.resources[1]: expected a string, got the number 911`,
				`testdata/bad_resources.yaml:5: crisis.resources[2]: must not be empty`,
			},
		},
		{
			name: "syntax error",
			file: "testdata/syntax_error.yaml",
			errs: []string{`testdata/syntax_error.yaml:3: invalid YAML: `},
		},
		{
			name: "not a mapping",
			file: "testdata/not_a_mapping.yaml",
			errs: []string{`testdata/not_a_mapping.yaml:1: expected a mapping of keys to values, got a list`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.file)
			if tt.errs != nil {
				if c != nil {
					t.Errorf("Load returned a config along with errors")
				}
				got := errList(err)
				if len(got) != len(tt.errs) {
					t.Fatalf("got %d errors, want %d:\n%v", len(got), len(tt.errs), err)
				}
				for i, e := range got {
					if !strings.HasPrefix(e.Error(), tt.errs[i]) {
						t.Errorf("error %d:\n got  %s\n want %s...", i, e, tt.errs[i])
					}
					var ce *Error
					if !errors.As(e, &ce) || ce.File != tt.file || ce.Line == 0 {
						t.Errorf("error %d is not an *Error with file and line: %#v", i, e)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			want := exported(def)
			want.Crisis.Resources = DefaultCrisisResources()
			want.File = tt.file
			tt.want(&want)
			if got := exported(c); !reflect.DeepEqual(got, want) {
				t.Errorf("Load(%q)\n got  %+v\n want %+v", tt.file, got, want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	clearEnv(t)
	_, err := Load("testdata/no-such-file.yaml")
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "testdata/no-such-file.yaml") {
		t.Fatalf("Load(missing) = %v; want a not-exist error naming the file", err)
	}
}

func TestLoadNoFile(t *testing.T) {
	clearEnv(t)
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if want := exported(Default()); !reflect.DeepEqual(exported(c), want) {
		t.Errorf("Load(\"\") = %+v, want the defaults %+v", exported(c), want)
	}
}

func TestEnvOverrides(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  map[string]string
		want func(c *Config)
		err  string // exact error, when one is expected
	}{
		{
			name: "env wins over the file",
			file: "testdata/good.yaml",
			env: map[string]string{
				"PEERBOT_DATA_DIR":  "/srv/peerbot",
				"PEERBOT_FLOWS_DIR": "my-flows", // relative to the working directory, not the file
				"PEERBOT_LOG_LEVEL": "WARNING",
				"PEERBOT_TIMEZONE":  "America/New_York",
			},
			want: func(c *Config) {
				c.DataDir, c.FlowsDir, c.LogLevel, c.Timezone = "/srv/peerbot", "my-flows", "warn", "America/New_York"
			},
		},
		{
			name: "redis from the environment",
			file: "testdata/redis_good.yaml",
			env:  map[string]string{"PEERBOT_REDIS_URL": "rediss://:s3cret@redis.internal:6380/0", "PEERBOT_REDIS_PASSWORD": "pw"},
			want: func(c *Config) { c.Redis.URL, c.Redis.Password = "rediss://:s3cret@redis.internal:6380/0", "pw" },
		},
		{
			name: "env without a file",
			env:  map[string]string{"PEERBOT_TIMEZONE": "Asia/Tokyo"},
			want: func(c *Config) { c.Timezone = "Asia/Tokyo" },
		},
		{
			name: "empty variable counts as unset",
			file: "testdata/good.yaml",
			env:  map[string]string{"PEERBOT_TIMEZONE": ""},
			want: func(c *Config) { c.Timezone = "Europe/London" },
		},
		{
			name: "home is expanded",
			env:  map[string]string{"HOME": "/home/sam", "PEERBOT_DATA_DIR": "~/pb"},
			want: func(c *Config) { c.DataDir = "/home/sam/pb" },
		},
		{
			name: "bad value names the variable",
			file: "testdata/good.yaml",
			env:  map[string]string{"PEERBOT_TIMEZONE": "Nowhere/Special"},
			err:  `$PEERBOT_TIMEZONE: timezone: unknown time zone "Nowhere/Special"; use an IANA name such as "Europe/London" or "America/New_York"`,
		},
		{
			name: "bad log level names the variable",
			env:  map[string]string{"PEERBOT_LOG_LEVEL": "loud"},
			err:  `$PEERBOT_LOG_LEVEL: log_level: "loud" is not one of debug, info, warn, error`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			var base *Config
			if tt.file != "" {
				var err error
				if base, err = Load(tt.file); err != nil {
					t.Fatal(err)
				}
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if base == nil {
				base = Default() // after Setenv: HOME may matter
			}
			c, err := Load(tt.file)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v\nwant %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := exported(base)
			tt.want(&want)
			if got := exported(c); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestDefaultDataDir(t *testing.T) {
	tests := []struct {
		name, xdg, home, want string
	}{
		{"xdg", "/xdg/data", "/home/sam", "/xdg/data/peerbot"},
		{"relative xdg is ignored", "rel/data", "/home/sam", "/home/sam/.local/share/peerbot"},
		{"home", "", "/home/sam", "/home/sam/.local/share/peerbot"},
		{"neither", "", "", "peerbot-data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_DATA_HOME", tt.xdg)
			t.Setenv("HOME", tt.home)
			if got := Default().DataDir; got != tt.want {
				t.Errorf("DataDir = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidate(t *testing.T) {
	c := Default()
	c.Timezone = "Local"
	c.LogLevel = ""
	c.Community.Name = " "
	c.Community.Retention = -1
	c.Crisis.Resources = []string{"ok", ""}
	c.DataDir = ""
	want := []string{
		`data_dir: must not be empty`,
		`timezone: "Local" is not an IANA time zone name; use one such as "Europe/London"`,
		`log_level: "" is not one of debug, info, warn, error`,
		`community.name: must not be empty`,
		`community.retention_days: must be at least 1, got -1`,
		`crisis.resources[1]: must not be empty`,
	}
	got := errList(c.Validate())
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want %d: %v", len(got), len(want), got)
	}
	for i := range got {
		if got[i].Error() != want[i] {
			t.Errorf("error %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv("PEERBOT_CONFIG", "/etc/peerbot.yaml")
	if got := FromEnv("flag.yaml"); got != "flag.yaml" {
		t.Errorf("FromEnv(flag) = %q; the flag must win", got)
	}
	if got := FromEnv(""); got != "/etc/peerbot.yaml" {
		t.Errorf("FromEnv(\"\") = %q, want $PEERBOT_CONFIG", got)
	}
}

func TestSlogLevel(t *testing.T) {
	for level, want := range map[string]slog.Level{
		"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
	} {
		if got := (&Config{LogLevel: level}).SlogLevel(); got != want {
			t.Errorf("SlogLevel(%q) = %v, want %v", level, got, want)
		}
	}
}

// TestExampleIsDefault keeps example.yaml honest: it documents the defaults,
// so loading it must give exactly Default().
func TestExampleIsDefault(t *testing.T) {
	clearEnv(t)
	c, err := Load("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := exported(Default())
	want.File = "example.yaml"
	if got := exported(c); !reflect.DeepEqual(got, want) {
		t.Errorf("example.yaml differs from Default():\n got  %+v\n want %+v", got, want)
	}
}

// TestSyntaxErrorLine: a YAML syntax error points at the offending line,
// not at the start of the block around it, where yaml.v3 reports some.
func TestSyntaxErrorLine(t *testing.T) {
	clearEnv(t)
	tests := []struct {
		name, file string
		line       int
	}{
		{"list item indented less", "crisis:\n  resources:\n   - Call 999.\n  - Call 112.\n", 4},
		{"key indented less", "community:\n    name: Harbour\n  retention_days: 30\n", 3},
		{"key indented more", "timezone: UTC\nlog_level: info\n  community: x\n", 3},
		{"unclosed quote", "timezone: UTC\ncommunity:\n  name: \"Harbour\n  retention_days: 30\n", 3},
		{"unclosed list", "timezone: UTC\nslack:\n  peer_channels: [C1, C2\n  mode: socket\n", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "peerbot.yaml")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			var ce *Error
			if !errors.As(err, &ce) || ce.Line != tt.line || !strings.Contains(ce.Msg, "invalid YAML") {
				t.Errorf("Load = %v, want invalid YAML at line %d", err, tt.line)
			}
		})
	}
}

// TestShutdownTimeout: a duration is a string such as 1m30s, and positive.
func TestShutdownTimeout(t *testing.T) {
	clearEnv(t)
	tests := []struct {
		value string
		want  time.Duration
		err   string
	}{
		{value: "1m30s", want: 90 * time.Second},
		{value: "", want: DefaultShutdownTimeout},
		{value: "0s", err: `peerbot.yaml:1: shutdown_timeout: "0s" is not usable as a positive duration such as 20s or 1m30s`},
		{value: "soon", err: `peerbot.yaml:1: shutdown_timeout: "soon" is not usable as a positive duration`},
		{value: "20", err: `peerbot.yaml:1: shutdown_timeout: expected a positive duration such as 20s or 1m30s, got the number 20`},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "peerbot.yaml")
			if err := os.WriteFile(path, []byte("shutdown_timeout: "+tt.value+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Load(path)
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), filepath.Join(dir, tt.err)) {
					t.Fatalf("err = %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil || c.ShutdownTimeout != tt.want {
				t.Fatalf("Load = %v, %v; want %v", c.ShutdownTimeout, err, tt.want)
			}
		})
	}
}
