package flows

// Steps: each step, its answer kind and its branches.

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

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
		p.errorf(n, id, "missing answer kind: add one of scale, choice, yesno, number, text or date")
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
	case Date:
		p.fields(n, id, "date", nil)
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
