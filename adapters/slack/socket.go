package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// runSocket runs Socket Mode until ctx ends. slack-go's client reconnects by
// itself (apps.connections.open again) after a `disconnect` envelope, a
// dropped websocket or missing pings; it returns only for bad tokens.
func (a *Adapter) runSocket(ctx context.Context) error {
	sm := socketmode.New(a.client, socketmode.OptionLog(log.New(slogWriter{a.log}, "", 0)))
	errc := make(chan error, 1)
	go func() { errc <- sm.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			select {
			case <-errc:
			case <-time.After(5 * time.Second):
			}
			return nil
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack: socket mode: %w (check PEERBOT_SLACK_APP_TOKEN: an app-level token with connections:write)", err)
		case evt := <-sm.Events:
			a.onSocketEvent(sm, evt)
		}
	}
}

// onSocketEvent queues a delivery's work; the envelope is acknowledged
// once the work's effect is saved (see receipt).
func (a *Adapter) onSocketEvent(sm *socketmode.Client, evt socketmode.Event) {
	req := evt.Request
	rc := a.newReceipt(func() { a.ack(sm, req) })
	switch evt.Type {
	case socketmode.EventTypeEventsAPI:
		if ev, ok := evt.Data.(slackevents.EventsAPIEvent); ok {
			a.onEvent(ev, rc)
			return
		}
	case socketmode.EventTypeInteractive:
		if cb, ok := evt.Data.(slackgo.InteractionCallback); ok {
			a.onInteraction(cb, rc)
			return
		}
	case socketmode.EventTypeSlashCommand:
		if cmd, ok := evt.Data.(slackgo.SlashCommand); ok {
			a.onCommand(cmd, rc)
			return
		}
	}
	rc.timer.Stop()
	switch evt.Type {
	case socketmode.EventTypeEventsAPI, socketmode.EventTypeInteractive, socketmode.EventTypeSlashCommand:
		a.ack(sm, req) // a payload slack-go could not type
	case socketmode.EventTypeErrorBadMessage:
		// An envelope slack-go cannot parse (an event type it does not
		// know): ack it anyway, or Slack delivers it again and again.
		if bad, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
			var env struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if json.Unmarshal(bad.Message, &env) == nil && env.EnvelopeID != "" {
				a.ack(sm, &socketmode.Request{EnvelopeID: env.EnvelopeID})
			}
			a.log.Debug("socket mode: unreadable envelope ignored", "err", bad.Cause)
		}
	case socketmode.EventTypeConnected:
		n := 0
		if c, ok := evt.Data.(*socketmode.ConnectedEvent); ok {
			n = c.ConnectionCount
		}
		a.socketUp.Store(true)
		if n == 0 {
			a.log.Info("socket mode connected")
		} else {
			a.reconnects.Add(1)
			a.log.Info("socket mode reconnected", "reconnects", n)
		}
	case socketmode.EventTypeConnecting:
		a.socketUp.Store(false)
	case socketmode.EventTypeConnectionError:
		a.socketUp.Store(false)
		if e, ok := evt.Data.(*slackgo.ConnectionErrorEvent); ok {
			a.log.Warn("socket mode: cannot connect, retrying", "attempt", e.Attempt, "in", e.Backoff, "err", e.ErrorObj)
		}
	case socketmode.EventTypeInvalidAuth:
		a.log.Error("socket mode: Slack refused the app token")
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		a.log.Warn("socket mode: connection error", "type", string(evt.Type))
	case socketmode.EventTypeDisconnect:
		a.socketUp.Store(false)
		a.log.Info("socket mode: Slack asked to reconnect")
	default:
		a.log.Debug("socket mode", "type", string(evt.Type))
	}
}

// ack acknowledges an envelope. It does not wait long: an ack that cannot
// be written (the connection is down) is left to Slack's redelivery, and
// the engine skips what it has handled.
func (a *Adapter) ack(sm *socketmode.Client, req *socketmode.Request) {
	if req == nil || req.EnvelopeID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := sm.AckCtx(ctx, req.EnvelopeID, nil); err != nil {
		a.log.Warn("socket mode: ack not sent", "envelope", req.EnvelopeID, "err", err)
	}
}
