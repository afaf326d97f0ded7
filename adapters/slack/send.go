package slack

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/internal/pacer"
	"github.com/peerbot/peerbot/internal/retry"
)

// Send delivers one reply (bot.Adapter).
//
//   - A reply to a slash command (its Ref) is posted ephemerally where the
//     command was typed, unless it asks something (Options) or is the
//     crisis reply (Urgent): those go to the DM, where the conversation
//     goes on, and the user is told once where to look.
//   - Channel "" means the user's DM, opened with conversations.open the
//     first time and remembered (in memory and in the user's profile).
//   - Options become buttons; long text is split into several messages.
//
// Send waits for the pacer, and waits out 429s and Slack's passing
// failures; it fails when ctx ends or Slack refuses the message for good.
// It is safe for concurrent use.
func (a *Adapter) Send(ctx context.Context, r bot.Reply) error {
	user, err := slackUser(r.User)
	if err != nil {
		return err
	}
	ref, isCommand := parseCommandRef(r.Ref)
	private := len(r.Options) == 0 && !r.Urgent
	if strings.TrimSpace(r.Text) == "" && len(r.Options) == 0 {
		return nil // Slack refuses empty messages; there is nothing to say
	}
	if isCommand && private {
		if err := a.sendEphemeral(ctx, ref, user, r.Text); err == nil {
			// The user has seen an answer where they typed the command:
			// a question that follows in the DM needs no pointer.
			a.pointed.claim(ref.String())
			return nil
		} else if ctx.Err() != nil {
			return ctx.Err()
		}
		// Neither way worked (a channel the bot cannot see): the DM is
		// private too.
		r.Channel = ""
	}
	if r.Ephemeral && private && r.Channel != "" && !isDM(r.Channel) {
		ok := a.write(ctx, r.Channel, false, func(ctx context.Context) error {
			_, err := a.api.PostEphemeralContext(ctx, r.Channel, user, textOptions(r.Text)...)
			return err
		}) == nil
		if ok {
			return nil
		}
		r.Channel = ""
	}
	channel := r.Channel
	if channel == "" {
		if channel, err = a.openDM(ctx, r.User, user); err != nil {
			return err
		}
	}
	if err := a.post(ctx, channel, r.Urgent, r.Text, r.Options); err != nil {
		return err
	}
	if isCommand && isDM(channel) && ref.channel != channel {
		a.pointToDM(ctx, ref, user)
	}
	return nil
}

// post posts text (with buttons for opts) to channel, through the pacer.
func (a *Adapter) post(ctx context.Context, channel string, urgent bool, text string, opts []bot.Option) error {
	var messages [][]slackgo.MsgOption
	if len(opts) > 0 {
		messages = append(messages, []slackgo.MsgOption{
			slackgo.MsgOptionText(escape(truncate(text, maxSectionText)), false),
			slackgo.MsgOptionBlocks(promptBlocks(text, opts)...),
		})
	} else {
		for _, part := range splitText(text, maxMessageText) {
			messages = append(messages, textOptions(part))
		}
	}
	for _, m := range messages {
		m = append(m, slackgo.MsgOptionDisableLinkUnfurl(), slackgo.MsgOptionDisableMediaUnfurl())
		err := a.write(ctx, channel, urgent, func(ctx context.Context) error {
			_, _, err := a.api.PostMessageContext(ctx, channel, m...)
			return err
		})
		if err != nil {
			if isClosed(err) {
				// Retrying cannot mend a closed DM or a deleted channel.
				return &bot.Error{Code: bot.ERefused, Message: "Slack refused the message.", Err: err}
			}
			return err
		}
	}
	return nil
}

func textOptions(text string) []slackgo.MsgOption {
	return []slackgo.MsgOption{slackgo.MsgOptionText(escape(text), false)}
}

// openDM returns the DM channel with a user, opening it the first time.
func (a *Adapter) openDM(ctx context.Context, uid bot.UserID, user string) (string, error) {
	if ch, ok := a.dms.Load(user); ok {
		return ch.(string), nil
	}
	select {
	case a.opening <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-a.opening }()
	if ch, ok := a.dms.Load(user); ok { // opened while this one waited
		return ch.(string), nil
	}
	var channel string
	err := a.retry(ctx, func(ctx context.Context) error {
		ch, _, _, err := a.api.OpenConversationContext(ctx, &slackgo.OpenConversationParameters{Users: []string{user}})
		if err == nil {
			if ch == nil || ch.ID == "" {
				return errors.New("conversations.open returned no channel")
			}
			channel = ch.ID
		}
		return err
	})
	if err != nil {
		if ctx.Err() == nil && isClosed(err) {
			// The user cannot get DMs from the bot (left, deactivated,
			// or DMs turned off): note it, so that nobody waits for them.
			a.updateProfile(uid, func(p *bot.Profile) {
				if p.Consent == bot.ConsentGiven {
					p.DMClosed = true
				}
			})
		}
		return "", &bot.Error{Code: bot.EUNAVAILABLE, Message: "I couldn't open a direct message on Slack.", Err: err}
	}
	a.dms.Store(user, channel)
	a.updateProfile(uid, func(p *bot.Profile) {
		// Nothing is stored about someone who has not agreed to it.
		if p.Consent == bot.ConsentGiven {
			p.DMChannel, p.DMClosed = channel, false
		}
	})
	return channel, nil
}

// updateProfile changes a profile in the background: Send is called while
// the engine holds the user's lock, which UpdateProfile takes too.
func (a *Adapter) updateProfile(uid bot.UserID, fn func(*bot.Profile)) {
	a.bg.Go(func() {
		ctx, cancel := context.WithTimeout(a.base, 30*time.Second)
		defer cancel()
		if err := a.engine.UpdateProfile(ctx, uid, fn); err != nil && ctx.Err() == nil {
			a.log.Warn("profile not updated", "user", uid, "code", bot.ErrorCode(err), "err", err)
		}
	})
}

// sendEphemeral shows text to user only, in the channel of a slash
// command: chat.postEphemeral, or the command's response_url where the bot
// is not in the channel.
func (a *Adapter) sendEphemeral(ctx context.Context, ref commandRef, user, text string) error {
	var err error
	if ref.channel != "" {
		for _, part := range splitText(text, maxMessageText) {
			err = a.write(ctx, ref.channel, false, func(ctx context.Context) error {
				_, err := a.api.PostEphemeralContext(ctx, ref.channel, user, textOptions(part)...)
				return err
			})
			if err != nil {
				break
			}
		}
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		a.log.Debug("ephemeral message refused, trying the response url", "channel", ref.channel, "err", err)
	}
	if ref.responseURL == "" {
		if err == nil {
			err = errors.New("no channel and no response url")
		}
		return err
	}
	msg := &slackgo.WebhookMessage{Text: escape(text), ResponseType: slackgo.ResponseTypeEphemeral}
	err = a.write(ctx, "", false, func(ctx context.Context) error {
		return a.api.PostResponse(ctx, ref.responseURL, msg)
	})
	if err != nil && ctx.Err() == nil {
		a.log.Warn("slash command reply not delivered; using the DM", "channel", ref.channel, "err", err)
	}
	return err
}

// pointToDM tells the user, once per command, that the answer is in the DM.
func (a *Adapter) pointToDM(ctx context.Context, ref commandRef, user string) {
	if !a.pointed.claim(ref.String()) {
		return // told already
	}
	if err := a.sendEphemeral(ctx, ref, user, "I've sent you a direct message — let's continue there."); err != nil && ctx.Err() == nil {
		a.log.Debug("no pointer to the DM", "channel", ref.channel, "err", err)
	}
}

// write runs one Slack write when the pacer lets it, and again after a
// 429 (waiting Retry-After, with every other write: the limit is the
// workspace's) or a passing failure (this write alone backs off). It fails
// when ctx ends or Slack refuses the write.
func (a *Adapter) write(ctx context.Context, channel string, urgent bool, fn func(context.Context) error) error {
	seq, prio := a.pace.Ticket(), pacer.Bulk
	if urgent {
		prio = pacer.Urgent
	}
	return retry.Do(ctx, retry.Policy{Initial: 250 * time.Millisecond, Max: 30 * time.Second}, func() error {
		if err := a.pace.WaitTurn(ctx, seq, channel, prio); err != nil {
			return retry.Permanent(err)
		}
		err := fn(ctx)
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return retry.Permanent(ctx.Err())
		}
		if rl, ok := errors.AsType[*slackgo.RateLimitedError](err); ok {
			a.retries.Add(1)
			wait := rl.RetryAfter
			if wait <= 0 {
				wait = time.Second
			}
			a.log.Warn("rate limited by Slack, waiting", "retry_after", wait, "channel", channel)
			// The limit is the workspace's: every write waits, in the
			// pacer; this one goes again as soon as it lets it.
			a.pace.Pause(wait)
			return retry.After(err, 0)
		}
		if !transient(err) {
			return retry.Permanent(err)
		}
		return err
	}, func(err error, wait time.Duration) {
		if wait > 0 {
			a.log.Warn("Slack write failed, retrying", "channel", channel, "err", err, "in", wait.Round(time.Millisecond))
		}
	})
}

// retry runs a call that is not rate limited by us (conversations.open)
// again after a 429 or a passing failure.
func (a *Adapter) retry(ctx context.Context, fn func(context.Context) error) error {
	return retry.Do(ctx, retry.Policy{Initial: 250 * time.Millisecond, Max: 30 * time.Second}, func() error {
		err := fn(ctx)
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return retry.Permanent(ctx.Err())
		}
		if rl, ok := errors.AsType[*slackgo.RateLimitedError](err); ok {
			return retry.After(err, max(rl.RetryAfter, time.Second))
		}
		if !transient(err) {
			return retry.Permanent(err)
		}
		return err
	}, nil)
}

// transient reports whether a failed call may succeed if tried again.
func transient(err error) bool {
	if _, ok := errors.AsType[*slackgo.RateLimitedError](err); ok {
		return true
	}
	if sc, ok := errors.AsType[slackgo.StatusCodeError](err); ok {
		return sc.Retryable()
	}
	if se, ok := errors.AsType[slackgo.SlackErrorResponse](err); ok {
		switch se.Err {
		case "ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout":
			return true
		}
		return false
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	if _, ok := errors.AsType[*url.Error](err); ok {
		return true
	}
	return false
}

// isClosed reports whether Slack refused to reach a user or channel for
// good: the DM cannot be opened or posted to.
func isClosed(err error) bool {
	se, ok := errors.AsType[slackgo.SlackErrorResponse](err)
	if !ok {
		return false
	}
	switch se.Err {
	case "cannot_dm_bot", "user_not_found", "user_disabled", "user_not_visible", "channel_not_found",
		"is_archived", "not_in_channel", "messages_tab_disabled", "restricted_action":
		return true
	}
	return false
}

// commandRef is the Ref of a slash command's messages: where it was typed
// and its response_url.
type commandRef struct {
	channel, responseURL string
}

const commandRefPrefix = "slack-command:"

func (r commandRef) String() string {
	return commandRefPrefix + r.channel + " " + r.responseURL
}

func parseCommandRef(s string) (commandRef, bool) {
	rest, ok := strings.CutPrefix(s, commandRefPrefix)
	if !ok {
		return commandRef{}, false
	}
	ch, u, _ := strings.Cut(rest, " ")
	return commandRef{channel: ch, responseURL: u}, true
}
