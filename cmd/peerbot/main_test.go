package main

// End-to-end tests of the peerbot command: the real binary, built once in
// TestMain, driven the way a new user would drive it (a shell, a pipe, a
// fresh data directory). Each run gets its own HOME, XDG_DATA_HOME and
// --data directory, and no PEERBOT_* variable of the developer's machine.
//
// Fixtures in testdata/ mark the lines an error must be reported at with a
// "# want: <fragment>" comment; wantErrors reads them, so that a fixture can
// be edited without renumbering the tests.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// peerbotBin is the binary under test, built by TestMain.
var peerbotBin string

// runTimeout bounds one run of the binary: a hang fails the test instead of
// blocking the suite.
const runTimeout = 20 * time.Second

// testUser is $USER in the child, so the bot's greeting is predictable.
const testUser = "sam"

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "peerbot-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: cannot create a temporary directory for the peerbot binary:", err)
		os.Exit(1)
	}
	bin := filepath.Join(dir, "peerbot")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: the peerbot binary does not build (go build -o %s .): %v\n%s\n", bin, err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	peerbotBin = bin
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Texts the tests look for in the bot's messages.
const (
	consentIntro    = "I'm a bot, not a counsellor or a helpline"
	consentQuestion = "Is it okay to go ahead?"
	moodQuestion    = "How are you feeling today?"
	sleepQuestion   = "About how many hours did you sleep last night?"
	cravingQuestion = "Any cravings today?"
	wentWellQ       = "What is one thing that went well"
	noteQuestion    = "Anything else you'd like to note down?"
	doneDaily       = "Thanks for checking in"
	dataPathLine    = "your data is kept in"
)

// crisisResources must all be in the reply to crisis language.
var crisisResources = []string{"988", "116 123", "findahelpline.com"}

// logLine matches a line written by the slog text handler.
var logLine = regexp.MustCompile(`(?m)^time=|\blevel=(DEBUG|INFO|WARN|ERROR)\b`)

// env is the environment of the peerbot processes of one test.
type env struct {
	home, xdg string
	extra     []string // more "KEY=value" pairs
	noXDG     bool     // leave XDG_DATA_HOME unset
}

func newEnv(t *testing.T, extra ...string) *env {
	t.Helper()
	return &env{home: t.TempDir(), xdg: t.TempDir(), extra: extra}
}

// environ is the child's environment: the parent's, without anything that
// could point peerbot at the developer's own data or config.
func (e *env) environ() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "PEERBOT_"),
			k == "HOME", k == "XDG_DATA_HOME", k == "USER", k == "USERNAME", k == "LOGNAME":
			continue
		}
		out = append(out, kv)
	}
	out = append(out, "HOME="+e.home, "USER="+testUser)
	if !e.noXDG {
		out = append(out, "XDG_DATA_HOME="+e.xdg)
	}
	return append(out, e.extra...)
}

// result is one finished run of peerbot.
type result struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("peerbot %s: exit %d\n--- stdout:\n%s\n--- stderr:\n%s", strings.Join(r.args, " "), r.code, short(r.stdout, 4000), short(r.stderr, 4000))
}

// run runs peerbot with args and stdin, in the package directory (so that
// testdata/ paths work), and waits for it to exit.
func (e *env) run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, peerbotBin, args...)
	cmd.Env = e.environ()
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String()}
	if ctx.Err() != nil {
		t.Fatalf("peerbot %s did not finish within %v (hung?)\n%s", strings.Join(args, " "), runTimeout, r)
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		t.Fatalf("peerbot %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// mustExit fails the test unless r exited with code.
func mustExit(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d\n%s", code, r)
	}
}

// input is lines as typed: each followed by a new line.
func input(lines ...string) string {
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// short abbreviates s for a failure message.
func short(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("… (%d bytes in all)", len(s))
}

// inOrder fails the test unless every one of parts is in s, each after the
// one before.
func inOrder(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	rest := s
	for _, p := range parts {
		i := strings.Index(rest, p)
		if i < 0 {
			if strings.Contains(s, p) {
				t.Errorf("%s: %q is there but out of order (want the order %q)\n%s", what, p, parts, short(s, 4000))
			} else {
				t.Errorf("%s: no %q\n%s", what, p, short(s, 4000))
			}
			return
		}
		rest = rest[i+len(p):]
	}
}

func mustContain(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%s: no %q\n%s", what, p, short(s, 4000))
		}
	}
}

func mustNotContain(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(s, p) {
			t.Errorf("%s: unexpected %q\n%s", what, p, short(s, 4000))
		}
	}
}

// conversation is a chat replayed line by line.
type conversation struct {
	opening string   // what the bot printed before reading any input
	replies []string // replies[i]: what it printed in answer to line i
	data    string   // the --data directory of the run with every line
	full    result   // the run with every line
}

// converse finds what the bot says in answer to each line. The terminal
// chat's stdout is exactly the bot's messages, and a message may contain
// blank lines, so a reply cannot be cut out of one transcript; instead the
// conversation is replayed with one more line each time, on a fresh data
// directory, and the reply to line i is what the run with i+1 lines printed
// beyond the run with i lines. Every run must exit 0, and each one's output
// must extend the one before.
func (e *env) converse(t *testing.T, args []string, lines ...string) conversation {
	t.Helper()
	var c conversation
	prev := ""
	for k := 0; k <= len(lines); k++ {
		data := t.TempDir()
		r := e.run(t, input(lines[:k]...), append(slices.Clip(args), "--data", data)...)
		mustExit(t, r, 0)
		if !strings.HasPrefix(r.stdout, prev) {
			t.Fatalf("the output with %d input line(s) does not start with the output with %d:\n--- %d line(s):\n%s\n--- %d line(s):\n%s",
				k, k-1, k-1, short(prev, 4000), k, short(r.stdout, 4000))
		}
		if k == 0 {
			c.opening = r.stdout
		} else {
			c.replies = append(c.replies, r.stdout[len(prev):])
		}
		prev = r.stdout
		c.data, c.full = data, r
	}
	return c
}

// want is an error a fixture says must be reported: at loc ("file:line:")
// and containing frag.
type want struct {
	loc, frag string
}

var wantComment = regexp.MustCompile(`#\s*want:\s*(.+?)\s*$`)

// wantErrors reads the "# want:" comments of the fixture files at paths (a
// directory means its *.yaml files).
func wantErrors(t *testing.T, paths ...string) []want {
	t.Helper()
	var files []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		m, err := filepath.Glob(filepath.Join(p, "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	var ws []want
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if m := wantComment.FindStringSubmatch(line); m != nil {
				ws = append(ws, want{loc: fmt.Sprintf("%s:%d:", f, i+1), frag: m[1]})
			}
		}
	}
	if len(ws) == 0 {
		t.Fatalf("no # want: comments in %q", paths)
	}
	return ws
}

// errLine is a line of output that reports an error at file:line.
var errLine = regexp.MustCompile(`(?m)^(?:peerbot: )?(\S+\.ya?ml:\d+: .*)$`)

// mustReport fails the test unless out reports every one of ws, each on a
// line of its own starting with its file:line, and no other file:line error.
func mustReport(t *testing.T, out string, ws []want) {
	t.Helper()
	got := errLine.FindAllStringSubmatch(out, -1)
	for _, w := range ws {
		found := false
		for _, g := range got {
			if strings.HasPrefix(g[1], w.loc) && strings.Contains(g[1], w.frag) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("want an error line starting %q and containing %q; got:\n%s", w.loc, w.frag, out)
		}
	}
	if len(got) != len(ws) {
		t.Errorf("want %d file:line errors, got %d:\n%s", len(ws), len(got), out)
	}
}

// 1. The scripted check-in of the README.
func TestScriptedCheckin(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		extra []string
	}{
		{"default log level", nil},
		{"debug logging", []string{"--log-level", "debug"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			data := t.TempDir()
			args := append([]string{"chat", "--data", data, "--flow", "daily-checkin"}, tc.extra...)
			r := e.run(t, "yes\n4\n7\nno\nI went for a walk\nskip\n", args...)
			mustExit(t, r, 0)
			inOrder(t, "stdout", r.stdout,
				consentIntro, consentQuestion, "1) Yes", "2) No",
				moodQuestion, "1) Rough", "2) Low", "3) Ok-ish", "4) Good", "5) Great",
				sleepQuestion, cravingQuestion, wentWellQ, noteQuestion, doneDaily)
			if m := logLine.FindString(r.stdout); m != "" {
				t.Errorf("stdout has a log line (%q); logs belong on stderr\n%s", m, r.stdout)
			}
			mustNotContain(t, "stdout", r.stdout, dataPathLine)
			mustContain(t, "stderr (where the data lives)", r.stderr, dataPathLine, filepath.Join(data, "peerbot.db"))
			if _, err := os.Stat(filepath.Join(data, "peerbot.db")); err != nil {
				t.Errorf("the data file is not where stderr says: %v", err)
			}
			for _, lvl := range []string{"level=WARN", "level=ERROR"} {
				mustNotContain(t, "stderr", r.stderr, lvl)
			}
		})
	}
}

// 2. A second chat on the same data shows the check-in and the streak.
func TestRestartShowsCheckinAndStreak(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	data := t.TempDir()
	mustExit(t, e.run(t, "yes\n4\n7\nno\nI went for a walk\nskip\n", "chat", "--data", data, "--flow", "daily-checkin"), 0)

	r := e.run(t, "my data\n", "chat", "--data", data)
	mustExit(t, r, 0)
	mustNotContain(t, "restart: stdout (consent was given already)", r.stdout, consentQuestion)
	mustContain(t, "restart: my data", r.stdout,
		"Streak: 1 day", "Mood: Good", "Hours of sleep: 7", "Cravings: No", "One thing that went well: I went for a walk")
}

// 3. An answer off the scale is asked again; then answering works.
func TestOutOfRangeAnswerIsAskedAgain(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, bad, retry string
	}{
		{"7 on the 1-5 mood scale", "7", "Please answer with a number from 1 to 5"},
		{"0 on the 1-5 mood scale", "0", "Please answer with a number from 1 to 5"},
		{"a word on the mood scale", "fine-ish", "Please answer with a number from 1 to 5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			c := e.converse(t, []string{"chat", "--flow", "daily-checkin"}, "yes", tc.bad, "3", "25", "8", "my data")
			inOrder(t, "reply to "+tc.bad, c.replies[1], tc.retry, moodQuestion, "1) Rough")
			mustNotContain(t, "reply to "+tc.bad, c.replies[1], sleepQuestion)
			mustContain(t, "reply to 3", c.replies[2], sleepQuestion)
			inOrder(t, "reply to 25 hours", c.replies[3], "Please answer with a number from 0 to 24", sleepQuestion)
			mustContain(t, "reply to 8 hours", c.replies[4], cravingQuestion)
			mustContain(t, "my data", c.replies[5], "Mood: Ok-ish", "Hours of sleep: 8")
		})
	}
}

// 4. Crisis language gets the crisis resources at once, even before
// consent; an idiom does not.
//
// The terminal chat opens the conversation itself: the consent text is
// printed before any input is read. So the first line's reply is what the
// bot prints after that opening, and for crisis language it must be the
// crisis reply, with no consent text ahead of it.
func TestCrisisLanguageBeforeConsent(t *testing.T) {
	t.Parallel()
	t.Run("crisis language as the first line", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		c := e.converse(t, []string{"chat"}, "I want to end my life", "yes")
		inOrder(t, "opening (before any input)", c.opening, consentIntro, consentQuestion)
		mustNotContain(t, "opening (before any input)", c.opening, crisisResources...)

		reply := c.replies[0]
		mustContain(t, "reply to the first line", reply, crisisResources...)
		first := strings.Index(reply, crisisResources[0])
		if first < 0 {
			return
		}
		// Nothing but the crisis reply comes before its resources.
		mustNotContain(t, "reply to the first line, before the resources", reply[:first],
			consentIntro, consentQuestion, "yes or no", "Before we start")
		// The safety net does not cost the user their place: "yes" still
		// gives consent and the check-in begins.
		mustContain(t, "reply to yes after the crisis reply", c.replies[1], moodQuestion)
		mustNotContain(t, "reply to yes after the crisis reply", c.replies[1], crisisResources...)
	})
	t.Run("an idiom as the first line", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		c := e.converse(t, []string{"chat"}, "I'm killing it at work")
		mustContain(t, "reply to the first line", c.replies[0], consentQuestion)
		mustNotContain(t, "reply to the first line", c.replies[0], crisisResources...)
	})
}

// 5. validate lists every error with file:line and exits 1 on any.
func TestValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		args     []string
		env      []string
		code     int
		wantFrom []string // fixtures whose "# want:" errors must all be reported
		stderrRE string   // when set, stderr must match it
		stdout   string   // when set, stdout must contain it
	}{
		{name: "goto to an unknown step", args: []string{"testdata/badgoto.yaml"}, code: 1, wantFrom: []string{"testdata/badgoto.yaml"}},
		{name: "several errors in one file", args: []string{"testdata/several.yaml"}, code: 1, wantFrom: []string{"testdata/several.yaml"}},
		{name: "good flow file", args: []string{"testdata/flows/evening.yaml"}, code: 0, stdout: "ok:"},
		{name: "directory of good flows", args: []string{"testdata/flows"}, code: 0, stdout: "ok:"},
		{name: "flow overriding a built-in", args: []string{"testdata/override"}, code: 0, stdout: "ok:"},
		{name: "directory of broken flows", args: []string{"testdata/brokenflows"}, code: 1, wantFrom: []string{"testdata/brokenflows"}},
		{name: "config with an unknown key", args: []string{"testdata/bad-config.yaml"}, code: 1, wantFrom: []string{"testdata/bad-config.yaml"}},
		{name: "good config", args: []string{"testdata/good-config.yaml"}, code: 0, stdout: "ok:"},
		{
			name: "flows and configs mixed", code: 1,
			args:     []string{"testdata/good-config.yaml", "testdata/flows", "testdata/bad-config.yaml", "testdata/badgoto.yaml"},
			wantFrom: []string{"testdata/bad-config.yaml", "testdata/badgoto.yaml"},
		},
		{name: "no arguments: the built-in flows", code: 0, stdout: "ok:"},
		{name: "no arguments, broken $PEERBOT_CONFIG", env: []string{"PEERBOT_CONFIG=testdata/bad-config.yaml"}, code: 1, wantFrom: []string{"testdata/bad-config.yaml"}},
		{name: "no arguments, broken $PEERBOT_FLOWS_DIR", env: []string{"PEERBOT_FLOWS_DIR=testdata/brokenflows"}, code: 1, wantFrom: []string{"testdata/brokenflows"}},
		{name: "invalid YAML", args: []string{"testdata/syntax.yaml"}, code: 1, stderrRE: `(?m)^testdata/syntax\.yaml:\d+: .*YAML`},
		{name: "missing file", args: []string{"testdata/nope.yaml"}, code: 1, stderrRE: `testdata/nope\.yaml.*no such file`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.env...)
			r := e.run(t, "", append([]string{"validate"}, tc.args...)...)
			mustExit(t, r, tc.code)
			if tc.wantFrom != nil {
				mustReport(t, r.stderr, wantErrors(t, tc.wantFrom...))
			}
			if tc.stderrRE != "" && !regexp.MustCompile(tc.stderrRE).MatchString(r.stderr) {
				t.Errorf("stderr does not match %q\n%s", tc.stderrRE, r)
			}
			if tc.stdout != "" {
				mustContain(t, "stdout", r.stdout, tc.stdout)
			}
			if tc.code == 0 && r.stderr != "" {
				t.Errorf("a clean validate wrote to stderr\n%s", r)
			}
		})
	}
}

// 6. A broken flows directory stops the start with every error, and no chat.
func TestStartupWithBrokenFlows(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		env  []string
	}{
		{name: "chat --flows", args: []string{"chat", "--flows", "testdata/brokenflows"}},
		{name: "run --flows", args: []string{"run", "--flows", "testdata/brokenflows"}},
		{name: "chat with $PEERBOT_FLOWS_DIR", args: []string{"chat"}, env: []string{"PEERBOT_FLOWS_DIR=testdata/brokenflows"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.env...)
			r := e.run(t, "yes\n4\n", append(tc.args, "--data", t.TempDir())...)
			if r.code == 0 {
				t.Fatalf("want a non-zero exit\n%s", r)
			}
			if r.stdout != "" {
				t.Errorf("a failed start printed chat on stdout\n%s", r)
			}
			mustNotContain(t, "stderr", r.stderr, consentIntro)
			mustReport(t, r.stderr, wantErrors(t, "testdata/brokenflows"))
		})
	}
}

// 7. A broken config stops the start with file:line.
func TestStartupWithBrokenConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		env  []string
	}{
		{name: "chat --config", args: []string{"chat", "--config", "testdata/bad-config.yaml"}},
		{name: "chat with $PEERBOT_CONFIG", args: []string{"chat"}, env: []string{"PEERBOT_CONFIG=testdata/bad-config.yaml"}},
		{name: "run --config", args: []string{"run", "--config", "testdata/bad-config.yaml"}},
		{name: "no command, $PEERBOT_CONFIG", args: nil, env: []string{"PEERBOT_CONFIG=testdata/bad-config.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.env...)
			data := filepath.Join(t.TempDir(), "data")
			r := e.run(t, "yes\n", append(tc.args, "--data", data)...)
			if r.code == 0 {
				t.Fatalf("want a non-zero exit\n%s", r)
			}
			if r.stdout != "" {
				t.Errorf("a failed start printed chat on stdout\n%s", r)
			}
			mustReport(t, r.stderr, wantErrors(t, "testdata/bad-config.yaml"))
			if _, err := os.Stat(data); err == nil {
				t.Errorf("a failed start created the data directory %s", data)
			}
		})
	}
}

// 8. Help, usage mistakes and the version.
func TestHelpAndUsage(t *testing.T) {
	t.Parallel()
	chatFlags := []string{"-config", "-data", "-flow ", "-flows", "-log-level", "-user"}
	runFlags := []string{"-config", "-data", "-flows", "-log-level"}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout []string // all in stdout
		stderr []string // all in stderr
		quiet  bool     // stderr must be empty
	}{
		{name: "chat --help", args: []string{"chat", "--help"}, stdout: append([]string{"Usage: peerbot chat"}, chatFlags...), quiet: true},
		{name: "chat -h", args: []string{"chat", "-h"}, stdout: append([]string{"Usage: peerbot chat"}, chatFlags...), quiet: true},
		{name: "run --help", args: []string{"run", "--help"}, stdout: append([]string{"Usage: peerbot run"}, runFlags...), quiet: true},
		{name: "validate --help", args: []string{"validate", "--help"}, stdout: []string{"Usage: peerbot validate [FILE|DIR ...]"}, quiet: true},
		{name: "version --help", args: []string{"version", "--help"}, stdout: []string{"peerbot version: print the version"}, quiet: true},
		{name: "help", args: []string{"help"}, stdout: []string{"Usage:", "Commands:", "chat", "run", "validate", "version", "--help"}, quiet: true},
		{name: "no command, --help", args: []string{"--help"}, stdout: []string{"Usage:", "chat", "run", "validate", "version"}, quiet: true},
		{name: "unknown command", args: []string{"chta"}, code: 2, stderr: []string{`unknown command "chta"`, "Commands:"}},
		{name: "unknown flag", args: []string{"chat", "--bogus"}, code: 2, stderr: []string{"flag provided but not defined: -bogus", "Usage: peerbot chat"}},
		{name: "unexpected argument", args: []string{"chat", "extra"}, code: 2, stderr: []string{`unexpected argument "extra"`}},
		{name: "version with an argument", args: []string{"version", "extra"}, code: 2, stderr: []string{`unexpected argument "extra"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			r := e.run(t, "", tc.args...)
			mustExit(t, r, tc.code)
			mustContain(t, "stdout", r.stdout, tc.stdout...)
			mustContain(t, "stderr", r.stderr, tc.stderr...)
			if tc.quiet && r.stderr != "" {
				t.Errorf("asked-for help must go to stdout only; stderr has (on a terminal the help shows twice):\n%s", r.stderr)
			}
			if tc.code != 0 && r.stdout != "" {
				t.Errorf("a usage mistake printed on stdout\n%s", r)
			}
		})
	}
	t.Run("version", func(t *testing.T) {
		t.Parallel()
		r := newEnv(t).run(t, "", "version")
		mustExit(t, r, 0)
		if !regexp.MustCompile(`^peerbot \S+\n$`).MatchString(r.stdout) {
			t.Errorf("want \"peerbot <version>\" on one line\n%s", r)
		}
		if r.stderr != "" {
			t.Errorf("version wrote to stderr\n%s", r)
		}
	})
}

// 9. peerbot with no arguments is the terminal chat on the default data
// directory.
func TestNoArgumentsRunsTerminalChat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		noXDG bool
		dir   func(e *env) string // the expected data directory
	}{
		{name: "XDG_DATA_HOME set", dir: func(e *env) string { return filepath.Join(e.xdg, "peerbot") }},
		{name: "HOME only", noXDG: true, dir: func(e *env) string { return filepath.Join(e.home, ".local", "share", "peerbot") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.noXDG = tc.noXDG
			r := e.run(t, "yes\n")
			mustExit(t, r, 0)
			inOrder(t, "stdout", r.stdout, consentIntro, consentQuestion, moodQuestion, "1) Rough")
			db := filepath.Join(tc.dir(e), "peerbot.db")
			mustContain(t, "stderr (where the data lives)", r.stderr, dataPathLine, db)
			if _, err := os.Stat(db); err != nil {
				t.Errorf("no data file where stderr says: %v", err)
			}
		})
	}
}

// lineWatcher collects a pipe's lines and reports when one contains a
// string.
type lineWatcher struct {
	mu    sync.Mutex
	lines []string
	seen  chan struct{} // closed at the first line containing the string
	done  chan struct{} // closed at the end of the pipe
}

func watchLines(r io.Reader, substr string) *lineWatcher {
	w := &lineWatcher{seen: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		sc := bufio.NewScanner(r)
		found := false
		for sc.Scan() {
			w.mu.Lock()
			w.lines = append(w.lines, sc.Text())
			w.mu.Unlock()
			if !found && strings.Contains(sc.Text(), substr) {
				found = true
				close(w.seen)
			}
		}
		_, _ = io.Copy(io.Discard, r)
	}()
	return w
}

func (w *lineWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "\n")
}

// 10. A second peerbot on the same data fails fast, naming the file.
func TestSecondInstanceOnSameDataFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	data := t.TempDir()

	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	first := exec.CommandContext(ctx, peerbotBin, "chat", "--data", data)
	first.Env = e.environ()
	first.WaitDelay = 5 * time.Second
	var firstOut strings.Builder
	first.Stdout = &firstOut
	stdin, err := first.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := first.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	watch := watchLines(stderr, dataPathLine)
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		stdin.Close()
		<-watch.done
		return first.Wait()
	}
	defer stop()

	select {
	case <-watch.seen:
	case <-watch.done:
		t.Fatalf("the first peerbot ended before saying where its data lives; stderr:\n%s", watch)
	case <-ctx.Done():
		t.Fatalf("the first peerbot did not say where its data lives within %v; stderr:\n%s", runTimeout, watch)
	}

	r := e.run(t, "yes\n", "chat", "--data", data)
	if r.code == 0 {
		t.Fatalf("the second peerbot on the same data started\n%s", r)
	}
	mustContain(t, "second peerbot: stderr", r.stderr, "in use", filepath.Join(data, "peerbot.db"))
	mustNotContain(t, "second peerbot: stdout", r.stdout, consentIntro)

	if err := stop(); err != nil {
		t.Errorf("the first peerbot, at end of input: %v; stderr:\n%s", err, watch)
	}
	mustContain(t, "first peerbot: stdout", firstOut.String(), consentQuestion)
}

// 11. Odd lines in the middle of a check-in each get an answer and break
// nothing.
func TestOddInputMidCheckin(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("I pasted a very long message here. ", 300)[:10<<10]
	odd := []struct{ name, line string }{
		{"empty line", ""},
		{"only spaces", "   \t  "},
		{"control characters", "\x00\x01\x02\x1b[31mred\x1b[0m\x07\x7f"},
		{"10 kB line", long},
		{"emoji", "😀🙏🏽👨‍👩‍👧"},
		{"right-to-left text", "مرحبا، كيف حالك؟ שלום"},
		{"bidi override", "\u202eyes\u202c"},
		{"invalid UTF-8", "\xff\xfe\xfd"},
	}
	wentWell := "walked by the sea 🌊 — مشيت على الشاطئ"
	lines := []string{"yes", "4", "7"}
	for _, o := range odd {
		lines = append(lines, o.line)
	}
	lines = append(lines, "no\r", wentWell, "skip")

	e := newEnv(t)
	c := e.converse(t, []string{"chat", "--flow", "daily-checkin"}, lines...)
	for i, o := range odd {
		reply := c.replies[3+i]
		if strings.TrimSpace(reply) == "" {
			t.Errorf("%s got no reply", o.name)
			continue
		}
		mustContain(t, "reply to the "+o.name, reply, cravingQuestion)
		if len(reply) > 2000 {
			t.Errorf("the reply to the %s is %d bytes long:\n%s", o.name, len(reply), short(reply, 500))
		}
	}
	mustContain(t, "reply to no (CRLF)", c.replies[len(lines)-3], wentWellQ)
	mustContain(t, "reply to the last line", c.replies[len(lines)-1], doneDaily)

	r := e.run(t, "my data\n", "chat", "--data", c.data)
	mustExit(t, r, 0)
	mustContain(t, "my data after the odd lines", r.stdout,
		"Mood: Good", "Hours of sleep: 7", "Cravings: No", "One thing that went well: "+wentWell, "Streak: 1 day")
}

// 12. An unknown --flow lists the flows there are.
func TestUnknownFlow(t *testing.T) {
	t.Parallel()
	builtin := []string{"daily-checkin", "goal-setting", "goal-followup", "weekly-wellbeing"}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{name: "built-in flows", args: []string{"chat", "--flow", "nope"}, want: builtin},
		{name: "with --flows", args: []string{"chat", "--flows", "testdata/flows", "--flow", "nope"}, want: append([]string{"evening"}, builtin...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			r := e.run(t, "yes\n", append(tc.args, "--data", t.TempDir())...)
			if r.code == 0 {
				t.Fatalf("want a non-zero exit\n%s", r)
			}
			mustContain(t, "stderr", r.stderr, append([]string{`"nope"`}, tc.want...)...)
			if r.stdout != "" {
				t.Errorf("printed chat for a flow that does not exist\n%s", r)
			}
		})
	}
}

// 13. A directory of custom flows adds flows and overrides built-in ones.
func TestCustomFlows(t *testing.T) {
	t.Parallel()
	t.Run("custom flow runs to its done message", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		data := t.TempDir()
		r := e.run(t, "yes\n2\n5\n", "chat", "--flows", "testdata/flows", "--flow", "evening", "--data", data)
		mustExit(t, r, 0)
		inOrder(t, "stdout", r.stdout,
			consentQuestion,
			"How was your energy this evening?", "1) Calm", "2) Restless", "3) Tired",
			"How many meetings did you go to this week?",
			"Good night — thanks for the evening check-in.")
		mustNotContain(t, "stdout", r.stdout, moodQuestion)

		r = e.run(t, "my data\n", "chat", "--flows", "testdata/flows", "--data", data)
		mustExit(t, r, 0)
		mustContain(t, "my data", r.stdout, "Evening energy: Restless", "Meetings: 5")
	})
	t.Run("flow with the id daily-checkin overrides the built-in", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		r := e.run(t, "yes\n1\n", "chat", "--flows", "testdata/override", "--data", t.TempDir())
		mustExit(t, r, 0)
		inOrder(t, "stdout", r.stdout, consentQuestion, "Did you drink enough water today?", "Short check-in done.")
		mustNotContain(t, "stdout", r.stdout, moodQuestion)
	})
}
