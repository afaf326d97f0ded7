// Command peerbot runs peer-support check-ins on Slack and Discord, and in
// the terminal.
//
//	peerbot                      the terminal chat (same as "peerbot run" with nothing configured)
//	peerbot chat [flags]         the terminal chat
//	peerbot run [flags]          every configured adapter, or the terminal chat
//	peerbot validate [FILE|DIR]  check flow and config files
//	peerbot schedule [flags]     list the next scheduled check-ins
//	peerbot setup slack|discord  print the Slack app manifest or the Discord invite URL
//	peerbot bench [flags]        measure the store and machine with simulated people (sizing)
//	peerbot health               ask a running peerbot whether it is alive (for container health checks)
//	peerbot version              print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	// Time zone names work in an image without zoneinfo (the distroless
	// one): people's check-ins are scheduled on their own clocks.
	_ "time/tzdata"
)

// errUsage marks a command-line mistake: the usage was printed already and
// the exit code is 2.
var errUsage = errors.New("usage")

func main() {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	cancel()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "peerbot:", err)
		os.Exit(1)
	}
}

const usage = `peerbot runs daily wellness check-ins and goal-setting conversations for
peer-support communities.

Usage:
  peerbot [command] [flags]

Commands:
  chat       talk to peerbot in this terminal
  run        run every configured adapter (the terminal chat when none is configured)
  validate   check flow and config files and list every error
  schedule   list the next scheduled check-ins (--user ID, --at TIME)
  setup      print the Slack app manifest (setup slack) or the Discord invite URL (setup discord)
  bench      measure what this machine and store can carry, with simulated people
  health     ask the running peerbot on http.addr whether it is alive (exit 0) or not
  version    print the version

With no command, peerbot runs "run". Use "peerbot <command> --help" for a
command's flags.
`

// run dispatches a command line; it is main without the exits, for tests.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "run"
	switch {
	case len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help"):
		cmd = "help"
	case len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-':
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		return runCommand(ctx, args, stdin, stdout, stderr)
	case "chat":
		return chatCommand(ctx, args, stdin, stdout, stderr)
	case "validate":
		return validateCommand(args, stdout, stderr)
	case "schedule":
		return scheduleCommand(ctx, args, stdout, stderr)
	case "setup":
		return setupCommand(args, stdout, stderr)
	case "bench":
		return benchCommand(ctx, args, stdout, stderr)
	case "health":
		return healthCommand(args, stdout, stderr)
	case "version":
		return versionCommand(args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "peerbot: unknown command %q\n\n%s", cmd, usage)
		return errUsage
	}
}

// parseFlags parses a command's flags. Help asked for goes to stdout with
// exit 0; a wrong flag gets the usage on stderr and exit 2.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer, summary string) error {
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	printUsage := func(out io.Writer) {
		fs.SetOutput(out)
		fmt.Fprintln(out, summary)
		if hasFlags {
			fmt.Fprint(out, "\nFlags:\n")
			fs.PrintDefaults()
		}
		fs.SetOutput(stderr)
	}
	fs.SetOutput(stderr)
	fs.Usage = func() {} // printed below, once, on the right stream
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stdout)
		return flag.ErrHelp
	}
	if err != nil {
		printUsage(stderr)
		return errUsage
	}
	if fs.NArg() > 0 && fs.Name() != "validate" {
		fmt.Fprintf(stderr, "peerbot %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return errUsage
	}
	return nil
}
