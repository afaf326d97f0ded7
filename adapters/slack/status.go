package slack

// Connected reports whether the adapter is connected to Slack: Run's
// auth.test has succeeded, Run has not returned, and in Socket Mode the
// websocket is up now (slack-go reconnects it on its own; until it is
// back, this is false).
func (a *Adapter) Connected() bool {
	select {
	case <-a.ready:
		return a.base.Err() == nil && (a.cfg.Mode != ModeSocket || a.socketUp.Load())
	default:
		return false
	}
}

// RateLimitWaits counts the writes that Slack answered with 429 and that
// were waited out and retried, since New.
func (a *Adapter) RateLimitWaits() int64 { return a.retries.Load() }

// Reconnects counts Socket Mode connections made again after the first,
// since New.
func (a *Adapter) Reconnects() int64 { return a.reconnects.Load() }
