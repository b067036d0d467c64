package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// conns is one run of the conns scenario: many customers log in, open a
// socket each and stay connected and idle, pinging every 20 s.
type conns struct {
	cfg     *Config
	p       *poster
	errs    *Errors
	sockets *socketSet

	login, connect, total, pong, lag *Recorder

	// lastOpen is the UnixNano time the last socket was greeted.
	lastOpen atomic.Int64
}

// connsRESTConns caps the REST connections of the conns scenario, because
// each one takes a file descriptor that a socket could use. A login that
// waits for a free connection counts the wait in its latency.
const connsRESTConns = 128

func runConns(ctx context.Context, cfg *Config, res *Result, srv *Server) error {
	p, err := newPoster(cfg.HTTP, min(cfg.MaxInFlight, connsRESTConns), cfg.Timeout)
	if err != nil {
		return err
	}
	metrics, err := newPoster(cfg.metricsURL(), 1, cfg.Timeout)
	if err != nil {
		return fmt.Errorf("--metrics: %w", err)
	}
	pid := 0
	if srv != nil {
		pid = srv.Pid()
	}
	c := &conns{
		cfg:     cfg,
		p:       p,
		errs:    NewErrors(),
		sockets: newSocketSet(cfg.Conns),
		login:   NewRecorder("login reply", false),
		connect: NewRecorder("connect (dial to hi)", true),
		total:   NewRecorder("scheduled to hi", true),
		pong:    NewRecorder("ping→pong", true),
		lag:     NewRecorder("start lag", false),
	}
	// Besides the sockets and REST connections, the process needs about 32
	// files.
	need := cfg.Conns + connsRESTConns + 32
	if limit, ok := fileLimit(); ok && limit < need {
		res.Notes = append(res.Notes, fmt.Sprintf("--conns %d needs about %d open files, "+
			"more than the limit %d: expect \"too many open files\"", cfg.Conns, need, limit))
	}

	before, source := sampleMemory(metrics, cfg.metricsURL(), pid)
	stopHeartbeat := c.sockets.startHeartbeat(c.errs)
	cpu, work := startCPU(pid), startWork(metrics)
	connectTime := c.open(ctx)
	c.hold(ctx)
	res.CPU, res.Work = cpu.stop(), work.stop()
	after, _ := sampleMemory(metrics, cfg.metricsURL(), pid)
	stopHeartbeat()

	open := c.sockets.open.Load()
	res.Memory = &Memory{
		Metrics:          source,
		Before:           before,
		After:            after,
		Sockets:          open,
		RSSPerSocket:     perSocket(before.RSS, after.RSS, open),
		HeapPerSocket:    perSocket(before.HeapAlloc, after.HeapAlloc, open),
		StackPerSocket:   perSocket(before.StackInuse, after.StackInuse, open),
		ProcRSSPerSocket: perSocket(before.ProcRSS, after.ProcRSS, open),
	}
	c.sockets.closeAll()
	c.finish(res, connectTime)
	return nil
}

// metricsURL returns the URL of the server's /metrics.
func (c *Config) metricsURL() string {
	if c.Metrics != "" {
		return c.Metrics
	}
	return strings.TrimSuffix(c.HTTP, "/") + "/metrics"
}

// open logs in and connects the sockets at ConnectRate and returns how long
// it took from the first start to the last greeting.
func (c *conns) open(ctx context.Context) time.Duration {
	m := startMeter(c.login, c.connect, c.total, c.lag)
	defer m.Stop()
	expected := time.Duration(float64(c.cfg.Conns) / c.cfg.ConnectRate * float64(time.Second))
	bar := startProgress(c.cfg.Progress, c.cfg.ProgressTerminal, "conns: connecting", expected,
		func() string {
			return fmt.Sprintf("%d open, %d errors", c.sockets.open.Load(), c.errs.Total())
		})
	defer bar.Stop()

	start := time.Now()
	Schedule{
		Rate:        c.cfg.ConnectRate,
		Count:       int64(c.cfg.Conns),
		Duration:    expected + time.Second,
		MaxInFlight: c.cfg.MaxInFlight,
		Lag:         c.lag,
	}.Run(ctx, c.openOne)
	if last := c.lastOpen.Load(); last > 0 {
		return time.Unix(0, last).Sub(start)
	}
	return time.Since(start)
}

// openOne logs in customer bench-c<i> and opens its socket.
func (c *conns) openOne(i int64, scheduled time.Time) {
	var reply struct {
		SessionID string `json:"session_id"`
	}
	code := fmt.Sprintf("bench-c%d", i)
	if err := c.p.postJSON("/callme/wx_session/index", map[string]string{"code": code},
		&reply); err != nil {
		c.errs.Add(requestKind("wx_session/index", err))
		return
	}
	c.login.Record(time.Since(scheduled))

	dialed := time.Now()
	s, role, err := dialSocket(c.cfg.WS, reply.SessionID, c.cfg.Timeout, c.onFrame, c.closed)
	if err != nil {
		c.errs.Add("connect: " + dialKind(err))
		return
	}
	now := time.Now()
	if role != "customer" {
		s.Close()
		c.errs.Addf("connect: greeted with role %q, want customer", role)
		return
	}
	c.connect.Record(now.Sub(dialed))
	c.total.Record(now.Sub(scheduled))
	c.lastOpen.Store(now.UnixNano())
	c.sockets.put(int(i), s)
}

// hold keeps the sockets open for the duration, or until ctx ends.
func (c *conns) hold(ctx context.Context) {
	m := startMeter(c.pong)
	defer m.Stop()
	bar := startProgress(c.cfg.Progress, c.cfg.ProgressTerminal, "conns: holding",
		c.cfg.Duration, func() string {
			return fmt.Sprintf("%d open, %d pongs, %d errors",
				c.sockets.open.Load(), c.pong.Count(), c.errs.Total())
		})
	defer bar.Stop()
	timer := time.NewTimer(c.cfg.Duration)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}

// onFrame ends the ping→pong latency at a pong.
func (c *conns) onFrame(s *socket, f *frame, at time.Time) {
	if f.Push != "pong" {
		return
	}
	if sent := s.pingSent.Load(); sent > 0 {
		c.pong.Record(at.Sub(time.Unix(0, sent)))
	}
}

func (c *conns) closed(code uint16) {
	c.sockets.lost()
	c.errs.Addf("socket closed by the server with code %d", code)
}

func (c *conns) finish(res *Result, connectTime time.Duration) {
	res.Latencies = summaries(c.login, c.connect, c.total, c.pong, c.lag)
	opened := c.connect.Count()
	res.Counts = []Count{
		{"sockets opened (connect rate)", opened, rate(opened, connectTime)},
		{"sockets open at the end", c.sockets.open.Load(), 0},
		{"pongs", c.pong.Count(), 0},
	}
	res.Errors, res.ErrorTotal = c.errs.Counts(), c.errs.Total()
}

// dialKind names a failed dial for Errors.
func dialKind(err error) string {
	if kind := errKind(err); kind != "failed" {
		return kind
	}
	switch {
	case errors.Is(err, errSessionRejected):
		return "session rejected"
	case errors.Is(err, errGreetingTimeout):
		return "timed out"
	}
	return "failed"
}
