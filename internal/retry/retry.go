// Package retry runs an operation again after a failure, with jittered
// exponential backoff (github.com/cenkalti/backoff/v5), until it succeeds,
// fails for good, or its context ends. It is the one retry loop of the
// adapters: connecting to Redis, Slack and Discord, and writing to Slack.
package retry

import (
	"context"
	"errors"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Policy is how long to wait between tries: Initial after the first
// failure, doubling (with ±50 % jitter) up to Max.
type Policy struct {
	Initial, Max time.Duration
}

// Permanent marks err as not worth retrying: Do returns it at once.
func Permanent(err error) error { return backoff.Permanent(err) }

// After marks err as retryable after exactly d (a 429's Retry-After), not
// after the policy's next wait.
func After(err error, d time.Duration) error {
	return errors.Join(err, &backoff.RetryAfterError{Duration: d})
}

// Do calls op until it returns nil or a Permanent error, or ctx ends; then
// it returns op's last error (unwrapped from Permanent), or ctx's. notify,
// when not nil, is told of each failure and the wait before the next try.
func Do(ctx context.Context, p Policy, op func() error, notify func(err error, wait time.Duration)) error {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval = p.Initial, p.Max
	opts := []backoff.RetryOption{backoff.WithBackOff(b), backoff.WithMaxElapsedTime(0)}
	if notify != nil {
		opts = append(opts, backoff.WithNotify(func(err error, wait time.Duration) { notify(withoutAfter(err), wait) }))
	}
	_, err := backoff.Retry(ctx, func() (struct{}, error) { return struct{}{}, op() }, opts...)
	return withoutAfter(err)
}

// withoutAfter drops the wait that After joined to an error.
func withoutAfter(err error) error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return err
	}
	var kept []error
	for _, e := range j.Unwrap() {
		if _, isAfter := e.(*backoff.RetryAfterError); !isAfter {
			kept = append(kept, e)
		}
	}
	if len(kept) == 1 {
		return kept[0]
	}
	return errors.Join(kept...)
}
