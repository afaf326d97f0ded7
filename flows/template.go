package flows

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"time"

	"github.com/peerbot/peerbot/internal/suggest"
)

// funcs are the helpers templates may call besides text/template's own.
var funcs = template.FuncMap{
	"change": change,
	"int":    toInt,
	"plural": plural,
	"day":    day,
}

// day shows a date answer (YYYY-MM-DD) as words: `{{day .Answers.by}}` is
// "Friday 6 November"; anything else as it is.
func day(v any) string {
	s := fmt.Sprint(v)
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.Format("Monday 2 January")
	}
	return s
}

// plural says a count with its unit in the right number: `{{plural
// .Streak "day"}}` is "1 day" or "3 days". A unit whose plural is not made
// with "s" can give it: `{{plural .N "entry" "entries"}}`. A missing or
// non-numeric count gives "".
func plural(n any, unit string, units ...string) string {
	f, ok := toFloat(n)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	c := strconv.FormatFloat(f, 'f', -1, 64)
	if f == 1 {
		return c + " " + unit
	}
	if len(units) > 0 {
		return c + " " + units[0]
	}
	return c + " " + unit + "s"
}

// change describes a score's change in plain words: "up 8 from last time",
// "down 4 from last time" or "the same as last time". It returns "" when
// either value is missing, so `{{with change .Scores.x .Last.x}}` shows
// nothing on a first run.
func change(newV, oldV any) string {
	n, ok1 := toFloat(newV)
	o, ok2 := toFloat(oldV)
	if !ok1 || !ok2 || math.IsNaN(n) || math.IsNaN(o) {
		return ""
	}
	// Compare the values as shown (rounded), so the words agree with the
	// numbers a person sees.
	d := math.Round(n) - math.Round(o)
	switch {
	case d > 0:
		return "up " + strconv.FormatFloat(d, 'f', -1, 64) + " from last time"
	case d < 0:
		return "down " + strconv.FormatFloat(-d, 'f', -1, 64) + " from last time"
	}
	return "the same as last time"
}

// toInt rounds a number for display ("64", not "64.0000001"); a missing or
// non-numeric value gives "" so that a template never prints a made-up 0.
func toInt(v any) any {
	f, ok := toFloat(v)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	return int64(math.Round(f))
}

// noValue is what text/template prints for a missing map entry or a nil
// answer; it is removed from rendered text.
const noValue = "<no value>"

// newTemplate parses src. missingkey=default (not error) so that an answer
// not given yet renders as nothing rather than failing the prompt, and a
// missing .Last entry reaches `change` as nil rather than as 0.
func newTemplate(name, src string) (*template.Template, error) {
	return template.New(name).Option("missingkey=default").Funcs(funcs).Parse(src)
}

// render executes t over env with the answers normalised to their kinds.
func (f *Flow) render(t *template.Template, env Env) (string, error) {
	if t == nil {
		return "", nil
	}
	if len(env.Answers) > 0 {
		answers := make(map[string]any, len(env.Answers))
		for k, v := range env.Answers {
			if s := f.index[k]; s != nil {
				v = s.normalize(v)
			}
			answers[k] = v
		}
		env.Answers = answers
	}
	var b strings.Builder
	if err := t.Execute(&b, env); err != nil {
		return "", fmt.Errorf("flows: flow %q: %s", f.ID, templateMsg(err))
	}
	return strings.TrimSpace(strings.ReplaceAll(b.String(), noValue, "")), nil
}

var templatePrefix = regexp.MustCompile(`^template: [^:]*:\d+:(\d+:)? ?`)
var templateExec = regexp.MustCompile(`^executing "[^"]*" `)

// templateMsg strips text/template's "template: ask:1:" prefix, which names
// our internal template rather than anything in the YAML file.
func templateMsg(err error) string {
	msg := templatePrefix.ReplaceAllString(err.Error(), "")
	return templateExec.ReplaceAllString(msg, "")
}

// templateLine is the template-relative line of a parse error, or 0.
var templateLineRE = regexp.MustCompile(`^template: [^:]*:(\d+):`)

func templateLine(err error) int {
	m := templateLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// envFields are the fields of Env a template can refer to.
var envFields = []string{"Name", "Answers", "Scores", "Last", "Streak", "Goal", "Profile"}

// checkFields walks a parsed template and reports references to fields Env
// does not have (".Nmae", ".name") and to steps or scores the flow does not
// have (".Answers.moood"). text/template would only find these when the
// prompt is first shown to someone, or, for map keys, never.
func checkFields(t *template.Template, steps map[string]bool, scores map[string]bool) []string {
	c := &fieldChecker{steps: steps, scores: scores}
	// Only the main template: in a {{define}}d one the dot is whatever the
	// caller passes, so its fields cannot be checked against Env.
	if t.Tree != nil && t.Root != nil {
		c.walk(t.Root, true)
	}
	return c.problems
}

type fieldChecker struct {
	steps, scores map[string]bool
	problems      []string
}

// walk visits n; rootDot says whether "." is still the Env (it is not inside
// with and range bodies, where such fields are not checked).
func (c *fieldChecker) walk(n parse.Node, rootDot bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, x := range n.Nodes {
			c.walk(x, rootDot)
		}
	case *parse.ActionNode:
		c.walk(n.Pipe, rootDot)
	case *parse.IfNode:
		c.walk(n.Pipe, rootDot)
		c.walk(n.List, rootDot)
		c.walk(n.ElseList, rootDot)
	case *parse.WithNode:
		c.walk(n.Pipe, rootDot)
		c.walk(n.List, false)
		c.walk(n.ElseList, rootDot)
	case *parse.RangeNode:
		c.walk(n.Pipe, rootDot)
		c.walk(n.List, false)
		c.walk(n.ElseList, rootDot)
	case *parse.TemplateNode:
		c.walk(n.Pipe, rootDot)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, cmd := range n.Cmds {
			c.walk(cmd, rootDot)
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			c.walk(a, rootDot)
		}
	case *parse.FieldNode:
		if rootDot {
			c.check(n.Ident)
		}
	case *parse.VariableNode:
		// $ is always the Env, whatever the dot is.
		if len(n.Ident) > 1 && n.Ident[0] == "$" {
			c.check(n.Ident[1:])
		}
	case *parse.ChainNode:
		c.walk(n.Node, rootDot)
	}
}

func (c *fieldChecker) check(ident []string) {
	if len(ident) == 0 {
		return
	}
	field := ident[0]
	known := false
	for _, f := range envFields {
		if f == field {
			known = true
		}
	}
	if !known {
		msg := fmt.Sprintf("unknown field .%s", field)
		if s := suggest.Closest(field, envFields); s != "" {
			msg += fmt.Sprintf(" (did you mean .%s?)", s)
		} else {
			msg += " (known: ." + strings.Join(envFields, ", .") + ")"
		}
		c.problems = append(c.problems, msg)
		return
	}
	if len(ident) < 2 {
		return
	}
	key := ident[1]
	switch field {
	case "Answers":
		if !c.steps[key] {
			c.problems = append(c.problems, unknownRef(".Answers."+key, "step", key, c.steps))
		}
	case "Scores", "Last":
		if !c.scores[key] {
			c.problems = append(c.problems, unknownRef("."+field+"."+key, "score", key, c.scores))
		}
	case "Name", "Streak", "Goal":
		c.problems = append(c.problems, fmt.Sprintf(".%s has no field %s", field, key))
	}
}

func unknownRef(ref, what, key string, known map[string]bool) string {
	msg := fmt.Sprintf("%s refers to no %s of this flow", ref, what)
	names := make([]string, 0, len(known))
	for k := range known {
		names = append(names, k)
	}
	if s := suggest.Closest(key, names); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg
}
