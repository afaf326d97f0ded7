package discord

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/peerbot/peerbot/bot"
)

// interactionWindow is how long Discord waits for an interaction's
// acknowledgement.
const interactionWindow = 3 * time.Second

// onMessageCreate takes a message in a DM or a peer channel. Handlers run
// on the gateway's reading goroutine and only queue work.
func (a *Adapter) onMessageCreate(_ *discordgo.Session, m *discordgo.MessageCreate) {
	// An author with no id (a malformed dispatch) is nobody to answer.
	if m.Message == nil || m.Author == nil || m.Author.ID == "" || m.Author.Bot || m.Author.System || m.WebhookID != "" || m.Author.ID == a.self() {
		return
	}
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return // joins, pins, calls, ...
	}
	direct := m.GuildID == ""
	if !direct && (!a.peer[m.ChannelID] || strings.TrimSpace(m.Content) == "") {
		return
	}
	if !a.seen.add(m.ID) {
		a.log.Debug("discord: duplicate message skipped", "message", m.ID)
		return
	}
	user := userID(m.Author.ID)
	if direct {
		a.noteInbound(user, m.ChannelID)
	}
	msg := bot.Message{
		ID:       m.ID,
		Platform: platform,
		User:     user,
		UserName: displayName(m.Author),
		Channel:  m.ChannelID,
		Direct:   direct,
		Text:     m.Content,
		Time:     m.Timestamp,
	}
	a.queue.Do(string(user), func(context.Context) { a.handle(msg) })
}

// onInteractionCreate takes a click or a slash command.
func (a *Adapter) onInteractionCreate(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
	i := ic.Interaction
	if i == nil {
		return
	}
	u := i.User
	if i.Member != nil && i.Member.User != nil {
		u = i.Member.User
	}
	if u == nil || u.ID == "" || u.Bot {
		return
	}
	if !a.seen.add(i.ID) {
		a.log.Debug("discord: duplicate interaction skipped", "interaction", i.ID)
		return
	}
	user := userID(u.ID)
	dm := ""
	if i.GuildID == "" {
		dm = i.ChannelID
	}
	switch i.Type {
	case discordgo.InteractionMessageComponent:
		a.noteInbound(user, dm)
		a.onComponent(i, user, u)
	case discordgo.InteractionApplicationCommand:
		a.noteInbound(user, dm)
		a.onCommand(i, user, u)
	}
}

// clickAckDeadline is how long a click waits for the engine's verdict
// before it is acknowledged anyway (a deferred update), well inside
// Discord's 3 s window.
const clickAckDeadline = 2 * time.Second

// onComponent queues a click for the engine and answers the interaction
// when the engine has decided (bot.Message.Ack): the prompt updated to show
// the answer, or that it was replaced by a later question, its buttons
// disabled; after a store failure the buttons stay, so the same click can
// come again. A verdict slower than clickAckDeadline is acknowledged with a
// deferred update, and the prompt is edited once the verdict comes.
func (a *Adapter) onComponent(i *discordgo.Interaction, user bot.UserID, u *discordgo.User) {
	data := i.MessageComponentData()
	label, value, ok := clicked(i.Message, data)
	p := &pendingInteraction{i: i, user: user, acked: make(chan struct{})}
	deferredUpdate := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
	if !ok || i.Message == nil {
		// Not one of ours: acknowledge without changing anything.
		go a.ack(p, deferredUpdate)
		return
	}
	chosen := ""
	if len(data.Values) == 1 {
		chosen = data.Values[0]
	}
	comps := disabled(i.Message.Components, data.CustomID, chosen)
	update := func(content string) *discordgo.InteractionResponse {
		return &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseUpdateMessage,
			Data: &discordgo.InteractionResponseData{
				Content:         content,
				Components:      comps,
				AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
			},
		}
	}
	if !a.prompts.answer(i.ChannelID, i.Message.ID) {
		// A second click, or a click on a question this process has
		// already seen replaced: the buttons are disabled, nothing is
		// answered.
		go a.ack(p, update(i.Message.Content))
		a.log.Debug("discord: click on a closed prompt ignored", "interaction", i.ID, "user", user)
		return
	}

	var once sync.Once
	respond := func(r *discordgo.InteractionResponse) (sent bool) {
		once.Do(func() { a.ack(p, r); sent = true })
		return sent
	}
	late := time.AfterFunc(clickAckDeadline, func() {
		if respond(deferredUpdate) {
			a.lateAcks.Add(1)
		}
	})
	verdict := func(v bot.Verdict) {
		late.Stop()
		var content string
		switch v {
		case bot.Accepted:
			content = answered(i.Message.Content, label)
		case bot.Refused:
			content = truncate(i.Message.Content, maxContent-len(replacedNote)) + replacedNote
		default:
			// Nothing saved: the same click may come again.
			a.prompts.reopen(i.Message.ID)
			respond(deferredUpdate)
			return
		}
		if respond(update(content)) {
			a.onTimeAcks.Add(1)
		} else {
			a.editClicked(i, content, comps)
		}
	}
	msg := a.interactionMessage(p, u, label)
	msg.Value, msg.Ack = value, verdict
	if i.GuildID != "" {
		// A prompt shown ephemerally in a guild (DMs closed): the replies
		// go back through this interaction.
		msg.Ref = p.ref()
		a.register(p)
	}
	a.queue.Do(string(user), func(context.Context) {
		defer a.unregister(p)
		a.handle(msg)
		// The engine gave no verdict (it failed before deciding).
		late.Stop()
		respond(deferredUpdate)
	})
}

// replacedNote ends a prompt whose click came after a later question.
const replacedNote = "\n\nThis question was replaced by a later one — please answer the newest one."

// editClicked shows the verdict on a clicked prompt in a DM when the
// interaction was acknowledged before the verdict came. An ephemeral
// prompt cannot be edited as a channel message; its replies say enough.
func (a *Adapter) editClicked(i *discordgo.Interaction, content string, comps []discordgo.MessageComponent) {
	if i.GuildID != "" {
		return
	}
	ctx, cancel := context.WithTimeout(a.workCtx, 10*time.Second)
	defer cancel()
	if err := a.pace.wait(ctx, interactive); err != nil {
		return
	}
	if _, err := a.rest.ChannelMessageEditComplex(&discordgo.MessageEdit{
		ID: i.Message.ID, Channel: i.ChannelID, Content: &content, Components: &comps,
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
	}, discordgo.WithContext(ctx)); err != nil {
		a.log.Warn("discord: clicked prompt not updated", "message", i.Message.ID, "err", err)
	}
}

// AckStats returns how many clicks were acknowledged with the engine's
// verdict, and how many at the deadline before it (the fallback).
func (a *Adapter) AckStats() (onTime, late int64) {
	return a.onTimeAcks.Load(), a.lateAcks.Load()
}

// onCommand defers a slash command ephemerally at once, then queues it for
// the engine; its replies come back as ephemeral follow-ups.
func (a *Adapter) onCommand(i *discordgo.Interaction, user bot.UserID, u *discordgo.User) {
	p := &pendingInteraction{i: i, user: user, deferred: true, acked: make(chan struct{})}
	text, ok := commandText(i.ApplicationCommandData())
	if !ok {
		p.deferred = false
		go a.ack(p, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{
				Content: "I don't know that command. Try /checkin, /goals or /resources.",
				Flags:   discordgo.MessageFlagsEphemeral,
			},
		})
		return
	}
	go a.ack(p, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
	})
	// A slash command is a conversation with the bot alone: the replies
	// are ephemeral (through the interaction), or in the DM.
	msg := a.interactionMessage(p, u, text)
	msg.Ref = p.ref()
	a.register(p)
	a.queue.Do(string(user), func(context.Context) {
		defer a.unregister(p)
		<-p.acked
		err := a.handle(msg)
		a.finish(a.workCtx, p, err)
	})
}

// interactionMessage is the engine's message for an interaction: a
// conversation with the bot alone, whose replies go to the DM — never to
// a guild channel.
func (a *Adapter) interactionMessage(p *pendingInteraction, u *discordgo.User, text string) bot.Message {
	msg := bot.Message{ID: p.i.ID, Platform: platform, User: p.user, UserName: displayName(u), Direct: true, Text: text}
	if p.i.GuildID == "" {
		msg.Channel = p.i.ChannelID
	} else {
		msg.Channel = a.knownDM(p.user)
	}
	return msg
}

// handle gives one message to the engine.
func (a *Adapter) handle(msg bot.Message) error {
	err := a.engine.Handle(withInteractive(a.workCtx), msg)
	if err != nil {
		a.log.Error("discord: handling an event failed", "user", msg.User, "event", msg.ID, "code", bot.ErrorCode(err), "err", err)
	}
	return err
}

func displayName(u *discordgo.User) string {
	if u.GlobalName != "" {
		return u.GlobalName
	}
	return u.Username
}

// The slash commands: the engine's table (bot.SlashCommands), one word
// each, with one optional text option for a command that takes more.
func commands() []*discordgo.ApplicationCommand {
	contexts := []discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM}
	var out []*discordgo.ApplicationCommand
	for _, c := range bot.SlashCommands() {
		opts := []*discordgo.ApplicationCommandOption{}
		if c.Arg != "" {
			opts = append(opts, &discordgo.ApplicationCommandOption{
				Type: discordgo.ApplicationCommandOptionString, Name: slashOption,
				Description: truncate(strings.Trim(c.Arg, "<>"), maxDescription), Required: !c.Optional,
			})
		}
		out = append(out, &discordgo.ApplicationCommand{
			Name: slashName(c.Name), Description: truncate(upperFirst(c.Help), maxDescription),
			Type: discordgo.ChatApplicationCommand, Contexts: &contexts, Options: opts,
		})
	}
	return out
}

// slashOption is the name of a slash command's text option.
const slashOption = "text"

// maxDescription is Discord's limit on a command's or option's
// description.
const maxDescription = 100

// slashName is a command's name as one word: "my data" → "mydata".
func slashName(name string) string { return strings.ReplaceAll(name, " ", "") }

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// commandText turns a slash command into what a person would type.
func commandText(d discordgo.ApplicationCommandInteractionData) (string, bool) {
	for _, c := range bot.SlashCommands() {
		if slashName(c.Name) != d.Name {
			continue
		}
		text := c.Name
		if o := d.GetOption(slashOption); o != nil {
			if v, ok := o.Value.(string); ok {
				text += " " + oneLine(v)
			}
		}
		return strings.TrimSpace(text), true
	}
	return "", false
}

// registerCommands bulk-overwrites the slash commands, per guild or
// globally. A failure is logged: DMs work without commands.
func (a *Adapter) registerCommands(ctx context.Context) {
	app := a.app()
	if app == "" {
		a.log.Error("discord: no application id in READY; slash commands not registered")
		return
	}
	guilds := a.cfg.GuildIDs
	if len(guilds) == 0 {
		guilds = []string{""}
	}
	for _, g := range guilds {
		if err := a.pace.wait(ctx, interactive); err != nil {
			return
		}
		if _, err := a.rest.ApplicationCommandBulkOverwrite(app, g, commands(), discordgo.WithContext(ctx)); err != nil {
			where := "globally"
			if g != "" {
				where = "in guild " + g + " (is the bot in it, invited with the applications.commands scope?)"
			}
			a.log.Error("discord: cannot register slash commands "+where, "err", err)
			continue
		}
		a.log.Info("discord: slash commands registered", "guild", g)
	}
}
