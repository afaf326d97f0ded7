// Package fakeslack is a local Slack for tests and benchmarks: the Web API
// methods peerbot uses and a Socket Mode websocket, speaking Slack's real
// payloads over httptest and gorilla/websocket, so that the real slack-go
// client can be pointed at it (slack.OptionAPIURL(s.APIURL())).
//
// Web API (under /api/): auth.test, apps.connections.open,
// conversations.open, chat.postMessage, chat.update, chat.postEphemeral,
// users.info and views.publish. Form-encoded requests carry the token as a
// form field, JSON ones as a Bearer header, as slack-go sends them; blocks
// arrive as a JSON string field. Every call is recorded (Calls) with its
// form values and parsed blocks, and the messages it makes are kept per
// channel (Messages), updates included.
//
// Rate limits, as Slack enforces them: chat.postMessage at ChannelRate per
// channel, and the posting methods (chat.postMessage, chat.postEphemeral,
// chat.update) at WorkspaceRate across the workspace. A request over the
// limit gets 429 with a Retry-After header (whole seconds) and changes
// nothing; RateLimited counts them. A request up to Tolerance early is let
// through, as network jitter would otherwise make a client that keeps
// exactly to the rate fail now and then (Slack tolerates short bursts).
// InjectRateLimit, InjectStatus and InjectError make the next calls of a
// method fail.
//
// Socket Mode: apps.connections.open returns the URL of a websocket that
// sends hello, then the envelopes the test pushes (Push), and pings every
// PingInterval; it records every ack (Acked). Envelopes pushed while no
// client is connected wait for the next connection. Disconnect sends a
// `disconnect` envelope, DropConnection cuts the TCP connection, and
// pushing an envelope twice duplicates it.
//
// HTTP mode: DeliverHTTP sends an envelope's payload as Slack's HTTP
// requests do (events as JSON, interactions as the form field payload,
// slash commands as form fields), signed with the signing secret, or
// wrongly signed, stale, or marked as a retry (X-Slack-Retry-Num) on
// request.
//
// Builders make the payloads: MessageEvent, BotMessageEvent, EditEvent,
// AppHomeOpened, Click (a button of a posted message), SlashCommand and
// URLVerification.
package fakeslack

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peerbot/peerbot/internal/testsync"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

// Options configures a Server. The zero value is a workspace T0FAKE with
// bot user UBOT, posting limited to one message per second per channel and
// no workspace limit.
type Options struct {
	TeamID, TeamName string // default T0FAKE, "Fake Workspace"
	BotUserID, BotID string // default UBOT, BBOT
	BotName, AppID   string // default peerbot, A0FAKE

	BotToken      string // default xoxb-fake
	AppToken      string // default xapp-fake
	SigningSecret string // default fake-signing-secret

	// ChannelRate is chat.postMessage per second in one channel; default
	// 1, negative for no limit. ChannelBurst defaults to 1.
	ChannelRate  float64
	ChannelBurst int
	// WorkspaceRate is posting calls per second across the workspace; 0
	// for no limit. WorkspaceBurst defaults to 1.
	WorkspaceRate  float64
	WorkspaceBurst int
	// Tolerance is how early a request may come and still pass; default
	// 100ms.
	Tolerance time.Duration

	// PingInterval is how often the websocket pings; default 2s.
	PingInterval time.Duration
	// EchoBotMessages makes every chat.postMessage come back over Socket
	// Mode as a message event with the bot's bot_id, as Slack sends the
	// bot's own messages to an app subscribed to message.im.
	EchoBotMessages bool
	// RedeliverUnacked sends again, on the next connection, every envelope
	// that a connection carried and that was not acknowledged before it
	// ended (up to 3 retries, with retry_attempt and retry_reason
	// "timeout"), as Slack retries unacknowledged deliveries.
	RedeliverUnacked bool
}

// User is a Slack user as users.info tells it.
type User struct {
	ID          string
	Name        string // the handle
	RealName    string
	DisplayName string
	FirstName   string
	TZ          string // IANA name
	IsBot       bool
}

// Block is one Block Kit block as sent, parsed from JSON.
type Block = map[string]any

// Call is one recorded Web API call (or response_url post).
type Call struct {
	Method string
	// Form holds the values of a form-encoded call, without the token.
	Form url.Values
	// JSON holds the body of a JSON call (views.publish, response_url).
	JSON map[string]any
	// Blocks are the parsed blocks of chat.* calls, or of the view of
	// views.publish.
	Blocks []Block
	// Status is the HTTP status answered; Error the Slack error code when
	// it said ok:false.
	Status int
	Error  string
	Time   time.Time
}

// OK reports whether the call succeeded.
func (c Call) OK() bool { return c.Status == http.StatusOK && c.Error == "" }

// Message is a message in a channel as the fake keeps it.
type Message struct {
	Channel, TS, Text string
	// User is the poster (the bot user) or, for an ephemeral message, the
	// user who sees it.
	User      string
	Blocks    []Block
	Ephemeral bool
	// Original are the blocks as first posted; Updates counts chat.update
	// calls on the message.
	Original []Block
	Updates  int
}

// Button is a button in a message.
type Button struct {
	ActionID, BlockID, Label, Value string
}

// Buttons returns the message's buttons, in order.
func (m Message) Buttons() []Button { return Buttons(m.Blocks) }

// Content returns the message's text and the text of its blocks (buttons
// excluded), one per line.
func (m Message) Content() string {
	parts := []string{}
	if m.Text != "" {
		parts = append(parts, m.Text)
	}
	parts = append(parts, Texts(m.Blocks)...)
	return strings.Join(parts, "\n")
}

// Buttons returns the buttons in blocks.
func Buttons(blocks []Block) []Button {
	var out []Button
	for _, b := range blocks {
		if b["type"] != "actions" {
			continue
		}
		els, _ := b["elements"].([]any)
		for _, e := range els {
			el, _ := e.(map[string]any)
			if el["type"] != "button" {
				continue
			}
			out = append(out, Button{ActionID: str(el["action_id"]), BlockID: str(b["block_id"]),
				Label: str(dig(el, "text", "text")), Value: str(el["value"])})
		}
	}
	return out
}

// Texts returns the text of each section, header and context block.
func Texts(blocks []Block) []string {
	var out []string
	for _, b := range blocks {
		switch b["type"] {
		case "section", "header":
			if t := str(dig(b, "text", "text")); t != "" {
				out = append(out, t)
			}
		case "context":
			els, _ := b["elements"].([]any)
			for _, e := range els {
				if t := str(dig(e, "text")); t != "" {
					out = append(out, t)
				}
			}
		}
	}
	return out
}

// Server is a fake Slack.
type Server struct {
	// URL is the base URL; the Web API is under URL + "/api/".
	URL string

	opts Options
	ts   *httptest.Server

	mu          sync.Mutex
	changes     testsync.Changes // wakes Wait on every change
	calls       []Call
	channels    map[string][]*Message
	ephemeral   []*Message
	users       map[string]User
	home        map[string][]Block
	seq         int64 // message and id counter
	chanLimits  map[string]*bucket
	wsLimit     *bucket
	injected    map[string][]injection
	holds       map[string]chan struct{} // channel → closed when released
	rateLimited int
	acks        map[string]int
	delivered   []Envelope
	conn        *wsConn // the connection envelopes go to; nil when none
	conns       map[*wsConn]bool
	pending     []Envelope
	opens       int
	connects    int
	closed      bool
}

type injection struct {
	status     int // 429, or 200 with an error code
	retryAfter int
	code       string
}

type wsConn struct {
	c    *websocket.Conn
	wmu  sync.Mutex // serialises writes
	done chan struct{}
	sent []Envelope // written over this connection; under Server.mu
}

func (c *wsConn) writeJSON(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.c.WriteJSON(v)
}

// New starts a fake Slack; it stops when the test ends.
func New(tb testing.TB, opts Options) *Server {
	tb.Helper()
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&opts.TeamID, "T0FAKE")
	def(&opts.TeamName, "Fake Workspace")
	def(&opts.BotUserID, "UBOT")
	def(&opts.BotID, "BBOT")
	def(&opts.BotName, "peerbot")
	def(&opts.AppID, "A0FAKE")
	def(&opts.BotToken, "xoxb-fake")
	def(&opts.AppToken, "xapp-fake")
	def(&opts.SigningSecret, "fake-signing-secret")
	if opts.ChannelRate == 0 {
		opts.ChannelRate = 1
	}
	if opts.ChannelBurst <= 0 {
		opts.ChannelBurst = 1
	}
	if opts.WorkspaceBurst <= 0 {
		opts.WorkspaceBurst = 1
	}
	if opts.Tolerance == 0 {
		opts.Tolerance = 100 * time.Millisecond
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = 2 * time.Second
	}
	s := &Server{
		opts:       opts,
		channels:   map[string][]*Message{},
		users:      map[string]User{},
		home:       map[string][]Block{},
		chanLimits: map[string]*bucket{},
		injected:   map[string][]injection{},
		holds:      map[string]chan struct{}{},
		acks:       map[string]int{},
		conns:      map[*wsConn]bool{},
	}
	if opts.WorkspaceRate > 0 {
		s.wsLimit = newBucket(opts.WorkspaceRate, opts.WorkspaceBurst)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/socket", s.serveSocket)
	mux.HandleFunc("/response/", s.serveResponse)
	s.ts = httptest.NewServer(mux)
	s.URL = s.ts.URL
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server and closes every websocket.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.conn = nil
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.c.Close()
	}
	s.ts.Close()
}

// Options returns the server's options, defaults filled in.
func (s *Server) Options() Options { return s.opts }

// APIURL is the Web API base for slack.OptionAPIURL.
func (s *Server) APIURL() string { return s.URL + "/api/" }

// DM is the id of the bot's DM with a user.
func (s *Server) DM(user string) string { return "D" + user }

// AddUser adds or replaces a user that users.info knows.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// HoldChannel makes every chat.postMessage to channel wait, unanswered,
// until the returned release is called (a slow channel, or a Slack that
// hangs on one request).
func (s *Server) HoldChannel(channel string) (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.holds[channel] = ch
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.holds, channel)
			s.mu.Unlock()
			close(ch)
		})
	}
}

// InjectRateLimit makes the next n calls of method answer 429 with
// Retry-After retryAfter seconds.
func (s *Server) InjectRateLimit(method string, n, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.injected[method] = append(s.injected[method], injection{status: http.StatusTooManyRequests, retryAfter: retryAfter})
	}
}

// InjectError makes the next n calls of method answer ok:false with code.
func (s *Server) InjectError(method string, n int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.injected[method] = append(s.injected[method], injection{status: http.StatusOK, code: code})
	}
}

// InjectStatus makes the next n calls of method answer with an HTTP error
// status (a 503 from a Slack outage, say).
func (s *Server) InjectStatus(method string, n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.injected[method] = append(s.injected[method], injection{status: status})
	}
}

// notify wakes Wait; s.mu is held.
func (s *Server) notify() { s.changes.Notify() }

// Wait waits until cond holds or timeout passes, re-checking after every
// change the fake sees (a call, an ack, a connection); it reports whether
// cond held.
func (s *Server) Wait(timeout time.Duration, cond func() bool) bool {
	// The poll is a safety net for conditions on things the fake does not
	// see change.
	return s.changes.Await(timeout, 50*time.Millisecond, cond)
}

// Calls returns the recorded calls of the given methods (all when none),
// in order.
func (s *Server) Calls(methods ...string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if len(methods) == 0 || slices.Contains(methods, c.Method) {
			out = append(out, c)
		}
	}
	return out
}

// Messages returns the messages the bot posted in channel, oldest first,
// as they are now (updates applied).
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.channels[channel]))
	for _, m := range s.channels[channel] {
		out = append(out, *m)
	}
	return out
}

// Message returns the message at ts in channel.
func (s *Server) Message(channel, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.find(channel, ts); m != nil {
		return *m, true
	}
	return Message{}, false
}

// Ephemerals returns the ephemeral messages (chat.postEphemeral and
// response_url posts), oldest first.
func (s *Server) Ephemerals() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.ephemeral))
	for _, m := range s.ephemeral {
		out = append(out, *m)
	}
	return out
}

// Home returns the blocks last published to a user's App Home.
func (s *Server) Home(user string) []Block {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.home[user]
}

// RateLimited counts the 429s answered, injected or enforced.
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rateLimited
}

// Opens counts apps.connections.open calls; Connections counts websocket
// connections made.
func (s *Server) Opens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opens
}

// Connections counts websocket connections made so far.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connects
}

// Connected reports whether a client is connected (and not told to go).
func (s *Server) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn != nil
}

// Acked reports how many times an envelope was acked.
func (s *Server) Acked(envelopeID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acks[envelopeID]
}

// Delivered returns the envelopes written to clients, in order (a
// duplicate as often as it was written).
func (s *Server) Delivered() []Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.delivered)
}

// Unacked returns the ids of delivered envelopes never acked.
func (s *Server) Unacked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range s.delivered {
		if s.acks[e.EnvelopeID] == 0 && !slices.Contains(out, e.EnvelopeID) {
			out = append(out, e.EnvelopeID)
		}
	}
	return out
}

func (s *Server) nextID() int64 {
	s.seq++
	return s.seq
}

// nextTS returns a new message timestamp, later than every earlier one.
func (s *Server) nextTS() string {
	n := s.nextID()
	return fmt.Sprintf("%d.%06d", time.Now().Unix(), n%1000000)
}

func (s *Server) find(channel, ts string) *Message {
	for _, m := range s.channels[channel] {
		if m.TS == ts {
			return m
		}
	}
	return nil
}

// ---- Web API ----

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	// Limits are checked as of when the request came, as Slack does, not
	// when this process got round to it.
	arrived := time.Now()
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	call := Call{Method: method, Time: arrived}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		if len(body) > 0 {
			if err := json.Unmarshal(body, &call.JSON); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
	} else {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for k, v := range r.URL.Query() {
			form[k] = append(form[k], v...)
		}
		if t := form.Get("token"); t != "" {
			token = t
		}
		form.Del("token")
		call.Form = form
	}

	if method == "chat.postMessage" && call.Form != nil {
		s.mu.Lock()
		hold := s.holds[call.Form.Get("channel")]
		s.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
	}

	s.mu.Lock()
	status, resp, retryAfter, echo := s.dispatch(method, token, &call)
	call.Status = status
	if ok, _ := resp["ok"].(bool); !ok {
		call.Error, _ = resp["error"].(string)
	}
	s.calls = append(s.calls, call)
	s.notify()
	s.mu.Unlock()

	for _, env := range echo {
		s.Push(env)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if retryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(retryAfter))
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(resp)
}

type obj = map[string]any

func fail(code string) (int, obj, int, []Envelope) {
	return http.StatusOK, obj{"ok": false, "error": code}, 0, nil
}

// dispatch answers one call; s.mu is held.
func (s *Server) dispatch(method, token string, call *Call) (int, obj, int, []Envelope) {
	want := s.opts.BotToken
	if method == "apps.connections.open" {
		want = s.opts.AppToken
	}
	if token == "" {
		return fail("not_authed")
	}
	if token != want {
		return fail("invalid_auth")
	}
	if q := s.injected[method]; len(q) > 0 {
		inj := q[0]
		s.injected[method] = q[1:]
		switch {
		case inj.status == http.StatusTooManyRequests:
			s.rateLimited++
			return inj.status, obj{"ok": false, "error": "ratelimited"}, max(inj.retryAfter, 1), nil
		case inj.status != http.StatusOK:
			return inj.status, obj{"ok": false, "error": http.StatusText(inj.status)}, 0, nil
		}
		return fail(inj.code)
	}
	f := call.Form
	switch method {
	case "auth.test":
		return http.StatusOK, obj{"ok": true, "url": "https://fake.slack.com/", "team": s.opts.TeamName,
			"user": s.opts.BotName, "team_id": s.opts.TeamID, "user_id": s.opts.BotUserID, "bot_id": s.opts.BotID}, 0, nil

	case "apps.connections.open":
		s.opens++
		return http.StatusOK, obj{"ok": true, "url": "ws" + strings.TrimPrefix(s.URL, "http") + "/socket"}, 0, nil

	case "conversations.open":
		users := f.Get("users")
		if users == "" || strings.Contains(users, ",") {
			return fail("users_list_not_supplied")
		}
		return http.StatusOK, obj{"ok": true, "channel": obj{"id": s.DM(users)}}, 0, nil

	case "users.info":
		u, ok := s.users[f.Get("user")]
		if !ok {
			return fail("user_not_found")
		}
		return http.StatusOK, obj{"ok": true, "user": obj{
			"id": u.ID, "team_id": s.opts.TeamID, "name": u.Name, "real_name": u.RealName, "tz": u.TZ,
			"tz_label": u.TZ, "is_bot": u.IsBot,
			"profile": obj{"real_name": u.RealName, "display_name": u.DisplayName, "first_name": u.FirstName},
		}}, 0, nil

	case "chat.postMessage", "chat.postEphemeral", "chat.update":
		blocks, err := parseBlocks(f.Get("blocks"))
		if err != nil {
			return fail("invalid_blocks")
		}
		call.Blocks = blocks
		channel := f.Get("channel")
		if channel == "" {
			return fail("channel_not_found")
		}
		if f.Get("text") == "" && len(blocks) == 0 && method != "chat.update" {
			return fail("no_text")
		}
		if wait, ok := s.allow(method, channel, call.Time); !ok {
			s.rateLimited++
			return http.StatusTooManyRequests, obj{"ok": false, "error": "ratelimited"}, wait, nil
		}
		return s.chat(method, f, blocks)

	case "views.publish":
		user := str(call.JSON["user_id"])
		view, _ := call.JSON["view"].(map[string]any)
		if user == "" || view == nil {
			return fail("invalid_arguments")
		}
		blocks, err := toBlocks(view["blocks"])
		if err != nil {
			return fail("invalid_blocks")
		}
		call.Blocks = blocks
		s.home[user] = blocks
		return http.StatusOK, obj{"ok": true, "view": obj{"id": fmt.Sprintf("V%06d", s.nextID()), "type": view["type"], "blocks": view["blocks"]}}, 0, nil
	}
	return fail("unknown_method")
}

// chat performs chat.postMessage, chat.postEphemeral or chat.update.
func (s *Server) chat(method string, f url.Values, blocks []Block) (int, obj, int, []Envelope) {
	channel, text := f.Get("channel"), f.Get("text")
	switch method {
	case "chat.postEphemeral":
		user := f.Get("user")
		if user == "" {
			return fail("user_not_in_channel")
		}
		ts := s.nextTS()
		s.ephemeral = append(s.ephemeral, &Message{Channel: channel, TS: ts, Text: text, User: user,
			Blocks: blocks, Original: blocks, Ephemeral: true})
		return http.StatusOK, obj{"ok": true, "message_ts": ts}, 0, nil

	case "chat.update":
		m := s.find(channel, f.Get("ts"))
		if m == nil {
			return fail("message_not_found")
		}
		if text != "" {
			m.Text = text
		}
		if f.Has("blocks") {
			m.Blocks = blocks
		}
		m.Updates++
		return http.StatusOK, obj{"ok": true, "channel": channel, "ts": m.TS, "text": m.Text}, 0, nil
	}

	ts := s.nextTS()
	m := &Message{Channel: channel, TS: ts, Text: text, User: s.opts.BotUserID, Blocks: blocks, Original: blocks}
	s.channels[channel] = append(s.channels[channel], m)
	msg := obj{"type": "message", "user": s.opts.BotUserID, "bot_id": s.opts.BotID, "text": text, "ts": ts, "team": s.opts.TeamID}
	if blocks != nil {
		msg["blocks"] = blocks
	}
	var echo []Envelope
	if s.opts.EchoBotMessages {
		inner := obj{"type": "message", "subtype": "bot_message", "bot_id": s.opts.BotID, "user": s.opts.BotUserID,
			"text": text, "ts": ts, "event_ts": ts, "channel": channel, "channel_type": channelType(channel)}
		echo = append(echo, s.eventLocked(inner))
	}
	return http.StatusOK, obj{"ok": true, "channel": channel, "ts": ts, "message": msg}, 0, echo
}

// allow applies the rate limits to a request that came at now; on refusal
// it returns the Retry-After in whole seconds. s.mu is held.
func (s *Server) allow(method, channel string, now time.Time) (int, bool) {
	var chanRes *rate.Reservation
	if method == "chat.postMessage" && s.opts.ChannelRate > 0 {
		b := s.chanLimits[channel]
		if b == nil {
			b = newBucket(s.opts.ChannelRate, s.opts.ChannelBurst)
			s.chanLimits[channel] = b
		}
		r, d := b.reserve(now)
		if d > s.opts.Tolerance {
			b.cancel(r, now)
			return retrySeconds(d), false
		}
		chanRes = r
	}
	if s.wsLimit != nil {
		r, d := s.wsLimit.reserve(now)
		if d > s.opts.Tolerance {
			s.wsLimit.cancel(r, now)
			if chanRes != nil {
				s.chanLimits[channel].cancel(chanRes, now)
			}
			return retrySeconds(d), false
		}
	}
	return 0, true
}

// bucket is a token bucket checked at request arrival times. Requests are
// handled a little out of order; their times are taken as no earlier than
// the latest seen, as x/time/rate would otherwise count the time between
// them twice.
type bucket struct {
	lim    *rate.Limiter
	latest time.Time
}

func newBucket(perSecond float64, burst int) *bucket {
	return &bucket{lim: rate.NewLimiter(rate.Limit(perSecond), burst)}
}

// reserve takes a token as of t and says how early the request is.
func (b *bucket) reserve(t time.Time) (*rate.Reservation, time.Duration) {
	if t.Before(b.latest) {
		t = b.latest
	}
	b.latest = t
	r := b.lim.ReserveN(t, 1)
	return r, r.DelayFrom(t)
}

func (b *bucket) cancel(r *rate.Reservation, t time.Time) {
	if t.Before(b.latest) {
		t = b.latest
	}
	r.CancelAt(t)
}

func retrySeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// serveResponse takes posts to a slash command's response_url.
func (s *Server) serveResponse(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	call := Call{Method: "response_url", Time: time.Now(), Status: http.StatusOK}
	if err := json.Unmarshal(body, &call.JSON); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	call.Blocks, _ = toBlocks(call.JSON["blocks"])
	user := r.URL.Query().Get("user")
	s.mu.Lock()
	s.calls = append(s.calls, call)
	s.ephemeral = append(s.ephemeral, &Message{Channel: r.URL.Query().Get("channel"), User: user,
		Text: str(call.JSON["text"]), Blocks: call.Blocks, Original: call.Blocks, Ephemeral: true, TS: s.nextTS()})
	s.notify()
	s.mu.Unlock()
	_, _ = io.WriteString(w, "ok")
}

func parseBlocks(s string) ([]Block, error) {
	if s == "" {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, err
	}
	return toBlocks(v)
}

func toBlocks(v any) ([]Block, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("blocks are not a list")
	}
	out := make([]Block, 0, len(list))
	for _, b := range list {
		m, ok := b.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("a block is not an object")
		}
		out = append(out, m)
	}
	return out, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// dig follows keys through nested objects.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func channelType(channel string) string {
	switch {
	case strings.HasPrefix(channel, "D"):
		return "im"
	case strings.HasPrefix(channel, "G"):
		return "group"
	default:
		return "channel"
	}
}
