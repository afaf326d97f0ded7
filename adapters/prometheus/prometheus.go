// Package prometheus exposes peerbot's metrics in the Prometheus format
// with github.com/prometheus/client_golang. Metrics implements
// observe.Recorder for the engine's decorators; other parts add their own
// gauges and counters through GaugeFunc, CounterFunc or Registerer.
//
// The metrics (labels are bounded sets; no user id or text, ever):
//
//	peerbot_messages_handled_total{platform,outcome}   inbound messages through the engine
//	peerbot_handle_duration_seconds{platform}          how long the engine took per message
//	peerbot_replies_sent_total{platform,outcome}       sends to a platform
//	peerbot_flags_raised_total{level}                  flags saved, by level
//	peerbot_store_errors_total{operation,code}         failed store calls
//	peerbot_build_info{version}                        always 1
//
// plus what cmd/peerbot adds (platform connected, rate-limit waits), and
// the Go runtime and process collectors.
package prometheus

import (
	"net/http"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/peerbot/peerbot/internal/observe"
)

// Namespace starts every metric name.
const Namespace = "peerbot"

// Metrics is one process's metrics, on a registry of its own.
type Metrics struct {
	reg      *prom.Registry
	handled  *prom.CounterVec
	duration *prom.HistogramVec
	replies  *prom.CounterVec
	flags    *prom.CounterVec
	storeErr *prom.CounterVec
}

var _ observe.Recorder = (*Metrics)(nil)

// New returns the metrics of a process of version, with the Go runtime
// and process collectors.
func New(version string) *Metrics {
	m := &Metrics{
		reg: prom.NewRegistry(),
		handled: prom.NewCounterVec(prom.CounterOpts{
			Namespace: Namespace, Name: "messages_handled_total",
			Help: "Inbound messages handled by the engine, by platform and outcome (ok, or the error code).",
		}, []string{"platform", "outcome"}),
		duration: prom.NewHistogramVec(prom.HistogramOpts{
			Namespace: Namespace, Name: "handle_duration_seconds",
			Help:    "Time the engine took to handle one inbound message, store and replies included.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"platform"}),
		replies: prom.NewCounterVec(prom.CounterOpts{
			Namespace: Namespace, Name: "replies_sent_total",
			Help: "Messages sent to a platform, by platform and outcome (ok, or the error code).",
		}, []string{"platform", "outcome"}),
		flags: prom.NewCounterVec(prom.CounterOpts{
			Namespace: Namespace, Name: "flags_raised_total",
			Help: "Flags for mentors saved, by level.",
		}, []string{"level"}),
		storeErr: prom.NewCounterVec(prom.CounterOpts{
			Namespace: Namespace, Name: "store_errors_total",
			Help: "Store calls that failed, by operation and error code.",
		}, []string{"operation", "code"}),
	}
	build := prom.NewGauge(prom.GaugeOpts{
		Namespace: Namespace, Name: "build_info",
		Help: "Always 1; the version label says which peerbot runs.", ConstLabels: prom.Labels{"version": version},
	})
	build.Set(1)
	m.reg.MustRegister(m.handled, m.duration, m.replies, m.flags, m.storeErr, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, l := range []string{"info", "concern", "urgent"} {
		m.flags.WithLabelValues(l)
	}
	return m
}

// Platform makes the series of platform show (at zero) before its first
// message, so that dashboards and alerts see it from the start.
func (m *Metrics) Platform(platform string) {
	m.handled.WithLabelValues(platform, observe.OutcomeOK)
	m.replies.WithLabelValues(platform, observe.OutcomeOK)
	m.duration.WithLabelValues(platform)
}

// MessageHandled counts one inbound message and its handling time.
func (m *Metrics) MessageHandled(platform, outcome string, took time.Duration) {
	m.handled.WithLabelValues(platform, outcome).Inc()
	m.duration.WithLabelValues(platform).Observe(took.Seconds())
}

// ReplySent counts one send.
func (m *Metrics) ReplySent(platform, outcome string) {
	m.replies.WithLabelValues(platform, outcome).Inc()
}

// FlagRaised counts one flag.
func (m *Metrics) FlagRaised(level string) { m.flags.WithLabelValues(level).Inc() }

// StoreError counts one failed store call.
func (m *Metrics) StoreError(operation, code string) {
	m.storeErr.WithLabelValues(operation, code).Inc()
}

// GaugeFunc adds a gauge read from fn at each scrape, e.g. the outbox
// depth (peerbot_outbox_depth) or the age of its oldest entry. name is
// without the peerbot_ prefix; labels are constant labels.
func (m *Metrics) GaugeFunc(name, help string, labels map[string]string, fn func() float64) error {
	return m.reg.Register(prom.NewGaugeFunc(prom.GaugeOpts{
		Namespace: Namespace, Name: name, Help: help, ConstLabels: labels,
	}, fn))
}

// CounterFunc adds a counter read from fn at each scrape; fn must never
// go down. name is without the peerbot_ prefix and ends in _total.
func (m *Metrics) CounterFunc(name, help string, labels map[string]string, fn func() float64) error {
	return m.reg.Register(prom.NewCounterFunc(prom.CounterOpts{
		Namespace: Namespace, Name: name, Help: help, ConstLabels: labels,
	}, fn))
}

// Registerer is the registry, for metrics that need more than a function
// (a vector of counters, a histogram).
func (m *Metrics) Registerer() prom.Registerer { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
