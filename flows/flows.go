// Package flows is peerbot's flow language: the YAML schema of a check-in
// flow, its parser and validator, the runtime helpers the engine calls while
// a flow runs, and the built-in flows embedded in the binary.
//
// A flow is validated completely when it is loaded: every `when` and every
// score is compiled once with expr, every template is parsed and tried, and
// the step graph is checked, so that a community admin sees all mistakes
// with file and line at start, not in the middle of someone's check-in.
// At run time nothing here panics or fails loudly on missing answers: a
// condition that cannot be evaluated counts as false.
package flows

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/expr-lang/expr/vm"
)

// Kind is the kind of answer a step takes.
type Kind string

// The answer kinds. Each has its own validation in Step.Parse and its own
// buttons in Step.Options.
const (
	Scale  Kind = "scale"
	Choice Kind = "choice"
	YesNo  Kind = "yesno"
	Number Kind = "number"
	Text   Kind = "text"
	// Date is a day: quick buttons (tomorrow, in 3 days, in a week, in two
	// weeks) or typed ("Friday", "this weekend", "Dec 12", "in 5 days"),
	// stored as YYYY-MM-DD in the person's zone.
	Date Kind = "date"
)

// Flag levels, from least to most pressing.
const (
	LevelInfo    = "info"
	LevelConcern = "concern"
	LevelUrgent  = "urgent"
)

// Audiences of a flow.
const (
	// AudienceMentee runs the flow in each mentee's DM (the default).
	AudienceMentee = "mentee"
	// AudienceChannel posts the flow as a group prompt to peer channels.
	AudienceChannel = "channel"
)

// DefaultMaxLen is the text length limit, in characters, when a text step
// gives none: long enough for a real note, short enough to keep a store
// from being flooded by a paste.
const DefaultMaxLen = 2000

// Flow is one loaded and validated flow. It is immutable after loading and
// safe for concurrent use.
type Flow struct {
	// ID is the unique id, used by `start <id>` and in stored sessions.
	ID string
	// Title is the human title; it defaults to ID.
	Title string
	// Audience is "mentee" (the default) or "channel".
	Audience string
	// Schedule says when the flow starts on its own; nil when absent.
	Schedule *Schedule
	// Checkin makes a completed run count as a check-in for the streak.
	Checkin bool
	// Goal names the steps whose answers the engine stores in the user's
	// goal; nil when absent.
	Goal *GoalMapping
	// Followup, when set, begins another flow on the day after a date
	// this flow asked for (a goal's "by when"); nil when absent.
	Followup *Followup
	// Steps are the questions in file order; Steps[0] is the first.
	Steps []*Step
	// File is the file the flow came from ("builtin/daily-checkin.yaml" for
	// embedded ones).
	File string
	// Line is the line of the flow's first key in File.
	Line int

	done    *template.Template
	doneSrc string
	scores  []*score
	flags   []*flagRule
	index   map[string]*Step
}

// Schedule says when a flow starts on its own and how long a started run
// lives.
type Schedule struct {
	// Cron is the spec (5 or 6 fields, descriptors and CRON_TZ= allowed),
	// already validated.
	Cron string
	// RemindAfter is how long after the start an unanswered run gets one
	// reminder; 0 means no reminder.
	RemindAfter time.Duration
	// ExpireAfter is how long after the start an unfinished run is dropped;
	// 0 means it lives until the next run starts.
	ExpireAfter time.Duration
}

// Followup is a flow's `followup: {flow, after}`: when the flow completes,
// Flow begins on the day after the answer of the date step After, at the
// person's check-in time.
type Followup struct {
	Flow  string
	After string
	// Line is where it is declared, for errors found later (an unknown
	// flow).
	Line int
}

// GoalMapping names the steps whose answers the engine stores in the user's
// goal. goal-setting uses Text, Why, FirstStep, By, Confidence (creates a
// new goal); goal-followup uses Progress, Keep, NewText and NewBy (updates
// the current goal: a new wording comes with its own "by", or none). Each
// value is a step id, validated to exist; "" means not mapped.
type GoalMapping struct {
	Text, Why, FirstStep, By, Confidence, Progress, Keep, NewText, NewBy string
}

// Step is one question of a flow.
type Step struct {
	// ID is the step's id, also the name of its answer in `when`
	// expressions and in templates (.Answers.<id>).
	ID string
	// Label is the question's short wording, which heads its answer where
	// a person reads their answers back ("my data"): the step's `label:`,
	// or its id in words ("went_well" is "Went well").
	Label string
	// Kind is the kind of answer the step takes.
	Kind Kind
	// Min and Max are the bounds of a scale or number step (inclusive). A
	// number step without a bound has -Inf or +Inf there.
	Min, Max float64
	// Labels names some or all values of a scale.
	Labels map[int]string
	// Choices are the options of a choice step, as written in the YAML.
	Choices []string
	// Optional marks a text step that may be skipped; its answer is then nil.
	Optional bool
	// MaxLen is the length limit of a text answer in characters (runes).
	MaxLen int
	// Line is the line of the step in its file.
	Line int

	flow   *Flow
	ask    *template.Template
	askSrc string
	next   []*branch
	flags  []*flagRule
}

// Option is one button of a prompt.
type Option struct {
	// Label is what the button says.
	Label string
	// Value is what a click answers; Step.Parse accepts it.
	Value string
}

// Env is what templates and `when` expressions see. In templates it is the
// data (".Name", ".Answers.mood"); in expressions its parts are variables
// (every step id, every score name, last, streak, name, goal, profile).
type Env struct {
	// Name is how to address the user.
	Name string
	// Answers maps step id to the parsed answer: int for scale, string for
	// choice (the choice as written) and text, bool for yesno, float64 for
	// number, nil for skipped. Numbers that went through JSON are accepted
	// too: they are converted back to the step's kind.
	Answers map[string]any
	// Scores are the computed scores of this run (see Flow.ComputeScores).
	Scores map[string]float64
	// Last are the scores of the user's previous completed run of this
	// flow; nil or empty if none.
	Last map[string]float64
	// Streak is the user's current check-in streak.
	Streak int
	// Goal is the text of the user's current goal, "" if none.
	Goal string
	// Profile holds profile fields such as "timezone" and "name".
	Profile map[string]any
	// OnRuleError, when set, is told of a flag rule that failed to run
	// (its expression errored on these answers): such a rule counts as
	// not holding, and the caller logs it.
	OnRuleError func(rule string, err error)
}

// FlagHit is a flag rule that holds.
type FlagHit struct {
	// Level is info, concern or urgent.
	Level string
	// Reason is the rule's reason, for the mentor.
	Reason string
	// Rule is the `when` source text.
	Rule string
}

// branch is one `next` entry: go to target when `when` holds (or always,
// when prog is nil).
type branch struct {
	when   string
	prog   *vm.Program
	target string // a step id or "done"
	line   int
}

// flagRule is one `flag` entry.
type flagRule struct {
	when   string
	prog   *vm.Program
	level  string
	reason string
	line   int
}

// score is one entry of the flow's `scores:`.
type score struct {
	name string
	src  string
	prog *vm.Program
	line int
}

// First returns the first step.
func (f *Flow) First() *Step {
	if len(f.Steps) == 0 {
		return nil
	}
	return f.Steps[0]
}

// Step returns the step with the given id, or nil if unknown (for example a
// stored session whose flow has since been edited).
func (f *Flow) Step(id string) *Step {
	return f.index[id]
}

// ScoreNames returns the names of the flow's scores in file order.
func (f *Flow) ScoreNames() []string {
	names := make([]string, len(f.scores))
	for i, sc := range f.scores {
		names[i] = sc.name
	}
	return names
}

// Next returns the step after s given the answers so far; nil means the flow
// is done. The first `next` branch whose `when` holds (or has none) wins; a
// `when` that cannot be evaluated (say, over a skipped answer) does not
// hold. With no branch taken, the flow goes on with the step below.
func (f *Flow) Next(s *Step, env Env) (*Step, error) {
	if s == nil || s.flow != f || f.index[s.ID] != s {
		return nil, fmt.Errorf("flows: step %q is not part of flow %q", stepID(s), f.ID)
	}
	var vars map[string]any
	for _, b := range s.next {
		if b.prog != nil {
			if vars == nil {
				vars = f.vars(env)
			}
			if !evalBool(b.prog, vars) {
				continue
			}
		}
		if b.target == doneTarget {
			return nil, nil
		}
		if t := f.index[b.target]; t != nil {
			return t, nil
		}
		return nil, fmt.Errorf("flows: flow %q step %q: unknown goto target %q", f.ID, s.ID, b.target)
	}
	i := slices.Index(f.Steps, s)
	if i+1 < len(f.Steps) {
		return f.Steps[i+1], nil
	}
	return nil, nil
}

func stepID(s *Step) string {
	if s == nil {
		return "<nil>"
	}
	return s.ID
}

// ComputeScores evaluates the flow's `scores:` in file order (a score may
// use the ones above it). A score whose inputs are missing, or whose value
// is not a finite number, is left out rather than reported as 0, so that
// nobody is shown a score they did not earn.
func (f *Flow) ComputeScores(env Env) map[string]float64 {
	out := make(map[string]float64, len(f.scores))
	if len(f.scores) == 0 {
		return out
	}
	env.Scores = out
	vars := f.vars(env)
	for _, sc := range f.scores {
		v, ok := evalNumber(sc.prog, vars)
		if !ok {
			continue
		}
		out[sc.name] = v
		vars[sc.name] = v
	}
	return out
}

// CompletionFlags returns the flow-level `flag:` rules that hold when the
// flow completes. env.Scores should hold the scores of the run; when it is
// nil they are computed here.
func (f *Flow) CompletionFlags(env Env) []FlagHit {
	if len(f.flags) == 0 {
		return nil
	}
	if env.Scores == nil {
		env.Scores = f.ComputeScores(env)
	}
	return hits(f.flags, f.vars(env), env.OnRuleError)
}

// Done renders the closing message; "" if the flow has none. When
// env.Scores is nil the scores are computed here.
func (f *Flow) Done(env Env) (string, error) {
	if f.done == nil {
		return "", nil
	}
	if env.Scores == nil && len(f.scores) > 0 {
		env.Scores = f.ComputeScores(env)
	}
	return f.render(f.done, env)
}

// Prompt renders the step's `ask`.
func (s *Step) Prompt(env Env) (string, error) {
	return s.flow.render(s.ask, env)
}

// Flags returns the step's flag rules that hold; env.Answers should include
// this step's answer.
func (s *Step) Flags(env Env) []FlagHit {
	if len(s.flags) == 0 {
		return nil
	}
	return hits(s.flags, s.flow.vars(env), env.OnRuleError)
}

func hits(rules []*flagRule, vars map[string]any, onErr func(string, error)) []FlagHit {
	var out []FlagHit
	for _, r := range rules {
		ok, err := runBool(r.prog, vars)
		if err != nil && onErr != nil {
			onErr(r.when, err)
		}
		if ok {
			out = append(out, FlagHit{Level: r.level, Reason: r.reason, Rule: r.when})
		}
	}
	return out
}

// Options returns the buttons of the step: one per value for a scale ("4 —
// Good" when labelled), one per choice, Yes/No for yesno; nil for number and
// text, which are typed.
func (s *Step) Options() []Option {
	switch s.Kind {
	case Scale:
		var out []Option
		for v := int(s.Min); v <= int(s.Max); v++ {
			n := strconv.Itoa(v)
			label := n
			if l, ok := s.Labels[v]; ok {
				label = n + " — " + l
			}
			out = append(out, Option{Label: label, Value: n})
		}
		return out
	case Choice:
		out := make([]Option, len(s.Choices))
		for i, c := range s.Choices {
			out[i] = Option{Label: c, Value: c}
		}
		return out
	case YesNo:
		return []Option{{Label: "Yes", Value: "yes"}, {Label: "No", Value: "no"}}
	case Date:
		return []Option{{Label: "Tomorrow", Value: "tomorrow"}, {Label: "In 3 days", Value: "in 3 days"},
			{Label: "In a week", Value: "in a week"}, {Label: "In two weeks", Value: "in two weeks"}}
	}
	return nil
}

// Sentence is one text of a flow that a person may read, as written in
// its file (a template unrendered, with all its branches).
type Sentence struct {
	// Where names the text: "title", "mood: label", "mood: ask",
	// "mood: options", "mood: flag reason", "flag reason" (a rule checked
	// when the flow completes) or "done".
	Where string
	// Text is the text as written.
	Text string
}

// Sentences lists every text of the flow a person may read, in file order,
// so that a reviewer can read a flow's words in one place: its title,
// each step's label, prompt, button labels and flag reasons (a person
// reads their flags in "my data"), the flow's flag reasons and its done
// message.
func (f *Flow) Sentences() []Sentence {
	out := []Sentence{{Where: "title", Text: f.Title}}
	reasons := func(where string, rules []*flagRule) {
		for _, r := range rules {
			out = append(out, Sentence{Where: where, Text: r.reason})
		}
	}
	for _, s := range f.Steps {
		out = append(out, Sentence{Where: s.ID + ": label", Text: s.Label}, Sentence{Where: s.ID + ": ask", Text: s.askSrc})
		if opts := s.Options(); len(opts) > 0 {
			labels := make([]string, len(opts))
			for i, o := range opts {
				labels[i] = o.Label
			}
			out = append(out, Sentence{Where: s.ID + ": options", Text: strings.Join(labels, " | ")})
		}
		reasons(s.ID+": flag reason", s.flags)
	}
	reasons("flag reason", f.flags)
	if f.doneSrc != "" {
		out = append(out, Sentence{Where: "done", Text: f.doneSrc})
	}
	return out
}

// AnswerText says a stored answer as the person reads it back: the label
// of a scale whose values are all labelled ("Ok-ish"), else its button
// ("5 — Very strong", "8"); "Yes" or "No"; a number as written; a choice
// or text exactly as given; "skipped" for nil. An answer that does not fit
// the step (the flow changed since) is shown as stored.
func (s *Step) AnswerText(v any) string {
	if v == nil {
		return "skipped"
	}
	switch n := s.normalize(v).(type) {
	case nil:
	case int:
		label, ok := s.Labels[n]
		switch {
		case !ok:
			return strconv.Itoa(n)
		case len(s.Labels) >= int(s.Max-s.Min)+1:
			return label
		}
		return strconv.Itoa(n) + " — " + label
	case float64:
		return strconv.FormatFloat(n, 'f', -1, 64)
	case bool:
		if n {
			return "Yes"
		}
		return "No"
	case string:
		if s.Kind == Date {
			if d, err := time.Parse(time.DateOnly, n); err == nil {
				return d.Format("Monday 2 January 2006")
			}
		}
		return n
	}
	if f, ok := toFloat(v); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// normalize converts a stored answer to the Go type of the step's kind, so
// that answers which went through JSON (where every number is a float64)
// behave like fresh ones. Anything that does not fit becomes nil.
func (s *Step) normalize(v any) any {
	if v == nil {
		return nil
	}
	switch s.Kind {
	case Scale:
		f, ok := toFloat(v)
		if !ok || f != math.Trunc(f) {
			return nil
		}
		return int(f)
	case Number:
		f, ok := toFloat(v)
		if !ok {
			return nil
		}
		return f
	case YesNo:
		if b, ok := v.(bool); ok {
			return b
		}
		return nil
	case Choice, Text, Date:
		if str, ok := v.(string); ok {
			return str
		}
		return nil
	}
	return v
}

// toFloat converts the numeric types an answer or score may arrive as.
func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int8:
		return float64(n), true
	case int16:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint8:
		return float64(n), true
	case uint16:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float32:
		return float64(n), true
	case float64:
		return n, true
	case interface{ Float64() (float64, error) }: // json.Number
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// Error is one problem in a flow file.
type Error struct {
	// File is the path the flow was loaded from.
	File string
	// Line is the 1-based line of the offending YAML node; 0 when the
	// problem is with the file as a whole (say, it cannot be read).
	Line int
	// Step is the id of the step the problem is in; "" for flow-level ones.
	Step string
	// Msg says what is wrong, and where it can, how to fix it.
	Msg string
}

// Error formats the problem as "file:line: step \"mood\": msg".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Step != "" {
		fmt.Fprintf(&b, "step %q: ", e.Step)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found, sorted by file then line, so that an
// admin can fix a file in one go.
type ErrorList []*Error

// Error joins the problems with newlines.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find the individual *Error values.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// sort orders by file then line, keeping discovery order for ties.
func (l ErrorList) sort() {
	slices.SortStableFunc(l, func(a, b *Error) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
}

// err returns the list as an error, or nil when empty (never a typed nil).
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	l.sort()
	return l
}
