package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/peerbot/peerbot/internal/redistest"
)

// figure returns the number that starts the value of the output line
// "label: value", failing the test when the line is missing or its value
// does not start with a number.
func figure(t *testing.T, out, label string) float64 {
	t.Helper()
	for line := range strings.Lines(out) {
		rest, ok := strings.CutPrefix(line, label+":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			t.Fatalf("line %q has no value", strings.TrimSpace(line))
		}
		n, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			t.Fatalf("line %q: value is not a number: %v", strings.TrimSpace(line), err)
		}
		return n
	}
	t.Fatalf("no line %q in:\n%s", label+":", out)
	return 0
}

// positive checks that each label's figure is above zero.
func positive(t *testing.T, out string, labels ...string) {
	t.Helper()
	for _, l := range labels {
		if n := figure(t, out, l); n <= 0 {
			t.Errorf("%s: %v, want > 0", l, n)
		}
	}
}

// plainProgress checks that the progress on a stderr that is not a
// terminal is plain lines, ending with the whole count.
func plainProgress(t *testing.T, stderr, last string) {
	t.Helper()
	if strings.ContainsAny(stderr, "\r\x1b") {
		t.Errorf("progress on a pipe has carriage returns or escapes: %q", stderr)
	}
	if !strings.Contains(stderr, last) {
		t.Errorf("stderr lacks the last progress line %q:\n%s", last, stderr)
	}
}

var storeCalls = regexp.MustCompile(`n/a \(embedded store, no network: ([0-9.]+) store calls per step\)`)

// The load benchmark on the embedded store: the figures are there and
// make sense, the progress is plain lines on a pipe, and nothing is left
// behind — nor written where the person's own data lives.
func TestBenchEmbedded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tmp := t.TempDir()
	r := e.run(t, "", "bench", "--users", "4", "--steps", "200", "--data", tmp)
	mustExit(t, r, 0)
	positive(t, r.stdout, "answered steps", "answered steps per second", "handle latency p50", "handle latency p99", "bytes per session")
	if n := figure(t, r.stdout, "answered steps"); n != 200 {
		t.Errorf("answered steps: %v, want exactly 200", n)
	}
	if p50, p99 := figure(t, r.stdout, "handle latency p50"), figure(t, r.stdout, "handle latency p99"); p99 < p50 {
		t.Errorf("p99 %v < p50 %v", p99, p50)
	}
	m := storeCalls.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no store calls per step in:\n%s", r.stdout)
	}
	if n, _ := strconv.ParseFloat(m[1], 64); n <= 0 {
		t.Errorf("store calls per step %v, want > 0", n)
	}
	plainProgress(t, r.stderr, "answered steps: 100% (200 of 200)")
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in --data: %v", left)
	}
	if _, err := os.Stat(filepath.Join(e.xdg, "peerbot", "peerbot.db")); err == nil {
		t.Error("bench wrote the real data file")
	}
}

// The load benchmark and the scheduler fan-out on a real redis-server:
// round trips and server commands are counted, every prompt is sent, and
// the run's keys are gone afterwards.
func TestBenchRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	client := srv.Client(t)
	e := newEnv(t)
	empty := func(what string) {
		t.Helper()
		n, err := client.DBSize(context.Background()).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			keys, _ := client.Keys(context.Background(), "*").Result()
			t.Errorf("after %s: %d keys left: %.10v", what, n, keys)
		}
	}

	r := e.run(t, "", "bench", "--redis", srv.URL(), "--users", "4", "--steps", "100")
	mustExit(t, r, 0)
	positive(t, r.stdout, "answered steps per second", "handle latency p50", "handle latency p99",
		"store round trips per step", "bytes per session")
	plainProgress(t, r.stderr, "answered steps: 100% (100 of 100)")
	empty("--steps")

	r = e.run(t, "", "bench", "--redis", srv.URL(), "--due", "500")
	mustExit(t, r, 0)
	positive(t, r.stdout, "put in place", "found and claimed", "all prompts written and sent", "redis commands per person")
	mustContain(t, "stdout", r.stdout, "(500 people;", "(500 prompts,")
	plainProgress(t, r.stderr, "prompts sent: 100% (500 of 500)")
	empty("--due")
}

func TestBenchBadFlags(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.run(t, "", "bench", "--users", "0")
	mustExit(t, r, 2)
	mustContain(t, "stderr", r.stderr, "must be positive")
}
