package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	promadapter "github.com/peerbot/peerbot/adapters/prometheus"
	redisstore "github.com/peerbot/peerbot/adapters/redis"
	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/config"
	"github.com/peerbot/peerbot/internal/health"
)

// serve is `peerbot run` with at least one platform configured: the HTTP
// server on http.addr first (so that /healthz answers while the store is
// still being reached), then the store and the engine, then the
// platforms, until ctx ends or a platform fails.
func serve(ctx context.Context, cfg *config.Config, stderr io.Writer) error {
	logger := newLogger(stderr, cfg.LogLevel, cfg.Log.Format)
	metrics := promadapter.New(versionString())
	ready := &health.Readiness{}
	var started atomic.Bool
	ready.Add("startup", health.PingFunc(func(context.Context) error {
		if !started.Load() {
			return errors.New("still starting")
		}
		return nil
	}))
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", health.Live())
	mux.Handle("GET /readyz", ready)
	mux.Handle("GET /metrics", metrics.Handler())
	stopHTTP, addr, err := startHTTP(cfg.HTTP.Addr, mux, logger)
	if err != nil {
		return err
	}
	defer stopHTTP()

	retryLog := newLogger(stderr, "warn", cfg.Log.Format)
	a, err := open(ctx, cfg, logger, retryLog, "", metrics)
	if err != nil {
		return err
	}
	defer a.store.Close()
	ready.Add("store", storePinger(a.store))
	if err := errors.Join(
		metrics.GaugeFunc("flags_kept_in_memory", "Flags raised while the store was down, waiting to be saved.", nil, func() float64 {
			return float64(a.engine.KeptFlags())
		}),
		metrics.CounterFunc("flags_lost_total", "Flags never saved because peerbot stopped while the store was down.", nil, func() float64 {
			return float64(a.engine.LostFlags())
		}),
	); err != nil {
		return err
	}
	if err := engineMetrics(metrics, a); err != nil {
		return err
	}

	ps, err := a.platforms(metrics)
	if err != nil {
		return err
	}
	for _, p := range ps {
		name := p.Name()
		metrics.Platform(name)
		labels := map[string]string{"platform": name}
		if err := errors.Join(
			metrics.GaugeFunc("platform_connected", "1 when the platform is connected, 0 otherwise.", labels, func() float64 {
				if p.Connected() {
					return 1
				}
				return 0
			}),
			metrics.CounterFunc("rate_limit_waits_total", "Requests the platform answered with 429 (rate limited), waited out and retried.", labels, func() float64 {
				return float64(p.RateLimitWaits())
			}),
			metrics.CounterFunc("reconnects_total", "Connections to the platform lost and made again.", labels, func() float64 {
				return float64(p.Reconnects())
			}),
			metrics.CounterFunc("acks_after_save_total", "Deliveries (Slack events, clicks and commands; Discord clicks) acknowledged once their effect was saved.", labels, func() float64 {
				onTime, _ := p.AckStats()
				return float64(onTime)
			}),
			metrics.CounterFunc("acks_at_deadline_total", "Deliveries acknowledged at the platform's deadline before their effect was saved (the fallback; the work still completes).", labels, func() float64 {
				_, late := p.AckStats()
				return float64(late)
			}),
		); err != nil {
			return err
		}
		ready.Add(name, health.PingFunc(func(context.Context) error {
			if !p.Connected() {
				return errors.New("not connected")
			}
			return nil
		}))
		if hp, ok := p.(httpPlatform); ok {
			if h := hp.httpHandler(); h != nil {
				mux.Handle("/"+name+"/", h)
			}
		}
	}
	fmt.Fprint(stderr, summary(cfg, a, ps, addr))
	started.Store(true)
	return a.withOutbox(ctx, func(ctx context.Context) error { return runPlatforms(ctx, ps, stderr) })
}

// startHTTP listens on addr and serves h until the returned stop is
// called. A port that is taken is an error at once, naming the setting.
func startHTTP(addr string, h http.Handler, logger *slog.Logger) (stop func(), bound string, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("http.addr %s: cannot listen: %w (is another peerbot running? set http.addr in the config)", addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(slogWriter{logger}, "", 0),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("http server stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
	logger.Info("http server listening", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, ln.Addr().String(), nil
}

// slogWriter turns net/http's error log lines into debug records.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Debug("http", "line", string(p))
	return len(p), nil
}

// probeUser is the user id the readiness check of a local store loads: no
// platform makes ids of this form, and a load writes nothing.
const probeUser bot.UserID = "peerbot:health:probe"

// storePinger checks that the store answers: a Redis PING, or for any
// other store a Load of probeUser.
//
// The store interface is being reworked; when it gets a Ping method of its
// own, this becomes a call to it.
func storePinger(store bot.Store) health.Pinger {
	if rs, ok := store.(*redisstore.Store); ok {
		return health.PingFunc(func(ctx context.Context) error {
			if err := rs.Client().Ping(ctx).Err(); err != nil {
				return fmt.Errorf("Redis at %s does not answer: %w", rs.Addr(), err)
			}
			return nil
		})
	}
	return health.PingFunc(func(ctx context.Context) error {
		_, err := store.Load(ctx, probeUser, "")
		return err
	})
}

// engineMetrics registers what the engine counts (the schedule, the
// outbox's deliveries) and what the outboxes hold. The outboxes are
// counted at most every outboxStatsEvery: on Redis that is a SCAN.
func engineMetrics(metrics *promadapter.Metrics, a *app) error {
	stat := func(f func(bot.Stats) int64) func() float64 {
		return func() float64 { return float64(f(a.engine.Stats())) }
	}
	var mu sync.Mutex
	var cached bot.OutboxStats
	var at time.Time
	outbox := func(f func(bot.OutboxStats) float64) func() float64 {
		return func() float64 {
			mu.Lock()
			defer mu.Unlock()
			if time.Since(at) > outboxStatsEvery {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if st, err := a.store.OutboxStats(ctx); err == nil {
					cached, at = st, time.Now()
				}
			}
			return f(cached)
		}
	}
	return errors.Join(
		metrics.CounterFunc("prompts_scheduled_total", "Flows begun on schedule.", nil, stat(func(s bot.Stats) int64 { return s.ScheduledStarts })),
		metrics.CounterFunc("followups_total", "Follow-up flows begun the day after a goal's date.", nil, stat(func(s bot.Stats) int64 { return s.FollowUps })),
		metrics.CounterFunc("reminders_total", "Gentle reminders sent for unanswered scheduled prompts.", nil, stat(func(s bot.Stats) int64 { return s.Reminders })),
		metrics.CounterFunc("checkins_expired_total", "Scheduled runs closed unanswered (missed).", nil, stat(func(s bot.Stats) int64 { return s.Expired })),
		metrics.CounterFunc("prompts_skipped_after_downtime_total", "Scheduled starts skipped because they fell due longer than schedule_grace before peerbot was back.", nil, stat(func(s bot.Stats) int64 { return s.SkippedAfterDowntime })),
		metrics.CounterFunc("deliveries_total", "Outbox messages taken by their platform.", map[string]string{"outcome": "sent"}, stat(func(s bot.Stats) int64 { return s.Sent })),
		metrics.CounterFunc("deliveries_total", "Outbox messages taken by their platform.", map[string]string{"outcome": "failed"}, stat(func(s bot.Stats) int64 { return s.SendFailed })),
		metrics.CounterFunc("deliveries_total", "Outbox messages taken by their platform.", map[string]string{"outcome": "refused"}, stat(func(s bot.Stats) int64 { return s.SendRefused })),
		metrics.GaugeFunc("outbox_messages", "Messages owed and not yet delivered, in every outbox.", nil, outbox(func(s bot.OutboxStats) float64 { return float64(s.Messages) })),
		metrics.GaugeFunc("outbox_oldest_age_seconds", "Age of the oldest message not yet delivered; 0 when there is none.", nil, outbox(func(s bot.OutboxStats) float64 {
			if s.Oldest.IsZero() {
				return 0
			}
			return time.Since(s.Oldest).Seconds()
		})),
		metrics.GaugeFunc("outbox_timers", "Timers waiting to fall due (scheduled starts, reminders, safety checks).", nil, outbox(func(s bot.OutboxStats) float64 { return float64(s.Timers) })),
	)
}

// outboxStatsEvery bounds how often /metrics counts the outboxes (on
// Redis, a SCAN): scrapes closer together see the same figures.
const outboxStatsEvery = 5 * time.Second
