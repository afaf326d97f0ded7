package main

import (
	"strings"
	"testing"
)

// `peerbot schedule --user … --at …` answers as an admin checking a DST
// weekend before it comes: 02:30 does not exist in Los Angeles on
// 2027-03-14, so the check-in comes at 03:00.
func TestScheduleCommandAcrossDST(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	data := t.TempDir()
	r := e.run(t, "yes\nnot today\ntimezone America/Los_Angeles\ntime 02:30\n", "chat", "--data", data)
	mustExit(t, r, 0)
	mustContain(t, "chat", r.stdout, "Done — your daily check-in will come at 02:30, your time (America/Los_Angeles).")

	r = e.run(t, "", "schedule", "--data", data, "--user", "console:local:"+testUser, "--at", "2027-03-13T12:00:00-08:00")
	mustExit(t, r, 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[1], "Sun 2027-03-14 03:00 PDT") || !strings.Contains(lines[1], "2027-03-14 10:00") ||
		!strings.Contains(lines[1], "daily-checkin") {
		t.Fatalf("peerbot schedule:\n%s", r.stdout)
	}

	// Without --user: the people who come first.
	r = e.run(t, "", "schedule", "--data", data)
	mustExit(t, r, 0)
	mustContain(t, "schedule", r.stdout, "console:local:"+testUser, "daily-checkin", "America/Los_Angeles")

	r = e.run(t, "", "schedule", "--data", data, "--at", "tomorrow")
	mustExit(t, r, 2)
	mustContain(t, "bad --at", r.stderr, "is not an RFC 3339 time")
}
