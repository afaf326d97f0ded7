package flows

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// AnswerError is an answer that does not fit the step. Its Error is a short,
// specific sentence to send back so the person knows how to answer, never
// silence or a generic "invalid input".
type AnswerError struct {
	// Expected is the re-ask sentence, e.g. "Please answer yes or no."
	Expected string
}

// Error returns the re-ask sentence.
func (e *AnswerError) Error() string { return e.Expected }

// Parse validates a typed answer or a button value and returns it as the
// step kind's Go type: int for scale, string for choice (the choice as
// written in the YAML) and text, bool for yesno, float64 for number. A
// wrong answer gives an *AnswerError. "skip" and "not today" are the
// engine's business and are not handled here.
func (s *Step) Parse(input string) (any, error) {
	switch s.Kind {
	case Scale:
		return s.parseScale(strings.TrimSpace(input))
	case Number:
		return s.parseNumber(strings.TrimSpace(input))
	case Choice:
		return s.parseChoice(strings.TrimSpace(input))
	case YesNo:
		return s.parseYesNo(strings.TrimSpace(input))
	case Text:
		return s.parseText(input)
	case Date:
		return parseDate(strings.TrimSpace(input), time.Now())
	}
	return nil, fmt.Errorf("flows: step %q has no answer kind", s.ID)
}

// normalize reduces an answer or label to lower-case letters and digits, so
// that "ok-ish", "Ok ish" and "OKISH" all match the label "Ok-ish".
func normalize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// matchLabel finds the key whose label matches in exactly, or failing that
// the only one it is a prefix of ("most" for "Most of the time"). Prefixes
// need two characters so that a stray letter is not taken as an answer.
func matchLabel[K comparable](in string, labels map[K]string) (K, bool) {
	var zero K
	n := normalize(in)
	if n == "" {
		return zero, false
	}
	for k, l := range labels {
		if normalize(l) == n {
			return k, true
		}
	}
	if utf8.RuneCountInString(n) < 2 {
		return zero, false
	}
	found, count := zero, 0
	for k, l := range labels {
		if strings.HasPrefix(normalize(l), n) {
			found, count = k, count+1
		}
	}
	return found, count == 1
}

var (
	// "4 — Good", "4 - good", "4: Good", "4) Good": a button label typed
	// back or pasted.
	scaleLabelRE = regexp.MustCompile(`^([+-]?\d+)\s*[—–\-:.)]\s*(.*)$`)
	// "4/5", "4 out of 5", "4 of 5".
	scaleOutOfRE = regexp.MustCompile(`^(?i)([+-]?\d+)\s*(?:/|out of|of)\s*(\d+)$`)
)

func (s *Step) scaleError() error {
	return &AnswerError{Expected: fmt.Sprintf("Please answer with a number from %d to %d, or pick one of the options.", int(s.Min), int(s.Max))}
}

func (s *Step) parseScale(in string) (any, error) {
	if in == "" {
		return nil, s.scaleError()
	}
	inRange := func(v int) (any, error) {
		if float64(v) < s.Min || float64(v) > s.Max {
			return nil, s.scaleError()
		}
		return v, nil
	}
	if v, err := strconv.Atoi(in); err == nil {
		return inRange(v)
	}
	if f, err := strconv.ParseFloat(in, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1e9 {
		return inRange(int(f))
	}
	if m := scaleOutOfRE.FindStringSubmatch(in); m != nil {
		v, _ := strconv.Atoi(m[1])
		if d, _ := strconv.Atoi(m[2]); float64(d) == s.Max {
			return inRange(v)
		}
		return nil, s.scaleError()
	}
	if m := scaleLabelRE.FindStringSubmatch(in); m != nil {
		v, err := strconv.Atoi(m[1])
		if err != nil {
			return nil, s.scaleError()
		}
		// The words after the number must agree with its label, so that a
		// garbled "2 — Great" is asked again rather than guessed.
		if rest := normalize(m[2]); rest != "" {
			if l, ok := s.Labels[v]; !ok || normalize(l) != rest {
				return nil, s.scaleError()
			}
		}
		return inRange(v)
	}
	if v, ok := matchLabel(in, s.Labels); ok {
		return v, nil
	}
	return nil, s.scaleError()
}

func (s *Step) numberError() error {
	lo, hi := !math.IsInf(s.Min, -1), !math.IsInf(s.Max, 1)
	switch {
	case lo && hi:
		return &AnswerError{Expected: fmt.Sprintf("Please answer with a number from %s to %s.", fmtNum(s.Min), fmtNum(s.Max))}
	case lo:
		return &AnswerError{Expected: fmt.Sprintf("Please answer with a number of at least %s.", fmtNum(s.Min))}
	case hi:
		return &AnswerError{Expected: fmt.Sprintf("Please answer with a number no bigger than %s.", fmtNum(s.Max))}
	}
	return &AnswerError{Expected: "Please answer with a number."}
}

// numberRE takes a number with an optional hedge before it and a unit
// after it, as people write in chat: "about 7", "7.5 hours", "6h", "7,5".
var numberRE = regexp.MustCompile(`^(?i)(?:about|around|roughly|approx\.?|approximately|maybe|~|≈)?\s*([+-]?(?:\d+(?:[.,]\d+)*|[.,]\d+)|[a-z]+)\s*(?:\p{L}+\.?)?$`)

// thousandsRE is a number grouped with commas ("1,000" or "12,500,000").
var thousandsRE = regexp.MustCompile(`^[+-]?[1-9]\d{0,2}(,\d{3})+$`)

var numberWords = map[string]float64{
	"zero": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
	"seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}

func (s *Step) parseNumber(in string) (any, error) {
	m := numberRE.FindStringSubmatch(in)
	if m == nil {
		return nil, s.numberError()
	}
	num := m[1]
	var v float64
	if w, ok := numberWords[strings.ToLower(num)]; ok {
		v = w
	} else {
		switch {
		case thousandsRE.MatchString(num):
			num = strings.ReplaceAll(num, ",", "")
		case strings.Count(num, ",") == 1 && !strings.Contains(num, "."):
			num = strings.Replace(num, ",", ".", 1) // decimal comma: "7,5"
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, s.numberError()
		}
		v = f
	}
	if v < s.Min || v > s.Max {
		return nil, s.numberError()
	}
	return v, nil
}

func (s *Step) choiceError() error {
	return &AnswerError{Expected: "Please pick one of: " + strings.Join(s.Choices, ", ") + "."}
}

func (s *Step) parseChoice(in string) (any, error) {
	if in == "" {
		return nil, s.choiceError()
	}
	labels := make(map[int]string, len(s.Choices))
	for i, c := range s.Choices {
		labels[i] = c
	}
	// An exact match first, so that a choice written as a number ("2")
	// wins over the second option.
	n := normalize(in)
	for _, c := range s.Choices {
		if normalize(c) == n && n != "" {
			return c, nil
		}
	}
	if i, err := strconv.Atoi(strings.TrimRight(in, ".)")); err == nil {
		if i >= 1 && i <= len(s.Choices) {
			return s.Choices[i-1], nil
		}
		return nil, s.choiceError()
	}
	if i, ok := matchLabel(in, labels); ok {
		return s.Choices[i], nil
	}
	return nil, s.choiceError()
}

var yesWords = map[string]bool{"yes": true, "y": true, "yeah": true, "yep": true, "yup": true, "yea": true, "sure": true, "ok": true, "okay": true}
var noWords = map[string]bool{"no": true, "n": true, "nope": true, "nah": true}

func (s *Step) parseYesNo(in string) (any, error) {
	word := strings.ToLower(in)
	if v, ok := yesNoWord(word); ok {
		return v, nil
	}
	// "no, not really", "yes a bit": the first word decides.
	if i := strings.IndexFunc(word, func(r rune) bool { return !unicode.IsLetter(r) }); i > 0 {
		if v, ok := yesNoWord(word[:i]); ok {
			return v, nil
		}
	}
	if normalize(word) == "notreally" {
		return false, nil
	}
	return nil, &AnswerError{Expected: "Please answer yes or no."}
}

func yesNoWord(w string) (bool, bool) {
	w = strings.TrimRight(w, ".!?")
	if yesWords[w] {
		return true, true
	}
	if noWords[w] {
		return false, true
	}
	return false, false
}

// cleanText drops invalid UTF-8 and control characters other than newline
// and tab: they render badly or not at all on chat platforms and in a
// mentor's DM, and have no place in a note.
func cleanText(in string) string {
	in = strings.ToValidUTF8(in, "")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, in)
}

func (s *Step) parseText(input string) (any, error) {
	t := strings.TrimSpace(cleanText(input))
	if t == "" {
		if s.Optional {
			return nil, &AnswerError{Expected: `Please type an answer (or "skip").`}
		}
		return nil, &AnswerError{Expected: "Please type an answer."}
	}
	limit := s.MaxLen
	if limit <= 0 {
		limit = DefaultMaxLen
	}
	if utf8.RuneCountInString(t) > limit {
		return nil, &AnswerError{Expected: fmt.Sprintf("That's a bit long — please keep it under %d characters.", limit)}
	}
	return t, nil
}
