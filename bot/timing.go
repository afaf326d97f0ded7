package bot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Timing is when a scheduled flow fires for one person: a cron spec read on
// the person's wall clock, in their own time zone (or the zone the spec
// names with CRON_TZ=), with their own choices of time and days.
//
// The spec is evaluated on wall-clock time, where there is no daylight
// saving, and only the result is turned into an instant, by ISC cron's rule
// (robfig/cron skips a job in a spring-forward gap and runs one in a
// repeated hour twice): a wall time that does not exist that day fires at
// the first instant after the change (02:30 → 03:00 in America/Los_Angeles
// on 2027-03-14), and one that happens twice fires at its first occurrence.
// So a timing fires at most once per wall time, and so once per local date
// for a daily spec.
type Timing struct {
	spec *cron.SpecSchedule // Location UTC: evaluated on wall-clock time
	zone *time.Location     // the spec's CRON_TZ; nil: the person's zone
}

// cronParser accepts what flows accept: 5 fields, 6 with seconds,
// descriptors (@daily) and a CRON_TZ= prefix.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseTiming parses a cron spec. A bad spec is an EINVALID error, never a
// panic (robfig/cron panics on some inputs).
func ParseTiming(spec string) (t *Timing, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, Errorf(EINVALID, "The schedule %q is not valid: a time zone must be followed by a schedule.", spec)
		}
	}()
	s, err := cronParser.Parse(spec)
	if err != nil {
		return nil, &Error{Code: EINVALID, Message: fmt.Sprintf("The schedule %q is not valid.", spec), Err: err}
	}
	ss, ok := s.(*cron.SpecSchedule)
	if !ok {
		// @every: a fixed interval has no wall-clock meaning.
		return nil, Errorf(EINVALID, "The schedule %q is an interval; use a time of day, e.g. \"0 9 * * *\".", spec)
	}
	t = &Timing{spec: ss}
	if strings.HasPrefix(strings.TrimSpace(spec), "CRON_TZ=") || strings.HasPrefix(strings.TrimSpace(spec), "TZ=") {
		t.zone = ss.Location
	}
	cp := *ss
	cp.Location = time.UTC
	t.spec = &cp
	return t, nil
}

// Zone returns the zone the timing is read in for a person whose own zone
// is loc: the spec's CRON_TZ when it names one.
func (t *Timing) Zone(loc *time.Location) *time.Location {
	if t.zone != nil {
		return t.zone
	}
	return loc
}

// starBit is robfig/cron's mark of a field given as "*": for days, a star
// in one of day-of-month and day-of-week lets the other decide.
const starBit = 1 << 63

// At returns the timing moved to hour:minute on the days it fires.
func (t *Timing) At(hour, minute int) *Timing {
	cp := *t.spec
	cp.Second, cp.Minute, cp.Hour = 1, 1<<uint(minute), 1<<uint(hour)
	return &Timing{spec: &cp, zone: t.zone}
}

// On returns the timing firing on the given weekdays only (a set of
// time.Weekday bits, see ParseDays), whatever days the spec named.
func (t *Timing) On(days uint64) *Timing {
	cp := *t.spec
	cp.Dow = days
	cp.Dom = starBit | 0xfffffffe // every day of the month, as "*"
	return &Timing{spec: &cp, zone: t.zone}
}

// Next returns the first instant strictly after after at which the timing
// fires for a person in loc.
func (t *Timing) Next(after time.Time, loc *time.Location) time.Time {
	zone := t.Zone(loc)
	wall := wallClock(after.In(zone))
	for range 1000 { // a spec that never fires (Feb 30) ends the loop
		wall = t.spec.Next(wall)
		if wall.IsZero() {
			return time.Time{}
		}
		if at := Instant(wall, zone); at.After(after) {
			return at
		}
	}
	return time.Time{}
}

// wallClock is t's local date and time of day, as the same numbers in UTC.
func wallClock(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// Instant turns a wall-clock time (its numbers, read in UTC) into the
// instant it names in loc: in a spring-forward gap, the first instant after
// the change; in a repeated hour, the first occurrence. time.Date leaves
// both cases unspecified, so each candidate offset is tried.
func Instant(wall time.Time, loc *time.Location) time.Time {
	var best time.Time
	for _, probe := range []time.Duration{-36 * time.Hour, 36 * time.Hour} {
		_, offset := wall.Add(probe).In(loc).Zone()
		at := wall.Add(-time.Duration(offset) * time.Second).In(loc)
		if wallClock(at).Equal(wall) && (best.IsZero() || at.Before(best)) {
			best = at
		}
	}
	if !best.IsZero() {
		return best
	}
	// In a gap: the zone period that starts after the gap begins at the
	// change itself.
	_, before := wall.Add(-36 * time.Hour).In(loc).Zone()
	past := wall.Add(-time.Duration(before) * time.Second).In(loc)
	start, _ := past.ZoneBounds()
	return start
}

// ParseClock reads a time of day: "20:30", "8:30", "8pm", "8:30 pm",
// "0830". It returns hour and minute.
func ParseClock(s string) (hour, minute int, err error) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	pm, am := strings.HasSuffix(s, "pm"), strings.HasSuffix(s, "am")
	s = strings.TrimSuffix(strings.TrimSuffix(s, "pm"), "am")
	h, m, found := strings.Cut(s, ":")
	if !found && len(s) == 4 {
		h, m = s[:2], s[2:]
	}
	if m == "" {
		m = "0"
	}
	hour, err1 := strconv.Atoi(h)
	minute, err2 := strconv.Atoi(m)
	if err := errors.Join(err1, err2); err != nil || minute < 0 || minute > 59 || hour < 0 || hour > 23 ||
		(am || pm) && (hour < 1 || hour > 12) {
		return 0, 0, Errorf(EINVALID, "%q is not a time of day: use 24-hour time like 20:30, or 8:30pm.", s)
	}
	switch {
	case pm && hour != 12:
		hour += 12
	case am && hour == 12:
		hour = 0
	}
	return hour, minute, nil
}

// dayNames are the weekday words ParseDays knows, by their first three
// letters.
var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseDays reads a set of weekdays: "mon-fri", "mon,wed,fri", "weekdays",
// "weekends", "every day", "sat sun". It returns one bit per time.Weekday.
func ParseDays(s string) (uint64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "every day", "everyday", "daily", "all", "*":
		return 0x7f, nil
	case "weekdays", "week days":
		return 0x3e, nil
	case "weekends", "weekend":
		return 1<<time.Saturday | 1<<time.Sunday, nil
	}
	day := func(w string) (time.Weekday, bool) {
		if len(w) < 3 {
			return 0, false
		}
		d, ok := dayNames[w[:3]]
		return d, ok
	}
	var bits uint64
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		from, to, isRange := strings.Cut(part, "-")
		a, okA := day(from)
		b, okB := a, okA
		if isRange {
			b, okB = day(to)
		}
		if !okA || !okB {
			return 0, Errorf(EINVALID, "%q is not a day: use mon, tue, wed, thu, fri, sat or sun, a range like mon-fri, or \"weekdays\".", part)
		}
		for d := a; ; d = (d + 1) % 7 {
			bits |= 1 << d
			if d == b {
				break
			}
		}
	}
	if bits == 0 {
		return 0, Errorf(EINVALID, "Which days? For example \"days mon-fri\" or \"days every day\".")
	}
	return bits, nil
}

// QuietHours is a daily window, in local wall time, in which nothing
// scheduled is sent. From and To are minutes after midnight; a window may
// wrap past midnight (22:00–07:00). From == To means none.
type QuietHours struct{ From, To int }

// ParseQuietHours reads a window "22:00-07:00" (times as ParseClock
// reads them); "" or "none" is no window.
func ParseQuietHours(s string) (QuietHours, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "none") || strings.EqualFold(s, "off") {
		return QuietHours{}, nil
	}
	from, to, ok := strings.Cut(s, "-")
	fh, fm, err1 := ParseClock(from)
	th, tm, err2 := ParseClock(to)
	if !ok || err1 != nil || err2 != nil {
		return QuietHours{}, Errorf(EINVALID, "%q is not a window of quiet hours: use a start and an end, like 22:00-07:00.", s)
	}
	return QuietHours{From: fh*60 + fm, To: th*60 + tm}, nil
}

// String writes the window as ParseQuietHours reads it.
func (q QuietHours) String() string {
	if q.From == q.To {
		return "none"
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", q.From/60, q.From%60, q.To/60, q.To%60)
}

// Defer returns when a prompt due at at may go out for a person in loc: at
// itself outside the window, else the window's end if that is still the
// same local date, else the zero time (today's prompt is skipped).
func (q QuietHours) Defer(at time.Time, loc *time.Location) time.Time {
	if q.From == q.To {
		return at
	}
	local := at.In(loc)
	min := local.Hour()*60 + local.Minute()
	inside := q.From < q.To && min >= q.From && min < q.To ||
		q.From > q.To && (min >= q.From || min < q.To)
	if !inside {
		return at
	}
	if q.From > q.To && min >= q.From {
		return time.Time{} // the window ends tomorrow
	}
	y, m, d := local.Date()
	return Instant(time.Date(y, m, d, q.To/60, q.To%60, 0, 0, time.UTC), loc)
}
