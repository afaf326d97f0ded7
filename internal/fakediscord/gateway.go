package fakediscord

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Gateway opcodes.
const (
	opDispatch       = 0
	opHeartbeat      = 1
	opIdentify       = 2
	opResume         = 6
	opReconnect      = 7
	opInvalidSession = 9
	opHello          = 10
	opHeartbeatACK   = 11
)

// maxEvents bounds a session's log of dispatches kept for RESUME.
const maxEvents = 10000

// gwSession is one gateway session (what a RESUME resumes).
type gwSession struct {
	id         string
	shard      [2]int
	seq        int64
	events     []gwEvent
	conn       *gwConn
	invalid    bool
	lose       int    // dispatches to log but not send
	replayFrom *int64 // the next RESUME replays from here, not the client's seq
}

type gwEvent struct {
	seq int64
	t   string
	d   json.RawMessage
	id  string // the payload's "id": the message or interaction id
}

// gwConn is one websocket connection.
type gwConn struct {
	ws      *websocket.Conn
	wmu     sync.Mutex
	noAcks  atomic.Bool
	session *gwSession // guarded by Server.mu
}

type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s"`
	T  *string         `json:"t"`
}

func (c *gwConn) write(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

// closeWith sends a close frame with code and closes the connection.
func (c *gwConn) closeWith(code int, text string) {
	c.wmu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	c.wmu.Unlock()
	_ = c.ws.Close()
}

// drop closes the TCP connection without a close frame.
func (c *gwConn) drop() { _ = c.ws.NetConn().Close() }

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &gwConn{ws: ws}
	s.mu.Lock()
	s.conns[c] = true
	interval := s.opts.HeartbeatInterval.Milliseconds()
	s.mu.Unlock()
	defer func() {
		_ = ws.Close()
		s.mu.Lock()
		delete(s.conns, c)
		if g := c.session; g != nil && g.conn == c {
			g.conn = nil
		}
		s.notifyLocked()
		s.mu.Unlock()
	}()
	if c.write(map[string]any{"op": opHello, "d": map[string]any{"heartbeat_interval": interval}, "s": nil, "t": nil}) != nil {
		return
	}
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			// Closing with 1000 or 1001 ends the session on Discord; any
			// other close, or a lost connection, leaves it resumable.
			if websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) {
				s.mu.Lock()
				if g := c.session; g != nil {
					g.invalid = true
				}
				s.mu.Unlock()
			}
			return
		}
		var f frame
		if json.Unmarshal(data, &f) != nil {
			c.closeWith(4002, "Decode error")
			return
		}
		switch f.Op {
		case opHeartbeat:
			if !c.noAcks.Load() {
				_ = c.write(map[string]any{"op": opHeartbeatACK, "d": nil})
			}
		case opIdentify:
			if !s.identify(c, f.D) {
				return
			}
		case opResume:
			s.resume(c, f.D)
		default:
			// Presence updates, voice state and the rest: ignored.
		}
	}
}

// identify answers an IDENTIFY with READY, or closes the connection as
// Discord does; it reports whether the connection stays open.
func (s *Server) identify(c *gwConn, raw json.RawMessage) bool {
	var d struct {
		Token   string  `json:"token"`
		Intents int     `json:"intents"`
		Shard   *[2]int `json:"shard"`
	}
	if json.Unmarshal(raw, &d) != nil {
		c.closeWith(4002, "Decode error")
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notifyLocked()
	s.identifies = append(s.identifies, Identify{Token: d.Token, Intents: d.Intents, Shard: d.Shard, Time: time.Now()})
	if d.Token != "Bot "+s.opts.Token {
		c.closeWith(4004, "Authentication failed.")
		return false
	}
	if s.opts.DisallowMessageContent && d.Intents&(1<<15) != 0 {
		c.closeWith(4014, "Disallowed intent(s).")
		return false
	}
	shard := [2]int{0, 1}
	if d.Shard != nil {
		shard = *d.Shard
	}
	if shard[1] < 1 || shard[0] < 0 || shard[0] >= shard[1] {
		c.closeWith(4010, "Invalid shard.")
		return false
	}
	if old := c.session; old != nil {
		old.invalid = true
		old.conn = nil
	}
	g := &gwSession{id: randomHex(16), shard: shard, conn: c}
	c.session = g
	s.sessions[g.id] = g
	s.shards[shard[0]] = g
	s.shardCount = shard[1]
	g.seq++
	ready := map[string]any{
		"v":                  9,
		"session_id":         g.id,
		"resume_gateway_url": s.wsURL,
		"user":               User{ID: s.opts.BotID, Username: s.opts.BotName, Bot: true}.payload(),
		"application":        map[string]any{"id": s.opts.AppID, "flags": 0},
		"shard":              shard,
		"guilds":             []any{},
		"private_channels":   []any{},
	}
	_ = c.write(map[string]any{"op": opDispatch, "t": "READY", "s": g.seq, "d": ready})
	return true
}

// resume answers a RESUME: the dispatches after the client's sequence, then
// RESUMED; or op 9 when the session cannot be resumed.
func (s *Server) resume(c *gwConn, raw json.RawMessage) {
	var d struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	_ = json.Unmarshal(raw, &d)
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notifyLocked()
	g := s.sessions[d.SessionID]
	rec := Resume{SessionID: d.SessionID, Seq: d.Seq, Time: time.Now()}
	if g == nil || g.invalid || d.Token != "Bot "+s.opts.Token {
		s.resumes = append(s.resumes, rec)
		_ = c.write(map[string]any{"op": opInvalidSession, "d": false})
		return
	}
	if old := g.conn; old != nil && old != c {
		old.session = nil
		go old.closeWith(4000, "Session resumed elsewhere")
	}
	g.conn, c.session = c, g
	from := d.Seq
	if g.replayFrom != nil {
		from, g.replayFrom = *g.replayFrom, nil
	}
	for _, ev := range g.events {
		if ev.seq <= from {
			continue
		}
		if c.write(map[string]any{"op": opDispatch, "t": ev.t, "s": ev.seq, "d": ev.d}) != nil {
			break
		}
		rec.Replayed++
	}
	rec.OK = true
	s.resumes = append(s.resumes, rec)
	g.seq++
	_ = c.write(map[string]any{"op": opDispatch, "t": "RESUMED", "s": g.seq, "d": map[string]any{}})
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ErrNoSession is returned by Dispatch when the shard has not identified.
var ErrNoSession = errors.New("fakediscord: the shard has no gateway session")

// Dispatch sends a dispatch (op 0) of type t with data d to shard's
// session, with the next sequence number, and logs it for RESUME. When the
// shard is disconnected the dispatch waits in the log for the RESUME.
func (s *Server) Dispatch(shard int, t string, d any) error {
	raw, err := json.Marshal(d)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notifyLocked()
	g := s.shards[shard]
	if g == nil {
		return fmt.Errorf("%w: shard %d", ErrNoSession, shard)
	}
	var probe struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(raw, &probe)
	g.seq++
	ev := gwEvent{seq: g.seq, t: t, d: raw, id: probe.ID}
	g.events = append(g.events, ev)
	if len(g.events) > maxEvents {
		g.events = g.events[len(g.events)-maxEvents:]
	}
	if g.lose > 0 {
		g.lose--
		return nil
	}
	if g.conn != nil {
		// A failed write is a dead connection: the client resumes and
		// gets the dispatch from the log.
		_ = g.conn.write(map[string]any{"op": opDispatch, "t": ev.t, "s": ev.seq, "d": ev.d})
	}
	return nil
}

// LastSeq returns the sequence number of shard's last dispatch.
func (s *Server) LastSeq(shard int) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.shards[shard]; g != nil {
		return g.seq
	}
	return 0
}

// Redeliver dispatches again, to shard's current session with a new
// sequence number, the last logged dispatch (of any session, so also one
// sent before a restart) whose payload has this id: a duplicate delivery of
// a message or interaction.
func (s *Server) Redeliver(shard int, id string) error {
	s.mu.Lock()
	var found *gwEvent
	for _, g := range s.sessions {
		for i := range g.events {
			if ev := &g.events[i]; ev.id == id && (found == nil || ev.seq > found.seq) {
				found = ev
			}
		}
	}
	s.mu.Unlock()
	if found == nil {
		return fmt.Errorf("fakediscord: no dispatch with id %s", id)
	}
	return s.Dispatch(shard, found.t, found.d)
}

func (s *Server) conn(shard int) (*gwConn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.shards[shard]
	if g == nil || g.conn == nil {
		return nil, fmt.Errorf("fakediscord: shard %d is not connected", shard)
	}
	return g.conn, nil
}

// Reconnect sends op 7: the client must reconnect and RESUME.
func (s *Server) Reconnect(shard int) error {
	c, err := s.conn(shard)
	if err != nil {
		return err
	}
	return c.write(map[string]any{"op": opReconnect, "d": nil})
}

// InvalidSession sends op 9. Not resumable, the session is forgotten, so
// that only a new IDENTIFY works.
func (s *Server) InvalidSession(shard int, resumable bool) error {
	c, err := s.conn(shard)
	if err != nil {
		return err
	}
	if !resumable {
		s.mu.Lock()
		if g := c.session; g != nil {
			g.invalid = true
		}
		s.mu.Unlock()
	}
	return c.write(map[string]any{"op": opInvalidSession, "d": resumable})
}

// StopHeartbeatACKs stops answering the heartbeats of shard's current
// connection (a new connection is answered again).
func (s *Server) StopHeartbeatACKs(shard int) error {
	c, err := s.conn(shard)
	if err != nil {
		return err
	}
	c.noAcks.Store(true)
	return nil
}

// Drop closes shard's TCP connection without a websocket close frame.
func (s *Server) Drop(shard int) error {
	c, err := s.conn(shard)
	if err != nil {
		return err
	}
	c.drop()
	return nil
}

// LoseNext makes the next n dispatches to shard go into the log without
// being sent, as if lost with a dying connection; a RESUME replays them.
func (s *Server) LoseNext(shard, n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.shards[shard]
	if g == nil {
		return fmt.Errorf("%w: shard %d", ErrNoSession, shard)
	}
	g.lose += n
	return nil
}

// ReplayOnResume makes the next RESUME of shard's session replay every
// dispatch after fromSeq, even those the client already had.
func (s *Server) ReplayOnResume(shard int, fromSeq int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.shards[shard]
	if g == nil {
		return fmt.Errorf("%w: shard %d", ErrNoSession, shard)
	}
	g.replayFrom = &fromSeq
	return nil
}
