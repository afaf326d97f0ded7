// Command crisiseval scores the crisis detector (package bot/crisis) on
// evaluation sets and prints per-group rates:
//
//	go run ./bot/crisis/cmd/crisiseval bot/crisis/testdata/eval_dev.tsv bot/crisis/testdata/eval_test.tsv
//
// Any file in the format of package bot/crisis/evalset can be scored
// (label<TAB>group<TAB>text, one message a line; labels crisis, not, peer,
// disclosure). For each file it prints, per group: for crisis messages, the
// share that get the resources (either tier), tier 1 (urgent) and tier 2
// (the safety check); for others, the share that raise tier 1 or tier 2
// about the writer, and the share read as peer or disclosure; for peer and
// disclosure messages, the share recognised as such. A last line compares
// the totals with the goals of issue 11.
//
// -misses lists the line numbers of the wrong answers; -text prints their
// text too (for tuning on a dev set; never do it on a held-out set you mean
// to report).
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/peerbot/peerbot/bot/crisis"
	"github.com/peerbot/peerbot/bot/crisis/evalset"
)

func main() {
	misses := flag.Bool("misses", false, "list the line numbers of wrong answers")
	text := flag.Bool("text", false, "with -misses, print the text of each wrong answer and what the detector said")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: crisiseval [-misses [-text]] FILE...")
		os.Exit(2)
	}
	for _, name := range flag.Args() {
		items, err := evalset.ReadFile(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("== %s (%d messages)\n", name, len(items))
		tallies := evalset.Score(items, outcome)
		evalset.Print(os.Stdout, tallies)
		if !*misses {
			continue
		}
		byLine := map[int]evalset.Item{}
		for _, it := range items {
			byLine[it.Line] = it
		}
		for _, t := range tallies {
			for _, line := range t.Misses {
				if !*text {
					fmt.Printf("miss %s/%s line %d\n", t.Label, t.Group, line)
					continue
				}
				r := crisis.Detect(byLine[line].Text)
				fmt.Printf("miss %s/%s line %d: %s/%s rule=%q signals=%s | %s\n", t.Label, t.Group, line,
					r.Tier, r.Kind, r.Rule, strings.Join(r.Signals, ","), byLine[line].Text)
			}
		}
	}
}

// outcome maps a Result onto what the engine does with it.
func outcome(text string) evalset.Outcome {
	r := crisis.Detect(text)
	switch r.Kind {
	case crisis.Peer:
		return evalset.Outcome{Peer: r.Tier != crisis.None}
	case crisis.Disclosure:
		return evalset.Outcome{Disclosure: true}
	}
	return evalset.Outcome{Urgent: r.Tier == crisis.Crisis, Check: r.Tier == crisis.Risk}
}
