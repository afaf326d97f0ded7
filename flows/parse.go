package flows

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/peerbot/peerbot/internal/suggest"

	"github.com/expr-lang/expr/vm"
	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"
)

// Keys allowed at each level; unknown keys are errors because a typo
// ("scael") would otherwise silently drop a rule.
var (
	flowKeys     = []string{"id", "title", "audience", "schedule", "checkin", "goal", "scores", "flag", "steps", "done"}
	stepKeys     = []string{"id", "label", "ask", "scale", "choice", "yesno", "number", "text", "next", "flag"}
	kindKeys     = []string{string(Scale), string(Choice), string(YesNo), string(Number), string(Text)}
	scheduleKeys = []string{"cron", "remind_after", "expire_after"}
	goalKeys     = []string{"text", "why", "first_step", "by", "confidence", "progress", "keep", "new_text", "new_by"}
	scaleKeys    = []string{"min", "max", "labels"}
	numberKeys   = []string{"min", "max"}
	textKeys     = []string{"optional", "max_len"}
	branchKeys   = []string{"when", "goto"}
	flagKeys     = []string{"when", "level", "reason"}
)

var (
	flowIDRE = regexp.MustCompile(`^[a-z0-9-]+$`)
	identRE  = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	yamlLine = regexp.MustCompile(`line (\d+): (.*)`)
)

// maxScaleValues keeps scales to what fits as a row of buttons (0 to 10).
const maxScaleValues = 11

// cronParser accepts 5 fields, 6 with seconds, and descriptors (@daily);
// CRON_TZ= is handled by the parser itself.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Parse parses and validates one flow file. The error, if any, is an
// ErrorList holding every problem found, each with file and line.
func Parse(file string, data []byte) (*Flow, error) {
	p := &parser{file: file}
	f := p.parse(data)
	if err := p.errs.err(); err != nil {
		return nil, err
	}
	return f, nil
}

// ValidateCron reports whether spec is a schedule the flows accept (5 or 6
// fields, descriptors, CRON_TZ=), so that other config can share the rule.
func ValidateCron(spec string) (err error) {
	defer func() {
		// robfig/cron panics on some inputs ("CRON_TZ=UTC" with no fields).
		if r := recover(); r != nil {
			err = errors.New("a time zone must be followed by a schedule, e.g. \"CRON_TZ=Europe/London 0 9 * * *\"")
		}
	}()
	if strings.TrimSpace(spec) == "" {
		return errors.New("empty schedule")
	}
	_, err = cronParser.Parse(spec)
	return err
}

type parser struct {
	file string
	errs ErrorList
}

func (p *parser) errorf(n *yaml.Node, step, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Step: step, Msg: fmt.Sprintf(format, args...)})
}

// raw* keep the YAML nodes of what can only be checked once every step is
// known (expressions, templates, goto targets).
type rawStep struct {
	s       *Step
	node    *yaml.Node
	askNode *yaml.Node
	next    []*rawBranch
	flags   []*rawFlag
}

type rawBranch struct {
	when       *yaml.Node // nil: unconditional
	target     string
	targetNode *yaml.Node
}

type rawFlag struct {
	node                 *yaml.Node
	when, level, reason  *yaml.Node
	whenSrc, levelString string
}

type rawScore struct {
	name      string
	keyNode   *yaml.Node
	valueNode *yaml.Node
}

type rawFlow struct {
	f        *Flow
	steps    []*rawStep
	scores   []*rawScore
	flags    []*rawFlag
	doneNode *yaml.Node
	goal     map[string]*yaml.Node
}

func (p *parser) parse(data []byte) *Flow {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		p.yamlError(err)
		return nil
	}
	// One flow per file: a second document (after ---) would be ignored
	// without a word otherwise.
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.errorf(&extra, "", "a file holds one flow; put the flow after this --- in a file of its own")
	}
	if len(doc.Content) == 0 {
		p.errs = append(p.errs, &Error{File: p.file, Line: 1, Msg: "empty file: a flow needs at least id and steps"})
		return nil
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "", "a flow must be a mapping of keys (id:, title:, steps:, ...)")
		return nil
	}
	r := &rawFlow{f: &Flow{File: p.file, Line: root.Line, Audience: AudienceMentee, index: map[string]*Step{}}}
	f := r.f
	fields := p.fields(root, "", "", flowKeys)

	if e, ok := fields["id"]; ok {
		f.ID, _ = p.str(e.val, "", "id")
		if f.ID != "" && !flowIDRE.MatchString(f.ID) {
			p.errorf(e.val, "", "flow id %q must be lower case letters, digits and dashes", f.ID)
		}
	}
	if f.ID == "" {
		n := root
		if e, ok := fields["id"]; ok {
			n = e.val
		}
		p.errorf(n, "", "id is required (lower case letters, digits and dashes, e.g. daily-checkin)")
	}
	if e, ok := fields["title"]; ok {
		f.Title, _ = p.str(e.val, "", "title")
	}
	if f.Title == "" {
		f.Title = f.ID
	}
	if e, ok := fields["audience"]; ok {
		if a, ok := p.str(e.val, "", "audience"); ok {
			switch a {
			case AudienceMentee, AudienceChannel:
				f.Audience = a
			default:
				p.errorf(e.val, "", "audience %q must be %q or %q", a, AudienceMentee, AudienceChannel)
			}
		}
	}
	if e, ok := fields["checkin"]; ok {
		f.Checkin, _ = p.boolean(e.val, "", "checkin")
	}
	if e, ok := fields["schedule"]; ok {
		f.Schedule = p.schedule(e.val)
	}
	if e, ok := fields["goal"]; ok {
		r.goal = p.goal(e.val)
	}
	if e, ok := fields["scores"]; ok {
		r.scores = p.scores(e.val)
	}
	if e, ok := fields["flag"]; ok {
		r.flags = p.flags(e.val, "")
	}
	if e, ok := fields["done"]; ok {
		if _, ok := p.str(e.val, "", "done"); ok {
			r.doneNode = e.val
		}
	}
	if e, ok := fields["steps"]; ok {
		p.steps(r, e.val)
	} else {
		p.errorf(root, "", "steps are required: a flow asks at least one question")
	}

	p.link(r)
	return f
}

// yamlError turns yaml.v3's errors ("yaml: line 3: ...") into Errors.
func (p *parser) yamlError(err error) {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	for _, m := range msgs {
		if sub := yamlLine.FindStringSubmatch(m); sub != nil {
			line, _ := strconv.Atoi(sub[1])
			p.errs = append(p.errs, &Error{File: p.file, Line: line, Msg: "YAML: " + sub[2]})
			continue
		}
		p.errs = append(p.errs, &Error{File: p.file, Line: 1, Msg: strings.TrimPrefix(m, "yaml: ")})
	}
}

// resolve follows YAML aliases (*anchor) to the node they stand for.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

type entry struct{ key, val *yaml.Node }

// fields reads a mapping, reporting duplicate and unknown keys. what names
// the mapping in messages ("scale"); "" for the flow or a step itself. A
// null value (as in `yesno:`) is an empty mapping.
func (p *parser) fields(n *yaml.Node, step, what string, known []string) map[string]entry {
	out := map[string]entry{}
	n = resolve(n)
	if isNull(n) {
		return out
	}
	if n.Kind != yaml.MappingNode {
		if what == "" {
			p.errorf(n, step, "expected a mapping of keys (%s)", strings.Join(known, ", "))
		} else {
			p.errorf(n, step, "%s must be a mapping with keys %s", what, strings.Join(known, ", "))
		}
		return out
	}
	prefix := ""
	if what != "" {
		prefix = what + ": "
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, step, "%skeys must be plain words", prefix)
			continue
		}
		if prev, dup := out[k.Value]; dup {
			p.errorf(k, step, "%sduplicate key %q (first at line %d)", prefix, k.Value, prev.key.Line)
			continue
		}
		if len(known) == 0 {
			p.errorf(k, step, "%stakes no settings (write %s: {})", prefix, what)
			continue
		}
		if !slices.Contains(known, k.Value) {
			msg := fmt.Sprintf("%sunknown key %q", prefix, k.Value)
			if s := suggest.Closest(k.Value, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (known: " + strings.Join(known, ", ") + ")"
			}
			p.errorf(k, step, "%s", msg)
			continue
		}
		out[k.Value] = entry{k, v}
	}
	return out
}

// str reads a scalar as text; null is "".
func (p *parser) str(n *yaml.Node, step, what string) (string, bool) {
	n = resolve(n)
	if isNull(n) {
		return "", true
	}
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, step, "%s must be text", what)
		return "", false
	}
	return n.Value, true
}

func (p *parser) boolean(n *yaml.Node, step, what string) (bool, bool) {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		switch strings.ToLower(n.Value) {
		case "true", "yes", "on":
			return true, true
		case "false", "no", "off":
			return false, true
		}
	}
	p.errorf(n, step, "%s must be true or false", what)
	return false, false
}

func (p *parser) number(n *yaml.Node, step, what string) (float64, bool) {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
		if v, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
			return v, true
		}
		if v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return float64(v), true
		}
	}
	p.errorf(n, step, "%s must be a number, not %q", what, n.Value)
	return 0, false
}

func (p *parser) integer(n *yaml.Node, step, what string) (int, bool) {
	v, ok := p.number(n, step, what)
	if !ok {
		return 0, false
	}
	if v != math.Trunc(v) || math.Abs(v) > 1e9 {
		p.errorf(n, step, "%s must be a whole number, not %s", what, resolve(n).Value)
		return 0, false
	}
	return int(v), true
}

func (p *parser) duration(n *yaml.Node, what string) time.Duration {
	s, ok := p.str(n, "", what)
	if !ok || s == "" {
		if ok {
			p.errorf(n, "", "%s must be a duration such as 3h or 90m", what)
		}
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		p.errorf(n, "", "%s %q is not a duration (use e.g. 3h, 90m or 1h30m)", what, s)
		return 0
	}
	if d <= 0 {
		p.errorf(n, "", "%s must be positive, not %s", what, s)
		return 0
	}
	return d
}

func (p *parser) schedule(n *yaml.Node) *Schedule {
	fields := p.fields(n, "", "schedule", scheduleKeys)
	sc := &Schedule{}
	if e, ok := fields["cron"]; ok {
		if spec, ok := p.str(e.val, "", "schedule: cron"); ok {
			if err := ValidateCron(spec); err != nil {
				p.errorf(e.val, "", "schedule: cron %q: %v", spec, err)
			}
			sc.Cron = spec
		}
	} else {
		p.errorf(n, "", "schedule: cron is required (e.g. \"0 9 * * *\" for 9:00 every day)")
	}
	if e, ok := fields["remind_after"]; ok {
		sc.RemindAfter = p.duration(e.val, "schedule: remind_after")
	}
	if e, ok := fields["expire_after"]; ok {
		sc.ExpireAfter = p.duration(e.val, "schedule: expire_after")
	}
	if sc.RemindAfter > 0 && sc.ExpireAfter > 0 && sc.RemindAfter >= sc.ExpireAfter {
		p.errorf(fields["remind_after"].val, "", "schedule: remind_after (%s) must be shorter than expire_after (%s), or the reminder never goes out",
			sc.RemindAfter, sc.ExpireAfter)
	}
	return sc
}

func (p *parser) goal(n *yaml.Node) map[string]*yaml.Node {
	fields := p.fields(n, "", "goal", goalKeys)
	out := map[string]*yaml.Node{}
	for k, e := range fields {
		if _, ok := p.str(e.val, "", "goal: "+k); ok {
			out[k] = e.val
		}
	}
	if len(fields) == 0 && !isNull(resolve(n)) && resolve(n).Kind == yaml.MappingNode {
		p.errorf(n, "", "goal: map at least one of %s to a step id", strings.Join(goalKeys, ", "))
	}
	return out
}

func (p *parser) scores(n *yaml.Node) []*rawScore {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "", "scores must be a mapping of name: expression")
		return nil
	}
	var out []*rawScore
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || !identRE.MatchString(k.Value) {
			p.errorf(k, "", "score name %q must be lower case letters, digits and _ and start with a letter", k.Value)
			continue
		}
		if reserved[k.Value] {
			p.errorf(k, "", "score name %q is reserved; pick another", k.Value)
			continue
		}
		if seen[k.Value] {
			p.errorf(k, "", "duplicate score %q", k.Value)
			continue
		}
		seen[k.Value] = true
		if src, ok := p.str(v, "", "score "+k.Value); ok {
			if strings.TrimSpace(src) == "" {
				p.errorf(v, "", "score %q needs an expression, e.g. (a + b) * 4", k.Value)
				continue
			}
			out = append(out, &rawScore{name: k.Value, keyNode: k, valueNode: v})
		}
	}
	return out
}

func (p *parser) flags(n *yaml.Node, step string) []*rawFlag {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, step, "flag must be a list of {when, level, reason}")
		return nil
	}
	var out []*rawFlag
	for _, item := range n.Content {
		item = resolve(item)
		fields := p.fields(item, step, "flag", flagKeys)
		if item.Kind != yaml.MappingNode {
			continue
		}
		r := &rawFlag{node: item}
		ok := true
		if e, has := fields["when"]; has {
			r.when = e.val
			r.whenSrc, _ = p.str(e.val, step, "flag: when")
		}
		if strings.TrimSpace(r.whenSrc) == "" {
			p.errorf(item, step, "flag: when is required (the condition that raises the flag)")
			ok = false
		}
		if e, has := fields["level"]; has {
			r.level = e.val
			lv, _ := p.str(e.val, step, "flag: level")
			switch lv {
			case LevelInfo, LevelConcern, LevelUrgent:
				r.levelString = lv
			default:
				p.errorf(e.val, step, "flag: level %q must be info, concern or urgent", lv)
				ok = false
			}
		} else {
			p.errorf(item, step, "flag: level is required (info, concern or urgent)")
			ok = false
		}
		if e, has := fields["reason"]; has {
			r.reason = e.val
		}
		if reason, _ := p.str(r.reason, step, "flag: reason"); strings.TrimSpace(reason) == "" {
			p.errorf(item, step, "flag: reason is required: it tells the mentor why they are asked to look")
			ok = false
		}
		if ok {
			out = append(out, r)
		}
	}
	return out
}

func (p *parser) steps(r *rawFlow, n *yaml.Node) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.errorf(n, "", "steps must be a non-empty list of steps")
		return
	}
	seen := map[string]*rawStep{}
	for i, item := range n.Content {
		rs := p.step(resolve(item), i)
		if rs == nil {
			continue
		}
		if id := rs.s.ID; id != "" {
			if prev, dup := seen[id]; dup {
				p.errorf(rs.node, id, "duplicate step id (first at line %d)", prev.s.Line)
				continue
			}
			seen[id] = rs
		}
		rs.s.flow = r.f
		r.steps = append(r.steps, rs)
	}
}

func (p *parser) step(n *yaml.Node, i int) *rawStep {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "", "step %d must be a mapping (id:, ask:, and an answer kind)", i+1)
		return nil
	}
	s := &Step{Line: n.Line}
	rs := &rawStep{s: s, node: n}
	// Read the id first so every later message names the step.
	var idNode *yaml.Node
	for j := 0; j+1 < len(n.Content); j += 2 {
		if k := resolve(n.Content[j]); k.Kind == yaml.ScalarNode && k.Value == "id" {
			idNode = resolve(n.Content[j+1])
			if v, ok := p.str(idNode, "", "id"); ok {
				s.ID = v
			}
			break
		}
	}
	id := s.ID
	switch {
	case idNode == nil || id == "":
		p.errorf(n, "", "step %d has no id (lower case letters, digits and _, e.g. mood)", i+1)
	case !identRE.MatchString(id):
		p.errorf(idNode, id, "id must be lower case letters, digits and _ and start with a letter, since it is a variable in `when` expressions")
		s.ID = ""
	case reserved[id]:
		p.errorf(idNode, id, "id %q is reserved (%s); pick another", id, reservedWhy(id))
		s.ID = ""
	}
	fields := p.fields(n, id, "", stepKeys)

	s.Label = idWords(s.ID)
	if e, ok := fields["label"]; ok {
		if v, ok := p.str(e.val, id, "label"); ok {
			switch v = strings.TrimSpace(v); {
			case v == "":
				p.errorf(e.val, id, "label must not be empty: leave it out to use the id in words (%q)", idWords(id))
			case strings.ContainsAny(v, "\n{}"):
				p.errorf(e.val, id, "label must be short plain text on one line, with no template")
			case utf8.RuneCountInString(v) > maxLabelLen:
				p.errorf(e.val, id, "label must be at most %d characters, not %d: it is the question's short wording", maxLabelLen, utf8.RuneCountInString(v))
			default:
				s.Label = v
			}
		}
	}

	if e, ok := fields["ask"]; ok {
		if src, ok := p.str(e.val, id, "ask"); ok && strings.TrimSpace(src) != "" {
			rs.askNode = e.val
		} else if ok {
			p.errorf(e.val, id, "ask must not be empty")
		}
	} else {
		p.errorf(n, id, "ask is required: the question to send")
	}

	var kinds []string
	for _, k := range kindKeys {
		if _, ok := fields[k]; ok {
			kinds = append(kinds, k)
		}
	}
	switch len(kinds) {
	case 0:
		p.errorf(n, id, "missing answer kind: add one of scale, choice, yesno, number or text")
	case 1:
		s.Kind = Kind(kinds[0])
		p.kind(s, fields[kinds[0]].val, id)
	default:
		// Point at the second kind in the file: the first is most likely
		// the intended one.
		slices.SortFunc(kinds, func(a, b string) int { return fields[a].key.Line - fields[b].key.Line })
		p.errorf(fields[kinds[1]].key, id, "two answer kinds (%s and %s): a step takes exactly one", kinds[0], kinds[1])
	}

	if e, ok := fields["next"]; ok {
		rs.next = p.next(e.val, id)
	}
	if e, ok := fields["flag"]; ok {
		rs.flags = p.flags(e.val, id)
	}
	return rs
}

// maxLabelLen bounds a step's label, which heads its answer in "my data".
const maxLabelLen = 60

// idWords is a step id in words, the label of a step that has none:
// "went_well" is "Went well".
func idWords(id string) string {
	w := strings.ReplaceAll(id, "_", " ")
	if w == "" {
		return ""
	}
	return strings.ToUpper(w[:1]) + w[1:]
}

func reservedWhy(id string) string {
	switch id {
	case doneTarget:
		return "`goto: done` ends the flow"
	case varLast, varStreak, varName, varGoal, varProfile:
		return "it is a built-in variable in `when` expressions"
	}
	return "it is an operator or literal in `when` expressions"
}

// kind reads the answer kind's settings; false when they are unusable.
func (p *parser) kind(s *Step, n *yaml.Node, id string) bool {
	switch s.Kind {
	case Scale:
		return p.scale(s, n, id)
	case Number:
		return p.numberKind(s, n, id)
	case Choice:
		return p.choice(s, n, id)
	case YesNo:
		p.fields(n, id, "yesno", nil)
		return true
	case Text:
		fields := p.fields(n, id, "text", textKeys)
		s.MaxLen = DefaultMaxLen
		ok := true
		if e, has := fields["optional"]; has {
			s.Optional, _ = p.boolean(e.val, id, "text: optional")
		}
		if e, has := fields["max_len"]; has {
			if v, good := p.integer(e.val, id, "text: max_len"); good {
				if v <= 0 {
					p.errorf(e.val, id, "text: max_len must be more than 0, not %d", v)
					ok = false
				} else {
					s.MaxLen = v
				}
			}
		}
		return ok
	}
	return false
}

func (p *parser) scale(s *Step, n *yaml.Node, id string) bool {
	fields := p.fields(n, id, "scale", scaleKeys)
	ok := true
	var lo, hi int
	if e, has := fields["min"]; has {
		lo, ok = p.integer(e.val, id, "scale: min")
	} else {
		p.errorf(n, id, "scale: min is required")
		ok = false
	}
	if e, has := fields["max"]; has {
		var good bool
		hi, good = p.integer(e.val, id, "scale: max")
		ok = ok && good
	} else {
		p.errorf(n, id, "scale: max is required")
		ok = false
	}
	if !ok {
		return false
	}
	s.Min, s.Max = float64(lo), float64(hi)
	if lo >= hi {
		p.errorf(fields["min"].val, id, "scale: min (%d) must be less than max (%d)", lo, hi)
		return false
	}
	if hi-lo+1 > maxScaleValues {
		p.errorf(fields["max"].val, id, "scale: %d to %d is %d values; a scale has at most %d (e.g. 0 to 10)", lo, hi, hi-lo+1, maxScaleValues)
		return false
	}
	e, has := fields["labels"]
	if !has {
		return true
	}
	ln := resolve(e.val)
	if isNull(ln) {
		return true
	}
	if ln.Kind != yaml.MappingNode {
		p.errorf(ln, id, "scale: labels must be a mapping of value: label, e.g. {1: Rough, 5: Great}")
		return false
	}
	s.Labels = map[int]string{}
	byNorm := map[string]int{}
	for i := 0; i+1 < len(ln.Content); i += 2 {
		k, v := resolve(ln.Content[i]), resolve(ln.Content[i+1])
		val, good := p.integer(k, id, "scale: label key")
		if !good {
			ok = false
			continue
		}
		if val < lo || val > hi {
			p.errorf(k, id, "scale: label for %d is outside %d to %d", val, lo, hi)
			ok = false
			continue
		}
		if _, dup := s.Labels[val]; dup {
			p.errorf(k, id, "scale: two labels for %d", val)
			ok = false
			continue
		}
		label, good := p.str(v, id, "scale: label")
		label = strings.TrimSpace(label)
		if !good || label == "" {
			if good {
				p.errorf(v, id, "scale: label for %d is empty", val)
			}
			ok = false
			continue
		}
		norm := normalize(label)
		if other, dup := byNorm[norm]; dup {
			p.errorf(v, id, "scale: label %q for %d is the same as the one for %d, so a typed answer would be ambiguous", label, val, other)
			ok = false
			continue
		}
		if _, err := strconv.Atoi(norm); err == nil {
			p.errorf(v, id, "scale: label %q is a number; a typed %q would be ambiguous", label, label)
			ok = false
			continue
		}
		byNorm[norm] = val
		s.Labels[val] = label
	}
	return ok
}

func (p *parser) numberKind(s *Step, n *yaml.Node, id string) bool {
	fields := p.fields(n, id, "number", numberKeys)
	s.Min, s.Max = math.Inf(-1), math.Inf(1)
	ok := true
	if e, has := fields["min"]; has {
		var good bool
		s.Min, good = p.number(e.val, id, "number: min")
		ok = ok && good
	}
	if e, has := fields["max"]; has {
		var good bool
		s.Max, good = p.number(e.val, id, "number: max")
		ok = ok && good
	}
	if ok && s.Min >= s.Max {
		p.errorf(fields["min"].val, id, "number: min (%s) must be less than max (%s)", fmtNum(s.Min), fmtNum(s.Max))
		return false
	}
	return ok
}

func (p *parser) choice(s *Step, n *yaml.Node, id string) bool {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.errorf(n, id, "choice must be a non-empty list, e.g. [Done, Partly, Not yet]")
		return false
	}
	ok := true
	seen := map[string]string{}
	for _, item := range n.Content {
		c, good := p.str(item, id, "choice")
		c = strings.TrimSpace(c)
		if !good || c == "" {
			if good {
				p.errorf(item, id, "choice: empty option")
			}
			ok = false
			continue
		}
		norm := normalize(c)
		if prev, dup := seen[norm]; dup {
			p.errorf(item, id, "choice: duplicate option %q (same as %q)", c, prev)
			ok = false
			continue
		}
		seen[norm] = c
		s.Choices = append(s.Choices, c)
	}
	return ok
}

func (p *parser) next(n *yaml.Node, id string) []*rawBranch {
	n = resolve(n)
	// `next: note` is short for `next: [{goto: note}]`.
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		return []*rawBranch{{target: n.Value, targetNode: n}}
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, id, "next must be a list of {when, goto}")
		return nil
	}
	var out []*rawBranch
	var always *rawBranch
	for _, item := range n.Content {
		item = resolve(item)
		fields := p.fields(item, id, "next", branchKeys)
		if item.Kind != yaml.MappingNode {
			continue
		}
		b := &rawBranch{}
		if e, ok := fields["when"]; ok {
			if src, good := p.str(e.val, id, "next: when"); good && strings.TrimSpace(src) != "" {
				b.when = e.val
			} else if good {
				p.errorf(e.val, id, "next: when is empty; leave it out for a branch that is always taken")
			}
		}
		if e, ok := fields["goto"]; ok {
			b.target, _ = p.str(e.val, id, "next: goto")
			b.targetNode = e.val
		}
		if b.target == "" {
			p.errorf(item, id, "next: goto is required (a step id, or done)")
			continue
		}
		if always != nil {
			p.errorf(item, id, "next: this branch is never taken: the one at line %d has no when and always wins", always.targetNode.Line)
		}
		if b.when == nil && always == nil {
			always = b
		}
		out = append(out, b)
	}
	return out
}

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
	p.graph(r)
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

// graph checks that every goto target exists (done in link), that every
// step can be reached from the first, and that `done` can be reached from
// every reachable step (no loop without an exit). Every branch counts as
// possible, since which `when` holds is only known at run time.
func (p *parser) graph(r *rawFlow) {
	f := r.f
	n := len(r.steps)
	if n == 0 {
		return
	}
	pos := map[*Step]int{}
	for i, rs := range r.steps {
		pos[rs.s] = i
	}
	const done = -1
	succ := make([][]int, n)
	for i, rs := range r.steps {
		fallsThrough := true
		for _, b := range rs.s.next {
			if b.prog == nil { // unconditional
				fallsThrough = false
			}
			switch {
			case b.target == doneTarget:
				succ[i] = append(succ[i], done)
			case f.index[b.target] != nil:
				succ[i] = append(succ[i], pos[f.index[b.target]])
			default:
				// An unknown target is already reported; counting it as an
				// exit avoids a second, misleading "loop" error.
				succ[i] = append(succ[i], done)
			}
		}
		if fallsThrough {
			if i+1 < n {
				succ[i] = append(succ[i], i+1)
			} else {
				succ[i] = append(succ[i], done)
			}
		}
	}
	reach := make([]bool, n)
	stack := []int{0}
	reach[0] = true
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, j := range succ[i] {
			if j != done && !reach[j] {
				reach[j] = true
				stack = append(stack, j)
			}
		}
	}
	// canFinish: a fixed point over "has a successor that is done or can
	// finish"; flows are small, so the quadratic loop is fine.
	canFinish := make([]bool, n)
	for changed := true; changed; {
		changed = false
		for i := range n {
			if canFinish[i] {
				continue
			}
			for _, j := range succ[i] {
				if j == done || canFinish[j] {
					canFinish[i] = true
					changed = true
					break
				}
			}
		}
	}
	var stuck []string
	for i, rs := range r.steps {
		if reach[i] && !canFinish[i] {
			stuck = append(stuck, label(rs.s, i))
		}
	}
	for i, rs := range r.steps {
		switch {
		case !reach[i]:
			p.errorf(rs.node, rs.s.ID, "unreachable: no path from the first step leads here")
		case !canFinish[i]:
			p.errorf(rs.node, rs.s.ID, "loop with no exit: done can never be reached from here (steps %s lead only to each other)", strings.Join(stuck, ", "))
		}
	}
}

func label(s *Step, i int) string {
	if s.ID != "" {
		return s.ID
	}
	return fmt.Sprintf("#%d", i+1)
}

// fmtNum prints a bound without trailing zeros ("24", "7.5").
func fmtNum(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}
