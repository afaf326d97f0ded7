package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckPlatforms(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		file string   // config file content; "" for none
		want []string // fragments of the one error; none: no error
		not  []string // fragments that must not be in it
	}{
		{name: "nothing configured"},
		{name: "slack socket mode", env: map[string]string{"PEERBOT_SLACK_BOT_TOKEN": "xoxb-1", "PEERBOT_SLACK_APP_TOKEN": "xapp-1"}},
		{name: "slack http mode", env: map[string]string{"PEERBOT_SLACK_BOT_TOKEN": "xoxb-1", "PEERBOT_SLACK_SIGNING_SECRET": "s"}},
		{name: "discord", env: map[string]string{"PEERBOT_DISCORD_TOKEN": "t"}},
		{
			name: "slack bot token alone",
			env:  map[string]string{"PEERBOT_SLACK_BOT_TOKEN": "xoxb-secret-1"},
			want: []string{"$PEERBOT_SLACK_APP_TOKEN: not set", "PEERBOT_SLACK_SIGNING_SECRET", "connections:write", "App-Level Tokens", "Signing Secret"},
			not:  []string{"xoxb-secret-1"},
		},
		{
			name: "slack app token alone",
			env:  map[string]string{"PEERBOT_SLACK_APP_TOKEN": "xapp-secret-1"},
			want: []string{"$PEERBOT_SLACK_BOT_TOKEN: not set, but PEERBOT_SLACK_APP_TOKEN is set", "OAuth & Permissions"},
			not:  []string{"xapp-secret-1"},
		},
		{
			name: "slack signing secret and app token without a bot token",
			env:  map[string]string{"PEERBOT_SLACK_APP_TOKEN": "xapp-1", "PEERBOT_SLACK_SIGNING_SECRET": "s"},
			want: []string{"$PEERBOT_SLACK_BOT_TOKEN: not set, but PEERBOT_SLACK_APP_TOKEN and PEERBOT_SLACK_SIGNING_SECRET are set"},
		},
		{
			name: "slack mode socket with a signing secret only",
			env:  map[string]string{"PEERBOT_SLACK_BOT_TOKEN": "xoxb-1", "PEERBOT_SLACK_SIGNING_SECRET": "s"},
			file: "slack:\n  mode: socket\n",
			want: []string{"$PEERBOT_SLACK_APP_TOKEN: not set, but slack.mode is socket", "connections:write"},
		},
		{
			name: "slack mode http with an app token only",
			env:  map[string]string{"PEERBOT_SLACK_BOT_TOKEN": "xoxb-1", "PEERBOT_SLACK_APP_TOKEN": "xapp-1"},
			file: "slack:\n  mode: http\n",
			want: []string{"$PEERBOT_SLACK_SIGNING_SECRET: not set, but slack.mode is http", "App Credentials"},
		},
		{
			name: "slack settings in the file, no secrets",
			file: "timezone: UTC\nslack:\n  peer_channels: [C1]\n",
			want: []string{"peerbot.yaml:3: slack.peer_channels: Slack is configured here, but PEERBOT_SLACK_BOT_TOKEN is not set"},
		},
		{
			name: "discord settings in the file, no token",
			file: "discord:\n  guild_ids: [\"123\"]\n",
			want: []string{"peerbot.yaml:2: discord.guild_ids: Discord is configured here, but PEERBOT_DISCORD_TOKEN is not set", "Bot → Reset Token"},
		},
		{name: "discord client id alone is for setup, not run", file: "discord:\n  client_id: \"123\"\n"},
		{name: "the example file (defaults only)", file: "example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			path := ""
			switch tt.file {
			case "":
			case "example":
				path = "example.yaml"
			default:
				path = filepath.Join(t.TempDir(), "peerbot.yaml")
				if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			c, err := Load(path)
			if err != nil {
				t.Fatalf("Load: %v (the secrets check must not be part of Load)", err)
			}
			err = c.CheckPlatforms()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("CheckPlatforms: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("CheckPlatforms: no error")
			}
			if n := len(errList(err)); n != 1 {
				t.Errorf("want 1 error, got %d: %v", n, err)
			}
			msg := strings.ReplaceAll(err.Error(), filepath.Dir(path)+string(filepath.Separator), "")
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(msg, n) {
					t.Errorf("error has %q:\n%s", n, msg)
				}
			}
		})
	}
}

func TestLogFormatAndClientID(t *testing.T) {
	tests := []struct {
		name, file, env string
		wantFormat      string
		wantErr         string
	}{
		{name: "default", wantFormat: "auto"},
		{name: "json in the file", file: "log:\n  format: JSON\n", wantFormat: "json"},
		{name: "environment wins", file: "log:\n  format: json\n", env: "Text", wantFormat: "text"},
		{name: "bad format", file: "log:\n  format: xml\n", wantErr: `peerbot.yaml:2: log.format: "xml" is not one of auto, text, json`},
		{name: "bad client id", file: "discord:\n  client_id: abc\n", wantErr: `peerbot.yaml:2: discord.client_id: "abc" is not a Discord application id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("PEERBOT_LOG_FORMAT", tt.env)
			path := filepath.Join(t.TempDir(), "peerbot.yaml")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Load(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load: %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Log.Format != tt.wantFormat {
				t.Errorf("Log.Format = %q, want %q", c.Log.Format, tt.wantFormat)
			}
		})
	}
}

// TopLevelKeys is exactly what the decoder takes: each key alone decodes
// without error, and example.yaml (which has every key) uses no other.
func TestTopLevelKeys(t *testing.T) {
	clearEnv(t)
	for _, k := range TopLevelKeys {
		c := Default()
		if errs := decode(c, "k.yaml", []byte(k+":\n")); len(errs) > 0 {
			t.Errorf("top-level key %q: %v", k, errs[0])
		}
	}
	data, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	keys := FileKeys(data)
	if len(keys) != len(TopLevelKeys) {
		t.Errorf("example.yaml has the keys %q; TopLevelKeys are %q", keys, TopLevelKeys)
	}
	for _, k := range keys {
		if !IsTopLevelKey(k) {
			t.Errorf("example.yaml has %q, which is not in TopLevelKeys", k)
		}
	}
	if errs := decode(Default(), "k.yaml", []byte("timezon: UTC\n")); len(errs) == 0 {
		t.Error("an unknown top-level key decoded without error")
	}
	if FileKeys([]byte("- a\n- b\n")) != nil || FileKeys([]byte("{")) != nil {
		t.Error("FileKeys of a list or of bad YAML is not nil")
	}
}
