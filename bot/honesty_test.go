package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/flows"
)

// TestTextsSayWhoIsTold runs one conversation in each configuration —
// flags reaching nobody (the default) and flags reaching "a mentor" — and
// checks that each sentence about who is told appears only in the
// configuration where it is true, and that what it promises is done.
func TestTextsSayWhoIsTold(t *testing.T) {
	const mentor = "a mentor"
	configs := []struct {
		name  string
		reach string
	}{
		{"nobody receives flags", ""},
		{"flags reach a mentor", mentor},
	}
	sentences := []struct {
		name string
		text string
		// trueWith is the FlagsReach under which the sentence is true;
		// "never" for one that is true in no configuration.
		trueWith string
	}{
		{"crisis reply: a mentor is told", "I'm letting a mentor know now", mentor},
		{"crisis reply with the store down: no mentor reached", "I couldn't reach a mentor just now", mentor},
		{"consent: a mentor is told of flags", "a mentor is told.", mentor},
		{"consent: crisis always reaches a mentor", "I will always tell a mentor", mentor},
		{"my data: a mentor is told of each flag", "a mentor is told of each", mentor},
		{"resources: your mentor", "Your mentor and your peers", mentor},
		{"crisis reply: the bot cannot alert a person", "I'm a bot and I can't alert a person myself, so please contact one of these now.", ""},
		{"consent: nobody is notified of flags", "Right now nobody is notified of them", ""},
		{"my data: nobody is notified", "nobody is notified of them", ""},
		{"old promise: the mentor team", "mentor team", "never"},
		{"no choice to share whole check-ins exists", "whole check-ins", "never"},
	}
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			h.tune = func(o *bot.Options) { o.FlagsReach = c.reach }
			h.restart()
			var said strings.Builder
			keep := func(rs []bot.Reply) []bot.Reply {
				for _, r := range rs {
					said.WriteString(r.Text + "\n")
				}
				return rs
			}
			ctx := context.Background()
			keep(h.say("hi"))
			keep(h.say("yes"))
			r := keep(h.say("I want to end my life"))
			if len(r) == 0 || !r[0].Urgent {
				t.Fatalf("crisis replies %+v", r)
			}
			// The promise behind "I'm letting a mentor know" and "I will
			// always tell a mentor": an urgent flag is saved.
			fs, err := h.store.Flags(ctx, h.user)
			if err != nil || len(fs) != 1 || fs[0].Level != bot.LevelUrgent {
				t.Fatalf("flags %+v, %v; want one urgent flag", fs, err)
			}
			keep(h.say("resources"))
			keep(h.say("my data"))

			// The store goes down: the resources still go out.
			flaky := &flakyStore{Store: h.store}
			e, err := bot.New(bot.Options{Store: flaky, Flows: flows.Builtin(), Clock: h.clock, FlagsReach: c.reach})
			if err != nil {
				t.Fatal(err)
			}
			e.Register(h.rec)
			flaky.down.Store(true)
			_ = e.Handle(ctx, h.msg("I want to kill myself", ""))
			keep(h.rec.take())
			if e.KeptFlags() != 1 {
				t.Errorf("kept flags %d, want the urgent flag kept through the outage", e.KeptFlags())
			}

			all := said.String()
			for _, s := range sentences {
				want := s.trueWith == c.reach
				if got := strings.Contains(all, s.text); got != want {
					t.Errorf("%s: said %v, want %v (%q)", s.name, got, want, s.text)
				}
			}
		})
	}
}
