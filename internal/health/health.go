// Package health serves peerbot's liveness and readiness endpoints:
// /healthz says the process is alive, /readyz that everything it depends on
// answers (the store, every configured platform), or 503 with the reasons.
package health

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Pinger answers nil when the thing it stands for works, cheaply: a Redis
// PING, a read of the local file, a platform's connection state.
type Pinger interface {
	Ping(ctx context.Context) error
}

// PingFunc makes a function a Pinger.
type PingFunc func(ctx context.Context) error

// Ping calls f.
func (f PingFunc) Ping(ctx context.Context) error { return f(ctx) }

// DefaultTimeout bounds each check of one readiness request.
const DefaultTimeout = 2 * time.Second

// Live answers 200 "ok" to any request: the process is alive and serving.
func Live() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprintln(w, "ok")
	})
}

// Readiness is the /readyz handler: every check must answer within the
// timeout. Checks may be added while it serves.
type Readiness struct {
	// Timeout bounds each check; 0 means DefaultTimeout.
	Timeout time.Duration

	mu     sync.Mutex
	names  []string
	checks []Pinger
}

// Add adds a check; name says what it is in a 503's reasons ("store",
// "slack").
func (r *Readiness) Add(name string, p Pinger) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names = append(r.names, name)
	r.checks = append(r.checks, p)
}

// Check runs every check at once and returns the failures, one line each
// ("store: Redis at 127.0.0.1:6379 is unreachable"), in the order the
// checks were added; none means ready.
func (r *Readiness) Check(ctx context.Context) []string {
	r.mu.Lock()
	names, checks := append([]string(nil), r.names...), append([]Pinger(nil), r.checks...)
	r.mu.Unlock()
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	errs := make([]error, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Go(func() {
			done := make(chan error, 1)
			go func() { done <- c.Ping(ctx) }()
			select {
			case errs[i] = <-done:
			case <-ctx.Done():
				errs[i] = fmt.Errorf("no answer within %v", timeout)
			}
		})
	}
	wg.Wait()
	var failed []string
	for i, err := range errs {
		if err != nil {
			failed = append(failed, names[i]+": "+oneLine(err.Error()))
		}
	}
	return failed
}

// ServeHTTP answers 200 "ready" when every check passes, else 503 with a
// line per failure.
func (r *Readiness) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	failed := r.Check(req.Context())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if len(failed) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "not ready\n%s\n", strings.Join(failed, "\n"))
		return
	}
	fmt.Fprintln(w, "ready")
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
