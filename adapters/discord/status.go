package discord

// Connected reports whether the gateway has said READY to this adapter and
// Run has not begun to shut down. discordgo reconnects and resumes on its
// own; a session that is reconnecting still counts as connected.
func (a *Adapter) Connected() bool {
	return a.self() != "" && !a.stopping.Load()
}

// RateLimitWaits counts the 429s that discordgo waited out, since New.
func (a *Adapter) RateLimitWaits() int64 { return a.rateLimits.Load() }

// Reconnects counts gateway connections lost (not by shutting down) and
// made again, since New.
func (a *Adapter) Reconnects() int64 { return a.reconnects.Load() }
