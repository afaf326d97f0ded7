package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/peerbot/peerbot/adapters/discord"
	"github.com/peerbot/peerbot/adapters/slack"
	"github.com/peerbot/peerbot/bot"
	"github.com/peerbot/peerbot/internal/observe"
)

// platform is a chat platform adapter that runs until its context ends.
type platform interface {
	Name() string
	Run(ctx context.Context) error
	// Connected reports whether the platform is connected (readiness).
	Connected() bool
	// RateLimitWaits counts the 429s waited out (metrics).
	RateLimitWaits() int64
	// AckStats counts deliveries acknowledged once their effect was
	// saved, and at the deadline before it (metrics).
	AckStats() (onTime, late int64)
	// Reconnects counts connections made again (metrics).
	Reconnects() int64
}

// httpPlatform is a platform that may take requests from its platform on
// peerbot's HTTP server (Slack's HTTP mode): httpHandler returns their
// handler, or nil when it takes none.
type httpPlatform interface {
	httpHandler() http.Handler
}

// platforms builds the adapters whose secrets are in the environment and
// registers them with the engine; rec, when not nil, observes the
// messages they hand the engine and the replies sent through them.
func (a *app) platforms(rec observe.Recorder) ([]platform, error) {
	var engine bot.Conversations = a.engine
	register := a.engine.Register
	if rec != nil {
		engine = observe.Conversations(a.engine, rec)
		register = func(ad bot.Adapter) { a.engine.Register(observe.Adapter(ad, rec)) }
	}
	var out []platform
	if c := a.cfg.Slack; c.Enabled() {
		ad, err := slack.New(slack.Config{
			BotToken: c.BotToken, AppToken: c.AppToken, SigningSecret: c.SigningSecret,
			Mode: c.Mode, APIURL: c.APIURL, HTTPAddr: a.cfg.HTTP.Addr, PeerChannels: c.PeerChannels,
			WorkspaceRate: c.WorkspaceRate, ChannelRate: c.ChannelRate, DrainTimeout: a.cfg.ShutdownTimeout,
			SharedServer: true, // serve.go mounts its Handler in HTTP mode
		}, engine, a.log.With("platform", "slack"))
		if err != nil {
			return nil, fmt.Errorf("slack: %w", err)
		}
		register(ad)
		out = append(out, slackPlatform{ad})
	}
	if c := a.cfg.Discord; c.Enabled() {
		ad, err := discord.New(discord.Config{
			Token: c.Token, APIURL: c.APIURL, GuildIDs: c.GuildIDs, ShardCount: c.ShardCount, ShardID: c.ShardID,
			FallbackChannel: c.FallbackChannel, PeerChannels: c.PeerChannels, Rate: c.Rate,
			DrainTimeout: a.cfg.ShutdownTimeout,
		}, engine, a.log.With("platform", "discord"))
		if err != nil {
			return nil, fmt.Errorf("discord: %w", err)
		}
		register(ad)
		out = append(out, ad)
	}
	return out, nil
}

// slackPlatform serves Slack's HTTP endpoints on peerbot's server only in
// HTTP mode.
type slackPlatform struct{ *slack.Adapter }

func (s slackPlatform) httpHandler() http.Handler {
	if s.Mode() == slack.ModeHTTP {
		return s.Handler()
	}
	return nil
}

// runPlatforms runs every platform until ctx ends or one fails; a failure
// stops the others, so a supervisor can restart the process.
func runPlatforms(ctx context.Context, ps []platform, stderr io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(ps))
	for i, p := range ps {
		fmt.Fprintf(stderr, "peerbot: starting %s\n", p.Name())
		wg.Go(func() {
			if err := p.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errs[i] = fmt.Errorf("%s: %w", p.Name(), err)
				cancel()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
