package slack

import (
	"context"
	"strings"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/peerbot/peerbot/bot"
)

// Everything here runs after the delivery was acknowledged: the on*
// functions only look at the payload and queue the work on the user's
// queue, so they return at once.

// onEvent takes one Events API event.
func (a *Adapter) onEvent(ev slackevents.EventsAPIEvent) {
	cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok || cb == nil {
		return
	}
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.MessageEvent:
		a.onMessage(cb.EventID, e)
	case *slackevents.AppHomeOpenedEvent:
		if e.Tab == "home" && e.User != "" {
			user := e.User
			a.queue.Do(user, func(ctx context.Context) { a.publishHome(ctx, user) })
		}
	}
}

// onMessage takes a message event: a DM to the bot, or a message in a peer
// channel. Other channels, edits, deletions, joins and bots are ignored.
func (a *Adapter) onMessage(eventID string, e *slackevents.MessageEvent) {
	switch e.SubType {
	case "", "file_share", "thread_broadcast":
	default:
		return // message_changed, message_deleted, bot_message, channel_join, ...
	}
	if e.BotID != "" || e.User == "" {
		return
	}
	direct := e.ChannelType == slackevents.ChannelTypeIM || (e.ChannelType == "" && isDM(e.Channel))
	if !direct && !a.peers[e.Channel] {
		return
	}
	if a.isBotUser(e.User) {
		return
	}
	user, channel, text, ts := e.User, e.Channel, plainText(e.Text), e.TimeStamp
	a.queue.Do(user, func(ctx context.Context) {
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
		})
	})
}

// onInteraction takes a click on one of peerbot's buttons.
func (a *Adapter) onInteraction(cb slackgo.InteractionCallback) {
	if cb.Type != slackgo.InteractionTypeBlockActions || cb.Container.IsEphemeral {
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
		return
	}
	original := cb.Message.Blocks.BlockSet
	if len(original) > 0 && !hasOurButtons(original) {
		return // already answered: the message shows no buttons any more
	}
	key := channel + ":" + ts + ":" + user
	if !a.clicks.claim(key) {
		return // a second click, or the same click delivered again
	}
	label := act.Value
	if act.Text.Text != "" {
		label = act.Text.Text
	}
	value, fallback, actionTS := act.Value, cb.Message.Text, first(act.ActionTs, cb.ActionTs)
	a.queue.Do(user, func(ctx context.Context) {
		if a.waitReady(ctx) != nil {
			a.clicks.release(key)
			return
		}
		if isDM(channel) && a.clicks.stale(channel, ts) {
			// A later message replaced this prompt (it was asked again, or
			// answered by typing): its buttons must not answer the
			// current question.
			a.updateMessage(ctx, channel, ts, fallback,
				answeredBlocks(original, fallback, "_This question was replaced by a later message — please answer the newest one._"))
			return
		}
		a.updateMessage(ctx, channel, ts, fallback, answeredBlocks(original, fallback, "Your answer: *"+escape(label)+"*"))
		info := a.lookupUser(ctx, user)
		direct := isDM(channel)
		if direct {
			a.dms.Store(user, channel)
		}
		err := a.handle(ctx, bot.Message{
			ID: "click:" + key, Platform: platform, User: a.userID(user), UserName: info.name,
			Channel: channel, Direct: direct, Text: label, Value: value, Time: slackTime(actionTS), Timezone: info.tz,
		})
		switch bot.ErrorCode(err) {
		case bot.EUNAVAILABLE, bot.ECONFLICT:
			// Nothing was saved and the user was asked to try again: give
			// the buttons back.
			a.clicks.release(key)
			if len(original) > 0 {
				a.updateMessage(ctx, channel, ts, fallback, original)
			}
		}
	})
}

// onCommand takes /checkin or /peerbot <command>.
func (a *Adapter) onCommand(cmd slackgo.SlashCommand) {
	user := cmd.UserID
	if user == "" {
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

// userInfo is what users.info says about a user.
type userInfo struct {
	name, tz string
	at       time.Time
}

// userTTL is how long users.info answers are kept: long enough that a
// conversation asks once, short enough that a changed timezone (travel)
// is seen the same day.
const userTTL = 6 * time.Hour

type userCache struct {
	mu sync.Mutex
	m  map[string]userInfo
}

func newUserCache() *userCache { return &userCache{m: map[string]userInfo{}} }

// lookupUser returns the user's name and timezone, from the cache or from
// users.info. A failure is logged and leaves both empty: the engine then
// uses what it knows.
func (a *Adapter) lookupUser(ctx context.Context, user string) userInfo {
	now := time.Now()
	c := a.users
	c.mu.Lock()
	info, ok := c.m[user]
	c.mu.Unlock()
	if ok && now.Sub(info.at) < userTTL {
		return info
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u, err := a.api.GetUserInfoContext(ctx, user)
	if err != nil {
		a.log.Warn("users.info failed", "user", user, "err", err)
		return info // a stale entry is better than none
	}
	info = userInfo{name: nameOf(u), tz: u.TZ, at: now}
	c.mu.Lock()
	if len(c.m) > 10000 {
		for k, v := range c.m {
			if now.Sub(v.at) >= userTTL {
				delete(c.m, k)
			}
		}
	}
	c.m[user] = info
	c.mu.Unlock()
	return info
}

// nameOf is how to address a user: the display name they chose, else their
// first name, else their full name.
func nameOf(u *slackgo.User) string {
	for _, n := range []string{u.Profile.DisplayName, u.Profile.FirstName, u.RealName, u.Profile.RealName} {
		if n = strings.TrimSpace(n); n != "" {
			return n
		}
	}
	return ""
}

// clickState keeps what makes a click count once: the prompts already
// clicked, and the latest message the bot posted in each DM (a click on an
// older prompt is stale).
type clickState struct {
	mu      sync.Mutex
	claimed map[string]time.Time // channel:ts:user -> when
	latest  map[string]string    // DM channel -> ts of the bot's latest message
}

func newClickState() *clickState {
	return &clickState{claimed: map[string]time.Time{}, latest: map[string]string{}}
}

// claim marks a prompt as clicked by a user; false if it already was.
func (c *clickState) claim(key string) bool {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.claimed[key]; ok {
		return false
	}
	if len(c.claimed) > 10000 {
		for k, at := range c.claimed {
			if now.Sub(at) > 24*time.Hour {
				delete(c.claimed, k)
			}
		}
	}
	c.claimed[key] = now
	return true
}

func (c *clickState) release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.claimed, key)
}

// posted records a message the bot posted in a DM.
func (c *clickState) posted(channel, ts string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.latest[channel]; cur == "" || tsBefore(cur, ts) {
		c.latest[channel] = ts
	}
}

// stale reports whether a later bot message in the DM replaced the prompt
// posted at ts. Unknown (after a restart, or posted by another replica)
// counts as current: the engine still checks the answer.
func (c *clickState) stale(channel, ts string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return tsBefore(ts, c.latest[channel])
}
