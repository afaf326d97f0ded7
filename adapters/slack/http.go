package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/url"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// maxBody caps a request from Slack; real ones are a few kB.
const maxBody = 1 << 20

// Handler returns the HTTP-mode endpoints: POST /slack/events (Events API,
// url_verification included), /slack/interactions (button clicks, form
// field payload) and /slack/commands (slash commands). Every request's
// signature is checked over its raw body with the signing secret; a
// missing or bad signature, or a timestamp more than five minutes off, gets
// 401 and nothing is processed. A good request gets 200 at once and its
// work is done after. Run serves this handler in HTTP mode; it can also be
// mounted on another server (the work still waits for Run's auth.test).
func (a *Adapter) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/slack/events", a.verified(a.serveEvents))
	mux.Handle("/slack/interactions", a.verified(a.serveInteractions))
	mux.Handle("/slack/commands", a.verified(a.serveCommands))
	return mux
}

// verified checks the request's signature before next sees its body.
func (a *Adapter) verified(next func(http.ResponseWriter, *http.Request, []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		if a.cfg.SigningSecret == "" {
			a.log.Warn("http request refused: no signing secret configured", "path", r.URL.Path)
			http.Error(w, "signature cannot be verified", http.StatusUnauthorized)
			return
		}
		sv, err := slackgo.NewSecretsVerifier(r.Header, a.cfg.SigningSecret)
		if err == nil {
			_, _ = sv.Write(body)
			err = sv.Ensure()
		}
		if err != nil {
			reason := "bad signature"
			if errors.Is(err, slackgo.ErrExpiredTimestamp) {
				reason = "timestamp too old"
			} else if errors.Is(err, slackgo.ErrMissingHeaders) {
				reason = "not signed"
			}
			a.log.Warn("http request refused", "path", r.URL.Path, "reason", reason)
			http.Error(w, "invalid request signature", http.StatusUnauthorized)
			return
		}
		next(w, r, body)
	})
}

func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request, body []byte) {
	var outer struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
	}
	if err := json.Unmarshal(body, &outer); err != nil {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	if outer.Type == slackevents.URLVerification {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, outer.Challenge)
		return
	}
	if n := r.Header.Get("X-Slack-Retry-Num"); n != "" {
		a.log.Debug("event retried by Slack", "retry", n, "reason", r.Header.Get("X-Slack-Retry-Reason"))
	}
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		a.log.Debug("event ignored", "type", outer.Type, "err", err)
		return
	}
	a.answerWhenSaved(w, func(rc *receipt) { a.onEvent(ev, rc) })
}

// answerWhenSaved answers Slack's request once the work queued by start
// has saved its effect, or at ackDeadline: a request left unanswered (the
// process died) is sent again by Slack.
func (a *Adapter) answerWhenSaved(w http.ResponseWriter, start func(*receipt)) {
	rc := a.newReceipt(nil)
	start(rc)
	<-rc.done
	w.WriteHeader(http.StatusOK)
}

func (a *Adapter) serveInteractions(w http.ResponseWriter, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		http.Error(w, "bad interaction", http.StatusBadRequest)
		return
	}
	var cb slackgo.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		http.Error(w, "bad interaction", http.StatusBadRequest)
		return
	}
	a.answerWhenSaved(w, func(rc *receipt) { a.onInteraction(cb, rc) })
}

func (a *Adapter) serveCommands(w http.ResponseWriter, r *http.Request, body []byte) {
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.Form, r2.PostForm = nil, nil
	cmd, err := slackgo.SlashCommandParse(r2)
	if err != nil {
		http.Error(w, "bad command", http.StatusBadRequest)
		return
	}
	// An empty 200 shows nothing; the reply follows (ephemeral or in the
	// DM).
	a.answerWhenSaved(w, func(rc *receipt) { a.onCommand(cmd, rc) })
}

// runHTTP serves Handler on HTTPAddr until ctx ends.
func (a *Adapter) runHTTP(ctx context.Context) error {
	if a.cfg.SharedServer {
		a.log.Info("slack http mode: served on the shared HTTP server", "addr", a.cfg.HTTPAddr)
		<-ctx.Done()
		return nil
	}
	ln, err := a.listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		return errors.New("slack: http mode: cannot listen on " + a.cfg.HTTPAddr + ": " + err.Error())
	}
	a.addr.Store(ln.Addr().String())
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(slogWriter{a.log}, "", 0),
	}
	a.log.Info("slack http mode listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return errors.New("slack: http mode: " + err.Error())
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	return nil
}
