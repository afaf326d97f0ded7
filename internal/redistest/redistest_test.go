package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestStartSetGet(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	s := Start(t)
	if !strings.HasPrefix(s.Addr, "127.0.0.1:") || s.Addr == "127.0.0.1:6379" {
		t.Fatalf("Addr = %q", s.Addr)
	}
	if want := "redis://" + s.Addr + "/0"; s.URL() != want {
		t.Fatalf("URL() = %q, want %q", s.URL(), want)
	}
	c := s.Client(t)
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET k = %q, %v", got, err)
	}
	// The URL works with redis.ParseURL, as the application uses it.
	opt, err := redis.ParseURL(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	c2 := redis.NewClient(opt)
	defer c2.Close()
	if got, err := c2.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET k through URL = %q, %v", got, err)
	}
	// Defaults: no persistence configured.
	cfg, err := c.ConfigGet(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if cfg["save"] != "" || cfg["appendonly"] != "no" || cfg["dir"] != s.Dir || cfg["bind"] != "127.0.0.1" {
		t.Fatalf("config save=%q appendonly=%q dir=%q bind=%q", cfg["save"], cfg["appendonly"], cfg["dir"], cfg["bind"])
	}
}

func TestKillRestart(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	s := Start(t)
	c := s.Client(t)
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	addr, dir := s.Addr, s.Dir
	s.Kill()
	s.Kill() // idempotent
	if s.Running() {
		t.Fatal("Running after Kill")
	}
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING answered after Kill")
	}
	s.Restart(t)
	if s.Addr != addr || s.Dir != dir {
		t.Fatalf("after Restart: %s %s, want %s %s", s.Addr, s.Dir, addr, dir)
	}
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING after Restart with the same client: %v", err)
	}
	if err := c.Get(ctx, "k").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("GET k after Kill+Restart without persistence: %v, want redis.Nil", err)
	}
	s.Stop()
	s.Stop() // idempotent
	fast := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer fast.Close()
	if err := fast.Ping(ctx).Err(); err == nil {
		t.Fatal("PING answered after Stop")
	}
	s.Restart(t)
	s.Restart(t) // restarting a running server stops it first
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
}

func TestAppendOnlySurvivesKill(t *testing.T) {
	t.Parallel()
	for _, aof := range []bool{true, false} {
		t.Run(fmt.Sprintf("appendonly=%v", aof), func(t *testing.T) {
			t.Parallel()
			ctx := ctxT(t)
			var opts []Option
			if aof {
				opts = append(opts, WithAppendOnly())
			}
			s := Start(t, opts...)
			c := s.Client(t)
			for i := range 100 {
				if err := c.Set(ctx, fmt.Sprint("k", i), i, 0).Err(); err != nil {
					t.Fatal(err)
				}
			}
			s.Kill()
			s.Restart(t)
			n, err := c.DBSize(ctx).Result()
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Get(ctx, "k99").Result()
			if aof {
				if n != 100 || err != nil || got != "99" {
					t.Fatalf("with AOF after Kill+Restart: DBSIZE %d, GET k99 = %q, %v; want 100, 99", n, got, err)
				}
				if _, err := os.Stat(filepath.Join(s.Dir, "appendonlydir")); err != nil {
					t.Fatalf("no AOF dir in %s: %v", s.Dir, err)
				}
			} else if n != 0 || !errors.Is(err, redis.Nil) {
				t.Fatalf("without AOF after Kill+Restart: DBSIZE %d, GET k99: %v; want 0, redis.Nil", n, err)
			}
		})
	}
}

func TestWithArgs(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	s := Start(t, WithArgs("--maxmemory", "10mb", "--maxmemory-policy", "allkeys-lru"))
	cfg, err := s.Client(t).ConfigGet(ctx, "maxmemory*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if cfg["maxmemory"] != "10485760" || cfg["maxmemory-policy"] != "allkeys-lru" {
		t.Fatalf("config: %v", cfg)
	}
}

func TestCommandStats(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	s := Start(t)
	c := s.Client(t)
	if err := c.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	for i := range 7 {
		if err := c.Set(ctx, fmt.Sprint("k", i), "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	pipe := c.Pipeline()
	for i := range 3 {
		pipe.Get(ctx, fmt.Sprint("k", i))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	stats, err := CommandStats(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if stats["set"] != 7 || stats["get"] != 3 {
		t.Fatalf("stats set=%d get=%d, want 7 and 3 (all: %v)", stats["set"], stats["get"], stats)
	}
	// Compared snapshots: the first INFO is counted in the second.
	before, err := CommandStats(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	c.Set(ctx, "x", 1, 0)
	after, err := CommandStats(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if d := after["set"] - before["set"]; d != 1 {
		t.Fatalf("set delta %d, want 1", d)
	}
	if d := after["info"] - before["info"]; d != 1 {
		t.Fatalf("info delta %d, want 1", d)
	}
}

func TestSentinel(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	sn := StartSentinel(t)
	if sn.MasterName == "" || len(sn.Addrs) != 1 || sn.Master == nil || len(sn.Sentinels) != 1 {
		t.Fatalf("Sentinel = %+v", sn)
	}
	c := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName:    sn.MasterName,
		SentinelAddrs: sn.Addrs,
	})
	defer c.Close()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET k = %q, %v", got, err)
	}
	// The write went to the primary.
	if got, err := sn.Master.Client(t).Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET k on the primary = %q, %v", got, err)
	}
	if got, err := sn.Client(t).Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET k through Sentinel.Client = %q, %v", got, err)
	}
	// The sentinel rewrote its conf file (it must be writable).
	conf, err := os.ReadFile(filepath.Join(sn.Sentinels[0].Dir, "sentinel.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(conf), "sentinel myid") {
		t.Fatalf("sentinel.conf not rewritten by the sentinel:\n%s", conf)
	}

	// A restarted sentinel keeps its port and its rewritten conf.
	sent := sn.Sentinels[0]
	sent.Kill()
	sent.Restart(t)
	if sent.Addr != sn.Addrs[0] {
		t.Fatalf("sentinel moved from %s to %s", sn.Addrs[0], sent.Addr)
	}
	c3 := redis.NewFailoverClient(sn.Options())
	defer c3.Close()
	if got, err := c3.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET k after a sentinel restart = %q, %v", got, err)
	}
}

func TestCluster(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	cl := StartCluster(t, 3)
	if len(cl.Addrs) != 3 || len(cl.Servers) != 3 {
		t.Fatalf("Cluster = %+v", cl)
	}
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs})
	defer c.Close()

	const keys = 300
	for i := range keys {
		if err := c.Set(ctx, fmt.Sprint("key:", i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range keys {
		if got, err := c.Get(ctx, fmt.Sprint("key:", i)).Int(); err != nil || got != i {
			t.Fatalf("GET key:%d = %d, %v", i, got, err)
		}
	}
	// The keys are spread over all three primaries.
	var mu sync.Mutex
	sizes := map[string]int64{}
	err := c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		n, err := m.DBSize(ctx).Result()
		mu.Lock()
		sizes[m.Options().Addr] = n
		mu.Unlock()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, n := range sizes {
		if n == 0 {
			t.Fatalf("a primary holds no key: %v", sizes)
		}
		total += n
	}
	if len(sizes) != 3 || total != keys {
		t.Fatalf("DBSIZE per primary %v, want 3 primaries and %d keys", sizes, keys)
	}

	// A script over two keys of one hash tag runs on one node.
	script := redis.NewScript(`
redis.call('SET', KEYS[1], ARGV[1])
redis.call('INCRBY', KEYS[2], ARGV[2])
return redis.call('MGET', KEYS[1], KEYS[2])`)
	got, err := script.Run(ctx, c, []string{"pb:{u:1}:a", "pb:{u:1}:b"}, "hello", 5).StringSlice()
	if err != nil || len(got) != 2 || got[0] != "hello" || got[1] != "5" {
		t.Fatalf("script = %v, %v", got, err)
	}
	// Keys of different slots are refused, as in production.
	if err := script.Run(ctx, c, []string{"pb:{u:1}:a", "pb:{u:2}:b"}, "x", 1).Err(); err == nil {
		t.Fatal("a script over two slots succeeded")
	}

	// CommandStats sums over the primaries.
	if err := c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		return m.ConfigResetStat(ctx).Err()
	}); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if err := c.Set(ctx, fmt.Sprint("n:", i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	stats, err := CommandStats(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if stats["set"] != 50 {
		t.Fatalf("cluster stats set=%d, want 50 (all: %v)", stats["set"], stats)
	}
	// An INFO call is counted from the next snapshot on: one per primary.
	if stats, err = CommandStats(ctx, c); err != nil || stats["info"] != 3 {
		t.Fatalf("cluster stats info=%d, %v; want 3 (one per primary)", stats["info"], err)
	}

	// A killed node comes back with its slots (nodes.conf is in its dir).
	node := cl.Servers[1]
	node.Kill()
	node.Restart(t)
	cl.WaitHealthy(t)
	for i := range keys {
		if err := c.Set(ctx, fmt.Sprint("key:", i), i, 0).Err(); err != nil {
			t.Fatalf("SET after a node restart: %v", err)
		}
	}
}

func TestSmallCluster(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	for _, n := range []int{1, 2} {
		cl := StartCluster(t, n)
		c := cl.Client(t)
		for i := range 50 {
			if err := c.Set(ctx, fmt.Sprint("key:", i), i, 0).Err(); err != nil {
				t.Fatalf("%d primaries: %v", n, err)
			}
		}
	}
}

// fakeTB records what a helper does with the test instead of failing it.
type fakeTB struct {
	testing.TB
	mu      sync.Mutex
	fatal   string
	skipped bool
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.fatal = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}
func (f *fakeTB) Fatal(args ...any) { f.Fatalf("%s", fmt.Sprint(args...)) }
func (f *fakeTB) Skip(args ...any)  { f.SkipNow() }
func (f *fakeTB) Skipf(string, ...any) {
	f.SkipNow()
}
func (f *fakeTB) SkipNow() {
	f.mu.Lock()
	f.skipped = true
	f.mu.Unlock()
	runtime.Goexit()
}

func runFake(t *testing.T, fn func(tb testing.TB)) *fakeTB {
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f
}

// Without redis-server the Redis tests must fail, never skip or pass.
func TestMissingBinaryFails(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for name, fn := range map[string]func(testing.TB){
		"Start":         func(tb testing.TB) { Start(tb) },
		"StartSentinel": func(tb testing.TB) { StartSentinel(tb) },
		"StartCluster":  func(tb testing.TB) { StartCluster(tb, 3) },
	} {
		f := runFake(t, fn)
		if f.skipped || f.fatal != missingServer {
			t.Errorf("%s without redis-server: skipped=%v fatal=%q, want fatal %q", name, f.skipped, f.fatal, missingServer)
		}
	}
}

// With redis-server but without redis-cli, a cluster of 3 must fail.
func TestMissingCLIFails(t *testing.T) {
	server, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal(missingServer)
	}
	dir := t.TempDir()
	if err := os.Symlink(server, filepath.Join(dir, "redis-server")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	f := runFake(t, func(tb testing.TB) { StartCluster(tb, 3) })
	if f.skipped || f.fatal != missingCLI {
		t.Errorf("StartCluster without redis-cli: skipped=%v fatal=%q, want fatal %q", f.skipped, f.fatal, missingCLI)
	}
}

func TestPortTaken(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	a := Start(t)
	b := Start(t)
	b.Stop()

	// Restart keeps its port: on a taken port it fails, with the log.
	// (a answers PING there, but not with b's pid.)
	b.port = a.Port()
	f := runFake(t, func(tb testing.TB) { b.Restart(tb) })
	if !strings.Contains(f.fatal, "is not ready") || !strings.Contains(f.fatal, "Address already in use") {
		t.Fatalf("Restart on a taken port: fatal %q", f.fatal)
	}
	if b.Running() {
		t.Fatal("b running after a failed start")
	}

	// A fresh start whose first port is taken tries another one.
	tries := 0
	b.pickPort = func(bus bool) (int, error) {
		tries++
		if tries == 1 {
			return a.Port(), nil
		}
		return freePort(bus)
	}
	f = runFake(t, func(tb testing.TB) { b.start(tb, true) })
	if f.fatal != "" || tries != 2 || !b.Running() || b.Addr == a.Addr {
		t.Fatalf("start with a taken port: fatal %q, tries %d, running %v, addr %s", f.fatal, tries, b.Running(), b.Addr)
	}
	if err := b.Client(t).Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := a.Client(t).Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
}
