package flows

import (
	"strings"
	"time"

	"github.com/olebedev/when"
	"github.com/olebedev/when/rules/common"
	"github.com/olebedev/when/rules/en"
)

// dateParser reads the usual ways of saying a day ("tomorrow", "Friday",
// "Dec 12", "in 5 days"), with olebedev/when's English and common rules.
var dateParser = func() *when.Parser {
	w := when.New(nil)
	w.Add(en.All...)
	w.Add(common.All...)
	return w
}()

// maxDateAhead bounds a date answer: a goal's first step is near.
const maxDateAhead = 366 * 24 * time.Hour

// ParseAt is Parse with the moment a date answer is relative to, in the
// person's zone: "tomorrow" is the day after now's date. Other kinds do
// not depend on it.
func (s *Step) ParseAt(input string, now time.Time) (any, error) {
	if s.Kind != Date {
		return s.Parse(input)
	}
	return parseDate(strings.TrimSpace(input), now)
}

// parseDate reads a day and returns it as YYYY-MM-DD in now's location.
func parseDate(in string, now time.Time) (any, error) {
	unclear := &AnswerError{Expected: `I couldn't tell which day that is. Try "Friday", "this weekend", "in 5 days" or "Dec 12", or pick a button.`}
	t := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(in)), "by ")))
	t = strings.TrimRight(t, ".!? ")
	if t == "" {
		return nil, unclear
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	var day time.Time
	switch t {
	case "today", "tonight":
		day = today
	case "this weekend", "weekend", "the weekend", "at the weekend", "on the weekend":
		day = today.AddDate(0, 0, (int(time.Saturday)-int(today.Weekday())+7)%7)
	case "next week":
		day = today.AddDate(0, 0, (int(time.Monday)-int(today.Weekday())+7)%7)
		if day.Equal(today) {
			day = day.AddDate(0, 0, 7)
		}
	default:
		if d, err := time.ParseInLocation(time.DateOnly, t, now.Location()); err == nil {
			day = d
			break
		}
		r, err := dateParser.Parse(t, now)
		if err != nil || r == nil {
			return nil, unclear
		}
		at := r.Time.In(now.Location())
		day = time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, now.Location())
	}
	switch {
	case day.Before(today):
		return nil, &AnswerError{Expected: "That day has already passed — which day from today on?"}
	case day.Sub(today) > maxDateAhead:
		return nil, &AnswerError{Expected: "That's more than a year away — which day within the next year?"}
	}
	return day.Format(time.DateOnly), nil
}
