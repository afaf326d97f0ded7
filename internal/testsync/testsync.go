// Package testsync holds the small concurrency helpers that the tests and
// the local fakes (fakeslack, fakediscord) share: a buffer many goroutines
// write to while a test reads it, and a way to wait for a condition that
// re-checks whenever something changes instead of sleeping.
package testsync

import (
	"bytes"
	"sync"
	"time"
)

// Buffer is a bytes.Buffer that is safe for concurrent writers and readers,
// for capturing logs or output while the code under test runs.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Changes wakes waiters whenever its owner's state changes. The zero value
// is ready to use.
type Changes struct {
	mu sync.Mutex
	ch chan struct{} // closed and replaced on every change
}

func (c *Changes) current() chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

// Notify wakes every Await.
func (c *Changes) Notify() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch != nil {
		close(c.ch)
	}
	c.ch = make(chan struct{})
}

// Await waits until cond holds, for at most timeout, and reports whether
// it held. cond is checked after every Notify, and every poll for
// conditions on things that do not notify.
func (c *Changes) Await(timeout, poll time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		ch := c.current() // taken before cond, so no change is missed
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-tick.C:
		case <-deadline.C:
			return cond()
		}
	}
}
