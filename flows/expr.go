package flows

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/peerbot/peerbot/internal/suggest"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// doneTarget is the goto target that ends a flow.
const doneTarget = "done"

// Variables every expression sees besides step ids and score names.
const (
	varLast    = "last"
	varStreak  = "streak"
	varName    = "name"
	varGoal    = "goal"
	varProfile = "profile"
)

// reserved are names a step or score may not take: our own variables, the
// goto target "done", and expr's word operators and literals (a step named
// "in" could never be referred to).
var reserved = map[string]bool{
	varLast: true, varStreak: true, varName: true, varGoal: true, varProfile: true,
	doneTarget: true,
	"in":       true, "or": true, "and": true, "not": true, "matches": true, "contains": true,
	"let": true, "if": true, "else": true, "nil": true, "true": true, "false": true,
}

// sampleFor returns a value of the Go type a step's answer has, so that expr
// can type-check expressions at load; nil for a step whose kind is broken.
func sampleFor(s *Step) any {
	switch s.Kind {
	case Scale:
		return 0
	case Number:
		return 0.0
	case YesNo:
		return false
	case Choice, Text:
		return ""
	}
	return nil
}

// compileEnv is the typed variable set expressions are checked against.
func compileEnv(steps []*Step, scoreNames []string) map[string]any {
	env := map[string]any{
		varLast:    map[string]float64{},
		varStreak:  0,
		varName:    "",
		varGoal:    "",
		varProfile: map[string]any{},
	}
	for _, s := range steps {
		if s.ID != "" {
			env[s.ID] = sampleFor(s)
		}
	}
	for _, n := range scoreNames {
		env[n] = 0.0
	}
	return env
}

// compileBool compiles a `when`; the error is one line for Error.Msg.
func compileBool(src string, env map[string]any) (*vm.Program, error) {
	p, err := expr.Compile(src, expr.Env(env), expr.AsBool())
	if err != nil {
		return nil, exprError(err, env)
	}
	return p, nil
}

// compileNumber compiles a score expression.
func compileNumber(src string, env map[string]any) (*vm.Program, error) {
	p, err := expr.Compile(src, expr.Env(env), expr.AsFloat64())
	if err != nil {
		return nil, exprError(err, env)
	}
	return p, nil
}

// exprError turns expr's multi-line error (with a source snippet) into one
// line, and suggests a name for a typo.
func exprError(err error, env map[string]any) error {
	var fe *file.Error
	if !errors.As(err, &fe) {
		first, _, _ := strings.Cut(err.Error(), "\n")
		return errors.New(first)
	}
	msg := fe.Message
	if name, ok := strings.CutPrefix(msg, "unknown name "); ok {
		names := make([]string, 0, len(env))
		for k := range env {
			names = append(names, k)
		}
		if s := suggest.Closest(name, names); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
	}
	if fe.Snippet != "" && !strings.HasPrefix(fe.Message, "unknown name ") {
		msg += fmt.Sprintf(" at column %d", fe.Column+1)
	}
	return errors.New(msg)
}

// vars builds the run-time variables of the flow's expressions from env.
// Every step id and score name is present, nil when not answered (or
// skipped, or not computed), so that a condition over it fails to evaluate
// and counts as false instead of seeing a zero that was never said.
func (f *Flow) vars(env Env) map[string]any {
	m := make(map[string]any, len(f.Steps)+len(f.scores)+5)
	for _, s := range f.Steps {
		m[s.ID] = s.normalize(env.Answers[s.ID])
	}
	for _, sc := range f.scores {
		if v, ok := env.Scores[sc.name]; ok {
			m[sc.name] = v
		} else {
			m[sc.name] = nil
		}
	}
	// last is typed map[string]float64 at load but passed as map[string]any
	// so that a missing entry reads as nil, not as a score of 0.
	last := make(map[string]any, len(env.Last))
	for k, v := range env.Last {
		last[k] = v
	}
	profile := env.Profile
	if profile == nil {
		profile = map[string]any{}
	}
	m[varLast] = last
	m[varStreak] = env.Streak
	m[varName] = env.Name
	m[varGoal] = env.Goal
	m[varProfile] = profile
	return m
}

// evalBool runs a condition; any failure counts as false, because a rule
// over an answer that was never given must neither fire nor crash a chat.
func evalBool(p *vm.Program, vars map[string]any) bool {
	ok, _ := runBool(p, vars)
	return ok
}

// runBool is evalBool with the reason it failed, if it did.
func runBool(p *vm.Program, vars map[string]any) (ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			ok, err = false, fmt.Errorf("panic: %v", r)
		}
	}()
	out, err := expr.Run(p, vars)
	if err != nil {
		return false, err
	}
	b, _ := out.(bool)
	return b, nil
}

// evalNumber runs a score; ok is false on failure or a non-finite value.
func evalNumber(p *vm.Program, vars map[string]any) (v float64, ok bool) {
	defer func() {
		if recover() != nil {
			v, ok = 0, false
		}
	}()
	out, err := expr.Run(p, vars)
	if err != nil || out == nil {
		return 0, false
	}
	v, ok = toFloat(out)
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}
