package flows

// YAML helpers: reading mappings, scalars and durations with their line numbers.

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/peerbot/peerbot/internal/suggest"

	"gopkg.in/yaml.v3"
)

// yamlError turns yaml.v3's errors ("yaml: line 3: ...") into Errors.
func (p *parser) yamlError(err error) {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	for _, m := range msgs {
		if sub := yamlLine.FindStringSubmatch(m); sub != nil {
			line, _ := strconv.Atoi(sub[1])
			p.errs = append(p.errs, &Error{File: p.file, Line: line, Msg: "YAML: " + sub[2]})
			continue
		}
		p.errs = append(p.errs, &Error{File: p.file, Line: 1, Msg: strings.TrimPrefix(m, "yaml: ")})
	}
}

// resolve follows YAML aliases (*anchor) to the node they stand for.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

type entry struct{ key, val *yaml.Node }

// fields reads a mapping, reporting duplicate and unknown keys. what names
// the mapping in messages ("scale"); "" for the flow or a step itself. A
// null value (as in `yesno:`) is an empty mapping.
func (p *parser) fields(n *yaml.Node, step, what string, known []string) map[string]entry {
	out := map[string]entry{}
	n = resolve(n)
	if isNull(n) {
		return out
	}
	if n.Kind != yaml.MappingNode {
		if what == "" {
			p.errorf(n, step, "expected a mapping of keys (%s)", strings.Join(known, ", "))
		} else {
			p.errorf(n, step, "%s must be a mapping with keys %s", what, strings.Join(known, ", "))
		}
		return out
	}
	prefix := ""
	if what != "" {
		prefix = what + ": "
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, step, "%skeys must be plain words", prefix)
			continue
		}
		if prev, dup := out[k.Value]; dup {
			p.errorf(k, step, "%sduplicate key %q (first at line %d)", prefix, k.Value, prev.key.Line)
			continue
		}
		if len(known) == 0 {
			p.errorf(k, step, "%stakes no settings (write %s: {})", prefix, what)
			continue
		}
		if !slices.Contains(known, k.Value) {
			msg := fmt.Sprintf("%sunknown key %q", prefix, k.Value)
			if s := suggest.Closest(k.Value, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (known: " + strings.Join(known, ", ") + ")"
			}
			p.errorf(k, step, "%s", msg)
			continue
		}
		out[k.Value] = entry{k, v}
	}
	return out
}

// str reads a scalar as text; null is "".
func (p *parser) str(n *yaml.Node, step, what string) (string, bool) {
	n = resolve(n)
	if isNull(n) {
		return "", true
	}
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, step, "%s must be text", what)
		return "", false
	}
	return n.Value, true
}

func (p *parser) boolean(n *yaml.Node, step, what string) (bool, bool) {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		switch strings.ToLower(n.Value) {
		case "true", "yes", "on":
			return true, true
		case "false", "no", "off":
			return false, true
		}
	}
	p.errorf(n, step, "%s must be true or false", what)
	return false, false
}

func (p *parser) number(n *yaml.Node, step, what string) (float64, bool) {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
		if v, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
			return v, true
		}
		if v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return float64(v), true
		}
	}
	p.errorf(n, step, "%s must be a number, not %q", what, n.Value)
	return 0, false
}

func (p *parser) integer(n *yaml.Node, step, what string) (int, bool) {
	v, ok := p.number(n, step, what)
	if !ok {
		return 0, false
	}
	if v != math.Trunc(v) || math.Abs(v) > 1e9 {
		p.errorf(n, step, "%s must be a whole number, not %s", what, resolve(n).Value)
		return 0, false
	}
	return int(v), true
}

func (p *parser) duration(n *yaml.Node, what string) time.Duration {
	s, ok := p.str(n, "", what)
	if !ok || s == "" {
		if ok {
			p.errorf(n, "", "%s must be a duration such as 3h or 90m", what)
		}
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		p.errorf(n, "", "%s %q is not a duration (use e.g. 3h, 90m or 1h30m)", what, s)
		return 0
	}
	if d <= 0 {
		p.errorf(n, "", "%s must be positive, not %s", what, s)
		return 0
	}
	return d
}
