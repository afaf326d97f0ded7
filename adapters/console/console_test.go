package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/peerbot/peerbot/internal/testsync"

	"github.com/peerbot/peerbot/bot"
)

var (
	yesNo = []bot.Option{{Label: "Yes", Value: "yes"}, {Label: "No", Value: "no"}}
	mood  = []bot.Option{
		{Label: "1 — Rough", Value: "1"},
		{Label: "2 — Low", Value: "2"},
		{Label: "3 — Ok-ish", Value: "3"},
		{Label: "4", Value: "4"},
		{Label: "5 — Great", Value: "5"},
	}
)

// echo is a fake engine: it records every message and answers some words
// with prompts, anything else with what it got.
type echo struct {
	a       *Adapter
	mu      sync.Mutex
	msgs    []bot.Message
	handled chan struct{} // when set, gets a value after each message
}

func (e *echo) Handle(ctx context.Context, m bot.Message) error {
	e.mu.Lock()
	e.msgs = append(e.msgs, m)
	e.mu.Unlock()
	if e.handled != nil {
		defer func() { e.handled <- struct{}{} }()
	}
	send := func(text string, opts ...bot.Option) error {
		return e.a.Send(ctx, bot.Reply{User: m.User, Channel: m.Channel, Text: text, Options: opts})
	}
	switch m.Text {
	case "choice":
		return send("Any cravings today?", yesNo...)
	case "scale":
		return send("How are you feeling?", mood...)
	case "choice then text":
		if err := send("Any cravings today?", yesNo...); err != nil {
			return err
		}
		return send("(take your time)")
	case "choice then mentor":
		if err := send("Any cravings today?", yesNo...); err != nil {
			return err
		}
		return e.a.Send(ctx, bot.Reply{User: "console:local:mentor", Text: "Flag: low mood"})
	case "fail":
		// As a store failure reaches Handle's caller: for the log only.
		return bot.Errorf(bot.EUNAVAILABLE, "Redis at 127.0.0.1:6399 is unreachable")
	}
	switch {
	case len(m.Text) > 100:
		return send(fmt.Sprintf("got %d bytes", len(m.Text)))
	case m.Value != "":
		return send(fmt.Sprintf("you said: %s [%s]", m.Text, m.Value))
	default:
		return send("you said: " + m.Text)
	}
}

func (e *echo) messages() []bot.Message {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]bot.Message(nil), e.msgs...)
}

// chat runs a whole conversation from input and returns what the handler
// got and what was printed.
func chat(t *testing.T, input string, opts Options) ([]bot.Message, string) {
	t.Helper()
	var out bytes.Buffer
	if opts.User == "" {
		opts.User = "sam"
	}
	a := New(strings.NewReader(input), &out, opts)
	h := &echo{a: a}
	if err := a.Run(context.Background(), h); err != nil {
		t.Fatalf("Run = %v, want nil at EOF", err)
	}
	return h.messages(), out.String()
}

// texts returns each message as "text" or "text [value]".
func texts(msgs []bot.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Text
		if m.Value != "" {
			out[i] += " [" + m.Value + "]"
		}
	}
	return out
}

func TestTranscript(t *testing.T) {
	_, out := chat(t, "choice\n2\nscale\n4\nfail\nbye", Options{})
	want := `Any cravings today?
  1) Yes   2) No

you said: No [no]

How are you feeling?
  1) Rough   2) Low   3) Ok-ish   4   5) Great

you said: 4

you said: bye

`
	if out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
}

func TestLines(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string // as texts() shows them
	}{
		{"choice number picks the option", "choice\n2\n", []string{"choice", "No [no]"}},
		{"choice number with spaces", "choice\n 1 \n", []string{"choice", "Yes [yes]"}},
		{"choice number out of range", "choice\n3\n", []string{"choice", "3"}},
		{"choice zero", "choice\n0\n", []string{"choice", "0"}},
		{"choice label passes through", "choice\nYes\n", []string{"choice", "Yes"}},
		{"options apply to the next line only", "choice\nhmm\n1\n", []string{"choice", "hmm", "1"}},
		{"a later reply without options cancels them", "choice then text\n1\n", []string{"choice then text", "1"}},
		{"a reply to someone else does not", "choice then mentor\n1\n", []string{"choice then mentor", "Yes [yes]"}},
		{"scale number passes through", "scale\n4\n", []string{"scale", "4"}},
		{"scale number out of range passes through", "scale\n9\n", []string{"scale", "9"}},
		{"scale label passes through", "scale\nRough\n", []string{"scale", "Rough"}},
		{"number without options", "1\n", []string{"1"}},
		{"crlf", "hello\r\nworld\r\n", []string{"hello", "world"}},
		{"lone cr inside a line", "a\rb\n", []string{"a\rb"}},
		{"empty lines reach the engine", "\n\r\nhi\n", []string{"", "", "hi"}},
		{"last line without newline", "a\nb", []string{"a", "b"}},
		{"last line crlf without newline", "a\r", []string{"a"}},
		{"no input", "", []string{}},
		{"emoji", "feeling 😊👍🏽 today ❤️\n", []string{"feeling 😊👍🏽 today ❤️"}},
		{"rtl", "שלום, אני בסדר\nمرحبا، أنا بخير\n", []string{"שלום, אני בסדר", "مرحبا، أنا بخير"}},
		{"invalid utf-8 is replaced", "a\xffb\n", []string{"a\uFFFDb"}},
		{"handler error and reading goes on", "fail\nstill here\n", []string{"fail", "still here"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, _ := chat(t, tt.input, Options{})
			got := texts(msgs)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("messages = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMessageFields(t *testing.T) {
	msgs, _ := chat(t, "one\ntwo\n", Options{User: "alice"})
	if len(msgs) != 2 {
		t.Fatalf("got %d messages", len(msgs))
	}
	for i, m := range msgs {
		if m.Platform != "console" || m.Channel != "console" || !m.Direct ||
			m.User != "console:local:alice" || m.UserName != "alice" || !m.Time.IsZero() {
			t.Errorf("message %d = %+v", i, m)
		}
		if !strings.HasPrefix(m.ID, "console-") || !strings.HasSuffix(m.ID, fmt.Sprintf("-%d", i+1)) {
			t.Errorf("message %d ID = %q, want console-<run>-%d", i, m.ID, i+1)
		}
	}
	// Another run must not reuse ids: the store's dedupe marks outlive it.
	again, _ := chat(t, "one\n", Options{User: "alice"})
	if again[0].ID == msgs[0].ID {
		t.Errorf("two runs gave the same message id %q", msgs[0].ID)
	}
}

// TestErrorNotShown: the error Handle returns (codes, addresses) is for the
// log; the person sees only what the engine sends.
func TestErrorNotShown(t *testing.T) {
	_, out := chat(t, "fail\nok\n", Options{})
	want := "you said: ok\n\n"
	if out != want {
		t.Errorf("output = %q, want %q", out, want)
	}
}

func TestLongLines(t *testing.T) {
	ten := strings.Repeat("abcdefghij", 1024)      // 10 kB
	hundred := strings.Repeat("0123456789", 10240) // 100 kB
	euros := strings.Repeat("€", 30000)            // 90 kB of 3-byte runes: the cut falls inside one
	msgs, _ := chat(t, ten+"\n"+hundred+"\r\nafter\n"+euros+"\nend\n", Options{})
	if len(msgs) != 5 {
		t.Fatalf("got %d messages, want 5", len(msgs))
	}
	if msgs[0].Text != ten {
		t.Errorf("10 kB line: got %d bytes, want it intact", len(msgs[0].Text))
	}
	if msgs[1].Text != hundred[:maxLine] {
		t.Errorf("100 kB line: got %d bytes, want the first %d", len(msgs[1].Text), maxLine)
	}
	if msgs[2].Text != "after" {
		t.Errorf("line after a long one = %q, want %q", msgs[2].Text, "after")
	}
	if got := msgs[3].Text; !utf8.ValidString(got) || len(got) != maxLine/3*3 || strings.Trim(got, "€") != "" {
		t.Errorf("cut of multi-byte text: %d bytes, valid %v; want %d bytes of whole runes", len(got), utf8.ValidString(got), maxLine/3*3)
	}
	if msgs[4].Text != "end" {
		t.Errorf("last line = %q", msgs[4].Text)
	}
}

func TestLineOfExactlyMax(t *testing.T) {
	exact := strings.Repeat("x", maxLine)
	msgs, _ := chat(t, exact+"\r\n"+exact, Options{})
	if len(msgs) != 2 || msgs[0].Text != exact || msgs[1].Text != exact {
		t.Fatalf("lines of exactly %d bytes were changed", maxLine)
	}
}

func TestInteractive(t *testing.T) {
	_, out := chat(t, "hi\nchoice\n", Options{Interactive: true})
	if !strings.HasPrefix(out, "peerbot console, chatting as sam.") {
		t.Errorf("no banner: %q", out)
	}
	// A prompt before the first line and after each bot turn; a newline
	// ends the last one.
	if n := strings.Count(out, "> "); n != 3 {
		t.Errorf("%d prompts, want 3: %q", n, out)
	}
	if !strings.HasSuffix(out, "  1) Yes   2) No\n\n> \n") {
		t.Errorf("output ends %q", out[max(0, len(out)-40):])
	}
}

func TestPipedOutputHasNoPrompt(t *testing.T) {
	_, out := chat(t, "hi\n", Options{})
	if out != "you said: hi\n\n" {
		t.Errorf("output = %q; piped output must be the bot's messages only", out)
	}
}

func TestSendWhilePrompting(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	var out testsync.Buffer
	a := New(pr, &out, Options{User: "sam", Interactive: true})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, &echo{a: a}) }()
	waitFor(t, func() bool { return strings.HasSuffix(out.String(), "> ") })

	// A scheduled prompt arrives while the user is at "> ".
	if err := a.Send(ctx, bot.Reply{User: a.User(), Text: "Time for your check-in", Options: mood}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), "\r\x1b[KTime for your check-in\n  1) Rough   2) Low   3) Ok-ish   4   5) Great\n\n> ") {
		t.Errorf("output = %q", out.String())
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
}

func TestCancelStopsRun(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close() // lets the reader goroutine end
	var out testsync.Buffer
	a := New(pr, &out, Options{User: "sam"})
	h := &echo{a: a, handled: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()

	if _, err := io.WriteString(pw, "hello\n"); err != nil {
		t.Fatal(err)
	}
	<-h.handled
	cancel() // no more input is coming; Run must not wait for it
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if got := texts(h.messages()); len(got) != 1 || got[0] != "hello" {
		t.Errorf("messages = %q", got)
	}
}

func TestRunAfterEOF(t *testing.T) {
	a := New(strings.NewReader("hi\n"), io.Discard, Options{User: "sam"})
	h := &echo{a: a}
	for i := range 2 {
		if err := a.Run(context.Background(), h); err != nil {
			t.Fatalf("Run %d = %v", i, err)
		}
	}
	if n := len(h.messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	a := New(io.MultiReader(strings.NewReader("hi\n"), errReader{boom}), io.Discard, Options{User: "sam"})
	if err := a.Run(context.Background(), &echo{a: a}); !errors.Is(err, boom) {
		t.Errorf("Run = %v, want the read error", err)
	}
}

// TestConcurrentSend sends from other goroutines (the scheduler) while Run
// handles lines; run with -race.
func TestConcurrentSend(t *testing.T) {
	var out testsync.Buffer
	input := strings.Repeat("hi\n", 200)
	a := New(strings.NewReader(input), &out, Options{User: "sam"})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				_ = a.Send(context.Background(), bot.Reply{User: a.User(), Text: fmt.Sprintf("async %d/%d", g, i), Urgent: i%10 == 0})
			}
		})
	}
	if err := a.Run(context.Background(), &echo{a: a}); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	s := out.String()
	if n := strings.Count(s, "you said: hi\n\n"); n != 200 {
		t.Errorf("%d echoes, want 200", n)
	}
	if n := strings.Count(s, "async "); n != 200 {
		t.Errorf("%d async messages, want 200", n)
	}
}

func TestSend(t *testing.T) {
	tests := []struct {
		name  string
		reply bot.Reply
		want  string
	}{
		{"text", bot.Reply{Text: "Hello"}, "Hello\n\n"},
		{"trailing newlines are not doubled", bot.Reply{Text: "Hello\n"}, "Hello\n\n"},
		{"multi-line text", bot.Reply{Text: "Line one\nLine two"}, "Line one\nLine two\n\n"},
		{"options only", bot.Reply{Options: yesNo}, "  1) Yes   2) No\n\n"},
		{"nothing", bot.Reply{}, ""},
		{"urgent prints the same", bot.Reply{Text: "Please reach out", Urgent: true}, "Please reach out\n\n"},
		{"for someone else", bot.Reply{User: "console:local:mentor", Text: "Flag"}, "(to console:local:mentor) Flag\n\n"},
		{"zero-based scale", bot.Reply{Text: "Cheerful?", Options: []bot.Option{
			{Label: "0 — At no time", Value: "0"}, {Label: "1", Value: "1"}, {Label: "5: All of the time", Value: "5"},
		}}, "Cheerful?\n  0) At no time   1   5) All of the time\n\n"},
		{"numbers as choice labels", bot.Reply{Options: []bot.Option{
			{Label: "10 minutes", Value: "10"}, {Label: "20 minutes", Value: "20"},
		}}, "  10) 10 minutes   20) 20 minutes\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			a := New(strings.NewReader(""), &out, Options{User: "sam"})
			if err := a.Send(context.Background(), tt.reply); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("printed %q, want %q", out.String(), tt.want)
			}
		})
	}
}

func TestSendWriteError(t *testing.T) {
	a := New(strings.NewReader(""), errWriter{}, Options{User: "sam"})
	if err := a.Send(context.Background(), bot.Reply{Text: "hi"}); err == nil {
		t.Error("Send to a broken writer returned nil")
	}
}

func TestOptionsWrap(t *testing.T) {
	var opts []bot.Option
	for i := range 12 {
		opts = append(opts, bot.Option{Label: fmt.Sprintf("A fairly long option %d", i), Value: fmt.Sprintf("v%d", i)})
	}
	s := formatOptions(opts, 80)
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) < 3 {
		t.Errorf("options were not wrapped:\n%s", s)
	}
	for _, l := range lines {
		if utf8.RuneCountInString(l) > 80 || !strings.HasPrefix(l, "  ") {
			t.Errorf("bad line %q", l)
		}
	}
	if strings.Count(s, ")") != 12 {
		t.Errorf("options lost in wrapping:\n%s", s)
	}
}

func TestDefaultUser(t *testing.T) {
	t.Setenv("USER", "robin")
	if got := New(strings.NewReader(""), io.Discard, Options{}).User(); got != "console:local:robin" {
		t.Errorf("User() = %q", got)
	}
	t.Setenv("USER", "")
	if got := New(strings.NewReader(""), io.Discard, Options{}).User(); got != "console:local:you" {
		t.Errorf("User() = %q", got)
	}
	if got := New(strings.NewReader(""), io.Discard, Options{}).Name(); got != "console" {
		t.Errorf("Name() = %q", got)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestPipeIsNotInteractive(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := io.WriteString(w, "hi\n"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	var out bytes.Buffer
	a := New(r, &out, Options{User: "sam"})
	if err := a.Run(context.Background(), &echo{a: a}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "you said: hi\n\n" {
		t.Errorf("output from piped *os.File = %q; want no banner or prompt", out.String())
	}
}

func TestWrapText(t *testing.T) {
	tests := []struct {
		name, in string
		width    int
		want     string
	}{
		{"short stays", "hello there", 20, "hello there"},
		{"breaks at spaces", "one two three four", 9, "one two\nthree\nfour"},
		{"keeps long words whole", "a supercalifragilistic word", 10, "a\nsupercalifragilistic\nword"},
		{"each line on its own", "aaa bbb\nccc ddd", 5, "aaa\nbbb\nccc\nddd"},
		{"counts runes not bytes", "éééé éééé", 9, "éééé éééé"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wrapText(tt.in, tt.width); got != tt.want {
				t.Errorf("wrapText(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
			}
		})
	}
}
