package fakeslack

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const verificationToken = "fake-verification-token"

// MessageEvent is a user's message in a channel (a DM when channel starts
// with D), as an events_api envelope. The text is what the user typed;
// like Slack, the event carries it with &, < and > as entities.
func (s *Server) MessageEvent(user, channel, text string) Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.nextTS()
	return s.eventLocked(obj{"type": "message", "user": user, "text": Escape(text), "ts": ts, "event_ts": ts,
		"channel": channel, "channel_type": channelType(channel), "team": s.opts.TeamID,
		"client_msg_id": fmt.Sprintf("c%08d", s.nextID())})
}

// BotMessageEvent is a message posted by another bot or integration
// (subtype bot_message, with its bot_id).
func (s *Server) BotMessageEvent(channel, botID, text string) Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.nextTS()
	return s.eventLocked(obj{"type": "message", "subtype": "bot_message", "bot_id": botID, "text": text,
		"ts": ts, "event_ts": ts, "channel": channel, "channel_type": channelType(channel)})
}

// EditEvent is a user editing a message (subtype message_changed).
func (s *Server) EditEvent(user, channel, text string) Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts, orig := s.nextTS(), s.nextTS()
	return s.eventLocked(obj{"type": "message", "subtype": "message_changed", "hidden": true, "ts": ts, "event_ts": ts,
		"channel": channel, "channel_type": channelType(channel),
		"message":          obj{"type": "message", "user": user, "text": text, "ts": orig, "edited": obj{"user": user, "ts": ts}},
		"previous_message": obj{"type": "message", "user": user, "text": "before", "ts": orig}})
}

// AppHomeOpened is a user opening the app's Home tab.
func (s *Server) AppHomeOpened(user string) Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.nextTS()
	return s.eventLocked(obj{"type": "app_home_opened", "user": user, "channel": s.DM(user), "tab": "home", "event_ts": ts})
}

// Event wraps any inner event in an events_api envelope.
func (s *Server) Event(inner map[string]any) Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.eventLocked(inner)
}

// eventLocked wraps an inner event; s.mu is held.
func (s *Server) eventLocked(inner obj) Envelope {
	n := s.nextID()
	eventID := fmt.Sprintf("Ev%08d", n)
	payload, _ := json.Marshal(obj{
		"token": verificationToken, "team_id": s.opts.TeamID, "api_app_id": s.opts.AppID,
		"event": inner, "type": "event_callback", "event_id": eventID, "event_time": time.Now().Unix(),
		"authorizations": []obj{{"enterprise_id": nil, "team_id": s.opts.TeamID, "user_id": s.opts.BotUserID,
			"is_bot": true, "is_enterprise_install": false}},
		"is_ext_shared_channel": false,
	})
	return Envelope{Type: "events_api", EnvelopeID: fmt.Sprintf("env-%08d", n), EventID: eventID, Payload: payload}
}

// Click is a user clicking the button of a posted message whose label
// (case aside) or value is button, as an interactive (block_actions) envelope. It fails
// when the message or the button is not there (a message already answered
// has no buttons: use ClickBlocks to click an old copy).
func (s *Server) Click(user, channel, ts, button string) (Envelope, error) {
	s.mu.Lock()
	m := s.find(channel, ts)
	if m == nil {
		s.mu.Unlock()
		return Envelope{}, fmt.Errorf("fakeslack: no message %s in %s", ts, channel)
	}
	msg := *m
	s.mu.Unlock()
	return s.ClickBlocks(user, msg, button)
}

// ClickBlocks is a click on a button of msg as given (for example a copy
// taken before the message was updated, as a stale client would show it).
func (s *Server) ClickBlocks(user string, msg Message, button string) (Envelope, error) {
	var b *Button
	for _, x := range msg.Buttons() {
		if x.Label == button || x.Value == button || strings.EqualFold(x.Label, button) {
			b = &x
			break
		}
	}
	if b == nil {
		return Envelope{}, fmt.Errorf("fakeslack: no button %q in message %s", button, msg.TS)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nextID()
	actionTS := fmt.Sprintf("%d.%06d", time.Now().Unix(), n%1000000)
	payload, _ := json.Marshal(obj{
		"type":                  "block_actions",
		"user":                  obj{"id": user, "username": user, "name": user, "team_id": s.opts.TeamID},
		"api_app_id":            s.opts.AppID,
		"token":                 verificationToken,
		"container":             obj{"type": "message", "message_ts": msg.TS, "channel_id": msg.Channel, "is_ephemeral": false},
		"trigger_id":            fmt.Sprintf("%d.trigger%d", n, n),
		"team":                  obj{"id": s.opts.TeamID, "domain": "fake"},
		"enterprise":            nil,
		"is_enterprise_install": false,
		"channel":               obj{"id": msg.Channel, "name": channelName(msg.Channel)},
		"message": obj{"type": "message", "user": s.opts.BotUserID, "bot_id": s.opts.BotID, "text": msg.Text,
			"ts": msg.TS, "team": s.opts.TeamID, "blocks": msg.Blocks},
		"state":        obj{"values": obj{}},
		"response_url": fmt.Sprintf("%s/response/%d?user=%s&channel=%s", s.URL, n, user, msg.Channel),
		"actions": []obj{{"action_id": b.ActionID, "block_id": b.BlockID, "type": "button", "value": b.Value,
			"text": obj{"type": "plain_text", "text": b.Label, "emoji": true}, "action_ts": actionTS}},
	})
	return Envelope{Type: "interactive", EnvelopeID: fmt.Sprintf("env-%08d", n), Payload: payload}, nil
}

// SlashCommand is a user typing a slash command (e.g. "/peerbot", "pause
// for 3 days") in channel, as a slash_commands envelope. Its response_url
// points at the fake.
func (s *Server) SlashCommand(user, channel, command, text string) Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nextID()
	payload, _ := json.Marshal(map[string]string{
		"token": verificationToken, "team_id": s.opts.TeamID, "team_domain": "fake",
		"channel_id": channel, "channel_name": channelName(channel), "user_id": user, "user_name": user,
		"command": command, "text": text, "api_app_id": s.opts.AppID, "is_enterprise_install": "false",
		"response_url": fmt.Sprintf("%s/response/%d?user=%s&channel=%s", s.URL, n, user, channel),
		"trigger_id":   fmt.Sprintf("%d.trigger%d", n, n),
	})
	return Envelope{Type: "slash_commands", EnvelopeID: fmt.Sprintf("env-%08d", n), Payload: payload}
}

// URLVerification is the challenge Slack sends when the events URL is
// configured (HTTP only).
func (s *Server) URLVerification(challenge string) Envelope {
	payload, _ := json.Marshal(obj{"token": verificationToken, "challenge": challenge, "type": "url_verification"})
	return Envelope{Type: "url_verification", Payload: payload}
}

// Escape writes text as Slack does in message payloads: &, < and > as
// entities (Slack's own markup, such as <@U123>, is left to the caller).
func Escape(text string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(text)
}

func channelName(channel string) string {
	if strings.HasPrefix(channel, "D") {
		return "directmessage"
	}
	return "peer-support"
}

// HTTPOption changes how DeliverHTTP sends a request.
type HTTPOption func(*httpOptions)

type httpOptions struct {
	secret string
	now    time.Time
	retry  int
	noSign bool
}

// WithSecret signs with another secret (a forged request).
func WithSecret(secret string) HTTPOption { return func(o *httpOptions) { o.secret = secret } }

// WithTimestamp signs with another time (a stale or replayed request).
func WithTimestamp(t time.Time) HTTPOption { return func(o *httpOptions) { o.now = t } }

// WithRetry marks the request as Slack's n-th retry (X-Slack-Retry-Num).
func WithRetry(n int) HTTPOption { return func(o *httpOptions) { o.retry = n } }

// Unsigned sends no signature headers.
func Unsigned() HTTPOption { return func(o *httpOptions) { o.noSign = true } }

// HTTPResponse is what the app answered.
type HTTPResponse struct {
	Status int
	Body   string
	Took   time.Duration
}

// DeliverHTTP sends an envelope's payload to an HTTP-mode app at baseURL,
// as Slack does: events (and url_verification) as JSON to /slack/events,
// interactions as the form field payload to /slack/interactions, slash
// commands as form fields to /slack/commands; signed with the signing
// secret and the current time unless opts say otherwise.
func (s *Server) DeliverHTTP(baseURL string, env Envelope, opts ...HTTPOption) (HTTPResponse, error) {
	o := httpOptions{secret: s.opts.SigningSecret, now: time.Now()}
	for _, f := range opts {
		f(&o)
	}
	var path, ctype string
	var body []byte
	switch env.Type {
	case "events_api", "url_verification":
		path, ctype, body = "/slack/events", "application/json", env.Payload
	case "interactive":
		path, ctype = "/slack/interactions", "application/x-www-form-urlencoded"
		body = []byte(url.Values{"payload": {string(env.Payload)}}.Encode())
	case "slash_commands":
		var fields map[string]string
		if err := json.Unmarshal(env.Payload, &fields); err != nil {
			return HTTPResponse{}, err
		}
		form := url.Values{}
		for k, v := range fields {
			form.Set(k, v)
		}
		path, ctype, body = "/slack/commands", "application/x-www-form-urlencoded", []byte(form.Encode())
	default:
		return HTTPResponse{}, fmt.Errorf("fakeslack: cannot deliver %q over HTTP", env.Type)
	}
	req, err := http.NewRequest(http.MethodPost, strings.TrimSuffix(baseURL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return HTTPResponse{}, err
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	if !o.noSign {
		SignRequest(req.Header, body, o.secret, o.now)
	}
	if o.retry > 0 {
		req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(o.retry))
		req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	}
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return HTTPResponse{}, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return HTTPResponse{Status: res.StatusCode, Body: string(b), Took: time.Since(start)}, nil
}

// SignRequest sets Slack's v0 signature headers for body.
func SignRequest(h http.Header, body []byte, secret string, at time.Time) {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", ts)
	mac.Write(body)
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
}
