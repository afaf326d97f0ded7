// Package storetest is the conformance suite that every bot.Store runs, so
// that the engine can rely on one behaviour whichever store is wired in.
//
// A store passes when, for each subtest of Run:
//
//   - Load of a user never seen gives a zero State (Version 0, Exists false,
//     empty Profile, nil Session) with User set, and Seen false.
//   - State round-trips through JSON: what Load returns is what
//     json.Unmarshal makes of json.Marshal of the saved State. In particular
//     numbers in Session.Answers and Record.Answers come back as float64 (an
//     int 4 comes back as float64(4)), and times come back equal (Equal) to
//     what was saved, without a monotonic reading.
//   - A Save with a State stores it with Version+1 and sets State.Version
//     of the saved value to the new Version. A Save with a nil State (a
//     mark-only save) leaves the state and its Version as they are but still
//     marks the event and appends history and flags.
//   - Every Save checks Version, with or without a State: a stale one fails
//     with ECONFLICT. A Save whose EventID is already marked fails with
//     EDUPLICATE, which takes precedence over ECONFLICT (the event is done,
//     so a retry is pointless). Either way nothing at all is written.
//   - History is newest first, filtered by flow, limited after filtering;
//     records of one Save count as appended in slice order.
//   - Flags are oldest first, every field kept.
//   - Users are isolated, including users whose ids are prefixes of others.
//   - DeleteUser removes state, history and flags of that user only.
//   - Concurrent load-modify-save loops never lose or double a write.
//   - After Close, every method fails with EUNAVAILABLE. The suite closes
//     the store itself in that subtest, so the cleanup that newStore
//     registers must tolerate an already closed store.
//
// Subtests run one after another (never in parallel), so a store backed by
// one shared server may clear it in newStore.
package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/peerbot/peerbot/bot"
)

// Run runs the conformance suite; newStore returns a fresh, empty store for
// each subtest (cleanup via t.Cleanup).
func Run(t *testing.T, newStore func(t *testing.T) bot.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s bot.Store)
	}{
		{"LoadUnknownUser", testLoadUnknownUser},
		{"RoundTrip", testRoundTrip},
		{"VersionIncrements", testVersionIncrements},
		{"StaleVersionConflicts", testStaleVersionConflicts},
		{"EventMarkedInSave", testEventMarkedInSave},
		{"DuplicateEventWritesNothing", testDuplicateEvent},
		{"MarkOnlySave", testMarkOnlySave},
		{"History", testHistory},
		{"Flags", testFlags},
		{"UsersIsolated", testUsersIsolated},
		{"DeleteUser", testDeleteUser},
		{"CanceledContext", testCanceledContext},
		{"ConcurrentSameUser", testConcurrentSameUser},
		{"ConcurrentManyUsers", testConcurrentManyUsers},
		{"Closed", testClosed},
		{"OutboxWrittenInSave", testOutboxWrittenInSave},
		{"OutboxNotWrittenOnConflict", testOutboxNotWrittenOnConflict},
		{"OutboxClaimKeepsOrderAndLease", testOutboxClaimKeepsOrderAndLease},
		{"OutboxAckRemoves", testOutboxAckRemoves},
		{"OutboxClaimOneUser", testOutboxClaimOneUser},
		{"OutboxNext", testOutboxNext},
		{"OutboxStats", testOutboxStats},
		{"WakeIndex", testWakeIndex},
		{"WakeAskedWhileClaimed", testWakeAskedWhileClaimed},
		{"WakeClaimTakenOver", testWakeClaimTakenOver},
		{"WakeGoneAfterDelete", testWakeGoneAfterDelete},
		{"OutboxGoneAfterDelete", testOutboxGoneAfterDelete},
		{"SaveDeleteThenOwes", testSaveDeleteThenOwes},
		{"AnyVersionAppends", testAnyVersionAppends},
		{"OutboxTimer", testOutboxTimer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

// t0 is a fixed UTC instant: UTC times round-trip through JSON to values
// that reflect.DeepEqual accepts, which keeps the comparisons strict.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC)

const (
	alice bot.UserID = "slack:T1:U1"
	bob   bot.UserID = "slack:T1:U2"
)

func ctx(t *testing.T) context.Context { return t.Context() }

func load(t *testing.T, s bot.Store, user bot.UserID, eventID string) *bot.State {
	t.Helper()
	st, err := s.Load(ctx(t), user, eventID)
	if err != nil {
		t.Fatalf("Load(%q, %q): %v", user, eventID, err)
	}
	if st == nil {
		t.Fatalf("Load(%q, %q) returned a nil State", user, eventID)
	}
	return st
}

func save(t *testing.T, s bot.Store, sv bot.Save) {
	t.Helper()
	if err := s.Save(ctx(t), sv); err != nil {
		t.Fatalf("Save(user %q, version %d, event %q): %v", sv.User, sv.Version, sv.EventID, err)
	}
}

func history(t *testing.T, s bot.Store, user bot.UserID, flow string, limit int) []bot.Record {
	t.Helper()
	rs, err := s.History(ctx(t), user, flow, limit)
	if err != nil {
		t.Fatalf("History(%q, %q, %d): %v", user, flow, limit, err)
	}
	return rs
}

func flags(t *testing.T, s bot.Store, user bot.UserID) []bot.Flag {
	t.Helper()
	fs, err := s.Flags(ctx(t), user)
	if err != nil {
		t.Fatalf("Flags(%q): %v", user, err)
	}
	return fs
}

func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if got := bot.ErrorCode(err); got != code {
		t.Fatalf("%s: error %v has code %q, want %q", what, err, got, code)
	}
}

// sample is a State with every field set, and Answers holding every JSON
// type.
func sample() *bot.State {
	return &bot.State{
		Profile: bot.Profile{
			Name:        "Sam",
			Timezone:    "Europe/Berlin",
			Consent:     bot.ConsentGiven,
			ConsentAt:   t0,
			PausedUntil: t0.Add(48 * time.Hour),
			ShareFull:   true,
			Mentors:     []bot.UserID{"slack:T1:M1", "slack:T1:M2"},
			DMChannel:   "D123",
			PendingFlow: "goal-setting",
		},
		Session: &bot.Session{
			Flow: "daily-checkin",
			Step: "note",
			Answers: map[string]any{
				"mood":     4, // an int: comes back as float64(4)
				"sleep":    6.5,
				"cravings": true,
				"note":     "ok-ish, \"quoted\" ünïcode ✓",
				"skipped":  nil,
				"tags":     []any{"a", 1, false},
				"nested":   map[string]any{"k": "v", "n": 2},
			},
			StartedAt: t0,
			ExpiresAt: t0.Add(12 * time.Hour),
			Held:      true,
		},
		Streak: bot.Streak{Days: 3, Best: 9, LastDay: "2025-03-14"},
		Goals: []bot.Goal{{
			ID: "g1", Text: "Walk every day", Why: "Clear head", FirstStep: "Shoes by the door",
			By: "2025-04-01", Confidence: 7, Status: bot.GoalActive,
			Created: t0, Updated: t0.Add(time.Hour), Progress: "partly",
		}},
		LastScores: map[string]map[string]float64{"who5": {"total": 64, "q1": 3}},
		Safety: &bot.SafetyCheck{
			ID: "k3x9", Asked: t0, Due: t0.Add(10 * time.Minute), Rule: "signals:finality",
			Text: "some words", Held: true, Escalated: true,
		},
	}
}

// afterJSON is what sample looks like once it has been through JSON.
func afterJSON(user bot.UserID, version int64) *bot.State {
	st := sample()
	st.User, st.Version = user, version
	st.Session.Answers = map[string]any{
		"mood":     float64(4),
		"sleep":    6.5,
		"cravings": true,
		"note":     "ok-ish, \"quoted\" ünïcode ✓",
		"skipped":  nil,
		"tags":     []any{"a", float64(1), false},
		"nested":   map[string]any{"k": "v", "n": float64(2)},
	}
	return st
}

func record(flow string, n int) bot.Record {
	return bot.Record{
		Flow:    flow,
		Started: t0.Add(time.Duration(n) * time.Hour),
		Ended:   t0.Add(time.Duration(n)*time.Hour + 5*time.Minute),
		Day:     fmt.Sprintf("2025-03-%02d", 1+n%28),
		Outcome: bot.OutcomeDone,
		Answers: map[string]any{"n": float64(n), "note": "x"},
		Scores:  map[string]float64{"total": float64(n)},
	}
}

func flag(user bot.UserID, n int) bot.Flag {
	return bot.Flag{
		ID: fmt.Sprintf("f%d", n), User: user, Flow: "daily-checkin", Step: "mood",
		Answer: "1", Rule: "mood <= 2", Level: bot.LevelConcern, Reason: "Low mood",
		Time: t0.Add(time.Duration(n) * time.Minute),
	}
}

func testLoadUnknownUser(t *testing.T, s bot.Store) {
	for _, ev := range []string{"", "ev-1"} {
		st := load(t, s, alice, ev)
		if st.Version != 0 || st.Exists() || st.Seen {
			t.Errorf("Load(event %q) of an unknown user: Version %d, Exists %v, Seen %v; want 0, false, false",
				ev, st.Version, st.Exists(), st.Seen)
		}
		if st.User != alice {
			t.Errorf("Load: User = %q, want %q", st.User, alice)
		}
		if !reflect.DeepEqual(st.Profile, bot.Profile{}) || st.Session != nil ||
			st.Streak != (bot.Streak{}) || len(st.Goals) != 0 || len(st.LastScores) != 0 {
			t.Errorf("Load of an unknown user is not empty: %+v", st)
		}
	}
	if rs := history(t, s, alice, "", 0); len(rs) != 0 {
		t.Errorf("History of an unknown user = %v, want none", rs)
	}
	if fs := flags(t, s, alice); len(fs) != 0 {
		t.Errorf("Flags of an unknown user = %v, want none", fs)
	}
}

func testRoundTrip(t *testing.T, s bot.Store) {
	st := sample()
	save(t, s, bot.Save{User: alice, Version: 0, State: st})
	if st.Version != 1 {
		t.Errorf("after Save, State.Version = %d, want 1 (the store sets it)", st.Version)
	}
	got := load(t, s, alice, "")
	if want := afterJSON(alice, 1); !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", got, want)
	}
	if !got.Exists() {
		t.Error("Exists() = false after a Save")
	}
	// A second round trip of what Load gave is exact.
	save(t, s, bot.Save{User: alice, Version: got.Version, State: got})
	again := load(t, s, alice, "")
	if want := afterJSON(alice, 2); !reflect.DeepEqual(again, want) {
		t.Fatalf("second round trip:\n got %#v\nwant %#v", again, want)
	}
	// Emptying fields empties them: nothing of the old value lingers.
	save(t, s, bot.Save{User: alice, Version: 2, State: &bot.State{}})
	empty := load(t, s, alice, "")
	if empty.Version != 3 || empty.Session != nil || len(empty.Goals) != 0 ||
		!reflect.DeepEqual(empty.Profile, bot.Profile{}) || len(empty.LastScores) != 0 {
		t.Errorf("after saving an empty State: %+v", empty)
	}
}

func testVersionIncrements(t *testing.T, s bot.Store) {
	for i := int64(0); i < 5; i++ {
		st := load(t, s, alice, "")
		if st.Version != i {
			t.Fatalf("Version = %d before save %d, want %d", st.Version, i+1, i)
		}
		st.Streak.Days = int(i + 1)
		// Saves without an EventID are never deduplicated.
		save(t, s, bot.Save{User: alice, Version: st.Version, State: st})
		if st.Version != i+1 {
			t.Fatalf("State.Version = %d after save %d", st.Version, i+1)
		}
	}
	if st := load(t, s, alice, ""); st.Version != 5 || st.Streak.Days != 5 {
		t.Fatalf("after 5 saves: Version %d, Days %d; want 5, 5", st.Version, st.Streak.Days)
	}
}

func testStaleVersionConflicts(t *testing.T, s bot.Store) {
	// Nothing stored: only Version 0 is current.
	err := s.Save(ctx(t), bot.Save{User: alice, Version: 1, State: sample()})
	wantCode(t, err, bot.ECONFLICT, "Save with Version 1 for an unknown user")

	first := sample()
	save(t, s, bot.Save{User: alice, Version: 0, State: first, History: []bot.Record{record("a", 1)},
		Flags: []bot.Flag{flag(alice, 1)}})

	stale := []bot.Save{
		{User: alice, Version: 0, EventID: "ev-stale", State: &bot.State{Streak: bot.Streak{Days: 99}},
			History: []bot.Record{record("b", 2)}, Flags: []bot.Flag{flag(alice, 2)}},
		{User: alice, Version: 2, EventID: "ev-stale", State: &bot.State{Streak: bot.Streak{Days: 99}}},
		// A mark-only save checks Version too.
		{User: alice, Version: 0, EventID: "ev-stale", History: []bot.Record{record("b", 2)}},
	}
	for i, sv := range stale {
		wantCode(t, s.Save(ctx(t), sv), bot.ECONFLICT, fmt.Sprintf("stale save %d", i))
	}
	st := load(t, s, alice, "ev-stale")
	if want := afterJSON(alice, 1); !reflect.DeepEqual(st, want) {
		t.Errorf("a conflicting save changed the state:\n got %#v\nwant %#v", st, want)
	}
	if st.Seen {
		t.Error("a conflicting save marked its event")
	}
	if rs := history(t, s, alice, "", 0); len(rs) != 1 || rs[0].Flow != "a" {
		t.Errorf("a conflicting save changed history: %v", rs)
	}
	if fs := flags(t, s, alice); len(fs) != 1 || fs[0].ID != "f1" {
		t.Errorf("a conflicting save changed flags: %v", fs)
	}
	// The event can still be handled once the caller reloads.
	save(t, s, bot.Save{User: alice, Version: 1, EventID: "ev-stale", State: st})
}

func testEventMarkedInSave(t *testing.T, s bot.Store) {
	st := load(t, s, alice, "ev-1")
	if st.Seen {
		t.Fatal("Seen before any save")
	}
	st.Streak.Days = 1
	save(t, s, bot.Save{User: alice, Version: st.Version, EventID: "ev-1", State: st})

	if got := load(t, s, alice, "ev-1"); !got.Seen || got.Streak.Days != 1 {
		t.Errorf("Load(ev-1) after its save: Seen %v, Days %d; want true, 1", got.Seen, got.Streak.Days)
	}
	if got := load(t, s, alice, ""); got.Seen {
		t.Error("Load without an event id reports Seen")
	}
	if got := load(t, s, alice, "ev-2"); got.Seen {
		t.Error("Load(ev-2) reports Seen for an event never saved")
	}
	// Marks belong to the user: the same id from someone else is new.
	if got := load(t, s, bob, "ev-1"); got.Seen {
		t.Error("bob's Load(ev-1) reports alice's mark")
	}
	save(t, s, bot.Save{User: bob, Version: 0, EventID: "ev-1", State: &bot.State{}})
}

func testDuplicateEvent(t *testing.T, s bot.Store) {
	st := sample()
	save(t, s, bot.Save{User: alice, Version: 0, EventID: "ev-1", State: st,
		History: []bot.Record{record("a", 1)}, Flags: []bot.Flag{flag(alice, 1)}})

	dups := []bot.Save{
		// Current version: only the mark stops it.
		{User: alice, Version: 1, EventID: "ev-1", State: &bot.State{Streak: bot.Streak{Days: 99}},
			History: []bot.Record{record("b", 2)}, Flags: []bot.Flag{flag(alice, 2)}},
		// Mark-only.
		{User: alice, Version: 1, EventID: "ev-1", History: []bot.Record{record("b", 2)}},
		// Stale version too: the duplicate wins, since retrying is pointless.
		{User: alice, Version: 0, EventID: "ev-1", State: &bot.State{Streak: bot.Streak{Days: 99}}},
	}
	for i, sv := range dups {
		wantCode(t, s.Save(ctx(t), sv), bot.EDUPLICATE, fmt.Sprintf("duplicate save %d", i))
	}
	got := load(t, s, alice, "ev-1")
	want := afterJSON(alice, 1)
	want.Seen = true
	if !reflect.DeepEqual(got, want) {
		t.Errorf("a duplicate save changed the state:\n got %#v\nwant %#v", got, want)
	}
	if rs := history(t, s, alice, "", 0); !reflect.DeepEqual(rs, []bot.Record{record("a", 1)}) {
		t.Errorf("a duplicate save changed history: %v", rs)
	}
	if fs := flags(t, s, alice); !reflect.DeepEqual(fs, []bot.Flag{flag(alice, 1)}) {
		t.Errorf("a duplicate save changed flags: %v", fs)
	}
}

func testMarkOnlySave(t *testing.T, s bot.Store) {
	save(t, s, bot.Save{User: alice, Version: 0, State: sample()})
	save(t, s, bot.Save{User: alice, Version: 1, EventID: "ev-help",
		History: []bot.Record{record("a", 1)}, Flags: []bot.Flag{flag(alice, 1)}})

	got := load(t, s, alice, "ev-help")
	want := afterJSON(alice, 1) // state and Version unchanged
	want.Seen = true
	if !reflect.DeepEqual(got, want) {
		t.Errorf("a mark-only save changed the state:\n got %#v\nwant %#v", got, want)
	}
	if rs := history(t, s, alice, "", 0); len(rs) != 1 {
		t.Errorf("mark-only save: history %v, want its one record", rs)
	}
	if fs := flags(t, s, alice); len(fs) != 1 {
		t.Errorf("mark-only save: flags %v, want its one flag", fs)
	}
	wantCode(t, s.Save(ctx(t), bot.Save{User: alice, Version: 1, EventID: "ev-help"}),
		bot.EDUPLICATE, "second mark-only save")

	// For a user with nothing stored it marks without creating a state.
	save(t, s, bot.Save{User: bob, Version: 0, EventID: "ev-b"})
	if st := load(t, s, bob, "ev-b"); !st.Seen || st.Exists() {
		t.Errorf("mark-only save of a new user: Seen %v, Exists %v; want true, false", st.Seen, st.Exists())
	}
}

func testHistory(t *testing.T, s bot.Store) {
	// Saved in three saves, the last with two records: 0..5 in order.
	flows := []string{"daily", "goals", "daily", "who5", "daily", "goals"}
	var all []bot.Record
	for i, f := range flows {
		all = append(all, record(f, i))
	}
	save(t, s, bot.Save{User: alice, Version: 0, State: &bot.State{}, History: all[0:2]})
	save(t, s, bot.Save{User: alice, Version: 1, State: &bot.State{}, History: all[2:4]})
	save(t, s, bot.Save{User: alice, Version: 2, History: all[4:6]}) // mark-only

	newest := slices.Clone(all)
	slices.Reverse(newest)
	pick := func(flow string) []bot.Record {
		var out []bot.Record
		for _, r := range newest {
			if flow == "" || r.Flow == flow {
				out = append(out, r)
			}
		}
		return out
	}
	cases := []struct {
		flow  string
		limit int
		want  []bot.Record
	}{
		{"", 0, pick("")},
		{"", -1, pick("")},
		{"", 2, pick("")[:2]},
		{"", 100, pick("")},
		{"daily", 0, pick("daily")},
		{"daily", 2, pick("daily")[:2]},
		{"goals", 1, pick("goals")[:1]},
		{"who5", 5, pick("who5")},
		{"none", 0, nil},
	}
	for _, c := range cases {
		got := history(t, s, alice, c.flow, c.limit)
		if len(got) == 0 && len(c.want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("History(%q, %d):\n got %v\nwant %v", c.flow, c.limit, got, c.want)
		}
	}
}

func testFlags(t *testing.T, s bot.Store) {
	f1, f2, f3 := flag(alice, 1), flag(alice, 2), flag(alice, 3)
	f3.Level, f3.Rule, f3.Reason, f3.Flow, f3.Step = bot.LevelUrgent, "crisis", "Crisis language", "", ""
	save(t, s, bot.Save{User: alice, Version: 0, State: &bot.State{}, Flags: []bot.Flag{f1, f2}})
	save(t, s, bot.Save{User: alice, Version: 1, EventID: "ev", Flags: []bot.Flag{f3}})
	got := flags(t, s, alice)
	if want := []bot.Flag{f1, f2, f3}; !reflect.DeepEqual(got, want) {
		t.Errorf("Flags:\n got %#v\nwant %#v", got, want)
	}
}

func testUsersIsolated(t *testing.T, s bot.Store) {
	// Ids that are prefixes of each other, and odd characters, must not
	// bleed into one another.
	users := []bot.UserID{"slack:T1:U1", "slack:T1:U10", "slack:T1:U1:x", "slack:T1", "discord:G:ü ✓ \"q\""}
	for i, u := range users {
		st := &bot.State{Profile: bot.Profile{Name: string(u)}, Streak: bot.Streak{Days: i + 1}}
		save(t, s, bot.Save{User: u, Version: 0, EventID: fmt.Sprintf("ev-%d", i), State: st,
			History: []bot.Record{record(string(u), i)}, Flags: []bot.Flag{flag(u, i)}})
	}
	for i, u := range users {
		st := load(t, s, u, fmt.Sprintf("ev-%d", i))
		if st.Profile.Name != string(u) || st.Streak.Days != i+1 || !st.Seen || st.Version != 1 {
			t.Errorf("user %q: %+v", u, st)
		}
		for j := range users {
			if j != i && load(t, s, u, fmt.Sprintf("ev-%d", j)).Seen {
				t.Errorf("user %q sees the event of user %q", u, users[j])
			}
		}
		if rs := history(t, s, u, "", 0); len(rs) != 1 || rs[0].Flow != string(u) {
			t.Errorf("History(%q) = %v", u, rs)
		}
		if fs := flags(t, s, u); len(fs) != 1 || fs[0].User != u {
			t.Errorf("Flags(%q) = %v", u, fs)
		}
	}
	// Marks kept as user+event must not collide: "…U1"+"0ev" vs "…U10"+"ev".
	save(t, s, bot.Save{User: "slack:T1:U1", Version: 1, EventID: "0ev"})
	if load(t, s, "slack:T1:U10", "ev").Seen {
		t.Error("user U10 sees event 0ev of user U1")
	}
	if st := load(t, s, "slack:T1:U", ""); st.Exists() {
		t.Errorf("a user never saved exists: %+v", st)
	}
}

func testDeleteUser(t *testing.T, s bot.Store) {
	for _, u := range []bot.UserID{alice, bob} {
		save(t, s, bot.Save{User: u, Version: 0, EventID: "ev-1", State: sample(),
			History: []bot.Record{record("a", 1), record("b", 2)}, Flags: []bot.Flag{flag(u, 1)}})
		save(t, s, bot.Save{User: u, Version: 1, State: sample(), History: []bot.Record{record("a", 3)}})
	}
	if err := s.DeleteUser(ctx(t), alice); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	st := load(t, s, alice, "")
	if st.Exists() || st.Version != 0 || st.Session != nil || len(st.Goals) != 0 ||
		!reflect.DeepEqual(st.Profile, bot.Profile{}) || st.Streak != (bot.Streak{}) || len(st.LastScores) != 0 {
		t.Errorf("Load after DeleteUser is not a fresh user: %+v", st)
	}
	if rs := history(t, s, alice, "", 0); len(rs) != 0 {
		t.Errorf("History after DeleteUser = %v", rs)
	}
	if fs := flags(t, s, alice); len(fs) != 0 {
		t.Errorf("Flags after DeleteUser = %v", fs)
	}
	// Bob is untouched.
	if got, want := load(t, s, bob, "ev-1"), afterJSON(bob, 2); !got.Seen || got.Version != 2 ||
		!reflect.DeepEqual(got.Session, want.Session) || !reflect.DeepEqual(got.Profile, want.Profile) {
		t.Errorf("DeleteUser(alice) changed bob: %+v", got)
	}
	if rs := history(t, s, bob, "", 0); len(rs) != 3 {
		t.Errorf("DeleteUser(alice) changed bob's history: %v", rs)
	}
	if fs := flags(t, s, bob); len(fs) != 1 {
		t.Errorf("DeleteUser(alice) changed bob's flags: %v", fs)
	}
	// Alice starts again from Version 0; a save computed before the delete
	// is stale.
	wantCode(t, s.Save(ctx(t), bot.Save{User: alice, Version: 2, State: sample()}), bot.ECONFLICT,
		"save from before DeleteUser")
	save(t, s, bot.Save{User: alice, Version: 0, State: &bot.State{}, History: []bot.Record{record("c", 4)}})
	if rs := history(t, s, alice, "", 0); len(rs) != 1 || rs[0].Flow != "c" {
		t.Errorf("history after starting again = %v", rs)
	}
	// Deleting a user never seen is not an error.
	if err := s.DeleteUser(ctx(t), "slack:T1:nobody"); err != nil {
		t.Errorf("DeleteUser of an unknown user: %v", err)
	}
}

func testCanceledContext(t *testing.T, s bot.Store) {
	c, cancel := context.WithCancel(ctx(t))
	cancel()
	if err := s.Save(c, bot.Save{User: alice, Version: 0, EventID: "ev", State: sample()}); err == nil {
		t.Fatal("Save with a canceled context succeeded")
	}
	if st := load(t, s, alice, "ev"); st.Exists() || st.Seen {
		t.Errorf("Save with a canceled context wrote: %+v", st)
	}
}

// increment does one load-modify-save of user until it succeeds, the way the
// engine does: reload on ECONFLICT. It returns the Days value it wrote.
func increment(c context.Context, s bot.Store, user bot.UserID, eventID string) (int, error) {
	for {
		st, err := s.Load(c, user, eventID)
		if err != nil {
			return 0, err
		}
		if st.Seen {
			return 0, fmt.Errorf("event %s reported seen before its save succeeded", eventID)
		}
		st.Streak.Days++
		days := st.Streak.Days
		err = s.Save(c, bot.Save{User: user, Version: st.Version, EventID: eventID, State: st,
			History: []bot.Record{{Flow: "count", Outcome: bot.OutcomeDone, Answers: map[string]any{"n": days}}}})
		switch bot.ErrorCode(err) {
		case "":
			return days, nil
		case bot.ECONFLICT:
			continue
		default:
			return 0, err
		}
	}
}

// incrementAtOnce runs workers goroutines per user, each incrementing the
// user's counter loops times with event ids ev-<worker>-<i>, and fails the
// test on any error.
func incrementAtOnce(t *testing.T, s bot.Store, users []bot.UserID, workers, loops int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(users)*workers)
	for _, user := range users {
		for w := range workers {
			wg.Go(func() {
				for i := range loops {
					if _, err := increment(ctx(t), s, user, fmt.Sprintf("ev-%d-%d", w, i)); err != nil {
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
}

func testConcurrentSameUser(t *testing.T, s bot.Store) {
	const workers, loops = 32, 20
	incrementAtOnce(t, s, []bot.UserID{alice}, workers, loops)
	const total = workers * loops
	st := load(t, s, alice, "")
	if st.Streak.Days != total || st.Version != total {
		t.Errorf("after %d concurrent increments: Days %d, Version %d", total, st.Streak.Days, st.Version)
	}
	rs := history(t, s, alice, "", 0)
	if len(rs) != total {
		t.Fatalf("%d history records, want %d", len(rs), total)
	}
	// Newest first, each value written exactly once: no write lost or
	// doubled, and history in the order of the state changes.
	for i, r := range rs {
		if n, _ := r.Answers["n"].(float64); n != float64(total-i) {
			t.Fatalf("history[%d] has n = %v, want %d", i, r.Answers["n"], total-i)
		}
	}
	for w := range workers {
		for i := range loops {
			if !load(t, s, alice, fmt.Sprintf("ev-%d-%d", w, i)).Seen {
				t.Fatalf("event ev-%d-%d not marked", w, i)
			}
		}
	}
}

func testConcurrentManyUsers(t *testing.T, s bot.Store) {
	const users, perUser, loops = 50, 2, 5
	ids := make([]bot.UserID, users)
	for u := range ids {
		ids[u] = bot.UserID(fmt.Sprintf("slack:T1:U%03d", u))
	}
	incrementAtOnce(t, s, ids, perUser, loops)
	for _, user := range ids {
		st := load(t, s, user, "")
		if st.Streak.Days != perUser*loops || st.Version != perUser*loops {
			t.Errorf("%s: Days %d, Version %d; want %d", user, st.Streak.Days, st.Version, perUser*loops)
		}
		if rs := history(t, s, user, "", 0); len(rs) != perUser*loops {
			t.Errorf("%s: %d history records, want %d", user, len(rs), perUser*loops)
		}
	}
}

func testClosed(t *testing.T, s bot.Store) {
	save(t, s, bot.Save{User: alice, Version: 0, State: sample()})
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	c := ctx(t)
	_, err := s.Load(c, alice, "")
	wantCode(t, err, bot.EUNAVAILABLE, "Load after Close")
	wantCode(t, s.Save(c, bot.Save{User: alice, Version: 1, State: sample()}), bot.EUNAVAILABLE, "Save after Close")
	_, err = s.History(c, alice, "", 0)
	wantCode(t, err, bot.EUNAVAILABLE, "History after Close")
	_, err = s.Flags(c, alice)
	wantCode(t, err, bot.EUNAVAILABLE, "Flags after Close")
	wantCode(t, s.DeleteUser(c, alice), bot.EUNAVAILABLE, "DeleteUser after Close")
}

// entry is an outbox entry of owner whose lease ends at lease.
func entry(owner bot.UserID, n int, lease time.Time) bot.Outbound {
	return bot.Outbound{
		ID: fmt.Sprintf("%016x.%08x", t0.UnixNano()+int64(n), n), Owner: owner, Platform: "slack",
		Reply: bot.Reply{
			User: owner, Channel: "D1", Text: fmt.Sprintf("message %d — ✓ \u200d", n),
			Options: []bot.Option{{Label: "Yes", Value: "pb1.c.x.0"}}, Urgent: n%2 == 0,
		},
		Created: t0, LeaseUntil: lease,
	}
}

// claimAll claims with a long lease and returns the ids, in order, per owner.
func claimAll(t *testing.T, s bot.Store) map[bot.UserID][]string {
	t.Helper()
	got, err := s.ClaimOutbox(ctx(t), time.Hour, 1000)
	if err != nil {
		t.Fatalf("ClaimOutbox: %v", err)
	}
	out := map[bot.UserID][]string{}
	for _, o := range got {
		out[o.Owner] = append(out[o.Owner], o.ID)
	}
	return out
}

func testOutboxWrittenInSave(t *testing.T, s bot.Store) {
	past := time.Now().Add(-time.Minute)
	e1, e2 := entry(alice, 1, past), entry(alice, 2, past)
	save(t, s, bot.Save{User: alice, Version: 0, State: sample(), EventID: "ev1", Outbox: []bot.Outbound{e1, e2}})
	got, err := s.ClaimOutbox(ctx(t), time.Hour, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("claimed %d entries, want 2", len(got))
	}
	for i, want := range []bot.Outbound{e1, e2} {
		o := got[i]
		if o.ID != want.ID || o.Owner != alice || o.Platform != "slack" || !reflect.DeepEqual(o.Reply, want.Reply) || !o.Created.Equal(t0) {
			t.Errorf("entry %d = %+v, want %+v", i, o, want)
		}
		if o.Attempts != 1 || o.LeaseUntil.Before(time.Now().Add(50*time.Minute)) {
			t.Errorf("entry %d: attempts %d lease %v, want 1 and about an hour from now", i, o.Attempts, o.LeaseUntil)
		}
	}
}

func testOutboxNotWrittenOnConflict(t *testing.T, s bot.Store) {
	past := time.Now().Add(-time.Minute)
	save(t, s, bot.Save{User: alice, Version: 0, State: sample()})
	err := s.Save(ctx(t), bot.Save{User: alice, Version: 0, State: sample(), Outbox: []bot.Outbound{entry(alice, 1, past)}})
	wantCode(t, err, bot.ECONFLICT, "stale save with an outbox entry")
	save(t, s, bot.Save{User: alice, Version: 1, EventID: "ev", Outbox: []bot.Outbound{entry(alice, 2, past)}})
	err = s.Save(ctx(t), bot.Save{User: alice, Version: 1, EventID: "ev", Outbox: []bot.Outbound{entry(alice, 3, past)}})
	wantCode(t, err, bot.EDUPLICATE, "duplicate event with an outbox entry")
	if got := claimAll(t, s); len(got[alice]) != 1 || got[alice][0] != entry(alice, 2, past).ID {
		t.Fatalf("outbox after a conflict and a duplicate: %v, want only entry 2", got)
	}
}

func testOutboxClaimKeepsOrderAndLease(t *testing.T, s bot.Store) {
	past, future := time.Now().Add(-time.Minute), time.Now().Add(time.Hour)
	// Saved out of order: the ids give the order.
	save(t, s, bot.Save{User: alice, Version: 0, AnyVersion: true, Outbox: []bot.Outbound{entry(alice, 3, past), entry(alice, 1, past)}})
	save(t, s, bot.Save{User: alice, Version: 0, AnyVersion: true, Outbox: []bot.Outbound{entry(alice, 2, past)}})
	// Bob's first entry is still with its sender: none of his may go.
	save(t, s, bot.Save{User: bob, Version: 0, AnyVersion: true, Outbox: []bot.Outbound{entry(bob, 1, future), entry(bob, 2, past)}})
	got := claimAll(t, s)
	want := []string{entry(alice, 1, past).ID, entry(alice, 2, past).ID, entry(alice, 3, past).ID}
	if !reflect.DeepEqual(got[alice], want) {
		t.Errorf("alice's claimed entries = %v, want %v", got[alice], want)
	}
	if len(got[bob]) != 0 {
		t.Errorf("bob's entries claimed behind a live lease: %v", got[bob])
	}
	// Claimed entries are leased: a second claim finds nothing.
	if again := claimAll(t, s); len(again) != 0 {
		t.Errorf("second claim got %v, want nothing", again)
	}
	// The limit is kept.
	const carol bot.UserID = "slack:T1:U3"
	save(t, s, bot.Save{User: carol, Version: 0, AnyVersion: true, Outbox: []bot.Outbound{entry(carol, 4, past), entry(carol, 5, past)}})
	one, err := s.ClaimOutbox(ctx(t), time.Hour, 1)
	if err != nil || len(one) != 1 {
		t.Fatalf("claim with limit 1: %d entries, %v", len(one), err)
	}
}

func testOutboxAckRemoves(t *testing.T, s bot.Store) {
	past := time.Now().Add(-time.Minute)
	save(t, s, bot.Save{User: alice, Version: 0, State: sample(), Outbox: []bot.Outbound{entry(alice, 1, past), entry(alice, 2, past)}})
	if err := s.AckOutbox(ctx(t), alice, entry(alice, 1, past).ID, "no-such-id"); err != nil {
		t.Fatalf("AckOutbox: %v", err)
	}
	if got := claimAll(t, s); !reflect.DeepEqual(got[alice], []string{entry(alice, 2, past).ID}) {
		t.Fatalf("after acking entry 1: %v, want entry 2 alone", got)
	}
	if err := s.AckOutbox(ctx(t), alice, entry(alice, 2, past).ID); err != nil {
		t.Fatal(err)
	}
	if err := s.AckOutbox(ctx(t), bob); err != nil {
		t.Fatalf("AckOutbox with no ids: %v", err)
	}
	// Nothing left even once every lease has run out.
	got, err := s.ClaimOutbox(ctx(t), 0, 100)
	if err != nil || len(got) != 0 {
		t.Fatalf("outbox after acking everything: %d entries, %v", len(got), err)
	}
}

func testOutboxGoneAfterDelete(t *testing.T, s bot.Store) {
	past := time.Now().Add(-time.Minute)
	save(t, s, bot.Save{User: alice, Version: 0, State: sample(), Outbox: []bot.Outbound{entry(alice, 1, past)}})
	if err := s.DeleteUser(ctx(t), alice); err != nil {
		t.Fatal(err)
	}
	if got := claimAll(t, s); len(got) != 0 {
		t.Fatalf("outbox after DeleteUser: %v", got)
	}
}

func testSaveDeleteThenOwes(t *testing.T, s bot.Store) {
	past := time.Now().Add(-time.Minute)
	save(t, s, bot.Save{User: alice, Version: 0, State: sample(), History: []bot.Record{record("daily-checkin", 1)},
		Flags: []bot.Flag{flag(alice, 1)}, Outbox: []bot.Outbound{entry(alice, 1, past)}})
	done := entry(alice, 2, past)
	save(t, s, bot.Save{User: alice, Version: 1, EventID: "delete", Delete: true, Outbox: []bot.Outbound{done}})
	st := load(t, s, alice, "delete")
	if st.Exists() || st.Session != nil || len(st.Goals) != 0 {
		t.Errorf("state after a deleting save: %+v", st)
	}
	if st.Seen {
		t.Error("the deleting save left its event's mark: nothing of the user may stay")
	}
	if h := history(t, s, alice, "", 0); len(h) != 0 {
		t.Errorf("history after a deleting save: %d records", len(h))
	}
	if f := flags(t, s, alice); len(f) != 0 {
		t.Errorf("flags after a deleting save: %d", len(f))
	}
	if got := claimAll(t, s); !reflect.DeepEqual(got[alice], []string{done.ID}) {
		t.Errorf("outbox after a deleting save: %v, want only the reply it owes", got)
	}
}

func testAnyVersionAppends(t *testing.T, s bot.Store) {
	save(t, s, bot.Save{User: alice, Version: 0, State: sample()})
	save(t, s, bot.Save{User: alice, Version: 1, State: sample()})
	// Version 0 is stale, but a flag kept through an outage must land.
	save(t, s, bot.Save{User: alice, Version: 0, AnyVersion: true, Flags: []bot.Flag{flag(alice, 1)}})
	if f := flags(t, s, alice); len(f) != 1 {
		t.Fatalf("flags after an any-version save: %d, want 1", len(f))
	}
	if st := load(t, s, alice, ""); st.Version != 2 {
		t.Errorf("version after an append-only save: %d, want 2 (unchanged)", st.Version)
	}
	// A user with nothing stored.
	save(t, s, bot.Save{User: bob, Version: 0, AnyVersion: true, Flags: []bot.Flag{flag(bob, 1)}})
	if f := flags(t, s, bob); len(f) != 1 {
		t.Fatalf("bob's flags: %d, want 1", len(f))
	}
}

func testOutboxClaimOneUser(t *testing.T, s bot.Store) {
	past, future := time.Now().Add(-time.Minute), time.Now().Add(time.Hour)
	save(t, s, bot.Save{User: alice, Version: 0, AnyVersion: true, Outbox: []bot.Outbound{entry(alice, 2, past), entry(alice, 1, past)}})
	save(t, s, bot.Save{User: bob, Version: 0, AnyVersion: true, Outbox: []bot.Outbound{entry(bob, 1, past)}})
	got, err := s.ClaimUserOutbox(ctx(t), alice, time.Hour)
	if err != nil {
		t.Fatalf("ClaimUserOutbox: %v", err)
	}
	var ids []string
	for _, o := range got {
		if o.Owner != alice {
			t.Errorf("claimed %s's entry for alice", o.Owner)
		}
		ids = append(ids, o.ID)
	}
	if want := []string{entry(alice, 1, past).ID, entry(alice, 2, past).ID}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("alice's claim = %v, want %v", ids, want)
	}
	if again, err := s.ClaimUserOutbox(ctx(t), alice, time.Hour); err != nil || len(again) != 0 {
		t.Fatalf("second claim of alice's outbox: %d entries, %v", len(again), err)
	}
	// Bob's entry is untouched, and a user with a live lease or nothing
	// gives nothing.
	if got := claimAll(t, s); len(got[bob]) != 1 || len(got[alice]) != 0 {
		t.Fatalf("after claiming alice's: %v, want bob's one entry", got)
	}
	save(t, s, bot.Save{User: "slack:T1:U9", Version: 0, AnyVersion: true, Outbox: []bot.Outbound{entry("slack:T1:U9", 1, future)}})
	for _, u := range []bot.UserID{"slack:T1:U9", "slack:T1:nobody"} {
		if got, err := s.ClaimUserOutbox(ctx(t), u, time.Hour); err != nil || len(got) != 0 {
			t.Errorf("claim of %s: %d entries, %v; want none", u, len(got), err)
		}
	}
}

// testOutboxTimer: a timer entry (Outbound.Timer) is claimed only once its
// lease, its due time, has passed, keeps its Timer through the store, and
// with an id that sorts at its due time holds back no entry written before
// it is due.
func testOutboxTimer(t *testing.T, s bot.Store) {
	now := time.Now()
	past, due := now.Add(-time.Minute), now.Add(10*time.Minute)
	timer := bot.Outbound{
		ID: fmt.Sprintf("%016x.%08x", due.UnixNano(), 9), Owner: alice, Platform: "slack",
		Reply: bot.Reply{User: alice}, Created: now, LeaseUntil: due, Timer: "safety:k3x9",
	}
	// A reply written after the timer, and due to go out before it.
	later := entry(alice, 1, past)
	later.ID = fmt.Sprintf("%016x.%08x", now.UnixNano(), 10)
	save(t, s, bot.Save{User: alice, Version: 0, State: sample(), Outbox: []bot.Outbound{timer}})
	save(t, s, bot.Save{User: alice, AnyVersion: true, Outbox: []bot.Outbound{later}})
	if got := claimAll(t, s); !reflect.DeepEqual(got[alice], []string{later.ID}) {
		t.Fatalf("claimed %v before the timer is due, want only the reply %s", got, later.ID)
	}
	if err := s.AckOutbox(ctx(t), alice, later.ID); err != nil {
		t.Fatal(err)
	}
	// Only a store's clock can make the timer due; a store on the wall
	// clock claims it when a lease in the past is written.
	timer.LeaseUntil = past
	save(t, s, bot.Save{User: alice, AnyVersion: true, Outbox: []bot.Outbound{timer}})
	got, err := s.ClaimOutbox(ctx(t), time.Hour, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != timer.ID || got[0].Timer != "safety:k3x9" {
		t.Fatalf("claimed %+v, want the timer with its Timer", got)
	}
}
