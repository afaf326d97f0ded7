package slack

import (
	"context"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	slackgo "github.com/slack-go/slack"
)

// userInfo is what users.info says about a user.
type userInfo struct {
	name, tz string
	at       time.Time
}

// userTTL is how long users.info answers are kept: long enough that a
// conversation asks once, short enough that a changed timezone (travel)
// is seen the same day.
const userTTL = 6 * time.Hour

// maxUsers bounds the users.info answers kept; the least recently used go
// first, and are asked for again when needed.
const maxUsers = 10000

// userCache holds users.info answers by Slack user id. An answer older than
// userTTL is asked for again, but kept until then: a stale answer is better
// than none when users.info fails.
type userCache = lru.Cache[string, userInfo]

func newUserCache() *userCache {
	c, _ := lru.New[string, userInfo](maxUsers) // fails only for a size below 1
	return c
}

// lookupUser returns the user's name and timezone, from the cache or from
// users.info. A failure is logged and leaves both empty: the engine then
// uses what it knows.
func (a *Adapter) lookupUser(ctx context.Context, user string) userInfo {
	now := time.Now()
	info, ok := a.users.Get(user)
	if ok && now.Sub(info.at) < userTTL {
		return info
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u, err := a.api.GetUserInfoContext(ctx, user)
	if err != nil {
		a.log.Warn("users.info failed", "user", user, "err", err)
		return info // a stale entry is better than none
	}
	info = userInfo{name: nameOf(u), tz: u.TZ, at: now}
	a.users.Add(user, info)
	return info
}

// nameOf is how to address a user: the display name they chose, else their
// first name, else their full name.
func nameOf(u *slackgo.User) string {
	for _, n := range []string{u.Profile.DisplayName, u.Profile.FirstName, u.RealName, u.Profile.RealName} {
		if n = strings.TrimSpace(n); n != "" {
			return n
		}
	}
	return ""
}
