package main

import (
	"bufio"
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// repoRoot is where the Dockerfile and deploy/ are, from this package.
const repoRoot = "../.."

// dockerBuildLine finds the `RUN ... go build` line of the Dockerfile: the
// command that builds the image's binary.
func dockerBuildLine(t *testing.T) string {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var found []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "RUN "); ok && strings.Contains(line, "go build") {
			found = append(found, line)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one RUN … go build line in the Dockerfile, found %q", found)
	}
	return found[0]
}

// Docker cannot run here, so the image's build is checked by what it does:
// the Dockerfile's own go build command gives a static binary (no dynamic
// loader, no shared libraries: it runs on distroless/static or scratch)
// that carries the version and accepts the compose and Kubernetes configs.
func TestStaticBuild(t *testing.T) {
	t.Parallel()
	line := dockerBuildLine(t)
	if !strings.HasPrefix(line, "CGO_ENABLED=0 ") {
		t.Errorf("the Dockerfile builds without CGO_ENABLED=0: %q", line)
	}
	out := regexp.MustCompile(`-o (\S+)`).FindStringSubmatch(line)
	if out == nil {
		t.Fatalf("no -o in %q", line)
	}
	bin := filepath.Join(t.TempDir(), "peerbot")
	ctx, cancel := context.WithTimeout(context.Background(), 5*runTimeout)
	defer cancel()
	build := exec.CommandContext(ctx, "sh", "-c", strings.Replace(line, out[0], "-o "+bin, 1))
	build.Dir = repoRoot
	build.Env = append(os.Environ(), "VERSION=v0.0.0-dockertest")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", line, err, b)
	}

	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("not an ELF binary: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary asks for a dynamic loader (PT_INTERP): it is not static")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %q (%v)", libs, err)
	}

	run := func(args ...string) result {
		t.Helper()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = newEnv(t).environ()
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		r := result{args: args, stdout: stdout.String(), stderr: stderr.String()}
		if exit, ok := err.(*exec.ExitError); ok {
			r.code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := run("version")
	mustExit(t, r, 0)
	mustContain(t, "version", r.stdout, "peerbot v0.0.0-dockertest")

	r = run("validate", filepath.Join(repoRoot, "deploy", "peerbot.yaml"))
	mustExit(t, r, 0)
	mustContain(t, "validate the compose config", r.stdout, "ok: 1 file(s)")

	k8sConfig := filepath.Join(t.TempDir(), "peerbot.yaml")
	if err := os.WriteFile(k8sConfig, []byte(k8sConfigMap(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	r = run("validate", k8sConfig)
	mustExit(t, r, 0)
}

// k8sConfigMap returns the peerbot.yaml of the Kubernetes example's
// ConfigMap.
func k8sConfigMap(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "k8s", "peerbot.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	for {
		var doc struct {
			Kind string
			Data map[string]string
		}
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("no ConfigMap with peerbot.yaml in deploy/k8s/peerbot.yaml: %v", err)
		}
		if doc.Kind == "ConfigMap" && doc.Data["peerbot.yaml"] != "" {
			return doc.Data["peerbot.yaml"]
		}
	}
}

// The compose file runs peerbot and Redis with its append-only file on a
// volume and the sample config mounted where the image looks; the
// Kubernetes example has two replicas with both probes.
func TestDeployFiles(t *testing.T) {
	t.Parallel()
	var compose struct {
		Services map[string]struct {
			Command     []string
			Volumes     []string
			Environment map[string]string
			EnvFile     string `yaml:"env_file"`
		}
		Volumes map[string]any
	}
	data, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &compose); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	redis, bot := compose.Services["redis"], compose.Services["peerbot"]
	if !strings.Contains(strings.Join(redis.Command, " "), "--appendonly yes") {
		t.Errorf("redis runs without --appendonly yes: %q", redis.Command)
	}
	if len(redis.Volumes) == 0 || !strings.HasSuffix(redis.Volumes[0], ":/data") {
		t.Errorf("redis keeps /data on no volume: %q", redis.Volumes)
	}
	if _, ok := compose.Volumes[strings.Split(redis.Volumes[0], ":")[0]]; !ok {
		t.Errorf("redis volume %q is not a named volume", redis.Volumes[0])
	}
	mount := "./peerbot.yaml:" + bot.Environment["PEERBOT_CONFIG"] + ":ro"
	if len(bot.Volumes) == 0 || bot.Volumes[0] != mount {
		t.Errorf("peerbot mounts %q, want the sample config at $PEERBOT_CONFIG (%s)", bot.Volumes, mount)
	}
	if bot.EnvFile != ".env" {
		t.Errorf("peerbot's secrets come from %q, want .env", bot.EnvFile)
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "deploy", ".env.example")); err != nil {
		t.Errorf("no .env.example to copy: %v", err)
	}

	data, err = os.ReadFile(filepath.Join(repoRoot, "deploy", "k8s", "peerbot.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"replicas: 2", "path: /healthz", "path: /readyz", "livenessProbe", "readinessProbe", "runAsNonRoot: true", "redis://peerbot-redis:6379"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("deploy/k8s/peerbot.yaml lacks %q", want)
		}
	}
}
