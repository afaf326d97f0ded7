package flows

// Linking: what needs the whole flow (expressions, templates, the goal mapping).

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/peerbot/peerbot/internal/suggest"

	"github.com/expr-lang/expr/vm"
	"gopkg.in/yaml.v3"
)

// link does everything that needs the whole flow: expressions, templates,
// the goal mapping, and the step graph.
func (p *parser) link(r *rawFlow) {
	f := r.f
	// Steps with no answer kind (none or two given) have untyped variables;
	// a step whose kind has bad settings still has its kind's type.
	var broken []string
	for _, rs := range r.steps {
		f.Steps = append(f.Steps, rs.s)
		if rs.s.ID == "" {
			continue
		}
		f.index[rs.s.ID] = rs.s
		if rs.s.Kind == "" {
			broken = append(broken, rs.s.ID)
		}
	}

	var scoreNames []string
	for _, sc := range r.scores {
		if f.index[sc.name] != nil {
			p.errorf(sc.keyNode, "", "score %q has the same name as a step", sc.name)
			continue
		}
		scoreNames = append(scoreNames, sc.name)
	}
	env := compileEnv(f.Steps, scoreNames)
	// A step with no kind has an untyped variable, and expr then rejects
	// every comparison with it ("mismatched types unknown and int"). Those
	// errors only repeat the missing kind, so they are dropped.
	var brokenRE []*regexp.Regexp
	for _, id := range broken {
		brokenRE = append(brokenRE, regexp.MustCompile(`\b`+regexp.QuoteMeta(id)+`\b`))
	}
	echoesBroken := func(src string, err error) bool {
		if !strings.Contains(err.Error(), "unknown") || strings.Contains(err.Error(), "unknown name") {
			return false
		}
		for _, re := range brokenRE {
			if re.MatchString(src) {
				return true
			}
		}
		return false
	}
	compileWhen := func(n *yaml.Node, step, what string) (string, *vm.Program, bool) {
		src, _ := p.str(n, step, what)
		prog, err := compileBool(src, env)
		if err != nil {
			if !echoesBroken(src, err) {
				p.errorf(n, step, "%s %q: %v", what, src, err)
			}
			return src, nil, false
		}
		return src, prog, true
	}
	compileFlags := func(raws []*rawFlag, step string) []*flagRule {
		var out []*flagRule
		for _, rf := range raws {
			src, prog, ok := compileWhen(rf.when, step, "flag: when")
			if !ok {
				continue
			}
			reason, _ := p.str(rf.reason, step, "flag: reason")
			out = append(out, &flagRule{when: src, prog: prog, level: rf.levelString, reason: strings.TrimSpace(reason), line: rf.node.Line})
		}
		return out
	}

	for _, sc := range r.scores {
		if !slices.Contains(scoreNames, sc.name) {
			continue
		}
		src, _ := p.str(sc.valueNode, "", "score")
		prog, err := compileNumber(src, env)
		if err != nil {
			if !echoesBroken(src, err) {
				p.errorf(sc.valueNode, "", "score %q: %q: %v", sc.name, src, err)
			}
			continue
		}
		f.scores = append(f.scores, &score{name: sc.name, src: src, prog: prog, line: sc.valueNode.Line})
	}
	f.flags = compileFlags(r.flags, "")

	for _, rs := range r.steps {
		s := rs.s
		id := s.ID
		for _, rb := range rs.next {
			b := &branch{target: rb.target, line: rb.targetNode.Line}
			if rb.when != nil {
				src, prog, ok := compileWhen(rb.when, id, "next: when")
				if !ok {
					// Keep the edge for the graph checks, but never take it.
					prog = neverProgram
				}
				b.when, b.prog = src, prog
			}
			if b.target != doneTarget && f.index[b.target] == nil {
				msg := fmt.Sprintf("goto %q: no such step", b.target)
				if sug := suggest.Closest(b.target, append(slices.Collect(maps.Keys(f.index)), doneTarget)); sug != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", sug)
				}
				p.errorf(rb.targetNode, id, "%s", msg)
			}
			s.next = append(s.next, b)
		}
		s.flags = compileFlags(rs.flags, id)
	}

	p.templates(r, scoreNames)
	p.goalMapping(r)
	p.followup(r)
	p.graph(r)
}

// followup reads `followup: {flow, after}`: after must be a date step of
// this flow; whether flow exists is checked with the whole set (Set.Check).
func (p *parser) followup(r *rawFlow) {
	n := r.followup
	if n == nil {
		return
	}
	fields := p.fields(n, "", "followup", followupKeys)
	fu := &Followup{Line: n.Line}
	for key, dst := range map[string]*string{"flow": &fu.Flow, "after": &fu.After} {
		e, ok := fields[key]
		if !ok {
			p.errorf(n, "", "followup: %s is required (followup: {flow: goal-followup, after: by})", key)
			continue
		}
		if v, ok := p.str(e.val, "", "followup."+key); ok {
			*dst = strings.TrimSpace(v)
		}
	}
	if fu.After != "" {
		s := r.f.Step(fu.After)
		switch {
		case s == nil:
			p.errorf(fields["after"].val, "", "followup: after: no step %q in this flow", fu.After)
			return
		case s.Kind != Date && s.Kind != "":
			p.errorf(fields["after"].val, "", "followup: after: step %q must ask for a date (date: {}), not %s", fu.After, s.Kind)
			return
		}
	}
	if fu.Flow != "" && fu.After != "" {
		r.f.Followup = fu
	}
}

// neverProgram stands in for a `when` that failed to compile (already
// reported), so a flow with errors is never run but can still be checked.
var neverProgram, _ = compileBool("false", map[string]any{})

// templates parses every ask and the done message, checks the fields they
// use, and renders each once with sample answers so that mistakes that
// only show when executing (a wrong function argument) are found at load.
func (p *parser) templates(r *rawFlow, scoreNames []string) {
	f := r.f
	steps := map[string]bool{}
	for id := range f.index {
		steps[id] = true
	}
	scores := map[string]bool{}
	for _, n := range scoreNames {
		scores[n] = true
	}
	sample := sampleEnv(f, scoreNames)
	build := func(n *yaml.Node, step, name string) *template.Template {
		src, _ := p.str(n, step, name)
		t, err := newTemplate(name, src)
		if err != nil {
			p.errorf(lineNode(n, templateLine(err)), step, "%s: template: %s", name, templateMsg(err))
			return nil
		}
		if problems := checkFields(t, steps, scores); len(problems) > 0 {
			for _, pr := range problems {
				p.errorf(n, step, "%s: template: %s", name, pr)
			}
			return nil
		}
		if err := t.Execute(discard{}, sample); err != nil {
			p.errorf(n, step, "%s: template: %s", name, templateMsg(err))
			return nil
		}
		return t
	}
	for _, rs := range r.steps {
		if rs.askNode != nil {
			rs.s.ask = build(rs.askNode, rs.s.ID, "ask")
			rs.s.askSrc = resolve(rs.askNode).Value
		}
	}
	if r.doneNode != nil {
		f.done = build(r.doneNode, "", "done")
		f.doneSrc = resolve(r.doneNode).Value
	}
}

// lineNode returns a stand-in node whose line is that of a template's line
// within n: exact for block scalars (ask: |), the value's line otherwise.
func lineNode(n *yaml.Node, tline int) *yaml.Node {
	switch {
	case n.Style&yaml.LiteralStyle != 0 && tline >= 1:
		return &yaml.Node{Line: n.Line + tline}
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return &yaml.Node{Line: n.Line + 1}
	}
	return n
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

// sampleEnv is a plausible Env for trying templates at load.
func sampleEnv(f *Flow, scoreNames []string) Env {
	env := Env{
		Name:    "Sam",
		Answers: map[string]any{},
		Scores:  map[string]float64{},
		Last:    map[string]float64{},
		Streak:  3,
		Goal:    "walk every morning",
		Profile: map[string]any{"timezone": "UTC", "name": "Sam"},
	}
	for _, s := range f.Steps {
		if s.ID == "" {
			continue
		}
		switch s.Kind {
		case Scale:
			env.Answers[s.ID] = int(s.Min)
		case Number:
			v := 0.0
			if !math.IsInf(s.Min, 0) {
				v = s.Min
			}
			env.Answers[s.ID] = v
		case YesNo:
			env.Answers[s.ID] = true
		case Choice:
			if len(s.Choices) > 0 {
				env.Answers[s.ID] = s.Choices[0]
			}
		case Text:
			env.Answers[s.ID] = "something"
		}
	}
	for _, n := range scoreNames {
		env.Scores[n] = 50
		env.Last[n] = 42
	}
	return env
}

// goalMapping resolves `goal:` to step ids.
func (p *parser) goalMapping(r *rawFlow) {
	if r.goal == nil {
		return
	}
	g := &GoalMapping{}
	targets := map[string]*string{
		"text": &g.Text, "why": &g.Why, "first_step": &g.FirstStep, "by": &g.By, "confidence": &g.Confidence,
		"progress": &g.Progress, "keep": &g.Keep, "new_text": &g.NewText, "new_by": &g.NewBy,
	}
	for _, k := range goalKeys {
		n, ok := r.goal[k]
		if !ok {
			continue
		}
		id, _ := p.str(n, "", "goal: "+k)
		s := r.f.index[id]
		if s == nil {
			msg := fmt.Sprintf("goal: %s refers to no step %q", k, id)
			if sug := suggest.Closest(id, slices.Collect(maps.Keys(r.f.index))); sug != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", sug)
			}
			p.errorf(n, "", "%s", msg)
			continue
		}
		if k == "confidence" && s.Kind != Scale && s.Kind != Number {
			p.errorf(n, "", "goal: confidence must be a scale or number step, and %q is %s", id, s.Kind)
			continue
		}
		*targets[k] = id
	}
	r.f.Goal = g
}
