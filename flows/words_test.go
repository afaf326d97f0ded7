package flows

import (
	"strings"
	"testing"
)

// TestStepLabel: a step's `label:` is its short wording; without one, the
// id in words; a bad label is an error with file and line.
func TestStepLabel(t *testing.T) {
	f := mustParse(t, "label.yaml", `id: x
steps:
  - id: went_well
    ask: What went well?
    text: {}
  - id: mood
    label: "  Mood  "
    ask: How are you?
    scale: {min: 1, max: 3}
`)
	if got := f.Step("went_well").Label; got != "Went well" {
		t.Errorf("label without label: = %q, want the id in words", got)
	}
	if got := f.Step("mood").Label; got != "Mood" {
		t.Errorf("label = %q, want %q", got, "Mood")
	}

	tests := []struct {
		name  string
		label string
		want  string
	}{
		{"empty", `""`, `label.yaml:4: step "mood": label must not be empty`},
		{"template", `"{{.Name}}'s mood"`, `label.yaml:4: step "mood": label must be short plain text on one line`},
		{"two lines", "\"Mood\\ntoday\"", `label.yaml:4: step "mood": label must be short plain text on one line`},
		{"too long", `"` + strings.Repeat("m", 61) + `"`, `label.yaml:4: step "mood": label must be at most 60 characters, not 61`},
		{"not a string", `[Mood]`, `label.yaml:4: step "mood": label`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errs := parseErrors(t, "label.yaml", `id: x
steps:
  - id: mood
    label: `+tc.label+`
    ask: How are you?
    scale: {min: 1, max: 3}
`)
			if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), tc.want) {
				t.Errorf("errors:\n%v\nwant one starting %q", errs, tc.want)
			}
		})
	}
}

// TestNewBy: goal: new_by names a step like the other goal keys.
func TestNewBy(t *testing.T) {
	errs := parseErrors(t, "goal.yaml", `id: x
goal: {new_text: words, new_by: when}
steps:
  - id: words
    ask: How would you put it?
    text: {}
`)
	if len(errs) != 1 || errs[0].Error() != `goal.yaml:2: goal: new_by refers to no step "when"` {
		t.Errorf("errors = %v", errs)
	}
}

func TestPlural(t *testing.T) {
	tests := []struct {
		name  string
		n     any
		units []string
		want  string
	}{
		{"one", 1, []string{"day"}, "1 day"},
		{"zero", 0, []string{"day"}, "0 days"},
		{"many", 12, []string{"day"}, "12 days"},
		{"a float from JSON", 1.0, []string{"day"}, "1 day"},
		{"own plural", 2, []string{"entry", "entries"}, "2 entries"},
		{"own plural, one", 1, []string{"entry", "entries"}, "1 entry"},
		{"missing", nil, []string{"day"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := plural(tc.n, tc.units[0], tc.units[1:]...); got != tc.want {
				t.Errorf("plural(%v, %q) = %q, want %q", tc.n, tc.units, got, tc.want)
			}
		})
	}
	f := mustParse(t, "plural.yaml", `id: x
steps:
  - id: a
    ask: Hi
    text: {}
done: "{{plural .Streak \"day\"}} in a row."
`)
	if got, _ := f.Done(Env{Streak: 1}); got != "1 day in a row." {
		t.Errorf("done = %q", got)
	}
}

// TestAnswerText: answers read back as the person gave them.
func TestAnswerText(t *testing.T) {
	b := Builtin()
	daily, goal, who5 := b.Get("daily-checkin"), b.Get("goal-setting"), b.Get("weekly-wellbeing")
	tests := []struct {
		name string
		step *Step
		v    any
		want string
	}{
		{"scale, every value labelled", daily.Step("mood"), 3, "Ok-ish"},
		{"scale from JSON", daily.Step("mood"), 3.0, "Ok-ish"},
		{"scale, labelled end", daily.Step("craving_strength"), 5, "5 — Very strong"},
		{"scale, unlabelled value", goal.Step("confidence"), 8, "8"},
		{"WHO-5 item", who5.Step("calm"), 0, "At no time"},
		{"number", daily.Step("sleep"), 7.5, "7.5"},
		{"yes", daily.Step("cravings"), true, "Yes"},
		{"no", daily.Step("cravings"), false, "No"},
		{"skipped", daily.Step("note"), nil, "skipped"},
		{"text with emoji joiners", daily.Step("went_well"), "👩‍👧 time with my daughter", "👩‍👧 time with my daughter"},
		{"text with a right-to-left mark", daily.Step("went_well"), "\u202ereversed\u202c text", "\u202ereversed\u202c text"},
		{"text with quotes", daily.Step("went_well"), `she said "well done"`, `she said "well done"`},
		{"does not fit the step", daily.Step("mood"), "great", "great"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.step.AnswerText(tc.v); got != tc.want {
				t.Errorf("AnswerText(%#v) = %q, want %q", tc.v, got, tc.want)
			}
		})
	}
}

// TestSentences: every text of a flow a person reads, in file order.
func TestSentences(t *testing.T) {
	f := mustParse(t, "s.yaml", `id: x
title: Evening
flag:
  - when: a == "No"
    level: info
    reason: Said no
steps:
  - id: a
    label: Answer
    ask: "Hi {{.Name}}"
    choice: ["Yes", "No"]
    flag:
      - when: a == "Yes"
        level: info
        reason: Said yes
done: Bye.
`)
	var got []string
	for _, s := range f.Sentences() {
		got = append(got, s.Where+" = "+s.Text)
	}
	want := []string{"title = Evening", "a: label = Answer", "a: ask = Hi {{.Name}}", "a: options = Yes | No",
		"a: flag reason = Said yes", "flag reason = Said no", "done = Bye."}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Sentences:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
