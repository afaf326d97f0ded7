package discord

// Connected reports whether the gateway has said READY to this adapter and
// Run has not begun to shut down. discordgo reconnects and resumes on its
// own; a session that is reconnecting still counts as connected.
func (a *Adapter) Connected() bool {
	return a.self() != "" && !a.stopping.Load()
}
