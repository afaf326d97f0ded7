package flows

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/peerbot/peerbot/internal/suggest"
)

const runtimeFlow = `
id: runtime
scores:
  double: mood * 2
  plus_sleep: double + sleep
flag:
  - when: double >= 8
    level: info
    reason: High
  - when: '"double" in last and last.double > double'
    level: concern
    reason: Lower than last time
steps:
  - id: mood
    ask: "{{.Name}} mood? (was {{.Last.double}}) {{.Answers.note}}|{{.Profile.timezone}}|"
    scale: {min: 1, max: 5}
    flag:
      - when: mood <= 2
        level: concern
        reason: Low
      - when: mood <= 2 and profile.timezone == "UTC"
        level: info
        reason: Low in UTC
    next:
      - when: mood >= 4
        goto: note
  - id: sleep
    ask: Sleep?
    number: {min: 0, max: 24}
    next:
      - when: sleep < 4
        goto: done
  - id: note
    ask: Note?
    text: {optional: true}
done: "{{int .Scores.double}}|{{int .Scores.plus_sleep}}|{{change .Scores.double .Last.double}}|{{.Answers.note}}"
`

func TestNext(t *testing.T) {
	f := mustParse(t, "runtime.yaml", runtimeFlow)
	tests := []struct {
		name    string
		from    string
		answers map[string]any
		want    string // "" means done
	}{
		{"branch taken", "mood", map[string]any{"mood": 5}, "note"},
		{"fall through", "mood", map[string]any{"mood": 3}, "sleep"},
		{"nil answer falls through", "mood", map[string]any{"mood": nil}, "sleep"},
		{"missing answer falls through", "mood", nil, "sleep"},
		{"json float answer", "mood", map[string]any{"mood": 4.0}, "note"},
		{"json.Number answer", "mood", map[string]any{"mood": json.Number("4")}, "note"},
		{"wrong type answer", "mood", map[string]any{"mood": "four"}, "sleep"},
		{"goto done", "sleep", map[string]any{"sleep": 3.5}, ""},
		{"int for number", "sleep", map[string]any{"sleep": 3}, ""},
		{"no branch", "sleep", map[string]any{"sleep": 8.0}, "note"},
		{"last step", "note", map[string]any{"note": "hi"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next, err := f.Next(f.Step(tc.from), Env{Answers: tc.answers})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if next != nil {
				got = next.ID
			}
			if got != tc.want {
				t.Errorf("Next = %q, want %q", got, tc.want)
			}
		})
	}
	other := mustParse(t, "other.yaml", "id: other\nsteps:\n  - {id: mood, ask: Q, yesno: {}}\n")
	if _, err := f.Next(other.Step("mood"), Env{}); err == nil {
		t.Error("Next accepted a step of another flow")
	}
	if _, err := f.Next(nil, Env{}); err == nil {
		t.Error("Next accepted a nil step")
	}
}

func TestFlagsAndScores(t *testing.T) {
	f := mustParse(t, "runtime.yaml", runtimeFlow)
	mood := f.Step("mood")
	tests := []struct {
		name    string
		env     Env
		step    string
		scores  map[string]float64
		summary string
	}{
		{"low", Env{Answers: map[string]any{"mood": 2}}, "concern: Low", map[string]float64{"double": 4}, ""},
		{"low in UTC", Env{Answers: map[string]any{"mood": 1}, Profile: map[string]any{"timezone": "UTC"}}, "concern: Low; info: Low in UTC", map[string]float64{"double": 2}, ""},
		{"nothing answered", Env{}, "", map[string]float64{}, ""},
		{"all answered", Env{Answers: map[string]any{"mood": 4, "sleep": 7.5}}, "", map[string]float64{"double": 8, "plus_sleep": 15.5}, "info: High"},
		{"lower than last", Env{Answers: map[string]any{"mood": 3, "sleep": 7.0}, Last: map[string]float64{"double": 8}}, "", map[string]float64{"double": 6, "plus_sleep": 13}, "concern: Lower than last time"},
		{"last without that score", Env{Answers: map[string]any{"mood": 3}, Last: map[string]float64{"other": 80}}, "", map[string]float64{"double": 6}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := reasons(mood.Flags(tc.env)); got != tc.step {
				t.Errorf("step flags = %q, want %q", got, tc.step)
			}
			scores := f.ComputeScores(tc.env)
			if len(scores) != len(tc.scores) {
				t.Errorf("scores = %v, want %v", scores, tc.scores)
			}
			for k, v := range tc.scores {
				if scores[k] != v {
					t.Errorf("score %s = %v, want %v", k, scores[k], v)
				}
			}
			// CompletionFlags computes the scores itself when none are given.
			if got := reasons(f.CompletionFlags(tc.env)); got != tc.summary {
				t.Errorf("completion flags = %q, want %q", got, tc.summary)
			}
			tc.env.Scores = scores
			if got := reasons(f.CompletionFlags(tc.env)); got != tc.summary {
				t.Errorf("completion flags with scores = %q, want %q", got, tc.summary)
			}
		})
	}
	hit := mood.Flags(Env{Answers: map[string]any{"mood": 2}})[0]
	if hit.Rule != "mood <= 2" || hit.Level != LevelConcern {
		t.Errorf("hit = %+v", hit)
	}
}

func TestTemplates(t *testing.T) {
	f := mustParse(t, "runtime.yaml", runtimeFlow)
	tests := []struct {
		name   string
		env    Env
		prompt string
		done   string
	}{
		{"empty env", Env{}, "mood? (was ) ||", "|||"},
		{"everything", Env{Name: "Sam", Answers: map[string]any{"mood": 4, "sleep": 6.0, "note": "hi"}, Last: map[string]float64{"double": 5}, Profile: map[string]any{"timezone": "UTC"}},
			"Sam mood? (was 5) hi|UTC|", "8|14|up 3 from last time|hi"},
		{"skipped note", Env{Answers: map[string]any{"mood": 3, "note": nil}, Last: map[string]float64{"double": 9}},
			"mood? (was 9) ||", "6||down 3 from last time|"},
		{"same", Env{Answers: map[string]any{"mood": 3}, Last: map[string]float64{"double": 6.2}},
			"mood? (was 6.2) ||", "6||the same as last time|"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := f.Step("mood").Prompt(tc.env)
			if err != nil || p != tc.prompt {
				t.Errorf("prompt = %q, %v; want %q", p, err, tc.prompt)
			}
			d, err := f.Done(tc.env)
			if err != nil || d != tc.done {
				t.Errorf("done = %q, %v; want %q", d, err, tc.done)
			}
		})
	}
	noDone := mustParse(t, "t.yaml", "id: t\nsteps:\n  - {id: a, ask: Q, yesno: {}}\n")
	if d, err := noDone.Done(Env{}); d != "" || err != nil {
		t.Errorf("Done without done = %q, %v", d, err)
	}
}

func TestTemplateFuncs(t *testing.T) {
	tests := []struct {
		name     string
		newV     any
		oldV     any
		change   string
		intOfNew any
	}{
		{"up", 64.0, 56.0, "up 8 from last time", int64(64)},
		{"down", 60.0, 64.0, "down 4 from last time", int64(60)},
		{"same", 64.0, 64.0, "the same as last time", int64(64)},
		{"rounding", 64.4, 63.9, "the same as last time", int64(64)},
		{"ints", 7, 3, "up 4 from last time", int64(7)},
		{"no old", 64.0, nil, "", int64(64)},
		{"no new", nil, 64.0, "", ""},
		{"not numbers", "a", "b", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := change(tc.newV, tc.oldV); got != tc.change {
				t.Errorf("change = %q, want %q", got, tc.change)
			}
			if got := toInt(tc.newV); got != tc.intOfNew {
				t.Errorf("int = %#v, want %#v", got, tc.intOfNew)
			}
		})
	}
}

// Flows are shared by every conversation; run them concurrently under -race.
func TestConcurrentUse(t *testing.T) {
	set := Builtin()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, f := range set.All() {
				env := Env{Name: "Sam", Answers: map[string]any{}, Streak: i}
				for s := f.First(); s != nil; {
					if _, err := s.Prompt(env); err != nil {
						t.Error(err)
						return
					}
					opts := s.Options()
					var v any = "text"
					if len(opts) > 0 {
						v, _ = s.Parse(opts[i%len(opts)].Value)
					} else if s.Kind == Number {
						v = 7.0
					}
					env.Answers[s.ID] = v
					s.Flags(env)
					next, err := f.Next(s, env)
					if err != nil {
						t.Error(err)
						return
					}
					s = next
				}
				env.Scores = f.ComputeScores(env)
				f.CompletionFlags(env)
				if _, err := f.Done(env); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"scael", "scale"},
		{"choise", "choice"},
		{"yes_no", "yesno"},
		{"Ask", "ask"},
		{"zzzzzz", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := suggest.Closest(tc.in, stepKeys); got != tc.want {
				t.Errorf("suggest(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if !strings.Contains(suggest.Closest("flg", flowKeys), "flag") {
		t.Error("no suggestion for flg")
	}
}

// A flag rule that fails at run time counts as not holding and is
// reported to Env.OnRuleError.
func TestFlagRuleErrorIsReported(t *testing.T) {
	f, err := Parse("broken.yaml", []byte(`id: broken
title: Broken
steps:
  - id: n
    ask: A number?
    number: {min: 0, max: 10}
    flag:
      - when: 10 / n > 2
        level: concern
        reason: Odd
`))
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	env := Env{Answers: map[string]any{"n": "not a number"}, OnRuleError: func(rule string, err error) { failed = append(failed, rule) }}
	if hits := f.Step("n").Flags(env); len(hits) != 0 {
		t.Fatalf("a failing rule held: %+v", hits)
	}
	if len(failed) != 1 || failed[0] != "10 / n > 2" {
		t.Fatalf("reported %v, want the rule", failed)
	}
}
