package config

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Error is one problem with the configuration, located where the value came
// from so that an admin can go straight to it.
type Error struct {
	File string // the config file; "" when the value did not come from one
	Line int    // 1-based line in File; 0 when unknown
	Env  string // the environment variable the value came from, if any
	Key  string // the dotted key ("community.retention_days"), if any
	Msg  string // what is wrong
}

// Error formats the problem as "file:line: key: message".
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Env != "":
		b.WriteString("$" + e.Env + ": ")
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		b.WriteString(e.File + ": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// source is where a key's value was set.
type source struct {
	file string
	line int
	env  string
}

// errAt returns an error about key, located where c got its value.
func (c *Config) errAt(key, format string, args ...any) *Error {
	e := &Error{File: c.File, Key: key, Msg: fmt.Sprintf(format, args...)}
	if s, ok := c.src[key]; ok {
		e.File, e.Line, e.Env = s.file, s.line, s.env
	}
	return e
}

// joinErrors sorts errs by where they are (file lines first, in order, then
// environment variables) and joins them, one per line.
func joinErrors(errs []*Error) error {
	rank := func(e *Error) int {
		switch {
		case e.Env != "":
			return 1 << 30
		case e.Line > 0:
			return e.Line
		default:
			return 1<<30 + 1
		}
	}
	sort.SliceStable(errs, func(i, j int) bool { return rank(errs[i]) < rank(errs[j]) })
	all := make([]error, len(errs))
	for i, e := range errs {
		all[i] = e
	}
	return errors.Join(all...)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a yaml.v3 parse error into an *Error with the line.
func syntaxError(file string, err error) *Error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &Error{File: file, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}
