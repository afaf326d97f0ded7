package flows

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMergeOverridesBuiltin(t *testing.T) {
	own, err := LoadDir("testdata/override")
	if err != nil {
		t.Fatal(err)
	}
	base := Builtin()
	merged := base.Merge(own)
	f := merged.Get("daily-checkin")
	if f == nil || f.Title != "Our check-in" || f.File != filepath.Join("testdata", "override", "my-checkin.yaml") {
		t.Fatalf("daily-checkin after merge = %+v", f)
	}
	if len(merged.All()) != len(base.All()) {
		t.Errorf("merge changed the number of flows: %d vs %d", len(merged.All()), len(base.All()))
	}
	for _, id := range []string{"goal-setting", "goal-followup", "weekly-wellbeing"} {
		if merged.Get(id) != base.Get(id) {
			t.Errorf("%s lost in merge", id)
		}
	}
	if base.Get("daily-checkin").Title != "Daily check-in" {
		t.Error("Merge changed the built-in set")
	}
	var nilSet *Set
	if got := nilSet.Merge(own).Get("daily-checkin"); got != own.Get("daily-checkin") {
		t.Error("Merge onto a nil set")
	}
	if nilSet.Get("x") != nil || nilSet.All() != nil {
		t.Error("nil Set is not empty")
	}
}

func TestLoadDir(t *testing.T) {
	tests := []struct {
		name  string
		paths []string
		ids   string   // when no error
		errs  []string // whole lines, in order
	}{
		{"broken files report file:line", []string{"testdata/dir"}, "", []string{
			filepath.Join("testdata", "dir", "also-broken.yml") + `:5: step "rate": scale: label for 9 is outside 1 to 5`,
			filepath.Join("testdata", "dir", "broken.yaml") + `:7: step "ok": goto "nope": no such step (did you mean "done"?)`,
		}},
		{"single good file", []string{"testdata/dir/good.yaml"}, "good-one", nil},
		{"file and directory", []string{"testdata/dir/good.yaml", "testdata/override"}, "daily-checkin good-one", nil},
		{"missing path", []string{"testdata/nope"}, "", []string{"testdata/nope: no such file or directory"}},
		{"duplicate ids", []string{"testdata/override", "testdata/override/my-checkin.yaml"}, "", []string{
			filepath.Join("testdata", "override", "my-checkin.yaml") + `:2: flow id "daily-checkin" is already used by ` + filepath.Join("testdata", "override", "my-checkin.yaml") + ":2",
		}},
		{"design example", []string{"testdata/design-example.yaml"}, "daily-checkin", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set, err := LoadFiles(tc.paths...)
			if tc.errs == nil {
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, f := range set.All() {
					ids = append(ids, f.ID)
				}
				if got := strings.Join(ids, " "); got != tc.ids {
					t.Errorf("ids = %s, want %s", got, tc.ids)
				}
				return
			}
			var l ErrorList
			if !errors.As(err, &l) {
				t.Fatalf("err = %v (%T), want ErrorList", err, err)
			}
			if set != nil {
				t.Error("a set came back with errors")
			}
			if got, want := err.Error(), strings.Join(tc.errs, "\n"); got != want {
				t.Errorf("errors:\n%s\nwant:\n%s", got, want)
			}
		})
	}
	if _, err := LoadDir("testdata/dir"); err == nil || !strings.Contains(err.Error(), "broken.yaml:7:") {
		t.Errorf("LoadDir = %v", err)
	}
	var e *Error
	_, err := LoadDir("testdata/dir")
	if !errors.As(err, &e) || e.Line == 0 {
		t.Errorf("errors.As(*Error) on LoadDir error: %v", e)
	}
}

func TestLoadDirEmptyAndUnreadable(t *testing.T) {
	dir := t.TempDir()
	set, err := LoadDir(dir)
	if err != nil || len(set.All()) != 0 {
		t.Errorf("empty dir: %v, %v", set, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x.yaml"), []byte("id: x\nsteps:\n  - {id: a, ask: Q, yesno: {}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	set, err = LoadDir(dir)
	if err != nil || set.Get("x") == nil {
		t.Errorf("dir with a subdirectory named .yaml: %v", err)
	}
}

func TestNewSetDuplicate(t *testing.T) {
	a := mustParse(t, "a.yaml", "id: same\nsteps:\n  - {id: a, ask: Q, yesno: {}}\n")
	b := mustParse(t, "b.yaml", "\nid: same\nsteps:\n  - {id: a, ask: Q, yesno: {}}\n")
	_, err := NewSet(a, b)
	if err == nil || err.Error() != `b.yaml:2: flow id "same" is already used by a.yaml:1` {
		t.Errorf("NewSet = %v", err)
	}
}

func TestValidateCron(t *testing.T) {
	tests := []struct {
		spec string
		ok   bool
	}{
		{"0 9 * * *", true},
		{"30 0 9 * * 1-5", true},
		{"CRON_TZ=UTC 0 9 * * *", true},
		{"TZ=UTC 0 9 * * *", true},
		{"@daily", true},
		{"CRON_TZ=UTC", false},
		{"TZ=", false},
		{"", false},
		{"0 9 * *", false},
		{"0 25 * * *", false},
		{"every day", false},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			if err := ValidateCron(tc.spec); (err == nil) != tc.ok {
				t.Errorf("ValidateCron(%q) = %v, want ok=%v", tc.spec, err, tc.ok)
			}
		})
	}
}
