package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/peerbot/peerbot/internal/suggest"
)

// decode reads the YAML document in data into c. yaml.v3 converts each
// value; the walk around it does what its KnownFields(true) cannot: name an
// unknown key by its dotted path with the closest known key, refuse a
// number where a string belongs (yaml.v3 turns 3 into "3"), keep going
// after a bad value so that every problem is reported at once, and record
// the line of each key for the errors Validate finds later.
func decode(c *Config, file string, data []byte) []*Error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty file means the defaults
		}
		return []*Error{syntaxError(file, data, err)}
	}
	d := &decoder{file: file, src: c.src}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		line := 0
		if err == nil {
			line = extra.Line
		}
		// A second document would be silently ignored; say so instead.
		d.errorf(line, "", "more than one YAML document; a config file holds one")
	}
	if len(doc.Content) > 0 {
		d.value(doc.Content[0], doc.Content[0], reflect.ValueOf(c).Elem(), "", field{})
	}
	return d.errs
}

type decoder struct {
	file string
	src  map[string]source
	errs []*Error
}

func (d *decoder) errorf(line int, key, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// field is one key of a mapping: its Go field, and whether the value is a
// file path (tag `config:"path"`), taken from the config file's directory
// when relative so that its meaning does not depend on where the bot is
// started.
type field struct {
	index  []int
	isPath bool
}

// fields returns the keys of struct type t, from its yaml tags; fields
// tagged "-" (the secrets) are not keys.
func fields(t reflect.Type) map[string]field {
	out := map[string]field{}
	for _, f := range reflect.VisibleFields(t) {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		out[name] = field{index: f.Index, isPath: f.Tag.Get("config") == "path"}
	}
	return out
}

// value decodes v into dst; k is its key node, where most errors point. A
// null value (a key with nothing after it) leaves the default alone.
func (d *decoder) value(k, v *yaml.Node, dst reflect.Value, key string, f field) {
	v = resolve(v)
	switch {
	case isNull(v):
	case dst.Kind() == reflect.Struct:
		d.mapping(v, dst, key)
	case dst.Kind() == reflect.Slice:
		d.list(k, v, dst, key)
	case f.isPath:
		var p string
		if d.scalar(v, reflect.ValueOf(&p).Elem(), k.Line, key) && p != "" { // "" keeps the default
			if p = expandHome(p); !filepath.IsAbs(p) {
				p = filepath.Join(filepath.Dir(d.file), p)
			}
			dst.SetString(p)
		}
	default:
		d.scalar(v, dst, k.Line, key)
	}
}

// mapping decodes a mapping into the struct dst, key by key.
func (d *decoder) mapping(n *yaml.Node, dst reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, path, "expected a mapping of keys to values, got %s", describe(n))
		return
	}
	known := fields(dst.Type())
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
		f, ok := known[k.Value]
		if !ok {
			d.unknown(k, path, key, known)
			continue
		}
		d.src[key] = source{file: d.file, line: k.Line}
		d.value(k, v, dst.FieldByIndex(f.index), key, f)
	}
}

// unknown reports a key that is not in known, with a suggestion when it
// looks like a typo of one that is.
func (d *decoder) unknown(k *yaml.Node, path, key string, known map[string]field) {
	lower := strings.ToLower(k.Value)
	for _, w := range []string{"token", "secret", "password", "passwd", "api_key", "apikey"} {
		if strings.Contains(lower, w) {
			d.errorf(k.Line, "", "unknown key %q: secrets are read from the environment (PEERBOT_...), never from a config file", key)
			return
		}
	}
	names := slices.Sorted(maps.Keys(known))
	if best := suggest.Closest(lower, names); best != "" {
		d.errorf(k.Line, "", "unknown key %q (did you mean %q?)", key, join(path, best))
		return
	}
	d.errorf(k.Line, "", "unknown key %q (known keys: %s)", key, strings.Join(names, ", "))
}

// list decodes a list of strings. An empty list keeps the default, as a
// missing key does.
func (d *decoder) list(k, v *yaml.Node, dst reflect.Value, key string) {
	if v.Kind != yaml.SequenceNode {
		d.errorf(k.Line, key, "expected a list of strings, got %s", describe(v))
		return
	}
	var out []string
	for i, item := range v.Content {
		item = resolve(item)
		ikey := fmt.Sprintf("%s[%d]", key, i)
		d.src[ikey] = source{file: d.file, line: item.Line}
		// A bad item is kept as a placeholder, so that Validate still
		// reports problems with the others at their right indexes; the
		// config is rejected anyway.
		s := "(invalid)"
		d.scalar(item, reflect.ValueOf(&s).Elem(), item.Line, ikey)
		out = append(out, s)
	}
	if len(out) > 0 {
		dst.Set(reflect.ValueOf(out))
	}
}

var durationType = reflect.TypeFor[time.Duration]()

// scalar decodes the scalar n into dst (a string, whole number, number or
// duration) when its YAML type is the one dst needs; it reports whether it
// did.
func (d *decoder) scalar(n *yaml.Node, dst reflect.Value, line int, key string) bool {
	what, tags := "a string", []string{"!!str"}
	switch {
	case dst.Type() == durationType:
		what = "a positive duration such as 20s or 1m30s"
	case dst.Kind() == reflect.Int:
		what, tags = "a whole number", []string{"!!int"}
	case dst.Kind() == reflect.Float64:
		what, tags = "a number", []string{"!!int", "!!float"}
	}
	if n.Kind != yaml.ScalarNode || !slices.Contains(tags, n.ShortTag()) {
		d.errorf(line, key, "expected %s, got %s", what, describe(n))
		return false
	}
	v := reflect.New(dst.Type())
	if err := n.Decode(v.Interface()); err != nil || (dst.Type() == durationType && v.Elem().Int() <= 0) {
		d.errorf(line, key, "%q is not usable as %s", n.Value, what)
		return false
	}
	dst.Set(v.Elem())
	return true
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
		case "!!int", "!!float":
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
