package fakediscord

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

const wait = 10 * time.Second

// rest sends one REST request to the fake with the bot's token.
func rest(t *testing.T, s *Server, method, path string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	code, h, out, err := request(s, method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	return code, h, out
}

func request(s *Server, method, path string, body any) (int, http.Header, map[string]any, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.URL+"/api/v9"+path, r)
	req.Header.Set("Authorization", "Bot "+DefaultToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header, out, nil
}

// The real discordgo client connects: gateway discovery through a
// rewriting transport, HELLO, IDENTIFY, READY, heartbeats ACKed, and a
// dispatch reaches its handler.
func TestDiscordgoConnects(t *testing.T) {
	s := New(Options{HeartbeatInterval: 50 * time.Millisecond, Shards: 3})
	defer s.Close()
	dg, _ := discordgo.New("Bot " + DefaultToken)
	dg.Client = &http.Client{Transport: s.RewriteTransport()}
	dg.LogLevel = -1
	got := make(chan string, 1)
	dg.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { got <- m.Content })
	gb, err := dg.GatewayBot()
	if err != nil || gb.Shards != 3 || gb.SessionStartLimit.MaxConcurrency != 16 || !strings.HasPrefix(gb.URL, "ws://") {
		t.Fatalf("GatewayBot = %+v, %v", gb, err)
	}
	opened := time.Now().UTC()
	if err := dg.Open(); err != nil {
		t.Fatal(err)
	}
	defer dg.Close()
	if dg.State.User == nil || dg.State.User.ID != DefaultBotID || dg.State.Application.ID != DefaultAppID {
		t.Errorf("READY user %+v application %+v", dg.State.User, dg.State.Application)
	}
	ids := s.Identifies()
	if len(ids) != 1 || ids[0].Token != "Bot "+DefaultToken || ids[0].Shard != nil {
		t.Errorf("identifies = %+v", ids)
	}
	if !s.Await(wait, func() bool {
		dg.RLock()
		defer dg.RUnlock()
		return dg.LastHeartbeatAck.After(opened.Add(60 * time.Millisecond))
	}) {
		t.Error("no heartbeat ACK")
	}
	if _, err := s.SendDM(User{ID: "1", Username: "u"}, "hello"); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-got:
		if c != "hello" {
			t.Errorf("content = %q", c)
		}
	case <-time.After(wait):
		t.Fatal("no MESSAGE_CREATE")
	}
}

// The global limit: at most GlobalRate requests in any second, the rest
// answered with a global 429 whose JSON body has retry_after; interaction
// callbacks are exempt.
func TestGlobalRateLimit(t *testing.T) {
	s := New(Options{GlobalRate: 10})
	defer s.Close()
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	var retry []any
	for range 15 {
		wg.Go(func() {
			code, h, body, err := request(s, "GET", "/gateway", nil)
			mu.Lock()
			defer mu.Unlock()
			statuses[code]++
			if err != nil {
				t.Error(err)
			}
			if code == 429 {
				if h.Get("X-RateLimit-Global") != "true" || h.Get("X-RateLimit-Reset-After") == "" {
					t.Errorf("429 headers = %v", h)
				}
				retry = append(retry, body["retry_after"])
			}
		})
	}
	wg.Wait()
	if statuses[200] != 10 || statuses[429] != 5 {
		t.Errorf("statuses = %v, want 10 OK and 5 429s", statuses)
	}
	for _, r := range retry {
		if f, ok := r.(float64); !ok || f <= 0 || f > 1 {
			t.Errorf("retry_after = %v", r)
		}
	}
	if total, global := s.RateLimited(); total != 5 || global != 5 {
		t.Errorf("RateLimited = %d, %d", total, global)
	}
	// Exempt: a callback is answered (here: unknown interaction), not limited.
	if code, _, body := rest(t, s, "POST", "/interactions/1/x/callback", map[string]any{"type": 6}); code != 404 || body["code"] != float64(10062) {
		t.Errorf("callback = %d %v", code, body)
	}
}

// Discord's checks on messages, closed DMs, and injected faults.
func TestRESTChecksAndFaults(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	button := func(id string) map[string]any {
		return map[string]any{"type": 2, "label": "L", "style": 1, "custom_id": id}
	}
	row := func(cs ...map[string]any) map[string]any { return map[string]any{"type": 1, "components": cs} }
	code, _, dm := rest(t, s, "POST", "/users/@me/channels", map[string]any{"recipient_id": "42"})
	ch, _ := dm["id"].(string)
	if code != 200 || ch == "" || s.UserChannelCreates() != 1 || s.DMChannel("42") != ch {
		t.Fatalf("DM channel = %d %v", code, dm)
	}
	tests := []struct {
		name string
		body map[string]any
		code int
		json float64
	}{
		{name: "plain", body: map[string]any{"content": "hi"}, code: 200},
		{name: "empty", body: map[string]any{"content": ""}, code: 400, json: 50006},
		{name: "too long", body: map[string]any{"content": strings.Repeat("x", 2001)}, code: 400, json: 50035},
		{name: "six buttons in a row", body: map[string]any{"content": "q", "components": []any{row(button("a"), button("b"), button("c"), button("d"), button("e"), button("f"))}}, code: 400, json: 50035},
		{name: "duplicate custom ids", body: map[string]any{"content": "q", "components": []any{row(button("a"), button("a"))}}, code: 400, json: 50035},
		{name: "buttons", body: map[string]any{"content": "q", "components": []any{row(button("a"), button("b"))}}, code: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, body := rest(t, s, "POST", "/channels/"+ch+"/messages", tc.body)
			if code != tc.code || (tc.json != 0 && body["code"] != tc.json) {
				t.Errorf("= %d %v, want %d code %v", code, body, tc.code, tc.json)
			}
		})
	}
	s.SetDMsClosed("42", true)
	if code, _, body := rest(t, s, "POST", "/channels/"+ch+"/messages", map[string]any{"content": "hi"}); code != 403 || body["code"] != float64(50007) {
		t.Errorf("closed DM = %d %v, want 403 50007", code, body)
	}
	s.Inject(Fault{Method: "POST", PathPrefix: "/channels/", RetryAfter: 1500 * time.Millisecond})
	code, h, body := rest(t, s, "POST", "/channels/7/messages", map[string]any{"content": "hi"})
	if code != 429 || body["retry_after"] != 1.5 || body["global"] != false || h.Get("Retry-After") != "2" || h.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("injected 429 = %d %v %v", code, body, h)
	}
	if s.PendingFaults() != 0 {
		t.Error("the fault was not used up")
	}
	if code, _, _ := rest(t, s, "POST", "/channels/7/messages", map[string]any{"content": "hi"}); code != 200 {
		t.Errorf("after the fault: %d", code)
	}
	req, _ := http.NewRequest("GET", s.URL+"/api/v9/gateway", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("no token: %v %v", resp, err)
	}
}

// rawClient is a bare gateway client for protocol checks.
type rawClient struct {
	t  *testing.T
	ws *websocket.Conn
}

func dial(t *testing.T, s *Server) *rawClient {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(s.GatewayURL()+"/?v=9&encoding=json", nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &rawClient{t: t, ws: ws}
	if f := c.read(); f.Op != opHello {
		t.Fatalf("first frame op %d, want HELLO", f.Op)
	}
	return c
}

func (c *rawClient) send(v any) {
	c.t.Helper()
	if err := c.ws.WriteJSON(v); err != nil {
		c.t.Fatal(err)
	}
}

type rawFrame struct {
	Op int             `json:"op"`
	S  int64           `json:"s"`
	T  string          `json:"t"`
	D  json.RawMessage `json:"d"`
}

func (c *rawClient) read() rawFrame {
	c.t.Helper()
	_ = c.ws.SetReadDeadline(time.Now().Add(wait))
	var f rawFrame
	if err := c.ws.ReadJSON(&f); err != nil {
		c.t.Fatal(err)
	}
	return f
}

// RESUME replays what the client missed, then RESUMED; a session closed
// with 1000 cannot be resumed (op 9).
func TestResume(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	c := dial(t, s)
	c.send(map[string]any{"op": 2, "d": map[string]any{"token": "Bot " + DefaultToken, "intents": 1}})
	ready := c.read()
	var r struct {
		SessionID string `json:"session_id"`
	}
	_ = json.Unmarshal(ready.D, &r)
	if ready.T != "READY" || ready.S != 1 || r.SessionID == "" {
		t.Fatalf("READY = %+v", ready)
	}
	_ = s.Dispatch(0, "MESSAGE_CREATE", map[string]any{"id": "a"})
	if f := c.read(); f.S != 2 || f.T != "MESSAGE_CREATE" {
		t.Fatalf("dispatch = %+v", f)
	}
	_ = s.LoseNext(0, 1)
	_ = s.Dispatch(0, "MESSAGE_CREATE", map[string]any{"id": "b"}) // lost: seq 3
	_ = c.ws.NetConn().Close()
	s.Await(wait, func() bool { return !s.Connected(0) })

	c = dial(t, s)
	c.send(map[string]any{"op": 6, "d": map[string]any{"token": "Bot " + DefaultToken, "session_id": r.SessionID, "seq": 2}})
	if f := c.read(); f.S != 3 || !strings.Contains(string(f.D), `"b"`) {
		t.Errorf("replayed = %+v", f)
	}
	if f := c.read(); f.T != "RESUMED" || f.S != 4 {
		t.Errorf("then %+v, want RESUMED", f)
	}
	if rs := s.Resumes(); len(rs) != 1 || !rs[0].OK || rs[0].Replayed != 1 {
		t.Errorf("resumes = %+v", rs)
	}
	// A duplicate delivery: same payload, next sequence number.
	_ = s.Redeliver(0, "a")
	if f := c.read(); f.S != 5 || !strings.Contains(string(f.D), `"a"`) {
		t.Errorf("redelivered = %+v", f)
	}
	// A heartbeat is ACKed.
	c.send(map[string]any{"op": 1, "d": 5})
	if f := c.read(); f.Op != opHeartbeatACK {
		t.Errorf("heartbeat answered with %+v", f)
	}
	// Closing with 1000 ends the session.
	_ = c.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""))
	s.Await(wait, func() bool { return !s.Connected(0) })
	c.ws.Close()
	c = dial(t, s)
	c.send(map[string]any{"op": 6, "d": map[string]any{"token": "Bot " + DefaultToken, "session_id": r.SessionID, "seq": 5}})
	if f := c.read(); f.Op != opInvalidSession {
		t.Errorf("resume of an ended session = %+v, want op 9", f)
	}
}

// Interaction callbacks: once each, within the window.
func TestInteractionCallbacks(t *testing.T) {
	s := New(Options{InteractionTimeout: time.Nanosecond})
	defer s.Close()
	c := dial(t, s)
	c.send(map[string]any{"op": 2, "d": map[string]any{"token": "Bot " + DefaultToken, "intents": 1}})
	c.read()
	iid, err := s.Slash(User{ID: "9", Username: "u"}, "", "", "resources", nil)
	if err != nil {
		t.Fatal(err)
	}
	f := c.read()
	var in struct {
		ID, Token string
	}
	_ = json.Unmarshal(f.D, &in)
	if f.T != "INTERACTION_CREATE" || in.ID != iid {
		t.Fatalf("dispatch = %+v", f)
	}
	code, _, body := rest(t, s, "POST", "/interactions/"+in.ID+"/"+in.Token+"/callback", map[string]any{"type": 5, "data": map[string]any{"flags": 64}})
	if code != 404 || body["code"] != float64(10062) {
		t.Errorf("late callback = %d %v, want 404 10062", code, body)
	}
	if cb := s.CallbacksFor(iid); len(cb) != 1 || cb[0].Status != 404 {
		t.Errorf("recorded = %+v", cb)
	}
}
