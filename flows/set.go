package flows

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Set is a collection of flows by id. It is immutable once built (Merge
// returns a new Set) and safe for concurrent use.
type Set struct {
	flows map[string]*Flow
}

// Get returns the flow with the given id, or nil if unknown.
func (s *Set) Get(id string) *Flow {
	if s == nil {
		return nil
	}
	return s.flows[id]
}

// All returns the flows sorted by id.
func (s *Set) All() []*Flow {
	if s == nil {
		return nil
	}
	out := make([]*Flow, 0, len(s.flows))
	for _, f := range s.flows {
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b *Flow) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Merge returns a new Set with s's flows and other's, other's winning on
// the same id, so that a community can replace a built-in flow by writing
// its own file with the same id.
func (s *Set) Merge(other *Set) *Set {
	out := &Set{flows: map[string]*Flow{}}
	if s != nil {
		for id, f := range s.flows {
			out.flows[id] = f
		}
	}
	if other != nil {
		for id, f := range other.flows {
			out.flows[id] = f
		}
	}
	return out
}

// NewSet builds a Set from flows; a repeated id is an error naming both
// places.
func NewSet(flows ...*Flow) (*Set, error) {
	s := &Set{flows: map[string]*Flow{}}
	var errs ErrorList
	for _, f := range flows {
		if prev, dup := s.flows[f.ID]; dup {
			errs = append(errs, &Error{File: f.File, Line: f.Line,
				Msg: fmt.Sprintf("flow id %q is already used by %s:%d", f.ID, prev.File, prev.Line)})
			continue
		}
		s.flows[f.ID] = f
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return s, nil
}

//go:embed builtin/*.yaml
var builtinFS embed.FS

var builtin = sync.OnceValues(func() (*Set, error) {
	return loadFS(builtinFS, "builtin")
})

// Builtin returns the built-in flows embedded in the binary. It panics if
// they do not parse: that is a bug in this package, caught by its tests.
func Builtin() *Set {
	s, err := builtin()
	if err != nil {
		panic("flows: built-in flows do not load:\n" + err.Error())
	}
	return s
}

// loadFS loads every *.yaml/*.yml file directly in dir of fsys.
func loadFS(fsys fs.FS, dir string) (*Set, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, ErrorList{{File: dir, Msg: err.Error()}}
	}
	var flows []*Flow
	var errs ErrorList
	for _, e := range entries {
		if e.IsDir() || !isFlowFile(e.Name()) {
			continue
		}
		name := path.Join(dir, e.Name())
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, &Error{File: name, Msg: err.Error()})
			continue
		}
		flows, errs = parseInto(flows, errs, name, data)
	}
	return finish(flows, errs)
}

func isFlowFile(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return (ext == ".yaml" || ext == ".yml") && !strings.HasPrefix(name, ".")
}

func parseInto(flows []*Flow, errs ErrorList, name string, data []byte) ([]*Flow, ErrorList) {
	f, err := Parse(name, data)
	if err != nil {
		if l, ok := err.(ErrorList); ok {
			return flows, append(errs, l...)
		}
		return flows, append(errs, &Error{File: name, Msg: err.Error()})
	}
	return append(flows, f), errs
}

// finish builds the Set, adding duplicate-id errors to those found so far.
func finish(flows []*Flow, errs ErrorList) (*Set, error) {
	s, err := NewSet(flows...)
	if l, ok := err.(ErrorList); ok {
		errs = append(errs, l...)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return s, nil
}

// LoadDir loads every *.yaml and *.yml file in dir (not its
// subdirectories). The error is one ErrorList with the problems of all
// files, so one run of `peerbot validate` shows everything to fix.
func LoadDir(dir string) (*Set, error) {
	return LoadFiles(dir)
}

// LoadFiles loads flow files and directories of flow files (for `peerbot
// validate FILE|DIR ...`). A flow id used twice is an error.
func LoadFiles(paths ...string) (*Set, error) {
	var flows []*Flow
	var errs ErrorList
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			errs = append(errs, &Error{File: p, Msg: statMsg(err)})
			continue
		}
		files := []string{p}
		if info.IsDir() {
			entries, err := os.ReadDir(p)
			if err != nil {
				errs = append(errs, &Error{File: p, Msg: err.Error()})
				continue
			}
			files = files[:0]
			for _, e := range entries {
				if !e.IsDir() && isFlowFile(e.Name()) {
					files = append(files, filepath.Join(p, e.Name()))
				}
			}
		}
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				errs = append(errs, &Error{File: name, Msg: statMsg(err)})
				continue
			}
			flows, errs = parseInto(flows, errs, name, data)
		}
	}
	return finish(flows, errs)
}

// statMsg drops the path from an os error: Error.File already names it.
func statMsg(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "no such file or directory"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Check reports what needs the whole set to be checked: a followup naming
// a flow the set does not have. Each error has the file and line.
func (s *Set) Check() error {
	var errs ErrorList
	for _, f := range s.All() {
		if fu := f.Followup; fu != nil && s.Get(fu.Flow) == nil {
			errs = append(errs, &Error{File: f.File, Line: fu.Line,
				Msg: fmt.Sprintf("followup: no flow %q (the flows are: %s)", fu.Flow, strings.Join(s.IDs(), ", "))})
		}
	}
	return errs.err()
}

// IDs returns the ids of the flows, sorted.
func (s *Set) IDs() []string {
	var out []string
	for _, f := range s.All() {
		out = append(out, f.ID)
	}
	return out
}
