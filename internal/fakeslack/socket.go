package fakeslack

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// Envelope is one Socket Mode delivery: an event, an interaction or a slash
// command. Push it over the websocket, or DeliverHTTP it as Slack's HTTP
// request.
type Envelope struct {
	// Type is events_api, interactive or slash_commands (url_verification
	// for DeliverHTTP only).
	Type       string
	EnvelopeID string
	// EventID is the Events API event_id (events_api only).
	EventID string
	// Payload is the envelope's payload: the event callback, the
	// interaction, or the slash command.
	Payload json.RawMessage
	// RetryAttempt and RetryReason mark a redelivery.
	RetryAttempt int
	RetryReason  string
}

// MarshalJSON writes the envelope as Slack sends it over the websocket.
func (e Envelope) MarshalJSON() ([]byte, error) {
	return json.Marshal(obj{
		"type": e.Type, "envelope_id": e.EnvelopeID, "payload": e.Payload,
		"accepts_response_payload": e.Type != "events_api",
		"retry_attempt":            e.RetryAttempt, "retry_reason": e.RetryReason,
	})
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveSocket is the Socket Mode websocket: hello, the waiting envelopes,
// then whatever is pushed, with pings; acks are recorded.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &wsConn{c: ws, done: make(chan struct{})}
	// Hold the write lock until hello and the waiting envelopes are out,
	// so that a Push meanwhile comes after them.
	c.wmu.Lock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.wmu.Unlock()
		_ = ws.Close()
		return
	}
	s.conn = c
	s.conns[c] = true
	s.connects++
	pending := s.pending
	s.pending = nil
	s.notify()
	s.mu.Unlock()
	_ = ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	err = ws.WriteJSON(obj{"type": "hello", "num_connections": 1,
		"debug_info":      obj{"host": "fakeslack", "approximate_connection_time": 3600},
		"connection_info": obj{"app_id": s.opts.AppID}})
	for i, env := range pending {
		if err != nil {
			s.requeue(pending[i:])
			break
		}
		if err = ws.WriteJSON(env); err == nil {
			s.recordDelivered(c, env)
		}
	}
	c.wmu.Unlock()

	go s.ping(c)
	s.readAcks(c)

	close(c.done)
	s.mu.Lock()
	delete(s.conns, c)
	if s.conn == c {
		s.conn = nil
	}
	if s.opts.RedeliverUnacked {
		var again []Envelope
		for _, env := range c.sent {
			if s.acks[env.EnvelopeID] == 0 && env.RetryAttempt < 3 {
				env.RetryAttempt, env.RetryReason = env.RetryAttempt+1, "timeout"
				again = append(again, env)
			}
		}
		s.pending = append(again, s.pending...)
	}
	s.notify()
	s.mu.Unlock()
	_ = ws.Close()
}

func (s *Server) ping(c *wsConn) {
	t := time.NewTicker(s.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			if c.c.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(5*time.Second)) != nil {
				return
			}
		}
	}
}

// readAcks records acks until the connection ends.
func (s *Server) readAcks(c *wsConn) {
	for {
		_, data, err := c.c.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if json.Unmarshal(data, &ack) != nil || ack.EnvelopeID == "" {
			continue
		}
		s.mu.Lock()
		s.acks[ack.EnvelopeID]++
		s.notify()
		s.mu.Unlock()
	}
}

func (s *Server) recordDelivered(c *wsConn, env Envelope) {
	s.mu.Lock()
	c.sent = append(c.sent, env)
	s.delivered = append(s.delivered, env)
	s.notify()
	s.mu.Unlock()
}

func (s *Server) requeue(envs []Envelope) {
	s.mu.Lock()
	s.pending = append(envs, s.pending...)
	s.mu.Unlock()
}

// Push sends an envelope to the connected client, or keeps it for the next
// connection. Pushing the same envelope twice delivers a duplicate.
func (s *Server) Push(env Envelope) {
	s.mu.Lock()
	c := s.conn
	if c == nil {
		s.pending = append(s.pending, env)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	if err := c.writeJSON(env); err != nil {
		s.mu.Lock()
		if s.conn == c {
			s.conn = nil
		}
		s.pending = append(s.pending, env)
		s.mu.Unlock()
		return
	}
	s.recordDelivered(c, env)
}

// Disconnect sends a `disconnect` envelope, as Slack does before it
// rotates a connection; the client should open a new one. Envelopes pushed
// from now on wait for it.
func (s *Server) Disconnect() {
	s.mu.Lock()
	c := s.conn
	s.conn = nil
	s.notify()
	s.mu.Unlock()
	if c != nil {
		_ = c.writeJSON(obj{"type": "disconnect", "reason": "refresh_requested", "debug_info": obj{"host": "fakeslack"}})
	}
}

// DropConnection cuts the websocket's TCP connection without a close
// frame, as a network failure would. Envelopes pushed from now on wait for
// the client to reconnect.
func (s *Server) DropConnection() {
	s.mu.Lock()
	c := s.conn
	s.conn = nil
	s.notify()
	s.mu.Unlock()
	if c != nil {
		_ = c.c.UnderlyingConn().Close()
	}
}
