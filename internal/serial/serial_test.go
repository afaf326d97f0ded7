package serial

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestOrderPerKeyAndParallelAcrossKeys(t *testing.T) {
	q := New(context.Background(), slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	var mu sync.Mutex
	got := map[string][]int{}
	var running, maxRunning atomic.Int32
	for i := range 200 {
		key := fmt.Sprint("user", i%5)
		q.Do(key, func(context.Context) {
			n := running.Add(1)
			for {
				m := maxRunning.Load()
				if n <= m || maxRunning.CompareAndSwap(m, n) {
					break
				}
			}
			mu.Lock()
			got[key] = append(got[key], i)
			mu.Unlock()
			running.Add(-1)
		})
	}
	q.Wait()
	for key, seq := range got {
		if len(seq) != 40 {
			t.Errorf("%s ran %d jobs, want 40", key, len(seq))
		}
		for j := 1; j < len(seq); j++ {
			if seq[j] < seq[j-1] {
				t.Fatalf("%s ran jobs out of order: %v", key, seq)
			}
		}
	}
	if maxRunning.Load() > 5 {
		t.Errorf("%d jobs ran at once with 5 keys; one key's jobs overlapped", maxRunning.Load())
	}
}

func TestOneKeyNeverOverlaps(t *testing.T) {
	q := New(context.Background(), slog.Default())
	var inside atomic.Int32
	for range 100 {
		q.Do("sam", func(context.Context) {
			if inside.Add(1) != 1 {
				t.Error("two jobs of one key ran at once")
			}
			inside.Add(-1)
		})
	}
	q.Wait()
}

func TestPanicIsLoggedAndQueueGoesOn(t *testing.T) {
	var log bytes.Buffer
	q := New(context.Background(), slog.New(slog.NewTextHandler(&log, nil)))
	ran := false
	q.Do("k", func(context.Context) { panic("boom") })
	q.Do("k", func(context.Context) { ran = true })
	q.Wait()
	if !ran {
		t.Fatal("the job after a panicking one did not run")
	}
	if !bytes.Contains(log.Bytes(), []byte("boom")) {
		t.Errorf("the panic was not logged: %s", log.String())
	}
}

func TestJobsSeeTheQueueContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q := New(ctx, slog.Default())
	var err error
	q.Do("k", func(ctx context.Context) { err = ctx.Err() })
	q.Wait()
	if err == nil {
		t.Fatal("the job did not get the queue's (cancelled) context")
	}
}

func TestWaitFor(t *testing.T) {
	q := New(context.Background(), slog.Default())
	release := make(chan struct{})
	q.Do("k", func(context.Context) { <-release })
	if q.WaitFor(10 * time.Millisecond) {
		t.Fatal("WaitFor reported drained while a job was still running")
	}
	close(release)
	if !q.WaitFor(10 * time.Second) {
		t.Fatal("WaitFor did not see the queue drain")
	}
}
