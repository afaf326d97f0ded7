// Package console is the terminal chat: the front end peerbot runs when no
// chat platform is configured, the playground for trying flows, and the
// harness for whole-conversation tests (a transcript in, the bot's messages
// out).
//
// Buttons become numbered options under the message. When every option's
// value is an integer (a scale), the options are numbered by their values
// and a typed number is passed on as typed; otherwise they are numbered
// from 1 and a typed number picks that option, as a click would.
package console

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/peerbot/peerbot/bot"
)

const (
	platform  = "console"
	workspace = "local"
	// maxLine caps one message. Longer input is cut there, at a character
	// boundary, and the rest of the line is dropped: nobody types 64 kB,
	// but a pasted file must not take the process down.
	maxLine = 64 << 10
	// defaultWidth is where option lines wrap when the output is not a
	// terminal whose width can be asked.
	defaultWidth = 80
)

// Options configures an Adapter.
type Options struct {
	// User is the name of the person at the terminal; default $USER, or
	// "you". Their UserID is bot.NewUserID("console", "local", User).
	User string
	// Interactive shows a short banner and a "> " prompt after each bot
	// turn. New turns it on when the input is a terminal; with piped input
	// the output is exactly the bot's messages, so that scripted
	// conversations have clean stdout.
	Interactive bool
}

// Adapter is the terminal chat, for one local user. It implements
// bot.Adapter.
type Adapter struct {
	in    *bufio.Reader
	out   io.Writer
	opts  Options
	name  string // how to address the user; "" when unknown
	user  bot.UserID
	run   string // this adapter's id, part of message ids
	width int    // where option lines wrap

	startRead sync.Once
	lines     chan line // lines from the reader goroutine; closed at the end of input
	readErr   error     // why input ended; set before lines is closed

	mu        sync.Mutex   // guards out and the fields below: the scheduler may Send while Run reads
	pending   []bot.Option // options of the last reply to the user, for the next line only
	prompting bool         // a "> " prompt is the last thing written
	// bannerShown is set once the interactive banner is printed.
	bannerShown bool
	n           int // messages read so far
}

var _ bot.Adapter = (*Adapter)(nil)

// line is one line of input.
type line struct {
	text      string
	truncated bool
}

// New returns an adapter that reads the user's lines from in and writes the
// bot's messages to out. When in is a terminal, opts.Interactive is turned
// on.
func New(in io.Reader, out io.Writer, opts Options) *Adapter {
	if opts.User == "" {
		opts.User = os.Getenv("USER")
	}
	// Without a name the user is "you" to the store, but nobody is greeted
	// as "you".
	name := opts.User
	if opts.User == "" {
		opts.User = "you"
	}
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		opts.Interactive = true
	}
	width := defaultWidth
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w >= 20 {
			width = w
		}
	}
	return &Adapter{
		in:    bufio.NewReader(in),
		out:   out,
		opts:  opts,
		name:  name,
		user:  bot.NewUserID(platform, workspace, opts.User),
		run:   runID(),
		width: width,
		lines: make(chan line),
	}
}

// runID returns a random id for this adapter. Message ids must differ from
// one run to the next because the store keeps dedupe marks: a second
// session's "console-1" would otherwise be dropped as already handled.
func runID() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// Name returns "console", the platform name in messages and UserIDs.
func (a *Adapter) Name() string { return platform }

// User returns the UserID of the person at the terminal.
func (a *Adapter) User() bot.UserID { return a.user }

// Send prints a reply: its text, its options on one line (wrapped when
// long), then a blank line. A reply for another user (a mentor's flag) is
// shown too, marked with whom it is for, since there is only one terminal.
// Send writes at once and never batches, so an urgent reply is never
// delayed. It is safe for concurrent use.
func (a *Adapter) Send(ctx context.Context, r bot.Reply) error {
	other := r.User != "" && r.User != a.user
	var b strings.Builder
	if other {
		fmt.Fprintf(&b, "(to %s) ", r.User)
	}
	if text := strings.TrimRight(r.Text, "\r\n"); text != "" {
		if a.opts.Interactive {
			// A terminal breaks lines mid-word; piped output stays as sent.
			text = wrapText(text, a.width)
		}
		b.WriteString(text)
		b.WriteByte('\n')
	}
	if len(r.Options) > 0 {
		b.WriteString(formatOptions(r.Options, a.width))
	}
	if b.Len() > 0 {
		b.WriteByte('\n') // a blank line ends each message
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	a.bannerLocked()
	if !other {
		// Options apply to the next line only, and only those of the
		// last message: a later message without buttons cancels them.
		a.pending = append([]bot.Option(nil), r.Options...)
	}
	if b.Len() == 0 {
		return nil
	}
	var err error
	if a.prompting {
		// A message arriving while the user is at the prompt (a
		// scheduled check-in) replaces the prompt line, then the prompt
		// comes back under it.
		_, err = io.WriteString(a.out, "\r\x1b[K"+b.String()+"> ")
	} else {
		_, err = io.WriteString(a.out, b.String())
	}
	if err != nil {
		return fmt.Errorf("console: write: %w", err)
	}
	return nil
}

// Run reads one message per line and gives each to h, until the input ends
// (then it returns nil) or ctx is done (then it returns ctx.Err()). An error
// from h is not printed: it carries codes and addresses for the log, and
// the engine answers the person itself (a failed save with "please send
// it again"). Reading goes on: one failed message must not end the
// conversation. Run must not be called twice at once.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	a.startRead.Do(func() { go a.read() })
	if a.opts.Interactive {
		a.mu.Lock()
		a.bannerLocked()
		a.mu.Unlock()
		a.prompt()
	}
	defer a.endPrompt()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case l, ok := <-a.lines:
			if !ok {
				if errors.Is(a.readErr, io.EOF) {
					return nil
				}
				return fmt.Errorf("console: read: %w", a.readErr)
			}
			msg := a.message(l)
			if l.truncated && a.opts.Interactive {
				a.write(fmt.Sprintf("(your message was cut to %d kB)\n\n", maxLine>>10))
			}
			// The engine has told the person and logged the cause.
			_ = h.Handle(ctx, msg)
			a.prompt()
		}
	}
}

// message turns a typed line into a bot.Message, translating a number typed
// against the last reply's options.
func (a *Adapter) message(l line) bot.Message {
	a.mu.Lock()
	opts := a.pending
	a.pending = nil
	a.prompting = false // the user pressed Enter: the cursor is on a new line
	a.n++
	n := a.n
	a.mu.Unlock()

	msg := bot.Message{
		ID:       fmt.Sprintf("%s-%s-%d", platform, a.run, n),
		Platform: platform,
		User:     a.user,
		UserName: a.name,
		Channel:  platform,
		Direct:   true,
		Text:     l.text,
	}
	if len(opts) > 0 && !isScale(opts) {
		if k, err := strconv.Atoi(strings.TrimSpace(l.text)); err == nil && k >= 1 && k <= len(opts) {
			msg.Text, msg.Value = opts[k-1].Label, opts[k-1].Value
		}
	}
	return msg
}

// read feeds a.lines from the input. It runs once per adapter, not once per
// Run, so that two goroutines never read the same bufio.Reader.
func (a *Adapter) read() {
	for {
		l, err := a.readLine()
		if err != nil {
			a.readErr = err
			close(a.lines)
			return
		}
		a.lines <- l
	}
}

// readLine reads one line without its "\n" or "\r\n", keeping at most
// maxLine bytes of it. A bufio.Scanner would fail on a long line instead.
func (a *Adapter) readLine() (line, error) {
	var (
		buf   []byte
		total int     // bytes of the line read, end of line included
		tail  [2]byte // the last two bytes read, to find "\r\n"
		eol   int     // length of the end of line
	)
	for {
		chunk, err := a.in.ReadSlice('\n')
		total += len(chunk)
		if room := maxLine - len(buf); room > 0 {
			buf = append(buf, chunk[:min(len(chunk), room)]...)
		}
		for _, c := range chunk[max(0, len(chunk)-2):] {
			tail[0], tail[1] = tail[1], c
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			if total == 0 || !errors.Is(err, io.EOF) {
				return line{}, err
			}
			// The last line has no newline: still a message.
			if tail[1] == '\r' {
				eol = 1
			}
			break
		}
		eol = 1
		if total >= 2 && tail[0] == '\r' {
			eol = 2
		}
		break
	}
	size := total - eol
	l := line{truncated: size > maxLine}
	b := buf[:min(size, maxLine)]
	if l.truncated {
		b = cutPartialRune(b)
	}
	// The engine and the platforms assume valid UTF-8.
	l.text = strings.ToValidUTF8(string(b), "\uFFFD")
	return l, nil
}

// cutPartialRune drops an incomplete UTF-8 sequence at the end of b, left
// by cutting a line short.
func cutPartialRune(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			break
		}
	}
	return b
}

// bannerLocked prints, once and before anything else, how to use the
// terminal chat; only in interactive mode. a.mu must be held.
func (a *Adapter) bannerLocked() {
	if !a.opts.Interactive || a.bannerShown {
		return
	}
	a.bannerShown = true
	banner := fmt.Sprintf("peerbot console, chatting as %s. Type a message and press Enter; \"help\" lists what I can do, Ctrl-D leaves.", a.opts.User)
	_, _ = io.WriteString(a.out, wrapText(banner, a.width)+"\n\n")
}

// wrapText breaks each line of s at spaces so that none is wider than
// width runes; a word longer than width stays whole.
func wrapText(s string, width int) string {
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		if utf8.RuneCountInString(line) <= width {
			continue
		}
		var b strings.Builder
		n := 0
		for j, word := range strings.Split(line, " ") {
			w := utf8.RuneCountInString(word)
			if j > 0 {
				if n+1+w > width {
					b.WriteByte('\n')
					n = 0
				} else {
					b.WriteByte(' ')
					n++
				}
			}
			b.WriteString(word)
			n += w
		}
		lines[i] = b.String()
	}
	return strings.Join(lines, "\n")
}

// write prints s under the lock.
func (a *Adapter) write(s string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, _ = io.WriteString(a.out, s) // nowhere better to report a broken terminal
}

// prompt shows "> " when interactive: the bot's turn is over.
func (a *Adapter) prompt() {
	if !a.opts.Interactive {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.prompting {
		_, _ = io.WriteString(a.out, "> ")
		a.prompting = true
	}
}

// endPrompt ends the prompt line when Run returns, so that the shell's
// prompt starts on a line of its own.
func (a *Adapter) endPrompt() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.prompting {
		_, _ = io.WriteString(a.out, "\n")
		a.prompting = false
	}
}

// isScale reports whether every option's label starts with an integer
// ("1 — Rough", "5"): then the options are shown, and typed, by that
// number. Values are the engine's own (bound to their question) and say
// nothing about the answer.
func isScale(opts []bot.Option) bool {
	for _, o := range opts {
		if labelNumber(o.Label) == "" {
			return false
		}
	}
	return len(opts) > 0
}

// labelNumber returns the integer a label starts with, or "".
func labelNumber(label string) string {
	label = strings.TrimSpace(label)
	end := 0
	for end < len(label) && (label[end] >= '0' && label[end] <= '9' || end == 0 && label[end] == '-') {
		end++
	}
	if end == 0 || label[:end] == "-" || end < len(label) && unicode.IsLetter(rune(label[end])) {
		return ""
	}
	return label[:end]
}

// formatOptions renders options as "  1) Yes   2) No", wrapped at width.
// A scale is numbered by its values, and a label that repeats the value
// ("1 — Rough") is shortened to the rest ("1) Rough"); a label that is only
// the value shows as the bare number.
func formatOptions(opts []bot.Option, width int) string {
	scale := isScale(opts)
	items := make([]string, len(opts))
	for i, o := range opts {
		label := oneLine(o.Label)
		if !scale {
			items[i] = strconv.Itoa(i+1) + ") " + label
			continue
		}
		num := labelNumber(label)
		if rest := stripNumber(label, num); rest != "" {
			items[i] = num + ") " + rest
		} else {
			items[i] = num
		}
	}
	const indent, gap = "  ", "   "
	var b strings.Builder
	cur := indent
	for i, it := range items {
		if i > 0 {
			if utf8.RuneCountInString(cur)+len(gap)+utf8.RuneCountInString(it) > width {
				b.WriteString(cur + "\n")
				cur = indent + it
				continue
			}
			cur += gap
		}
		cur += it
	}
	b.WriteString(cur + "\n")
	return b.String()
}

// stripNumber removes a leading "num — " (or "num - ", "num: ", "num. ",
// "num) ") from label; a label that is just num becomes "".
func stripNumber(label, num string) string {
	rest, ok := strings.CutPrefix(label, num)
	if !ok {
		return label
	}
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return ""
	}
	for _, sep := range []string{"—", "–", "-", ":", ".", ")"} {
		if r, ok := strings.CutPrefix(rest, sep); ok {
			return strings.TrimSpace(r)
		}
	}
	return label // "10 minutes": the number is part of the label
}

// oneLine folds newlines so that a label stays on one line.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ")
}
