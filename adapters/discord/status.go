package discord

// Connected reports whether every shard's gateway connection is up now,
// the gateway has said READY, and Run has not begun to shut down. A shard
// that is reconnecting (discordgo does it on its own) makes it false until
// it is back.
func (a *Adapter) Connected() bool {
	return a.self() != "" && !a.stopping.Load() && a.shards.Load() > 0 && a.live.Load() >= a.shards.Load()
}

// RateLimitWaits counts the 429s that discordgo waited out, since New.
func (a *Adapter) RateLimitWaits() int64 { return a.rateLimits.Load() }

// Reconnects counts gateway connections lost (not by shutting down) and
// made again, since New.
func (a *Adapter) Reconnects() int64 { return a.reconnects.Load() }
