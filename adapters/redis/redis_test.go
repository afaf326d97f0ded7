package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/peerbot/peerbot/internal/testsync"

	goredis "github.com/redis/go-redis/v9"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/bot/storetest"
	"github.com/peerbot/peerbot/internal/redisstats"
	"github.com/peerbot/peerbot/internal/redistest"
)

// quietLogger drops go-redis's own log lines ("failed to dial", …), which
// the fault tests provoke by the hundred.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

func TestMain(m *testing.M) {
	goredis.SetLogger(quietLogger{})
	os.Exit(m.Run())
}

func ctxT(t testing.TB) context.Context {
	if tt, ok := t.(interface{ Context() context.Context }); ok {
		return tt.Context()
	}
	return context.Background()
}

// newStore makes a store on cfg through NewClient, closed in t.Cleanup.
func newStore(t testing.TB, cfg Config, opts ...Option) *Store {
	t.Helper()
	client, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	s := New(client, cfg, opts...)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func mustSave(t testing.TB, s bot.Store, sv bot.Save) {
	t.Helper()
	if err := s.Save(ctxT(t), sv); err != nil {
		t.Fatalf("Save(user %q, version %d, event %q): %v", sv.User, sv.Version, sv.EventID, err)
	}
}

func mustLoad(t testing.TB, s bot.Store, user bot.UserID, eventID string) *bot.State {
	t.Helper()
	st, err := s.Load(ctxT(t), user, eventID)
	if err != nil {
		t.Fatalf("Load(%q, %q): %v", user, eventID, err)
	}
	return st
}

func wantCode(t testing.TB, err error, code, what string) {
	t.Helper()
	if got := bot.ErrorCode(err); got != code {
		t.Fatalf("%s: error %v has code %q, want %q", what, err, got, code)
	}
}

// activeState is a realistic state in the middle of a daily check-in.
func activeState(now time.Time, name string) *bot.State {
	return &bot.State{
		Profile: bot.Profile{
			Name: name, Timezone: "Europe/Berlin", Consent: bot.ConsentGiven,
			ConsentAt: now.Add(-30 * 24 * time.Hour).Truncate(time.Second),
			Mentors:   []bot.UserID{"slack:T0123ABCD:U0MENTOR1"}, DMChannel: "D0123ABCDEF",
		},
		Session: &bot.Session{
			Flow: "daily-checkin", Step: "cravings",
			Answers:   map[string]any{"mood": 4, "sleep": 7.5},
			StartedAt: now.Truncate(time.Second), ExpiresAt: now.Add(12 * time.Hour).Truncate(time.Second),
		},
		Streak: bot.Streak{Days: 12, Best: 30, LastDay: now.Format(time.DateOnly)},
	}
}

// --- Conformance --------------------------------------------------------

func TestConformanceSingle(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t)
	storetest.Run(t, func(t *testing.T) bot.Store {
		if err := admin.FlushAll(ctxT(t)).Err(); err != nil {
			t.Fatalf("FLUSHALL: %v", err)
		}
		return newStore(t, Config{URL: srv.URL()})
	})
}

func TestConformanceSentinel(t *testing.T) {
	sn := redistest.StartSentinel(t)
	admin := sn.Master.Client(t)
	cfg := Config{SentinelMaster: sn.MasterName, SentinelAddrs: sn.Addrs}
	storetest.Run(t, func(t *testing.T) bot.Store {
		if err := admin.FlushAll(ctxT(t)).Err(); err != nil {
			t.Fatalf("FLUSHALL: %v", err)
		}
		s := newStore(t, cfg)
		if _, ok := s.Client().(*goredis.Client); !ok {
			t.Fatalf("a sentinel config made a %T, want a failover *redis.Client", s.Client())
		}
		return s
	})
}

// TestCluster runs everything that needs a Cluster on one 3-primary
// cluster: the conformance suite, the key layout (one slot per user), and
// the round trips of a step measured on the node connections.
func TestCluster(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	admin := cl.Client(t)
	cfg := Config{ClusterAddrs: cl.Addrs}
	flush := func(t *testing.T) {
		err := admin.ForEachMaster(ctxT(t), func(ctx context.Context, c *goredis.Client) error {
			return c.FlushAll(ctx).Err()
		})
		if err != nil {
			t.Fatalf("FLUSHALL: %v", err)
		}
	}
	t.Run("Conformance", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) bot.Store {
			flush(t)
			s := newStore(t, cfg)
			if _, ok := s.Client().(*goredis.ClusterClient); !ok {
				t.Fatalf("a cluster config made a %T, want a *redis.ClusterClient", s.Client())
			}
			return s
		})
	})
	t.Run("KeyLayout", func(t *testing.T) {
		flush(t)
		s := newStore(t, cfg)
		testKeyLayout(t, s, admin)
		// Users spread over the cluster, each user in one slot.
		slots := map[int64]bool{}
		for i := range 50 {
			user := bot.UserID(fmt.Sprintf("slack:T1:U%d", i))
			var userSlot int64 = -1
			for _, k := range s.keys(user).all() {
				slot, err := admin.ClusterKeySlot(ctxT(t), k).Result()
				if err != nil {
					t.Fatalf("CLUSTER KEYSLOT %s: %v", k, err)
				}
				if userSlot >= 0 && slot != userSlot {
					t.Fatalf("key %s is in slot %d, the user's other keys in %d", k, slot, userSlot)
				}
				userSlot = slot
			}
			slots[userSlot] = true
		}
		if len(slots) < 40 {
			t.Errorf("50 users fall in %d slots: the hash tag does not spread users", len(slots))
		}
	})
	t.Run("RoundTrips", func(t *testing.T) {
		flush(t)
		client, err := NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var count redisstats.Trips
		// Count on the node connections: what really goes over the network.
		client.(*goredis.ClusterClient).OnNewNode(func(c *goredis.Client) { c.AddHook(&count) })
		s := New(client, cfg)
		t.Cleanup(func() { _ = s.Close() })
		trips, cmds, server, delta := stepTrips(t, s, &count, client)
		t.Logf("cluster: one answered step = %d round trips to the nodes carrying %d commands; the masters ran %d commands: %v",
			trips, cmds, server, delta)
		if trips != 2 {
			t.Errorf("an answered step took %d round trips to the nodes, want 2", trips)
		}
	})
}

// --- Key layout ---------------------------------------------------------

func TestKeyLayoutSingle(t *testing.T) {
	srv := redistest.Start(t)
	testKeyLayout(t, newStore(t, Config{URL: srv.URL()}), srv.Client(t))
}

// scanAll returns the keys matching pattern on every master of c.
func scanAll(t testing.TB, c goredis.UniversalClient, pattern string) []string {
	t.Helper()
	var mu sync.Mutex
	var found []string
	scan := func(ctx context.Context, c *goredis.Client) error {
		iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			found = append(found, iter.Val())
			mu.Unlock()
		}
		return iter.Err()
	}
	var err error
	switch c := c.(type) {
	case *goredis.ClusterClient:
		err = c.ForEachMaster(ctxT(t), scan)
	case *goredis.Client:
		err = scan(ctxT(t), c)
	default:
		t.Fatalf("scanAll: unexpected client %T", c)
	}
	if err != nil {
		t.Fatalf("SCAN %s: %v", pattern, err)
	}
	slices.Sort(found)
	return found
}

// globEscape quotes the glob characters of SCAN MATCH.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func testKeyLayout(t *testing.T, s *Store, admin goredis.UniversalClient) {
	t.Helper()
	ctx := ctxT(t)
	const user bot.UserID = "slack:T1:U1"
	const other bot.UserID = "slack:T1:U10" // a prefix of it is user
	for _, u := range []bot.UserID{user, other} {
		mustSave(t, s, bot.Save{User: u, EventID: "ev-1", State: activeState(time.Now(), "Sam"),
			History: []bot.Record{{Flow: "daily-checkin", Outcome: bot.OutcomeDone}},
			Flags:   []bot.Flag{{ID: "f1", User: u, Rule: "mood <= 2", Level: bot.LevelConcern}}})
	}
	want := map[string]string{
		"pb:{u:slack:T1:U1}:state":   "hash",
		"pb:{u:slack:T1:U1}:session": "string",
		"pb:{u:slack:T1:U1}:history": "list",
		"pb:{u:slack:T1:U1}:flags":   "list",
		"pb:{u:slack:T1:U1}:seen":    "zset",
	}
	pattern := "pb:" + globEscape("{u:"+string(user)+"}") + "*"
	got := scanAll(t, admin, pattern)
	if wantKeys := slices.Sorted(maps.Keys(want)); !slices.Equal(got, wantKeys) {
		t.Fatalf("SCAN 0 MATCH %s after a save:\n got %q\nwant %q", pattern, got, wantKeys)
	}
	for k, typ := range want {
		if got, err := admin.Type(ctx, k).Result(); err != nil || got != typ {
			t.Errorf("TYPE %s = %q, %v; want %q", k, got, err, typ)
		}
	}
	if fields, err := admin.HKeys(ctx, "pb:{u:slack:T1:U1}:state").Result(); err != nil ||
		!slices.Equal(slices.Sorted(slices.Values(fields)), []string{"d", "t", "v"}) {
		t.Errorf("HKEYS of the state = %q, %v; want d, t, v", fields, err)
	}
	// The session is not also inside the state document.
	if d, err := admin.HGet(ctx, "pb:{u:slack:T1:U1}:state", "d").Result(); err != nil || strings.Contains(d, "session") {
		t.Errorf("state document %q (%v) holds the session", d, err)
	}

	if err := s.DeleteUser(ctx, user); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if got := scanAll(t, admin, pattern); len(got) != 0 {
		t.Errorf("SCAN 0 MATCH %s after DeleteUser finds %q", pattern, got)
	}
	if got := scanAll(t, admin, "pb:"+globEscape("{u:"+string(other)+"}")+"*"); len(got) != 5 {
		t.Errorf("DeleteUser(%s) touched %s: its keys are %q", user, other, got)
	}
}

func TestPrefix(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t)
	s := newStore(t, Config{URL: srv.URL(), Prefix: "peer:"})
	mustSave(t, s, bot.Save{User: "slack:T1:U1", State: &bot.State{}})
	if n, err := admin.Exists(ctxT(t), "peer:{u:slack:T1:U1}:state").Result(); err != nil || n != 1 {
		t.Fatalf("EXISTS peer:{u:slack:T1:U1}:state = %d, %v; want 1", n, err)
	}
	if keys := scanAll(t, admin, "pb:*"); len(keys) != 0 {
		t.Errorf("keys under the default prefix: %q", keys)
	}
}

// --- Expiry -------------------------------------------------------------

func TestSessionTTL(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t)
	now := time.Now()
	s := newStore(t, Config{URL: srv.URL()}, WithClock(storetest.NewClock(now)))
	const user bot.UserID = "slack:T1:U1"
	key := s.Key(user, "session")
	tests := []struct {
		name    string
		session *bot.Session
		want    time.Duration // PTTL; -1 none, -2 no key
	}{
		{"expires in 12h: 12h + a grace day", &bot.Session{Flow: "f", ExpiresAt: now.Add(12 * time.Hour)}, 36 * time.Hour},
		{"no ExpiresAt: no expiry", &bot.Session{Flow: "f"}, -1},
		{"expired 2h ago: a grace day from now", &bot.Session{Flow: "f", ExpiresAt: now.Add(-2 * time.Hour)}, 24 * time.Hour},
		{"expired a week ago: a grace day from now", &bot.Session{Flow: "f", ExpiresAt: now.Add(-7 * 24 * time.Hour)}, 24 * time.Hour},
		{"expires in 3 days", &bot.Session{Flow: "f", ExpiresAt: now.Add(72 * time.Hour)}, 96 * time.Hour},
		{"no session: no key", nil, -2},
		{"a session again", &bot.Session{Flow: "f", ExpiresAt: now.Add(time.Hour)}, 25 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := mustLoad(t, s, user, "")
			st.Session = tc.session
			mustSave(t, s, bot.Save{User: user, Version: st.Version, State: st})
			pttl, err := admin.PTTL(ctxT(t), key).Result()
			if err != nil {
				t.Fatalf("PTTL: %v", err)
			}
			switch {
			case tc.want < 0:
				// go-redis reports -1 and -2 as durations of -1ns and -2ns.
				if pttl != tc.want && pttl.Nanoseconds() != int64(tc.want) {
					t.Errorf("PTTL %s = %v, want %d", key, pttl, tc.want)
				}
			case pttl > tc.want || pttl < tc.want-time.Minute:
				t.Errorf("PTTL %s = %v, want about %v", key, pttl, tc.want)
			}
			got := mustLoad(t, s, user, "")
			if (got.Session == nil) != (tc.session == nil) {
				t.Errorf("Load: Session = %+v, saved %+v", got.Session, tc.session)
			}
		})
	}
}

func TestExpiredSessionKeyLeavesState(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t)
	s := newStore(t, Config{URL: srv.URL()})
	const user bot.UserID = "slack:T1:U1"
	st := activeState(time.Now(), "Sam")
	mustSave(t, s, bot.Save{User: user, State: st})
	// As if the grace day had passed: Redis drops the session key.
	if err := admin.PExpire(ctxT(t), s.Key(user, "session"), time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	got := mustLoad(t, s, user, "")
	if got.Session != nil || got.Version != 1 || got.Profile.Name != "Sam" || got.Streak.Days != 12 {
		t.Errorf("after the session key expired: %+v, want the state without its session", got)
	}
}

func TestSeenMarksExpire(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t)
	t0 := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	clk := storetest.NewClock(t0)
	s := newStore(t, Config{URL: srv.URL()}, WithClock(clk))
	ctx := ctxT(t)
	const user bot.UserID = "slack:T1:U1"
	seen := s.Key(user, "seen")

	mustSave(t, s, bot.Save{User: user, EventID: "ev-1", State: &bot.State{}})
	score, err := admin.ZScore(ctx, seen, "ev-1").Result()
	if err != nil || int64(score) != t0.Add(24*time.Hour).UnixMilli() {
		t.Fatalf("ZSCORE ev-1 = %v, %v; want %d (expiry in unix ms)", score, err, t0.Add(24*time.Hour).UnixMilli())
	}
	if pttl, err := admin.PTTL(ctx, seen).Result(); err != nil || pttl > 24*time.Hour || pttl < 24*time.Hour-time.Minute {
		t.Errorf("PTTL of the seen key = %v, %v; want about 24h", pttl, err)
	}

	clk.Add(24*time.Hour - time.Millisecond)
	if !mustLoad(t, s, user, "ev-1").Seen {
		t.Fatal("mark gone before 24 h")
	}
	wantCode(t, s.Save(ctx, bot.Save{User: user, Version: 1, EventID: "ev-1"}), bot.EDUPLICATE, "duplicate at 24h-1ms")

	clk.Add(time.Millisecond)
	if mustLoad(t, s, user, "ev-1").Seen {
		t.Fatal("Load reports a mark 24 h old as seen")
	}
	// The member is still there until a save sweeps it; the next save does.
	mustSave(t, s, bot.Save{User: user, Version: 1, EventID: "ev-2"})
	if err := admin.ZScore(ctx, seen, "ev-1").Err(); !errors.Is(err, goredis.Nil) {
		t.Errorf("ZSCORE ev-1 after a later save: %v, want redis.Nil (swept)", err)
	}
	if n, err := admin.ZCard(ctx, seen).Result(); err != nil || n != 1 {
		t.Errorf("ZCARD seen = %d, %v; want 1 (ev-2)", n, err)
	}
	// An expired event may be handled again (the platform would not send it).
	mustSave(t, s, bot.Save{User: user, Version: 1, EventID: "ev-1"})
}

func TestHistoryCapped(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t)
	s := newStore(t, Config{URL: srv.URL(), HistoryMax: 5})
	const user bot.UserID = "slack:T1:U1"
	ctx := ctxT(t)
	var all []bot.Record
	var flags []bot.Flag
	// 12 records and flags in saves of 1, 2 and 3.
	n := 0
	for i := 0; n < 12; i++ {
		var rs []bot.Record
		var fs []bot.Flag
		for range i%3 + 1 {
			rs = append(rs, bot.Record{Flow: "daily", Outcome: bot.OutcomeDone, Answers: map[string]any{"n": float64(n)}})
			fs = append(fs, bot.Flag{ID: strconv.Itoa(n), User: user, Rule: "r", Level: bot.LevelInfo})
			n++
		}
		all, flags = append(all, rs...), append(flags, fs...)
		mustSave(t, s, bot.Save{User: user, Version: 0, History: rs, Flags: fs})
	}
	for _, k := range []string{"history", "flags"} {
		if l, err := admin.LLen(ctx, s.Key(user, k)).Result(); err != nil || l != 5 {
			t.Errorf("LLEN %s = %d, %v; want 5", k, l, err)
		}
	}
	rs, err := s.History(ctx, user, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	newest := slices.Clone(all[len(all)-5:])
	slices.Reverse(newest)
	if !reflect.DeepEqual(rs, newest) {
		t.Errorf("History = %v, want the newest five, newest first: %v", rs, newest)
	}
	fs, err := s.Flags(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fs, flags[len(flags)-5:]) {
		t.Errorf("Flags = %v, want the newest five, oldest first", fs)
	}
}

func TestRetention(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t)
	t0 := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	clk := storetest.NewClock(t0)
	s := newStore(t, Config{URL: srv.URL(), RetentionDays: 30}, WithClock(clk))
	const user bot.UserID = "slack:T1:U1"
	ctx := ctxT(t)
	rec := func(n int) bot.Record {
		return bot.Record{Flow: "daily", Outcome: bot.OutcomeDone, Answers: map[string]any{"n": float64(n)}}
	}
	flag := func(n int) bot.Flag {
		return bot.Flag{ID: strconv.Itoa(n), User: user, Rule: "r", Level: bot.LevelInfo}
	}
	lens := func() (int64, int64) {
		h, err1 := admin.LLen(ctx, s.Key(user, "history")).Result()
		f, err2 := admin.LLen(ctx, s.Key(user, "flags")).Result()
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		return h, f
	}
	history := func() []float64 {
		rs, err := s.History(ctx, user, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		var ns []float64
		for _, r := range rs {
			ns = append(ns, r.Answers["n"].(float64))
		}
		return ns
	}
	flagIDs := func() []string {
		fs, err := s.Flags(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, f := range fs {
			ids = append(ids, f.ID)
		}
		return ids
	}

	mustSave(t, s, bot.Save{User: user, State: &bot.State{}, History: []bot.Record{rec(1), rec(2)}, Flags: []bot.Flag{flag(1)}})
	if pttl, err := admin.PTTL(ctx, s.Key(user, "history")).Result(); err != nil || pttl > 30*24*time.Hour || pttl < 30*24*time.Hour-time.Minute {
		t.Errorf("PTTL of history = %v, %v; want about 30 days", pttl, err)
	}
	if pttl, err := admin.PTTL(ctx, s.Key(user, "flags")).Result(); err != nil || pttl > 30*24*time.Hour || pttl < 30*24*time.Hour-time.Minute {
		t.Errorf("PTTL of flags = %v, %v; want about 30 days", pttl, err)
	}
	clk.Add(20 * 24 * time.Hour)
	mustSave(t, s, bot.Save{User: user, Version: 1, History: []bot.Record{rec(3)}, Flags: []bot.Flag{flag(2)}})
	if got := history(); !slices.Equal(got, []float64{3, 2, 1}) {
		t.Fatalf("history on day 20 = %v, want 3 2 1", got)
	}

	// Day 35: records 1 and 2 (day 0) are past 30 days; Load and History
	// skip them at once, the next save drops them.
	clk.Add(15 * 24 * time.Hour)
	if got := history(); !slices.Equal(got, []float64{3}) {
		t.Errorf("history on day 35 = %v, want 3", got)
	}
	if got := flagIDs(); !slices.Equal(got, []string{"2"}) {
		t.Errorf("flags on day 35 = %v, want 2", got)
	}
	if h, f := lens(); h != 3 || f != 2 {
		t.Errorf("before a save on day 35: LLEN history %d, flags %d; want 3, 2 (not swept yet)", h, f)
	}
	// A save that appends nothing does not look (it is the common case,
	// and reads skip old entries anyway).
	mustSave(t, s, bot.Save{User: user, Version: 1, EventID: "ev"})
	if h, f := lens(); h != 3 || f != 2 {
		t.Errorf("after a mark-only save on day 35: LLEN history %d, flags %d; want 3, 2", h, f)
	}
	// A save that appends sweeps the list it appends to.
	mustSave(t, s, bot.Save{User: user, Version: 1, History: []bot.Record{rec(4)}, Flags: []bot.Flag{flag(3)}})
	if got := history(); !slices.Equal(got, []float64{4, 3}) {
		t.Errorf("history on day 35 after a new record = %v, want 4 3", got)
	}
	if h, f := lens(); h != 2 || f != 2 {
		t.Errorf("after an appending save on day 35: LLEN history %d, flags %d; want 2, 2", h, f)
	}
	// Day 51: record 3 (day 20) and flag 2 are past 30 days and no longer
	// read; the lists' own TTL (30 days from the last append) removes
	// them whole when nothing is added.
	clk.Add(16 * 24 * time.Hour)
	if got := history(); !slices.Equal(got, []float64{4}) {
		t.Errorf("history on day 51 = %v, want 4", got)
	}
	if got := flagIDs(); !slices.Equal(got, []string{"3"}) {
		t.Errorf("flags on day 51 = %v, want 3", got)
	}
}

// --- Saves --------------------------------------------------------------

// TestRetriedSaveAppliesOnce replays a save with the same token, as go-redis
// does when it loses the reply of EVALSHA and sends it again: the retry
// reports success and writes nothing more.
func TestRetriedSaveAppliesOnce(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, Config{URL: srv.URL()})
	ctx := ctxT(t)
	const user bot.UserID = "slack:T1:U1"
	mustSave(t, s, bot.Save{User: user, State: &bot.State{}})
	tests := []struct {
		name string
		sv   bot.Save
	}{
		{"with state and event", bot.Save{EventID: "ev-1", State: &bot.State{Streak: bot.Streak{Days: 1}},
			History: []bot.Record{{Flow: "a", Outcome: bot.OutcomeDone}}}},
		{"with state, no event", bot.Save{State: &bot.State{Streak: bot.Streak{Days: 2}},
			History: []bot.Record{{Flow: "b", Outcome: bot.OutcomeDone}}}},
		{"mark-only with event", bot.Save{EventID: "ev-2", Flags: []bot.Flag{{ID: "f1", User: user, Rule: "r"}}}},
		{"mark-only, no event", bot.Save{History: []bot.Record{{Flow: "c", Outcome: bot.OutcomeDone}}}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := mustLoad(t, s, user, "")
			sv := tc.sv
			sv.User, sv.Version = user, before.Version
			token := fmt.Sprintf("token-%d", i)
			if err := s.save(ctx, sv, token); err != nil {
				t.Fatalf("first save: %v", err)
			}
			first := mustLoad(t, s, user, "")
			hist, _ := s.History(ctx, user, "", 0)
			flags, _ := s.Flags(ctx, user)
			if err := s.save(ctx, sv, token); err != nil {
				t.Fatalf("retried save: %v, want success", err)
			}
			if sv.State != nil && sv.State.Version != first.Version {
				t.Errorf("retried save set Version %d, want %d", sv.State.Version, first.Version)
			}
			again := mustLoad(t, s, user, "")
			hist2, _ := s.History(ctx, user, "", 0)
			flags2, _ := s.Flags(ctx, user)
			if again.Version != first.Version || len(hist2) != len(hist) || len(flags2) != len(flags) {
				t.Errorf("the retry wrote again: version %d→%d, history %d→%d, flags %d→%d",
					first.Version, again.Version, len(hist), len(hist2), len(flags), len(flags2))
			}
			// A different save with the same content is a new save.
			if tc.sv.EventID == "" {
				if err := s.save(ctx, bot.Save{User: user, Version: again.Version, State: sv.State}, token+"x"); err != nil {
					t.Fatalf("a new save after the retry: %v", err)
				}
			}
		})
	}
}

func TestDamagedData(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t)
	s := newStore(t, Config{URL: srv.URL()})
	ctx := ctxT(t)
	const user bot.UserID = "slack:T1:U1"
	tests := []struct {
		name  string
		setup func() error
		op    func() error
	}{
		{"state JSON", func() error { return admin.HSet(ctx, s.Key(user, "state"), "v", 1, "d", "{").Err() },
			func() error { _, err := s.Load(ctx, user, ""); return err }},
		{"state version", func() error { return admin.HSet(ctx, s.Key(user, "state"), "v", "x", "d", "{}").Err() },
			func() error { _, err := s.Load(ctx, user, ""); return err }},
		{"session JSON", func() error {
			return errors.Join(admin.HSet(ctx, s.Key(user, "state"), "v", 1, "d", "{}").Err(),
				admin.Set(ctx, s.Key(user, "session"), "[", 0).Err())
		}, func() error { _, err := s.Load(ctx, user, ""); return err }},
		{"history entry without stamp", func() error { return admin.LPush(ctx, s.Key(user, "history"), "{}").Err() },
			func() error { _, err := s.History(ctx, user, "", 0); return err }},
		{"history JSON", func() error {
			return admin.LPush(ctx, s.Key(user, "history"), strconv.FormatInt(time.Now().UnixMilli(), 10)+"|{").Err()
		}, func() error { _, err := s.History(ctx, user, "", 0); return err }},
		{"flag JSON", func() error {
			return admin.RPush(ctx, s.Key(user, "flags"), strconv.FormatInt(time.Now().UnixMilli(), 10)+"|x").Err()
		}, func() error { _, err := s.Flags(ctx, user); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := admin.FlushAll(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			if err := tc.setup(); err != nil {
				t.Fatal(err)
			}
			err := tc.op()
			wantCode(t, err, bot.EINTERNAL, tc.name)
			if !strings.Contains(bot.ErrorMessage(err), "damaged") {
				t.Errorf("message %q does not say the data is damaged", bot.ErrorMessage(err))
			}
		})
	}
}

// --- Faults -------------------------------------------------------------

func TestServerKilledAndRestarted(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, Config{URL: srv.URL()})
	ctx := ctxT(t)
	const user bot.UserID = "slack:T1:U1"
	mustSave(t, s, bot.Save{User: user, State: activeState(time.Now(), "Sam")})
	mustLoad(t, s, user, "")

	srv.Kill()
	ops := []struct {
		name string
		fn   func() error
	}{
		{"Load", func() error { _, err := s.Load(ctx, user, "ev"); return err }},
		{"Save", func() error { return s.Save(ctx, bot.Save{User: user, Version: 1, State: &bot.State{}}) }},
		{"History", func() error { _, err := s.History(ctx, user, "", 0); return err }},
		{"Flags", func() error { _, err := s.Flags(ctx, user); return err }},
		{"DeleteUser", func() error { return s.DeleteUser(ctx, user) }},
	}
	for _, op := range ops {
		start := time.Now()
		err := op.fn()
		took := time.Since(start)
		t.Logf("%s with Redis down: %v after %v", op.name, err, took.Round(time.Millisecond))
		wantCode(t, err, bot.EUNAVAILABLE, op.name+" with Redis down")
		if msg := bot.ErrorMessage(err); msg != "Redis at "+srv.Addr+" is unreachable" {
			t.Errorf("%s: message %q, want %q", op.name, msg, "Redis at "+srv.Addr+" is unreachable")
		}
		// Loose: it must fail fast, not hang; 5 s is far above what it takes.
		if took > 5*time.Second {
			t.Errorf("%s took %v with Redis down", op.name, took)
		}
	}

	srv.Restart(t)
	// The same Store and client: no new connection set-up by the caller.
	st, err := s.Load(ctx, user, "")
	if err != nil {
		t.Fatalf("first Load after the restart: %v", err)
	}
	// No persistence configured: the restarted server is empty.
	mustSave(t, s, bot.Save{User: user, Version: st.Version, State: activeState(time.Now(), "Sam")})
}

func TestAppendOnlySurvivesKill(t *testing.T) {
	srv := redistest.Start(t, redistest.WithAppendOnly())
	s := newStore(t, Config{URL: srv.URL()})
	ctx := ctxT(t)
	const users = 50
	now := time.Now().UTC()
	want := map[bot.UserID]*bot.State{}
	for i := range users {
		user := bot.UserID(fmt.Sprintf("slack:T1:U%02d", i))
		st := activeState(now, fmt.Sprintf("User %d", i))
		for j := range 3 {
			st.Streak.Days = j + 1
			mustSave(t, s, bot.Save{User: user, Version: int64(j), EventID: fmt.Sprintf("ev-%d", j), State: st,
				History: []bot.Record{{Flow: "daily", Outcome: bot.OutcomeDone, Answers: map[string]any{"n": float64(j)}}},
				Flags:   []bot.Flag{{ID: fmt.Sprintf("f%d", j), User: user, Rule: "r", Level: bot.LevelConcern}}})
		}
		want[user] = mustLoad(t, s, user, "")
	}
	srv.Kill()
	srv.Restart(t)
	for user, w := range want {
		got := mustLoad(t, s, user, "ev-2")
		if !got.Seen {
			t.Errorf("%s: the mark of ev-2 was lost", user)
		}
		got.Seen = false
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s after kill and restart:\n got %+v\nwant %+v", user, got, w)
		}
		if rs, err := s.History(ctx, user, "", 0); err != nil || len(rs) != 3 {
			t.Errorf("%s: history %v, %v; want 3 records", user, rs, err)
		}
		if fs, err := s.Flags(ctx, user); err != nil || len(fs) != 3 {
			t.Errorf("%s: flags %v, %v; want 3", user, fs, err)
		}
	}
}

// --- Connect ------------------------------------------------------------

func TestConnectWaitsForRedis(t *testing.T) {
	srv := redistest.Start(t)
	srv.Kill() // its port is now closed
	var logs testsync.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	type result struct {
		s   *Store
		err error
	}
	done := make(chan result, 1)
	ctx, cancel := context.WithTimeout(ctxT(t), time.Minute)
	defer cancel()
	go func() {
		s, err := Connect(ctx, Config{URL: srv.URL()}, log)
		done <- result{s, err}
	}()

	// Wait for at least two failed attempts.
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(logs.String(), "redis unreachable, retrying") < 2 {
		select {
		case r := <-done:
			t.Fatalf("Connect returned with Redis down: %v, %v", r.s, r.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("Connect did not log two failed attempts in 10 s; log:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	out := logs.String()
	for _, want := range []string{"level=WARN", "addr=" + srv.Addr, "retry_in=", "err="} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	// The waits grow from about 250 ms (± 50 % jitter).
	waits := regexp.MustCompile(`retry_in=(\S+)`).FindAllStringSubmatch(out, -1)
	if first, err := time.ParseDuration(waits[0][1]); err != nil || first < 125*time.Millisecond || first > 375*time.Millisecond {
		t.Errorf("first wait %s, want 250ms ± 50 %%", waits[0][1])
	}

	srv.Restart(t)
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("Connect after Redis came up: %v", r.err)
		}
		t.Cleanup(func() { _ = r.s.Close() })
		mustSave(t, r.s, bot.Save{User: "slack:T1:U1", State: &bot.State{}})
	case <-time.After(30 * time.Second):
		t.Fatalf("Connect did not return 30 s after Redis came up; log:\n%s", logs.String())
	}
}

func TestConnectGivesUp(t *testing.T) {
	// A port nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	tests := []struct {
		name string
		cfg  Config
		addr string
	}{
		{"url", Config{URL: "redis://" + addr + "/0"}, addr},
		{"cluster", Config{ClusterAddrs: []string{addr}}, "cluster " + addr},
		{"sentinel", Config{SentinelMaster: "peerbot", SentinelAddrs: []string{addr}}, "sentinel peerbot at " + addr},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs testsync.Buffer
			ctx, cancel := context.WithTimeout(ctxT(t), 800*time.Millisecond)
			defer cancel()
			start := time.Now()
			s, err := Connect(ctx, tc.cfg, slog.New(slog.NewTextHandler(&logs, nil)))
			if s != nil {
				_ = s.Close()
				t.Fatal("Connect to a closed port returned a store")
			}
			wantCode(t, err, bot.EUNAVAILABLE, "Connect with a context that ends")
			if !strings.Contains(err.Error(), tc.addr) {
				t.Errorf("error %q does not name %q", err, tc.addr)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("Connect returned %v after its context ended", took)
			}
			if !strings.Contains(logs.String(), "redis unreachable, retrying") {
				t.Errorf("no retry logged:\n%s", logs.String())
			}
		})
	}
}

func TestNewClientValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // part of the message; "" means valid
	}{
		{"url", Config{URL: "redis://127.0.0.1:6390/2"}, ""},
		{"tls url with password", Config{URL: "rediss://:pw@redis.internal:6380/0"}, ""},
		{"sentinel", Config{SentinelMaster: "m", SentinelAddrs: []string{"a:26379"}}, ""},
		{"cluster", Config{ClusterAddrs: []string{"a:7000", "b:7000"}}, ""},
		{"one cluster node", Config{ClusterAddrs: []string{"a:7000"}}, ""},
		{"nothing", Config{}, "no Redis configured"},
		{"url and cluster", Config{URL: "redis://a:1", ClusterAddrs: []string{"a:7000"}}, "only one"},
		{"url and sentinel", Config{URL: "redis://a:1", SentinelMaster: "m", SentinelAddrs: []string{"a:1"}}, "only one"},
		{"sentinel without addrs", Config{SentinelMaster: "m"}, "needs both"},
		{"sentinel without master", Config{SentinelAddrs: []string{"a:1"}}, "needs both"},
		{"bad url", Config{URL: "http://a:1"}, "not valid"},
		{"brace in prefix", Config{URL: "redis://a:1", Prefix: "p{"}, "may not contain"},
		{"negative history", Config{URL: "redis://a:1", HistoryMax: -1}, "history cap"},
		{"negative retention", Config{URL: "redis://a:1", RetentionDays: -1}, "retention"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClient(tc.cfg)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("NewClient: %v", err)
				}
				_ = c.Close()
				return
			}
			if c != nil {
				_ = c.Close()
			}
			wantCode(t, err, bot.EINVALID, "NewClient")
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
		})
	}
}

func TestClientKinds(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want any
	}{
		{"url", Config{URL: "redis://127.0.0.1:6390/2"}, &goredis.Client{}},
		{"sentinel", Config{SentinelMaster: "m", SentinelAddrs: []string{"a:26379", "b:26379"}}, &goredis.Client{}},
		{"cluster of one", Config{ClusterAddrs: []string{"a:7000"}}, &goredis.ClusterClient{}},
		{"cluster", Config{ClusterAddrs: []string{"a:7000", "b:7000"}}, &goredis.ClusterClient{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClient(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if reflect.TypeOf(c) != reflect.TypeOf(tc.want) {
				t.Errorf("NewClient made a %T, want %T", c, tc.want)
			}
		})
	}
	// The URL's database, password and the short timeouts are used.
	c, err := NewClient(Config{URL: "redis://:s3cret@127.0.0.1:6390/2"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	o := c.(*goredis.Client).Options()
	if o.DB != 2 || o.Password != "s3cret" || o.DialTimeout != timeout || o.ReadTimeout != timeout || o.WriteTimeout != timeout {
		t.Errorf("options from the URL: db %d, password set %v, timeouts %v %v %v",
			o.DB, o.Password != "", o.DialTimeout, o.ReadTimeout, o.WriteTimeout)
	}
	c2, err := NewClient(Config{URL: "redis://127.0.0.1:6390/0", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if o := c2.(*goredis.Client).Options(); o.Password != "pw" {
		t.Error("Password is not used for a URL without one")
	}
}

func TestAddr(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{URL: "redis://127.0.0.1:6390/2"}, "127.0.0.1:6390"},
		{Config{URL: "rediss://user:s3cret@redis.internal:6380/0"}, "redis.internal:6380"},
		{Config{URL: "redis://:s3cret@host"}, "host:6379"},
		{Config{URL: "http://user:s3cret@host:1"}, "host:1"},
		{Config{SentinelMaster: "mymaster", SentinelAddrs: []string{"a:26379", "b:26379"}}, "sentinel mymaster at a:26379,b:26379"},
		{Config{ClusterAddrs: []string{"a:7000", "b:7000", "c:7000"}}, "cluster a:7000,b:7000,c:7000"},
		{Config{}, "no Redis address"},
	}
	for _, tc := range tests {
		if got := tc.cfg.Addr(); got != tc.want {
			t.Errorf("%+v.Addr() = %q, want %q", tc.cfg, got, tc.want)
		}
		if strings.Contains(tc.cfg.Addr(), "s3cret") {
			t.Errorf("Addr() of %q shows the password", tc.cfg.URL)
		}
	}
}

// --- Concurrency --------------------------------------------------------

// TestTwoReplicas drives 200 users through two Stores with their own
// clients, as two peerbot replicas would: every user's counter is
// incremented from both at once, with a reload on ECONFLICT, and every
// success appends a history record under a distinct event id. Each
// increment must be recorded exactly once.
func TestTwoReplicas(t *testing.T) {
	srv := redistest.Start(t)
	cfg := Config{URL: srv.URL()}
	replicas := []*Store{newStore(t, cfg), newStore(t, cfg)}
	if replicas[0].Client() == replicas[1].Client() {
		t.Fatal("the replicas share a client")
	}
	ctx := ctxT(t)
	const users, perReplica = 200, 5
	var conflicts atomic.Int64
	increment := func(s *Store, user bot.UserID, ev string) error {
		for {
			st, err := s.Load(ctx, user, ev)
			if err != nil {
				return err
			}
			if st.Seen {
				return fmt.Errorf("%s: event %s seen before its save", user, ev)
			}
			st.Streak.Days++
			err = s.Save(ctx, bot.Save{User: user, Version: st.Version, EventID: ev, State: st,
				History: []bot.Record{{Flow: "count", Outcome: bot.OutcomeDone,
					Answers: map[string]any{"n": st.Streak.Days, "ev": ev}}}})
			switch bot.ErrorCode(err) {
			case "":
				return nil
			case bot.ECONFLICT:
				conflicts.Add(1)
			default:
				return err
			}
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, users*len(replicas))
	for u := range users {
		user := bot.UserID(fmt.Sprintf("slack:T1:U%03d", u))
		for r, s := range replicas {
			wg.Go(func() {
				for i := range perReplica {
					if err := increment(s, user, fmt.Sprintf("ev-r%d-%d", r, i)); err != nil {
						errs <- err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("%d users × %d increments: %d conflicts retried", users, perReplica*len(replicas), conflicts.Load())
	const want = perReplica * 2
	for u := range users {
		user := bot.UserID(fmt.Sprintf("slack:T1:U%03d", u))
		st := mustLoad(t, replicas[u%2], user, "")
		rs, err := replicas[(u+1)%2].History(ctx, user, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if st.Streak.Days != want || st.Version != want || len(rs) != want {
			t.Errorf("%s: counter %d, version %d, history %d; want %d each", user, st.Streak.Days, st.Version, len(rs), want)
			continue
		}
		events := map[string]bool{}
		for i, r := range rs {
			if n := r.Answers["n"].(float64); n != float64(want-i) {
				t.Errorf("%s: history[%d] n = %v, want %d", user, i, n, want-i)
			}
			ev := r.Answers["ev"].(string)
			if events[ev] {
				t.Errorf("%s: event %s recorded twice", user, ev)
			}
			events[ev] = true
		}
		// A redelivery to either replica is a duplicate.
		wantCode(t, replicas[u%2].Save(ctx, bot.Save{User: user, Version: want, EventID: "ev-r1-0", State: st}),
			bot.EDUPLICATE, "redelivered event")
	}
}

// --- Round trips and memory ---------------------------------------------

// stepTrips saves a user mid-check-in, then measures one answered step
// (Load with the event id, Save with the answer): the round trips and
// commands that count saw and, when stats is not nil, the commands the
// server ran by its INFO commandstats (the script's own calls included).
func stepTrips(t testing.TB, s *Store, count *redisstats.Trips, stats goredis.UniversalClient) (trips, cmds, server int64, delta map[string]int64) {
	t.Helper()
	ctx := ctxT(t)
	const user bot.UserID = "slack:T0123ABCD:U0123ABCD"
	mustSave(t, s, bot.Save{User: user, EventID: "ev-0", State: activeState(time.Now(), "Sam")})
	mustLoad(t, s, user, "ev-0") // the script is cached and connections are up
	var before map[string]int64
	if stats != nil {
		var err error
		if before, err = redistest.CommandStats(ctx, stats); err != nil {
			t.Fatal(err)
		}
	}
	count.Reset()
	st := mustLoad(t, s, user, "ev-1")
	st.Session.Answers["cravings"] = false
	st.Session.Step = "note"
	mustSave(t, s, bot.Save{User: user, Version: st.Version, EventID: "ev-1", State: st})
	trips, cmds = count.RoundTrips(), count.Commands()
	if stats != nil {
		after, err := redistest.CommandStats(ctx, stats)
		if err != nil {
			t.Fatal(err)
		}
		server, delta = redisstats.Since(before, after)
	}
	return trips, cmds, server, delta
}

// countedStore is a store on srv whose client counts round trips.
func countedStore(t *testing.T, srv *redistest.Server) (*Store, *redisstats.Trips) {
	t.Helper()
	cfg := Config{URL: srv.URL()}
	client, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	count := &redisstats.Trips{}
	client.AddHook(count)
	s := New(client, cfg)
	t.Cleanup(func() { _ = s.Close() })
	return s, count
}

func TestRoundTripsPerStep(t *testing.T) {
	srv := redistest.Start(t)
	s, count := countedStore(t, srv)

	trips, cmds, server, delta := stepTrips(t, s, count, srv.Client(t))
	t.Logf("one answered step: %d round trips (hook), %d commands sent, %d commands run by the server (commandstats, script calls included): %v",
		trips, cmds, server, delta)
	if trips != 2 {
		t.Errorf("%d round trips per answered step, want 2 (EVALSHA_RO to load, EVALSHA to save)", trips)
	}
	if cmds != 2 {
		t.Errorf("%d commands sent per answered step, want 2 (EVALSHA_RO; EVALSHA)", cmds)
	}
	// The client's commands, as the server counts them: one per round trip.
	if top := delta["evalsha_ro"] + delta["evalsha"] + delta["eval"] + delta["eval_ro"]; top != 2 {
		t.Errorf("%d top-level commands in INFO commandstats per step, want 2: %v", top, delta)
	}
	// The server ran one EVALSHA_RO and one EVALSHA (no EVAL: the scripts
	// were cached) and the scripts' own calls: the load's HMGET, GET and
	// ZSCORE; the save's HMGET and ZSCORE (token, mark and version checks),
	// HSET and SET (state and session), ZREMRANGEBYSCORE, ZADD and PEXPIRE
	// (the mark). No history is appended, so no retention sweep.
	want := map[string]int64{"evalsha_ro": 1, "evalsha": 1, "hmget": 2, "get": 1, "zscore": 2, "hset": 1, "set": 1,
		"zremrangebyscore": 1, "zadd": 1, "pexpire": 1}
	if !maps.Equal(delta, want) {
		t.Errorf("server commands of one step:\n got %v\nwant %v", delta, want)
	}
}

func TestMemoryPerActiveSession(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t)
	s := newStore(t, Config{URL: srv.URL()})
	const user bot.UserID = "slack:T0123ABCD:U0123ABCD"
	now := time.Now()
	mustSave(t, s, bot.Save{User: user, EventID: "Ev0123ABCDEF", State: activeState(now, "Sam")})
	st := mustLoad(t, s, user, "")
	mustSave(t, s, bot.Save{User: user, Version: st.Version, EventID: "Ev0123ABCDEG", State: st})
	bytes, per := memoryOf(t, admin, s, user)
	t.Logf("an active session uses %d bytes (MEMORY USAGE summed): %v", bytes, per)
	if bytes > 1024 {
		t.Errorf("an active session uses %d bytes, want at most 1024", bytes)
	}
}

// memoryOf sums MEMORY USAGE over the user's keys.
func memoryOf(t testing.TB, admin goredis.UniversalClient, s *Store, user bot.UserID) (int64, map[string]int64) {
	t.Helper()
	per := map[string]int64{}
	var total int64
	for _, suffix := range []string{"state", "session", "history", "flags", "seen"} {
		n, err := admin.MemoryUsage(ctxT(t), s.Key(user, suffix)).Result()
		if errors.Is(err, goredis.Nil) {
			continue
		}
		if err != nil {
			t.Fatalf("MEMORY USAGE: %v", err)
		}
		per[suffix] = n
		total += n
	}
	return total, per
}
