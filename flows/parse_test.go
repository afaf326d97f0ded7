package flows

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, file, src string) *Flow {
	t.Helper()
	f, err := Parse(file, []byte(src))
	if err != nil {
		t.Fatalf("Parse(%s): %v", file, err)
	}
	return f
}

func parseErrors(t *testing.T, file, src string) ErrorList {
	t.Helper()
	_, err := Parse(file, []byte(src))
	if err == nil {
		t.Fatalf("Parse(%s): no error, want some", file)
	}
	var l ErrorList
	if !errors.As(err, &l) {
		t.Fatalf("Parse(%s): error is %T, want ErrorList", file, err)
	}
	return l
}

// The example in DESIGN.md must parse exactly as written.
func TestDesignExample(t *testing.T) {
	data, err := os.ReadFile("testdata/design-example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse("testdata/design-example.yaml", data)
	if err != nil {
		t.Fatalf("DESIGN.md example does not parse:\n%v", err)
	}
	if f.ID != "daily-checkin" || f.Title != "Daily check-in" || f.Audience != AudienceMentee {
		t.Errorf("id/title/audience = %q/%q/%q", f.ID, f.Title, f.Audience)
	}
	want := Schedule{Cron: "0 9 * * *", RemindAfter: 3 * time.Hour, ExpireAfter: 12 * time.Hour}
	if f.Schedule == nil || *f.Schedule != want {
		t.Errorf("schedule = %+v, want %+v", f.Schedule, want)
	}
	var ids []string
	for _, s := range f.Steps {
		ids = append(ids, s.ID+":"+string(s.Kind))
	}
	if got := strings.Join(ids, " "); got != "mood:scale cravings:yesno coping:text note:text" {
		t.Errorf("steps = %s", got)
	}
	mood := f.Step("mood")
	if mood.Min != 1 || mood.Max != 5 || mood.Labels[1] != "Rough" || mood.Labels[5] != "Great" || len(mood.Labels) != 2 || mood.Line != 5 {
		t.Errorf("mood = %+v", mood)
	}
	if c := f.Step("coping"); !c.Optional || c.MaxLen != 1000 {
		t.Errorf("coping = %+v", c)
	}
	if n := f.Step("note"); !n.Optional || n.MaxLen != DefaultMaxLen {
		t.Errorf("note = %+v", n)
	}
	env := Env{Name: "Sam", Streak: 4, Answers: map[string]any{"mood": 2}}
	if got, _ := mood.Prompt(env); got != "Morning Sam. How are you feeling today?" {
		t.Errorf("prompt = %q", got)
	}
	if hits := mood.Flags(env); len(hits) != 1 || hits[0].Level != LevelConcern || hits[0].Reason != "Low mood" || hits[0].Rule != "mood <= 2" {
		t.Errorf("flags = %+v", hits)
	}
	if got, _ := f.Done(env); got != "Thanks Sam. 4 days in a row." {
		t.Errorf("done = %q", got)
	}
	for _, tc := range []struct {
		cravings any
		want     string
	}{{true, "coping"}, {false, "note"}, {nil, "note"}} {
		env.Answers["cravings"] = tc.cravings
		next, err := f.Next(f.Step("cravings"), env)
		if err != nil || next == nil || next.ID != tc.want {
			t.Errorf("cravings=%v: next = %v, %v; want %s", tc.cravings, next, err, tc.want)
		}
	}
	if next, _ := f.Next(f.Step("coping"), env); next == nil || next.ID != "note" {
		t.Errorf("after coping: %v, want note", next)
	}
	if next, err := f.Next(f.Step("note"), env); next != nil || err != nil {
		t.Errorf("after note: %v, %v; want done", next, err)
	}
}

// Each kind of load error is reported with file, line and step.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []string // each must appear as a whole line of the error
	}{
		{"bad goto", "bad-goto.yaml", []string{
			`bad-goto.yaml:8: step "feeling": goto "nowhere": no such step`,
		}},
		{"duplicate id", "duplicate-id.yaml", []string{
			`duplicate-id.yaml:6: step "mood": duplicate step id (first at line 3)`,
		}},
		{"unreachable", "unreachable.yaml", []string{
			`unreachable.yaml:8: step "orphan": unreachable: no path from the first step leads here`,
		}},
		{"loop with no exit", "loop.yaml", []string{
			`loop.yaml:3: step "start": loop with no exit: done can never be reached from here (steps start, ping, pong lead only to each other)`,
			`loop.yaml:6: step "ping": loop with no exit: done can never be reached from here (steps start, ping, pong lead only to each other)`,
			`loop.yaml:11: step "pong": loop with no exit: done can never be reached from here (steps start, ping, pong lead only to each other)`,
		}},
		{"bad when", "bad-when.yaml", []string{
			`bad-when.yaml:7: step "mood": flag: when "moood <= 2": unknown name moood (did you mean "mood"?)`,
		}},
		{"bad template", "bad-template.yaml", []string{
			`bad-template.yaml:4: step "mood": ask: template: bad character U+007D '}'`,
			`bad-template.yaml:6: done: template: unknown field .Nmae (did you mean .Name?)`,
		}},
		{"bad bounds", "bad-bounds.yaml", []string{
			`bad-bounds.yaml:5: step "mood": scale: min (5) must be less than max (1)`,
			`bad-bounds.yaml:8: step "wide": scale: 0 to 20 is 21 values; a scale has at most 11 (e.g. 0 to 10)`,
			`bad-bounds.yaml:14: step "labelled": scale: label for 0 is outside 1 to 5`,
			`bad-bounds.yaml:17: step "sleep": number: min (24) must be less than max (0)`,
			`bad-bounds.yaml:20: step "note": text: max_len must be more than 0, not 0`,
		}},
		{"unknown key", "unknown-key.yaml", []string{
			`unknown-key.yaml:2: unknown key "titel" (did you mean "title"?)`,
			`unknown-key.yaml:4: step "mood": missing answer kind: add one of scale, choice, yesno, number, text or date`,
			`unknown-key.yaml:6: step "mood": unknown key "scael" (did you mean "scale"?)`,
		}},
		{"bad cron", "bad-cron.yaml", []string{
			`bad-cron.yaml:3: schedule: cron "61 9 * * *": end of range (61) above maximum (59): 61`,
			`bad-cron.yaml:4: schedule: remind_after "3 hours" is not a duration (use e.g. 3h, 90m or 1h30m)`,
		}},
		{"missing answer kind", "no-kind.yaml", []string{
			`no-kind.yaml:3: step "mood": missing answer kind: add one of scale, choice, yesno, number, text or date`,
		}},
		{"two answer kinds", "two-kinds.yaml", []string{
			`two-kinds.yaml:6: step "mood": two answer kinds (scale and choice): a step takes exactly one`,
		}},
		{"several errors in one file", "many-errors.yaml", []string{
			`many-errors.yaml:1: flow id "Many_Errors" must be lower case letters, digits and dashes`,
			`many-errors.yaml:2: schedule: cron "CRON_TZ=UTC": a time zone must be followed by a schedule, e.g. "CRON_TZ=Europe/London 0 9 * * *"`,
			`many-errors.yaml:5: step "mood": ask: template: .Answers.mod refers to no step of this flow (did you mean "mood"?)`,
			`many-errors.yaml:6: step "mood": scale: 1 to 50 is 50 values; a scale has at most 11 (e.g. 0 to 10)`,
			`many-errors.yaml:8: step "mood": next: when "mood >": unexpected token EOF at column 6`,
			`many-errors.yaml:9: step "mood": goto "sleep": no such step`,
			`many-errors.yaml:10: step "mood": duplicate step id (first at line 4)`,
			`many-errors.yaml:15: step "feel": choice must be a non-empty list, e.g. [Done, Partly, Not yet]`,
			`many-errors.yaml:16: done: template: at <change>: wrong number of args for change: want 2 got 0`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join("testdata", "errors", tc.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			l := parseErrors(t, path, string(data))
			var got []string
			for _, e := range l {
				got = append(got, e.Error())
			}
			var want []string
			for _, w := range tc.want {
				want = append(want, filepath.Join("testdata", "errors", w))
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if l.Error() != strings.Join(got, "\n") {
				t.Errorf("ErrorList.Error() does not join the errors with newlines")
			}
			for i := 1; i < len(l); i++ {
				if l[i].Line < l[i-1].Line {
					t.Errorf("errors not sorted by line: %d after %d", l[i].Line, l[i-1].Line)
				}
			}
			if l[0].File != path {
				t.Errorf("File = %q, want %q", l[0].File, path)
			}
		})
	}
}

// More validation rules, on small inline flows; each case names the
// expected line and a fragment of the message.
func TestValidation(t *testing.T) {
	const head = "id: t\nsteps:\n"
	tests := []struct {
		name string
		src  string
		line int
		step string
		msg  string // "" means the flow must parse
	}{
		{"cron with seconds", "id: t\nschedule: {cron: \"0 0 9 * * *\"}\nsteps:\n  - {id: a, ask: QA, yesno: {}}\n", 0, "", ""},
		{"cron with CRON_TZ", "id: t\nschedule: {cron: \"CRON_TZ=UTC 0 9 * * 1-5\"}\nsteps:\n  - {id: a, ask: QA, yesno: {}}\n", 0, "", ""},
		{"cron descriptor", "id: t\nschedule: {cron: \"@weekly\"}\nsteps:\n  - {id: a, ask: QA, yesno: {}}\n", 0, "", ""},
		{"cron TZ alone panics robfig", "id: t\nschedule: {cron: \"CRON_TZ=UTC\"}\nsteps:\n  - {id: a, ask: QA, yesno: {}}\n", 2, "", "a time zone must be followed by a schedule"},
		{"cron bad zone", "id: t\nschedule: {cron: \"CRON_TZ=Nowhere/Land 0 9 * * *\"}\nsteps:\n  - {id: a, ask: QA, yesno: {}}\n", 2, "", "provided bad location"},
		{"cron too few fields", "id: t\nschedule: {cron: \"0 9 *\"}\nsteps:\n  - {id: a, ask: QA, yesno: {}}\n", 2, "", "expected 5 to 6 fields"},
		{"schedule without cron", "id: t\nschedule: {remind_after: 1h}\nsteps:\n  - {id: a, ask: QA, yesno: {}}\n", 2, "", "schedule: cron is required"},
		{"remind after expiry", "id: t\nschedule: {cron: \"0 9 * * *\", remind_after: 12h, expire_after: 3h}\nsteps:\n  - {id: a, ask: QA, yesno: {}}\n", 2, "", "remind_after (12h0m0s) must be shorter than expire_after (3h0m0s)"},
		{"negative duration", "id: t\nschedule: {cron: \"0 9 * * *\", expire_after: -3h}\nsteps:\n  - {id: a, ask: QA, yesno: {}}\n", 2, "", "expire_after must be positive"},
		{"bad audience", "id: t\naudience: everyone\nsteps:\n  - {id: a, ask: QA, yesno: {}}\n", 2, "", `audience "everyone" must be "mentee" or "channel"`},
		{"channel audience", "id: t\naudience: channel\nsteps:\n  - {id: a, ask: QA, yesno: {}}\n", 0, "", ""},
		{"missing id", "steps:\n  - {id: a, ask: QA, yesno: {}}\n", 1, "", "id is required"},
		{"missing steps", "id: t\n", 1, "", "steps are required"},
		{"empty steps", "id: t\nsteps: []\n", 2, "", "steps must be a non-empty list"},
		{"empty file", "", 1, "", "empty file"},
		{"comments only", "# nothing yet\n", 1, "", "empty file"},
		{"two documents", "id: t\nsteps:\n  - {id: a, ask: Q, yesno: {}}\n---\nid: u\n", 4, "", "a file holds one flow"},
		{"not a mapping", "- a\n- b\n", 1, "", "a flow must be a mapping"},
		{"yaml syntax", "id: t\nsteps:\n  - id: a\n    ask: x: y\n", 4, "", "YAML: mapping values are not allowed in this context"},
		{"duplicate key", "id: t\nid: u\nsteps:\n  - {id: a, ask: QA, yesno: {}}\n", 2, "", `duplicate key "id" (first at line 1)`},
		{"step without id", head + "  - {ask: QA, yesno: {}}\n", 3, "", "step 1 has no id"},
		{"step id not an identifier", head + "  - {id: How-Are, ask: QA, yesno: {}}\n", 3, "How-Are", "id must be lower case letters, digits and _"},
		{"step id reserved variable", head + "  - {id: streak, ask: QA, yesno: {}}\n", 3, "streak", `id "streak" is reserved (it is a built-in variable`},
		{"step id reserved done", head + "  - {id: done, ask: QA, yesno: {}}\n", 3, "done", "`goto: done` ends the flow"},
		{"step id operator", head + "  - {id: in, ask: QA, yesno: {}}\n", 3, "in", "operator or literal"},
		{"missing ask", head + "  - {id: a, yesno: {}}\n", 3, "a", "ask is required"},
		{"empty ask", head + "  - {id: a, ask: \"  \", yesno: {}}\n", 3, "a", "ask must not be empty"},
		{"scale without max", head + "  - {id: a, ask: QA, scale: {min: 1}}\n", 3, "a", "scale: max is required"},
		{"scale not whole", head + "  - {id: a, ask: QA, scale: {min: 1, max: 4.5}}\n", 3, "a", "scale: max must be a whole number"},
		{"scale text bound", head + "  - {id: a, ask: QA, scale: {min: one, max: 5}}\n", 3, "a", `scale: min must be a number, not "one"`},
		{"scale of eleven", head + "  - {id: a, ask: QA, scale: {min: 0, max: 10}}\n", 0, "", ""},
		{"scale duplicate labels", head + "  - {id: a, ask: QA, scale: {min: 1, max: 3, labels: {1: Ok, 3: OK}}}\n", 3, "a", "would be ambiguous"},
		{"scale numeric label", head + "  - {id: a, ask: QA, scale: {min: 1, max: 3, labels: {1: \"3\"}}}\n", 3, "a", `label "3" is a number`},
		{"choice duplicates", head + "  - {id: a, ask: QA, choice: [Yes, \"yes \"]}\n", 3, "a", `choice: duplicate option "yes" (same as "Yes")`},
		{"choice not a list", head + "  - {id: a, ask: QA, choice: Yes}\n", 3, "a", "choice must be a non-empty list"},
		{"yesno with keys", head + "  - {id: a, ask: QA, yesno: {default: yes}}\n", 3, "a", "yesno: takes no settings (write yesno: {})"},
		{"yesno null", head + "  - id: a\n    ask: A?\n    yesno:\n", 0, "", ""},
		{"number unbounded", head + "  - {id: a, ask: QA, number: {}}\n", 0, "", ""},
		{"text bad max_len", head + "  - {id: a, ask: QA, text: {max_len: -5}}\n", 3, "a", "max_len must be more than 0"},
		{"text optional not bool", head + "  - {id: a, ask: QA, text: {optional: maybe}}\n", 3, "a", "text: optional must be true or false"},
		{"next without goto", head + "  - {id: a, ask: QA, yesno: {}, next: [{when: a}]}\n", 3, "a", "next: goto is required"},
		{"branch after unconditional", head + "  - id: a\n    ask: A?\n    yesno: {}\n    next:\n      - goto: done\n      - when: a\n        goto: b\n  - {id: b, ask: QB, yesno: {}}\n", 8, "a", "this branch is never taken"},
		{"next shorthand", head + "  - {id: a, ask: QA, yesno: {}, next: c}\n  - {id: b, ask: QB, yesno: {}}\n  - {id: c, ask: QC, yesno: {}}\n", 4, "b", "unreachable"},
		{"when not bool", head + "  - {id: a, ask: QA, scale: {min: 1, max: 5}, next: [{when: a, goto: done}]}\n", 3, "a", `next: when "a": expected bool, but got int`},
		{"when type mismatch", head + "  - {id: a, ask: QA, yesno: {}, flag: [{when: a > 2, level: info, reason: r}]}\n", 3, "a", "mismatched types bool and int"},
		{"when over profile and last", head + "  - {id: a, ask: QA, yesno: {}, flag: [{when: 'a and streak > 2 and profile.timezone == \"UTC\" and name != \"\" and goal != \"\" and len(last) > 0', level: info, reason: r}]}\n", 0, "", ""},
		{"flag bad level", head + "  - {id: a, ask: QA, yesno: {}, flag: [{when: a, level: red, reason: r}]}\n", 3, "a", `flag: level "red" must be info, concern or urgent`},
		{"flag without reason", head + "  - {id: a, ask: QA, yesno: {}, flag: [{when: a, level: info}]}\n", 3, "a", "flag: reason is required"},
		{"flag without when", head + "  - {id: a, ask: QA, yesno: {}, flag: [{level: info, reason: r}]}\n", 3, "a", "flag: when is required"},
		{"score same as step", "id: t\nscores: {a: a * 2}\nsteps:\n  - {id: a, ask: QA, scale: {min: 1, max: 5}}\n", 2, "", `score "a" has the same name as a step`},
		{"score not a number", "id: t\nscores: {s: a}\nsteps:\n  - {id: a, ask: QA, text: {}}\n", 2, "", `score "s": "a": expected float64, but got string`},
		{"score unknown name", "id: t\nscores: {s: b * 2}\nsteps:\n  - {id: a, ask: QA, scale: {min: 1, max: 5}}\n", 2, "", "unknown name b"},
		{"score reserved", "id: t\nscores: {last: a}\nsteps:\n  - {id: a, ask: QA, scale: {min: 1, max: 5}}\n", 2, "", `score name "last" is reserved`},
		{"flow flag over score", "id: t\nscores: {s: a * 2}\nflag: [{when: s > 6, level: info, reason: high}]\nsteps:\n  - {id: a, ask: QA, scale: {min: 1, max: 5}}\n", 0, "", ""},
		{"goal unknown step", "id: t\ngoal: {text: gaol}\nsteps:\n  - {id: goal_text, ask: QA, text: {}}\n", 2, "", `goal: text refers to no step "gaol"`},
		{"goal confidence kind", "id: t\ngoal: {text: a, confidence: a}\nsteps:\n  - {id: a, ask: QA, text: {}}\n", 2, "", "goal: confidence must be a scale or number step"},
		{"goal unknown key", "id: t\ngoal: {txt: a}\nsteps:\n  - {id: a, ask: QA, text: {}}\n", 2, "", `goal: unknown key "txt" (did you mean "text"?)`},
		{"template unknown answer", head + "  - {id: a, ask: \"{{.Answers.b}}\", text: {}}\n", 3, "a", ".Answers.b refers to no step"},
		{"template unknown score", head + "  - {id: a, ask: \"{{.Last.x}}\", text: {}}\n", 3, "a", ".Last.x refers to no score"},
		{"template lower-case field", head + "  - {id: a, ask: \"{{.name}}\", text: {}}\n", 3, "a", "unknown field .name (did you mean .Name?)"},
		{"template unknown function", head + "  - {id: a, ask: \"{{chnage 1 2}}\", text: {}}\n", 3, "a", `function "chnage" not defined`},
		{"template in block scalar", head + "  - id: a\n    ask: |\n      Hello\n      {{.Name}\n    text: {}\n", 6, "a", "ask: template:"},
		{"template $ in with", head + "  - {id: a, ask: \"{{with .Name}}{{.}} {{$.Answers.zz}}{{end}}\", text: {}}\n", 3, "a", ".Answers.zz refers to no step"},
		{"template with dot not checked", head + "  - {id: a, ask: \"{{with .Profile}}{{.timezone}}{{end}}\", text: {}}\n", 0, "", ""},
		{"anchors and aliases", "id: t\nsteps:\n  - {id: a, ask: QA, scale: &s {min: 1, max: 5}}\n  - {id: b, ask: QB, scale: *s}\n", 0, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.msg == "" {
				mustParse(t, "t.yaml", tc.src)
				return
			}
			l := parseErrors(t, "t.yaml", tc.src)
			for _, e := range l {
				if e.Line == tc.line && e.Step == tc.step && strings.Contains(e.Msg, tc.msg) {
					return
				}
			}
			t.Errorf("no error at line %d step %q containing %q; got:\n%v", tc.line, tc.step, tc.msg, l)
		})
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"with step", &Error{File: "a.yaml", Line: 3, Step: "mood", Msg: "bad"}, `a.yaml:3: step "mood": bad`},
		{"flow level", &Error{File: "a.yaml", Line: 1, Msg: "bad"}, `a.yaml:1: bad`},
		{"no line", &Error{File: "a.yaml", Msg: "no such file"}, `a.yaml: no such file`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParsedFields(t *testing.T) {
	f := mustParse(t, "t.yaml", `
id: fields
audience: channel
checkin: true
goal: {text: what, confidence: sure}
steps:
  - {id: what, ask: What, text: {max_len: 10}}
  - {id: sure, ask: Sure, scale: {min: 0, max: 10}}
  - {id: hours, ask: Hours, number: {min: 0.5}}
  - {id: pick, ask: Pick, choice: [Red, Green, Blue]}
`)
	if f.Title != "fields" || f.Audience != AudienceChannel || !f.Checkin || f.Schedule != nil || f.Line != 2 {
		t.Errorf("flow = %+v", f)
	}
	if f.Goal == nil || *f.Goal != (GoalMapping{Text: "what", Confidence: "sure"}) {
		t.Errorf("goal = %+v", f.Goal)
	}
	if h := f.Step("hours"); h.Min != 0.5 || !math.IsInf(h.Max, 1) {
		t.Errorf("hours bounds = %v..%v", h.Min, h.Max)
	}
	if f.First() != f.Steps[0] || f.Step("nope") != nil {
		t.Error("First/Step lookup wrong")
	}
	if got := f.Step("pick").Choices; strings.Join(got, ",") != "Red,Green,Blue" {
		t.Errorf("choices = %v", got)
	}
}
