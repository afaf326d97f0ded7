// Package slack connects peerbot to Slack with github.com/slack-go/slack.
//
// Two ways in, one way out. In Socket Mode (the default; bot token and
// app-level token) peerbot dials out to Slack over a websocket and needs no
// public URL. In HTTP mode (bot token and signing secret) Slack posts to
// /slack/events, /slack/interactions and /slack/commands (Handler); every
// request's signature is checked over its raw body, and a bad signature or a
// timestamp more than five minutes off gets 401 with nothing processed.
// Either way every delivery is acknowledged at once and the work is done
// after, on a queue per user, so one person's messages are handled one at a
// time and in order.
//
// What people see:
//   - Check-ins happen in the direct message with the bot. Prompts with
//     options (scale, choice, yes/no) become Block Kit buttons. A click is
//     answered by updating the message to show the question and "Your
//     answer: …" with the buttons gone, so nothing can be answered twice; a
//     click on an older prompt that a later message has replaced is
//     refused the same way. Typed answers work too.
//   - /checkin and /peerbot <command> work anywhere. Replies that concern
//     only the user are ephemeral in the channel where the command was
//     typed; a question with buttons, and the crisis reply, go to the DM as
//     ordinary messages so the conversation can go on there.
//   - The App Home tab shows the streak, the current goal and whether
//     check-ins are paused or stopped.
//   - Messages in the configured peer channels reach the engine as channel
//     messages (Direct false); other channels, bots (peerbot included) and
//     edits or deletions are ignored.
//
// Users are bot.NewUserID("slack", team, user). Their Slack timezone and
// name (users.info) are passed with every message, looked up once and
// kept for a few hours.
//
// Every write (chat.postMessage, chat.postEphemeral, chat.update,
// views.publish) goes through one pacer: ChannelRate posts per second in
// one channel and WorkspaceRate writes per second in all. The crisis reply
// goes before anything else waiting. A 429 is waited out (Retry-After) and
// retried, as are Slack's server errors and network failures: a message
// fails only when its context ends or Slack refuses it for good (a closed
// DM, a deleted channel).
//
// Duplicates: the engine marks each Message.ID as handled in the same save
// as its effect. Message.ID is the Events API event_id for messages, the
// slash command's trigger_id for commands, and for a click the channel,
// message and user, so a prompt is answered once even when Slack redelivers
// an envelope or retries a request (X-Slack-Retry-Num) or a second replica
// sees a second click.
//
// Message text is never logged.
package slack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/internal/pacer"
	"github.com/peerbot/peerbot/internal/retry"
	"github.com/peerbot/peerbot/internal/serial"
)

const platform = "slack"

// Engine is what the adapter needs of the engine.
type Engine = bot.Conversations

// Config configures the adapter. The tokens come from the environment
// (PEERBOT_SLACK_BOT_TOKEN, PEERBOT_SLACK_APP_TOKEN,
// PEERBOT_SLACK_SIGNING_SECRET); the rest from peerbot's config file.
type Config struct {
	// BotToken (xoxb-…) is required. AppToken (xapp-…) is needed for
	// Socket Mode, SigningSecret for HTTP mode.
	BotToken, AppToken, SigningSecret string
	// Mode is "socket" or "http"; "" means socket when AppToken is set and
	// http when only SigningSecret is.
	Mode string
	// APIURL is the Web API base ending in "/"; "" means Slack's own.
	APIURL string
	// HTTPAddr is where HTTP mode listens; default 127.0.0.1:8080.
	HTTPAddr string
	// PeerChannels are the channel ids whose messages reach the engine.
	PeerChannels []string
	// WorkspaceRate caps writes per second across the workspace; default 20.
	WorkspaceRate float64
	// ChannelRate caps posts per second in one channel; default 1.
	ChannelRate float64
	// DrainTimeout bounds how long Run waits, once its context ends, for
	// work already received to finish (its effect saved, its replies
	// delivered or kept in the outbox); default 20s.
	DrainTimeout time.Duration
	// SharedServer, in HTTP mode, means the caller serves Handler on its
	// own server at HTTPAddr (with its health and metrics endpoints), so
	// Run does not listen.
	SharedServer bool
}

// Modes.
const (
	ModeSocket = "socket"
	ModeHTTP   = "http"
)

// maxOpening is how many conversations.open calls may run at once.
const maxOpening = 4

// Defaults.
const (
	DefaultHTTPAddr      = "127.0.0.1:8080"
	DefaultWorkspaceRate = 20
	DefaultChannelRate   = 1
	DefaultDrainTimeout  = 20 * time.Second
)

// api is the part of slack-go the adapter uses. *client implements it; the
// interface keeps the adapter's needs in one place.
type api interface {
	AuthTestContext(ctx context.Context) (*slackgo.AuthTestResponse, error)
	OpenConversationContext(ctx context.Context, params *slackgo.OpenConversationParameters) (*slackgo.Channel, bool, bool, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slackgo.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slackgo.MsgOption) (string, string, string, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slackgo.MsgOption) (string, error)
	GetUserInfoContext(ctx context.Context, user string, options ...slackgo.GetUserInfoOption) (*slackgo.User, error)
	PublishViewContext(ctx context.Context, req slackgo.PublishViewContextRequest) (*slackgo.ViewResponse, error)
	// PostResponse posts to a slash command's response_url.
	PostResponse(ctx context.Context, responseURL string, msg *slackgo.WebhookMessage) error
}

// client is slack-go's client plus the response_url call.
type client struct {
	*slackgo.Client
	http *http.Client
}

func (c *client) PostResponse(ctx context.Context, u string, msg *slackgo.WebhookMessage) error {
	err := slackgo.PostWebhookCustomHTTPContext(ctx, u, c.http, msg)
	// A response_url is a credential for half an hour: keep it out of
	// errors, which get logged.
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return fmt.Errorf("response_url: %w", ue.Err)
	}
	return err
}

// Adapter is peerbot on Slack. It implements bot.Adapter.
type Adapter struct {
	cfg    Config
	engine Engine
	log    *slog.Logger
	client *slackgo.Client // for Socket Mode
	api    api
	peers  map[string]bool
	pace   *pacer.Pacer

	// Set by Run from auth.test before ready is closed.
	teamID, botUserID, botID string
	ready                    chan struct{}
	running                  atomic.Bool

	// base is the context of work done after an ack; Run cancels it on
	// return.
	base       context.Context
	cancelBase context.CancelFunc

	queue *serial.Queue
	bg    sync.WaitGroup // background profile updates
	// opening bounds concurrent conversations.open calls: a thousand
	// scheduled check-ins must not open a thousand DMs at once (Slack
	// limits the method, and the burst would hold up the posts).
	opening chan struct{}
	users   *userCache
	dms     sync.Map  // Slack user id -> DM channel id
	clicks  *claimSet // channel:ts:user of the prompts clicked
	// pointed remembers slash commands whose user was already told to look
	// in the DM.
	pointed *claimSet // by commandRef

	retries atomic.Int64 // writes retried after a 429 (for tests and metrics)
	acks    ackStats
	// reconnects counts Socket Mode connections made again after one
	// was lost or rotated.
	reconnects atomic.Int64
	// socketUp: the Socket Mode websocket is connected now.
	socketUp atomic.Bool

	listen func(network, addr string) (net.Listener, error) // net.Listen
	addr   atomic.Value                                     // string: HTTP mode's listening address
}

var _ bot.Adapter = (*Adapter)(nil)

// New returns an adapter for cfg, or an error saying what is missing or
// wrong. It connects to nothing: Run does.
func New(cfg Config, engine Engine, logger *slog.Logger) (*Adapter, error) {
	if engine == nil {
		return nil, errors.New("slack: an engine is required")
	}
	if logger == nil {
		logger = slog.Default()
	}
	var errs []error
	switch {
	case cfg.BotToken == "":
		errs = append(errs, errors.New("slack: a bot token is required (PEERBOT_SLACK_BOT_TOKEN, xoxb-…)"))
	case strings.HasPrefix(cfg.BotToken, "xapp-"):
		errs = append(errs, errors.New("slack: the bot token is an app-level token (xapp-…): PEERBOT_SLACK_BOT_TOKEN takes the bot token (xoxb-…), PEERBOT_SLACK_APP_TOKEN the app token"))
	}
	if cfg.AppToken != "" && strings.HasPrefix(cfg.AppToken, "xox") {
		errs = append(errs, errors.New("slack: the app token looks like a bot or user token: PEERBOT_SLACK_APP_TOKEN takes the app-level token (xapp-…) with the connections:write scope"))
	}
	switch strings.ToLower(strings.TrimSpace(cfg.Mode)) {
	case "":
		switch {
		case cfg.AppToken != "":
			cfg.Mode = ModeSocket
		case cfg.SigningSecret != "":
			cfg.Mode = ModeHTTP
		default:
			errs = append(errs, errors.New("slack: an app token (PEERBOT_SLACK_APP_TOKEN, for Socket Mode) or a signing secret (PEERBOT_SLACK_SIGNING_SECRET, for HTTP mode) is required"))
		}
	case ModeSocket:
		cfg.Mode = ModeSocket
		if cfg.AppToken == "" {
			errs = append(errs, errors.New("slack: mode socket needs an app-level token (PEERBOT_SLACK_APP_TOKEN, xapp-…)"))
		}
	case ModeHTTP:
		cfg.Mode = ModeHTTP
		if cfg.SigningSecret == "" {
			errs = append(errs, errors.New("slack: mode http needs the signing secret (PEERBOT_SLACK_SIGNING_SECRET)"))
		}
	default:
		errs = append(errs, fmt.Errorf("slack: mode %q: must be %q or %q", cfg.Mode, ModeSocket, ModeHTTP))
	}
	if cfg.APIURL != "" {
		u, err := url.Parse(cfg.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("slack: api url %q: must be an http(s) URL such as https://slack.com/api/", cfg.APIURL))
		} else if !strings.HasSuffix(cfg.APIURL, "/") {
			cfg.APIURL += "/"
		}
	}
	if cfg.HTTPAddr == "" {
		cfg.HTTPAddr = DefaultHTTPAddr
	}
	if cfg.WorkspaceRate < 0 || cfg.ChannelRate < 0 {
		errs = append(errs, errors.New("slack: rates must not be negative"))
	}
	if cfg.WorkspaceRate == 0 {
		cfg.WorkspaceRate = DefaultWorkspaceRate
	}
	if cfg.ChannelRate == 0 {
		cfg.ChannelRate = DefaultChannelRate
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 32 // many users' messages go out at once
	httpClient := &http.Client{Timeout: 30 * time.Second, Transport: transport}
	opts := []slackgo.Option{
		slackgo.OptionHTTPClient(httpClient),
		slackgo.OptionLog(log.New(slogWriter{logger}, "", 0)),
	}
	if cfg.AppToken != "" {
		opts = append(opts, slackgo.OptionAppLevelToken(cfg.AppToken))
	}
	if cfg.APIURL != "" {
		opts = append(opts, slackgo.OptionAPIURL(cfg.APIURL))
	}
	sc := slackgo.New(cfg.BotToken, opts...)
	a := &Adapter{
		cfg:     cfg,
		engine:  engine,
		log:     logger.With("adapter", platform),
		client:  sc,
		api:     &client{Client: sc, http: httpClient},
		peers:   map[string]bool{},
		pace:    pacer.New(cfg.WorkspaceRate, cfg.ChannelRate),
		ready:   make(chan struct{}),
		users:   newUserCache(),
		clicks:  newClaimSet(),
		pointed: newClaimSet(),
		listen:  net.Listen,
		opening: make(chan struct{}, maxOpening),
	}
	for _, c := range cfg.PeerChannels {
		a.peers[strings.TrimSpace(c)] = true
	}
	a.base, a.cancelBase = context.WithCancel(context.Background())
	a.queue = serial.New(a.base, a.log)
	return a, nil
}

// slogWriter sends slack-go's own log lines to slog at debug level. slack-go
// logs only with its debug option, which peerbot never sets, because its
// debug output includes message content.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Debug("slack-go", "line", strings.TrimSpace(string(p)))
	return len(p), nil
}

// Name returns "slack".
func (a *Adapter) Name() string { return platform }

// Mode returns the mode the adapter runs in, "socket" or "http".
func (a *Adapter) Mode() string { return a.cfg.Mode }

// Run connects to Slack and serves until ctx ends: auth.test for the team
// and the bot's own ids, then Socket Mode, or in HTTP mode a server for
// Handler on HTTPAddr. It returns nil when ctx ends, or an error when
// Slack refuses the tokens or the listener cannot start. Work already
// acknowledged is finished (or abandoned, if it needs Slack and ctx is
// gone) before Run returns.
func (a *Adapter) Run(ctx context.Context) error {
	if !a.running.CompareAndSwap(false, true) {
		return errors.New("slack: Run called twice")
	}
	defer func() {
		// Nothing new is taken any more (what was not acknowledged, Slack
		// delivers again); what was taken finishes, within the drain
		// timeout, before the work's context is cancelled.
		if !a.queue.WaitFor(cmp.Or(a.cfg.DrainTimeout, DefaultDrainTimeout)) {
			a.log.Warn("slack: work still running at shutdown was cut short")
		}
		a.cancelBase()
		a.queue.Wait()
		a.bg.Wait()
	}()
	if err := a.authenticate(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	var err error
	switch a.cfg.Mode {
	case ModeSocket:
		err = a.runSocket(ctx)
	default:
		err = a.runHTTP(ctx)
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// authenticate calls auth.test, retrying while Slack cannot be reached,
// and records the team and the bot's ids.
func (a *Adapter) authenticate(ctx context.Context) error {
	var res *slackgo.AuthTestResponse
	err := retry.Do(ctx, retry.Policy{Initial: 500 * time.Millisecond, Max: 30 * time.Second}, func() error {
		var err error
		res, err = a.api.AuthTestContext(ctx)
		switch {
		case err == nil:
			return nil
		case !transient(err):
			return retry.Permanent(fmt.Errorf("slack: auth.test: %w (check PEERBOT_SLACK_BOT_TOKEN and slack.api_url)", err))
		}
		if rl, ok := errors.AsType[*slackgo.RateLimitedError](err); ok {
			return retry.After(err, rl.RetryAfter)
		}
		return err
	}, func(err error, wait time.Duration) {
		a.log.Warn("Slack not reachable, retrying", "err", err, "in", wait.Round(time.Millisecond))
	})
	if err != nil {
		return err
	}
	a.teamID, a.botUserID, a.botID = res.TeamID, res.UserID, res.BotID
	close(a.ready)
	a.log.Info("connected to Slack", "team", res.TeamID, "bot_user", res.UserID, "mode", a.cfg.Mode)
	return nil
}

// waitReady waits for Run's auth.test.
func (a *Adapter) waitReady(ctx context.Context) error {
	select {
	case <-a.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// userID returns the peerbot id of a Slack user.
func (a *Adapter) userID(slackUser string) bot.UserID {
	return bot.NewUserID(platform, a.teamID, slackUser)
}

// slackUser returns the Slack user id in a peerbot user id.
func slackUser(u bot.UserID) (string, error) {
	parts := strings.SplitN(string(u), ":", 3)
	if len(parts) != 3 || parts[0] != platform || parts[2] == "" {
		return "", bot.Errorf(bot.EINVALID, "%q is not a Slack user.", u)
	}
	return parts[2], nil
}
