// Package redis is a bot.Store on Redis (go-redis v9), for production: several
// peerbot replicas share one Redis (a single server, a Sentinel-managed
// primary, or a Cluster) and lose nothing.
//
// # Key layout
//
// Every key of one user is
//
//	<prefix>{u:<user id>}:<suffix>
//
// with prefix "pb:" by default, so every key of a user carries the same hash
// tag and sits in the same Cluster slot: one read-only Lua script reads
// them, one Lua script updates them atomically, one DEL removes them. The suffixes:
//
//	pb:{u:ID}:state    hash    v = version (a save counter), d = JSON of the
//	                           State without its Session (profile, streak,
//	                           goals, last scores), t = token of the last
//	                           save (makes a save retried by the client after
//	                           a lost reply apply once). No expiry.
//	pb:{u:ID}:session  string  JSON of the Session. Expires 24 h after the
//	                           session's ExpiresAt, or after the save when
//	                           ExpiresAt has passed (a grace day, so that the
//	                           engine can still close it as "expired" and keep
//	                           the answers when the user writes within a day);
//	                           no expiry when ExpiresAt is zero; deleted when
//	                           the State has no Session.
//	pb:{u:ID}:history  list    finished runs, newest first (LPUSH), each entry
//	                           "<unix ms of the save>|<JSON of the Record>";
//	                           trimmed to HistoryMax entries; entries older
//	                           than RetentionDays are popped from the tail by
//	                           each save that appends and skipped by History; the key
//	                           expires RetentionDays after the last append.
//	pb:{u:ID}:flags    list    flags, oldest first (RPUSH), entries as in
//	                           history, capped at HistoryMax and kept
//	                           RetentionDays the same way.
//	pb:{u:ID}:outbox   hash    messages owed and not yet delivered: field =
//	                           entry id (sorts by creation), value =
//	                           "<lease unix ms>|<attempts>|<JSON of the
//	                           bot.Outbound>"; written by the save that owes
//	                           them, removed (HDEL) once delivered, claimed
//	                           by ClaimOutbox when the lease has run out.
//	pb:{u:ID}:seen     zset    dedupe marks: member = platform event id,
//	                           score = unix ms when the mark expires (24 h
//	                           after the save); expired members are removed in
//	                           each save; the key expires 24 h after the last
//	                           mark.
//
// Times that decide expiry (mark scores, history stamps, session TTLs) come
// from the Store's clock (WithClock), and TTLs are given to Redis relative to
// it, so a skew between the bot's and Redis's clocks does not matter.
//
// # Round trips
//
// Load is one EVALSHA_RO of a read-only script (HMGET state, GET session,
// ZSCORE seen) and Save is one EVALSHA of a Lua script (EVAL when the script is not cached yet, as
// after a Redis restart): an answered step costs two round trips. The
// script checks the dedupe mark (EDUPLICATE), then the version (ECONFLICT),
// and only then writes, so a failed check writes nothing.
//
// DeleteUser deletes all five keys, dedupe marks included, so that nothing
// about the user is left (a SCAN for the user's keys finds none).
//
// Every failure to reach Redis is a bot.EUNAVAILABLE error naming the
// address; JSON that cannot be decoded is bot.EINTERNAL. Nothing a user wrote
// is ever logged.
package redis

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/internal/retry"
)

// Defaults and limits.
const (
	// DefaultPrefix starts every key.
	DefaultPrefix = "pb:"
	// DefaultHistoryMax is how many history records (and flags) are kept
	// per user.
	DefaultHistoryMax = 1000
	// DefaultRetentionDays is how long history and flags are kept.
	DefaultRetentionDays = 365

	// seenTTL is how long a dedupe mark is kept: platforms retry an event
	// for minutes (Slack) or replay a session's backlog on resume
	// (Discord), never for a day.
	seenTTL = 24 * time.Hour
	// sessionGrace is how long a session key outlives its ExpiresAt.
	sessionGrace = 24 * time.Hour

	// timeout bounds dialing, reading and writing, so that a dead Redis
	// answers fast.
	timeout = 2 * time.Second
	// maxRetries is how often go-redis retries a command after a network
	// error; Save is safe to retry (see the token in the script).
	maxRetries = 2

	// Connect's backoff.
	connectFirstWait = 250 * time.Millisecond
	connectMaxWait   = 15 * time.Second
)

// Config says where Redis is and how the store uses it. Set exactly one of
// URL, SentinelMaster with SentinelAddrs, and ClusterAddrs.
type Config struct {
	// URL is redis://[:password@]host:port/db or rediss://… (TLS).
	URL string
	// SentinelMaster is the name of the primary that the sentinels at
	// SentinelAddrs (host:port) watch.
	SentinelMaster string
	SentinelAddrs  []string
	// ClusterAddrs are some nodes (host:port) of a Redis Cluster.
	ClusterAddrs []string
	// Password authenticates to the Redis data nodes (the primary and
	// replicas behind the sentinels, or the cluster nodes; the sentinels
	// themselves are reached without one). A URL carries its own password;
	// Password is used with a URL only when the URL has none.
	Password string
	// Prefix starts every key; default "pb:". It may not contain { or }.
	Prefix string
	// HistoryMax is how many history records, and how many flags, are
	// kept per user; default 1000.
	HistoryMax int
	// RetentionDays drops history and flags older than this many days;
	// default 365.
	RetentionDays int
}

// Addr is a human name of where c connects, for errors and logs, such as
// "127.0.0.1:6390", "sentinel mymaster at a:26379,b:26379" or "cluster
// a:7000,b:7000,c:7000". It never contains a password.
func (c Config) Addr() string {
	switch {
	case c.URL != "":
		if o, err := goredis.ParseURL(c.URL); err == nil {
			return o.Addr
		}
		if u, err := url.Parse(c.URL); err == nil && u.Host != "" {
			return u.Host
		}
		return "an invalid Redis URL"
	case c.SentinelMaster != "" || len(c.SentinelAddrs) > 0:
		return fmt.Sprintf("sentinel %s at %s", c.SentinelMaster, strings.Join(c.SentinelAddrs, ","))
	case len(c.ClusterAddrs) > 0:
		return "cluster " + strings.Join(c.ClusterAddrs, ",")
	default:
		return "no Redis address"
	}
}

// validate checks c the way NewClient needs it.
func (c Config) validate() error {
	kinds := 0
	if c.URL != "" {
		kinds++
	}
	if c.SentinelMaster != "" || len(c.SentinelAddrs) > 0 {
		kinds++
		if c.SentinelMaster == "" || len(c.SentinelAddrs) == 0 {
			return bot.Errorf(bot.EINVALID, "Redis Sentinel needs both the master's name and the sentinels' addresses")
		}
	}
	if len(c.ClusterAddrs) > 0 {
		kinds++
	}
	switch {
	case kinds == 0:
		return bot.Errorf(bot.EINVALID, "no Redis configured: set a URL, a sentinel master with its sentinels, or cluster addresses")
	case kinds > 1:
		return bot.Errorf(bot.EINVALID, "set only one of a Redis URL, a sentinel master and cluster addresses")
	}
	if strings.ContainsAny(c.Prefix, "{}") {
		return bot.Errorf(bot.EINVALID, "the Redis key prefix %q may not contain { or } (they would break the per-user hash tag)", c.Prefix)
	}
	if c.HistoryMax < 0 {
		return bot.Errorf(bot.EINVALID, "the Redis history cap must be positive, got %d", c.HistoryMax)
	}
	if c.RetentionDays < 0 {
		return bot.Errorf(bot.EINVALID, "the Redis retention must be a positive number of days, got %d", c.RetentionDays)
	}
	return nil
}

// NewClient makes the go-redis client that c describes: a Client for a URL,
// a FailoverClient for Sentinel, a ClusterClient for Cluster. Timeouts are
// short (2 s) so that a dead Redis answers fast. It does not connect: the
// first command does (see Connect).
func NewClient(c Config) (goredis.UniversalClient, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	u := &goredis.UniversalOptions{
		Password:        c.Password,
		DialTimeout:     timeout,
		ReadTimeout:     timeout,
		WriteTimeout:    timeout,
		MaxRetries:      maxRetries,
		MinRetryBackoff: 10 * time.Millisecond,
		MaxRetryBackoff: 250 * time.Millisecond,
		// One dial per attempt: the command retries above already retry a
		// refused connection, and more would multiply the wait.
		DialerRetries: 1,
		// A deadline on the caller's context bounds a command too.
		ContextTimeoutEnabled: true,
		// Redis 7.0 knows neither CLIENT SETINFO nor maintenance
		// notifications: don't send them on every new connection.
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	}
	switch {
	case c.URL != "":
		o, err := goredis.ParseURL(c.URL)
		if err != nil {
			return nil, &bot.Error{Code: bot.EINVALID,
				Message: "the Redis URL is not valid: use redis://host:port/db or rediss://host:port/db", Err: err}
		}
		if o.Password == "" && o.Username == "" {
			o.Password = c.Password
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout = u.DialTimeout, u.ReadTimeout, u.WriteTimeout
		o.MaxRetries, o.MinRetryBackoff, o.MaxRetryBackoff = u.MaxRetries, u.MinRetryBackoff, u.MaxRetryBackoff
		o.DialerRetries = u.DialerRetries
		o.ContextTimeoutEnabled = true
		o.DisableIdentity = true
		o.MaintNotificationsConfig = u.MaintNotificationsConfig
		return goredis.NewClient(o), nil
	case c.SentinelMaster != "":
		u.MasterName = c.SentinelMaster
		u.Addrs = c.SentinelAddrs
		return goredis.NewFailoverClient(u.Failover()), nil
	default:
		u.Addrs = c.ClusterAddrs
		return goredis.NewClusterClient(u.Cluster()), nil
	}
}

// Store is a bot.Store on Redis. It is safe for concurrent use, by several
// goroutines and by several processes sharing one Redis.
type Store struct {
	rdb        goredis.UniversalClient
	addr       string
	prefix     string
	historyMax int
	retention  time.Duration
	clock      bot.Clock

	closeOnce sync.Once
	closeErr  error
	closed    chan struct{}
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock that dates dedupe marks, history and flags and
// times session expiry, so that tests need not wait. The default is the wall
// clock.
func WithClock(c bot.Clock) Option {
	return func(s *Store) { s.clock = c }
}

var _ bot.Store = (*Store)(nil)

// New returns a Store on client; c gives the prefix and limits (zero values
// mean the defaults) and the address named in errors. The Store owns client:
// Close closes it.
func New(client goredis.UniversalClient, c Config, opts ...Option) *Store {
	s := &Store{
		rdb:        client,
		addr:       c.Addr(),
		prefix:     c.Prefix,
		historyMax: c.HistoryMax,
		retention:  time.Duration(c.RetentionDays) * 24 * time.Hour,
		clock:      bot.SystemClock{},
		closed:     make(chan struct{}),
	}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if s.historyMax <= 0 {
		s.historyMax = DefaultHistoryMax
	}
	if s.retention <= 0 {
		s.retention = DefaultRetentionDays * 24 * time.Hour
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Connect makes a client for c and pings Redis until it answers, waiting
// about 250 ms after the first failure and doubling (jittered) up to 15 s,
// logging each
// failure at Warn. When ctx ends first it returns an EUNAVAILABLE error that
// names the address. A log of nil logs nothing.
func Connect(ctx context.Context, c Config, log *slog.Logger, opts ...Option) (*Store, error) {
	client, err := NewClient(c)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	addr := c.Addr()
	var last error
	err = retry.Do(ctx, retry.Policy{Initial: connectFirstWait, Max: connectMaxWait}, func() error {
		last = client.Ping(ctx).Err()
		return last
	}, func(err error, wait time.Duration) {
		log.Warn("redis unreachable, retrying", "addr", addr, "err", err, "retry_in", wait.Round(time.Millisecond))
	})
	if err != nil {
		_ = client.Close()
		return nil, &bot.Error{Code: bot.EUNAVAILABLE,
			Message: fmt.Sprintf("Redis at %s is unreachable", addr), Err: gaveUp(last, err)}
	}
	return New(client, c, opts...), nil
}

// Client returns the go-redis client the store uses.
func (s *Store) Client() goredis.UniversalClient { return s.rdb }

// Addr is the human name of where the store connects (Config.Addr).
func (s *Store) Addr() string { return s.addr }

// Key returns the Redis key of one of the user's values; suffix is one of
// "state", "session", "history", "flags" and "seen".
func (s *Store) Key(user bot.UserID, suffix string) string {
	return s.prefix + "{u:" + string(user) + "}:" + suffix
}

// UserKeys returns every key the store may keep for the user: state,
// session, history, flags, dedupe marks and outbox (some may not exist).
// The wake index is shared by all users and is not among them.
func (s *Store) UserKeys(user bot.UserID) []string { return s.keys(user).all() }

// keys are a user's keys in the order the save script takes them.
type keys struct{ state, session, history, flags, seen, outbox string }

func (s *Store) keys(user bot.UserID) keys {
	base := s.prefix + "{u:" + string(user) + "}:"
	return keys{base + "state", base + "session", base + "history", base + "flags", base + "seen", base + "outbox"}
}

func (k keys) all() []string {
	return []string{k.state, k.session, k.history, k.flags, k.seen, k.outbox}
}

// Close closes the client. Calling it again returns the first call's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		if err := s.rdb.Close(); err != nil {
			s.closeErr = s.fail(err)
		}
	})
	return s.closeErr
}

// Load returns the user's state and, when eventID is not empty, whether a
// Save already marked that event. It is one round trip.
func (s *Store) Load(ctx context.Context, user bot.UserID, eventID string) (*bot.State, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	k := s.keys(user)
	// One read-only script rather than a pipeline: still one round trip,
	// and one command in the server's stats per load.
	res, err := loadScript.RunRO(ctx, s.rdb, []string{k.state, k.session, k.seen}, eventID).Slice()
	if err != nil {
		return nil, s.fail(err)
	}
	if len(res) != 4 {
		return nil, damaged("load reply", fmt.Errorf("%d values, want 4", len(res)))
	}
	st := &bot.State{User: user}
	vals := res[:2]
	if v, ok := vals[0].(string); ok {
		version, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, damaged("state version", err)
		}
		d, _ := vals[1].(string)
		if err := json.Unmarshal([]byte(d), st); err != nil {
			return nil, damaged("state", err)
		}
		st.Version = version
		st.Session = nil
		if body, ok := res[2].(string); ok {
			st.Session = new(bot.Session)
			if err := json.Unmarshal([]byte(body), st.Session); err != nil {
				return nil, damaged("session", err)
			}
		}
	}
	if mark, ok := res[3].(string); ok {
		expires, err := strconv.ParseFloat(mark, 64)
		if err != nil {
			return nil, damaged("dedupe mark", err)
		}
		st.Seen = int64(expires) > s.clock.Now().UnixMilli()
	}
	return st, nil
}

// loadScript reads what Load needs; load.lua says what its KEYS and ARGV are and what it returns.
var loadScript = goredis.NewScript(loadLua)

//go:embed load.lua
var loadLua string

// saveScript applies one bot.Save; save.lua says what its KEYS and ARGV are and what it returns.
var saveScript = goredis.NewScript(saveLua)

//go:embed save.lua
var saveLua string

// Save applies one change atomically in one round trip; see bot.Store.
func (s *Store) Save(ctx context.Context, sv bot.Save) error {
	return s.save(ctx, sv, strconv.FormatUint(rand.Uint64(), 36))
}

// save is Save with the token that tells a retry of this save from
// another save.
func (s *Store) save(ctx context.Context, sv bot.Save, token string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if sv.User == "" {
		return bot.Errorf(bot.EINVALID, "a save needs a user")
	}
	now := s.clock.Now()
	nowMS := now.UnixMilli()
	args := make([]any, 15, 15+len(sv.History)+len(sv.Flags)+2*len(sv.Outbox))
	args[0] = token
	args[1] = sv.Version
	args[2] = sv.EventID
	args[3] = nowMS
	args[4], args[5], args[6], args[7] = "0", "", "", int64(0)
	if sv.State != nil {
		state := *sv.State
		state.Session = nil
		d, err := json.Marshal(&state)
		if err != nil {
			return &bot.Error{Code: bot.EINTERNAL, Message: "cannot encode the state", Err: err}
		}
		args[4], args[5] = "1", d
		if sess := sv.State.Session; sess != nil {
			body, err := json.Marshal(sess)
			if err != nil {
				return &bot.Error{Code: bot.EINTERNAL, Message: "cannot encode the session", Err: err}
			}
			args[6] = body
			if !sess.ExpiresAt.IsZero() {
				args[7] = sessionTTL(sess.ExpiresAt, now).Milliseconds()
			}
		}
	}
	args[8] = s.historyMax
	args[9] = s.retention.Milliseconds()
	args[10] = seenTTL.Milliseconds()
	args[11] = len(sv.History)
	args[12] = len(sv.Flags)
	args[13], args[14] = "0", "0"
	if sv.Delete {
		args[13] = "1"
	}
	if sv.AnyVersion {
		args[14] = "1"
	}
	for _, r := range sv.History {
		e, err := entry(nowMS, r)
		if err != nil {
			return err
		}
		args = append(args, e)
	}
	for _, f := range sv.Flags {
		e, err := entry(nowMS, f)
		if err != nil {
			return err
		}
		args = append(args, e)
	}
	for _, o := range sv.Outbox {
		e, err := outboxEntry(o)
		if err != nil {
			return err
		}
		args = append(args, o.ID, e)
	}
	version, err := saveScript.Run(ctx, s.rdb, s.keys(sv.User).all(), args...).Int64()
	if err != nil {
		return s.fail(err)
	}
	if sv.Delete && version >= 0 {
		// The index's shard lies outside the user's slot: a second call.
		// Left behind (Redis went away between the two), the user wakes
		// once, finds nothing and leaves the index.
		_ = s.forgetWake(ctx, sv.User)
	}
	switch version {
	case -1:
		return bot.Errorf(bot.EDUPLICATE, "this event was handled already")
	case -2:
		return bot.Errorf(bot.ECONFLICT, "the conversation changed meanwhile; try again")
	}
	if sv.State != nil {
		// Set only now: a caller's value must not change before its save
		// has committed.
		sv.State.Version = version
	}
	return nil
}

// sessionTTL is how long a session key lives: until ExpiresAt (or now, when
// that has passed) and a grace day more, so that a freshly written session
// is never gone before the engine has had a day to close it.
func sessionTTL(expires, now time.Time) time.Duration {
	return max(expires.Sub(now), 0) + sessionGrace
}

// entry encodes a history record or a flag as "<unix ms>|<json>".
func entry(nowMS int64, v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, &bot.Error{Code: bot.EINTERNAL, Message: "cannot encode a record", Err: err}
	}
	b := make([]byte, 0, 14+len(body))
	b = strconv.AppendInt(b, nowMS, 10)
	b = append(b, '|')
	return append(b, body...), nil
}

// unentry splits an entry; ok is false when it is older than cutoff.
func unentry(e string, cutoff int64) (body string, ok bool, err error) {
	stamp, body, found := strings.Cut(e, "|")
	if !found {
		return "", false, fmt.Errorf("entry without a time stamp")
	}
	ms, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		return "", false, fmt.Errorf("entry with a bad time stamp: %w", err)
	}
	return body, ms >= cutoff, nil
}

// History returns the user's records, newest first; flow "" means every flow
// and limit <= 0 means all. Records older than the retention are skipped.
func (s *Store) History(ctx context.Context, user bot.UserID, flow string, limit int) ([]bot.Record, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	stop := int64(-1)
	if flow == "" && limit > 0 {
		stop = int64(limit) - 1
	}
	entries, err := s.rdb.LRange(ctx, s.Key(user, "history"), 0, stop).Result()
	if err != nil {
		return nil, s.fail(err)
	}
	cutoff := s.clock.Now().Add(-s.retention).UnixMilli()
	var out []bot.Record
	for _, e := range entries {
		body, live, err := unentry(e, cutoff)
		if err != nil {
			return nil, damaged("history", err)
		}
		if !live {
			break // newest first: the rest are older still
		}
		var r bot.Record
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			return nil, damaged("history", err)
		}
		if flow != "" && r.Flow != flow {
			continue
		}
		out = append(out, r)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}

// Flags returns every flag raised about the user, oldest first, skipping
// those older than the retention.
func (s *Store) Flags(ctx context.Context, user bot.UserID) ([]bot.Flag, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	entries, err := s.rdb.LRange(ctx, s.Key(user, "flags"), 0, -1).Result()
	if err != nil {
		return nil, s.fail(err)
	}
	cutoff := s.clock.Now().Add(-s.retention).UnixMilli()
	var out []bot.Flag
	for _, e := range entries {
		body, live, err := unentry(e, cutoff)
		if err != nil {
			return nil, damaged("flags", err)
		}
		if !live {
			continue
		}
		var f bot.Flag
		if err := json.Unmarshal([]byte(body), &f); err != nil {
			return nil, damaged("flags", err)
		}
		out = append(out, f)
	}
	return out, nil
}

// DeleteUser removes every key of the user (state, session, history, flags,
// outbox and dedupe marks) with one DEL.
func (s *Store) DeleteUser(ctx context.Context, user bot.UserID) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := s.rdb.Del(ctx, s.keys(user).all()...).Err(); err != nil {
		return s.fail(err)
	}
	if err := s.forgetWake(ctx, user); err != nil {
		return s.fail(err)
	}
	return nil
}

// outboxEntry encodes an outbox entry as "<lease unix ms>|<attempts>|<json>":
// the claim script reads and rewrites the first two without decoding JSON.
func outboxEntry(o bot.Outbound) ([]byte, error) {
	body, err := json.Marshal(o)
	if err != nil {
		return nil, &bot.Error{Code: bot.EINTERNAL, Message: "cannot encode an outbox entry", Err: err}
	}
	b := strconv.AppendInt(nil, o.LeaseUntil.UnixMilli(), 10)
	b = append(b, '|')
	b = strconv.AppendInt(b, int64(o.Attempts), 10)
	b = append(b, '|')
	return append(b, body...), nil
}

// claimScript leases a user's expired outbox entries; claim.lua says what its KEYS and ARGV are and what it returns.
var claimScript = goredis.NewScript(claimLua)

//go:embed claim.lua
var claimLua string

// ClaimOutbox leases up to limit entries whose lease has run out; see
// bot.Store. It finds owners with a SCAN for outbox keys on every primary
// (a Cluster's included): the engine calls it at start and once a minute,
// to recover what a crashed process left, never on the normal path, and
// retries its own failed deliveries with ClaimUserOutbox.
func (s *Store) ClaimOutbox(ctx context.Context, lease time.Duration, limit int) ([]bot.Outbound, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var mu sync.Mutex
	var out []bot.Outbound
	now := s.clock.Now()
	claim := func(ctx context.Context, c goredis.Cmdable) error {
		iter := c.Scan(ctx, 0, s.prefix+"{u:*}:outbox", 1000).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			room := limit - len(out)
			mu.Unlock()
			if room <= 0 {
				return nil
			}
			got, err := s.claimKey(ctx, c, iter.Val(), now, lease, room)
			if err != nil {
				return err
			}
			mu.Lock()
			out = append(out, got...)
			mu.Unlock()
		}
		return iter.Err()
	}
	var err error
	if cc, ok := s.rdb.(*goredis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error { return claim(ctx, c) })
	} else {
		err = claim(ctx, s.rdb)
	}
	if err != nil {
		return out, s.fail(err)
	}
	return out, nil
}

// ClaimUserOutbox is ClaimOutbox for one owner: one script call on the
// owner's outbox key; see bot.Store.
func (s *Store) ClaimUserOutbox(ctx context.Context, owner bot.UserID, lease time.Duration) ([]bot.Outbound, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	out, err := s.claimKey(ctx, s.rdb, s.keys(owner).outbox, s.clock.Now(), lease, math.MaxInt32)
	if err != nil {
		return nil, s.fail(err)
	}
	return out, nil
}

// claimKey runs the claim script on one outbox key.
func (s *Store) claimKey(ctx context.Context, c goredis.Scripter, key string, now time.Time, lease time.Duration, limit int) ([]bot.Outbound, error) {
	vals, err := claimScript.Run(ctx, c, []string{key}, now.UnixMilli(), lease.Milliseconds(), limit).StringSlice()
	if err != nil {
		return nil, err
	}
	out := make([]bot.Outbound, 0, len(vals))
	for _, v := range vals {
		o, err := parseOutboxEntry(v)
		if err != nil {
			return nil, damaged("outbox", err)
		}
		out = append(out, o)
	}
	return out, nil
}

// parseOutboxEntry decodes an outbox value written by outboxEntry (or
// rewritten by claimScript).
func parseOutboxEntry(v string) (bot.Outbound, error) {
	var o bot.Outbound
	lease, rest, ok1 := strings.Cut(v, "|")
	attempts, body, ok2 := strings.Cut(rest, "|")
	if !ok1 || !ok2 {
		return o, fmt.Errorf("outbox entry without lease and attempts")
	}
	ms, err1 := strconv.ParseInt(lease, 10, 64)
	n, err2 := strconv.Atoi(attempts)
	if err := errors.Join(err1, err2, json.Unmarshal([]byte(body), &o)); err != nil {
		return o, err
	}
	o.LeaseUntil, o.Attempts = time.UnixMilli(ms), n
	return o, nil
}

// AckOutbox removes delivered entries with one HDEL; see bot.Store.
func (s *Store) AckOutbox(ctx context.Context, owner bot.UserID, ids ...string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	if err := s.rdb.HDel(ctx, s.keys(owner).outbox, ids...).Err(); err != nil {
		return s.fail(err)
	}
	return nil
}

// check fails fast on a closed store and on a done context, so that nothing
// is written for a request nobody waits for any more.
func (s *Store) check(ctx context.Context) error {
	select {
	case <-s.closed:
		return bot.Errorf(bot.EUNAVAILABLE, "the Redis store is closed")
	default:
	}
	if err := ctx.Err(); err != nil {
		return &bot.Error{Code: bot.EUNAVAILABLE, Message: "the request was cancelled", Err: err}
	}
	return nil
}

// fail turns a go-redis error into a coded one: every failure is the store
// being unavailable, with a sentence that names the address.
func (s *Store) fail(err error) error {
	var coded *bot.Error
	var rerr goredis.Error
	switch {
	case errors.As(err, &coded):
		return err
	case errors.Is(err, goredis.ErrClosed):
		return &bot.Error{Code: bot.EUNAVAILABLE, Message: "the Redis store is closed", Err: err}
	case errors.Is(err, context.Canceled):
		return &bot.Error{Code: bot.EUNAVAILABLE, Message: "the request was cancelled", Err: err}
	case errors.As(err, &rerr):
		// Redis answered with an error: loading, read-only replica, out
		// of memory, cluster down…
		return &bot.Error{Code: bot.EUNAVAILABLE, Message: fmt.Sprintf("Redis at %s refused the request", s.addr), Err: err}
	default:
		return &bot.Error{Code: bot.EUNAVAILABLE, Message: fmt.Sprintf("Redis at %s is unreachable", s.addr), Err: err}
	}
}

func damaged(what string, err error) error {
	return &bot.Error{Code: bot.EINTERNAL, Message: fmt.Sprintf("stored %s is damaged", what), Err: err}
}

// slogLogger routes go-redis's own log lines to slog at Debug: they repeat
// what the store's errors already say ("failed to dial …") and would
// otherwise land on standard error in the middle of a terminal chat.
type slogLogger struct{ log *slog.Logger }

func (l slogLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "go-redis: "+fmt.Sprintf(format, v...))
}

// SetLibraryLogger sends go-redis's internal log lines to log at Debug
// level. go-redis has one logger per process, so this is process-wide.
func SetLibraryLogger(log *slog.Logger) {
	goredis.SetLogger(slogLogger{log})
}

// gaveUp is the cause of a failed Connect: the last error, and the
// context's when it is a different one.
func gaveUp(last, ctxErr error) error {
	if last == nil || errors.Is(last, ctxErr) {
		return ctxErr
	}
	return fmt.Errorf("%w (gave up: %v)", last, ctxErr)
}
