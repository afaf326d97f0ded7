// Package discord connects peerbot to Discord through discordgo: the
// gateway (one session per shard), check-ins in direct messages with
// buttons, slash commands answered ephemerally, and peer channels.
//
// # Setup
//
// Create an application in the Discord developer portal, add a bot, and set
// its token in PEERBOT_DISCORD_TOKEN (with or without the "Bot " prefix).
// Invite it with the "bot" and "applications.commands" scopes. The adapter
// asks for the Guilds, Direct Messages and Guild Messages intents. When
// peer channels are configured it also asks for Message Content, a
// privileged intent: enable it in the developer portal (Bot → Privileged
// Gateway Intents), or Discord refuses the connection (close code 4014) and
// Run says so. DMs carry their text without that intent.
//
// # Conversations
//
// Check-ins happen in DMs. A reply without a channel goes to the user's DM,
// opened with UserChannelCreate once and remembered, in memory and in the
// user's profile (so a restart does not ask again). A user whose DMs are
// closed (Discord error 50007) is mentioned once in the fallback channel
// with no check-in content, marked DMClosed in their profile, and not sent
// to again until they write to the bot.
//
// The options of scale, choice and yes/no steps become buttons, at most 5 a
// row, or select menus past 10 options. A click is answered once the engine
// has saved it (or refused it), with an update of the message (the
// question, "Your answer: …" or that a later question replaced it, the
// buttons disabled); past 2 s it is acknowledged with a deferred update and
// the message edited when the verdict comes. Each button's value names the
// question it answers, so the engine refuses a click on an old question on
// any replica and after any restart. Typed answers work too; the buttons of
// a prompt answered by typing are disabled when the next message goes out.
//
// Each user's events are handled one at a time, in the order the gateway
// delivered them. Events are deduplicated by message and interaction id (in
// memory, and by the engine in the store), so a dispatch replayed after a
// RESUME is handled once.
//
// Slash commands (/checkin, /goals, /pause, /resume, /stop, /resources,
// /mydata, /timezone) are registered at start with one bulk overwrite, per
// guild when guild ids are configured (instant) or globally. They are
// deferred ephemerally and answered with ephemeral follow-ups; prompts with
// buttons and crisis replies go to the DM instead (or, when the DM is
// closed, ephemerally).
//
// # Rate limits
//
// Every REST call goes through discordgo's rate limiter, which waits out a
// 429 (retrying, never dropping) and honours the rate-limit headers; the
// limiter is shared by all shards. Sends are also paced below Discord's
// global limit of 50 requests/s at Config.Rate (default 45) by
// internal/pacer: crisis replies go first, then replies to people, then
// bulk sends such as scheduled check-ins. Interaction callbacks
// and follow-ups are exempt from the global limit and not paced.
//
// # Gateway faults
//
// discordgo reconnects and RESUMEs after op 7 and after a dropped
// connection; Discord then replays what was missed. After op 9, and after
// heartbeat ACKs stop coming (discordgo then closes with code 1000, which
// ends the session on Discord's side), it identifies afresh: dispatches sent
// in that gap are not replayed by Discord.
//
// # Logs
//
// Message text is never logged; discordgo's own logging is kept at its
// error level, which carries none.
//
// # Tests
//
// The tests run the real discordgo client against internal/fakediscord, a
// local fake of Discord's REST API and gateway, with a real engine and
// store. The benchmark (about 70 s) sends 1,000 DMs through the fake's
// global limit of 50 requests/s:
//
//	go test -run '^$' -bench BenchmarkDMs -benchtime 1x ./adapters/discord/
package discord

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/internal/retry"
	"github.com/peerbot/peerbot/internal/serial"
)

const (
	platform  = "discord"
	workspace = "global"

	// DefaultRate is the default pace of sends, in REST requests per
	// second, below Discord's global limit of 50.
	DefaultRate = 45
	// GlobalLimit is Discord's global limit in requests per second.
	GlobalLimit = 50

	// drainTimeout is Config.DrainTimeout's default.
	drainTimeout = 10 * time.Second
	// identifyInterval is Discord's wait between identify buckets.
	identifyInterval = 5 * time.Second
)

// ErrDMClosed is returned by Send for a user who does not accept direct
// messages from the bot (Discord error 50007), then without asking Discord
// again until the user writes to the bot.
var ErrDMClosed = errors.New("discord: the user does not accept direct messages from the bot")

// Engine is what the adapter needs of the engine.
type Engine = bot.Conversations

// Config configures the adapter.
type Config struct {
	// Token is the bot token, with or without the "Bot " prefix.
	Token string
	// APIURL is "" for Discord's API; otherwise REST and gateway discovery
	// go to this base (scheme, host and an optional path prefix in front of
	// /api/v9/...), as through a rate-limit proxy. The gateway itself is
	// dialled at the URL that discovery returns.
	APIURL string
	// GuildIDs register slash commands per guild (instant); empty: global.
	GuildIDs []string
	// ShardCount 0 runs every shard /gateway/bot recommends, one session
	// each, in this process; otherwise this process runs shard ShardID of
	// ShardCount.
	ShardCount int
	ShardID    int
	// FallbackChannel is where a user with DMs closed is mentioned; empty:
	// nowhere (the user is only marked in the store).
	FallbackChannel string
	// PeerChannels are the channel ids whose messages reach the engine (as
	// not direct). Setting any asks for the privileged Message Content
	// intent.
	PeerChannels []string
	// Rate paces sends in REST requests per second; 0 means DefaultRate.
	// At most 50, Discord's global limit; leave a margin.
	Rate float64
	// DrainTimeout bounds how long Run waits, on shutdown, for the work
	// already received (its effect saved, its replies delivered or kept in
	// the outbox); 0 means 10 s.
	DrainTimeout time.Duration
}

// restAPI is the part of Discord's REST API the adapter uses;
// *discordgo.Session implements it.
type restAPI interface {
	GatewayBot(options ...discordgo.RequestOption) (*discordgo.GatewayBotResponse, error)
	UserChannelCreate(recipientID string, options ...discordgo.RequestOption) (*discordgo.Channel, error)
	ChannelMessageSendComplex(channelID string, data *discordgo.MessageSend, options ...discordgo.RequestOption) (*discordgo.Message, error)
	ChannelMessageEditComplex(m *discordgo.MessageEdit, options ...discordgo.RequestOption) (*discordgo.Message, error)
	InteractionRespond(i *discordgo.Interaction, r *discordgo.InteractionResponse, options ...discordgo.RequestOption) error
	FollowupMessageCreate(i *discordgo.Interaction, wait bool, data *discordgo.WebhookParams, options ...discordgo.RequestOption) (*discordgo.Message, error)
	ApplicationCommandBulkOverwrite(appID, guildID string, cmds []*discordgo.ApplicationCommand, options ...discordgo.RequestOption) ([]*discordgo.ApplicationCommand, error)
}

// gateway is one shard's gateway connection; *discordgo.Session implements it.
type gateway interface {
	AddHandler(handler any) func()
	Open() error
	Close() error
}

var (
	_ restAPI = (*discordgo.Session)(nil)
	_ gateway = (*discordgo.Session)(nil)
)

// Adapter is the Discord adapter. It implements bot.Adapter; Send may be
// used before and while Run runs.
type Adapter struct {
	cfg     Config
	token   string // with "Bot "
	engine  Engine
	log     *slog.Logger
	client  *http.Client
	limiter *discordgo.RateLimiter // shared by every session
	rest    restAPI
	intents discordgo.Intent
	peer    map[string]bool
	pace    restPacer

	// newGateway makes the session of one shard.
	newGateway func(shardID, shardCount int) gateway

	workCtx    context.Context // for queued work; outlives a cancelled Run until drained
	cancelWork context.CancelFunc
	queue      *serial.Queue

	mu      sync.Mutex
	selfID  string // the bot user's id, from READY
	appID   string // the application's id, from READY
	dms     *lru.Cache[bot.UserID, *dmEntry]
	pending map[string]*pendingInteraction // by Ref

	seen    *recentSet // event ids handled by this process
	prompts *promptTracker

	started  atomic.Bool
	stopping atomic.Bool

	rateLimits atomic.Int64 // 429s waited out by discordgo
	// onTimeAcks and lateAcks count clicks acknowledged with the engine's
	// verdict and at the deadline before it (see onComponent).
	onTimeAcks, lateAcks atomic.Int64
	reconnects           atomic.Int64 // gateway connections lost and made again
	// live counts gateway connections up now; shards how many there
	// should be (see Connected).
	live, shards atomic.Int64
}

var _ bot.Adapter = (*Adapter)(nil)

// New checks cfg and returns an adapter; it does not connect (Run does).
func New(cfg Config, engine Engine, log *slog.Logger) (*Adapter, error) {
	if engine == nil {
		return nil, errors.New("discord: an engine is required")
	}
	if log == nil {
		log = slog.Default()
	}
	token := strings.TrimSpace(cfg.Token)
	if f := strings.Fields(token); len(f) > 0 && f[0] == "Bot" {
		token = strings.TrimSpace(strings.TrimPrefix(token, "Bot"))
	}
	switch {
	case token == "":
		return nil, errors.New("discord: no bot token (set PEERBOT_DISCORD_TOKEN to the token from the developer portal, Bot page)")
	case strings.ContainsAny(token, " \t\r\n"):
		return nil, errors.New("discord: the bot token contains spaces; paste it again from the developer portal")
	}
	var base *url.URL
	if cfg.APIURL != "" {
		u, err := url.Parse(cfg.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("discord: api_url %q is not an http(s):// URL", cfg.APIURL)
		}
		base = u
	}
	switch {
	case cfg.ShardCount < 0:
		return nil, fmt.Errorf("discord: shard_count %d is negative (0 runs every recommended shard)", cfg.ShardCount)
	case cfg.ShardCount == 0 && cfg.ShardID != 0:
		return nil, fmt.Errorf("discord: shard_id %d needs shard_count (with shard_count 0 this process runs every shard)", cfg.ShardID)
	case cfg.ShardCount > 0 && (cfg.ShardID < 0 || cfg.ShardID >= cfg.ShardCount):
		return nil, fmt.Errorf("discord: shard %d of %d does not exist (ids run from 0 to shard_count-1)", cfg.ShardID, cfg.ShardCount)
	}
	switch {
	case cfg.Rate == 0:
		cfg.Rate = DefaultRate
	case cfg.Rate < 0 || cfg.Rate > GlobalLimit:
		return nil, fmt.Errorf("discord: rate %v must be more than 0 and at most %d (Discord's global limit)", cfg.Rate, GlobalLimit)
	}
	for _, id := range cfg.GuildIDs {
		if !isSnowflake(id) {
			return nil, fmt.Errorf("discord: guild id %q is not a Discord id (a number; copy it with Developer Mode on)", id)
		}
	}
	if cfg.FallbackChannel != "" && !isSnowflake(cfg.FallbackChannel) {
		return nil, fmt.Errorf("discord: fallback_channel %q is not a Discord channel id (a number)", cfg.FallbackChannel)
	}
	peer := map[string]bool{}
	for _, id := range cfg.PeerChannels {
		if !isSnowflake(id) {
			return nil, fmt.Errorf("discord: peer channel %q is not a Discord channel id (a number)", id)
		}
		peer[id] = true
	}

	a := &Adapter{
		cfg:     cfg,
		token:   "Bot " + token,
		engine:  engine,
		log:     log,
		client:  newHTTPClient(base),
		limiter: discordgo.NewRatelimiter(),
		peer:    peer,
		pace:    newPacer(cfg.Rate),
		dms:     newDMCache(),
		pending: map[string]*pendingInteraction{},
		seen:    newRecentSet(8192),
		prompts: newPromptTracker(),
	}
	a.intents = Intents(cfg)
	a.workCtx, a.cancelWork = context.WithCancel(context.Background())
	a.queue = serial.New(a.workCtx, log)
	rest := a.session(0, 1)
	rest.AddHandler(a.onRateLimit)
	a.rest = rest
	a.newGateway = func(shardID, shardCount int) gateway { return a.session(shardID, shardCount) }
	return a, nil
}

// session returns a discordgo session sharing the adapter's HTTP client and
// rate limiter.
func (a *Adapter) session(shardID, shardCount int) *discordgo.Session {
	s, _ := discordgo.New(a.token) // New never fails
	s.Client = a.client
	s.Ratelimiter = a.limiter
	s.ShardID, s.ShardCount = shardID, shardCount
	s.Identify.Intents = a.intents
	// Handlers run on the gateway's reading goroutine, in dispatch order;
	// they only queue work, so that one user's events keep their order.
	s.SyncEvents = true
	s.StateEnabled = false
	// discordgo's warnings and debug lines quote payloads (message text);
	// its error lines do not.
	s.LogLevel = discordgo.LogError
	return s
}

// Name returns "discord", the platform name in messages and UserIDs.
func (a *Adapter) Name() string { return platform }

// Run connects every shard, registers the slash commands and handles events
// until ctx is done; then it disconnects, finishes the work already
// received (for up to 10 seconds) and returns nil. It returns an error
// when the gateway refuses the bot for good (a bad token, intents not
// enabled, a bad shard) or ctx ends before the first connection. Run may be
// called once.
func (a *Adapter) Run(ctx context.Context) error {
	if !a.started.CompareAndSwap(false, true) {
		return errors.New("discord: Run called twice")
	}
	plan, err := a.shardPlan(ctx)
	if err != nil {
		return err
	}
	var sessions []gateway
	defer func() { a.shutdown(sessions) }()
	a.shards.Store(int64(len(plan.shards)))
	for i, sh := range plan.shards {
		if i > 0 && i%plan.concurrency == 0 {
			// Discord lets max_concurrency shards identify per 5 seconds.
			if err := sleepCtx(ctx, identifyInterval); err != nil {
				return err
			}
		}
		g := a.newGateway(sh.id, sh.count)
		g.AddHandler(a.onReady)
		g.AddHandler(a.onConnect)
		g.AddHandler(a.onDisconnect)
		g.AddHandler(a.onResumed)
		g.AddHandler(a.onMessageCreate)
		g.AddHandler(a.onInteractionCreate)
		g.AddHandler(a.onRateLimit)
		if err := a.open(ctx, g, sh); err != nil {
			return err
		}
		sessions = append(sessions, g)
	}
	a.registerCommands(ctx)
	a.log.Info("discord: connected", "shards", len(plan.shards))
	<-ctx.Done()
	return nil
}

type shard struct{ id, count int }

type shardPlan struct {
	shards      []shard
	concurrency int
}

// shardPlan decides which shards this process runs.
func (a *Adapter) shardPlan(ctx context.Context) (shardPlan, error) {
	if a.cfg.ShardCount > 0 {
		return shardPlan{shards: []shard{{a.cfg.ShardID, a.cfg.ShardCount}}, concurrency: 1}, nil
	}
	var gb *discordgo.GatewayBotResponse
	err := retry.Do(ctx, retry.Policy{Initial: time.Second, Max: time.Minute}, func() error {
		var err error
		if gb, err = a.rest.GatewayBot(discordgo.WithContext(ctx)); err != nil {
			if fatal := fatalError(err); fatal != nil {
				return retry.Permanent(fatal)
			}
		}
		return err
	}, func(err error, wait time.Duration) {
		a.log.Warn("discord: cannot ask for the recommended shard count; retrying", "in", wait.Round(time.Millisecond), "err", err)
	})
	if err != nil {
		return shardPlan{}, err
	}
	n := max(gb.Shards, 1)
	p := shardPlan{concurrency: max(gb.SessionStartLimit.MaxConcurrency, 1)}
	for i := range n {
		p.shards = append(p.shards, shard{i, n})
	}
	a.log.Info("discord: running every recommended shard", "shards", n)
	return p, nil
}

// open connects one shard, retrying with backoff until ctx ends, except
// when Discord refuses the bot for good.
func (a *Adapter) open(ctx context.Context, g gateway, sh shard) error {
	return retry.Do(ctx, retry.Policy{Initial: time.Second, Max: time.Minute}, func() error {
		err := g.Open()
		if fatal := fatalError(err); err != nil && fatal != nil {
			return retry.Permanent(fatal)
		}
		return err
	}, func(err error, wait time.Duration) {
		a.log.Warn("discord: cannot connect to the gateway; retrying", "shard", sh.id, "in", wait.Round(time.Millisecond), "err", err)
	})
}

// fatalError explains an error that retrying cannot fix, or returns nil.
func fatalError(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		switch ce.Code {
		case 4004:
			return errors.New("discord: Discord refused the bot token (gateway close 4004); check PEERBOT_DISCORD_TOKEN")
		case 4010, 4011:
			return fmt.Errorf("discord: Discord refused the shard settings (gateway close %d: %s); check shard_count and shard_id, or use shard_count 0", ce.Code, ce.Text)
		case 4012:
			return errors.New("discord: Discord refused the gateway version (close 4012); upgrade peerbot")
		case 4013:
			return errors.New("discord: Discord refused the intents (close 4013)")
		case 4014:
			return errors.New("discord: Discord refused a privileged intent (close 4014): peer_channels needs the Message Content intent; " +
				"enable it in the developer portal (Bot → Privileged Gateway Intents) or remove peer_channels")
		}
	}
	if errors.Is(err, discordgo.ErrUnauthorized) {
		return errors.New("discord: Discord refused the bot token (HTTP 401); check PEERBOT_DISCORD_TOKEN")
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusUnauthorized {
		return errors.New("discord: Discord refused the bot token (HTTP 401); check PEERBOT_DISCORD_TOKEN")
	}
	return nil
}

// shutdown closes the sessions (at once: discordgo's Close waits a
// second) and finishes the work already queued.
func (a *Adapter) shutdown(sessions []gateway) {
	a.stopping.Store(true)
	var wg sync.WaitGroup
	for _, g := range sessions {
		wg.Go(func() {
			if err := g.Close(); err != nil {
				a.log.Debug("discord: close", "err", err)
			}
		})
	}
	wg.Wait()
	if !a.queue.WaitFor(cmp.Or(a.cfg.DrainTimeout, drainTimeout)) {
		a.log.Warn("discord: work still running at shutdown was cut short")
	}
	a.cancelWork()
}

// onReady records who the bot is.
func (a *Adapter) onReady(s *discordgo.Session, r *discordgo.Ready) {
	a.mu.Lock()
	if r.User != nil {
		a.selfID = r.User.ID
	}
	if r.Application != nil && r.Application.ID != "" {
		a.appID = r.Application.ID
	} else if a.appID == "" && r.User != nil {
		a.appID = r.User.ID
	}
	a.mu.Unlock()
	a.log.Info("discord: gateway session ready", "shard", s.ShardID, "shards", s.ShardCount)
}

func (a *Adapter) onConnect(s *discordgo.Session, _ *discordgo.Connect) {
	a.live.Add(1)
	if a.stopping.Load() {
		// A reconnect that raced with shutdown: close it again.
		go func() { _ = s.Close() }()
	}
}

func (a *Adapter) onDisconnect(s *discordgo.Session, _ *discordgo.Disconnect) {
	a.live.Add(-1)
	if !a.stopping.Load() {
		a.reconnects.Add(1)
		a.log.Info("discord: gateway disconnected; reconnecting", "shard", s.ShardID)
	}
}

func (a *Adapter) onResumed(s *discordgo.Session, _ *discordgo.Resumed) {
	a.log.Info("discord: gateway session resumed", "shard", s.ShardID)
}

func (a *Adapter) onRateLimit(_ *discordgo.Session, r *discordgo.RateLimit) {
	a.rateLimits.Add(1)
	retry := time.Duration(0)
	if r.TooManyRequests != nil {
		retry = r.RetryAfter
	}
	a.log.Warn("discord: rate limited; waiting", "retry_after", retry)
}

func (a *Adapter) self() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.selfID
}

func (a *Adapter) app() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.appID
}

// userID is the UserID of a Discord user: Discord's ids are global.
func userID(discordID string) bot.UserID {
	return bot.NewUserID(platform, workspace, discordID)
}

// discordUser returns the Discord id in a UserID of this platform.
func discordUser(u bot.UserID) (string, bool) {
	id, ok := strings.CutPrefix(string(u), platform+":"+workspace+":")
	return id, ok && isSnowflake(id)
}

// isSnowflake reports whether s looks like a Discord id.
func isSnowflake(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// newHTTPClient returns the REST client: with base set, every request to
// Discord's API goes to base instead.
func newHTTPClient(base *url.URL) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	var rt http.RoundTripper = tr
	if base != nil {
		rt = &rewriteTransport{base: base, next: tr}
	}
	return &http.Client{Transport: rt, Timeout: 20 * time.Second}
}

// rewriteTransport sends requests for Discord's API host to base (scheme,
// host, and base's path in front of the request's path). discordgo's
// endpoints are fixed at init, so this is how it reaches a proxy or a fake.
type rewriteTransport struct {
	base *url.URL
	next http.RoundTripper
}

func (t *rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if h := r.URL.Hostname(); h != "discord.com" && h != "discordapp.com" {
		return t.next.RoundTrip(r)
	}
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host, r2.Host = t.base.Scheme, t.base.Host, t.base.Host
	if prefix := strings.TrimSuffix(t.base.Path, "/"); prefix != "" {
		r2.URL.Path = prefix + r.URL.Path
		if r.URL.RawPath != "" {
			r2.URL.RawPath = strings.TrimSuffix(t.base.EscapedPath(), "/") + r.URL.RawPath
		}
	}
	return t.next.RoundTrip(r2)
}
