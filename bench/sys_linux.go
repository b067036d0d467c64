package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// serverProcAttr puts a spawned server in its own process group, so that
// a Ctrl-C in the terminal reaches only the benchmark, which then stops
// the server itself. Pdeathsig kills the server when the thread that
// started it ends, as when the benchmark dies without calling Stop.
func serverProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// preciseSleep blocks the calling OS thread in nanosleep(2), which wakes
// within about 100 µs of d, where a Go timer may wake 1 ms late.
func preciseSleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	_ = syscall.Nanosleep(&ts, nil)
}

// raiseFileLimit raises the soft limit of open files to the hard limit, so
// that one process can hold many sockets; a spawned server inherits it. It
// returns a note saying which limit it got.
func raiseFileLimit() string {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Sprintf("open files limit unknown: %v", err)
	}
	old := lim.Cur
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Sprintf("open files limit %d; raising it to the hard limit %d failed: %v",
			old, lim.Max, err)
	}
	return fmt.Sprintf("open files limit %d (soft limit raised from %d to the hard limit)",
		lim.Cur, old)
}

// fileLimit returns the soft limit of open files, or false when it is
// unknown.
func fileLimit() (int, bool) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, false
	}
	return int(min(lim.Cur, 1<<30)), true
}

// clockTicks is USER_HZ, the unit of the CPU times in /proc/PID/stat: 100
// on every Linux architecture that Go supports.
const clockTicks = 100

// processCPU returns the user and system CPU time that process pid has
// used, or 0 when it cannot be read.
func processCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, field 2, may contain spaces; it ends at the last ')'.
	end := strings.LastIndexByte(string(data), ')')
	if end < 0 {
		return 0
	}
	fields := strings.Fields(string(data[end+1:]))
	// utime and stime are fields 14 and 15; fields[0] here is field 3.
	if len(fields) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// selfCPU returns the user and system CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
