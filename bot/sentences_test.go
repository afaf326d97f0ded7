package bot

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/peerbot/peerbot/flows"
)

var updateSentences = flag.Bool("update", false, "rewrite testdata/sentences.golden")

// sentencesGolden lists every built-in sentence a person may read, so that
// a reviewer reads them in one place and sees each change in the diff.
const sentencesGolden = "testdata/sentences.golden"

// TestSentences lists every built-in sentence into testdata/sentences.golden
// (go test ./bot -run TestSentences -update rewrites it): the engine's texts
// as written in its source — every string literal of the package's files
// that is not a log message, an internal error, a map key, a case of a
// switch or a time layout — the main texts rendered in both
// configurations (flags reaching nobody, and a mentor), and the built-in
// flows' titles, labels, prompts, buttons, flag reasons and done texts.
func TestSentences(t *testing.T) {
	var b strings.Builder
	b.WriteString(`# Every sentence peerbot may show a person, from the engine (bot/*.go)
# and the built-in flows (flows/builtin/*.yaml). Written by TestSentences in
# bot/sentences_test.go; rewrite it with:
#
#     go test ./bot -run TestSentences -update
#
# Fragments keep their Go verbs (%s, %q, %d): they are filled in at run time.
`)
	engineLiterals(t, &b)
	renderedTexts(t, &b)
	flowSentences(&b)

	got := b.String()
	if *updateSentences {
		if err := os.WriteFile(sentencesGolden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(sentencesGolden)
	if err != nil {
		t.Fatalf("%v (run go test ./bot -run TestSentences -update)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			g, w := lineAt(gl, i), lineAt(wl, i)
			if g != w {
				t.Fatalf("%s is out of date from line %d:\n got: %s\nwant: %s\nReview the change, then rewrite it with -update.",
					sentencesGolden, i+1, g, w)
			}
		}
	}
}

func lineAt(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(end of file)"
}

// engineLiterals writes the person-facing string literals of the
// package's non-test files, by file and by the declaration they are in.
func engineLiterals(t *testing.T, b *strings.Builder) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	files = slices.DeleteFunc(files, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
	slices.Sort(files)
	b.WriteString("\n## The engine, by file and declaration\n")
	fset := token.NewFileSet()
	for _, file := range files {
		f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		add := func(name string, n ast.Node) {
			seen := map[string]bool{}
			for _, s := range personLiterals(n) {
				if !seen[s] {
					seen[s] = true
					lines = append(lines, name+": "+indentMore(s))
				}
			}
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				add(funcName(d), d)
			case *ast.GenDecl:
				if d.Tok != token.CONST && d.Tok != token.VAR {
					continue
				}
				for _, spec := range d.Specs {
					add(spec.(*ast.ValueSpec).Names[0].Name, spec)
				}
			}
		}
		if len(lines) > 0 {
			fmt.Fprintf(b, "\n### bot/%s\n\n%s\n", file, strings.Join(lines, "\n"))
		}
	}
}

// funcName names a function, with its receiver's type.
func funcName(d *ast.FuncDecl) string {
	if d.Recv != nil && len(d.Recv.List) > 0 {
		typ := d.Recv.List[0].Type
		if star, ok := typ.(*ast.StarExpr); ok {
			typ = star.X
		}
		if id, ok := typ.(*ast.Ident); ok {
			return id.Name + "." + d.Name.Name
		}
	}
	return d.Name.Name
}

// personLiterals returns the string literals in n a person may read, in
// source order. Left out: log calls (e.log.Warn, slog); errors.New,
// fmt.Errorf and panic, which are internal; map keys and switch cases,
// which are what people type, not what they read; and literals with no
// letter outside formatting verbs, single lower-case words (ids, rule
// names, button scopes) and time layouts.
func personLiterals(n ast.Node) []string {
	var out []string
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if internalCall(n.Fun) {
				return false
			}
		case *ast.CaseClause:
			// The cases are what people type; the body may answer them.
			for _, s := range n.Body {
				ast.Inspect(s, visit)
			}
			return false
		case *ast.KeyValueExpr:
			if _, ok := n.Key.(*ast.BasicLit); ok {
				return false
			}
			// A command's words are what people type.
			if id, ok := n.Key.(*ast.Ident); ok && id.Name == "words" {
				return false
			}
		case *ast.BasicLit:
			out = appendLiteral(out, n)
		}
		return true
	}
	ast.Inspect(n, visit)
	return out
}

// internalCall reports a call whose strings never reach a person.
func internalCall(fun ast.Expr) bool {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name == "panic"
	case *ast.SelectorExpr:
		switch x := f.X.(type) {
		case *ast.Ident:
			switch x.Name + "." + f.Sel.Name {
			case "errors.New", "fmt.Errorf", "slog.String", "slog.Any":
				return true
			}
			return x.Name == "log" || x.Name == "slog"
		case *ast.SelectorExpr:
			return x.Sel.Name == "log"
		}
	}
	return false
}

// verbRE matches fmt's verbs: "%s", "%[1]s", "%v".
var verbRE = regexp.MustCompile(`%(\[\d+\])?[a-zA-Z]`)

func appendLiteral(out []string, lit *ast.BasicLit) []string {
	if lit.Kind != token.STRING {
		return out
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil || !strings.ContainsFunc(verbRE.ReplaceAllString(s, ""), unicode.IsLetter) ||
		strings.Contains(s, "2006") || strings.Contains(s, "15:04") {
		return out
	}
	if !strings.ContainsFunc(s, unicode.IsSpace) {
		r := []rune(s)
		if !unicode.IsUpper(r[0]) {
			return out
		}
	}
	return append(out, s)
}

// indentMore indents the lines after the first of a multi-line text.
func indentMore(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// renderedTexts writes the main texts as a person reads them, with flags
// reaching nobody (the default) and reaching a mentor; the crisis
// resources are written once.
func renderedTexts(t *testing.T, b *strings.Builder) {
	b.WriteString("\n## The main texts as sent\n")
	const resources = "• (the crisis resources below)"
	for _, reach := range []string{"", "a mentor"} {
		e, err := New(Options{Store: nopStore{}, Flows: flows.Builtin(), FlagsReach: reach})
		if err != nil {
			t.Fatal(err)
		}
		who := "nobody (the default)"
		if reach != "" {
			who = reach
		}
		texts := []struct{ name, text string }{
			{"consent", e.consentText()},
			{"crisis reply", e.crisisText(true)},
			{"crisis reply, store down", e.crisisText(false)},
			{"safety check", e.safetyText()},
			{"resources", e.resourcesText()},
			{"worried peer", e.peerText()},
		}
		printed := map[string]string{}
		for _, x := range texts {
			text := strings.ReplaceAll(x.text, e.bulletResources(), resources)
			if same, ok := printed[text]; ok {
				fmt.Fprintf(b, "\n### %s — flags reach %s\n\nThe same as the %s.\n", x.name, who, same)
				continue
			}
			printed[text] = x.name
			fmt.Fprintf(b, "\n### %s — flags reach %s\n\n%s\n", x.name, who, text)
		}
	}
	fmt.Fprintf(b, "\n### the crisis resources (the default; a community sets its own)\n\n• %s\n", strings.Join(DefaultCrisisResources, "\n• "))
	for _, rule := range []string{"relapse", "craving"} {
		fmt.Fprintf(b, "\n### disclosure: %s\n\n%s\n", rule, disclosureText(rule))
	}
}

// flowSentences writes every text of the built-in flows.
func flowSentences(b *strings.Builder) {
	b.WriteString("\n## The built-in flows\n")
	for _, f := range flows.Builtin().All() {
		fmt.Fprintf(b, "\n### %s (flows/%s)\n\n", f.ID, f.File)
		for _, s := range f.Sentences() {
			fmt.Fprintf(b, "%s: %s\n", s.Where, indentMore(s.Text))
		}
	}
}

// nopStore is a Store for building an Engine whose texts are rendered;
// the test never calls it.
type nopStore struct{ Store }
