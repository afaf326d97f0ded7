package slack

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/peerbot/peerbot/bot"
)

// ackDeadline is how long a delivery waits for its effect to be saved
// before it is acknowledged anyway: Slack takes a delivery unacknowledged
// after 3 s as lost and sends it again. A late turn still completes.
const ackDeadline = 2 * time.Second

// receipt acknowledges one delivery to Slack once: when the engine has
// decided the message's fate (its effect is saved), or at ackDeadline,
// whichever comes first. Until then a crash leaves the delivery
// unacknowledged, so Slack sends it again and the engine's dedupe mark
// makes it count once.
type receipt struct {
	once  sync.Once
	send  func()
	done  chan struct{}
	timer *time.Timer
}

// ackStats counts how deliveries were acknowledged.
type ackStats struct {
	onTime, late atomic.Int64
}

// newReceipt returns a receipt that calls send to acknowledge.
func (a *Adapter) newReceipt(send func()) *receipt {
	r := &receipt{send: send, done: make(chan struct{})}
	r.timer = time.AfterFunc(ackDeadline, func() {
		r.once.Do(func() {
			a.acks.late.Add(1)
			a.log.Debug("delivery acknowledged at the deadline, before its effect was saved")
			r.finish()
		})
	})
	return r
}

// ack acknowledges now, if nothing has yet.
func (r *receipt) ack(a *Adapter) {
	r.once.Do(func() {
		r.timer.Stop()
		a.acks.onTime.Add(1)
		r.finish()
	})
}

func (r *receipt) finish() {
	if r.send != nil {
		r.send()
	}
	close(r.done)
}

// verdict is a bot.Message.Ack that acknowledges the delivery and hands
// the engine's verdict on.
func (r *receipt) verdict(a *Adapter, then func(bot.Verdict)) func(bot.Verdict) {
	return func(v bot.Verdict) {
		r.ack(a)
		if then != nil {
			then(v)
		}
	}
}

// AckStats returns how many deliveries were acknowledged once their effect
// was saved, and how many at the deadline before it was (the fallback).
func (a *Adapter) AckStats() (onTime, late int64) {
	return a.acks.onTime.Load(), a.acks.late.Load()
}
