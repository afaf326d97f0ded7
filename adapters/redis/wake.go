package redis

import (
	"context"
	_ "embed"
	"hash/fnv"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/peerbot/peerbot/bot"
)

// The wake index is spread over wakeShards shards, each under a hash tag
// of its own so that a Cluster spreads them over its nodes:
//
//	pb:{w:N}:wake     zset  user → unix ms of the next wake
//	pb:{w:N}:claimed  zset  user → unix ms when its claim's lease ends
//	pb:{w:N}:pending  zset  user → earliest wake asked for while claimed
//
// A user's shard is fnv32a(user) mod wakeShards. Each operation is one
// script on one shard, so it is atomic; a user's claim is exclusive until
// its lease ends, when a claimer that died is taken over.

// wakeShards is how many shards the wake index has.
const wakeShards = 16

var (
	//go:embed wake_schedule.lua
	wakeScheduleLua    string
	wakeScheduleScript = goredis.NewScript(wakeScheduleLua)
	//go:embed wake_claim.lua
	wakeClaimLua    string
	wakeClaimScript = goredis.NewScript(wakeClaimLua)
	//go:embed wake_done.lua
	wakeDoneLua    string
	wakeDoneScript = goredis.NewScript(wakeDoneLua)
	//go:embed outbox_next.lua
	outboxNextLua    string
	outboxNextScript = goredis.NewScript(outboxNextLua)
)

// wakeKeys are one shard's keys: wake, claimed, pending.
func (s *Store) wakeKeys(shard int) []string {
	base := s.prefix + "{w:" + strconv.Itoa(shard) + "}:"
	return []string{base + "wake", base + "claimed", base + "pending"}
}

func wakeShard(user bot.UserID) int {
	h := fnv.New32a()
	h.Write([]byte(user))
	return int(h.Sum32() % wakeShards)
}

// ScheduleWake adds user to the wake index, or moves them earlier; see
// bot.Store. One round trip.
func (s *Store) ScheduleWake(ctx context.Context, user bot.UserID, at time.Time) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	err := wakeScheduleScript.Run(ctx, s.rdb, s.wakeKeys(wakeShard(user)), string(user), at.UnixMilli()).Err()
	if err != nil {
		return s.fail(err)
	}
	return nil
}

// claimFrom rotates the shard ClaimWakes starts with, so that a busy
// shard does not starve the others.
var claimFrom atomic.Uint32

// ClaimWakes claims users whose wake time, or whose claim's lease, has
// come, shard by shard; see bot.Store.
func (s *Store) ClaimWakes(ctx context.Context, lease time.Duration, limit int) ([]bot.UserID, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	now := s.clock.Now().UnixMilli()
	start := int(claimFrom.Add(1))
	var out []bot.UserID
	for i := range wakeShards {
		if len(out) >= limit {
			break
		}
		keys := s.wakeKeys((start + i) % wakeShards)
		users, err := wakeClaimScript.Run(ctx, s.rdb, keys[:2], now, lease.Milliseconds(), limit-len(out)).StringSlice()
		if err != nil {
			return out, s.fail(err)
		}
		for _, u := range users {
			out = append(out, bot.UserID(u))
		}
	}
	return out, nil
}

// DoneWake ends user's claim; see bot.Store. One round trip.
func (s *Store) DoneWake(ctx context.Context, user bot.UserID, next time.Time) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	var ms int64
	if !next.IsZero() {
		ms = next.UnixMilli()
	}
	if err := wakeDoneScript.Run(ctx, s.rdb, s.wakeKeys(wakeShard(user)), string(user), ms).Err(); err != nil {
		return s.fail(err)
	}
	return nil
}

// OutboxNext returns when the owner's earliest entry is due; see
// bot.Store. One round trip.
func (s *Store) OutboxNext(ctx context.Context, owner bot.UserID) (time.Time, error) {
	if err := s.check(ctx); err != nil {
		return time.Time{}, err
	}
	ms, err := outboxNextScript.Run(ctx, s.rdb, []string{s.keys(owner).outbox}).Int64()
	if err != nil {
		return time.Time{}, s.fail(err)
	}
	if ms == 0 {
		return time.Time{}, nil
	}
	return time.UnixMilli(ms), nil
}

// forgetWake removes user from the wake index (all of the shard's sets):
// what DeleteUser leaves of a user must not include when to look at them.
func (s *Store) forgetWake(ctx context.Context, user bot.UserID) error {
	keys := s.wakeKeys(wakeShard(user))
	_, err := s.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		for _, k := range keys {
			p.ZRem(ctx, k, string(user))
		}
		return nil
	})
	return err
}

// PeekWakes returns the earliest wakes of every shard, merged, without
// claiming them; see bot.Store.
func (s *Store) PeekWakes(ctx context.Context, limit int) ([]bot.Wake, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var out []bot.Wake
	for shard := range wakeShards {
		zs, err := s.rdb.ZRangeWithScores(ctx, s.wakeKeys(shard)[0], 0, int64(limit)-1).Result()
		if err != nil {
			return nil, s.fail(err)
		}
		for _, z := range zs {
			u, _ := z.Member.(string)
			out = append(out, bot.Wake{User: bot.UserID(u), At: time.UnixMilli(int64(z.Score))})
		}
	}
	slices.SortFunc(out, func(a, b bot.Wake) int { return a.At.Compare(b.At) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// OutboxStats counts every outbox's entries, with a SCAN over every
// primary; see bot.Store.
func (s *Store) OutboxStats(ctx context.Context) (bot.OutboxStats, error) {
	var st bot.OutboxStats
	if err := s.check(ctx); err != nil {
		return st, err
	}
	var mu sync.Mutex
	count := func(ctx context.Context, c goredis.Cmdable) error {
		iter := c.Scan(ctx, 0, s.prefix+"{u:*}:outbox", 1000).Iterator()
		for iter.Next(ctx) {
			vals, err := c.HVals(ctx, iter.Val()).Result()
			if err != nil {
				return err
			}
			for _, v := range vals {
				o, err := parseOutboxEntry(v)
				if err != nil {
					return damaged("outbox", err)
				}
				mu.Lock()
				st.Add(o)
				mu.Unlock()
			}
		}
		return iter.Err()
	}
	var err error
	if cc, ok := s.rdb.(*goredis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error { return count(ctx, c) })
	} else {
		err = count(ctx, s.rdb)
	}
	if err != nil {
		return bot.OutboxStats{}, s.fail(err)
	}
	return st, nil
}
