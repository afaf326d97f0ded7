// Package serial runs jobs one at a time per key, in the order they came,
// and different keys in parallel. Chat adapters use it to acknowledge a
// platform event at once and do the engine's work afterwards without ever
// handling two messages of one person at the same time or out of order.
package serial

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// Queue holds a goroutine for each key that has work, and none for idle
// keys.
type Queue struct {
	ctx    context.Context
	log    *slog.Logger
	mu     sync.Mutex
	queues map[string][]func(context.Context)
	wg     sync.WaitGroup
}

// New returns a Queue whose jobs run with ctx; a job that panics is logged
// to log and the queue goes on.
func New(ctx context.Context, log *slog.Logger) *Queue {
	return &Queue{ctx: ctx, log: log, queues: map[string][]func(context.Context){}}
}

// Do queues job for key. It never blocks.
func (q *Queue) Do(key string, job func(context.Context)) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if jobs, busy := q.queues[key]; busy {
		q.queues[key] = append(jobs, job)
		return
	}
	q.queues[key] = []func(context.Context){job}
	q.wg.Add(1)
	go q.drain(key)
}

func (q *Queue) drain(key string) {
	defer q.wg.Done()
	for {
		q.mu.Lock()
		jobs := q.queues[key]
		if len(jobs) == 0 {
			delete(q.queues, key)
			q.mu.Unlock()
			return
		}
		job := jobs[0]
		jobs[0] = nil
		q.queues[key] = jobs[1:]
		q.mu.Unlock()
		q.run(job)
	}
}

func (q *Queue) run(job func(context.Context)) {
	defer func() {
		if r := recover(); r != nil {
			q.log.Error("a queued job panicked", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	job(q.ctx)
}

// Wait waits until every queued job has run.
func (q *Queue) Wait() { q.wg.Wait() }

// WaitFor waits until every queued job has run, for at most d; it reports
// whether the queue drained in time.
func (q *Queue) WaitFor(d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		q.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}
