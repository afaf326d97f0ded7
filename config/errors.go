package config

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
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

// syntaxError turns a yaml.v3 parse error in data into an *Error at the
// offending line.
func syntaxError(file string, data []byte, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return &Error{File: file, Msg: "invalid YAML: " + msg}
	}
	line, _ := strconv.Atoi(m[1])
	return &Error{File: file, Line: problemLine(data, line, m[2]), Msg: "invalid YAML: " + m[2]}
}

// problemLine finds the line of a parse error that yaml.v3 reported at
// line: it names the line where the enclosing block starts (a mis-indented
// line 3 under a mapping that starts at line 1 is reported at line 1). The
// first prefix of the file, from line on, that fails with the same problem
// ends at the offending line.
func problemLine(data []byte, line int, problem string) int {
	lines := strings.SplitAfter(string(data), "\n")
	for end := line; end <= len(lines); end++ {
		var n yaml.Node
		err := yaml.Unmarshal([]byte(strings.Join(lines[:end], "")), &n)
		if m := yamlLine.FindStringSubmatch(fmt.Sprint(err)); m != nil && m[2] == problem {
			return end
		}
	}
	return line
}
