// Package bot is peerbot's domain: the types every part shares, the Engine
// that runs check-in conversations, and the interfaces (Store, Adapter,
// Clock) through which it reaches the outside world.
//
// The package imports no chat SDK, no database client and no adapter; the
// adapters import it, and cmd/peerbot wires them together.
package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// UserID names one person on one platform, as "platform:workspace:user"
// (for example "slack:T1:U123" or "console:local:alice"). It is the key of
// everything the store keeps about them.
type UserID string

// NewUserID builds a UserID from its parts.
func NewUserID(platform, workspace, user string) UserID {
	return UserID(platform + ":" + workspace + ":" + user)
}

// Message is one inbound event from a platform, already translated by its
// adapter.
type Message struct {
	// ID is the platform's own id of the event (Slack event_id, Discord
	// message or interaction id). It makes a redelivered event be handled
	// once; empty means the platform gives none and no dedupe is done.
	ID string
	// Platform is the Name of the adapter the message came through; replies
	// go back through it.
	Platform string
	// User is who wrote or clicked.
	User UserID
	// UserName is how to address the user ("Sam"); may be empty.
	UserName string
	// Channel is where replies go: the DM or the peer channel.
	Channel string
	// Direct is true for a one-to-one conversation with the bot.
	Direct bool
	// Text is what the user typed, or the label of the button they clicked.
	Text string
	// Value is the value of a clicked button; empty for typed text.
	Value string
	// Time is when the platform says the event happened; zero means now.
	Time time.Time
	// Ref is the adapter's own reference to the event (a Slack slash
	// command's response URL, a Discord interaction); the engine copies it
	// into every Reply to this message and never reads it.
	Ref string
	// Timezone is the platform's IANA timezone for the user (Slack's
	// users.info tz), used while the user has not set one; may be empty.
	Timezone string
	// Ack, when set, is called once, before Handle returns, as soon as the
	// engine has decided the message's fate: its effect saved, or the
	// person told to send it again. An adapter acknowledges the platform's
	// delivery there, so that a crash before the save leaves the event to
	// be delivered again. Ack must not block.
	Ack func(Verdict)
}

// Verdict is what became of an inbound message, for Message.Ack.
type Verdict int

// The verdicts.
const (
	// Accepted: the message's effect is saved (or it was a duplicate of
	// one already saved).
	Accepted Verdict = iota + 1
	// Refused: a click on a button of an earlier question; the person was
	// told, and shown the current question.
	Refused
	// NotSaved: the store failed; the person was told to send it again.
	NotSaved
)

// Reply is one outbound message.
type Reply struct {
	// User is whom the reply is for.
	User UserID `json:"user"`
	// Channel is where it goes: the inbound message's channel, or the
	// user's DM. Empty means the user's DM, which the adapter opens (and
	// should remember) itself.
	Channel string `json:"channel,omitempty"`
	// Text is the message body (plain text with light markdown).
	Text string `json:"text"`
	// Options are buttons to offer, in order; empty for free-text prompts.
	Options []Option `json:"options,omitempty"`
	// Ephemeral asks the platform to show it only to User where it can.
	Ephemeral bool `json:"ephemeral,omitempty"`
	// Urgent marks the crisis reply, which adapters must never batch or
	// delay behind other messages.
	Urgent bool `json:"urgent,omitempty"`
	// Ref is the Ref of the message this replies to; empty for messages
	// the bot starts.
	Ref string `json:"ref,omitempty"`
}

// Option is one button of a prompt.
type Option struct {
	// Label is what the button says.
	Label string `json:"label"`
	// Value is what a click answers: the engine binds it to the question
	// it belongs to, and adapters pass it back untouched.
	Value string `json:"value"`
}

// Adapter connects the engine to one chat platform (or the terminal).
type Adapter interface {
	// Name is the platform name used in Message.Platform and UserIDs.
	Name() string
	// Send delivers one reply.
	Send(ctx context.Context, r Reply) error
}

// Handler takes inbound messages; the Engine is one. Handle answers the
// person itself, a failure included ("I couldn't save that — please send
// it again"); the error it returns is for the log and the metrics, never
// to be shown to the person.
type Handler interface {
	Handle(ctx context.Context, msg Message) error
}

// Conversations is what a chat adapter needs of the engine: hand it
// messages, show a user's summary, and note facts about the platform
// (a DM channel, closed DMs) on the profile. *Engine implements it.
type Conversations interface {
	Handle(ctx context.Context, msg Message) error
	Summary(ctx context.Context, user UserID) (Summary, error)
	UpdateProfile(ctx context.Context, user UserID, fn func(*Profile)) error
}

// Clock tells the time; tests inject a fixed or stepping one.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current wall-clock time.
func (SystemClock) Now() time.Time { return time.Now() }

// Error codes, in the style of an HTTP status: what kind of failure it is,
// so that callers can decide what to tell a person.
const (
	ECONFLICT    = "conflict"    // a concurrent update won; retry
	EDUPLICATE   = "duplicate"   // the event was handled already
	EINTERNAL    = "internal"    // a bug or an unexpected failure
	EINVALID     = "invalid"     // bad input from a person or a file
	ENOTFOUND    = "not_found"   // nothing by that name
	EUNAVAILABLE = "unavailable" // a dependency (the store) is down
)

// Error is a failure with a code and a sentence. What a person reads is
// decided by the engine alone: it shows Message for a person's own input
// that it cannot use (a pause date it cannot read), and never Error(), the
// code or the cause, which may name addresses and internals and go to the
// log.
type Error struct {
	Code    string
	Message string
	Err     error // the underlying cause, if any; never shown to users
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the human sentence of err's first *Error, or a
// generic one.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Something went wrong on our side."
}
