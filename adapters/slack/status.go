package slack

// Connected reports whether the adapter is connected to Slack: Run's
// auth.test has succeeded and Run has not returned. It does not follow the
// Socket Mode websocket itself, which slack-go reconnects on its own: a
// socket that is reconnecting still counts as connected.
func (a *Adapter) Connected() bool {
	select {
	case <-a.ready:
		return a.base.Err() == nil
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
