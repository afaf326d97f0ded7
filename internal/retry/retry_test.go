package retry_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/peerbot/peerbot/internal/retry"
)

func TestDo(t *testing.T) {
	fail := errors.New("down")
	tests := []struct {
		name      string
		results   []error // what op returns, in turn; then nil
		wantErr   error
		wantTries int
		wantWaits []time.Duration // exact when After is used
	}{
		{"succeeds after two failures", []error{fail, fail}, nil, 3, nil},
		{"a permanent error stops at once", []error{fail, retry.Permanent(fail)}, fail, 2, nil},
		{"Retry-After is waited exactly", []error{retry.After(fail, 7*time.Second)}, nil, 2, []time.Duration{7 * time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tries := 0
				var waits []time.Duration
				err := retry.Do(context.Background(), retry.Policy{Initial: time.Second, Max: 10 * time.Second}, func() error {
					tries++
					if tries <= len(tc.results) {
						return tc.results[tries-1]
					}
					return nil
				}, func(err error, wait time.Duration) {
					if !errors.Is(err, fail) {
						t.Errorf("notified of %v, want the op's error", err)
					}
					waits = append(waits, wait)
				})
				if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
					t.Fatalf("Do = %v, want %v", err, tc.wantErr)
				}
				if tries != tc.wantTries {
					t.Fatalf("%d tries, want %d", tries, tc.wantTries)
				}
				if tc.wantWaits != nil && (len(waits) != 1 || waits[0] != tc.wantWaits[0]) {
					t.Fatalf("waits %v, want %v", waits, tc.wantWaits)
				}
				for _, w := range waits {
					if w > 10*time.Second {
						t.Fatalf("wait %v past the policy's max", w)
					}
				}
			})
		})
	}
}

func TestDoStopsWithItsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		tries := 0
		err := retry.Do(ctx, retry.Policy{Initial: time.Second, Max: time.Second}, func() error {
			tries++
			return errors.New("down")
		}, nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Do = %v, want the context's deadline", err)
		}
		if tries < 3 || tries > 10 {
			t.Fatalf("%d tries in 5 s with waits of about 1 s", tries)
		}
	})
}
