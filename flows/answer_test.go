package flows

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const answerFlow = `
id: answers
steps:
  - id: mood
    ask: How are you?
    scale: {min: 1, max: 5, labels: {1: Rough, 2: Low, 3: Ok-ish, 4: Good, 5: Great}}
  - id: plain
    ask: Rate it
    scale: {min: 0, max: 10}
  - id: sleep
    ask: Hours of sleep?
    number: {min: 0, max: 24}
  - id: days
    ask: How many days?
    number: {}
  - id: progress
    ask: How did it go?
    choice: [Done, Partly, Not yet]
  - id: cravings
    ask: Any cravings?
    yesno: {}
  - id: note
    ask: A note
    text: {optional: true, max_len: 1000}
  - id: went_well
    ask: What went well?
    text: {}
`

func TestStepParse(t *testing.T) {
	f := mustParse(t, "answers.yaml", answerFlow)
	const (
		moodErr  = "Please answer with a number from 1 to 5, or pick one of the options."
		plainErr = "Please answer with a number from 0 to 10, or pick one of the options."
		sleepErr = "Please answer with a number from 0 to 24."
		choice   = "Please pick one of: Done, Partly, Not yet."
		yesno    = "Please answer yes or no."
	)
	long := strings.Repeat("a", 10*1024)
	tests := []struct {
		name  string
		step  string
		input string
		want  any    // when err is ""
		err   string // the exact re-ask sentence
	}{
		{"scale number", "mood", "4", 4, ""},
		{"scale spaces", "mood", "  2 \n", 2, ""},
		{"scale out of range", "mood", "7", nil, moodErr},
		{"scale zero", "mood", "0", nil, moodErr},
		{"scale negative", "mood", "-1", nil, moodErr},
		{"scale label", "mood", "ok-ish", 3, ""},
		{"scale label case", "mood", "GREAT", 5, ""},
		{"scale label spacing", "mood", "Ok ish", 3, ""},
		{"scale label prefix", "mood", "ok", 3, ""},
		{"scale ambiguous prefix", "mood", "g", nil, moodErr},
		{"scale button label", "mood", "4 — Good", 4, ""},
		{"scale button label hyphen", "mood", "4 - good", 4, ""},
		{"scale button label mismatch", "mood", "2 — Great", nil, moodErr},
		{"scale out of", "mood", "4/5", 4, ""},
		{"scale out of wrong max", "mood", "4/10", nil, moodErr},
		{"scale whole float", "mood", "4.0", 4, ""},
		{"scale fraction", "mood", "3.5", nil, moodErr},
		{"scale emoji", "mood", "🙂", nil, moodErr},
		{"scale empty", "mood", "   ", nil, moodErr},
		{"scale words", "mood", "not sure", nil, moodErr},
		{"scale unlabelled ten", "plain", "10", 10, ""},
		{"scale unlabelled out", "plain", "11", nil, plainErr},
		{"number integer", "sleep", "7", 7.0, ""},
		{"number decimal", "sleep", "7.5", 7.5, ""},
		{"number decimal comma", "sleep", "7,5", 7.5, ""},
		{"number with unit", "sleep", "6 hours", 6.0, ""},
		{"number hedged", "sleep", "about 8h", 8.0, ""},
		{"number word", "sleep", "seven", 7.0, ""},
		{"number bound", "sleep", "24", 24.0, ""},
		{"number above", "sleep", "25", nil, sleepErr},
		{"number below", "sleep", "-1", nil, sleepErr},
		{"number not a number", "sleep", "lots", nil, sleepErr},
		{"number nan", "sleep", "NaN", nil, sleepErr},
		{"number inf", "sleep", "inf", nil, sleepErr},
		{"number emoji", "sleep", "😴", nil, sleepErr},
		{"number empty", "sleep", "", nil, sleepErr},
		{"number two numbers", "sleep", "7 8", nil, sleepErr},
		{"number unbounded", "days", "1,000", 1000.0, ""},
		{"number unbounded error", "days", "x1", nil, "Please answer with a number."},
		{"choice exact", "progress", "Done", "Done", ""},
		{"choice case", "progress", "not YET", "Not yet", ""},
		{"choice index", "progress", "2", "Partly", ""},
		{"choice index out of range", "progress", "4", nil, choice},
		{"choice prefix", "progress", "part", "Partly", ""},
		{"choice unknown", "progress", "maybe", nil, choice},
		{"choice emoji", "progress", "👍", nil, choice},
		{"choice empty", "progress", "", nil, choice},
		{"yes", "cravings", "yes", true, ""},
		{"YES", "cravings", "YES", true, ""},
		{"y", "cravings", "y", true, ""},
		{"yeah", "cravings", "Yeah!", true, ""},
		{"yep", "cravings", "yep", true, ""},
		{"sure", "cravings", "sure", true, ""},
		{"ok", "cravings", "ok", true, ""},
		{"button value yes", "cravings", "yes", true, ""},
		{"no", "cravings", "no", false, ""},
		{"n", "cravings", "N", false, ""},
		{"nope", "cravings", "nope", false, ""},
		{"nah", "cravings", "nah.", false, ""},
		{"no with more", "cravings", "no, not today", false, ""},
		{"not really", "cravings", "not really", false, ""},
		{"yesno other", "cravings", "maybe", nil, yesno},
		{"yesno number", "cravings", "4", nil, yesno},
		{"yesno emoji", "cravings", "👍", nil, yesno},
		{"yesno empty", "cravings", "", nil, yesno},
		{"text", "note", "  Went for a walk.  ", "Went for a walk.", ""},
		{"text emoji", "note", "🙂 good day", "🙂 good day", ""},
		{"text newlines kept", "note", "line 1\nline 2\tend", "line 1\nline 2\tend", ""},
		{"text control characters", "note", "a\x00b\x1b[31mc\x07", "ab[31mc", ""},
		{"text invalid utf8", "note", "a\xffb", "ab", ""},
		{"text only control characters", "note", "\x00\x01", nil, `Please type an answer (or "skip").`},
		{"text empty optional", "note", "", nil, `Please type an answer (or "skip").`},
		{"text empty required", "went_well", " ", nil, "Please type an answer."},
		{"text at limit", "note", strings.Repeat("é", 1000), strings.Repeat("é", 1000), ""},
		{"text over limit in runes", "note", strings.Repeat("é", 1001), nil, "That's a bit long — please keep it under 1000 characters."},
		{"text 10 kB", "note", long, nil, "That's a bit long — please keep it under 1000 characters."},
		{"text 10 kB default limit", "went_well", long, nil, "That's a bit long — please keep it under 2000 characters."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := f.Step(tc.step)
			got, err := s.Parse(tc.input)
			if tc.err != "" {
				var ae *AnswerError
				if !errors.As(err, &ae) {
					t.Fatalf("Parse(%q) = %v, %v; want AnswerError", tc.input, got, err)
				}
				if err.Error() != tc.err || ae.Expected != tc.err {
					t.Errorf("Parse(%q) error = %q, want %q", tc.input, err.Error(), tc.err)
				}
				if got != nil {
					t.Errorf("Parse(%q) value = %v with an error", tc.input, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tc.input, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q) = %#v (%T), want %#v (%T)", tc.input, got, got, tc.want, tc.want)
			}
		})
	}
}

// Every button a step offers must be accepted by its own Parse, both by
// value (a click) and by label (typed back).
func TestOptionsRoundTrip(t *testing.T) {
	flows := append(Builtin().All(), mustParse(t, "answers.yaml", answerFlow))
	for _, f := range flows {
		for _, s := range f.Steps {
			opts := s.Options()
			switch s.Kind {
			case Number, Text:
				if opts != nil {
					t.Errorf("%s/%s: options %v for a typed answer", f.ID, s.ID, opts)
				}
				continue
			}
			if len(opts) == 0 {
				t.Errorf("%s/%s: no options", f.ID, s.ID)
			}
			for _, o := range opts {
				byValue, err1 := s.Parse(o.Value)
				byLabel, err2 := s.Parse(o.Label)
				if err1 != nil || err2 != nil || !reflect.DeepEqual(byValue, byLabel) {
					t.Errorf("%s/%s: option %+v: value -> %v %v, label -> %v %v", f.ID, s.ID, o, byValue, err1, byLabel, err2)
				}
			}
		}
	}
}

func TestOptions(t *testing.T) {
	f := mustParse(t, "answers.yaml", answerFlow)
	tests := []struct {
		name string
		step string
		want []Option
	}{
		{"labelled scale", "mood", []Option{{"1 — Rough", "1"}, {"2 — Low", "2"}, {"3 — Ok-ish", "3"}, {"4 — Good", "4"}, {"5 — Great", "5"}}},
		{"choice", "progress", []Option{{"Done", "Done"}, {"Partly", "Partly"}, {"Not yet", "Not yet"}}},
		{"yesno", "cravings", []Option{{"Yes", "yes"}, {"No", "no"}}},
		{"number", "sleep", nil},
		{"text", "note", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := f.Step(tc.step).Options(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	plain := f.Step("plain").Options()
	if len(plain) != 11 || plain[0] != (Option{"0", "0"}) || plain[10] != (Option{"10", "10"}) {
		t.Errorf("unlabelled scale options = %v", plain)
	}
}
