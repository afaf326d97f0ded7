package bot_test

import (
	"testing"
	"time"

	"github.com/peerbot/peerbot/bot"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("zone %s: %v", name, err)
	}
	return loc
}

// local is a wall time in loc, for expectations (never inside a DST
// change, where time.Date is unspecified).
func local(t *testing.T, loc *time.Location, s string) time.Time {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func TestTimingNextAcrossDST(t *testing.T) {
	tests := []struct {
		name, zone, spec string
		after            string   // local wall time
		want             []string // the next fire times, as local wall time with the UTC offset
	}{
		{"LA spring forward: 02:30 does not exist, fires at 03:00", "America/Los_Angeles", "30 2 * * *",
			"2027-03-13 12:00", []string{"2027-03-14 03:00 -0700", "2027-03-15 02:30 -0700"}},
		{"LA fall back: 01:30 happens twice, fires once, at the first", "America/Los_Angeles", "30 1 * * *",
			"2027-11-06 12:00", []string{"2027-11-07 01:30 -0700", "2027-11-08 01:30 -0800"}},
		{"LA ordinary 09:00 across both changes", "America/Los_Angeles", "0 9 * * *",
			"2027-03-13 10:00", []string{"2027-03-14 09:00 -0700", "2027-03-15 09:00 -0700"}},
		{"London spring forward: 01:30 fires at 02:00 BST", "Europe/London", "30 1 * * *",
			"2027-03-27 12:00", []string{"2027-03-28 02:00 +0100", "2027-03-29 01:30 +0100"}},
		{"London fall back: 01:30 once", "Europe/London", "30 1 * * *",
			"2027-10-30 12:00", []string{"2027-10-31 01:30 +0100", "2027-11-01 01:30 +0000"}},
		{"Lord Howe spring forward by 30 minutes: 02:15 fires at 02:30", "Australia/Lord_Howe", "15 2 * * *",
			"2027-10-02 12:00", []string{"2027-10-03 02:30 +1100", "2027-10-04 02:15 +1100"}},
		{"Lord Howe fall back by 30 minutes: 01:45 once", "Australia/Lord_Howe", "45 1 * * *",
			"2027-04-03 12:00", []string{"2027-04-04 01:45 +1100", "2027-04-05 01:45 +1030"}},
		{"Kolkata has no DST", "Asia/Kolkata", "30 2 * * *",
			"2027-03-13 12:00", []string{"2027-03-14 02:30 +0530", "2027-03-15 02:30 +0530"}},
		{"weekdays only", "Europe/London", "0 9 * * mon-fri",
			"2027-03-26 10:00", []string{"2027-03-29 09:00 +0100", "2027-03-30 09:00 +0100"}},
		{"CRON_TZ wins over the person's zone", "America/Los_Angeles", "CRON_TZ=Asia/Kolkata 0 9 * * *",
			"2027-03-13 12:00", []string{"2027-03-14 09:00 +0530", "2027-03-15 09:00 +0530"}},
		{"six fields", "Asia/Kolkata", "0 0 20 * * *",
			"2027-03-13 12:00", []string{"2027-03-13 20:00 +0530", "2027-03-14 20:00 +0530"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := zone(t, tc.zone)
			tm, err := bot.ParseTiming(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			at := local(t, loc, tc.after)
			for i, want := range tc.want {
				at = tm.Next(at, loc)
				got := at.In(tm.Zone(loc)).Format("2006-01-02 15:04 -0700")
				if got != want {
					t.Fatalf("fire %d = %s, want %s", i+1, got, want)
				}
			}
		})
	}
}

func TestTimingAtAndOn(t *testing.T) {
	loc := zone(t, "America/Los_Angeles")
	tm, err := bot.ParseTiming("0 9 * * *")
	if err != nil {
		t.Fatal(err)
	}
	days, err := bot.ParseDays("mon-fri")
	if err != nil {
		t.Fatal(err)
	}
	// Friday evening: with time 20:30 on weekdays, the next two are Friday
	// 20:30 and Monday 20:30.
	mine := tm.At(20, 30).On(days)
	at := local(t, loc, "2027-03-12 18:00")
	var got []string
	for range 2 {
		at = mine.Next(at, loc)
		got = append(got, at.In(loc).Format("Mon 2006-01-02 15:04"))
	}
	if got[0] != "Fri 2027-03-12 20:30" || got[1] != "Mon 2027-03-15 20:30" {
		t.Fatalf("time 20:30, days mon-fri: %v", got)
	}
	// A person who moves zone mid-week: the same timing read in the new
	// zone.
	tokyo := zone(t, "Asia/Tokyo")
	next := tm.Next(local(t, loc, "2027-03-10 10:00"), tokyo)
	if s := next.In(tokyo).Format("2006-01-02 15:04"); s != "2027-03-11 09:00" {
		t.Fatalf("after moving to Tokyo: %s, want 2027-03-11 09:00 Tokyo time", s)
	}
}

func TestParseTimingRefusesBadSpecs(t *testing.T) {
	for _, spec := range []string{"", "61 9 * * *", "CRON_TZ=UTC", "CRON_TZ=Nowhere/City 0 9 * * *", "@every 1h", "* * *"} {
		if _, err := bot.ParseTiming(spec); bot.ErrorCode(err) != bot.EINVALID {
			t.Errorf("ParseTiming(%q) = %v, want an invalid-input error", spec, err)
		}
	}
}

func TestParseClockAndDays(t *testing.T) {
	clocks := []struct {
		in   string
		h, m int
		bad  bool
	}{
		{"20:30", 20, 30, false}, {"8:05", 8, 5, false}, {"8pm", 20, 0, false}, {"8:30 pm", 20, 30, false},
		{"12am", 0, 0, false}, {"12pm", 12, 0, false}, {"0830", 8, 30, false},
		{"25:00", 0, 0, true}, {"13pm", 0, 0, true}, {"noonish", 0, 0, true}, {"9:60", 0, 0, true},
	}
	for _, c := range clocks {
		h, m, err := bot.ParseClock(c.in)
		if c.bad != (err != nil) || !c.bad && (h != c.h || m != c.m) {
			t.Errorf("ParseClock(%q) = %d:%d, %v", c.in, h, m, err)
		}
	}
	days := []struct {
		in   string
		want uint64
		bad  bool
	}{
		{"mon-fri", 0x3e, false}, {"weekdays", 0x3e, false}, {"sat, sun", 0x41, false}, {"weekends", 0x41, false},
		{"fri-mon", 0x63, false}, {"every day", 0x7f, false}, {"Monday Wednesday", 0x0a, false},
		{"funday", 0, true}, {"", 0, true}, {"mo", 0, true},
	}
	for _, d := range days {
		got, err := bot.ParseDays(d.in)
		if d.bad != (err != nil) || got != d.want {
			t.Errorf("ParseDays(%q) = %#x, %v; want %#x", d.in, got, err, d.want)
		}
	}
}

func TestQuietHours(t *testing.T) {
	loc := zone(t, "Europe/London")
	night := bot.QuietHours{From: 22 * 60, To: 7 * 60}
	tests := []struct {
		name, at, want string // want "" means skipped today
	}{
		{"outside", "2027-05-10 09:00", "2027-05-10 09:00"},
		{"early morning waits for the end", "2027-05-10 06:15", "2027-05-10 07:00"},
		{"late evening is skipped: the end is tomorrow", "2027-05-10 23:00", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := night.Defer(local(t, loc, tc.at), loc)
			s := ""
			if !got.IsZero() {
				s = got.In(loc).Format("2006-01-02 15:04")
			}
			if s != tc.want {
				t.Fatalf("Defer(%s) = %q, want %q", tc.at, s, tc.want)
			}
		})
	}
	day := bot.QuietHours{From: 12 * 60, To: 13 * 60}
	if got := day.Defer(local(t, loc, "2027-05-10 12:30"), loc).In(loc).Format("15:04"); got != "13:00" {
		t.Fatalf("a lunchtime window: %s", got)
	}
}
