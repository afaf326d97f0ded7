package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// A community's resources directory: `resources housing` in the terminal
// lists its housing services after the crisis lines; a broken directory
// fails validation, and start-up, with file:line.
func TestResourcesDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "resources.yaml")
	if err := os.WriteFile(good, []byte(`resources:
  - name: Hope House
    helps: Emergency shelter and help with housing applications
    reach: Call 555-0100
    tags: [housing]
  - name: Food Bank
    helps: Groceries every Tuesday
    reach: 12 Main St
    tags: [food]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, fmt.Sprintf("resources_file: %s\n", good))
	e := newEnv(t)
	r := e.run(t, "resources housing\n", "chat", "--config", cfg, "--data", t.TempDir())
	mustExit(t, r, 0)
	inOrder(t, "resources housing", r.stdout, "988", `For "housing":`, "Hope House — Emergency shelter")
	mustNotContain(t, "resources housing", r.stdout, "Food Bank")

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("resources:\n  - name: Nowhere\n    reach: nope\n    tags: [pizza]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = e.run(t, "", "validate", bad)
	mustExit(t, r, 1)
	mustContain(t, "validate", r.stdout+r.stderr, bad+`:4: tags: unknown tag "pizza"`)

	cfg = writeConfig(t, fmt.Sprintf("resources_file: %s\n", bad))
	r = e.run(t, "", "chat", "--config", cfg, "--data", t.TempDir())
	mustExit(t, r, 1)
	mustContain(t, "start-up", r.stderr, bad+`:4: tags: unknown tag "pizza"`)
}
