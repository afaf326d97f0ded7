package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/peerbot/peerbot/bot"
)

// The wake index is two buckets:
//
//	wake     user → 8-byte big-endian unix ms of the wake, then 1 byte: 0
//	         waiting, 1 claimed (the time is then the claim's lease end),
//	         then 8 bytes: while claimed, the earliest wake asked for
//	         meanwhile (0: none), which DoneWake keeps
//	wake_at  8-byte big-endian unix ms + user → nothing: the same entries
//	         in time order, for ClaimWakes
//
// One process owns the file, so a claim's lease only matters after a
// crash: the claims of the process that died run out and are taken again.

const (
	wakeWaiting = 0
	wakeClaimed = 1
)

func wakeValue(at time.Time, state byte, pending uint64) []byte {
	v := append(binary.BigEndian.AppendUint64(nil, uint64(at.UnixMilli())), state)
	return binary.BigEndian.AppendUint64(v, pending)
}

// wakeEntry reads a wake value; ok is false when there is none.
func wakeEntry(v []byte) (ms uint64, state byte, pending uint64, ok bool) {
	if len(v) != 17 {
		return 0, 0, 0, false
	}
	return binary.BigEndian.Uint64(v), v[8], binary.BigEndian.Uint64(v[9:]), true
}

func wakeAtKey(ms uint64, user []byte) []byte {
	return append(binary.BigEndian.AppendUint64(nil, ms), user...)
}

// setWake writes user's entry in both buckets, replacing any.
func setWake(tx *bbolt.Tx, user []byte, at time.Time, state byte, pending uint64) error {
	if err := removeWake(tx, user); err != nil {
		return err
	}
	if err := tx.Bucket(bucketWake).Put(user, wakeValue(at, state, pending)); err != nil {
		return err
	}
	return tx.Bucket(bucketWakeAt).Put(wakeAtKey(uint64(at.UnixMilli()), user), nil)
}

func removeWake(tx *bbolt.Tx, user []byte) error {
	w := tx.Bucket(bucketWake)
	if ms, _, _, ok := wakeEntry(w.Get(user)); ok {
		if err := tx.Bucket(bucketWakeAt).Delete(wakeAtKey(ms, user)); err != nil {
			return err
		}
	}
	return w.Delete(user)
}

// ScheduleWake adds user to the wake index, or moves them earlier; see
// bot.Store.
func (s *Store) ScheduleWake(ctx context.Context, user bot.UserID, at time.Time) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	ms := uint64(at.UnixMilli())
	err := s.db.Batch(func(tx *bbolt.Tx) error {
		old, state, pending, ok := wakeEntry(tx.Bucket(bucketWake).Get([]byte(user)))
		switch {
		case !ok:
			return setWake(tx, []byte(user), at, wakeWaiting, 0)
		case state == wakeClaimed:
			// Kept for DoneWake: the claimer may not have seen it.
			if pending == 0 || ms < pending {
				return setWake(tx, []byte(user), time.UnixMilli(int64(old)), wakeClaimed, ms)
			}
			return nil
		case ms < old:
			return setWake(tx, []byte(user), at, wakeWaiting, 0)
		}
		return nil
	})
	if err != nil {
		return s.ioError(err, "write")
	}
	return nil
}

// ClaimWakes claims users whose wake time, or whose claim's lease, has
// come; see bot.Store.
func (s *Store) ClaimWakes(ctx context.Context, lease time.Duration, limit int) ([]bot.UserID, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var out []bot.UserID
	err := s.db.Update(func(tx *bbolt.Tx) error {
		out = out[:0]
		var users [][]byte
		c := tx.Bucket(bucketWakeAt).Cursor()
		for k, _ := c.First(); k != nil && len(users) < limit; k, _ = c.Next() {
			if int64(binary.BigEndian.Uint64(k[:8])) > now.UnixMilli() {
				break
			}
			users = append(users, bytes.Clone(k[8:]))
		}
		for _, u := range users {
			// A claim taken over keeps what was asked for meanwhile.
			_, _, pending, _ := wakeEntry(tx.Bucket(bucketWake).Get(u))
			if err := setWake(tx, u, now.Add(lease), wakeClaimed, pending); err != nil {
				return err
			}
			out = append(out, bot.UserID(u))
		}
		return nil
	})
	if err != nil {
		return nil, s.ioError(err, "write")
	}
	return out, nil
}

// DoneWake ends user's claim; see bot.Store.
func (s *Store) DoneWake(ctx context.Context, user bot.UserID, next time.Time) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	err := s.db.Batch(func(tx *bbolt.Tx) error {
		at := uint64(0)
		if !next.IsZero() {
			at = uint64(next.UnixMilli())
		}
		old, state, pending, ok := wakeEntry(tx.Bucket(bucketWake).Get([]byte(user)))
		switch {
		case ok && state == wakeWaiting:
			// Not claimed (any more): keep the earlier of the two.
			at = earliest(at, old)
		case ok:
			at = earliest(at, pending)
		}
		if at == 0 {
			return removeWake(tx, []byte(user))
		}
		return setWake(tx, []byte(user), time.UnixMilli(int64(at)), wakeWaiting, 0)
	})
	if err != nil {
		return s.ioError(err, "write")
	}
	return nil
}

// OutboxNext returns when the owner's earliest entry is due; see
// bot.Store.
func (s *Store) OutboxNext(ctx context.Context, owner bot.UserID) (time.Time, error) {
	if err := s.check(ctx); err != nil {
		return time.Time{}, err
	}
	var next time.Time
	prefix := subKey(owner, "")
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if s.isAcked(k) {
				continue
			}
			var o bot.Outbound
			if err := json.Unmarshal(v, &o); err != nil {
				return damaged("outbox", err)
			}
			if next.IsZero() || o.LeaseUntil.Before(next) {
				next = o.LeaseUntil
			}
		}
		return nil
	})
	if err != nil {
		return time.Time{}, s.ioError(err, "read")
	}
	return next, nil
}

// earliest returns the earlier of two unix-ms times, 0 meaning none.
func earliest(a, b uint64) uint64 {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	}
	return min(a, b)
}

// PeekWakes returns the earliest wakes without claiming them; see
// bot.Store.
func (s *Store) PeekWakes(ctx context.Context, limit int) ([]bot.Wake, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var out []bot.Wake
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketWakeAt).Cursor()
		for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
			out = append(out, bot.Wake{User: bot.UserID(k[8:]), At: time.UnixMilli(int64(binary.BigEndian.Uint64(k[:8])))})
		}
		return nil
	})
	if err != nil {
		return nil, s.ioError(err, "read")
	}
	return out, nil
}

// OutboxStats counts every outbox's entries; see bot.Store.
func (s *Store) OutboxStats(ctx context.Context) (bot.OutboxStats, error) {
	var st bot.OutboxStats
	if err := s.check(ctx); err != nil {
		return st, err
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			if s.isAcked(k) {
				return nil
			}
			var o bot.Outbound
			if err := json.Unmarshal(v, &o); err != nil {
				return damaged("outbox", err)
			}
			st.Add(o)
			return nil
		})
	})
	if err != nil {
		return bot.OutboxStats{}, s.ioError(err, "read")
	}
	return st, nil
}
