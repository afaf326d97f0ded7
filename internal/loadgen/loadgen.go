// Package loadgen drives the engine with simulated people answering daily
// check-ins: the load of the engine benchmarks (bot, adapters/redis) and
// of `peerbot bench`. Each person greets the bot, consents, and then does
// the built-in daily check-in again and again, one message at a time, as a
// person in a direct message would.
package loadgen

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/peerbot/peerbot/bot"
)

// Checkin is what a simulated person says in one daily check-in, in
// order: "checkin" starts it, and each of the rest answers one step of the
// built-in daily-checkin flow (mood, sleep, cravings, one thing that went
// well, a note skipped).
var Checkin = []string{"checkin", "4", "7", "no", "a good walk", "skip"}

// opening is what a new person says first: a greeting (the bot asks for
// consent) and yes (the check-in begins).
var opening = []string{"hi", "yes"}

// Handler takes inbound messages: the engine, or a decorator of it.
type Handler interface {
	Handle(ctx context.Context, msg bot.Message) error
}

// Counter is an adapter that counts the replies it is given and drops
// them. It is safe for concurrent use.
type Counter struct {
	name string
	sent atomic.Int64
}

var _ bot.Adapter = (*Counter)(nil)

// NewCounter returns a Counter for the platform name.
func NewCounter(name string) *Counter { return &Counter{name: name} }

// Name is the platform name given to NewCounter.
func (c *Counter) Name() string { return c.name }

// Send counts the reply.
func (c *Counter) Send(context.Context, bot.Reply) error {
	c.sent.Add(1)
	return nil
}

// Sent is how many replies were sent.
func (c *Counter) Sent() int64 { return c.sent.Load() }

// Options configures Run.
type Options struct {
	// Platform is the messages' platform: an adapter of that name must be
	// registered with the engine (a Counter).
	Platform string
	// Users is how many people talk at once, each in a goroutine.
	Users int
	// User names person i (0 ≤ i < Users); the names must be new to the
	// store, since each person starts by consenting.
	User func(i int) bot.UserID
	// More is asked before each answered step, by all the people at once;
	// when it says false the person stops. See Budget.
	More func() bool
	// Said, when not nil, is called after each message a person said,
	// from their goroutine: who (i), whether it answered a step, and how
	// long Handle took.
	Said func(i int, answered bool, took time.Duration)
}

// Budget returns a More that allows n answered steps in all.
func Budget(n int64) func() bool {
	var used atomic.Int64
	return func() bool { return used.Add(1) <= n }
}

// Run runs o.Users people at once until More says stop or a message
// fails, and returns the first error (the others stop at their next
// message). Each person greets the bot and consents, then goes through
// Checkin in a loop: before each answer More is asked, and a "checkin"
// that starts the next check-in is said only together with its first
// answer, so that the steps answered are exactly those More allowed.
func Run(ctx context.Context, h Handler, o Options) error {
	var (
		wg     sync.WaitGroup
		failed atomic.Bool
		first  error
		once   sync.Once
	)
	for i := range o.Users {
		wg.Go(func() {
			p := person{h: h, platform: o.Platform, user: o.User(i)}
			say := func(text string, answered bool) bool {
				if failed.Load() {
					return false
				}
				took, err := p.say(ctx, text)
				if err != nil {
					once.Do(func() { first = fmt.Errorf("user %s, message %d: %w", p.user, p.seq, err) })
					failed.Store(true)
					return false
				}
				if o.Said != nil {
					o.Said(i, answered, took)
				}
				return true
			}
			for _, text := range opening {
				if !say(text, false) {
					return
				}
			}
			next := 0
			for o.More() {
				if Checkin[next] == "checkin" {
					if !say(Checkin[next], false) {
						return
					}
					next++
				}
				if !say(Checkin[next], true) {
					return
				}
				next = (next + 1) % len(Checkin)
			}
		})
	}
	wg.Wait()
	return first
}

// person is one simulated person in a direct message with the bot.
type person struct {
	h        Handler
	platform string
	user     bot.UserID
	seq      int
}

// say sends one message with an event id of its own and returns how long
// Handle took.
func (p *person) say(ctx context.Context, text string) (time.Duration, error) {
	p.seq++
	m := bot.Message{
		ID: fmt.Sprint(p.user, "-", p.seq), Platform: p.platform, User: p.user,
		Channel: "D", Direct: true, Text: text,
	}
	start := time.Now()
	err := p.h.Handle(ctx, m)
	return time.Since(start), err
}
