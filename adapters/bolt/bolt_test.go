package bolt

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/bot/storetest"
)

// holdLockEnv makes the test binary, run as a child, open the file it names,
// print "locked" and hold the lock until its stdin closes.
const holdLockEnv = "PEERBOT_BOLT_TEST_HOLD_LOCK"

func TestMain(m *testing.M) {
	if path := os.Getenv(holdLockEnv); path != "" {
		s, err := Open(path)
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println("locked")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		_ = s.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// noSweeper keeps the background sweep from racing a test that sweeps by
// hand.
func noSweeper() Option { return func(s *Store) { s.noSweeper = true } }

func open(t testing.TB, path string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(path, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) bot.Store {
		return open(t, filepath.Join(t.TempDir(), "peerbot.db"))
	})
}

func TestOpenCreatesPrivateDirAndFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "peerbot.db")
	s := open(t, path)
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode %v, want 0600", perm)
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if perm := di.Mode().Perm(); perm != 0o700 {
		t.Errorf("directory mode %v, want 0700", perm)
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "peerbot.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	const user bot.UserID = "slack:T1:U1"
	st := &bot.State{Profile: bot.Profile{Name: "Sam"}, Streak: bot.Streak{Days: 3},
		Session: &bot.Session{Flow: "daily-checkin", Step: "mood", Answers: map[string]any{"mood": 4}}}
	rec := bot.Record{Flow: "daily-checkin", Outcome: bot.OutcomeDone, Day: "2025-03-14"}
	fl := bot.Flag{ID: "f1", User: user, Rule: "mood <= 2", Level: bot.LevelConcern, Reason: "Low mood"}
	if err := s.Save(ctx, bot.Save{User: user, EventID: "ev-1", State: st,
		History: []bot.Record{rec}, Flags: []bot.Flag{fl}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path)
	got, err := s.Load(ctx, user, "ev-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || !got.Seen || got.Profile.Name != "Sam" || got.Streak.Days != 3 ||
		got.Session == nil || got.Session.Answers["mood"] != float64(4) {
		t.Errorf("after reopening: %+v (session %+v)", got, got.Session)
	}
	if rs, err := s.History(ctx, user, "", 0); err != nil || len(rs) != 1 || rs[0].Flow != rec.Flow {
		t.Errorf("history after reopening: %v, %v", rs, err)
	}
	if fs, err := s.Flags(ctx, user); err != nil || len(fs) != 1 || fs[0] != fl {
		t.Errorf("flags after reopening: %v, %v", fs, err)
	}
	// Sequences carry on after a restart: new history goes on top.
	if err := s.Save(ctx, bot.Save{User: user, Version: 1, History: []bot.Record{{Flow: "later"}}}); err != nil {
		t.Fatal(err)
	}
	if rs, _ := s.History(ctx, user, "", 0); len(rs) != 2 || rs[0].Flow != "later" {
		t.Errorf("history after a save past the restart: %v", rs)
	}
}

func wantLockError(t *testing.T, err error, path string, took time.Duration) {
	t.Helper()
	if err == nil {
		t.Fatal("second Open of a locked file succeeded")
	}
	if bot.ErrorCode(err) != bot.EUNAVAILABLE {
		t.Errorf("code %q, want %q", bot.ErrorCode(err), bot.EUNAVAILABLE)
	}
	want := fmt.Sprintf("data file %s is in use by another peerbot (is one already running?)", path)
	if msg := bot.ErrorMessage(err); msg != want {
		t.Errorf("message %q, want %q", msg, want)
	}
	if took > 5*lockTimeout {
		t.Errorf("Open took %v to give up", took)
	}
}

// TestLockedFile opens the same file twice in one process: flock locks
// belong to the open file description, so the second Open waits for the
// first just as another process would.
func TestLockedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "peerbot.db")
	first, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = Open(path)
	wantLockError(t, err, path, time.Since(start))
	if time.Since(start) < lockTimeout/2 {
		t.Errorf("Open gave up after %v, before waiting for the lock", time.Since(start))
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	open(t, path) // free again
}

// TestLockedByOtherProcess is the real case: another peerbot holds the
// file.
func TestLockedByOtherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "peerbot.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holdLockEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "locked" {
		t.Fatalf("child: %q, %v", line, err)
	}
	start := time.Now()
	_, err = Open(path)
	wantLockError(t, err, path, time.Since(start))

	_ = stdin.Close() // the child lets go
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	open(t, path)
}

func TestDedupeMarksExpire(t *testing.T) {
	ctx := t.Context()
	clk := storetest.NewClock(time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC))
	s := open(t, filepath.Join(t.TempDir(), "peerbot.db"), WithClock(clk), noSweeper())
	const user bot.UserID = "slack:T1:U1"
	if err := s.Save(ctx, bot.Save{User: user, EventID: "ev-1", State: &bot.State{}}); err != nil {
		t.Fatal(err)
	}
	seen := func() bool {
		t.Helper()
		st, err := s.Load(ctx, user, "ev-1")
		if err != nil {
			t.Fatal(err)
		}
		return st.Seen
	}

	clk.Add(seenTTL - time.Minute)
	if !seen() {
		t.Fatal("mark gone before 24 h")
	}
	if n, err := s.sweep(); err != nil || n != 0 {
		t.Errorf("sweep before expiry deleted %d, %v", n, err)
	}
	if err := s.Save(ctx, bot.Save{User: user, Version: 1, EventID: "ev-1"}); bot.ErrorCode(err) != bot.EDUPLICATE {
		t.Errorf("save of a marked event: %v", err)
	}

	clk.Add(time.Minute)
	if seen() {
		t.Fatal("mark still live after 24 h")
	}
	// An expired mark counts as absent: the event can be saved again, which
	// renews its mark.
	if err := s.Save(ctx, bot.Save{User: user, Version: 1, EventID: "ev-1"}); err != nil {
		t.Fatalf("save of an event whose mark expired: %v", err)
	}
	if !seen() {
		t.Fatal("renewed mark not live")
	}

	// The sweep deletes expired marks only.
	for i := range 3 {
		if err := s.Save(ctx, bot.Save{User: user, Version: 1, EventID: fmt.Sprintf("old-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Add(seenTTL)
	if err := s.Save(ctx, bot.Save{User: user, Version: 1, EventID: "fresh"}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.sweep(); err != nil || n != 4 { // old-0..2 and ev-1
		t.Errorf("sweep deleted %d (%v), want 4", n, err)
	}
	if got := countKeys(t, s, bucketSeen); got != 1 {
		t.Errorf("%d marks left, want 1", got)
	}
}

func TestSweepInChunks(t *testing.T) {
	ctx := t.Context()
	clk := storetest.NewClock(time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC))
	s := open(t, filepath.Join(t.TempDir(), "peerbot.db"), WithClock(clk), noSweeper())
	const marks = 2*sweepChunk + 10
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketSeen)
		for i := range marks {
			expiry := clk.Now().Add(time.Hour) // every other one expires first
			if i%2 == 0 {
				expiry = clk.Now().Add(-time.Hour)
			}
			v := binary.BigEndian.AppendUint64(nil, uint64(expiry.Unix()))
			if err := b.Put(subKey(bot.UserID(fmt.Sprintf("u%d", i)), "ev"), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.sweep(); err != nil || n != marks/2 {
		t.Errorf("sweep deleted %d (%v), want %d", n, err, marks/2)
	}
	if got := countKeys(t, s, bucketSeen); got != marks/2 {
		t.Errorf("%d marks left, want %d", got, marks/2)
	}
	if st, err := s.Load(ctx, "u1", "ev"); err != nil || !st.Seen {
		t.Errorf("live mark lost: %v, %v", st, err)
	}
}

// TestSweepOnOpen checks that Open starts the sweep by itself.
func TestSweepOnOpen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "peerbot.db")
	clk := storetest.NewClock(time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC))
	s, err := Open(path, WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if err := s.Save(ctx, bot.Save{User: "u", EventID: fmt.Sprintf("ev-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	clk.Add(seenTTL + time.Second)
	s = open(t, path, WithClock(clk))
	deadline := time.Now().Add(10 * time.Second)
	for countKeys(t, s, bucketSeen) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d expired marks left after Open", countKeys(t, s, bucketSeen))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func countKeys(t *testing.T, s *Store, bucket []byte) int {
	t.Helper()
	n := 0
	if err := s.db.View(func(tx *bbolt.Tx) error {
		n = tx.Bucket(bucket).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDamagedData(t *testing.T) {
	ctx := t.Context()
	s := open(t, filepath.Join(t.TempDir(), "peerbot.db"))
	const user bot.UserID = "slack:T1:U1"
	if err := s.Save(ctx, bot.Save{User: user, State: &bot.State{}, History: []bot.Record{{Flow: "a"}},
		Flags: []bot.Flag{{ID: "f"}}}); err != nil {
		t.Fatal(err)
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bucketState).Put([]byte(user), []byte("\x00\x00\x00\x00\x00\x00\x00\x01{not json")); err != nil {
			return err
		}
		if err := tx.Bucket(bucketState).Put([]byte("short"), []byte("x")); err != nil {
			return err
		}
		k := []byte{0, 0, 0, 0, 0, 0, 0, 1}
		if err := tx.Bucket(bucketHistory).Bucket([]byte(user)).Put(k, []byte("{")); err != nil {
			return err
		}
		return tx.Bucket(bucketFlags).Bucket([]byte(user)).Put(k, []byte("["))
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Load(ctx, user, "")
	if bot.ErrorCode(err) != bot.EINTERNAL {
		t.Errorf("Load of damaged state: %v", err)
	}
	_, err = s.History(ctx, user, "", 0)
	if bot.ErrorCode(err) != bot.EINTERNAL {
		t.Errorf("History with a damaged record: %v", err)
	}
	_, err = s.Flags(ctx, user)
	if bot.ErrorCode(err) != bot.EINTERNAL {
		t.Errorf("Flags with a damaged flag: %v", err)
	}
	if err := s.Save(ctx, bot.Save{User: "short", State: &bot.State{}}); bot.ErrorCode(err) != bot.EINTERNAL {
		t.Errorf("Save over a state without a version: %v", err)
	}
	// A damaged state can still be replaced, e.g. by "delete my data".
	if err := s.DeleteUser(ctx, user); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, user, ""); err != nil {
		t.Errorf("Load after deleting damaged data: %v", err)
	}
}

func TestOpenNotADataFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "peerbot.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a bolt file\n", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path)
	if bot.ErrorCode(err) != bot.EINTERNAL || !strings.Contains(bot.ErrorMessage(err), path) {
		t.Errorf("Open of a non-bolt file: %v", err)
	}
}

func TestOpenWhereADirectoryCannotBe(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(file, "peerbot.db") // a file stands where the directory goes
	_, err := Open(path)
	if bot.ErrorCode(err) != bot.EUNAVAILABLE || !strings.Contains(bot.ErrorMessage(err), path) {
		t.Errorf("Open under a file: %v", err)
	}
}

func TestCloseTwice(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "peerbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestFailingSaveInBatch makes one save in a batch fail while writing (a key
// bbolt refuses), so bbolt rolls the batch back and runs the other saves
// again: each of them must still apply exactly once. It runs in a synctest
// bubble, where the batch's timer fires only once every save is waiting in
// it, so the failing save joins last, after the others.
func TestFailingSaveInBatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		s := open(t, filepath.Join(t.TempDir(), "peerbot.db"))
		s.db.MaxBatchDelay = time.Second // one batch for all
		var mu sync.Mutex
		runs := map[bot.UserID]int{}
		s.onSaveRun = func(user bot.UserID) {
			mu.Lock()
			defer mu.Unlock()
			runs[user]++
		}
		huge := bot.UserID(strings.Repeat("x", bbolt.MaxKeySize+1))
		const users = 20
		var wg sync.WaitGroup
		var failed atomic.Value
		for i := range users {
			wg.Go(func() {
				user := bot.UserID(fmt.Sprintf("u%d", i))
				st := &bot.State{Streak: bot.Streak{Days: 1}}
				err := s.Save(ctx, bot.Save{User: user, EventID: "ev", State: st,
					History: []bot.Record{{Flow: "a"}}, Flags: []bot.Flag{{ID: "f"}}})
				if err != nil {
					failed.Store(err)
				} else if st.Version != 1 {
					failed.Store(fmt.Errorf("%s: Version %d after save", user, st.Version))
				}
			})
		}
		synctest.Wait() // every save waits in the batch; none has run
		wg.Go(func() {
			err := s.Save(ctx, bot.Save{User: huge, State: &bot.State{}})
			if bot.ErrorCode(err) != bot.EINVALID {
				failed.Store(fmt.Errorf("save with a huge key: %v", err))
			}
		})
		wg.Wait()
		if err := failed.Load(); err != nil {
			t.Fatal(err)
		}
		// Each ran in the transaction that failed, then again without
		// the failing save.
		for i := range users {
			if user := bot.UserID(fmt.Sprintf("u%d", i)); runs[user] != 2 {
				t.Errorf("%s: its save ran %d times, want 2 (once in the failed batch, once after)", user, runs[user])
			}
		}
		for i := range users {
			user := bot.UserID(fmt.Sprintf("u%d", i))
			st, err := s.Load(ctx, user, "ev")
			if err != nil || st.Version != 1 || !st.Seen || st.Streak.Days != 1 {
				t.Errorf("%s: %+v, %v", user, st, err)
			}
			if rs, _ := s.History(ctx, user, "", 0); len(rs) != 1 {
				t.Errorf("%s: %d history records, want 1", user, len(rs))
			}
			if fs, _ := s.Flags(ctx, user); len(fs) != 1 {
				t.Errorf("%s: %d flags, want 1", user, len(fs))
			}
		}
	})
}

// BenchmarkSaveParallel measures durable answered steps: each goroutine is
// its own user and does one Load and one Save (with an event mark and, every
// fifth step, a history record) per op. The "par" sub-benchmarks run
// par×GOMAXPROCS goroutines, as many users at once.
func BenchmarkSaveParallel(b *testing.B) {
	for _, par := range []int{1, 8, 32, 128} {
		b.Run(fmt.Sprintf("par=%d", par), func(b *testing.B) {
			s := open(b, filepath.Join(b.TempDir(), "peerbot.db"))
			var next atomic.Int64
			b.SetParallelism(par)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				user := bot.UserID(fmt.Sprintf("slack:T1:U%d", next.Add(1)))
				step := 0
				for pb.Next() {
					step++
					ev := fmt.Sprintf("ev-%d", step)
					st, err := s.Load(ctx, user, ev)
					if err != nil {
						b.Error(err)
						return
					}
					st.Session = &bot.Session{Flow: "daily-checkin", Step: "mood",
						Answers: map[string]any{"mood": step % 5, "note": "fine, thanks"}}
					st.Streak.Days++
					sv := bot.Save{User: user, Version: st.Version, EventID: ev, State: st}
					if step%5 == 0 {
						sv.History = []bot.Record{{Flow: "daily-checkin", Outcome: bot.OutcomeDone,
							Answers: st.Session.Answers}}
					}
					if err := s.Save(ctx, sv); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "saves/s")
		})
	}
}

// BenchmarkLoad measures a Load of an existing user with an event check.
func BenchmarkLoad(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "peerbot.db"))
	ctx := context.Background()
	if err := s.Save(ctx, bot.Save{User: "u", EventID: "ev", State: &bot.State{
		Session: &bot.Session{Flow: "daily-checkin", Answers: map[string]any{"mood": 3}}}}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Load(ctx, "u", "ev"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// TestAckedOutboxIsRemovedOnDisk: AckOutbox returns before its write; the
// removal still reaches the file (by Close at the latest), so a new
// process does not send a delivered message again.
func TestAckedOutboxIsRemovedOnDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "peerbot.db")
	s := open(t, path)
	ctx := context.Background()
	past := time.Now().Add(-time.Minute)
	var entries []bot.Outbound
	for i := range 3 {
		entries = append(entries, bot.Outbound{ID: fmt.Sprintf("%016x", i), Owner: "u", Platform: "test", LeaseUntil: past})
	}
	if err := s.Save(ctx, bot.Save{User: "u", AnyVersion: true, Outbox: entries}); err != nil {
		t.Fatal(err)
	}
	if err := s.AckOutbox(ctx, "u", entries[0].ID, entries[2].ID); err != nil {
		t.Fatal(err)
	}
	// Acked entries are never claimed, flushed or not.
	got, err := s.ClaimOutbox(ctx, time.Hour, 10)
	if err != nil || len(got) != 1 || got[0].ID != entries[1].ID {
		t.Fatalf("claim after the ack: %+v, %v; want entry 1 alone", got, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path)
	var keys int
	if err := s.db.View(func(tx *bbolt.Tx) error {
		keys = tx.Bucket(bucketOutbox).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if keys != 1 {
		t.Fatalf("%d outbox entries on disk after reopening, want 1 (the unacked one)", keys)
	}
}
