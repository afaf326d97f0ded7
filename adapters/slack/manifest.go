package slack

// What a Slack app must grant and subscribe to for this adapter. `peerbot
// setup slack` builds the app manifest from these lists, and the tests of
// this package deliver each event and command through the adapter, so the
// manifest says what the adapter really handles.

// BotScopes are the OAuth scopes of the bot token: post and update
// messages (chat:write), read and open DMs (im:history, im:write), the
// user's name and timezone (users:read), slash commands (commands),
// reactions (reactions:write), messages of public and private peer
// channels (channels:history, groups:history) and file uploads for
// exports and charts (files:write).
var BotScopes = []string{
	"chat:write",
	"im:history",
	"im:write",
	"users:read",
	"commands",
	"reactions:write",
	"channels:history",
	"groups:history",
	"files:write",
}

// BotEvents are the Events API events the adapter handles: DMs to the bot,
// messages in public and private peer channels, and the App Home tab
// being opened.
var BotEvents = []string{
	"app_home_opened",
	"message.channels",
	"message.groups",
	"message.im",
}

// SlashCommand is a slash command the adapter answers.
type SlashCommand struct {
	// Command is the command with its slash, as typed: "/checkin".
	Command string
	// Description is the one line Slack shows in its command menu.
	Description string
	// UsageHint is shown after the command in the menu; may be empty.
	UsageHint string
}

// SlashCommands are the commands the adapter answers: /checkin starts the
// daily check-in, /peerbot takes any command ("pause for 3 days",
// "resources", "my data", …; "help" when empty).
var SlashCommands = []SlashCommand{
	{Command: "/checkin", Description: "Start your check-in now (in your DM with the bot)"},
	{Command: "/peerbot", Description: "Talk to peerbot: help, pause, resume, stop, resources, my data…", UsageHint: "[help | pause for 3 days | resources | my data]"},
}
