package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/peerbot/peerbot/bot"
)

type nopEngine struct{}

func (nopEngine) Handle(context.Context, bot.Message) error { return nil }
func (nopEngine) Summary(context.Context, bot.UserID) (bot.Summary, error) {
	return bot.Summary{}, nil
}
func (nopEngine) UpdateProfile(context.Context, bot.UserID, func(*bot.Profile)) error { return nil }

func TestNew(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		wantErr  string // "" for none
		wantMode string
	}{
		{"socket by app token", Config{BotToken: "xoxb-1", AppToken: "xapp-1"}, "", ModeSocket},
		{"http by signing secret", Config{BotToken: "xoxb-1", SigningSecret: "s"}, "", ModeHTTP},
		{"both: socket", Config{BotToken: "xoxb-1", AppToken: "xapp-1", SigningSecret: "s"}, "", ModeSocket},
		{"explicit http", Config{BotToken: "xoxb-1", AppToken: "xapp-1", SigningSecret: "s", Mode: "HTTP"}, "", ModeHTTP},
		{"no bot token", Config{AppToken: "xapp-1"}, "a bot token is required", ""},
		{"neither app token nor secret", Config{BotToken: "xoxb-1"}, "an app token", ""},
		{"socket without app token", Config{BotToken: "xoxb-1", SigningSecret: "s", Mode: "socket"}, "mode socket needs an app-level token", ""},
		{"http without secret", Config{BotToken: "xoxb-1", AppToken: "xapp-1", Mode: "http"}, "mode http needs the signing secret", ""},
		{"bad mode", Config{BotToken: "xoxb-1", AppToken: "xapp-1", Mode: "rtm"}, `mode "rtm": must be "socket" or "http"`, ""},
		{"swapped tokens", Config{BotToken: "xapp-1", AppToken: "xoxb-1"}, "the bot token is an app-level token", ""},
		{"bad api url", Config{BotToken: "xoxb-1", AppToken: "xapp-1", APIURL: "slack.example"}, "api url", ""},
		{"negative rate", Config{BotToken: "xoxb-1", AppToken: "xapp-1", ChannelRate: -1}, "rates must not be negative", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := New(tt.cfg, nopEngine{}, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Mode() != tt.wantMode || a.Name() != "slack" {
				t.Errorf("mode %q name %q", a.Mode(), a.Name())
			}
			if a.cfg.WorkspaceRate != DefaultWorkspaceRate || a.cfg.ChannelRate != DefaultChannelRate || a.cfg.HTTPAddr != DefaultHTTPAddr {
				t.Errorf("defaults not applied: %+v", a.cfg)
			}
		})
	}
	a, err := New(Config{BotToken: "xoxb-1", AppToken: "xapp-1", APIURL: "http://127.0.0.1:1/api"}, nopEngine{}, nil)
	if err != nil || a.cfg.APIURL != "http://127.0.0.1:1/api/" {
		t.Errorf("api url without its slash: %v %q", err, a.cfg.APIURL)
	}
	if _, err := New(Config{BotToken: "xoxb-1", AppToken: "xapp-1"}, nil, nil); err == nil {
		t.Error("no engine accepted")
	}
}

func TestRunRefusedToken(t *testing.T) {
	h := start(t, setup{})
	a, err := New(Config{BotToken: "xoxb-wrong", AppToken: "xapp-fake", APIURL: h.fake.APIURL()}, nopEngine{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = a.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Fatalf("Run with a wrong token: %v", err)
	}
}

func blocksJSON(t *testing.T, blocks []slackgo.Block) []map[string]any {
	t.Helper()
	b, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPromptBlocks(t *testing.T) {
	opts := func(n int, label string) []bot.Option {
		var o []bot.Option
		for i := range n {
			o = append(o, bot.Option{Label: fmt.Sprintf("%s%d", label, i), Value: fmt.Sprint(i)})
		}
		return o
	}
	tests := []struct {
		name     string
		text     string
		opts     []bot.Option
		sections int
		actions  []int // buttons per actions block
	}{
		{"yes/no", "Any cravings today?", []bot.Option{{Label: "Yes", Value: "yes"}, {Label: "No", Value: "no"}}, 1, []int{2}},
		{"scale of 11", "From 0 to 10?", opts(11, ""), 1, []int{11}},
		{"30 choices", "Pick one", opts(30, "choice "), 1, []int{25, 5}},
		{"long text", strings.Repeat("word ", 1500), opts(2, ""), 3, []int{2}},
		{"long label", "Q", []bot.Option{{Label: strings.Repeat("x", 100), Value: "v"}}, 1, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks := blocksJSON(t, promptBlocks(tt.text, tt.opts))
			var sections int
			var actions []int
			ids := map[string]bool{}
			for _, b := range blocks {
				switch b["type"] {
				case "section":
					sections++
					if n := len([]rune(b["text"].(map[string]any)["text"].(string))); n > maxSectionText {
						t.Errorf("section of %d characters", n)
					}
				case "actions":
					els := b["elements"].([]any)
					actions = append(actions, len(els))
					for _, e := range els {
						el := e.(map[string]any)
						id := el["action_id"].(string)
						if ids[id] {
							t.Errorf("action id %q twice", id)
						}
						ids[id] = true
						if n := len([]rune(el["text"].(map[string]any)["text"].(string))); n > maxButtonText {
							t.Errorf("label of %d characters", n)
						}
					}
				}
			}
			if sections != tt.sections || fmt.Sprint(actions) != fmt.Sprint(tt.actions) {
				t.Errorf("%d sections, actions %v; want %d, %v", sections, actions, tt.sections, tt.actions)
			}
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
		f              func(string) string
	}{
		{"escape", "say <flow> & go", "say &lt;flow&gt; &amp; go", escape},
		{"entities", "7 &lt; 8 &amp;&amp; 9 &gt; 3", "7 < 8 && 9 > 3", plainText},
		{"user mention", "hi <@U123>", "hi @U123", plainText},
		{"named mention", "hi <@U123|sam>", "hi @sam", plainText},
		{"channel", "see <#C1|general>", "see #general", plainText},
		{"link with label", "<https://example.org|a site>", "a site", plainText},
		{"bare link", "<https://example.org>", "https://example.org", plainText},
		{"mailto", "<mailto:a@b.c|a@b.c>", "a@b.c", plainText},
		{"special", "<!here> hello", "@here hello", plainText},
		{"escaped round trip", "I <3 my group & my sponsor", "I <3 my group & my sponsor", func(s string) string { return plainText(escape(s)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSplitText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want []string
	}{
		{"short", "hello", 10, []string{"hello"}},
		{"paragraphs", "aaaa bbbb\n\ncccc dddd", 12, []string{"aaaa bbbb", "cccc dddd"}},
		{"lines", "aaaa\nbbbb\ncccc", 10, []string{"aaaa\nbbbb", "cccc"}},
		{"words", "aaaa bbbb cccc", 10, []string{"aaaa bbbb", "cccc"}},
		{"no space", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"runes", "ééééé", 2, []string{"éé", "éé", "é"}},
		{"empty", "", 5, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := splitText(tt.in, tt.max); fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAnsweredBlocks(t *testing.T) {
	orig := promptBlocks("How are you?", []bot.Option{{Label: "Good", Value: "4"}})
	if !hasOurButtons(orig) {
		t.Fatal("a prompt without our buttons")
	}
	got := answeredBlocks(orig, "How are you?", "Your answer: *Good*")
	if hasOurButtons(got) {
		t.Error("buttons left")
	}
	js, _ := json.Marshal(got)
	if !strings.Contains(string(js), "How are you?") || !strings.Contains(string(js), "Your answer: *Good*") {
		t.Errorf("answered blocks %s", js)
	}
	// Without the original blocks (a client that sent none), the fallback
	// text is the question.
	js, _ = json.Marshal(answeredBlocks(nil, "How &amp; why?", "Your answer: *x*"))
	if !strings.Contains(string(js), "How \\u0026amp; why?") {
		t.Errorf("fallback blocks %s", js)
	}
}

func TestTransient(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&slackgo.RateLimitedError{RetryAfter: time.Second}, true},
		{slackgo.StatusCodeError{Code: 503}, true},
		{slackgo.StatusCodeError{Code: 429}, true},
		{slackgo.StatusCodeError{Code: 404}, false},
		{slackgo.SlackErrorResponse{Err: "internal_error"}, true},
		{slackgo.SlackErrorResponse{Err: "channel_not_found"}, false},
		{fmt.Errorf("post: %w", errors.New("boom")), false},
	}
	for _, tt := range tests {
		if got := transient(tt.err); got != tt.want {
			t.Errorf("transient(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
