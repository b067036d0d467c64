//go:build !linux

package bench

import (
	"syscall"
	"time"
)

// serverProcAttr returns nil: outside Linux a spawned server stays in the
// benchmark's process group, so a Ctrl-C in the terminal stops it too and
// the requests still in flight fail.
func serverProcAttr() *syscall.SysProcAttr { return nil }

// preciseSleep sleeps with a Go timer. Only the Linux build sleeps more
// precisely.
func preciseSleep(d time.Duration) { time.Sleep(d) }

// raiseFileLimit leaves the limit of open files as it is outside Linux.
func raiseFileLimit() string {
	return "open files limit not raised: only the Linux build raises it"
}

// fileLimit reports the limit of open files as unknown.
func fileLimit() (int, bool) { return 0, false }

// processCPU and selfCPU return 0: only the Linux build measures CPU time.
func processCPU(int) time.Duration { return 0 }

func selfCPU() time.Duration { return 0 }
