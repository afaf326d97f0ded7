// Package redisstats counts the work a Redis client asks of its server:
// the round trips and commands a client sends (Trips, a go-redis hook) and
// the commands the server ran (CommandStats, from INFO commandstats). The
// benchmarks and `peerbot bench` use it to say what a step or a person
// costs in Redis.
package redisstats

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// Trips is a go-redis hook (Client.AddHook) that counts network round
// trips — one per command sent alone, one per pipeline or transaction — and
// the commands they carry. A script run (EVALSHA, and EVAL after NOSCRIPT)
// is one command; what it runs inside the server is counted by
// CommandStats. It is safe for concurrent use.
type Trips struct {
	trips, cmds atomic.Int64
}

var _ redis.Hook = (*Trips)(nil)

// DialHook leaves dialling alone.
func (c *Trips) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook counts one round trip of one command.
func (c *Trips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.trips.Add(1)
		c.cmds.Add(1)
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook counts one round trip of all the pipeline's commands.
func (c *Trips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.trips.Add(1)
		c.cmds.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// RoundTrips is how many round trips were counted since the last Reset.
func (c *Trips) RoundTrips() int64 { return c.trips.Load() }

// Commands is how many commands were sent since the last Reset.
func (c *Trips) Commands() int64 { return c.cmds.Load() }

// Reset sets both counts to zero.
func (c *Trips) Reset() { c.trips.Store(0); c.cmds.Store(0) }

// CommandStats returns, for each command, how many times the server ran it
// (INFO commandstats: "set", "get", "evalsha", "client|setinfo", ...),
// commands run by scripts included. For a ClusterClient the counts of all
// masters are summed, for a Ring those of all live shards. Reset the counts
// with CONFIG RESETSTAT, or compare two snapshots with Since: a snapshot
// counts the INFO calls of earlier snapshots (not its own).
func CommandStats(ctx context.Context, c redis.UniversalClient) (map[string]int64, error) {
	stats := make(map[string]int64)
	var mu sync.Mutex
	collect := func(ctx context.Context, c *redis.Client) error {
		info, err := c.Info(ctx, "commandstats").Result()
		if err != nil {
			return err
		}
		one, err := parseCommandStats(info)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for k, v := range one {
			stats[k] += v
		}
		return nil
	}
	var err error
	switch c := c.(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, collect)
	case *redis.Ring:
		err = c.ForEachShard(ctx, collect)
	case *redis.Client:
		err = collect(ctx, c)
	default:
		var info string
		info, err = c.Info(ctx, "commandstats").Result()
		if err == nil {
			stats, err = parseCommandStats(info)
		}
	}
	if err != nil {
		return nil, err
	}
	return stats, nil
}

// Since sums the commands the server ran between two CommandStats
// snapshots, leaving out the INFO calls that take the snapshots, and
// returns the commands whose count changed.
func Since(before, after map[string]int64) (total int64, delta map[string]int64) {
	delta = make(map[string]int64)
	for k, v := range after {
		if d := v - before[k]; d != 0 && k != "info" {
			delta[k] = d
			total += d
		}
	}
	return total, delta
}

// parseCommandStats parses lines such as
// "cmdstat_set:calls=3,usec=12,usec_per_call=4.00,rejected_calls=0,failed_calls=0".
func parseCommandStats(info string) (map[string]int64, error) {
	stats := make(map[string]int64)
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, "cmdstat_")
		if !ok {
			continue
		}
		name, fields, ok := strings.Cut(rest, ":")
		if !ok {
			return nil, fmt.Errorf("redisstats: bad commandstats line %q", line)
		}
		found := false
		for _, f := range strings.Split(fields, ",") {
			if v, ok := strings.CutPrefix(f, "calls="); ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("redisstats: bad commandstats line %q: %v", line, err)
				}
				stats[name] += n
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("redisstats: commandstats line without calls: %q", line)
		}
	}
	return stats, sc.Err()
}
