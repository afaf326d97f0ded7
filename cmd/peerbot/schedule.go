package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/peerbot/peerbot/bot"
)

// scheduleCommand lists the next scheduled check-ins: for one person
// (--user), or for the people who come first; in their own time and in
// UTC; as if now were --at, so an admin can check a DST weekend before it
// comes.
func scheduleCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("schedule", flag.ContinueOnError)
	var s settings
	s.register(fs)
	user := fs.String("user", "", "the person's `id` (slack:T0TEAM:U0ABC, discord:guild:123, console:local:sam); default: the people who come first")
	atFlag := fs.String("at", "", "answer as if now were `TIME` (RFC 3339, e.g. 2027-03-13T12:00:00-08:00)")
	limit := fs.Int("n", 20, "how many people to list without --user")
	if err := parseFlags(fs, args, stdout, stderr, "peerbot schedule: list the next scheduled check-ins, in each person's time and in UTC.\n\nUsage: peerbot schedule [--user ID] [--at TIME] [--config FILE] [--data DIR] [--redis URL]"); err != nil {
		return err
	}
	var at time.Time
	if *atFlag != "" {
		var err error
		if at, err = time.Parse(time.RFC3339, *atFlag); err != nil {
			fmt.Fprintf(stderr, "peerbot schedule: --at %q is not an RFC 3339 time such as 2027-03-13T12:00:00-08:00\n", *atFlag)
			return errUsage
		}
	}
	cfg, err := loadConfig(s, "warn")
	if err != nil {
		return err
	}
	a, err := openChat(ctx, cfg, stderr, "")
	if err != nil {
		return err
	}
	defer a.store.Close()
	var list []bot.Upcoming
	if *user != "" {
		list, err = a.engine.Upcoming(ctx, bot.UserID(strings.TrimSpace(*user)), at)
	} else {
		list, err = a.engine.UpcomingAll(ctx, at, *limit)
	}
	if err != nil {
		return err
	}
	if len(list) == 0 {
		who := "anyone"
		if *user != "" {
			who = *user + " (not consented, stopped, or unknown)"
		}
		fmt.Fprintf(stdout, "Nothing is scheduled for %s.\n", who)
		return nil
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "WHEN (THEIR TIME)\tZONE\tUTC\tWHO\tFLOW")
	for _, u := range list {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", u.At.In(u.Zone).Format("Mon 2006-01-02 15:04 MST"), u.Zone,
			u.At.UTC().Format("2006-01-02 15:04"), u.User, u.Flow)
	}
	return w.Flush()
}
