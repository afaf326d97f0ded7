package testsync

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestBufferConcurrentWrites(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { fmt.Fprintf(&b, "line %d\n", i) })
	}
	wg.Wait()
	if n := len(b.String()); n < 50*len("line 0\n") {
		t.Fatalf("%d bytes written, want every line", n)
	}
}

func TestAwaitWakesOnNotify(t *testing.T) {
	var c Changes
	var done atomic.Bool
	go func() {
		time.Sleep(20 * time.Millisecond) // the change happens later
		done.Store(true)
		c.Notify()
	}()
	// A poll far longer than the timeout: only Notify can wake it in time.
	if !c.Await(5*time.Second, time.Hour, done.Load) {
		t.Fatal("Await did not see the change")
	}
}

func TestAwaitTimesOut(t *testing.T) {
	var c Changes
	if c.Await(20*time.Millisecond, 5*time.Millisecond, func() bool { return false }) {
		t.Fatal("Await reported a condition that never held")
	}
}
