package redistest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMasterName is the name under which StartSentinel's sentinel
// monitors the primary.
const SentinelMasterName = "peerbot"

// Sentinel is a primary watched by Redis Sentinel.
type Sentinel struct {
	MasterName string    // the monitored master's name (SentinelMasterName)
	Addrs      []string  // the sentinels' addresses
	Master     *Server   // the primary
	Sentinels  []*Server // the sentinel processes, in the order of Addrs
}

// StartSentinel starts a primary (configured by opts) and one sentinel
// monitoring it with quorum 1 and down-after-milliseconds 1000. It returns
// once the sentinel reports the master's address and is connected to it.
// Everything is stopped in t.Cleanup.
func StartSentinel(t testing.TB, opts ...Option) *Sentinel {
	t.Helper()
	bin := lookPath(t, "redis-server", missingServer)
	master := Start(t, opts...)
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	s := &Server{Dir: dir, bin: bin, name: "redis-sentinel"}
	written := 0
	s.argv = func(port int) ([]string, error) {
		// The sentinel rewrites its conf file (its id, what it learned):
		// write it only for a new port, so a Restart keeps that state.
		if port != written {
			text := strings.Join([]string{
				"port " + strconv.Itoa(port),
				"bind 127.0.0.1",
				"daemonize no",
				"dir " + dir,
				"logfile " + filepath.Join(dir, "redis.log"),
				fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 1", SentinelMasterName, master.Port()),
				"sentinel down-after-milliseconds " + SentinelMasterName + " 1000",
				"sentinel failover-timeout " + SentinelMasterName + " 10000",
				"",
			}, "\n")
			if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
				return nil, err
			}
			written = port
		}
		return []string{conf, "--sentinel"}, nil
	}
	s.start(t, true)
	t.Cleanup(s.Stop)

	sn := &Sentinel{
		MasterName: SentinelMasterName,
		Addrs:      []string{s.Addr},
		Master:     master,
		Sentinels:  []*Server{s},
	}
	sn.waitMaster(t, s)
	return sn
}

// waitMaster waits until the sentinel reports the master at its address,
// connected and not down.
func (sn *Sentinel) waitMaster(t testing.TB, s *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ReadyTimeout)
	defer cancel()
	c := redis.NewSentinelClient(probeOptions(s.Addr))
	defer c.Close()
	var last string
	for {
		addr, err := c.GetMasterAddrByName(ctx, sn.MasterName).Result()
		switch {
		case err != nil:
			last = "SENTINEL get-master-addr-by-name: " + err.Error()
		case len(addr) != 2 || addr[0]+":"+addr[1] != sn.Master.Addr:
			last = fmt.Sprintf("SENTINEL get-master-addr-by-name: %v, want %s", addr, sn.Master.Addr)
		default:
			m, err := c.Master(ctx, sn.MasterName).Result()
			if err != nil {
				last = "SENTINEL master: " + err.Error()
			} else if flags := m["flags"]; flags != "master" {
				last = "SENTINEL master: flags " + flags
			} else {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("redistest: sentinel %s does not report master %s within %v: %s\n%s\n%s",
				s.Addr, sn.Master.Addr, ReadyTimeout, last, s.LogTail(30), sn.Master.LogTail(10))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Options returns go-redis options for a client that finds the master
// through the sentinels.
func (sn *Sentinel) Options() *redis.FailoverOptions {
	return &redis.FailoverOptions{
		MasterName:    sn.MasterName,
		SentinelAddrs: append([]string(nil), sn.Addrs...),
	}
}

// Client returns a go-redis failover client (redis.NewFailoverClient); it is
// closed in t.Cleanup.
func (sn *Sentinel) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewFailoverClient(sn.Options())
	t.Cleanup(func() { _ = c.Close() })
	return c
}
