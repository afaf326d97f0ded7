package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/peerbot/peerbot/adapters/bolt"
	redisstore "github.com/peerbot/peerbot/adapters/redis"
	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/config"
	"github.com/peerbot/peerbot/flows"
	"github.com/peerbot/peerbot/internal/loadgen"
	"github.com/peerbot/peerbot/internal/redisstats"
)

// benchPlatform is the platform of the simulated people; a loadgen.Counter
// of that name takes the engine's replies.
const benchPlatform = "bench"

const benchSummary = `peerbot bench: measure what this machine and store can carry, to size a
deployment. Simulated people go through the real engine (built-in flows)
and the configured store; replies go nowhere and are only counted.

Usage:
  peerbot bench [--config FILE] [--redis URL] [--data DIR] [--users N] [--steps M]
  peerbot bench --due N [--config FILE] [--redis URL] [--data DIR] [--sweepers K]

With --users and --steps, N people answer daily check-ins at once until M
steps are answered in all; it prints answered steps per second, the 50th
and 99th percentile of the time to handle one message, store round trips
per answered step and stored bytes per person.

With --due, N people each have a scheduled check-in due in the same
minute; the clock (not real time) moves past it, and it prints how long
until every person is found and claimed, how long until every prompt is
written and sent, and the store's work per person.

The embedded store is a new file in a temporary directory (under --data
DIR when given), removed afterwards: your data is never read or changed.
On Redis everything goes under its own key prefix (the configured prefix,
then "bench:<run>:"), deleted afterwards.`

// benchFlags are bench's command line.
type benchFlags struct {
	settings
	users, steps, due, sweepers int
}

func benchCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var f benchFlags
	fs.StringVar(&f.configFile, "config", "", "config `file` (default $PEERBOT_CONFIG): its Redis settings say which store to measure")
	fs.StringVar(&f.dataDir, "data", "", "`dir`ectory in which to make the embedded store's temporary file (default: the system's temporary directory)")
	fs.StringVar(&f.redisURL, "redis", "", "redis://host:port/db `URL` to measure instead of the embedded store (overrides redis.url and $PEERBOT_REDIS_URL)")
	fs.IntVar(&f.users, "users", 64, "how many simulated `people` talk at once")
	fs.IntVar(&f.steps, "steps", 20000, "how many check-in `steps` they answer in all")
	fs.IntVar(&f.due, "due", 0, "measure the scheduler instead: this many `people` with a check-in due in the same minute")
	fs.IntVar(&f.sweepers, "sweepers", 1, "with --due: how many `sweeps` run at once (one per replica)")
	if err := parseFlags(fs, args, stdout, stderr, benchSummary); err != nil {
		return err
	}
	switch {
	case f.due < 0, f.due == 0 && (f.users < 1 || f.steps < 1), f.sweepers < 1:
		fmt.Fprintln(stderr, "peerbot bench: --users, --steps, --due and --sweepers must be positive")
		return errUsage
	}
	cfg, err := loadConfig(f.settings, "warn")
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel, config.LogFormatText)
	clock := &benchClock{}
	clock.Set(time.Now())
	st, err := openBenchStore(ctx, cfg, f.dataDir, clock, log, stderr)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.close(context.WithoutCancel(ctx)); err != nil {
			fmt.Fprintln(stderr, "peerbot bench: cleaning up:", err)
		}
	}()
	o := engineOptions(cfg, st.calls, flows.Builtin(), log)
	o.Clock = clock
	e, err := bot.New(o)
	if err != nil {
		return err
	}
	sent := loadgen.NewCounter(benchPlatform)
	e.Register(sent)
	if f.due > 0 {
		return benchDue(ctx, e, st, clock, sent, f, stdout, stderr)
	}
	return benchSteps(ctx, e, st, f, stdout, stderr)
}

// benchSteps runs f.users people through daily check-ins until f.steps
// steps are answered, and prints the figures.
func benchSteps(ctx context.Context, e *bot.Engine, st *benchStore, f benchFlags, stdout, stderr io.Writer) error {
	fmt.Fprintf(stdout, "peerbot bench: %d people answering daily check-ins until %d steps are answered, on %s\n", f.users, f.steps, st.where)
	took := make([][]time.Duration, f.users) // each person's own slice: no lock
	var answered atomic.Int64
	bar := startProgress(stderr, "answered steps", "steps", int64(f.steps), answered.Load)
	st.reset()
	start := time.Now()
	err := loadgen.Run(ctx, e, loadgen.Options{
		Platform: benchPlatform, Users: f.users, More: loadgen.Budget(int64(f.steps)),
		User: func(i int) bot.UserID { return bot.NewUserID(benchPlatform, st.run, "u"+strconv.Itoa(i)) },
		Said: func(i int, a bool, d time.Duration) {
			took[i] = append(took[i], d)
			if a {
				answered.Add(1)
			}
		},
	})
	elapsed := time.Since(start)
	bar.finish()
	if err != nil {
		return err
	}
	all := slices.Concat(took...)
	slices.Sort(all)
	steps := float64(answered.Load())
	fmt.Fprintf(stdout, "answered steps:               %d in %.2f s (%d messages)\n", answered.Load(), elapsed.Seconds(), len(all))
	fmt.Fprintf(stdout, "answered steps per second:    %.0f\n", steps/elapsed.Seconds())
	fmt.Fprintf(stdout, "handle latency p50:           %.2f ms\n", ms(percentile(all, 50)))
	fmt.Fprintf(stdout, "handle latency p99:           %.2f ms\n", ms(percentile(all, 99)))
	calls := float64(st.calls.n.Load()) / steps
	if st.trips != nil {
		fmt.Fprintf(stdout, "store round trips per step:   %.2f (%.2f commands sent, %.2f store calls)\n",
			float64(st.trips.RoundTrips())/steps, float64(st.trips.Commands())/steps, calls)
	} else {
		fmt.Fprintf(stdout, "store round trips per step:   n/a (embedded store, no network: %.2f store calls per step)\n", calls)
	}
	bytes, how, err := st.bytesPerPerson(ctx, f.users)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "bytes per session:            %.0f (%s)\n", bytes, how)
	return nil
}

// benchDue puts f.due people in place with a scheduled check-in due in the
// same minute, moves the clock past it, and measures the scheduler: how
// long until every person is claimed (ClaimWakes until none is left) and
// how long until every prompt is written and sent (SweepWakes until none
// is left).
func benchDue(ctx context.Context, e *bot.Engine, st *benchStore, clock *benchClock, sent *loadgen.Counter, f benchFlags, stdout, stderr io.Writer) error {
	n := f.due
	fmt.Fprintf(stdout, "peerbot bench: %d people with a scheduled check-in due in the same minute, on %s\n", n, st.where)
	// The due minute is the next whole one; the clock waits before it.
	now := clock.Now().UTC()
	minute := now.Truncate(time.Minute).Add(time.Minute)
	user := func(i int) bot.UserID { return bot.NewUserID(benchPlatform, st.run, "u"+strconv.Itoa(i)) }

	var placed atomic.Int64
	bar := startProgress(stderr, "people put in place", "people", int64(n), placed.Load)
	start := time.Now()
	err := forEach(ctx, n, 64, func(i int) error {
		due := minute.Add(time.Duration(i) * time.Minute / time.Duration(n)) // spread over the minute
		s := &bot.State{Profile: bot.Profile{Consent: bot.ConsentGiven, ConsentAt: now, Timezone: "UTC", DMChannel: "D"}}
		timer := bot.PlaceScheduledStart(s, user(i), benchPlatform, bot.DefaultFlow, now, due, uint32(i))
		if err := st.store.Save(ctx, bot.Save{User: user(i), State: s, Outbox: []bot.Outbound{timer}}); err != nil {
			return err
		}
		if err := st.store.ScheduleWake(ctx, user(i), due); err != nil {
			return err
		}
		placed.Add(1)
		return nil
	})
	bar.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "put in place:                 %d people in %.3g s\n", n, time.Since(start).Seconds())

	// (a) Found and claimed.
	clock.Set(minute.Add(time.Minute + time.Second))
	var claimed []bot.UserID
	var count atomic.Int64
	bar = startProgress(stderr, "people claimed", "people", int64(n), count.Load)
	before, err := st.snapshot(ctx)
	if err != nil {
		return err
	}
	start = time.Now()
	for {
		got, err := st.calls.ClaimWakes(ctx, bot.DefaultOutboxLease, 512)
		if err != nil {
			bar.finish()
			return err
		}
		if len(got) == 0 {
			break
		}
		claimed = append(claimed, got...)
		count.Add(int64(len(got)))
	}
	claimTime := time.Since(start)
	bar.finish()
	claimWork, err := st.since(ctx, before)
	if err != nil {
		return err
	}
	if len(claimed) != n {
		return fmt.Errorf("claimed %d people, want %d", len(claimed), n)
	}

	// Release them as they were, untimed, so the sweep starts from the
	// same place as the claim did.
	err = forEach(ctx, n, 64, func(i int) error { return st.store.DoneWake(ctx, claimed[i], minute) })
	if err != nil {
		return err
	}

	// (b) Every prompt written and sent.
	bar = startProgress(stderr, "prompts sent", "prompts", int64(n), sent.Sent)
	if before, err = st.snapshot(ctx); err != nil {
		return err
	}
	start = time.Now()
	err = forEach(ctx, f.sweepers, f.sweepers, func(int) error {
		for {
			woke, err := e.SweepWakes(ctx)
			if err != nil || woke == 0 {
				return err
			}
		}
	})
	sweepTime := time.Since(start)
	bar.finish()
	if err != nil {
		return err
	}
	sweepWork, err := st.since(ctx, before)
	if err != nil {
		return err
	}
	prompts := sent.Sent()
	per := func(w benchWork) string {
		if st.trips == nil {
			return fmt.Sprintf("%.3g store calls per person", float64(w.calls)/float64(n))
		}
		return fmt.Sprintf("%.3g round trips and %.3g server commands per person", float64(w.trips)/float64(n), float64(w.server)/float64(n))
	}
	sweeps := "1 sweep"
	if f.sweepers > 1 {
		sweeps = fmt.Sprintf("%d sweeps at once", f.sweepers)
	}
	fmt.Fprintf(stdout, "found and claimed:            %.4g s (%d people; %s)\n", claimTime.Seconds(), len(claimed), per(claimWork))
	fmt.Fprintf(stdout, "all prompts written and sent: %.4g s (%d prompts, %.0f per second, %s; %s)\n",
		sweepTime.Seconds(), prompts, float64(prompts)/sweepTime.Seconds(), sweeps, per(sweepWork))
	if st.trips != nil {
		fmt.Fprintf(stdout, "redis commands per person:    %.2f run by the server (those scripts run included) in %.2f round trips\n",
			float64(claimWork.server+sweepWork.server)/float64(n), float64(claimWork.trips+sweepWork.trips)/float64(n))
	} else {
		fmt.Fprintf(stdout, "store calls per person:       %.2f\n", float64(claimWork.calls+sweepWork.calls)/float64(n))
	}
	if prompts != int64(n) {
		return fmt.Errorf("%d prompts sent, want %d", prompts, n)
	}
	return nil
}

// forEach runs fn(i) for i in [0, n) on workers goroutines and returns the
// first error; after one, the rest are skipped.
func forEach(ctx context.Context, n, workers int, fn func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for !failed.Load() && ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	return cmp.Or(first, ctx.Err())
}

// percentile returns the p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// benchStore is the store under measurement, with its counters.
type benchStore struct {
	store bot.Store   // the store itself
	calls *countStore // store, counting calls: what the engine uses
	// redis and trips are set on Redis: trips counts the round trips of
	// the store's own client.
	redis *redisstore.Store
	trips *redisstats.Trips
	// prefix starts the run's Redis keys.
	prefix string
	// path is the embedded store's file, dir its temporary directory.
	path, dir string
	// run tells this run's people (and Redis keys) from any other's.
	run   string
	where string
}

// openBenchStore opens the store the config names: a new embedded store in
// a temporary directory (under dataDir when not empty), or Redis with a
// key prefix of the run's own. Its clock is clock.
func openBenchStore(ctx context.Context, cfg *config.Config, dataDir string, clock bot.Clock, log *slog.Logger, stderr io.Writer) (*benchStore, error) {
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	b := &benchStore{run: run}
	if !cfg.Redis.Configured() {
		dir, err := os.MkdirTemp(dataDir, "peerbot-bench-")
		if err != nil {
			return nil, err
		}
		b.dir, b.path = dir, filepath.Join(dir, "peerbot.db")
		s, err := bolt.Open(b.path, bolt.WithClock(clock))
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		b.store, b.where = s, "the embedded store (a new file in "+dir+", removed afterwards)"
	} else {
		rc := redisConfig(cfg)
		rc.Prefix = cmp.Or(rc.Prefix, redisstore.DefaultPrefix) + "bench:" + run + ":"
		redisstore.SetLibraryLogger(log)
		s, err := redisstore.Connect(ctx, rc, newLogger(stderr, "warn", config.LogFormatText), redisstore.WithClock(clock))
		if err != nil {
			return nil, err
		}
		b.trips = &redisstats.Trips{}
		s.Client().AddHook(b.trips)
		b.store, b.redis, b.prefix = s, s, rc.Prefix
		b.where = fmt.Sprintf("Redis at %s (keys under %q, deleted afterwards)", rc.Addr(), rc.Prefix)
	}
	b.calls = &countStore{Store: b.store}
	return b, nil
}

// reset zeroes the counters.
func (b *benchStore) reset() {
	b.calls.n.Store(0)
	if b.trips != nil {
		b.trips.Reset()
	}
}

// benchWork is the store's work in a span of time.
type benchWork struct{ calls, trips, server int64 }

// snapshot is the counters at the start of a span: store calls, round
// trips and, on Redis, the server's command counts.
type snapshot struct {
	work  benchWork
	stats map[string]int64
}

// snapshot starts a span. The server's counts are read first, so that the
// INFO that reads them is not among the span's round trips.
func (b *benchStore) snapshot(ctx context.Context) (snapshot, error) {
	var s snapshot
	if b.trips != nil {
		var err error
		if s.stats, err = redisstats.CommandStats(ctx, b.redis.Client()); err != nil {
			return s, err
		}
		s.work.trips = b.trips.RoundTrips()
	}
	s.work.calls = b.calls.n.Load()
	return s, nil
}

// since is the work done since the snapshot. The server's counts are read
// last, for the same reason.
func (b *benchStore) since(ctx context.Context, before snapshot) (benchWork, error) {
	w := benchWork{calls: b.calls.n.Load() - before.work.calls}
	if b.trips != nil {
		w.trips = b.trips.RoundTrips() - before.work.trips
		after, err := redisstats.CommandStats(ctx, b.redis.Client())
		if err != nil {
			return w, err
		}
		w.server, _ = redisstats.Since(before.stats, after)
	}
	return w, nil
}

// bytesPerPerson is what the store keeps per person: on Redis the mean of
// MEMORY USAGE summed over a sample of the people's keys, embedded the
// file's size divided by the people.
func (b *benchStore) bytesPerPerson(ctx context.Context, people int) (float64, string, error) {
	if b.redis == nil {
		if err := b.store.Close(); err != nil {
			return 0, "", err
		}
		fi, err := os.Stat(b.path)
		if err != nil {
			return 0, "", err
		}
		return float64(fi.Size()) / float64(people), fmt.Sprintf("the file's size, %d bytes, / %d people", fi.Size(), people), nil
	}
	sample := min(people, 200)
	client := b.redis.Client()
	pipe := client.Pipeline()
	var cmds []*redis.IntCmd
	for i := range sample {
		for _, k := range b.redis.UserKeys(bot.NewUserID(benchPlatform, b.run, "u"+strconv.Itoa(i))) {
			cmds = append(cmds, pipe.MemoryUsage(ctx, k))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return 0, "", err
	}
	var total int64
	byKind := map[string]int64{} // by the key's last part: state, history, seen, …
	var kinds []string
	for _, c := range cmds {
		n := c.Val() // 0 for a key that does not exist
		total += n
		key := c.Args()[2].(string)
		kind := key[strings.LastIndex(key, ":")+1:]
		if _, ok := byKind[kind]; !ok {
			kinds = append(kinds, kind)
		}
		byKind[kind] += n
	}
	var parts []string
	for _, k := range kinds {
		if byKind[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, byKind[k]/int64(sample)))
		}
	}
	return float64(total) / float64(sample),
		fmt.Sprintf("MEMORY USAGE of the keys of %d people, mean: %s", sample, strings.Join(parts, ", ")), nil
}

// close closes the store and removes what the run wrote: the temporary
// directory, or the run's Redis keys.
func (b *benchStore) close(ctx context.Context) error {
	var errs []error
	if b.redis != nil {
		errs = append(errs, deleteKeys(ctx, b.redis.Client(), globEscape(b.prefix)+"*"))
	}
	errs = append(errs, b.store.Close())
	if b.dir != "" {
		errs = append(errs, os.RemoveAll(b.dir))
	}
	return errors.Join(errs...)
}

// deleteKeys unlinks every key matching pattern, on every primary of a
// Cluster.
func deleteKeys(ctx context.Context, c redis.UniversalClient, pattern string) error {
	del := func(ctx context.Context, c redis.Cmdable) error {
		iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
		var batch []string
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			err := c.Unlink(ctx, batch...).Err()
			batch = batch[:0]
			return err
		}
		for iter.Next(ctx) {
			batch = append(batch, iter.Val())
			if len(batch) == 1000 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := iter.Err(); err != nil {
			return err
		}
		return flush()
	}
	if cc, ok := c.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return del(ctx, c) })
	}
	return del(ctx, c)
}

// globEscape escapes the characters SCAN's MATCH gives a meaning.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\*?[]`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// countStore is a bot.Store that counts the calls made to it.
type countStore struct {
	bot.Store
	n atomic.Int64
}

func (s *countStore) Load(ctx context.Context, user bot.UserID, eventID string) (*bot.State, error) {
	s.n.Add(1)
	return s.Store.Load(ctx, user, eventID)
}

func (s *countStore) Save(ctx context.Context, sv bot.Save) error {
	s.n.Add(1)
	return s.Store.Save(ctx, sv)
}

func (s *countStore) History(ctx context.Context, user bot.UserID, flow string, limit int) ([]bot.Record, error) {
	s.n.Add(1)
	return s.Store.History(ctx, user, flow, limit)
}

func (s *countStore) Flags(ctx context.Context, user bot.UserID) ([]bot.Flag, error) {
	s.n.Add(1)
	return s.Store.Flags(ctx, user)
}

func (s *countStore) DeleteUser(ctx context.Context, user bot.UserID) error {
	s.n.Add(1)
	return s.Store.DeleteUser(ctx, user)
}

func (s *countStore) ClaimOutbox(ctx context.Context, lease time.Duration, limit int) ([]bot.Outbound, error) {
	s.n.Add(1)
	return s.Store.ClaimOutbox(ctx, lease, limit)
}

func (s *countStore) ClaimUserOutbox(ctx context.Context, owner bot.UserID, lease time.Duration) ([]bot.Outbound, error) {
	s.n.Add(1)
	return s.Store.ClaimUserOutbox(ctx, owner, lease)
}

func (s *countStore) AckOutbox(ctx context.Context, owner bot.UserID, ids ...string) error {
	s.n.Add(1)
	return s.Store.AckOutbox(ctx, owner, ids...)
}

func (s *countStore) OutboxNext(ctx context.Context, owner bot.UserID) (time.Time, error) {
	s.n.Add(1)
	return s.Store.OutboxNext(ctx, owner)
}

func (s *countStore) ScheduleWake(ctx context.Context, user bot.UserID, at time.Time) error {
	s.n.Add(1)
	return s.Store.ScheduleWake(ctx, user, at)
}

func (s *countStore) ClaimWakes(ctx context.Context, lease time.Duration, limit int) ([]bot.UserID, error) {
	s.n.Add(1)
	return s.Store.ClaimWakes(ctx, lease, limit)
}

func (s *countStore) DoneWake(ctx context.Context, user bot.UserID, next time.Time) error {
	s.n.Add(1)
	return s.Store.DoneWake(ctx, user, next)
}

// benchClock is a settable clock, so that the due bench waits for no real
// time: the engine and the store read it.
type benchClock struct{ ns atomic.Int64 }

// Now is the time last set.
func (c *benchClock) Now() time.Time { return time.Unix(0, c.ns.Load()) }

// Set sets the time.
func (c *benchClock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// progress shows how far a run has got on stderr: a bar in a terminal; a
// plain line at each quarter otherwise (a log file or a pipe), so that
// nothing is garbled.
type progress struct {
	stop, done chan struct{}
}

// startProgress shows count() of total things (label; unit counts them
// in the rate) until finish.
func startProgress(w io.Writer, label, unit string, total int64, count func() int64) *progress {
	p := &progress{stop: make(chan struct{}), done: make(chan struct{})}
	f, ok := w.(*os.File)
	tty := ok && term.IsTerminal(int(f.Fd()))
	go func() {
		defer close(p.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		if tty {
			bar := progressbar.NewOptions64(total,
				progressbar.OptionSetWriter(w),
				progressbar.OptionSetDescription(label),
				progressbar.OptionSetWidth(30),
				progressbar.OptionShowCount(),
				progressbar.OptionShowIts(),
				progressbar.OptionSetItsString(unit),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
			)
			for {
				select {
				case <-p.stop:
					_ = bar.Set64(count())
					_ = bar.Finish()
					return
				case <-tick.C:
					_ = bar.Set64(count())
				}
			}
		}
		shown := int64(0) // quarters shown
		for {
			stopping := false
			select {
			case <-p.stop:
				stopping = true
			case <-tick.C:
			}
			n := count()
			if q := n * 4 / max(total, 1); q > shown {
				shown = q
				fmt.Fprintf(w, "peerbot bench: %s: %d%% (%d of %d)\n", label, n*100/max(total, 1), n, total)
			}
			if stopping {
				return
			}
		}
	}()
	return p
}

// finish stops the display, after showing the count once more.
func (p *progress) finish() {
	close(p.stop)
	<-p.done
}
