// Package bolt is a bot.Store in one local file, on go.etcd.io/bbolt: the
// embedded default, for a single small community and for trying peerbot.
//
// # Layout
//
// The file holds four top-level buckets:
//
//	state    user → 8-byte big-endian Version, then the JSON of bot.State
//	history  user → sub-bucket: 8-byte big-endian sequence → JSON of bot.Record
//	flags    user → sub-bucket: 8-byte big-endian sequence → JSON of bot.Flag
//	seen     user + "\x00" + event id → 8-byte big-endian expiry (unix seconds)
//	outbox   user + "\x00" + entry id → JSON of bot.Outbound
//
// Outbox entry ids sort by creation, so a cursor gives a user's entries in
// the order they are owed, and the bucket holds only what is undelivered.
// AckOutbox does not wait for its own write: the removal is committed by a
// background flusher within a batch (usually in the same transaction and
// fsync as other users' saves), and claims skip what is acked meanwhile.
// A crash in those few milliseconds means a message already delivered is
// delivered again after the restart: the at-least-once window.
//
// The version sits before the JSON so that Save checks it without decoding
// the state. Sequences come from each sub-bucket's NextSequence, so key
// order is append order: History walks a cursor backwards (newest first),
// Flags forwards (oldest first). The "\x00" in seen keys keeps a user id
// that is a prefix of another from matching its marks.
//
// A dedupe mark lives 24 hours, longer than any platform retries an event.
// An expired mark counts as absent; Save overwrites it, and a sweep at Open
// and then every hour deletes the rest, a bounded number per transaction so
// that saves never wait long behind it.
//
// State goes through encoding/json, so numbers in answers come back as
// float64.
//
// # Concurrency and durability
//
// Save runs in bbolt's DB.Batch: concurrent saves, of any users, are
// coalesced into one write transaction and one fsync, which is what lets
// one file keep up with many users at once while every Save that returns
// nil is on disk. Optimistic concurrency (Version) and the dedupe mark are
// checked inside that transaction, so they are atomic with the write.
//
// Only one process can open the file: bbolt takes an exclusive flock, and
// Open gives up after a second with an error that names the file.
package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/peerbot/peerbot/bot"
)

// Limits and tuning; the batch settings come from BenchmarkSaveParallel on
// a 2-core VM.
const (
	// seenTTL is how long a dedupe mark is kept: platforms retry an event
	// for minutes (Slack) or replay a session's backlog on resume (Discord),
	// never for a day.
	seenTTL = 24 * time.Hour
	// sweepEvery is how often expired marks are deleted.
	sweepEvery = time.Hour
	// sweepChunk bounds the marks looked at, and so deleted, per write
	// transaction.
	sweepChunk = 5000
	// lockTimeout is how long Open waits for another process's lock.
	lockTimeout = time.Second
	// maxBatchDelay is how long a Save waits for others to share its
	// transaction; bbolt's default is 10ms. About one commit (two
	// fdatasyncs, ~1.5ms here) is best: at 1ms and below, many small
	// batches queue behind the one in flight and throughput with hundreds
	// of writers halves; at 4ms and above, a lone writer waits for nothing.
	maxBatchDelay = 2 * time.Millisecond
	// maxBatchSize caps a transaction; bbolt's default (1000) is fine.
	maxBatchSize = 1000
)

var (
	bucketState   = []byte("state")
	bucketHistory = []byte("history")
	bucketFlags   = []byte("flags")
	bucketSeen    = []byte("seen")
	bucketOutbox  = []byte("outbox")
	bucketWake    = []byte("wake")    // see wake.go
	bucketWakeAt  = []byte("wake_at") // see wake.go
)

// Store is a bot.Store in one bbolt file. It is safe for concurrent use.
type Store struct {
	db    *bbolt.DB
	path  string
	clock bot.Clock

	noSweeper bool // tests sweep by hand
	// onSaveRun, when set, is called at each run of a save's transaction
	// function: tests count the runs bbolt makes.
	onSaveRun func(bot.UserID)
	stop      chan struct{} // closed by Close to end the sweeper
	swept     chan struct{} // closed when the sweeper has ended
	closeOnce sync.Once
	closeErr  error

	// acked are outbox keys delivered and not yet removed on disk; flush
	// wakes the flusher, flushed is closed when it has ended.
	ackMu   sync.Mutex
	acked   map[string]bool
	flush   chan struct{}
	flushed chan struct{}
}

// Option configures Open.
type Option func(*Store)

// WithClock sets the clock that dates dedupe marks, so tests can expire
// them without waiting 24 hours. The default is the wall clock.
func WithClock(c bot.Clock) Option {
	return func(s *Store) { s.clock = c }
}

var _ bot.Store = (*Store)(nil)

// Open opens (creating if needed) the store in the file at path; the
// directory is created if missing.
func Open(path string, opts ...Option) (*Store, error) {
	s := &Store{path: path, clock: bot.SystemClock{}, stop: make(chan struct{}), swept: make(chan struct{}),
		acked: map[string]bool{}, flush: make(chan struct{}, 1), flushed: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	// 0700/0600: the file holds what people said about their recovery.
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, &bot.Error{Code: bot.EUNAVAILABLE,
			Message: fmt.Sprintf("cannot create the directory of data file %s", path), Err: err}
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{
		// Without a timeout a second peerbot on the same file hangs forever
		// in flock.
		Timeout: lockTimeout,
		// The freelist is rebuilt on open instead of written on every
		// commit: less to write per transaction, at no cost to
		// durability; Open scans the file, which is quick at our size.
		NoFreelistSync: true,
		FreelistType:   bbolt.FreelistMapType,
	})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, &bot.Error{Code: bot.EUNAVAILABLE,
			Message: fmt.Sprintf("data file %s is in use by another peerbot (is one already running?)", path), Err: err}
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch),
		errors.Is(err, berrors.ErrChecksum):
		return nil, &bot.Error{Code: bot.EINTERNAL,
			Message: fmt.Sprintf("data file %s is damaged or not a peerbot data file", path), Err: err}
	case err != nil:
		return nil, &bot.Error{Code: bot.EUNAVAILABLE,
			Message: fmt.Sprintf("cannot open data file %s", path), Err: err}
	}
	db.MaxBatchDelay = maxBatchDelay
	db.MaxBatchSize = maxBatchSize
	s.db = db
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bucketState, bucketHistory, bucketFlags, bucketSeen, bucketOutbox, bucketWake, bucketWakeAt} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, s.ioError(err, "prepare")
	}
	if s.noSweeper {
		close(s.swept)
	} else {
		go s.sweeper()
	}
	go s.flusher()
	return s, nil
}

// Path returns the data file's path, as given to Open.
func (s *Store) Path() string { return s.path }

// Close stops the sweeper and closes the file, waiting for transactions in
// flight. Calling it again returns the first call's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.swept
		<-s.flushed // what was acked is removed before the file closes
		if err := s.db.Close(); err != nil {
			s.closeErr = s.ioError(err, "close")
		}
	})
	return s.closeErr
}

// Load returns the user's state and, when eventID is not empty, whether a
// Save already marked that event.
func (s *Store) Load(ctx context.Context, user bot.UserID, eventID string) (*bot.State, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	st := &bot.State{User: user}
	now := s.clock.Now().Unix()
	err := s.db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketState).Get([]byte(user)); v != nil {
			version, body, err := splitState(v)
			if err != nil {
				return err
			}
			if err := json.Unmarshal(body, st); err != nil {
				return damaged("state", err)
			}
			st.Version = version
		}
		if eventID != "" {
			st.Seen = markLive(tx.Bucket(bucketSeen).Get(subKey(user, eventID)), now)
		}
		return nil
	})
	if err != nil {
		return nil, s.ioError(err, "read")
	}
	return st, nil
}

// Save applies one change atomically; see bot.Store.
func (s *Store) Save(ctx context.Context, sv bot.Save) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if sv.User == "" {
		return bot.Errorf(bot.EINVALID, "a save needs a user")
	}
	// Encode before the transaction: it is pure, and keeps the single
	// writer's critical section short.
	var state []byte
	if sv.State != nil {
		body, err := json.Marshal(sv.State)
		if err != nil {
			return &bot.Error{Code: bot.EINTERNAL, Message: "cannot encode the state", Err: err}
		}
		state = make([]byte, 8, 8+len(body))
		state = append(state, body...)
	}
	history, err := encodeAll(sv.History)
	if err != nil {
		return err
	}
	flags, err := encodeAll(sv.Flags)
	if err != nil {
		return err
	}
	outbox, err := encodeAll(sv.Outbox)
	if err != nil {
		return err
	}
	userKey := []byte(sv.User)
	var markKey, markVal []byte
	now := s.clock.Now()
	if sv.EventID != "" && !sv.Delete {
		// A deleting save leaves nothing of the user, not even its own
		// mark: a redelivery deletes nothing again.
		markKey = subKey(sv.User, sv.EventID)
		markVal = binary.BigEndian.AppendUint64(nil, uint64(now.Add(seenTTL).Unix()))
	}

	// bbolt may run fn several times (again in a new batch when another
	// call in its batch fails), and only the last run counts. So fn writes
	// nothing outside tx but outcome and version, resets them first, and
	// reports a conflict or a duplicate through outcome with a nil return:
	// returning an error would roll back the whole batch and make bbolt
	// re-run everyone else.
	var outcome error
	var version int64
	fn := func(tx *bbolt.Tx) error {
		if s.onSaveRun != nil {
			s.onSaveRun(sv.User)
		}
		outcome, version = nil, sv.Version
		seen := tx.Bucket(bucketSeen)
		if markKey != nil && markLive(seen.Get(markKey), now.Unix()) {
			outcome = bot.Errorf(bot.EDUPLICATE, "this event was handled already")
			return nil
		}
		states := tx.Bucket(bucketState)
		var current int64
		if v := states.Get(userKey); v != nil {
			var err error
			if current, _, err = splitState(v); err != nil {
				outcome = err
				return nil
			}
		}
		if current != sv.Version && !sv.AnyVersion {
			outcome = bot.Errorf(bot.ECONFLICT, "the conversation changed meanwhile; try again")
			return nil
		}
		// From here on, an error must be returned so that the transaction
		// rolls back what this call wrote so far.
		if sv.Delete {
			if err := deleteUser(tx, userKey); err != nil {
				return err
			}
		}
		if state != nil {
			version = current + 1
			// Put keeps a reference to the value until commit, and fn may
			// run again: write a private copy of the bytes.
			v := append([]byte(nil), state...)
			binary.BigEndian.PutUint64(v, uint64(version))
			if err := states.Put(userKey, v); err != nil {
				return err
			}
		}
		if err := appendAll(tx.Bucket(bucketHistory), userKey, history); err != nil {
			return err
		}
		if err := appendAll(tx.Bucket(bucketFlags), userKey, flags); err != nil {
			return err
		}
		for i, v := range outbox {
			if err := tx.Bucket(bucketOutbox).Put(subKey(sv.User, sv.Outbox[i].ID), v); err != nil {
				return err
			}
		}
		if markKey != nil {
			return seen.Put(markKey, markVal)
		}
		return nil
	}
	if err := s.db.Batch(fn); err != nil {
		return s.ioError(err, "write")
	}
	if outcome != nil {
		return outcome
	}
	if sv.State != nil {
		// Set only now: a caller's value must not change before its save
		// has committed.
		sv.State.Version = version
	}
	return nil
}

// History returns the user's records, newest first; flow "" means every flow
// and limit <= 0 means all.
func (s *Store) History(ctx context.Context, user bot.UserID, flow string, limit int) ([]bot.Record, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var out []bot.Record
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketHistory).Bucket([]byte(user))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var r bot.Record
			if err := json.Unmarshal(v, &r); err != nil {
				return damaged("history", err)
			}
			if flow != "" && r.Flow != flow {
				continue
			}
			out = append(out, r)
			if limit > 0 && len(out) == limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.ioError(err, "read")
	}
	return out, nil
}

// Flags returns every flag raised about the user, oldest first.
func (s *Store) Flags(ctx context.Context, user bot.UserID) ([]bot.Flag, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var out []bot.Flag
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketFlags).Bucket([]byte(user))
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var f bot.Flag
			if err := json.Unmarshal(v, &f); err != nil {
				return damaged("flags", err)
			}
			out = append(out, f)
			return nil
		})
	})
	if err != nil {
		return nil, s.ioError(err, "read")
	}
	return out, nil
}

// DeleteUser removes the user's state (profile, session, goals), history,
// flags and outbox. Dedupe marks stay until they expire: they hold no
// content, and keep a redelivered event from recreating the user.
func (s *Store) DeleteUser(ctx context.Context, user bot.UserID) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bbolt.Tx) error { return deleteUser(tx, []byte(user)) })
	if err != nil {
		return s.ioError(err, "write")
	}
	return nil
}

// deleteUser removes everything of the user but dedupe marks.
func deleteUser(tx *bbolt.Tx, key []byte) error {
	if err := tx.Bucket(bucketState).Delete(key); err != nil {
		return err
	}
	for _, name := range [][]byte{bucketHistory, bucketFlags} {
		err := tx.Bucket(name).DeleteBucket(key)
		if err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
			return err
		}
	}
	if err := removeWake(tx, key); err != nil {
		return err
	}
	outbox := tx.Bucket(bucketOutbox)
	prefix := subKey(bot.UserID(key), "")
	var dead [][]byte
	c := outbox.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		dead = append(dead, append([]byte(nil), k...))
	}
	for _, k := range dead {
		if err := outbox.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// ClaimOutbox leases up to limit entries whose lease has run out, oldest
// first within each user; see bot.Store.
func (s *Store) ClaimOutbox(ctx context.Context, lease time.Duration, limit int) ([]bot.Outbound, error) {
	return s.claim(ctx, nil, lease, limit)
}

// ClaimUserOutbox is ClaimOutbox for one owner; see bot.Store.
func (s *Store) ClaimUserOutbox(ctx context.Context, owner bot.UserID, lease time.Duration) ([]bot.Outbound, error) {
	return s.claim(ctx, subKey(owner, ""), lease, math.MaxInt)
}

// claim leases expired entries whose key starts with prefix (one user's,
// or everyone's for an empty prefix), up to limit, keeping each user's
// order: a user's entries after one still leased wait.
func (s *Store) claim(ctx context.Context, prefix []byte, lease time.Duration, limit int) ([]bot.Outbound, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var out []bot.Outbound
	err := s.db.Update(func(tx *bbolt.Tx) error {
		out = out[:0]
		b := tx.Bucket(bucketOutbox)
		// Cursors are not to be trusted across writes: read first, then
		// write.
		var keys, bodies [][]byte
		var blocked []byte // the user whose next entry is still leased
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, v = c.Next() {
			user, _, _ := bytes.Cut(k, []byte{0})
			if blocked != nil && bytes.Equal(user, blocked) || s.isAcked(k) {
				continue
			}
			var o bot.Outbound
			if err := json.Unmarshal(v, &o); err != nil {
				return damaged("outbox", err)
			}
			if o.LeaseUntil.After(now) {
				blocked = append(blocked[:0], user...)
				continue
			}
			o.LeaseUntil, o.Attempts = now.Add(lease), o.Attempts+1
			body, err := json.Marshal(o)
			if err != nil {
				return err
			}
			keys, bodies = append(keys, append([]byte(nil), k...)), append(bodies, body)
			out = append(out, o)
		}
		for i := range keys {
			if err := b.Put(keys[i], bodies[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.ioError(err, "write")
	}
	return out, nil
}

// AckOutbox removes delivered entries; see bot.Store. It returns before
// the removal is on disk (see the package doc).
func (s *Store) AckOutbox(ctx context.Context, owner bot.UserID, ids ...string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	select {
	case <-s.stop:
		return bot.Errorf(bot.EUNAVAILABLE, "the data store is closed")
	default:
	}
	if len(ids) == 0 {
		return nil
	}
	s.ackMu.Lock()
	for _, id := range ids {
		s.acked[string(subKey(owner, id))] = true
	}
	s.ackMu.Unlock()
	select {
	case s.flush <- struct{}{}:
	default: // a flush is due already
	}
	return nil
}

func (s *Store) isAcked(key []byte) bool {
	s.ackMu.Lock()
	defer s.ackMu.Unlock()
	return s.acked[string(key)]
}

// flusher removes acked entries from the file, in a batch with whatever
// else is being written, until Close; then once more.
func (s *Store) flusher() {
	defer close(s.flushed)
	for {
		select {
		case <-s.flush:
			s.flushAcked()
		case <-s.stop:
			s.flushAcked()
			return
		}
	}
}

func (s *Store) flushAcked() {
	s.ackMu.Lock()
	keys := make([]string, 0, len(s.acked))
	for k := range s.acked {
		keys = append(keys, k)
	}
	s.ackMu.Unlock()
	if len(keys) == 0 {
		return
	}
	err := s.db.Batch(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		for _, k := range keys {
			if err := b.Delete([]byte(k)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// Kept, and tried again with the next ack or at Close; claims
		// skip them meanwhile.
		return
	}
	s.ackMu.Lock()
	for _, k := range keys {
		delete(s.acked, k)
	}
	s.ackMu.Unlock()
}

// sweeper deletes expired dedupe marks at start and then every sweepEvery,
// until Close.
func (s *Store) sweeper() {
	defer close(s.swept)
	tick := time.NewTicker(sweepEvery)
	defer tick.Stop()
	for {
		// An error here (a full disk) is retried at the next tick; Save
		// reports the same failure to its caller.
		_, _ = s.sweep()
		select {
		case <-s.stop:
			return
		case <-tick.C:
		}
	}
}

// sweep deletes expired dedupe marks, looking at sweepChunk of them per
// transaction, and returns how many it deleted.
func (s *Store) sweep() (int, error) {
	total := 0
	var from []byte
	for {
		select {
		case <-s.stop:
			return total, nil
		default:
		}
		now := s.clock.Now().Unix()
		n := 0
		err := s.db.Update(func(tx *bbolt.Tx) error {
			n = 0
			var dead [][]byte
			c := tx.Bucket(bucketSeen).Cursor()
			k, v := c.First()
			if from != nil {
				k, v = c.Seek(from)
			}
			for i := 0; k != nil && i < sweepChunk; i++ {
				if !markLive(v, now) {
					dead = append(dead, append([]byte(nil), k...))
				}
				k, v = c.Next()
			}
			// Resume after this chunk next time; nil means done.
			from = nil
			if k != nil {
				from = append([]byte(nil), k...)
			}
			b := tx.Bucket(bucketSeen)
			for _, k := range dead {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			n = len(dead)
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if from == nil {
			return total, nil
		}
	}
}

// check fails fast on a done context, so that nothing is written for a
// request nobody waits for any more.
func (s *Store) check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return &bot.Error{Code: bot.EUNAVAILABLE, Message: "the request was cancelled", Err: err}
	}
	return nil
}

// ioError gives err a code and a sentence: our own coded errors pass
// through; a closed store and anything from the file system are the store
// being unavailable.
func (s *Store) ioError(err error, op string) error {
	var coded *bot.Error
	switch {
	case errors.As(err, &coded):
		return err
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		return &bot.Error{Code: bot.EUNAVAILABLE, Message: "the data store is closed", Err: err}
	case errors.Is(err, berrors.ErrKeyTooLarge), errors.Is(err, berrors.ErrValueTooLarge),
		errors.Is(err, berrors.ErrKeyRequired):
		return &bot.Error{Code: bot.EINVALID, Message: "too large to store", Err: err}
	default:
		return &bot.Error{Code: bot.EUNAVAILABLE,
			Message: fmt.Sprintf("cannot %s data file %s", op, s.path), Err: err}
	}
}

func damaged(what string, err error) error {
	return &bot.Error{Code: bot.EINTERNAL, Message: fmt.Sprintf("stored %s is damaged", what), Err: err}
}

// splitState splits a state value into its version and JSON.
func splitState(v []byte) (int64, []byte, error) {
	if len(v) < 8 {
		return 0, nil, damaged("state", fmt.Errorf("value of %d bytes has no version", len(v)))
	}
	return int64(binary.BigEndian.Uint64(v)), v[8:], nil
}

// subKey is user + "\x00" + rest: the key of a user's dedupe mark or
// outbox entry. The "\x00" keeps a user id that is a prefix of another
// from matching its keys.
func subKey(user bot.UserID, rest string) []byte {
	k := make([]byte, 0, len(user)+1+len(rest))
	k = append(k, user...)
	k = append(k, 0)
	return append(k, rest...)
}

// markLive reports whether a seen value is present and not expired at now.
func markLive(v []byte, now int64) bool {
	return len(v) == 8 && int64(binary.BigEndian.Uint64(v)) > now
}

func encodeAll[T any](xs []T) ([][]byte, error) {
	out := make([][]byte, len(xs))
	for i, x := range xs {
		b, err := json.Marshal(x)
		if err != nil {
			return nil, &bot.Error{Code: bot.EINTERNAL, Message: "cannot encode a record", Err: err}
		}
		out[i] = b
	}
	return out, nil
}

// appendAll appends values to the user's sub-bucket of parent, in order.
func appendAll(parent *bbolt.Bucket, user []byte, values [][]byte) error {
	if len(values) == 0 {
		return nil
	}
	b, err := parent.CreateBucketIfNotExists(user)
	if err != nil {
		return err
	}
	for _, v := range values {
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		if err := b.Put(binary.BigEndian.AppendUint64(nil, seq), v); err != nil {
			return err
		}
	}
	return nil
}
