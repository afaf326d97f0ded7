package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/peerbot/peerbot/bot"
)

// claimWakes claims with a long lease and returns the users, sorted.
func claimWakes(t *testing.T, s bot.Store, lease time.Duration) []bot.UserID {
	t.Helper()
	got, err := s.ClaimWakes(ctx(t), lease, 1000)
	if err != nil {
		t.Fatalf("ClaimWakes: %v", err)
	}
	slices.Sort(got)
	return got
}

func scheduleWake(t *testing.T, s bot.Store, u bot.UserID, at time.Time) {
	t.Helper()
	if err := s.ScheduleWake(ctx(t), u, at); err != nil {
		t.Fatalf("ScheduleWake: %v", err)
	}
}

func doneWake(t *testing.T, s bot.Store, u bot.UserID, next time.Time) {
	t.Helper()
	if err := s.DoneWake(ctx(t), u, next); err != nil {
		t.Fatalf("DoneWake: %v", err)
	}
}

func testOutboxStats(t *testing.T, s bot.Store) {
	if st, err := s.OutboxStats(ctx(t)); err != nil || st.Messages != 0 || st.Timers != 0 {
		t.Fatalf("empty store: %+v, %v", st, err)
	}
	past := time.Now().Add(-time.Minute)
	timer := entry(bob, 3, time.Now().Add(time.Hour))
	timer.Timer = "begin:daily-checkin"
	save(t, s, bot.Save{User: alice, AnyVersion: true, Outbox: []bot.Outbound{entry(alice, 1, past), entry(alice, 2, past)}})
	save(t, s, bot.Save{User: bob, AnyVersion: true, Outbox: []bot.Outbound{timer}})
	if err := s.AckOutbox(ctx(t), alice, entry(alice, 1, past).ID); err != nil {
		t.Fatal(err)
	}
	st, err := s.OutboxStats(ctx(t))
	if err != nil || st.Messages != 1 || st.Timers != 1 || !st.Oldest.Equal(t0) {
		t.Fatalf("OutboxStats = %+v, %v; want 1 message written at %v and 1 timer", st, err, t0)
	}
}

func testOutboxNext(t *testing.T, s bot.Store) {
	if next, err := s.OutboxNext(ctx(t), alice); err != nil || !next.IsZero() {
		t.Fatalf("OutboxNext of an empty outbox = %v, %v; want zero", next, err)
	}
	early, late := time.Now().Add(time.Hour).Truncate(time.Millisecond), time.Now().Add(2*time.Hour)
	save(t, s, bot.Save{User: alice, AnyVersion: true, Outbox: []bot.Outbound{entry(alice, 2, late), entry(alice, 1, early)}})
	next, err := s.OutboxNext(ctx(t), alice)
	if err != nil || !next.Equal(early) {
		t.Fatalf("OutboxNext = %v, %v; want %v", next, err, early)
	}
	if err := s.AckOutbox(ctx(t), alice, entry(alice, 1, early).ID); err != nil {
		t.Fatal(err)
	}
	// Stores may keep the time to the millisecond only.
	if next, _ := s.OutboxNext(ctx(t), alice); next.Sub(late).Abs() >= time.Millisecond {
		t.Fatalf("OutboxNext after acking the earlier entry = %v, want %v", next, late)
	}
}

func testWakeIndex(t *testing.T, s bot.Store) {
	past, future := time.Now().Add(-time.Minute), time.Now().Add(time.Hour)
	scheduleWake(t, s, alice, past)
	scheduleWake(t, s, bob, future)
	// Only the due one, once: a claim is exclusive.
	if got := claimWakes(t, s, time.Hour); !slices.Equal(got, []bot.UserID{alice}) {
		t.Fatalf("claimed %v, want alice", got)
	}
	if got := claimWakes(t, s, time.Hour); len(got) != 0 {
		t.Fatalf("claimed %v again", got)
	}
	// Never later: bob's wake can move earlier, not later.
	scheduleWake(t, s, bob, future.Add(time.Hour))
	scheduleWake(t, s, bob, past)
	if got := claimWakes(t, s, time.Hour); !slices.Equal(got, []bot.UserID{bob}) {
		t.Fatalf("claimed %v, want bob (moved earlier)", got)
	}
	// Done with a next time: due again only then; done with none: gone.
	doneWake(t, s, alice, past)
	doneWake(t, s, bob, time.Time{})
	if got := claimWakes(t, s, time.Hour); !slices.Equal(got, []bot.UserID{alice}) {
		t.Fatalf("after DoneWake: claimed %v, want alice", got)
	}
	doneWake(t, s, alice, future)
	if got := claimWakes(t, s, time.Hour); len(got) != 0 {
		t.Fatalf("claimed %v before their next wake", got)
	}
	// Peeking shows the waiting, earliest first, and claims nothing.
	peek, err := s.PeekWakes(ctx(t), 10)
	if err != nil || len(peek) != 1 || peek[0].User != alice || peek[0].At.Sub(future).Abs() >= time.Millisecond {
		t.Fatalf("PeekWakes = %+v, %v; want alice at %v", peek, err, future)
	}
	// The limit is kept.
	for _, u := range []bot.UserID{"slack:T1:U7", "slack:T1:U8", "slack:T1:U9"} {
		scheduleWake(t, s, u, past)
	}
	if got, err := s.ClaimWakes(ctx(t), time.Hour, 2); err != nil || len(got) != 2 {
		t.Fatalf("claim with limit 2: %v, %v", got, err)
	}
}

// testWakeAskedWhileClaimed: a wake asked for while a claimer has the user
// (a turn wrote a new timer meanwhile) survives the claimer's DoneWake,
// even one that says there is nothing next.
func testWakeAskedWhileClaimed(t *testing.T, s bot.Store) {
	past := time.Now().Add(-time.Minute)
	scheduleWake(t, s, alice, past)
	if got := claimWakes(t, s, time.Hour); len(got) != 1 {
		t.Fatalf("claimed %v", got)
	}
	soon := time.Now().Add(-time.Second)
	scheduleWake(t, s, alice, soon) // written while claimed
	if got := claimWakes(t, s, time.Hour); len(got) != 0 {
		t.Fatalf("a claimed user was claimed again: %v", got)
	}
	doneWake(t, s, alice, time.Time{})
	if got := claimWakes(t, s, time.Hour); !slices.Equal(got, []bot.UserID{alice}) {
		t.Fatalf("the wake asked for while claimed was lost: claimed %v", got)
	}
}

// testWakeClaimTakenOver: the claim of a claimer that died is taken over
// once its lease runs out.
func testWakeClaimTakenOver(t *testing.T, s bot.Store) {
	scheduleWake(t, s, alice, time.Now().Add(-time.Minute))
	if got := claimWakes(t, s, time.Millisecond); len(got) != 1 {
		t.Fatalf("claimed %v", got)
	}
	time.Sleep(20 * time.Millisecond) // the store's own clock must pass the lease
	if got := claimWakes(t, s, time.Hour); !slices.Equal(got, []bot.UserID{alice}) {
		t.Fatalf("a dead claimer's user was not taken over: %v", got)
	}
}

func testWakeGoneAfterDelete(t *testing.T, s bot.Store) {
	save(t, s, bot.Save{User: alice, Version: 0, State: sample()})
	scheduleWake(t, s, alice, time.Now().Add(-time.Minute))
	if err := s.DeleteUser(ctx(t), alice); err != nil {
		t.Fatal(err)
	}
	if got := claimWakes(t, s, time.Hour); len(got) != 0 {
		t.Fatalf("claimed %v after DeleteUser", got)
	}
}
