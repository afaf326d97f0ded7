// Command crisissplit splits an evaluation set into a dev half and a test
// half at random, stratified by label and group, with a fixed seed so that
// the split can be checked and redone:
//
//	go run ./bot/crisis/cmd/crisissplit -seed 11 \
//	    -dev bot/crisis/testdata/eval_dev.tsv -test bot/crisis/testdata/eval_test.tsv \
//	    bot/crisis/testdata/eval.tsv
//
// The file format is described in package evalset.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/peerbot/peerbot/bot/crisis/evalset"
)

func main() {
	seed := flag.Uint64("seed", 11, "seed of the random split")
	devPath := flag.String("dev", "eval_dev.tsv", "where to write the dev half")
	testPath := flag.String("test", "eval_test.tsv", "where to write the test half")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: crisissplit [-seed N] [-dev FILE] [-test FILE] SET.tsv")
		os.Exit(2)
	}
	items, err := evalset.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dev, test := evalset.Split(items, *seed)
	hdr := func(half string) []string {
		return []string{
			fmt.Sprintf("%s half of %s, split by crisissplit -seed %d (stratified by label and group).", half, flag.Arg(0), *seed),
			"Format: label<TAB>group<TAB>text; see package bot/crisis/evalset.",
		}
	}
	for _, out := range []struct {
		path  string
		half  string
		items []evalset.Item
	}{{*devPath, "dev", dev}, {*testPath, "test", test}} {
		f, err := os.Create(out.path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := evalset.Write(f, hdr(out.half), out.items); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := f.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("%s: %d messages\n", out.path, len(out.items))
	}
}
