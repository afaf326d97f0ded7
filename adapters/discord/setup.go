package discord

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// Permissions is what the bot needs in the channels it works in: see and
// send messages (also in threads), embed links and attach files (exports
// and charts), read the history, add reactions and start public threads
// (peer channels). `peerbot setup discord` puts it in the invite URL.
const Permissions int64 = discordgo.PermissionViewChannel |
	discordgo.PermissionSendMessages |
	discordgo.PermissionSendMessagesInThreads |
	discordgo.PermissionEmbedLinks |
	discordgo.PermissionAttachFiles |
	discordgo.PermissionReadMessageHistory |
	discordgo.PermissionAddReactions |
	discordgo.PermissionCreatePublicThreads

// Scopes are the OAuth2 scopes of the invite: the bot user and its slash
// commands.
var Scopes = []string{"bot", "applications.commands"}

// Intents returns the gateway intents the adapter asks for with cfg:
// guilds, direct messages and guild messages, and the privileged Message
// Content intent when peer channels are configured (DM text needs no
// privileged intent).
func Intents(cfg Config) discordgo.Intent {
	intents := discordgo.IntentsGuilds | discordgo.IntentsDirectMessages | discordgo.IntentsGuildMessages
	if len(cfg.PeerChannels) > 0 {
		intents |= discordgo.IntentsMessageContent
	}
	return intents
}

// PrivilegedIntents names the privileged intents among intents, the ones
// that must be switched on in the developer portal (Bot → Privileged
// Gateway Intents) or Discord refuses the connection.
func PrivilegedIntents(intents discordgo.Intent) []string {
	var names []string
	for _, p := range []struct {
		intent discordgo.Intent
		name   string
	}{
		{discordgo.IntentsGuildPresences, "Presence Intent"},
		{discordgo.IntentsGuildMembers, "Server Members Intent"},
		{discordgo.IntentsMessageContent, "Message Content Intent"},
	} {
		if intents&p.intent != 0 {
			names = append(names, p.name)
		}
	}
	return names
}

// InviteURL returns the URL that adds the bot of application clientID to
// a server, with Scopes and Permissions.
func InviteURL(clientID string) string {
	q := url.Values{}
	q.Set("client_id", clientID)
	q.Set("scope", strings.Join(Scopes, " "))
	q.Set("permissions", strconv.FormatInt(Permissions, 10))
	return "https://discord.com/oauth2/authorize?" + q.Encode()
}
