package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/term"

	"github.com/peerbot/peerbot/config"
)

// newLogger returns a slog logger writing to w at level ("info" when it
// is not valid) in format: text, json, or auto (text when w is a
// terminal, JSON otherwise). What is logged is ids and codes, never
// message text: that rule is kept where the log calls are.
func newLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: l}
	if logFormat(w, format) == config.LogFormatJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// logFormat resolves "auto" for w.
func logFormat(w io.Writer, format string) string {
	if format != config.LogFormatAuto && format != "" {
		return format
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return config.LogFormatText
	}
	return config.LogFormatJSON
}

// lazyFile appends to the file at path, which it creates (and its
// directory) at the first write: a chat with nothing to log leaves no
// file behind. If the file cannot be opened, the lines go to stderr.
type lazyFile struct {
	path string

	once sync.Once
	mu   sync.Mutex
	w    io.Writer
}

func (f *lazyFile) Write(p []byte) (int, error) {
	f.once.Do(func() {
		f.w = os.Stderr
		if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
			return
		}
		if file, err := os.OpenFile(f.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600); err == nil {
			f.w = file
		}
	})
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.w.Write(p)
}
