package prometheus

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("scrape: %d %v", res.StatusCode, err)
	}
	return string(body)
}

func TestMetrics(t *testing.T) {
	m := New("v1.2.3")
	m.Platform("slack")
	before := scrape(t, m)
	for _, want := range []string{
		`peerbot_messages_handled_total{outcome="ok",platform="slack"} 0`,
		`peerbot_replies_sent_total{outcome="ok",platform="slack"} 0`,
		`peerbot_flags_raised_total{level="urgent"} 0`,
		`peerbot_build_info{version="v1.2.3"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(before, want) {
			t.Errorf("before anything happened, no %q in:\n%s", want, before)
		}
	}

	m.MessageHandled("slack", "ok", 30*time.Millisecond)
	m.MessageHandled("slack", "ok", 2*time.Second)
	m.MessageHandled("slack", "unavailable", time.Millisecond)
	m.ReplySent("slack", "ok")
	m.FlagRaised("urgent")
	m.StoreError("save", "unavailable")
	depth := 7.0
	if err := m.GaugeFunc("outbox_depth", "Entries not yet delivered.", nil, func() float64 { return depth }); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"slack", "discord"} {
		if err := m.CounterFunc("rate_limit_waits_total", "429s waited out.", map[string]string{"platform": p}, func() float64 { return 3 }); err != nil {
			t.Fatalf("second platform's counter: %v", err)
		}
	}
	after := scrape(t, m)
	for _, want := range []string{
		`peerbot_messages_handled_total{outcome="ok",platform="slack"} 2`,
		`peerbot_messages_handled_total{outcome="unavailable",platform="slack"} 1`,
		`peerbot_handle_duration_seconds_count{platform="slack"} 3`,
		`peerbot_handle_duration_seconds_bucket{platform="slack",le="0.05"} 2`,
		`peerbot_replies_sent_total{outcome="ok",platform="slack"} 1`,
		`peerbot_flags_raised_total{level="urgent"} 1`,
		`peerbot_store_errors_total{code="unavailable",operation="save"} 1`,
		`peerbot_outbox_depth 7`,
		`peerbot_rate_limit_waits_total{platform="discord"} 3`,
		`peerbot_rate_limit_waits_total{platform="slack"} 3`,
	} {
		if !strings.Contains(after, want) {
			t.Errorf("no %q in:\n%s", want, after)
		}
	}
	if err := m.GaugeFunc("outbox_depth", "again", nil, func() float64 { return 0 }); err == nil {
		t.Error("a second outbox_depth was registered")
	}
}
