// Package resources is the resources directory: services a community
// points people to — crisis lines, housing, food, legal help, employment,
// treatment, meetings, harm reduction, family support — read from YAML
// with file:line errors. It uses nothing else of peerbot.
package resources

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Entry is one service.
type Entry struct {
	// Name is what it is called.
	Name string
	// Helps says what it helps with.
	Helps string
	// Reach says how to reach it: a number, an address, a website.
	Reach string
	// Hours, Locale (e.g. en-US) are optional.
	Hours, Locale string
	// Tags are from Tags.
	Tags []string
}

// Tags are the tags an entry may have.
var Tags = []string{"crisis", "housing", "food", "legal", "employment", "treatment", "meetings", "harm reduction", "family"}

// Directory is a list of services.
type Directory struct {
	Entries []Entry
}

//go:embed builtin/resources.yaml
var builtin embed.FS

// Builtin returns the built-in directory.
func Builtin() *Directory {
	data, err := builtin.ReadFile("builtin/resources.yaml")
	if err != nil {
		panic(err)
	}
	d, err := Parse("builtin/resources.yaml", data)
	if err != nil {
		panic("resources: the built-in directory does not load: " + err.Error())
	}
	return d
}

// Load reads a directory file.
func Load(path string) (*Directory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return Parse(path, data)
}

// Error is a problem in a directory file, at a line.
type Error struct {
	File string
	Line int
	Msg  string
}

// Error formats it as "file:line: msg".
func (e *Error) Error() string { return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg }

var entryKeys = []string{"name", "helps", "reach", "hours", "locale", "tags"}

// Parse reads a directory: `resources:` with a list of entries. It reports
// every problem, each with file and line.
func Parse(file string, data []byte) (*Directory, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, &Error{File: file, Line: 1, Msg: "not valid YAML: " + err.Error()}
	}
	var errs []error
	fail := func(n *yaml.Node, format string, args ...any) {
		errs = append(errs, &Error{File: file, Line: n.Line, Msg: fmt.Sprintf(format, args...)})
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	var list *yaml.Node
	if root.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(root.Content); i += 2 {
			k := root.Content[i]
			if k.Value == "resources" {
				list = root.Content[i+1]
			} else {
				fail(k, "unknown key %q (a directory has one key, resources: a list of services)", k.Value)
			}
		}
	}
	if list == nil || list.Kind != yaml.SequenceNode {
		n := root
		if list != nil {
			n = list
		}
		return nil, errors.Join(append(errs, &Error{File: file, Line: max(n.Line, 1), Msg: "resources: must be a list of services (name, helps, reach, tags)"})...)
	}
	d := &Directory{}
	for _, item := range list.Content {
		if item.Kind != yaml.MappingNode {
			fail(item, "each service is a mapping with name, helps, reach and tags")
			continue
		}
		var e Entry
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], item.Content[i+1]
			str := func() string {
				if v.Kind != yaml.ScalarNode {
					fail(v, "%s: expected text", k.Value)
					return ""
				}
				return strings.TrimSpace(v.Value)
			}
			switch k.Value {
			case "name":
				e.Name = str()
			case "helps":
				e.Helps = str()
			case "reach":
				e.Reach = str()
			case "hours":
				e.Hours = str()
			case "locale":
				e.Locale = str()
			case "tags":
				if v.Kind != yaml.SequenceNode {
					fail(v, "tags: expected a list, e.g. [housing, food]")
					continue
				}
				for _, t := range v.Content {
					tag := strings.ToLower(strings.TrimSpace(t.Value))
					if !slices.Contains(Tags, tag) {
						fail(t, "tags: unknown tag %q (the tags are: %s)", t.Value, strings.Join(Tags, ", "))
						continue
					}
					e.Tags = append(e.Tags, tag)
				}
			default:
				fail(k, "unknown key %q (known: %s)", k.Value, strings.Join(entryKeys, ", "))
			}
		}
		for _, req := range []struct{ key, val string }{{"name", e.Name}, {"reach", e.Reach}} {
			if req.val == "" {
				fail(item, "%s is required: say what it is called and how to reach it", req.key)
			}
		}
		if len(e.Tags) == 0 {
			fail(item, "tags: give at least one of %s", strings.Join(Tags, ", "))
		}
		d.Entries = append(d.Entries, e)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return d, nil
}

// Find returns the entries about query — a tag ("housing") or any word of
// their name, what they help with, or their tags — crisis lines first;
// every entry for an empty query.
func (d *Directory) Find(query string) []Entry {
	q := strings.ToLower(strings.TrimSpace(query))
	var crisis, rest []Entry
	for _, e := range d.Entries {
		if q != "" && !e.matches(q) {
			continue
		}
		if slices.Contains(e.Tags, "crisis") {
			crisis = append(crisis, e)
		} else {
			rest = append(rest, e)
		}
	}
	return append(crisis, rest...)
}

func (e Entry) matches(q string) bool {
	if slices.Contains(e.Tags, q) {
		return true
	}
	hay := strings.ToLower(e.Name + " " + e.Helps + " " + strings.Join(e.Tags, " "))
	for _, w := range strings.Fields(q) {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// Text is the entry as a line a person reads.
func (e Entry) Text() string {
	s := e.Name
	if e.Helps != "" {
		s += " — " + e.Helps
	}
	s += ". " + e.Reach
	if e.Hours != "" {
		s += " (" + e.Hours + ")"
	}
	return s
}

// KindsListed are the tags, other than crisis, that some entry has, in the
// order of Tags.
func (d *Directory) KindsListed() []string {
	var out []string
	for _, t := range Tags {
		if t == "crisis" {
			continue
		}
		for _, e := range d.Entries {
			if slices.Contains(e.Tags, t) {
				out = append(out, t)
				break
			}
		}
	}
	return out
}
