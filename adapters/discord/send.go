package discord

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/bwmarrin/discordgo"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/peerbot/peerbot/bot"
)

// Discord's JSON error code for a DM the user does not accept.
const codeCannotDM = 50007

// Texts the adapter writes itself.
const (
	textSentDM       = "I've sent you a direct message."
	textSeeBelow     = "Okay — see my message below."
	textDone         = "Okay."
	textFailed       = "Something went wrong on our side — please try again in a moment."
	textDMClosedHere = "I couldn't send you a direct message, so I'm answering here. To get check-ins, please allow direct messages from this server's members (Privacy Settings)."
)

// dmEntry is what the adapter knows of one user's DM.
type dmEntry struct {
	// opening serialises opening the DM (one UserChannelCreate per user).
	// It is held across REST calls and pacing; mu, which guards the
	// fields, never is: the gateway's handlers take it.
	opening sync.Mutex
	mu      sync.Mutex
	channel string
	// loaded is set once the store has been asked.
	loaded bool
	// closed: Discord refused a DM; no sends until the user writes again.
	closed bool
	// storeClosed mirrors the profile's DMClosed, once known.
	storeClosed, storeKnown bool
	// reopened: the user wrote to the bot since; a DMClosed in the store
	// is stale.
	reopened bool
}

// maxDMs bounds the DM entries kept in memory; the least recently used go
// first, and are read from the store again when needed.
const maxDMs = 100000

func newDMCache() *lru.Cache[bot.UserID, *dmEntry] {
	c, _ := lru.New[bot.UserID, *dmEntry](maxDMs) // fails only for a size below 1
	return c
}

func (a *Adapter) dmEntry(user bot.UserID) *dmEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.dms.Get(user)
	if !ok {
		e = &dmEntry{}
		a.dms.Add(user, e)
	}
	return e
}

// noteInbound records that user wrote to the bot, in their DM channel when
// dmChannel is not empty: their DMs may be open again.
func (a *Adapter) noteInbound(user bot.UserID, dmChannel string) {
	e := a.dmEntry(user)
	e.mu.Lock()
	defer e.mu.Unlock()
	if dmChannel != "" {
		e.channel = dmChannel
	}
	e.closed = false
	e.reopened = true
}

// knownDM returns user's DM channel if this process knows it.
func (a *Adapter) knownDM(user bot.UserID) string {
	e := a.dmEntry(user)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.channel
}

// resolveDM returns user's DM channel: from memory, else from the store,
// else opened with UserChannelCreate (and remembered in both).
func (a *Adapter) resolveDM(ctx context.Context, user bot.UserID, prio priority) (string, error) {
	id, ok := discordUser(user)
	if !ok {
		return "", fmt.Errorf("discord: %q is not a Discord user", user)
	}
	e := a.dmEntry(user)
	e.opening.Lock()
	defer e.opening.Unlock()
	a.loadDM(ctx, user, e)
	e.mu.Lock()
	closed, channel := e.closed, e.channel
	e.mu.Unlock()
	switch {
	case closed:
		return "", ErrDMClosed
	case channel != "":
		return channel, nil
	}
	if err := a.pace.wait(ctx, prio); err != nil {
		return "", err
	}
	ch, err := a.rest.UserChannelCreate(id, discordgo.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("discord: open DM: %w", err)
	}
	e.mu.Lock()
	e.channel = ch.ID
	e.mu.Unlock()
	a.saveProfile(user, func(p *bot.Profile) { p.DMChannel = ch.ID })
	return ch.ID, nil
}

// loadDM reads what the store knows of user's DM, once.
func (a *Adapter) loadDM(ctx context.Context, user bot.UserID, e *dmEntry) {
	e.mu.Lock()
	loaded := e.loaded
	e.mu.Unlock()
	if loaded {
		return
	}
	sum, err := a.engine.Summary(ctx, user)
	if err != nil {
		// The store is only a cache here; Discord is asked instead.
		a.log.Warn("discord: cannot read the DM state from the store", "user", user, "err", err)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.loaded {
		return
	}
	e.loaded = true
	if !e.storeKnown {
		// What this process saw since (a DM refused or delivered) is
		// newer than the store.
		e.storeClosed, e.storeKnown = sum.DMClosed, true
		if sum.DMClosed && !e.reopened {
			e.closed = true
		}
	}
	if e.channel == "" {
		e.channel = sum.DMChannel
	}
}

// dmClosed reports whether channel is user's DM and they do not accept
// DMs.
func (a *Adapter) dmClosed(ctx context.Context, user bot.UserID, channel string) bool {
	if _, ok := discordUser(user); !ok {
		return false
	}
	e := a.dmEntry(user)
	a.loadDM(ctx, user, e)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed && e.channel == channel
}

// dmRefused notes that Discord refused a DM to user: no more sends until
// they write, DMClosed in their profile, and (once, when notify) a mention
// in the fallback channel.
func (a *Adapter) dmRefused(ctx context.Context, user bot.UserID, notify bool) {
	e := a.dmEntry(user)
	e.mu.Lock()
	e.closed, e.reopened = true, false
	first := !e.storeClosed
	e.storeClosed, e.storeKnown = true, true
	e.mu.Unlock()
	if !first {
		return
	}
	a.log.Info("discord: the user does not accept DMs; marked", "user", user)
	a.saveProfile(user, func(p *bot.Profile) { p.DMClosed = true })
	if notify {
		a.mentionFallback(ctx, user)
	}
}

// dmWorked notes that a DM to user went through: a DMClosed in the store
// is cleared (UpdateProfile writes nothing when it was not set).
func (a *Adapter) dmWorked(user bot.UserID) {
	e := a.dmEntry(user)
	e.mu.Lock()
	clear := e.storeClosed || !e.storeKnown
	e.storeClosed, e.storeKnown, e.closed = false, true, false
	e.mu.Unlock()
	if clear {
		a.saveProfile(user, func(p *bot.Profile) { p.DMClosed = false })
	}
}

// mentionFallback tells user, in the fallback channel and without any
// check-in content, that their DMs are closed.
func (a *Adapter) mentionFallback(ctx context.Context, user bot.UserID) {
	id, _ := discordUser(user)
	if a.cfg.FallbackChannel == "" {
		a.log.Warn("discord: a user does not accept DMs and no fallback channel is set", "user", user)
		return
	}
	if err := a.pace.wait(ctx, interactive); err != nil {
		return
	}
	_, err := a.rest.ChannelMessageSendComplex(a.cfg.FallbackChannel, &discordgo.MessageSend{
		Content:         "<@" + id + ">, I couldn't send you a direct message — please open your DMs to get check-ins",
		AllowedMentions: &discordgo.MessageAllowedMentions{Users: []string{id}},
	}, discordgo.WithContext(ctx))
	if err != nil {
		a.log.Error("discord: cannot post in the fallback channel", "channel", a.cfg.FallbackChannel, "err", err)
	}
}

// saveProfile changes user's profile in the background, after the work
// queued for them: Send runs inside Engine.Handle, which holds the user's
// lock that UpdateProfile takes.
func (a *Adapter) saveProfile(user bot.UserID, fn func(*bot.Profile)) {
	a.queue.Do(string(user), func(context.Context) {
		if err := a.engine.UpdateProfile(a.workCtx, user, fn); err != nil {
			a.log.Error("discord: cannot save the DM state", "user", user, "err", err)
		}
	})
}

// Send delivers a reply. An empty Channel means the user's DM. A reply to
// a slash command goes as an ephemeral follow-up, except prompts with
// buttons and crisis replies, which go to the DM. Long texts are split
// into messages of 2000 characters. Send returns ErrDMClosed (wrapped)
// for a user who does not accept DMs.
func (a *Adapter) Send(ctx context.Context, r bot.Reply) error {
	if strings.TrimSpace(r.Text) == "" && len(r.Options) == 0 {
		return nil
	}
	if p := a.interaction(r.Ref); p != nil {
		return a.sendInteraction(ctx, p, r)
	}
	channel := r.Channel
	if r.Ephemeral && channel != "" && r.User != "" && channel != a.knownDM(r.User) {
		// Only the user may see it, and outside an interaction only a DM
		// does that.
		channel = ""
	}
	return a.sendChannel(ctx, r, channel, true)
}

// sendChannel posts r in channel ("" for r.User's DM). notify allows the
// fallback mention when the DM is refused.
func (a *Adapter) sendChannel(ctx context.Context, r bot.Reply, channel string, notify bool) error {
	prio := priorityOf(ctx, r)
	if channel == "" {
		if r.User == "" {
			return errors.New("discord: a reply needs a channel or a user")
		}
		ch, err := a.resolveDM(ctx, r.User, prio)
		if err != nil {
			if errors.Is(err, ErrDMClosed) {
				return fmt.Errorf("discord: not sent to %s: %w", r.User, err)
			}
			return err
		}
		channel = ch
	} else if r.User != "" && a.dmClosed(ctx, r.User, channel) {
		return fmt.Errorf("discord: not sent to %s: %w", r.User, ErrDMClosed)
	}
	err := a.post(ctx, channel, r.Text, components(r.Options), prio)
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil && re.Message.Code == codeCannotDM && r.User != "" {
		a.dmRefused(ctx, r.User, notify)
		return fmt.Errorf("discord: not sent to %s: %w", r.User, ErrDMClosed)
	}
	if err != nil {
		return fmt.Errorf("discord: send to channel %s: %w", channel, err)
	}
	if r.User != "" && channel == a.knownDM(r.User) {
		a.dmWorked(r.User)
	}
	return nil
}

// post creates the message(s) of one reply in channel; the components go
// with the last piece. Then the buttons of the channel's previous prompt
// are disabled: only the newest question can be clicked.
func (a *Adapter) post(ctx context.Context, channel, text string, comps []discordgo.MessageComponent, prio priority) error {
	if old, ok := a.prompts.take(channel); ok {
		defer a.disablePrompt(ctx, channel, old, prio)
	}
	pieces := splitText(text, maxContent)
	for i, piece := range pieces {
		m := &discordgo.MessageSend{
			Content:         piece,
			AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
		}
		last := i == len(pieces)-1
		if last {
			m.Components = comps
		}
		if err := a.pace.wait(ctx, prio); err != nil {
			return err
		}
		sent, err := a.rest.ChannelMessageSendComplex(channel, m, discordgo.WithContext(ctx))
		if err != nil {
			return err
		}
		if last && len(comps) > 0 {
			if old, ok := a.prompts.set(channel, sent.ID, comps); ok {
				a.disablePrompt(ctx, channel, old, prio)
			}
		}
	}
	return nil
}

// disablePrompt greys out the buttons of a prompt that can no longer be
// answered by a click.
func (a *Adapter) disablePrompt(ctx context.Context, channel string, p livePrompt, prio priority) {
	if prio == urgent {
		prio = interactive // the crisis reply itself goes first
	}
	comps := disabled(p.components, "", "")
	if err := a.pace.wait(ctx, prio); err != nil {
		return
	}
	if _, err := a.rest.ChannelMessageEditComplex(&discordgo.MessageEdit{
		ID: p.id, Channel: channel, Components: &comps,
	}, discordgo.WithContext(ctx)); err != nil {
		a.log.Warn("discord: cannot disable the buttons of an old prompt", "channel", channel, "message", p.id, "err", err)
	}
}

// pendingInteraction is an interaction whose replies go back through it.
type pendingInteraction struct {
	i        *discordgo.Interaction
	user     bot.UserID
	deferred bool          // a slash command: acknowledged with type 5, owes a follow-up
	acked    chan struct{} // closed when the acknowledgement is done
	ackErr   error

	mu         sync.Mutex
	followups  int
	redirected bool // something went to the DM instead
	dmClosed   bool
}

// ref is the Message.Ref of an interaction.
func (p *pendingInteraction) ref() string { return "interaction:" + p.i.ID }

func (p *pendingInteraction) inDM() bool { return p.i.GuildID == "" }

func (a *Adapter) register(p *pendingInteraction) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pending[p.ref()] = p
}

func (a *Adapter) unregister(p *pendingInteraction) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.pending, p.ref())
}

func (a *Adapter) interaction(ref string) *pendingInteraction {
	if ref == "" {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pending[ref]
}

// ack sends an interaction's acknowledgement; it is exempt from the
// global rate limit and so not paced.
func (a *Adapter) ack(p *pendingInteraction, resp *discordgo.InteractionResponse) {
	defer close(p.acked)
	ctx, cancel := context.WithTimeout(a.workCtx, interactionWindow)
	defer cancel()
	if err := a.rest.InteractionRespond(p.i, resp, discordgo.WithContext(ctx)); err != nil {
		p.ackErr = redact(err, p.i.Token)
		a.log.Warn("discord: cannot acknowledge an interaction", "interaction", p.i.ID, "user", p.user, "err", p.ackErr)
	}
}

// sendInteraction delivers a reply to an interaction.
func (a *Adapter) sendInteraction(ctx context.Context, p *pendingInteraction, r bot.Reply) error {
	select {
	case <-p.acked:
	case <-ctx.Done():
		return ctx.Err()
	}
	toDM := r.Urgent || len(r.Options) > 0
	if p.ackErr == nil && !toDM {
		return a.followup(ctx, p, r)
	}
	channel := ""
	if p.inDM() {
		channel = p.i.ChannelID
	}
	err := a.sendChannel(ctx, r, channel, p.ackErr != nil)
	if err == nil {
		p.mu.Lock()
		p.redirected = true
		p.mu.Unlock()
		return nil
	}
	if p.ackErr != nil {
		return err
	}
	// The DM failed: the interaction is the one way left to reach them.
	if errors.Is(err, ErrDMClosed) {
		p.mu.Lock()
		first := !p.dmClosed
		p.dmClosed = true
		p.mu.Unlock()
		if first {
			if ferr := a.followup(ctx, p, bot.Reply{Text: textDMClosedHere}); ferr != nil {
				return ferr
			}
		}
	}
	return a.followup(ctx, p, r)
}

// followup sends r as ephemeral follow-up message(s) of p.
func (a *Adapter) followup(ctx context.Context, p *pendingInteraction, r bot.Reply) error {
	pieces := splitText(r.Text, maxContent)
	comps := components(r.Options)
	for i, piece := range pieces {
		params := &discordgo.WebhookParams{
			Content:         piece,
			Flags:           discordgo.MessageFlagsEphemeral,
			AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
		}
		if i == len(pieces)-1 {
			params.Components = comps
		}
		if _, err := a.rest.FollowupMessageCreate(p.i, true, params, discordgo.WithContext(ctx)); err != nil {
			return fmt.Errorf("discord: follow-up: %w", redact(err, p.i.Token))
		}
		p.mu.Lock()
		p.followups++
		p.mu.Unlock()
	}
	return nil
}

// finish makes sure a slash command got an answer: Discord shows "thinking"
// until a follow-up comes.
func (a *Adapter) finish(ctx context.Context, p *pendingInteraction, handleErr error) {
	if !p.deferred || p.ackErr != nil {
		return
	}
	p.mu.Lock()
	followups, redirected := p.followups, p.redirected
	p.mu.Unlock()
	if followups > 0 {
		return
	}
	text := textDone
	switch {
	case redirected && p.inDM():
		text = textSeeBelow
	case redirected:
		text = textSentDM
	case handleErr != nil:
		text = textFailed
	}
	if err := a.followup(ctx, p, bot.Reply{Text: text}); err != nil {
		a.log.Warn("discord: cannot answer a slash command", "interaction", p.i.ID, "user", p.user, "err", err)
	}
}

// redactedError hides a secret (an interaction token, which is in webhook
// URLs) in an error's text.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redact(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), secret, "[token]"), err: err}
}
