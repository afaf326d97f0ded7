package health

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func get(t *testing.T, h http.Handler) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body)
}

func TestLive(t *testing.T) {
	if code, body := get(t, Live()); code != 200 || body != "ok\n" {
		t.Errorf("Live: %d %q", code, body)
	}
}

func TestReadiness(t *testing.T) {
	var storeDown, slackDown atomic.Bool
	r := &Readiness{Timeout: 100 * time.Millisecond}
	r.Add("store", PingFunc(func(context.Context) error {
		if storeDown.Load() {
			return errors.New("Redis at 127.0.0.1:1 is\nunreachable")
		}
		return nil
	}))
	r.Add("slack", PingFunc(func(context.Context) error {
		if slackDown.Load() {
			return errors.New("not connected")
		}
		return nil
	}))
	for _, tc := range []struct {
		name         string
		store, slack bool // down
		hang         bool
		code         int
		lines        []string
	}{
		{name: "all up", code: 200, lines: []string{"ready"}},
		{name: "store down", store: true, code: 503, lines: []string{"not ready", "store: Redis at 127.0.0.1:1 is unreachable"}},
		{name: "both down, in order", store: true, slack: true, code: 503, lines: []string{"not ready", "store: Redis at 127.0.0.1:1 is unreachable", "slack: not connected"}},
		{name: "a check that hangs", hang: true, code: 503, lines: []string{"not ready", "hung: no answer within 100ms"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storeDown.Store(tc.store)
			slackDown.Store(tc.slack)
			h := http.Handler(r)
			if tc.hang {
				hr := &Readiness{Timeout: 100 * time.Millisecond}
				stuck := make(chan struct{})
				t.Cleanup(func() { close(stuck) })
				// It ignores its context, as a stuck client might.
				hr.Add("hung", PingFunc(func(context.Context) error { <-stuck; return nil }))
				h = hr
			}
			code, body := get(t, h)
			if code != tc.code || strings.TrimSpace(body) != strings.Join(tc.lines, "\n") {
				t.Errorf("got %d %q, want %d %q", code, body, tc.code, strings.Join(tc.lines, "\n"))
			}
		})
	}
}
