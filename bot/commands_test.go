package bot

import (
	"strings"
	"testing"
	"time"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		name, in string
		wantCmd  bool
		wantName string
		wantArg  string
	}{
		{"plain", "help", true, cmdHelp, ""},
		{"upper case", "HELP", true, cmdHelp, ""},
		{"slash", "/checkin", true, cmdCheckin, ""},
		{"bang", "!Resources", true, cmdResources, ""},
		{"two words", "check in", true, cmdCheckin, ""},
		{"my data", "My Data", true, cmdMyData, ""},
		{"delete my data", "delete my data", true, cmdDelete, ""},
		{"delete my data with slash and dot", "/Delete my data.", true, cmdDelete, ""},
		{"start with flow", "start goal-setting", true, cmdStart, "goal-setting"},
		{"timezone keeps case", "timezone Europe/London", true, cmdTimezone, "Europe/London"},
		{"pause for", "pause for 3 days", true, cmdPause, "for 3 days"},
		{"extra spaces", "  pause   until  2026-12-01 ", true, cmdPause, "until 2026-12-01"},
		{"unknown slash", "/frobnicate", true, cmdUnknown, ""},
		{"lone slash", "/", true, cmdUnknown, ""},
		{"sentence starting with stop is an answer", "stop worrying so much", false, "", ""},
		{"sentence starting with help is an answer", "help from my sister", false, "", ""},
		{"number", "4", false, "", ""},
		{"yes", "yes", false, "", ""},
		{"empty", "", false, "", ""},
		{"emoji", "🙂", false, "", ""},
		{"bye", "Bye!", true, cmdBye, ""},
		{"quit", "quit", true, cmdBye, ""},
		{"exit with slash", "/exit", true, cmdBye, ""},
		{"goodbye", "goodbye", true, cmdBye, ""},
		{"a sentence starting with bye is an answer", "bye to old habits", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := parseCommand(tt.in)
			if ok != tt.wantCmd || c.name != tt.wantName || c.arg != tt.wantArg {
				t.Errorf("parseCommand(%q) = %q %q %v, want %q %q %v", tt.in, c.name, c.arg, ok, tt.wantName, tt.wantArg, tt.wantCmd)
			}
		})
	}
}

func TestParsePause(t *testing.T) {
	now := time.Date(2026, 11, 22, 15, 30, 0, 0, time.UTC)
	tests := []struct {
		name, arg string
		want      time.Time
		wantErr   string
	}{
		{"no end", "", pauseForever, ""},
		{"for days", "for 3 days", time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), ""},
		{"days without for", "1 day", time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), ""},
		{"weeks", "for 2 weeks", time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), ""},
		{"until date", "until 2026-12-24", time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC), ""},
		{"date in the past", "until 2026-11-01", time.Time{}, "already passed"},
		{"today", "until 2026-11-22", time.Time{}, "already passed"},
		{"words", "for two days", time.Time{}, "didn't understand"},
		{"zero days", "for 0 days", time.Time{}, "didn't understand"},
		{"a year", "for 365 days", time.Date(2027, 11, 23, 0, 0, 0, 0, time.UTC), ""},
		{"too long", "for 400 days", time.Time{}, "up to 365 days"},
		{"too many weeks", "for 60 weeks", time.Time{}, "up to 365 days"},
		{"a huge number of weeks", "for 999999999999 weeks", time.Time{}, "up to 365 days"},
		{"date too far", "until 2027-12-01", time.Time{}, "up to 365 days"},
		{"bad date", "until christmas", time.Time{}, "didn't understand"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePause(tt.arg, now)
			if tt.wantErr != "" {
				// The sentence a person reads: no code in it.
				msg := ErrorMessage(err)
				if err == nil || !strings.Contains(msg, tt.wantErr) || strings.Contains(msg, EINVALID) {
					t.Fatalf("parsePause(%q) error = %v, want a sentence with %q", tt.arg, err, tt.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) {
				t.Fatalf("parsePause(%q) = %v, %v; want %v", tt.arg, got, err, tt.want)
			}
		})
	}
}

func TestStreak(t *testing.T) {
	now := time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		last     string
		days     int
		wantDays int
	}{
		{"first ever", "", 0, 1},
		{"again today", "2026-11-22", 3, 3},
		{"yesterday", "2026-11-21", 3, 4},
		{"one missed day is forgiven", "2026-11-20", 3, 4},
		{"two missed days start again", "2026-11-19", 3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &turn{now: now, loc: time.UTC, st: &State{Streak: Streak{Days: tt.days, LastDay: tt.last, Best: tt.days}}}
			tr.bumpStreak()
			if tr.st.Streak.Days != tt.wantDays || tr.st.Streak.LastDay != "2026-11-22" {
				t.Fatalf("streak %+v, want %d days", tr.st.Streak, tt.wantDays)
			}
			if tr.st.Streak.Best < tr.st.Streak.Days {
				t.Fatalf("best %d below current %d", tr.st.Streak.Best, tr.st.Streak.Days)
			}
		})
	}
}

func TestStreakUsesLocalDay(t *testing.T) {
	// 02:00 UTC on the 23rd is still the evening of the 22nd in Chicago.
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	tr := &turn{now: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC), loc: loc, st: &State{Streak: Streak{Days: 1, LastDay: "2026-11-22"}}}
	tr.bumpStreak()
	if tr.st.Streak.Days != 1 || tr.st.Streak.LastDay != "2026-11-22" {
		t.Fatalf("streak %+v: a second check-in on the same local day counted again", tr.st.Streak)
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"trims", "  hi  ", "hi"},
		{"drops control characters", "a\x00b\x07c\x7fd", "abcd"},
		{"keeps new lines and tabs inside", "a\nb\tc", "a\nb\tc"},
		{"keeps emoji and RTL", "🙂 مرحبا", "🙂 مرحبا"},
		{"caps length", strings.Repeat("x", maxMessageRunes+50), strings.Repeat("x", maxMessageRunes)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cleanText(tt.in); got != tt.want {
				t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
