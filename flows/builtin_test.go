package flows

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
)

// run drives f from its first step with typed inputs ("skip" answers nil,
// as the engine does for optional steps) and returns the step ids asked,
// the step flags raised, and the final env.
func run(t *testing.T, f *Flow, env Env, inputs map[string]string) ([]string, []FlagHit, Env) {
	t.Helper()
	if env.Answers == nil {
		env.Answers = map[string]any{}
	}
	var path []string
	var flags []FlagHit
	for s := f.First(); s != nil; {
		path = append(path, s.ID)
		if len(path) > 50 {
			t.Fatalf("%s: no end after %v", f.ID, path)
		}
		if _, err := s.Prompt(env); err != nil {
			t.Fatalf("%s/%s: prompt: %v", f.ID, s.ID, err)
		}
		in, ok := inputs[s.ID]
		if !ok {
			t.Fatalf("%s: asked %q, which the test has no answer for (path %v)", f.ID, s.ID, path)
		}
		var v any
		if in == "skip" && s.Optional {
			v = nil
		} else {
			var err error
			if v, err = s.Parse(in); err != nil {
				t.Fatalf("%s/%s: Parse(%q): %v", f.ID, s.ID, in, err)
			}
		}
		env.Answers[s.ID] = v
		flags = append(flags, s.Flags(env)...)
		next, err := f.Next(s, env)
		if err != nil {
			t.Fatalf("%s/%s: Next: %v", f.ID, s.ID, err)
		}
		s = next
	}
	env.Scores = f.ComputeScores(env)
	return path, flags, env
}

func reasons(hits []FlagHit) string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Level+": "+h.Reason)
	}
	return strings.Join(out, "; ")
}

func TestBuiltinLoads(t *testing.T) {
	set := Builtin()
	var ids []string
	for _, f := range set.All() {
		ids = append(ids, f.ID)
		if f.File != "builtin/"+f.ID+".yaml" {
			t.Errorf("%s: File = %q", f.ID, f.File)
		}
		if f.Audience != AudienceMentee {
			t.Errorf("%s: audience %q", f.ID, f.Audience)
		}
	}
	if got := strings.Join(ids, " "); got != "daily-checkin goal-followup goal-setting weekly-wellbeing" {
		t.Errorf("built-in flows = %s", got)
	}
	if Builtin() != set {
		t.Error("Builtin() parses again on every call")
	}
	// The embedded files parse the same way from their source text.
	for _, f := range set.All() {
		data, err := builtinFS.ReadFile(f.File)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(f.File, data); err != nil {
			t.Errorf("%s: %v", f.File, err)
		}
	}
}

// SAFETY.md: no emoji in safety-relevant text; we keep the built-in flows
// free of them altogether.
func TestBuiltinNoEmoji(t *testing.T) {
	entries, err := builtinFS.ReadDir("builtin")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, _ := builtinFS.ReadFile("builtin/" + e.Name())
		for i, r := range string(data) {
			if unicode.Is(unicode.So, r) || (r >= 0x1F000 && r <= 0x1FAFF) {
				t.Errorf("%s: emoji or symbol %q at byte %d", e.Name(), r, i)
			}
		}
	}
}

func TestDailyCheckin(t *testing.T) {
	f := Builtin().Get("daily-checkin")
	if !f.Checkin || f.Schedule == nil || f.Schedule.Cron != "0 9 * * *" || f.Schedule.RemindAfter.Hours() != 3 || f.Schedule.ExpireAfter.Hours() != 12 {
		t.Errorf("flow settings = checkin %v schedule %+v", f.Checkin, f.Schedule)
	}
	mood := f.Step("mood")
	if !reflect.DeepEqual(mood.Labels, map[int]string{1: "Rough", 2: "Low", 3: "Ok-ish", 4: "Good", 5: "Great"}) {
		t.Errorf("mood labels = %v", mood.Labels)
	}
	if s := f.Step("sleep"); s.Kind != Number || s.Min != 0 || s.Max != 24 {
		t.Errorf("sleep = %+v", s)
	}
	tests := []struct {
		name   string
		env    Env
		inputs map[string]string
		path   string
		flags  string
		done   string
	}{
		{
			name:   "low mood, no cravings",
			env:    Env{Name: "Sam", Streak: 5},
			inputs: map[string]string{"mood": "2", "sleep": "7,5", "cravings": "no", "went_well": "Went for a walk", "note": "skip"},
			path:   "mood sleep cravings went_well note",
			flags:  "concern: Mood was low today (Rough or Low)",
			done:   "Thanks for checking in, Sam. That's 5 days in a row. Take care of yourself today.",
		},
		{
			name:   "strong cravings",
			env:    Env{Name: "Sam", Streak: 1},
			inputs: map[string]string{"mood": "4 — Good", "sleep": "6 hours", "cravings": "yes", "craving_strength": "5", "coping": "Called my sponsor", "went_well": "Cooked dinner", "note": "Thanks"},
			path:   "mood sleep cravings craving_strength coping went_well note",
			flags:  "concern: Cravings were strong today (4 or 5 out of 5)",
			done:   `Thanks for checking in, Sam. Every check-in counts. If the cravings get heavy, "resources" lists people you can talk to any time, day or night. Take care of yourself today.`,
		},
		{
			name:   "mild cravings, no name",
			env:    Env{Streak: 2},
			inputs: map[string]string{"mood": "ok-ish", "sleep": "8", "cravings": "y", "craving_strength": "mild", "coping": "skip", "went_well": "Slept well", "note": "skip"},
			path:   "mood sleep cravings craving_strength coping went_well note",
			flags:  "",
			done:   "Thanks for checking in. That's 2 days in a row. Take care of yourself today.",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path, flags, env := run(t, f, tc.env, tc.inputs)
			if got := strings.Join(path, " "); got != tc.path {
				t.Errorf("path = %s, want %s", got, tc.path)
			}
			if got := reasons(flags); got != tc.flags {
				t.Errorf("flags = %q, want %q", got, tc.flags)
			}
			if got := f.CompletionFlags(env); len(got) != 0 {
				t.Errorf("completion flags = %v", got)
			}
			if got, err := f.Done(env); err != nil || got != tc.done {
				t.Errorf("done = %q, %v\nwant %q", got, err, tc.done)
			}
		})
	}
	if got, _ := mood.Prompt(Env{Name: "Sam"}); got != "Hi Sam. How are you feeling today?" {
		t.Errorf("mood prompt = %q", got)
	}
	if got, _ := mood.Prompt(Env{}); got != "Hi. How are you feeling today?" {
		t.Errorf("mood prompt without name = %q", got)
	}
}

func TestGoalSetting(t *testing.T) {
	f := Builtin().Get("goal-setting")
	want := GoalMapping{Text: "goal_text", Why: "why", FirstStep: "first_step", By: "by", Confidence: "confidence"}
	if f.Goal == nil || *f.Goal != want {
		t.Errorf("goal mapping = %+v, want %+v", f.Goal, want)
	}
	if fu := f.Followup; fu == nil || fu.Flow != "goal-followup" || fu.After != "by" || f.Step("by").Kind != Date {
		t.Errorf("followup = %+v, by = %+v; want goal-followup the day after the date step by", fu, f.Step("by"))
	}
	if f.Checkin || f.Schedule != nil {
		t.Errorf("goal-setting should be neither a check-in nor scheduled")
	}
	if s := f.Step("confidence"); s.Kind != Scale || s.Min != 1 || s.Max != 10 {
		t.Errorf("confidence = %+v", s)
	}
	// A date answer is relative to today: five days from now.
	by := time.Now().AddDate(0, 0, 5)
	tests := []struct {
		name       string
		confidence string
		done       string
	}{
		{"confident", "8", `Your goal: "Walk every morning". First step: Buy shoes, by ` + by.Format("Monday 2 January") + `. That sounds like a good plan. I'll check in the day after to ask how it went, and changing a goal along the way is fine too.`},
		{"unsure", "3", `Your goal: "Walk every morning". First step: Buy shoes, by ` + by.Format("Monday 2 January") + `. It's fine not to feel sure yet; a smaller first step can make it easier. I'll check in the day after to ask how it went, and changing a goal along the way is fine too.`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path, flags, env := run(t, f, Env{Name: "Sam"}, map[string]string{
				"goal_text": "Walk every morning", "why": "I feel better", "first_step": "Buy shoes", "by": by.Format(time.DateOnly), "confidence": tc.confidence,
			})
			if got := strings.Join(path, " "); got != "goal_text why first_step by confidence" {
				t.Errorf("path = %s", got)
			}
			if len(flags)+len(f.CompletionFlags(env)) != 0 {
				t.Errorf("goal setting raised flags: %v", flags)
			}
			if got, err := f.Done(env); err != nil || got != tc.done {
				t.Errorf("done = %q, %v\nwant %q", got, err, tc.done)
			}
			if env.Answers[f.Goal.Confidence] == nil || env.Answers[f.Goal.Text] != "Walk every morning" {
				t.Errorf("mapped answers = %v", env.Answers)
			}
		})
	}
}

func TestGoalFollowup(t *testing.T) {
	f := Builtin().Get("goal-followup")
	want := GoalMapping{Progress: "progress", Keep: "keep", NewText: "new_text", NewBy: "new_by"}
	if f.Goal == nil || *f.Goal != want {
		t.Errorf("goal mapping = %+v, want %+v", f.Goal, want)
	}
	if got, _ := f.Step("progress").Prompt(Env{Goal: "Walk every morning"}); got != `Last time you set a goal: "Walk every morning". How did it go?` {
		t.Errorf("progress prompt = %q", got)
	}
	tests := []struct {
		name   string
		inputs map[string]string
		path   string
		done   string
	}{
		{"done", map[string]string{"progress": "done"},
			"progress",
			`You did it, Sam! "Walk every morning" is done. That took effort, and it counts. Whenever you're ready, you can set a new goal.`},
		{"partly, adjust", map[string]string{"progress": "Partly", "obstacles": "Rain", "keep": "adjust", "new_text": "Walk three mornings a week", "new_by": "the end of the month"},
			"progress obstacles keep new_text new_by",
			`Got it. Your goal is now: "Walk three mornings a week", by the end of the month. Small steps count.`},
		{"adjust with no date", map[string]string{"progress": "Partly", "obstacles": "skip", "keep": "adjust", "new_text": "Walk three mornings a week", "new_by": "skip"},
			"progress obstacles keep new_text new_by",
			`Got it. Your goal is now: "Walk three mornings a week". Small steps count.`},
		{"not yet, keep", map[string]string{"progress": "3", "obstacles": "skip", "keep": "Keep it"},
			"progress obstacles keep",
			`Okay, we'll keep "Walk every morning" going. Small steps count.`},
		{"not yet, let go", map[string]string{"progress": "not yet", "obstacles": "skip", "keep": "let it go"},
			"progress obstacles keep",
			`That's fine. Letting a goal go is a choice too, and you can set a new one whenever you're ready.`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path, flags, env := run(t, f, Env{Name: "Sam", Goal: "Walk every morning"}, tc.inputs)
			if got := strings.Join(path, " "); got != tc.path {
				t.Errorf("path = %s, want %s", got, tc.path)
			}
			if len(flags) != 0 {
				t.Errorf("flags = %v", flags)
			}
			if got, err := f.Done(env); err != nil || got != tc.done {
				t.Errorf("done = %q, %v\nwant %q", got, err, tc.done)
			}
		})
	}
	env := Env{Answers: map[string]any{"progress": "Partly"}}
	if got, _ := f.Step("obstacles").Prompt(env); !strings.HasPrefix(got, "Partly is still progress.") {
		t.Errorf("obstacles prompt after Partly = %q", got)
	}
}

// The WHO-5 items, answers and scoring exactly as SAFETY.md gives them.
func TestWeeklyWellbeing(t *testing.T) {
	f := Builtin().Get("weekly-wellbeing")
	if !f.Checkin || f.Schedule == nil || f.Schedule.Cron != "0 10 * * 0" {
		t.Errorf("settings: checkin %v schedule %+v", f.Checkin, f.Schedule)
	}
	items := []struct{ id, text string }{
		{"cheerful", "I have felt cheerful and in good spirits."},
		{"calm", "I have felt calm and relaxed."},
		{"active", "I have felt active and vigorous."},
		{"rested", "I woke up feeling fresh and rested."},
		{"interested", "My daily life has been filled with things that interest me."},
	}
	labels := map[int]string{5: "All of the time", 4: "Most of the time", 3: "More than half of the time", 2: "Less than half of the time", 1: "Some of the time", 0: "At no time"}
	if len(f.Steps) != len(items) {
		t.Fatalf("%d steps, want 5", len(f.Steps))
	}
	for i, it := range items {
		s := f.Steps[i]
		p, err := s.Prompt(Env{})
		if s.ID != it.id || err != nil || !strings.HasSuffix(p, "Over the last two weeks: "+it.text) {
			t.Errorf("item %d: %s %q %v", i+1, s.ID, p, err)
		}
		if s.Kind != Scale || s.Min != 0 || s.Max != 5 || !reflect.DeepEqual(s.Labels, labels) {
			t.Errorf("item %s: %+v", s.ID, s)
		}
	}
	if got := f.ScoreNames(); !reflect.DeepEqual(got, []string{"wellbeing"}) {
		t.Errorf("scores = %v", got)
	}

	const (
		poor = "concern: Wellbeing score was 50 or less out of 100 — worth a talk with someone"
		drop = "concern: Wellbeing score went down by 10 points or more since last time"
		low  = `info: At least one answer was "Some of the time" or "At no time"`
		tail = " It's a snapshot of the last two weeks, not a judgement. If you'd like to talk about any of it, \"resources\" lists people you can reach any time."
	)
	tests := []struct {
		name    string
		answers []string
		last    map[string]float64
		score   float64
		flags   string
		done    string
	}{
		{"64, up 8", []string{"4", "3", "3", "3", "3"}, map[string]float64{"wellbeing": 56}, 64, "",
			"Thank you for taking the time, Sam. Your wellbeing score: 64 of 100, up 8 from last time." + tail},
		{"64, first time", []string{"Most of the time", "more than half", "3", "3", "3 — More than half of the time"}, nil, 64, "",
			"Thank you for taking the time, Sam. Your wellbeing score: 64 of 100." + tail},
		{"64, same", []string{"4", "3", "3", "3", "3"}, map[string]float64{"wellbeing": 64}, 64, "",
			"Thank you for taking the time, Sam. Your wellbeing score: 64 of 100, the same as last time." + tail},
		{"64, down 12 flags the drop", []string{"4", "3", "3", "3", "3"}, map[string]float64{"wellbeing": 76}, 64, drop,
			"Thank you for taking the time, Sam. Your wellbeing score: 64 of 100, down 12 from last time." + tail},
		{"down 8 is no drop flag", []string{"4", "3", "3", "3", "3"}, map[string]float64{"wellbeing": 72}, 64, "",
			"Thank you for taking the time, Sam. Your wellbeing score: 64 of 100, down 8 from last time." + tail},
		{"52 is above the line", []string{"3", "3", "3", "2", "2"}, nil, 52, "",
			"Thank you for taking the time, Sam. Your wellbeing score: 52 of 100." + tail},
		{"48 is poor wellbeing", []string{"2", "2", "2", "3", "3"}, nil, 48, poor,
			"Thank you for taking the time, Sam. Your wellbeing score: 48 of 100." + tail},
		{"a drop of exactly 10", []string{"2", "2", "2", "3", "3"}, map[string]float64{"wellbeing": 58}, 48, poor + "; " + drop,
			"Thank you for taking the time, Sam. Your wellbeing score: 48 of 100, down 10 from last time." + tail},
		{"one item at 1", []string{"5", "5", "5", "5", "some of the time"}, nil, 84, low,
			"Thank you for taking the time, Sam. Your wellbeing score: 84 of 100." + tail},
		{"all flags", []string{"0", "at no time", "1", "2", "2"}, map[string]float64{"wellbeing": 60}, 20, poor + "; " + drop + "; " + low,
			"Thank you for taking the time, Sam. Your wellbeing score: 20 of 100, down 40 from last time." + tail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inputs := map[string]string{}
			for i, a := range tc.answers {
				inputs[items[i].id] = a
			}
			path, stepFlags, env := run(t, f, Env{Name: "Sam", Last: tc.last}, inputs)
			if len(path) != 5 || len(stepFlags) != 0 {
				t.Errorf("path %v, step flags %v", path, stepFlags)
			}
			if got := env.Scores["wellbeing"]; got != tc.score {
				t.Errorf("wellbeing = %v, want %v", got, tc.score)
			}
			if got := reasons(f.CompletionFlags(env)); got != tc.flags {
				t.Errorf("flags = %q\nwant    %q", got, tc.flags)
			}
			if got, err := f.Done(env); err != nil || got != tc.done {
				t.Errorf("done = %q, %v\nwant   %q", got, err, tc.done)
			}
		})
	}
}
