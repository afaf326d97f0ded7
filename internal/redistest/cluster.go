package redistest

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterTimeout bounds cluster creation and StartCluster's wait for a
// healthy cluster.
const clusterTimeout = 30 * time.Second

// Cluster is a Redis Cluster of primaries without replicas.
type Cluster struct {
	Addrs   []string  // the nodes' addresses
	Servers []*Server // the nodes, in the order of Addrs
}

// StartCluster starts primaries cluster-enabled servers (each in its own
// directory, with nodes.conf there and cluster-node-timeout 5000; opts
// apply to every node), joins them with `redis-cli --cluster create
// --cluster-replicas 0`, and returns once every node reports cluster_state:ok
// with all 16384 slots assigned and every node known. Redis refuses
// clusters of fewer than 3 primaries through redis-cli, so for 1 or 2 the
// slots are assigned directly (CLUSTER ADDSLOTSRANGE, CLUSTER MEET).
// Everything is stopped in t.Cleanup.
func StartCluster(t testing.TB, primaries int, opts ...Option) *Cluster {
	t.Helper()
	lookPath(t, "redis-server", missingServer)
	cli := ""
	if primaries >= 3 {
		cli = lookPath(t, "redis-cli", missingCLI)
	}
	if primaries < 1 {
		t.Fatalf("redistest: StartCluster needs at least 1 primary, got %d", primaries)
	}
	opts = append(append([]Option(nil), opts...), withCluster())
	c := &Cluster{}
	for range primaries {
		s := Start(t, opts...)
		c.Servers = append(c.Servers, s)
		c.Addrs = append(c.Addrs, s.Addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	if cli != "" {
		args := append([]string{"--cluster", "create"}, c.Addrs...)
		args = append(args, "--cluster-replicas", "0", "--cluster-yes")
		cmd := exec.CommandContext(ctx, cli, args...)
		cmd.SysProcAttr = sysProcAttr()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("redistest: redis-cli %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	} else if err := c.assignSlots(ctx); err != nil {
		t.Fatalf("redistest: creating a cluster of %d: %v", primaries, err)
	}
	c.WaitHealthy(t)
	return c
}

// assignSlots splits the slots evenly and introduces every node to the
// first, as redis-cli does.
func (c *Cluster) assignSlots(ctx context.Context) error {
	const slots = 16384
	n := len(c.Servers)
	for i, s := range c.Servers {
		lo, hi := i*slots/n, (i+1)*slots/n-1
		pc := probeClient(s.Addr)
		err := pc.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", lo, hi).Err()
		if err == nil {
			err = pc.Do(ctx, "CLUSTER", "SET-CONFIG-EPOCH", i+1).Err()
		}
		if err == nil && i > 0 {
			err = pc.Do(ctx, "CLUSTER", "MEET", "127.0.0.1", c.Servers[0].Port()).Err()
		}
		pc.Close()
		if err != nil {
			return fmt.Errorf("node %s: %w", s.Addr, err)
		}
	}
	return nil
}

// WaitHealthy waits until every node reports cluster_state:ok, all 16384
// slots assigned and all nodes known, e.g. after a node's Restart. It
// fails the test after 30 s.
func (c *Cluster) WaitHealthy(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	clients := make([]*redis.Client, len(c.Servers))
	for i, s := range c.Servers {
		clients[i] = probeClient(s.Addr)
		defer clients[i].Close()
	}
	want := map[string]string{
		"cluster_state":          "ok",
		"cluster_slots_assigned": "16384",
		"cluster_known_nodes":    strconv.Itoa(len(c.Servers)),
	}
	for {
		last := ""
		for i, pc := range clients {
			info, err := pc.ClusterInfo(ctx).Result()
			if err != nil {
				last = fmt.Sprintf("%s: CLUSTER INFO: %v", c.Addrs[i], err)
				break
			}
			for k, v := range want {
				if got := infoField(info, k); got != v {
					last = fmt.Sprintf("%s: %s:%s, want %s", c.Addrs[i], k, got, v)
					break
				}
			}
			if last != "" {
				break
			}
		}
		if last == "" {
			return
		}
		select {
		case <-ctx.Done():
			var logs strings.Builder
			for _, s := range c.Servers {
				logs.WriteString(s.LogTail(15))
			}
			t.Fatalf("redistest: cluster %v not healthy within %v: %s\n%s", c.Addrs, clusterTimeout, last, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Options returns go-redis options for a cluster client of these nodes.
func (c *Cluster) Options() *redis.ClusterOptions {
	return &redis.ClusterOptions{Addrs: append([]string(nil), c.Addrs...)}
}

// Client returns a go-redis ClusterClient; it is closed in t.Cleanup.
func (c *Cluster) Client(t testing.TB) *redis.ClusterClient {
	t.Helper()
	cc := redis.NewClusterClient(c.Options())
	t.Cleanup(func() { _ = cc.Close() })
	return cc
}
