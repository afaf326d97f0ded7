// Package fakediscord is a local fake of Discord for tests and benchmarks:
// the REST API (v9) and the websocket gateway, over httptest and
// gorilla/websocket, speaking the real payloads so that the real discordgo
// client can be pointed at it (with an http.Client whose transport rewrites
// scheme and host; the gateway URL is served by the fake's /api/v9/gateway).
//
// REST: GET /gateway and /gateway/bot, POST /users/@me/channels (DM
// channels), POST and PATCH /channels/{id}/messages[/{id}], POST
// /interactions/{id}/{token}/callback, POST and PATCH
// /webhooks/{app}/{token}[/messages/@original] (interaction follow-ups), PUT
// /applications/{app}/commands and /applications/{app}/guilds/{id}/commands
// (bulk overwrite). Everything is recorded for assertions. Payloads are
// checked against Discord's limits (2000 characters of content, at most 5
// action rows of at most 5 buttons, a select menu alone in its row with at
// most 25 options, custom ids of at most 100 characters and unique in their
// message): a payload Discord would refuse gets Discord's 400 (code 50035).
//
// Rate limits: a global limit of Options.GlobalRate requests in any one
// second (sliding window; interaction callbacks and follow-ups are exempt, as
// on Discord) answered with a global 429; optional per-route buckets with
// X-RateLimit-* headers; and injected faults (Inject): 429s with retry_after
// and rate-limit headers, or any error status and JSON code. Every 429 is
// counted.
//
// Gateway: HELLO (op 10), IDENTIFY (op 2) → READY, heartbeat ACKs (op 11),
// dispatches with increasing sequence numbers, RESUME (op 6) → the missed
// dispatches then RESUMED (or op 9 for a session that ended: as on
// Discord, a client closing with code 1000 or 1001 ends its session). Faults on demand: op 7 (Reconnect), op 9
// (InvalidSession), heartbeat ACKs withheld (StopHeartbeatACKs), a dropped
// TCP connection (Drop), dispatches lost on the wire (LoseNext), a dispatch
// delivered twice (Redeliver) and a RESUME that replays dispatches the client
// already had (ReplayOnResume).
//
// The package is test-only: only _test.go files and benchmarks import it.
package fakediscord

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/peerbot/peerbot/internal/testsync"
)

// Defaults of Options.
const (
	DefaultToken     = "fake-token"
	DefaultAppID     = "900000000000000001"
	DefaultBotID     = "900000000000000002"
	DefaultBotName   = "peerbot"
	DefaultRate      = 50
	discordEpochMsec = 1420070400000
	apiPrefix        = "/api/v9"
)

// Options configures a Server. The zero value is usable.
type Options struct {
	// Token is the bot token the fake accepts, without "Bot ".
	Token string
	// AppID and BotID are the application's and the bot user's ids.
	AppID, BotID string
	// BotName is the bot user's name.
	BotName string
	// HeartbeatInterval is sent in HELLO; default 1s. discordgo reconnects
	// after five intervals without an ACK.
	HeartbeatInterval time.Duration
	// Shards is what /gateway/bot recommends; default 1.
	Shards int
	// MaxConcurrency is /gateway/bot's session_start_limit.max_concurrency;
	// default 16 (shards that may identify at once).
	MaxConcurrency int
	// GlobalRate is the global limit in requests per second; default 50,
	// negative for none.
	GlobalRate int
	// RouteLimit, when positive, gives every route (method and path, ids
	// included) a bucket of RouteLimit requests per RouteWindow, announced
	// with X-RateLimit-* headers and enforced with 429s.
	RouteLimit  int
	RouteWindow time.Duration
	// InteractionTimeout is how long an interaction may wait for its
	// callback; default 3s, as on Discord. Later callbacks get 404 (10062).
	InteractionTimeout time.Duration
	// DisallowMessageContent closes IDENTIFYs asking for the privileged
	// message content intent with 4014, as Discord does when the intent is
	// not enabled in the developer portal.
	DisallowMessageContent bool
}

// Server is a running fake Discord. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL (http://127.0.0.1:port), in front of /api/v9.
	URL string

	opts  Options
	hs    *httptest.Server
	wsURL string

	mu      sync.Mutex
	changes testsync.Changes // wakes Await on every change
	lastID  int64

	// REST state.
	requests     []Request
	dmByUser     map[string]string // user id → DM channel id
	userByDM     map[string]string // DM channel id → user id
	closedDMs    map[string]bool   // user ids whose DMs are closed
	dmCreates    int
	messages     []*Message
	msgByID      map[string]*Message
	edits        []Edit
	callbacks    []Callback
	followups    []Followup
	commandPuts  []CommandPut
	interactions map[string]*interactionState // by id
	byToken      map[string]*interactionState
	faults       []*Fault
	window       []time.Time // accepted non-exempt requests in the last second
	routes       map[string]*routeBucket
	limited      int // 429s sent
	globalLimit  int // of which global (the enforced limit or injected)

	// Gateway state.
	shards     map[int]*gwSession // shard id → current session
	sessions   map[string]*gwSession
	conns      map[*gwConn]bool
	identifies []Identify
	resumes    []Resume
	shardCount int // from the last IDENTIFY; 1 without sharding
}

// New starts a fake Discord; Close stops it.
func New(opts Options) *Server {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.AppID == "" {
		opts.AppID = DefaultAppID
	}
	if opts.BotID == "" {
		opts.BotID = DefaultBotID
	}
	if opts.BotName == "" {
		opts.BotName = DefaultBotName
	}
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = time.Second
	}
	if opts.Shards <= 0 {
		opts.Shards = 1
	}
	if opts.MaxConcurrency <= 0 {
		opts.MaxConcurrency = 16
	}
	if opts.GlobalRate == 0 {
		opts.GlobalRate = DefaultRate
	}
	if opts.RouteLimit > 0 && opts.RouteWindow <= 0 {
		opts.RouteWindow = time.Second
	}
	if opts.InteractionTimeout <= 0 {
		opts.InteractionTimeout = 3 * time.Second
	}
	s := &Server{
		opts:         opts,
		dmByUser:     map[string]string{},
		userByDM:     map[string]string{},
		closedDMs:    map[string]bool{},
		msgByID:      map[string]*Message{},
		interactions: map[string]*interactionState{},
		byToken:      map[string]*interactionState{},
		routes:       map[string]*routeBucket{},
		shards:       map[int]*gwSession{},
		sessions:     map[string]*gwSession{},
		conns:        map[*gwConn]bool{},
		shardCount:   1,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/gateway/", s.serveGateway)
	mux.HandleFunc("/gateway", s.serveGateway)
	mux.HandleFunc(apiPrefix+"/", s.serveREST)
	s.hs = httptest.NewServer(mux)
	s.URL = s.hs.URL
	s.wsURL = "ws" + strings.TrimPrefix(s.hs.URL, "http") + "/gateway"
	return s
}

// Close closes every gateway connection and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	conns := make([]*gwConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.drop()
	}
	s.hs.Close()
}

// Options returns the server's options, defaults filled in.
func (s *Server) Options() Options { return s.opts }

// GatewayURL is the websocket URL the fake announces.
func (s *Server) GatewayURL() string { return s.wsURL }

// Await waits until cond holds, for at most timeout, and reports whether
// it held. cond is checked after every change of the fake's state, and
// every 10ms for conditions outside the fake (a store, an adapter); it may
// call the Server's accessors.
func (s *Server) Await(timeout time.Duration, cond func() bool) bool {
	return s.changes.Await(timeout, 10*time.Millisecond, cond)
}

// notifyLocked wakes every Await; s.mu must be held.
func (s *Server) notifyLocked() { s.changes.Notify() }

// newIDLocked returns a new snowflake: milliseconds since Discord's epoch
// in the high bits, so ids grow with time as Discord's do.
func (s *Server) newIDLocked() string {
	id := (time.Now().UnixMilli() - discordEpochMsec) << 22
	if id <= s.lastID {
		id = s.lastID + 1
	}
	s.lastID = id
	return strconv.FormatInt(id, 10)
}

// NewID returns a new snowflake id.
func (s *Server) NewID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newIDLocked()
}

// ---------------------------------------------------------------------------
// Records.

// Request is one REST request the fake received.
type Request struct {
	Method string
	Path   string // without /api/v9 and without the query
	Status int
	Time   time.Time
}

// Component is a message component as sent: an action row (type 1) with
// its Components, a button (type 2) or a select menu (type 3).
type Component struct {
	Type        int            `json:"type"`
	CustomID    string         `json:"custom_id,omitempty"`
	Label       string         `json:"label,omitempty"`
	Style       int            `json:"style,omitempty"`
	Disabled    bool           `json:"disabled,omitempty"`
	URL         string         `json:"url,omitempty"`
	Placeholder string         `json:"placeholder,omitempty"`
	MinValues   *int           `json:"min_values,omitempty"`
	MaxValues   int            `json:"max_values,omitempty"`
	Options     []SelectOption `json:"options,omitempty"`
	Components  []Component    `json:"components,omitempty"`
}

// SelectOption is one option of a select menu.
type SelectOption struct {
	Label   string `json:"label"`
	Value   string `json:"value"`
	Default bool   `json:"default,omitempty"`
}

// Component types.
const (
	ActionRow  = 1
	Button     = 2
	SelectMenu = 3
)

// Buttons returns the buttons of cs, in order, looking into action rows.
func Buttons(cs []Component) []Component {
	var out []Component
	for _, c := range cs {
		if c.Type == Button {
			out = append(out, c)
		}
		out = append(out, Buttons(c.Components)...)
	}
	return out
}

// Selects returns the select menus of cs, in order.
func Selects(cs []Component) []Component {
	var out []Component
	for _, c := range cs {
		if c.Type == SelectMenu {
			out = append(out, c)
		}
		out = append(out, Selects(c.Components)...)
	}
	return out
}

// AllowedMentions is a message's allowed_mentions.
type AllowedMentions struct {
	Parse []string `json:"parse"`
	Users []string `json:"users,omitempty"`
}

// Message is a message the bot created in a channel, as it is now (after
// edits and interaction updates).
type Message struct {
	ID        string
	ChannelID string
	// GuildID is set for an ephemeral follow-up in a guild channel.
	GuildID    string
	Content    string
	Components []Component
	Flags      int
	// AllowedMentions is nil when the bot sent none.
	AllowedMentions *AllowedMentions
	Created         time.Time
	// Edits counts PATCHes and interaction updates (callback type 7).
	Edits int
}

// Edit is one PATCH of a message.
type Edit struct {
	ChannelID, MessageID string
	// Content is nil when the edit left the content alone.
	Content    *string
	Components []Component
	Time       time.Time
}

// Callback is one interaction callback (POST /interactions/{id}/{token}/callback).
type Callback struct {
	InteractionID string
	Type          int // 4 message, 5 deferred message, 6 deferred update, 7 update
	Content       string
	Components    []Component
	// HasComponents is set when the callback carried a components field.
	HasComponents bool
	Flags         int
	// Latency is the time from the INTERACTION_CREATE dispatch to the callback.
	Latency time.Duration
	// Status is what the fake answered (204, or an error).
	Status int
}

// Followup is one interaction follow-up message (POST /webhooks/{app}/{token}).
type Followup struct {
	InteractionID string
	ID            string
	Content       string
	Components    []Component
	Flags         int
	Time          time.Time
}

// Ephemeral is the message flag of messages only the invoking user sees.
const Ephemeral = 1 << 6

// Command is an application command as registered.
type Command struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Type        int             `json:"type,omitempty"`
	Options     []CommandOption `json:"options"`
	Contexts    []int           `json:"contexts,omitempty"`
}

// CommandOption is an option of a Command.
type CommandOption struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        int    `json:"type"`
	Required    bool   `json:"required,omitempty"`
}

// CommandPut is one bulk overwrite of application commands.
type CommandPut struct {
	GuildID  string // "" for global commands
	Commands []Command
}

// Identify is one IDENTIFY the gateway received.
type Identify struct {
	Token   string
	Intents int
	Shard   *[2]int
	Time    time.Time
}

// Resume is one RESUME the gateway received.
type Resume struct {
	SessionID string
	Seq       int64
	// Replayed is how many dispatches were sent again.
	Replayed int
	// OK is false when the session was unknown (answered with op 9).
	OK   bool
	Time time.Time
}

// ---------------------------------------------------------------------------
// Accessors.

// Requests returns every REST request received.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// CountRequests counts requests with this method whose path starts with prefix.
func (s *Server) CountRequests(method, prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if (method == "" || r.Method == method) && strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

// Messages returns copies of the messages created, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = *m
	}
	return out
}

// MessagesIn returns the messages created in a channel, oldest first.
func (s *Server) MessagesIn(channelID string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		if m.ChannelID == channelID {
			out = append(out, m)
		}
	}
	return out
}

// Message returns the message with this id as it is now.
func (s *Server) Message(id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.msgByID[id]
	if !ok {
		return Message{}, false
	}
	return *m, true
}

// Edits returns the message PATCHes received.
func (s *Server) Edits() []Edit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Edit(nil), s.edits...)
}

// Callbacks returns the interaction callbacks received.
func (s *Server) Callbacks() []Callback {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Callback(nil), s.callbacks...)
}

// CallbacksFor returns the callbacks of one interaction.
func (s *Server) CallbacksFor(interactionID string) []Callback {
	var out []Callback
	for _, c := range s.Callbacks() {
		if c.InteractionID == interactionID {
			out = append(out, c)
		}
	}
	return out
}

// Followups returns the interaction follow-ups received.
func (s *Server) Followups() []Followup {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Followup(nil), s.followups...)
}

// FollowupsFor returns the follow-ups of one interaction.
func (s *Server) FollowupsFor(interactionID string) []Followup {
	var out []Followup
	for _, f := range s.Followups() {
		if f.InteractionID == interactionID {
			out = append(out, f)
		}
	}
	return out
}

// CommandPuts returns the bulk overwrites of application commands.
func (s *Server) CommandPuts() []CommandPut {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CommandPut(nil), s.commandPuts...)
}

// UserChannelCreates counts POST /users/@me/channels.
func (s *Server) UserChannelCreates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dmCreates
}

// RateLimited counts the 429s sent, and of them the global ones.
func (s *Server) RateLimited() (total, global int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited, s.globalLimit
}

// Identifies returns the IDENTIFYs received.
func (s *Server) Identifies() []Identify {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Identify(nil), s.identifies...)
}

// Resumes returns the RESUMEs received.
func (s *Server) Resumes() []Resume {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Resume(nil), s.resumes...)
}

// Connected reports whether shard has a live connection with a session.
func (s *Server) Connected(shard int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.shards[shard]
	return g != nil && g.conn != nil && !g.invalid
}

// ---------------------------------------------------------------------------
// Users and DMs.

// User is a Discord user, as the fake puts it in events.
type User struct {
	ID         string `json:"id"`
	Username   string `json:"username"`
	GlobalName string `json:"global_name,omitempty"`
	Bot        bool   `json:"bot,omitempty"`
}

func (u User) payload() map[string]any {
	m := map[string]any{"id": u.ID, "username": u.Username, "discriminator": "0"}
	if u.GlobalName != "" {
		m["global_name"] = u.GlobalName
	}
	if u.Bot {
		m["bot"] = true
	}
	return m
}

// DMChannel returns the DM channel between the bot and userID, creating it
// as Discord does on the first POST /users/@me/channels (or the first DM
// the user writes).
func (s *Server) DMChannel(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dmChannelLocked(userID)
}

func (s *Server) dmChannelLocked(userID string) string {
	if ch, ok := s.dmByUser[userID]; ok {
		return ch
	}
	ch := s.newIDLocked()
	s.dmByUser[userID] = ch
	s.userByDM[ch] = userID
	return ch
}

// SetDMsClosed makes message creates in userID's DM fail with 403, code
// 50007 ("Cannot send messages to this user"), or lets them through again.
func (s *Server) SetDMsClosed(userID string, closed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if closed {
		s.closedDMs[userID] = true
	} else {
		delete(s.closedDMs, userID)
	}
}

// ---------------------------------------------------------------------------
// Faults.

// Fault makes matching REST requests fail, the next Times of them.
type Fault struct {
	// Method and PathPrefix (after /api/v9, e.g. "/channels/") select the
	// requests; empty matches any.
	Method     string
	PathPrefix string
	// Status is the status to answer; default 429.
	Status int
	// RetryAfter is the 429's retry_after (JSON body, in seconds) and
	// X-RateLimit-Reset-After; default 100ms.
	RetryAfter time.Duration
	// Global marks the 429 global (X-RateLimit-Global: true, and "global":
	// true in the body).
	Global bool
	// Code and Message are the JSON error of a non-429 status.
	Code    int
	Message string
	// Times is how many requests fail; default 1.
	Times int

	hits int
}

// Inject adds a fault. Faults are tried in the order injected.
func (s *Server) Inject(f Fault) {
	if f.Status == 0 {
		f.Status = http.StatusTooManyRequests
	}
	if f.RetryAfter <= 0 {
		f.RetryAfter = 100 * time.Millisecond
	}
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// PendingFaults counts the injected faults not yet used up.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range s.faults {
		if f.hits < f.Times {
			n++
		}
	}
	return n
}

// ---------------------------------------------------------------------------
// REST.

type interactionState struct {
	id, token, appID string
	created          time.Time
	acked            bool
	ackType          int
	messageID        string // the message a component was on
	guildID          string // where the interaction happened
	channelID        string
}

type routeBucket struct {
	remaining int
	reset     time.Time
}

type apiError struct {
	status  int
	code    int
	message string
}

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, apiPrefix)
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	now := time.Now()

	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notifyLocked()
	record := func(status int) {
		s.requests = append(s.requests, Request{Method: r.Method, Path: path, Status: status, Time: now})
	}

	exempt := strings.HasPrefix(path, "/interactions/") || strings.HasPrefix(path, "/webhooks/")
	if !exempt && r.Header.Get("Authorization") != "Bot "+s.opts.Token {
		record(http.StatusUnauthorized)
		writeError(w, apiError{http.StatusUnauthorized, 0, "401: Unauthorized"})
		return
	}
	// Injected faults come first: they stand for what Discord decides
	// whatever the client did.
	for _, f := range s.faults {
		if f.hits >= f.Times || (f.Method != "" && f.Method != r.Method) || !strings.HasPrefix(path, f.PathPrefix) {
			continue
		}
		f.hits++
		record(f.Status)
		if f.Status == http.StatusTooManyRequests {
			s.limited++
			if f.Global {
				s.globalLimit++
			}
			write429(w, f.RetryAfter, f.Global, "injected")
			return
		}
		writeError(w, apiError{f.Status, f.Code, f.Message})
		return
	}
	if !exempt && s.opts.GlobalRate > 0 {
		cut := now.Add(-time.Second)
		i := 0
		for i < len(s.window) && !s.window[i].After(cut) {
			i++
		}
		s.window = s.window[i:]
		if len(s.window) >= s.opts.GlobalRate {
			record(http.StatusTooManyRequests)
			s.limited++
			s.globalLimit++
			write429(w, s.window[0].Add(time.Second).Sub(now), true, "global")
			return
		}
		s.window = append(s.window, now)
	}
	if s.opts.RouteLimit > 0 {
		key := r.Method + " " + path
		b := s.routes[key]
		if b == nil || !now.Before(b.reset) {
			b = &routeBucket{remaining: s.opts.RouteLimit, reset: now.Add(s.opts.RouteWindow)}
			s.routes[key] = b
		}
		if b.remaining <= 0 {
			record(http.StatusTooManyRequests)
			s.limited++
			w.Header().Set("X-RateLimit-Limit", strconv.Itoa(s.opts.RouteLimit))
			write429(w, b.reset.Sub(now), false, "route")
			return
		}
		b.remaining--
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(s.opts.RouteLimit))
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(b.remaining))
		w.Header().Set("X-RateLimit-Reset-After", seconds(b.reset.Sub(now)))
		w.Header().Set("X-RateLimit-Bucket", fmt.Sprintf("%x", len(key)*2654435761))
	}

	status, resp, aerr := s.routeLocked(r, path, body, now)
	if aerr != nil {
		record(aerr.status)
		writeError(w, *aerr)
		return
	}
	record(status)
	if resp == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(resp)
}

func seconds(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

func write429(w http.ResponseWriter, retry time.Duration, global bool, scope string) {
	if retry < time.Millisecond {
		retry = time.Millisecond
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Retry-After", strconv.Itoa(int((retry+time.Second-1)/time.Second)))
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset-After", seconds(retry))
	if global {
		h.Set("X-RateLimit-Global", "true")
		h.Set("X-RateLimit-Scope", "global")
	} else {
		h.Set("X-RateLimit-Scope", "user")
		h.Set("X-RateLimit-Bucket", scope)
	}
	w.WriteHeader(http.StatusTooManyRequests)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"message":     "You are being rate limited.",
		"retry_after": retry.Seconds(),
		"global":      global,
	})
}

func writeError(w http.ResponseWriter, e apiError) {
	msg := e.message
	if msg == "" {
		msg = http.StatusText(e.status)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]any{"message": msg, "code": e.code})
}

func badForm(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, 50035, "Invalid Form Body: " + fmt.Sprintf(format, args...)}
}

var notFound = &apiError{http.StatusNotFound, 0, "404: Not Found"}

// routeLocked serves one REST request; s.mu is held.
func (s *Server) routeLocked(r *http.Request, path string, body []byte, now time.Time) (int, any, *apiError) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case r.Method == http.MethodGet && path == "/gateway":
		return 200, map[string]any{"url": s.wsURL}, nil
	case r.Method == http.MethodGet && path == "/gateway/bot":
		return 200, map[string]any{
			"url":    s.wsURL,
			"shards": s.opts.Shards,
			"session_start_limit": map[string]any{
				"total": 1000, "remaining": 999, "reset_after": 86400000, "max_concurrency": s.opts.MaxConcurrency,
			},
		}, nil
	case r.Method == http.MethodGet && path == "/users/@me":
		return 200, User{ID: s.opts.BotID, Username: s.opts.BotName, Bot: true}.payload(), nil
	case r.Method == http.MethodPost && path == "/users/@me/channels":
		var req struct {
			RecipientID string `json:"recipient_id"`
		}
		if json.Unmarshal(body, &req) != nil || req.RecipientID == "" {
			return 0, nil, badForm("recipient_id is required")
		}
		s.dmCreates++
		ch := s.dmChannelLocked(req.RecipientID)
		return 200, map[string]any{
			"id": ch, "type": 1, "last_message_id": nil,
			"recipients": []any{User{ID: req.RecipientID, Username: "user" + req.RecipientID}.payload()},
		}, nil
	case len(parts) == 3 && parts[0] == "channels" && parts[2] == "messages" && r.Method == http.MethodPost:
		return s.createMessageLocked(parts[1], body, now)
	case len(parts) == 4 && parts[0] == "channels" && parts[2] == "messages" && r.Method == http.MethodPatch:
		return s.editMessageLocked(parts[1], parts[3], body, now)
	case len(parts) == 4 && parts[0] == "interactions" && parts[3] == "callback" && r.Method == http.MethodPost:
		return s.callbackLocked(parts[1], parts[2], body, now)
	case len(parts) == 3 && parts[0] == "webhooks" && r.Method == http.MethodPost:
		return s.followupLocked(parts[1], parts[2], r.URL.Query().Get("wait") == "true", body, now)
	case len(parts) >= 3 && parts[0] == "webhooks" && r.Method == http.MethodPatch:
		// Edits of the original response or of a follow-up: accepted.
		if s.byToken[parts[2]] == nil {
			return 0, nil, &apiError{http.StatusNotFound, 10015, "Unknown Webhook"}
		}
		return 200, map[string]any{"id": s.newIDLocked(), "content": ""}, nil
	case len(parts) == 3 && parts[0] == "applications" && parts[2] == "commands" && r.Method == http.MethodPut:
		return s.putCommandsLocked(parts[1], "", body)
	case len(parts) == 5 && parts[0] == "applications" && parts[2] == "guilds" && parts[4] == "commands" && r.Method == http.MethodPut:
		return s.putCommandsLocked(parts[1], parts[3], body)
	}
	return 0, nil, notFound
}

// messagePayload is what the bot sends to create or edit a message.
type messagePayload struct {
	Content         *string          `json:"content"`
	Components      *[]Component     `json:"components"`
	Flags           int              `json:"flags"`
	AllowedMentions *AllowedMentions `json:"allowed_mentions"`
}

func (s *Server) createMessageLocked(channelID string, body []byte, now time.Time) (int, any, *apiError) {
	var p messagePayload
	if err := json.Unmarshal(body, &p); err != nil {
		return 0, nil, badForm("%v", err)
	}
	content := ""
	if p.Content != nil {
		content = *p.Content
	}
	var comps []Component
	if p.Components != nil {
		comps = *p.Components
	}
	if content == "" && len(comps) == 0 {
		return 0, nil, &apiError{http.StatusBadRequest, 50006, "Cannot send an empty message"}
	}
	if err := checkMessage(content, comps); err != nil {
		return 0, nil, err
	}
	if user, ok := s.userByDM[channelID]; ok && s.closedDMs[user] {
		return 0, nil, &apiError{http.StatusForbidden, 50007, "Cannot send messages to this user"}
	}
	m := &Message{
		ID: s.newIDLocked(), ChannelID: channelID, Content: content, Components: comps,
		Flags: p.Flags, AllowedMentions: p.AllowedMentions, Created: now,
	}
	s.messages = append(s.messages, m)
	s.msgByID[m.ID] = m
	return 200, s.messageJSONLocked(m), nil
}

func (s *Server) editMessageLocked(channelID, messageID string, body []byte, now time.Time) (int, any, *apiError) {
	m := s.msgByID[messageID]
	if m == nil || m.ChannelID != channelID {
		return 0, nil, &apiError{http.StatusNotFound, 10008, "Unknown Message"}
	}
	var p messagePayload
	if err := json.Unmarshal(body, &p); err != nil {
		return 0, nil, badForm("%v", err)
	}
	content, comps := m.Content, m.Components
	if p.Content != nil {
		content = *p.Content
	}
	if p.Components != nil {
		comps = *p.Components
	}
	if err := checkMessage(content, comps); err != nil {
		return 0, nil, err
	}
	m.Content, m.Components = content, comps
	m.Edits++
	e := Edit{ChannelID: channelID, MessageID: messageID, Content: p.Content, Time: now}
	if p.Components != nil {
		e.Components = *p.Components
	}
	s.edits = append(s.edits, e)
	return 200, s.messageJSONLocked(m), nil
}

func (s *Server) messageJSONLocked(m *Message) map[string]any {
	comps := m.Components
	if comps == nil {
		comps = []Component{}
	}
	return map[string]any{
		"id": m.ID, "channel_id": m.ChannelID, "content": m.Content, "type": 0,
		"timestamp":  m.Created.UTC().Format(time.RFC3339Nano),
		"author":     User{ID: s.opts.BotID, Username: s.opts.BotName, Bot: true}.payload(),
		"components": comps, "flags": m.Flags, "embeds": []any{}, "attachments": []any{},
		"mentions": []any{}, "mention_roles": []any{}, "pinned": false, "tts": false, "mention_everyone": false,
	}
}

// checkMessage applies Discord's limits on content and components.
func checkMessage(content string, comps []Component) *apiError {
	if n := len([]rune(content)); n > 2000 {
		return badForm("content: must be 2000 or fewer in length (%d)", n)
	}
	if len(comps) > 5 {
		return badForm("components: must be 5 or fewer in length (%d)", len(comps))
	}
	ids := map[string]bool{}
	for i, row := range comps {
		if row.Type != ActionRow {
			return badForm("components.%d: top-level components must be action rows", i)
		}
		if len(row.Components) == 0 || len(row.Components) > 5 {
			return badForm("components.%d.components: must hold 1 to 5 components (%d)", i, len(row.Components))
		}
		for j, c := range row.Components {
			switch c.Type {
			case Button:
				if len([]rune(c.Label)) > 80 {
					return badForm("components.%d.components.%d.label: must be 80 or fewer in length", i, j)
				}
				if c.URL == "" && c.CustomID == "" {
					return badForm("components.%d.components.%d.custom_id: required", i, j)
				}
			case SelectMenu:
				if len(row.Components) != 1 {
					return badForm("components.%d: a select menu must be alone in its action row", i)
				}
				if len(c.Options) == 0 || len(c.Options) > 25 {
					return badForm("components.%d.components.%d.options: must hold 1 to 25 options (%d)", i, j, len(c.Options))
				}
				vals := map[string]bool{}
				for k, o := range c.Options {
					if len([]rune(o.Label)) > 100 || len([]rune(o.Value)) > 100 || o.Label == "" || o.Value == "" {
						return badForm("components.%d.components.%d.options.%d: label and value must be 1 to 100 characters", i, j, k)
					}
					if vals[o.Value] {
						return badForm("components.%d.components.%d.options.%d.value: duplicate", i, j, k)
					}
					vals[o.Value] = true
				}
			default:
				return badForm("components.%d.components.%d: unsupported type %d", i, j, c.Type)
			}
			if c.CustomID != "" {
				if len(c.CustomID) > 100 {
					return badForm("components.%d.components.%d.custom_id: must be 100 or fewer in length", i, j)
				}
				if ids[c.CustomID] {
					return badForm("components.%d.components.%d.custom_id: duplicate %q", i, j, c.CustomID)
				}
				ids[c.CustomID] = true
			}
		}
	}
	return nil
}

func (s *Server) callbackLocked(id, token string, body []byte, now time.Time) (int, any, *apiError) {
	it := s.interactions[id]
	if it == nil || it.token != token {
		return 0, nil, &apiError{http.StatusNotFound, 10062, "Unknown interaction"}
	}
	var p struct {
		Type int             `json:"type"`
		Data *messagePayload `json:"data"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return 0, nil, badForm("%v", err)
	}
	cb := Callback{InteractionID: id, Type: p.Type, Latency: now.Sub(it.created)}
	if p.Data != nil {
		if p.Data.Content != nil {
			cb.Content = *p.Data.Content
		}
		if p.Data.Components != nil {
			cb.Components = *p.Data.Components
			cb.HasComponents = true
		}
		cb.Flags = p.Data.Flags
	}
	fail := func(e *apiError) (int, any, *apiError) {
		cb.Status = e.status
		s.callbacks = append(s.callbacks, cb)
		return 0, nil, e
	}
	switch {
	case it.acked:
		return fail(&apiError{http.StatusBadRequest, 40060, "Interaction has already been acknowledged."})
	case now.Sub(it.created) > s.opts.InteractionTimeout:
		return fail(&apiError{http.StatusNotFound, 10062, "Unknown interaction"})
	}
	switch p.Type {
	case 4, 5, 6:
	case 7:
		m := s.msgByID[it.messageID]
		if m == nil {
			return fail(&apiError{http.StatusBadRequest, 50035, "Invalid Form Body: no message to update"})
		}
		content, comps := m.Content, m.Components
		if p.Data != nil && p.Data.Content != nil {
			content = *p.Data.Content
		}
		if p.Data != nil && p.Data.Components != nil {
			comps = *p.Data.Components
		}
		if err := checkMessage(content, comps); err != nil {
			return fail(err)
		}
		m.Content, m.Components = content, comps
		m.Edits++
	default:
		return fail(badForm("type: unsupported interaction response type %d", p.Type))
	}
	if p.Type == 4 && p.Data != nil {
		if err := checkMessage(cb.Content, cb.Components); err != nil {
			return fail(err)
		}
	}
	it.acked, it.ackType = true, p.Type
	cb.Status = http.StatusNoContent
	s.callbacks = append(s.callbacks, cb)
	return http.StatusNoContent, nil, nil
}

func (s *Server) followupLocked(appID, token string, wait bool, body []byte, now time.Time) (int, any, *apiError) {
	it := s.byToken[token]
	if it == nil || appID != s.opts.AppID {
		return 0, nil, &apiError{http.StatusNotFound, 10015, "Unknown Webhook"}
	}
	if !it.acked {
		return 0, nil, &apiError{http.StatusBadRequest, 40062, "Interaction has not been acknowledged"}
	}
	var p messagePayload
	if err := json.Unmarshal(body, &p); err != nil {
		return 0, nil, badForm("%v", err)
	}
	f := Followup{InteractionID: it.id, ID: s.newIDLocked(), Flags: p.Flags, Time: now}
	if p.Content != nil {
		f.Content = *p.Content
	}
	if p.Components != nil {
		f.Components = *p.Components
	}
	if f.Content == "" && len(f.Components) == 0 {
		return 0, nil, &apiError{http.StatusBadRequest, 50006, "Cannot send an empty message"}
	}
	if err := checkMessage(f.Content, f.Components); err != nil {
		return 0, nil, err
	}
	s.followups = append(s.followups, f)
	// A follow-up with components can be clicked: keep it as a message.
	m := &Message{ID: f.ID, ChannelID: it.channelID, GuildID: it.guildID, Content: f.Content, Components: f.Components, Flags: f.Flags, Created: now}
	s.msgByID[m.ID] = m
	if !wait {
		return http.StatusNoContent, nil, nil
	}
	return 200, s.messageJSONLocked(m), nil
}

func (s *Server) putCommandsLocked(appID, guildID string, body []byte) (int, any, *apiError) {
	if appID != s.opts.AppID {
		return 0, nil, &apiError{http.StatusForbidden, 50001, "Missing Access"}
	}
	var cmds []Command
	if err := json.Unmarshal(body, &cmds); err != nil {
		return 0, nil, badForm("%v", err)
	}
	names := map[string]bool{}
	out := make([]map[string]any, 0, len(cmds))
	for i, c := range cmds {
		if c.Name == "" || len(c.Name) > 32 || strings.ToLower(c.Name) != c.Name || strings.ContainsAny(c.Name, " /") {
			return 0, nil, badForm("%d.name: invalid %q", i, c.Name)
		}
		if c.Description == "" || len([]rune(c.Description)) > 100 {
			return 0, nil, badForm("%d.description: must be 1 to 100 characters", i)
		}
		if names[c.Name] {
			return 0, nil, badForm("%d.name: duplicate %q", i, c.Name)
		}
		names[c.Name] = true
		for j, o := range c.Options {
			if o.Description == "" || len([]rune(o.Description)) > 100 {
				return 0, nil, badForm("%d.options.%d.description: must be 1 to 100 characters", i, j)
			}
		}
		cmd := map[string]any{
			"id": s.newIDLocked(), "application_id": appID, "name": c.Name, "description": c.Description,
			"type": 1, "version": s.newIDLocked(), "options": c.Options,
		}
		if guildID != "" {
			cmd["guild_id"] = guildID
		}
		out = append(out, cmd)
	}
	s.commandPuts = append(s.commandPuts, CommandPut{GuildID: guildID, Commands: cmds})
	return 200, out, nil
}

// ---------------------------------------------------------------------------
// Events a user causes.

// SendDM dispatches a MESSAGE_CREATE of a DM from user to the bot and
// returns the message id.
func (s *Server) SendDM(user User, content string) (string, error) {
	s.mu.Lock()
	ch := s.dmChannelLocked(user.ID)
	id := s.newIDLocked()
	s.mu.Unlock()
	return id, s.Dispatch(0, "MESSAGE_CREATE", messageCreate(id, ch, "", user, content))
}

// SendGuildMessage dispatches a MESSAGE_CREATE in a guild channel and
// returns the message id.
func (s *Server) SendGuildMessage(user User, guildID, channelID, content string) (string, error) {
	id := s.NewID()
	return id, s.Dispatch(s.ShardFor(guildID), "MESSAGE_CREATE", messageCreate(id, channelID, guildID, user, content))
}

func messageCreate(id, channelID, guildID string, user User, content string) map[string]any {
	m := map[string]any{
		"id": id, "channel_id": channelID, "content": content, "type": 0,
		"timestamp": time.Now().UTC().Format(time.RFC3339Nano),
		"author":    user.payload(), "mentions": []any{}, "mention_roles": []any{}, "attachments": []any{},
		"embeds": []any{}, "pinned": false, "tts": false, "mention_everyone": false,
	}
	if guildID != "" {
		m["guild_id"] = guildID
		m["member"] = map[string]any{"roles": []any{}, "joined_at": "2024-01-01T00:00:00Z"}
	}
	return m
}

// ShardFor returns the shard that receives a guild's events: (guild_id >>
// 22) % shard count; DMs (guildID "") go to shard 0.
func (s *Server) ShardFor(guildID string) int {
	if guildID == "" {
		return 0
	}
	id, err := strconv.ParseUint(guildID, 10, 64)
	if err != nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return int((id >> 22) % uint64(s.shardCount))
}

func (s *Server) newInteractionLocked(messageID, guildID, channelID string) *interactionState {
	it := &interactionState{
		id: s.newIDLocked(), token: "itoken-" + s.newIDLocked(), appID: s.opts.AppID,
		messageID: messageID, guildID: guildID, channelID: channelID,
	}
	s.interactions[it.id] = it
	s.byToken[it.token] = it
	return it
}

func (s *Server) interactionPayload(it *interactionState, typ int, user User, guildID, channelID string, data any) map[string]any {
	p := map[string]any{
		"id": it.id, "application_id": it.appID, "type": typ, "token": it.token, "version": 1,
		"channel_id": channelID, "data": data, "locale": "en-US", "app_permissions": "0",
	}
	if guildID != "" {
		p["guild_id"] = guildID
		p["member"] = map[string]any{"user": user.payload(), "roles": []any{}, "joined_at": "2024-01-01T00:00:00Z", "permissions": "0"}
		p["context"] = 0
	} else {
		p["user"] = user.payload()
		p["context"] = 1
	}
	return p
}

// Click dispatches an INTERACTION_CREATE for a click on the button with
// customID in message messageID (a message the bot created), and returns the
// interaction id.
func (s *Server) Click(user User, messageID, customID string) (string, error) {
	return s.component(user, messageID, customID, Button, nil)
}

// Select dispatches an INTERACTION_CREATE for values picked in the select
// menu customID of message messageID, and returns the interaction id.
func (s *Server) Select(user User, messageID, customID string, values ...string) (string, error) {
	return s.component(user, messageID, customID, SelectMenu, values)
}

func (s *Server) component(user User, messageID, customID string, kind int, values []string) (string, error) {
	s.mu.Lock()
	m := s.msgByID[messageID]
	if m == nil {
		s.mu.Unlock()
		return "", fmt.Errorf("fakediscord: no message %s", messageID)
	}
	var found *Component
	for _, c := range append(Buttons(m.Components), Selects(m.Components)...) {
		if c.CustomID == customID {
			c := c
			found = &c
		}
	}
	if found == nil || found.Type != kind {
		s.mu.Unlock()
		return "", fmt.Errorf("fakediscord: message %s has no component %q of type %d", messageID, customID, kind)
	}
	if found.Disabled {
		// Discord's client does not let a disabled component be used.
		s.mu.Unlock()
		return "", fmt.Errorf("fakediscord: component %q of message %s is disabled", customID, messageID)
	}
	it := s.newInteractionLocked(messageID, m.GuildID, m.ChannelID)
	msg := s.messageJSONLocked(m)
	s.mu.Unlock()
	data := map[string]any{"custom_id": customID, "component_type": kind}
	if kind == SelectMenu {
		data["values"] = values
	}
	p := s.interactionPayload(it, 3, user, it.guildID, it.channelID, data)
	p["message"] = msg
	return it.id, s.dispatchInteraction(s.ShardFor(it.guildID), it, p)
}

// Slash dispatches an INTERACTION_CREATE for the slash command name with
// string options, in guildID's channelID (guildID "" for the DM, whose
// channel is then the user's DM channel), and returns the interaction id.
func (s *Server) Slash(user User, guildID, channelID, name string, options map[string]string) (string, error) {
	s.mu.Lock()
	if guildID == "" {
		channelID = s.dmChannelLocked(user.ID)
	}
	it := s.newInteractionLocked("", guildID, channelID)
	cmdID := s.newIDLocked()
	s.mu.Unlock()
	opts := []map[string]any{}
	for k, v := range options {
		opts = append(opts, map[string]any{"name": k, "type": 3, "value": v})
	}
	data := map[string]any{"id": cmdID, "name": name, "type": 1, "options": opts}
	p := s.interactionPayload(it, 2, user, guildID, channelID, data)
	return it.id, s.dispatchInteraction(s.ShardFor(guildID), it, p)
}

func (s *Server) dispatchInteraction(shard int, it *interactionState, p map[string]any) error {
	s.mu.Lock()
	it.created = time.Now()
	s.mu.Unlock()
	return s.Dispatch(shard, "INTERACTION_CREATE", p)
}

// ---------------------------------------------------------------------------
// Helpers for URLs.

// RewriteTransport returns a RoundTripper that sends every request to the
// fake, keeping its path: the same trick a rate-limit proxy needs.
func (s *Server) RewriteTransport() http.RoundTripper {
	u, _ := url.Parse(s.URL)
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host, r.Host = u.Scheme, u.Host, u.Host
		return http.DefaultTransport.RoundTrip(r)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
