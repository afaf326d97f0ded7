// Package redistest starts real redis-server processes for tests.
//
// Every server listens on 127.0.0.1 on a free port, keeps its files in a
// t.TempDir, and is stopped in t.Cleanup. Tests can Kill (SIGKILL) and
// Restart a server on the same address and directory, which is how crash
// and persistence behaviour is tested. Sentinel (StartSentinel) and Cluster
// (StartCluster) setups are built from the same servers.
//
// A missing redis-server binary fails the test: the Redis tests must not
// pass silently on a machine that cannot run them.
package redistest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/peerbot/peerbot/internal/redisstats"
)

// ReadyTimeout bounds how long Start, Restart, StartSentinel and
// StartCluster wait for a server (or a cluster) to become ready.
const ReadyTimeout = 10 * time.Second

// stopTimeout is how long Stop waits after SIGTERM before it sends SIGKILL.
const stopTimeout = 10 * time.Second

// portAttempts is how many fresh ports Start tries when the port it picked
// was taken by someone else before redis-server could bind it.
const portAttempts = 5

const (
	missingServer = "redis-server not found on PATH: install it (apt-get install redis-server) — the Redis tests need a real server"
	missingCLI    = "redis-cli not found on PATH: install it (apt-get install redis-tools) — the Redis cluster tests need redis-cli"
)

// Server is one redis-server process owned by a test.
type Server struct {
	Addr string // 127.0.0.1:port
	Dir  string // its working directory (a t.TempDir)

	bin  string
	name string // "redis-server" or "redis-sentinel", for messages
	// argv returns the arguments after the binary for a server on port.
	argv   func(port int) ([]string, error)
	busReq bool // port+10000 must be free as well (cluster bus)
	// pickPort picks a free port; nil means freePort (tests replace it).
	pickPort func(bus bool) (int, error)

	mu   sync.Mutex
	port int
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

type config struct {
	appendOnly bool
	cluster    bool
	args       []string
}

// Option configures Start.
type Option func(*config)

// WithAppendOnly turns on the append-only file with appendfsync always, so
// every acknowledged write survives a Kill.
func WithAppendOnly() Option {
	return func(c *config) { c.appendOnly = true }
}

// WithArgs adds redis-server arguments, e.g. WithArgs("--maxmemory", "10mb").
// They come last, so they override the defaults.
func WithArgs(args ...string) Option {
	return func(c *config) { c.args = append(c.args, args...) }
}

func withCluster() Option {
	return func(c *config) { c.cluster = true }
}

// Start starts a redis-server on a free port and returns once it answers
// PING. The server is stopped in t.Cleanup.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	bin := lookPath(t, "redis-server", missingServer)
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	dir := t.TempDir()
	s := &Server{
		Dir:    dir,
		bin:    bin,
		name:   "redis-server",
		busReq: cfg.cluster,
	}
	s.argv = func(port int) ([]string, error) {
		args := []string{
			"--port", strconv.Itoa(port),
			"--bind", "127.0.0.1",
			"--daemonize", "no",
			"--save", "",
			"--dir", dir,
			"--logfile", filepath.Join(dir, "redis.log"),
		}
		if cfg.appendOnly {
			args = append(args, "--appendonly", "yes", "--appendfsync", "always")
		} else {
			args = append(args, "--appendonly", "no")
		}
		if cfg.cluster {
			args = append(args,
				"--cluster-enabled", "yes",
				"--cluster-config-file", "nodes.conf",
				"--cluster-node-timeout", "5000",
			)
		}
		return append(args, cfg.args...), nil
	}
	s.start(t, true)
	t.Cleanup(s.Stop)
	return s
}

func lookPath(t testing.TB, name, msg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s", msg)
	}
	return p
}

// URL is the server's address as a redis:// URL for database 0.
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// Port is the server's TCP port.
func (s *Server) Port() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.port
}

// Client returns a go-redis client for the server, with the library's
// default options; it is closed in t.Cleanup.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Running reports whether the process is alive.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runningLocked()
}

func (s *Server) runningLocked() bool {
	if s.done == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// Kill sends SIGKILL and waits for the process to exit, like a crash or an
// OOM kill: nothing is saved. Killing a stopped server does nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

func (s *Server) killLocked() {
	if !s.runningLocked() {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// Stop shuts the server down gracefully with SIGTERM (redis-server then
// saves if a save point or the append-only file is configured) and waits
// for it to exit; after 10 s it sends SIGKILL. Stopping a stopped server
// does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.runningLocked() {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		s.killLocked()
	}
}

// Restart starts the server again on the same port and directory, so its
// AOF, RDB and nodes.conf files are reused, and returns once it answers
// PING (after loading its data). A running server is stopped first.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	s.start(t, false)
}

// LogTail returns the last n lines of the server's log file and of its
// standard output and error.
func (s *Server) LogTail(n int) string {
	var b strings.Builder
	for _, f := range logFiles {
		data, err := os.ReadFile(filepath.Join(s.Dir, f))
		if err != nil || len(bytes.TrimSpace(data)) == 0 {
			continue
		}
		fmt.Fprintf(&b, "--- %s (last %d lines) ---\n%s\n", filepath.Join(s.Dir, f), n, tail(data, n))
	}
	if b.Len() == 0 {
		return "(the server wrote no log)"
	}
	return b.String()
}

func tail(data []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// start launches the process and waits until it is ready. With newPort, a
// fresh port is picked (again, if the first was taken); otherwise s.port is
// reused.
func (s *Server) start(t testing.TB, newPort bool) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runningLocked() {
		t.Fatalf("redistest: %s %s is already running", s.name, s.Addr)
	}
	for attempt := 1; ; attempt++ {
		if newPort {
			pick := s.pickPort
			if pick == nil {
				pick = freePort
			}
			p, err := pick(s.busReq)
			if err != nil {
				t.Fatalf("redistest: %v", err)
			}
			s.port = p
		}
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
		logSizes := s.logSizes()
		if err := s.launchLocked(); err != nil {
			t.Fatalf("redistest: starting %s on %s: %v", s.name, s.Addr, err)
		}
		err := s.waitReady()
		if err == nil {
			return
		}
		s.killLocked()
		taken := s.portTaken(logSizes)
		if taken && newPort && attempt < portAttempts {
			continue
		}
		t.Fatalf("redistest: %s on %s (dir %s) is not ready: %v\n%s", s.name, s.Addr, s.Dir, err, s.LogTail(30))
	}
}

var logFiles = [...]string{"redis.log", "stdout.log"}

func (s *Server) logSizes() [len(logFiles)]int64 {
	var sizes [len(logFiles)]int64
	for i, f := range logFiles {
		if fi, err := os.Stat(filepath.Join(s.Dir, f)); err == nil {
			sizes[i] = fi.Size()
		}
	}
	return sizes
}

// portTaken reports whether the logs written since the sizes were taken say
// the port could not be bound.
func (s *Server) portTaken(before [len(logFiles)]int64) bool {
	for i, f := range logFiles {
		data, _ := os.ReadFile(filepath.Join(s.Dir, f))
		if before[i] <= int64(len(data)) {
			data = data[before[i]:]
		}
		if bytes.Contains(data, []byte("Address already in use")) {
			return true
		}
	}
	return false
}

func (s *Server) launchLocked() error {
	args, err := s.argv(s.port)
	if err != nil {
		return err
	}
	out, err := os.OpenFile(filepath.Join(s.Dir, "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.Dir
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = sysProcAttr()
	if err := startProcess(cmd); err != nil {
		_ = out.Close()
		return err
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		_ = out.Close()
		close(done)
	}()
	s.cmd, s.done = cmd, done
	return nil
}

var errExited = errors.New("the process exited")

// waitReady polls PING until it is answered by this very process (INFO
// server reports its pid: another server that grabbed the port does not
// count), the process exits, or ReadyTimeout passes.
func (s *Server) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), ReadyTimeout)
	defer cancel()
	c := probeClient(s.Addr)
	defer c.Close()
	pid := s.cmd.Process.Pid
	var last error
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		select {
		case <-s.done:
			return fmt.Errorf("%w: %s", errExited, s.cmd.ProcessState)
		default:
		}
		last = c.Ping(ctx).Err()
		if last == nil {
			var info string
			info, last = c.Info(ctx, "server").Result()
			if last == nil {
				got := infoField(info, "process_id")
				if got == strconv.Itoa(pid) {
					return nil
				}
				last = fmt.Errorf("answered by process %s, not %d", got, pid)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no answer to PING within %v: %v", ReadyTimeout, last)
		case <-s.done:
			return fmt.Errorf("%w: %s", errExited, s.cmd.ProcessState)
		case <-time.After(delay):
		}
	}
}

// probeClient is a client for readiness checks: one connection, short
// timeouts, no retries, no handshake extras.
func probeClient(addr string) *redis.Client {
	return redis.NewClient(probeOptions(addr))
}

func probeOptions(addr string) *redis.Options {
	return &redis.Options{
		Addr:                     addr,
		Protocol:                 2,
		DialTimeout:              500 * time.Millisecond,
		ReadTimeout:              time.Second,
		WriteTimeout:             time.Second,
		MaxRetries:               -1,
		PoolSize:                 1,
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	}
}

// freePort returns a port that was free a moment ago on 127.0.0.1; with
// bus, port+10000 (the cluster bus port) was free too.
func freePort(bus bool) (int, error) {
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("finding a free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		if !bus {
			_ = l.Close()
			return port, nil
		}
		if port+10000 > 65535 {
			_ = l.Close()
			continue
		}
		lb, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000)))
		_ = l.Close()
		if err != nil {
			continue
		}
		_ = lb.Close()
		return port, nil
	}
	return 0, errors.New("found no free port whose cluster bus port (port+10000) is free too")
}

// infoField returns the value of field in INFO output.
func infoField(info, field string) string {
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if ok && k == field {
			return v
		}
	}
	return ""
}

// CommandStats returns, for each command, how many times the server ran it
// (INFO commandstats); see redisstats.CommandStats, which it is.
func CommandStats(ctx context.Context, c redis.UniversalClient) (map[string]int64, error) {
	return redisstats.CommandStats(ctx, c)
}

// RunUsers runs work in exactly users goroutines sharing b.N iterations
// (each calls more before one), so that a benchmark labelled users=N ran N
// at once: RunParallel would start a multiple of GOMAXPROCS of them.
func RunUsers(b *testing.B, users int, work func(more func() bool)) {
	var done atomic.Int64
	more := func() bool { return done.Add(1) <= int64(b.N) }
	var wg sync.WaitGroup
	for range users {
		wg.Go(func() { work(more) })
	}
	wg.Wait()
}
