package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	// spawnTimeout bounds the wait for the "callme serving" log line; most
	// of a start is opening Badger.
	spawnTimeout = 30 * time.Second
	// stopTimeout bounds the wait for the server to exit after SIGTERM,
	// before SIGKILL.
	stopTimeout = 15 * time.Second
	// logTail is how much of the server's log a Server keeps to show when
	// the server fails.
	logTail = 64 << 10
)

// Server is a `callme serve --dev` process that Spawn started.
type Server struct {
	// HTTP is the base URL of its REST API, WS the URL of its WebSocket.
	HTTP string
	WS   string

	cmd     *exec.Cmd
	dataDir string
	log     *serverLog
	exited  chan struct{}
	waitErr error // set before exited is closed
}

// Spawn starts binary as `callme serve --dev` on free ports of 127.0.0.1,
// with a new temporary data directory and the extra flags, and waits until
// it logs "callme serving". The caller must call Stop, which also removes
// the data directory.
//
// On Linux the server runs in its own process group so that a Ctrl-C in
// the terminal reaches only the benchmark, which then stops the server.
func Spawn(binary string, extra []string) (*Server, error) {
	dataDir, err := os.MkdirTemp("", "callme-bench-")
	if err != nil {
		return nil, fmt.Errorf("create a data directory for the server: %w", err)
	}
	args := append([]string{"serve", "--dev", "--http", "127.0.0.1:0",
		"--ws", "127.0.0.1:0", "--data", dataDir, "--log-format", "json"}, extra...)
	s := &Server{
		cmd:     exec.Command(binary, args...),
		dataDir: dataDir,
		log:     &serverLog{serving: make(chan servingLine, 1)},
		exited:  make(chan struct{}),
	}
	s.cmd.Env = withoutCallmeEnv()
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = serverProcAttr()
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dataDir)
		return nil, fmt.Errorf("start %s serve: %w", binary, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()

	timer := time.NewTimer(spawnTimeout)
	defer timer.Stop()
	select {
	case line := <-s.log.serving:
		s.HTTP, s.WS = "http://"+line.HTTP, "ws://"+line.WS
		return s, nil
	case <-s.exited:
		err = fmt.Errorf("server exited before serving: %v\n%s", s.waitErr, s.log.tail())
	case <-timer.C:
		err = fmt.Errorf("server did not log \"callme serving\" within %v\n%s",
			spawnTimeout, s.log.tail())
	}
	s.Stop()
	return nil, err
}

// Pid returns the server's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Stop sends SIGTERM, waits for the exit, sends SIGKILL after 15 s and
// removes the data directory. It returns an error when the server had to
// be killed or exited with a failure, with the end of its log.
func (s *Server) Stop() error {
	var err error
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-s.exited:
		if s.waitErr != nil {
			err = fmt.Errorf("server exited with %v\n%s", s.waitErr, s.log.tail())
		}
	case <-timer.C:
		_ = s.cmd.Process.Kill()
		<-s.exited
		err = fmt.Errorf("server still running %v after SIGTERM, killed it\n%s",
			stopTimeout, s.log.tail())
	}
	os.RemoveAll(s.dataDir)
	return err
}

// withoutCallmeEnv returns the environment without CALLME_ variables, which
// would change the server's defaults.
func withoutCallmeEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CALLME_") {
			env = append(env, kv)
		}
	}
	return env
}

// servingLine is the log line that names the listen addresses.
type servingLine struct {
	Msg  string `json:"msg"`
	HTTP string `json:"http"`
	WS   string `json:"ws"`
}

// serverLog passes on the server's "callme serving" line and keeps the
// last logTail bytes of its log. A busy server logs a line per login and
// per payment, so the whole log is not kept. exec.Cmd writes to it from its
// own goroutine.
type serverLog struct {
	mu      sync.Mutex
	buf     []byte // guarded by mu; the end of the log
	partial []byte // guarded by mu; an unfinished line, until found
	found   bool   // guarded by mu; the serving line was seen
	serving chan servingLine
}

func (l *serverLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if len(l.buf) > 2*logTail {
		l.buf = append([]byte(nil), l.buf[len(l.buf)-logTail:]...)
	}
	if l.found {
		return len(p), nil
	}
	l.partial = append(l.partial, p...)
	for {
		end := bytes.IndexByte(l.partial, '\n')
		if end < 0 {
			return len(p), nil
		}
		var line servingLine
		if json.Unmarshal(l.partial[:end], &line) == nil && line.Msg == "callme serving" {
			l.found = true
			l.partial = nil
			l.serving <- line
			return len(p), nil
		}
		l.partial = l.partial[end+1:]
	}
}

func (l *serverLog) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > logTail {
		return string(l.buf[len(l.buf)-logTail:])
	}
	return string(l.buf)
}
