package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/peerbot/peerbot/internal/redistest"
)

// A check-in with --redis leaves its keys under the prefix with the user's
// hash tag, survives a restart of peerbot, and "delete my data" leaves no
// key of that user.
func TestChatOnRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	client := srv.Client(t)
	ctx := context.Background()
	e := newEnv(t)
	data := t.TempDir()
	args := []string{"chat", "--data", data, "--redis", srv.URL()}

	r := e.run(t, "yes\n4\n7\nno\nI went for a walk\nskip\n", args...)
	mustExit(t, r, 0)
	inOrder(t, "stdout", r.stdout, consentQuestion, moodQuestion, doneDaily)
	mustContain(t, "stderr", r.stderr, "Redis at "+srv.Addr)

	tag := "pb:{u:console:local:" + testUser + "}:"
	keys, err := client.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		t.Fatal("no keys in Redis after a check-in")
	}
	// The user's own keys, and the wake index of scheduled check-ins,
	// whose shards are keys of their own (members are user ids).
	for _, k := range keys {
		if !strings.HasPrefix(k, tag) && !strings.HasPrefix(k, "pb:{w:") {
			t.Errorf("key %q is neither under %q nor a wake index shard", k, tag)
		}
	}

	r = e.run(t, "my data\n", args...)
	mustExit(t, r, 0)
	mustNotContain(t, "restart: stdout", r.stdout, consentQuestion)
	mustContain(t, "restart: my data", r.stdout, "Streak: 1 day", "Mood: Good", "One thing that went well: I went for a walk")

	inIndex := func() bool {
		shards, err := client.Keys(ctx, "pb:{w:*").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range shards {
			if _, err := client.ZScore(ctx, k, "console:local:"+testUser).Result(); err == nil {
				return true
			}
		}
		return false
	}
	if !inIndex() {
		t.Fatal("a consented user with a scheduled check-in is not in the wake index")
	}

	r = e.run(t, "delete my data\n", args...)
	mustExit(t, r, 0)
	mustContain(t, "delete: stdout", r.stdout, "deleted everything")
	var left []string
	iter := client.Scan(ctx, 0, tag+"*", 100).Iterator()
	for iter.Next(ctx) {
		left = append(left, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("keys of the user left after delete my data: %v", left)
	}
	if inIndex() {
		t.Error("the deleted user is still in the wake index")
	}
}

// Redis configured but not there at start: the address is named and the
// connection retried with backoff; once Redis starts, the chat begins.
func TestRedisUnreachableAtStart(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	srv.Kill() // keep its port, free now
	e := newEnv(t, "PEERBOT_REDIS_URL="+srv.URL())

	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, peerbotBin, "chat", "--data", t.TempDir())
	cmd.Env = e.environ()
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdin = strings.NewReader("yes\n")
	var stdout strings.Builder
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The line after the second failure says how long to wait for a
	// third try.
	watch := watchLines(stderr, "redis unreachable, retrying")
	select {
	case <-watch.seen:
	case <-ctx.Done():
	}
	for strings.Count(watch.String(), "redis unreachable, retrying") < 2 && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-watch.seen:
	case <-watch.done:
		t.Fatalf("peerbot ended before retrying a second time; stderr:\n%s", watch)
	case <-ctx.Done():
		t.Fatalf("no second retry within %v; stderr:\n%s", runTimeout, watch)
	}
	srv.Restart(t)
	<-watch.done
	if err := cmd.Wait(); err != nil {
		t.Fatalf("peerbot: %v\nstderr:\n%s", err, watch)
	}
	log := watch.String()
	if n := strings.Count(log, "retry_in="); n < 2 {
		t.Errorf("stderr says %d waits, want at least 2:\n%s", n, log)
	}
	for _, want := range []string{"redis unreachable, retrying", "addr=" + srv.Addr} {
		if !strings.Contains(log, want) {
			t.Errorf("stderr lacks %q:\n%s", want, log)
		}
	}
	mustContain(t, "stdout once Redis is up", stdout.String(), consentQuestion, moodQuestion)
}
