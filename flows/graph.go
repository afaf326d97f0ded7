package flows

// Graph checks: every step reachable, and done reachable from every step.

import (
	"fmt"
	"strconv"
	"strings"
)

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
