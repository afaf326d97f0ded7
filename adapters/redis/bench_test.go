package redis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/internal/redisstats"
	"github.com/peerbot/peerbot/internal/redistest"
)

// checkinSteps are the steps of the daily check-in that benchStep walks.
var checkinSteps = []struct {
	id     string
	answer any
}{{"mood", 4}, {"sleep", 7.5}, {"cravings", false}, {"note", "slept better, walked a bit"}}

// benchStep handles one answered step of user the way the engine does:
// Load with the event id, change the state, Save with the same event id
// (reloading on ECONFLICT). A user without a session starts a check-in;
// the last answer closes it into a history record.
func benchStep(ctx context.Context, s *Store, user bot.UserID, eventID string, now time.Time) error {
	for {
		st, err := s.Load(ctx, user, eventID)
		if err != nil {
			return err
		}
		if st.Seen {
			return fmt.Errorf("%s: event %s seen before its save", user, eventID)
		}
		var history []bot.Record
		sess := st.Session
		switch {
		case sess == nil:
			st.Session = &bot.Session{Flow: "daily-checkin", Step: checkinSteps[0].id, Answers: map[string]any{},
				StartedAt: now, ExpiresAt: now.Add(12 * time.Hour)}
		default:
			i := 0
			for i < len(checkinSteps) && checkinSteps[i].id != sess.Step {
				i++
			}
			if sess.Answers == nil { // an empty map does not survive JSON
				sess.Answers = map[string]any{}
			}
			if i < len(checkinSteps) {
				sess.Answers[sess.Step] = checkinSteps[i].answer
			}
			if i+1 < len(checkinSteps) {
				sess.Step = checkinSteps[i+1].id
				break
			}
			history = []bot.Record{{Flow: sess.Flow, Started: sess.StartedAt, Ended: now,
				Day: now.Format(time.DateOnly), Outcome: bot.OutcomeDone, Answers: sess.Answers,
				Scores: map[string]float64{"mood": 4}}}
			st.Session = nil
			st.Streak.Days++
			st.Streak.LastDay = now.Format(time.DateOnly)
		}
		err = s.Save(ctx, bot.Save{User: user, Version: st.Version, EventID: eventID, State: st, History: history})
		if bot.ErrorCode(err) != bot.ECONFLICT {
			return err
		}
	}
}

// BenchmarkStep measures an answered step (Load + Save) against one local
// redis-server with 1, 8 and 64 users answering at once, each user driven
// by its own goroutine. Besides ns/op it reports steps/s, the network round
// trips and commands per step seen by a go-redis hook, and the commands
// the server ran per step by INFO commandstats (the save script's own calls
// included).
func BenchmarkStep(b *testing.B) {
	srv := redistest.Start(b)
	stats := srv.Client(b)
	for _, users := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			ctx := context.Background()
			if err := stats.FlushAll(ctx).Err(); err != nil {
				b.Fatal(err)
			}
			cfg := Config{URL: srv.URL()}
			client, err := NewClient(cfg)
			if err != nil {
				b.Fatal(err)
			}
			var count redisstats.Trips
			client.AddHook(&count)
			s := New(client, cfg)
			defer s.Close()

			now := time.Now().UTC().Truncate(time.Second)
			userID := func(i int) bot.UserID { return bot.UserID(fmt.Sprintf("slack:T0123ABCD:U%08d", i)) }
			// Every user exists, with a profile, before the clock starts.
			for i := range users {
				st := activeState(now, "Sam")
				st.Session = nil
				if err := s.Save(ctx, bot.Save{User: userID(i), State: st}); err != nil {
					b.Fatal(err)
				}
			}
			before, err := redistest.CommandStats(ctx, stats)
			if err != nil {
				b.Fatal(err)
			}
			var seq, nextUser atomic.Int64
			var failed atomic.Pointer[error]
			count.Reset()
			b.ResetTimer()
			redistest.RunUsers(b, users, func(more func() bool) {
				user := userID(int(nextUser.Add(1) - 1))
				for more() {
					if err := benchStep(ctx, s, user, "Ev"+strconv.FormatInt(seq.Add(1), 10), now); err != nil {
						failed.CompareAndSwap(nil, &err)
						return
					}
				}
			})
			b.StopTimer()
			if err := failed.Load(); err != nil {
				b.Fatal(*err)
			}
			after, err := redistest.CommandStats(ctx, stats)
			if err != nil {
				b.Fatal(err)
			}
			server, _ := redisstats.Since(before, after)
			n := float64(b.N)
			b.ReportMetric(n/b.Elapsed().Seconds(), "steps/s")
			b.ReportMetric(float64(count.RoundTrips())/n, "roundtrips/step")
			b.ReportMetric(float64(count.Commands())/n, "cmds_sent/step")
			b.ReportMetric(float64(server)/n, "server_cmds/step")
		})
	}
}

// BenchmarkMemoryPerSession saves 1000 users in the middle of a daily
// check-in (a profile with a mentor, a streak, a session with two answers,
// the dedupe marks of the three events so far) and reports the average
// bytes per user: MEMORY USAGE summed over the user's keys, and the growth
// of the server's used_memory. It then adds a week of history and a flag
// per user and reports the same again. The timed loop only re-reads the
// sizes; the figures are the metrics.
func BenchmarkMemoryPerSession(b *testing.B) {
	srv := redistest.Start(b)
	admin := srv.Client(b)
	ctx := context.Background()
	cfg := Config{URL: srv.URL()}
	s := newStore(b, cfg)
	const users = 1000
	now := time.Now().UTC().Truncate(time.Second)
	userID := func(i int) bot.UserID { return bot.UserID(fmt.Sprintf("slack:T0123ABCD:U%08d", i)) }

	usedMemory := func() int64 {
		info, err := admin.Info(ctx, "memory").Result()
		if err != nil {
			b.Fatal(err)
		}
		for line := range strings.Lines(info) {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					b.Fatal(err)
				}
				return n
			}
		}
		b.Fatal("INFO memory has no used_memory")
		return 0
	}
	// keyBytes sums MEMORY USAGE over every user's keys in one pipeline.
	keyBytes := func() int64 {
		pipe := admin.Pipeline()
		var cmds []*goredis.IntCmd
		for i := range users {
			for _, k := range s.keys(userID(i)).all() {
				cmds = append(cmds, pipe.MemoryUsage(ctx, k))
			}
		}
		_, _ = pipe.Exec(ctx)
		var total int64
		for _, c := range cmds {
			total += c.Val() // 0 for a key that does not exist
		}
		return total
	}

	base := usedMemory()
	for i := range users {
		user := userID(i)
		st := activeState(now, "Sam")
		answers := st.Session.Answers
		st.Session.Answers, st.Session.Step = map[string]any{}, "mood"
		if err := s.Save(ctx, bot.Save{User: user, EventID: fmt.Sprintf("Ev%08d1", i), State: st}); err != nil {
			b.Fatal(err)
		}
		st.Session.Answers["mood"], st.Session.Step = answers["mood"], "sleep"
		if err := s.Save(ctx, bot.Save{User: user, Version: 1, EventID: fmt.Sprintf("Ev%08d2", i), State: st}); err != nil {
			b.Fatal(err)
		}
		st.Session.Answers["sleep"], st.Session.Step = answers["sleep"], "cravings"
		if err := s.Save(ctx, bot.Save{User: user, Version: 2, EventID: fmt.Sprintf("Ev%08d3", i), State: st}); err != nil {
			b.Fatal(err)
		}
	}
	perUser := float64(keyBytes()) / users
	usedPerUser := float64(usedMemory()-base) / users

	// A week of past check-ins and one flag per user.
	for i := range users {
		var week []bot.Record
		for d := 7; d > 0; d-- {
			day := now.Add(-time.Duration(d) * 24 * time.Hour)
			week = append(week, bot.Record{Flow: "daily-checkin", Started: day, Ended: day.Add(3 * time.Minute),
				Day: day.Format(time.DateOnly), Outcome: bot.OutcomeDone,
				Answers: map[string]any{"mood": 3, "sleep": 6.5, "cravings": true, "coping": "called my sponsor"},
				Scores:  map[string]float64{"mood": 3}})
		}
		flag := bot.Flag{ID: fmt.Sprintf("F%08d", i), User: userID(i), Flow: "daily-checkin", Step: "mood",
			Answer: "1", Rule: "mood <= 2", Level: bot.LevelConcern, Reason: "Low mood", Time: now}
		if err := s.Save(ctx, bot.Save{User: userID(i), Version: 3, History: week, Flags: []bot.Flag{flag}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	var withWeek int64
	for b.Loop() {
		withWeek = keyBytes()
	}
	b.StopTimer()
	b.ReportMetric(perUser, "bytes/user")
	b.ReportMetric(usedPerUser, "used_memory_bytes/user")
	b.ReportMetric(float64(withWeek)/users, "bytes/user_with_week")
	b.ReportMetric(float64(usedMemory()-base)/users, "used_memory_bytes/user_with_week")
}
