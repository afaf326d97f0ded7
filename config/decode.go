package config

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/peerbot/peerbot/internal/suggest"

	"gopkg.in/yaml.v3"
)

// decoder walks the YAML node tree by hand rather than with
// yaml.Unmarshal, because Unmarshal stops at the first error and cannot
// refuse unknown keys with a line number for each.
type decoder struct {
	file string
	cfg  *Config
	errs []*Error
}

// field decodes the value of one key; k is the key node (its line is where
// errors point) and key the dotted path.
type field func(k, v *yaml.Node, key string)

func (d *decoder) errorf(line int, key, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// set records where key was set, for errors found later by Validate.
func (d *decoder) set(k *yaml.Node, key string) {
	d.cfg.src[key] = source{file: d.file, line: k.Line}
}

func (d *decoder) document(doc *yaml.Node) {
	n := doc
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return
		}
		n = n.Content[0]
	}
	c := d.cfg
	d.mapping(n, "", map[string]field{
		"data_dir":         d.path(&c.DataDir),
		"flows_dir":        d.path(&c.FlowsDir),
		"timezone":         d.str(&c.Timezone, nil),
		"log_level":        d.str(&c.LogLevel, normLevel),
		"shutdown_timeout": d.duration(&c.ShutdownTimeout),
		"log": func(k, v *yaml.Node, key string) {
			d.mapping(v, key, map[string]field{"format": d.str(&c.Log.Format, strings.ToLower)})
		},
		"community": func(k, v *yaml.Node, key string) {
			d.mapping(v, key, map[string]field{
				"name":           d.str(&c.Community.Name, nil),
				"retention_days": d.integer(&c.Community.Retention),
			})
		},
		"crisis": func(k, v *yaml.Node, key string) {
			d.mapping(v, key, map[string]field{
				"resources": d.strings(&c.Crisis.Resources),
			})
		},
		"http": func(k, v *yaml.Node, key string) {
			d.mapping(v, key, map[string]field{"addr": d.str(&c.HTTP.Addr, nil)})
		},
		"slack": func(k, v *yaml.Node, key string) {
			d.mapping(v, key, map[string]field{
				"mode":           d.str(&c.Slack.Mode, strings.ToLower),
				"api_url":        d.str(&c.Slack.APIURL, nil),
				"peer_channels":  d.strings(&c.Slack.PeerChannels),
				"workspace_rate": d.number(&c.Slack.WorkspaceRate),
				"channel_rate":   d.number(&c.Slack.ChannelRate),
			})
		},
		"discord": func(k, v *yaml.Node, key string) {
			d.mapping(v, key, map[string]field{
				"api_url":          d.str(&c.Discord.APIURL, nil),
				"guild_ids":        d.strings(&c.Discord.GuildIDs),
				"shard_count":      d.integer(&c.Discord.ShardCount),
				"shard_id":         d.integer(&c.Discord.ShardID),
				"fallback_channel": d.str(&c.Discord.FallbackChannel, nil),
				"peer_channels":    d.strings(&c.Discord.PeerChannels),
				"rate":             d.number(&c.Discord.Rate),
				"client_id":        d.str(&c.Discord.ClientID, strings.TrimSpace),
			})
		},
		"redis": func(k, v *yaml.Node, key string) {
			d.set(k, key)
			d.mapping(v, key, map[string]field{
				"url":         d.str(&c.Redis.URL, nil),
				"prefix":      d.str(&c.Redis.Prefix, nil),
				"history_max": d.integer(&c.Redis.HistoryMax),
				"sentinel": func(k, v *yaml.Node, key string) {
					d.mapping(v, key, map[string]field{
						"master": d.str(&c.Redis.Sentinel.Master, nil),
						"addrs":  d.strings(&c.Redis.Sentinel.Addrs),
					})
				},
				"cluster": func(k, v *yaml.Node, key string) {
					d.mapping(v, key, map[string]field{
						"addrs": d.strings(&c.Redis.Cluster.Addrs),
					})
				},
			})
		},
	})
}

// mapping decodes a mapping node whose keys are fields. A null value (a key
// with nothing after it) leaves the defaults alone.
func (d *decoder) mapping(n *yaml.Node, path string, fields map[string]field) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, path, "expected a mapping of keys to values, got %s", describe(n))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k.Line, path, "expected a key name, got %s", describe(k))
			continue
		}
		key := join(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			d.errorf(k.Line, "", "duplicate key %q (first set at line %d)", key, first)
			continue
		}
		seen[k.Value] = k.Line
		f, ok := fields[k.Value]
		if !ok {
			d.unknown(k, path, key, fields)
			continue
		}
		f(k, v, key)
	}
}

// unknown reports a key that is not in fields, with a suggestion when it
// looks like a typo of one that is.
func (d *decoder) unknown(k *yaml.Node, path, key string, fields map[string]field) {
	lower := strings.ToLower(k.Value)
	for _, w := range []string{"token", "secret", "password", "passwd", "api_key", "apikey"} {
		if strings.Contains(lower, w) {
			d.errorf(k.Line, "", "unknown key %q: secrets are read from the environment (PEERBOT_...), never from a config file", key)
			return
		}
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	if best := suggest.Closest(lower, names); best != "" {
		d.errorf(k.Line, "", "unknown key %q (did you mean %q?)", key, join(path, best))
		return
	}
	d.errorf(k.Line, "", "unknown key %q (known keys: %s)", key, strings.Join(names, ", "))
}

// str decodes a string; norm, when set, normalises it.
func (d *decoder) str(dst *string, norm func(string) string) field {
	return func(k, v *yaml.Node, key string) {
		v = resolve(v)
		if isNull(v) {
			return
		}
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
			d.errorf(k.Line, key, "expected a string, got %s", describe(v))
			return
		}
		d.set(k, key)
		*dst = v.Value
		if norm != nil {
			*dst = norm(v.Value)
		}
	}
}

// duration decodes a positive Go duration such as "20s" or "1m30s".
func (d *decoder) duration(dst *time.Duration) field {
	return func(k, v *yaml.Node, key string) {
		var s string
		d.str(&s, nil)(k, v, key)
		if s == "" {
			return
		}
		dur, err := time.ParseDuration(s)
		if err != nil || dur <= 0 {
			d.errorf(k.Line, key, "expected a positive duration such as 20s or 1m30s, got %q", s)
			return
		}
		*dst = dur
	}
}

// path decodes a file system path. An empty value keeps the default; a
// relative one is taken from the config file's directory, so that the
// meaning of the file does not depend on where the bot is started.
func (d *decoder) path(dst *string) field {
	return func(k, v *yaml.Node, key string) {
		var p string
		d.str(&p, nil)(k, v, key)
		if p == "" {
			return
		}
		p = expandHome(p)
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(d.file), p)
		}
		*dst = p
	}
}

func (d *decoder) integer(dst *int) field {
	return func(k, v *yaml.Node, key string) {
		v = resolve(v)
		if isNull(v) {
			return
		}
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" {
			d.errorf(k.Line, key, "expected a whole number, got %s", describe(v))
			return
		}
		var n int
		if err := v.Decode(&n); err != nil {
			d.errorf(k.Line, key, "%q is not a usable whole number", v.Value)
			return
		}
		d.set(k, key)
		*dst = n
	}
}

// number decodes an integer or a decimal number.
func (d *decoder) number(dst *float64) field {
	return func(k, v *yaml.Node, key string) {
		v = resolve(v)
		if isNull(v) {
			return
		}
		if v.Kind != yaml.ScalarNode || (v.ShortTag() != "!!int" && v.ShortTag() != "!!float") {
			d.errorf(k.Line, key, "expected a number, got %s", describe(v))
			return
		}
		var f float64
		if err := v.Decode(&f); err != nil {
			d.errorf(k.Line, key, "%q is not a usable number", v.Value)
			return
		}
		d.set(k, key)
		*dst = f
	}
}

// strings decodes a list of strings. An empty list keeps the default, as a
// missing key does.
func (d *decoder) strings(dst *[]string) field {
	return func(k, v *yaml.Node, key string) {
		v = resolve(v)
		if isNull(v) {
			return
		}
		if v.Kind != yaml.SequenceNode {
			d.errorf(k.Line, key, "expected a list of strings, got %s", describe(v))
			return
		}
		var out []string
		for i, item := range v.Content {
			item = resolve(item)
			ikey := fmt.Sprintf("%s[%d]", key, i)
			d.cfg.src[ikey] = source{file: d.file, line: item.Line}
			if item.Kind != yaml.ScalarNode || item.ShortTag() != "!!str" {
				d.errorf(item.Line, ikey, "expected a string, got %s", describe(item))
				// A placeholder keeps the indexes of later items right
				// for Validate; the config is rejected anyway.
				out = append(out, "(invalid)")
				continue
			}
			out = append(out, item.Value)
		}
		// Keep the items even after a bad one, so that Validate still
		// reports problems with the others: every error at once.
		if len(out) > 0 {
			d.set(k, key)
			*dst = out
		}
	}
}

// resolve follows YAML aliases (*name) to the node they stand for.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what a node is, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return fmt.Sprintf("the string %q", n.Value)
		case "!!int":
			return "the number " + n.Value
		case "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		case "!!null":
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
