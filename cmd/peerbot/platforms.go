package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/peerbot/peerbot/adapters/discord"
	"github.com/peerbot/peerbot/adapters/slack"
)

// platform is a chat platform adapter that runs until its context ends.
type platform interface {
	Name() string
	Run(ctx context.Context) error
}

// platforms builds the adapters whose secrets are in the environment and
// registers them with the engine.
func (a *app) platforms() ([]platform, error) {
	var out []platform
	if c := a.cfg.Slack; c.Enabled() {
		ad, err := slack.New(slack.Config{
			BotToken: c.BotToken, AppToken: c.AppToken, SigningSecret: c.SigningSecret,
			Mode: c.Mode, APIURL: c.APIURL, HTTPAddr: a.cfg.HTTP.Addr, PeerChannels: c.PeerChannels,
			WorkspaceRate: c.WorkspaceRate, ChannelRate: c.ChannelRate, DrainTimeout: a.cfg.ShutdownTimeout,
		}, a.engine, a.log.With("platform", "slack"))
		if err != nil {
			return nil, fmt.Errorf("slack: %w", err)
		}
		a.engine.Register(ad)
		out = append(out, ad)
	}
	if c := a.cfg.Discord; c.Enabled() {
		ad, err := discord.New(discord.Config{
			Token: c.Token, APIURL: c.APIURL, GuildIDs: c.GuildIDs, ShardCount: c.ShardCount, ShardID: c.ShardID,
			FallbackChannel: c.FallbackChannel, PeerChannels: c.PeerChannels, Rate: c.Rate,
		}, a.engine, a.log.With("platform", "discord"))
		if err != nil {
			return nil, fmt.Errorf("discord: %w", err)
		}
		a.engine.Register(ad)
		out = append(out, ad)
	}
	return out, nil
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
