package slack

import lru "github.com/hashicorp/golang-lru/v2"

// claimSet remembers the last keys claimed in this process: the prompts
// already clicked, so that a double click is handled once without a store
// round trip, and the slash commands whose user was already pointed to the
// DM. Whether a click answers the current question is the engine's to say
// (the button's value names its question), on any replica and after any
// restart.
type claimSet struct {
	keys *lru.Cache[string, struct{}]
}

// maxClaims bounds a claimSet; the oldest claims go first. A double click
// or a redelivery comes within seconds, long before 10,000 others.
const maxClaims = 10000

func newClaimSet() *claimSet {
	keys, _ := lru.New[string, struct{}](maxClaims) // fails only for a size below 1
	return &claimSet{keys: keys}
}

// claim marks key as claimed; false if it already was.
func (c *claimSet) claim(key string) bool {
	found, _ := c.keys.ContainsOrAdd(key, struct{}{})
	return !found
}

// release forgets a claim, so that the same click may come again.
func (c *claimSet) release(key string) { c.keys.Remove(key) }
