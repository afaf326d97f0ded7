package flows

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"
)

// Keys allowed at each level; unknown keys are errors because a typo
// ("scael") would otherwise silently drop a rule.
var (
	flowKeys     = []string{"id", "title", "audience", "schedule", "checkin", "goal", "followup", "scores", "flag", "steps", "done"}
	followupKeys = []string{"flow", "after"}
	stepKeys     = []string{"id", "label", "ask", "scale", "choice", "yesno", "number", "text", "date", "next", "flag"}
	kindKeys     = []string{string(Scale), string(Choice), string(YesNo), string(Number), string(Text), string(Date)}
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
	followup *yaml.Node
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
	if e, ok := fields["followup"]; ok {
		r.followup = e.val
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
