// Package observe watches the engine from the outside: decorators of
// bot.Conversations, bot.Adapter and bot.Store that report what passes
// through them to a Recorder (adapters/prometheus implements one). The
// engine and the adapters know nothing of it; cmd/peerbot wraps them.
//
// Labels are bounded sets only: platform names, error codes, flag levels
// and store operations. No user id, channel id or text is ever reported.
package observe

import (
	"context"
	"errors"
	"time"

	"github.com/peerbot/peerbot/bot"
)

// Recorder receives what the decorators see.
type Recorder interface {
	// MessageHandled is one inbound message through Engine.Handle: its
	// platform, its Outcome and how long Handle took.
	MessageHandled(platform, outcome string, took time.Duration)
	// ReplySent is one Adapter.Send: its platform and Outcome.
	ReplySent(platform, outcome string)
	// FlagRaised is one flag saved, by level (info, concern, urgent).
	FlagRaised(level string)
	// StoreError is one failed store call: the operation (load, save) and
	// the error code (unavailable, internal, …). Conflicts, duplicates and
	// cancelled requests are not the store failing, and are not reported.
	StoreError(operation, code string)
}

// Outcomes, besides the bot error codes (bot.EUNAVAILABLE, …).
const (
	OutcomeOK        = "ok"
	OutcomeCancelled = "cancelled"
)

// Outcome is the label of err: "ok" for nil, "cancelled" for a context
// that ended, else its bot error code.
func Outcome(err error) string {
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return OutcomeCancelled
	default:
		return bot.ErrorCode(err)
	}
}

// Conversations returns c, reporting each Handle to r. Summary,
// UpdateProfile and any later method pass through unchanged.
func Conversations(c bot.Conversations, r Recorder) bot.Conversations {
	return &conversations{Conversations: c, rec: r}
}

type conversations struct {
	bot.Conversations
	rec Recorder
}

func (c *conversations) Handle(ctx context.Context, msg bot.Message) error {
	start := time.Now()
	err := c.Conversations.Handle(ctx, msg)
	c.rec.MessageHandled(msg.Platform, Outcome(err), time.Since(start))
	return err
}

// Adapter returns a, reporting each Send to r.
func Adapter(a bot.Adapter, r Recorder) bot.Adapter {
	return &adapter{Adapter: a, rec: r}
}

type adapter struct {
	bot.Adapter
	rec Recorder
}

func (a *adapter) Send(ctx context.Context, reply bot.Reply) error {
	err := a.Adapter.Send(ctx, reply)
	a.rec.ReplySent(a.Name(), Outcome(err))
	return err
}

// Store returns s, reporting to r every flag a Save stores and every Load
// or Save that fails. The other methods pass through unchanged.
func Store(s bot.Store, r Recorder) bot.Store {
	return &store{Store: s, rec: r}
}

type store struct {
	bot.Store
	rec Recorder
}

func (s *store) Load(ctx context.Context, user bot.UserID, eventID string) (*bot.State, error) {
	st, err := s.Store.Load(ctx, user, eventID)
	s.failed("load", err)
	return st, err
}

func (s *store) Save(ctx context.Context, sv bot.Save) error {
	err := s.Store.Save(ctx, sv)
	s.failed("save", err)
	if err == nil {
		for _, f := range sv.Flags {
			s.rec.FlagRaised(Level(f.Level))
		}
	}
	return err
}

func (s *store) failed(op string, err error) {
	switch code := Outcome(err); code {
	case OutcomeOK, OutcomeCancelled, bot.ECONFLICT, bot.EDUPLICATE:
	default:
		s.rec.StoreError(op, code)
	}
}

// Level is the label of a flag level: one of the three levels, or "other"
// so that a bad value cannot grow the label set.
func Level(l bot.Level) string {
	switch l {
	case bot.LevelInfo, bot.LevelConcern, bot.LevelUrgent:
		return string(l)
	default:
		return "other"
	}
}
