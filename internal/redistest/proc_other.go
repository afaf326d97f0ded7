//go:build !linux

package redistest

import (
	"os/exec"
	"syscall"
)

// sysProcAttr: parent-death signals exist on Linux only; elsewhere the
// servers are stopped by t.Cleanup alone.
func sysProcAttr() *syscall.SysProcAttr { return nil }

func startProcess(cmd *exec.Cmd) error { return cmd.Start() }
