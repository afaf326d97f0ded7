package slack

import (
	"context"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/peerbot/peerbot/bot"
)

// The on* functions look at the payload and queue the work on the user's
// queue, so they return at once. The delivery's receipt is acknowledged
// when the engine has saved the message's effect (bot.Message.Ack), at
// ackDeadline if that takes longer, and at once for what peerbot ignores.

// onEvent takes one Events API event.
func (a *Adapter) onEvent(ev slackevents.EventsAPIEvent, rc *receipt) {
	cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok || cb == nil {
		rc.ack(a)
		return
	}
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.MessageEvent:
		a.onMessage(cb.EventID, e, rc)
	case *slackevents.AppHomeOpenedEvent:
		rc.ack(a) // nothing to save
		if e.Tab == "home" && e.User != "" {
			user := e.User
			a.queue.Do(user, func(ctx context.Context) { a.publishHome(ctx, user) })
		}
	default:
		rc.ack(a)
	}
}

// onMessage takes a message event: a DM to the bot, or a message in a peer
// channel. Other channels, edits, deletions, joins and bots are ignored.
func (a *Adapter) onMessage(eventID string, e *slackevents.MessageEvent, rc *receipt) {
	switch e.SubType {
	case "", "file_share", "thread_broadcast":
	default:
		rc.ack(a)
		return // message_changed, message_deleted, bot_message, channel_join, ...
	}
	direct := e.ChannelType == slackevents.ChannelTypeIM || (e.ChannelType == "" && isDM(e.Channel))
	if e.BotID != "" || e.User == "" || (!direct && !a.peers[e.Channel]) || a.isBotUser(e.User) {
		rc.ack(a)
		return
	}
	user, channel, text, ts := e.User, e.Channel, plainText(e.Text), e.TimeStamp
	a.queue.Do(user, func(ctx context.Context) {
		defer rc.ack(a)
		if a.waitReady(ctx) != nil || user == a.botUserID {
			return
		}
		info := a.lookupUser(ctx, user)
		if direct {
			a.dms.Store(user, channel)
		}
		a.handle(ctx, bot.Message{
			ID: eventID, Platform: platform, User: a.userID(user), UserName: info.name,
			Channel: channel, Direct: direct, Text: text, Time: slackTime(ts), Timezone: info.tz,
			Ack: rc.verdict(a, nil),
		})
	})
}

// onInteraction takes a click on one of peerbot's buttons. The engine
// decides whether it answers the current question (the button's value
// says which question it belongs to); the clicked message is then updated
// to show the answer, or that it was from an earlier question, with its
// buttons gone.
func (a *Adapter) onInteraction(cb slackgo.InteractionCallback, rc *receipt) {
	if cb.Type != slackgo.InteractionTypeBlockActions || cb.Container.IsEphemeral {
		rc.ack(a)
		return
	}
	var act *slackgo.BlockAction
	for _, x := range cb.ActionCallback.BlockActions {
		if x != nil && strings.HasPrefix(x.ActionID, actionPrefix) {
			act = x
			break
		}
	}
	channel := first(cb.Container.ChannelID, cb.Channel.ID)
	ts := first(cb.Container.MessageTs, cb.Message.Timestamp)
	user := cb.User.ID
	if act == nil || channel == "" || ts == "" || user == "" {
		rc.ack(a)
		return
	}
	original := cb.Message.Blocks.BlockSet
	if len(original) > 0 && !hasOurButtons(original) {
		rc.ack(a)
		return // already answered: the message shows no buttons any more
	}
	key := channel + ":" + ts + ":" + user
	if !a.clicks.claim(key) {
		rc.ack(a)
		return // a second click, or the same click delivered again
	}
	label := act.Value
	if act.Text.Text != "" {
		label = act.Text.Text
	}
	value, fallback, actionTS := act.Value, cb.Message.Text, first(act.ActionTs, cb.ActionTs)
	a.queue.Do(user, func(ctx context.Context) {
		defer rc.ack(a)
		if a.waitReady(ctx) != nil {
			a.clicks.release(key)
			return
		}
		info := a.lookupUser(ctx, user)
		direct := isDM(channel)
		if direct {
			a.dms.Store(user, channel)
		}
		// The clicked message is updated once the engine has decided,
		// before the replies that follow go out.
		show := func(v bot.Verdict) {
			switch v {
			case bot.Accepted:
				a.updateMessage(ctx, channel, ts, fallback, answeredBlocks(original, fallback, "Your answer: *"+escape(label)+"*"))
			case bot.Refused:
				a.updateMessage(ctx, channel, ts, fallback,
					answeredBlocks(original, fallback, "_This question was replaced by a later one — please answer the newest one._"))
			}
		}
		err := a.handle(ctx, bot.Message{
			ID: "click:" + key, Platform: platform, User: a.userID(user), UserName: info.name,
			Channel: channel, Direct: direct, Text: label, Value: value, Time: slackTime(actionTS), Timezone: info.tz,
			Ack: rc.verdict(a, show),
		})
		switch bot.ErrorCode(err) {
		case bot.EUNAVAILABLE, bot.ECONFLICT:
			// Nothing was saved and the user was asked to try again: the
			// buttons stay, and the same click may come again.
			a.clicks.release(key)
		}
	})
}

// onCommand takes /checkin or /peerbot <command>.
func (a *Adapter) onCommand(cmd slackgo.SlashCommand, rc *receipt) {
	user := cmd.UserID
	if user == "" {
		rc.ack(a)
		return
	}
	text := strings.TrimSpace(plainText(cmd.Text))
	switch {
	case strings.HasSuffix(strings.ToLower(cmd.Command), "checkin"):
		text = "checkin"
	case text == "":
		text = "help"
	}
	ref := commandRef{channel: cmd.ChannelID, responseURL: cmd.ResponseURL}.String()
	id := ""
	if cmd.TriggerID != "" {
		id = "command:" + cmd.TriggerID
	}
	a.queue.Do(user, func(ctx context.Context) {
		defer rc.ack(a)
		if a.waitReady(ctx) != nil {
			return
		}
		info := a.lookupUser(ctx, user)
		// The conversation itself lives in the DM: the engine (or Send)
		// finds it when it is not known here.
		dm, _ := a.dms.Load(user)
		channel, _ := dm.(string)
		a.handle(ctx, bot.Message{
			ID: id, Platform: platform, User: a.userID(user), UserName: info.name,
			Channel: channel, Direct: true, Text: text, Ref: ref, Timezone: info.tz,
			Ack: rc.verdict(a, nil),
		})
	})
}

// handle passes msg to the engine and logs a failure (never the text).
func (a *Adapter) handle(ctx context.Context, msg bot.Message) error {
	err := a.engine.Handle(ctx, msg)
	if err != nil && ctx.Err() == nil {
		a.log.Warn("message not handled", "user", msg.User, "event", msg.ID, "code", bot.ErrorCode(err), "err", err)
	}
	return err
}

// publishHome shows the user's App Home tab.
func (a *Adapter) publishHome(ctx context.Context, user string) {
	if a.waitReady(ctx) != nil {
		return
	}
	s, err := a.engine.Summary(ctx, a.userID(user))
	if err != nil {
		a.log.Warn("app home: no summary", "user", user, "code", bot.ErrorCode(err), "err", err)
		return
	}
	req := slackgo.PublishViewContextRequest{UserID: user, View: slackgo.HomeTabViewRequest{
		Type:   slackgo.VTHomeTab,
		Blocks: slackgo.Blocks{BlockSet: homeBlocks(s, time.Now())},
	}}
	err = a.write(ctx, "", false, func(ctx context.Context) error {
		_, err := a.api.PublishViewContext(ctx, req)
		return err
	})
	if err != nil && ctx.Err() == nil {
		a.log.Warn("app home not published", "user", user, "err", err)
	}
}

// updateMessage replaces a message's blocks (chat.update); a failure is
// logged, not returned: the answer still counts.
func (a *Adapter) updateMessage(ctx context.Context, channel, ts, text string, blocks []slackgo.Block) {
	err := a.write(ctx, "", false, func(ctx context.Context) error {
		_, _, _, err := a.api.UpdateMessageContext(ctx, channel, ts,
			slackgo.MsgOptionText(text, false), slackgo.MsgOptionBlocks(blocks...))
		return err
	})
	if err != nil && ctx.Err() == nil {
		a.log.Warn("message not updated", "channel", channel, "ts", ts, "err", err)
	}
}

// isBotUser reports whether user is peerbot itself; false while Run has not
// yet learnt who that is (the queued work checks again).
func (a *Adapter) isBotUser(user string) bool {
	select {
	case <-a.ready:
		return user == a.botUserID
	default:
		return false
	}
}

// isDM reports whether a channel id is a direct message.
func isDM(channel string) bool { return strings.HasPrefix(channel, "D") }

// first returns the first non-empty string.
func first(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}
