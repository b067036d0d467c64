// Package bench drives a callme server over its wire protocol the way a
// lunch rush does, and measures what the users would see. It talks to the
// server only over HTTP and WebSocket, as the mini-program and WeChat Pay
// do, and can start the server itself (Config.Spawn).
//
// Scenarios:
//
//	conns     many idle authenticated sockets: connect rate, connect
//	          latency, the server's memory per socket
//	rush      customers order and pay, sellers call the paid orders:
//	          paid→number and call→push latency
//	rest      the read routes of the REST API at a fixed rate
//	baseline  the same load generator against a bare gws server and a
//	          bare fasthttp handler in this process: the floor
//
// Load is open-loop: requests start on a fixed schedule, not after the
// previous reply, and latency counts from the scheduled start, so that an
// overloaded server cannot hide its queueing (coordinated omission).
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"time"
)

// Scenarios lists the names Run accepts.
var Scenarios = []string{"conns", "rush", "rest", "baseline"}

// Default rates, per second, for a Config field left at 0.
const (
	DefaultRushRate = 200
	DefaultRESTRate = 2000
	DefaultCallRate = 100
)

// Config sets up one run. Run fills zero fields with defaults where a
// field's comment names one.
type Config struct {
	Scenario string
	// Command is the command line, stored in the result as it is.
	Command []string

	// HTTP is the REST base URL and WS the WebSocket URL of the server.
	HTTP string
	WS   string
	// Metrics is the URL of the server's Prometheus /metrics, read for its
	// memory, synced writes and pushes; default HTTP + "/metrics".
	Metrics string
	// Spawn starts `ServerBinary serve --dev` on free loopback ports with a
	// temporary data directory instead of using HTTP and WS, and stops it
	// at the end. ServeFlags are added to its command line.
	Spawn        bool
	ServerBinary string
	ServeFlags   []string

	// Duration is how long the load runs (conns: how long the sockets are
	// held after they opened). Timeout bounds each request and each wait
	// for a push; it also bounds the wait for late pushes after the load.
	Duration time.Duration
	Timeout  time.Duration
	// MaxInFlight bounds the operations running at once and the REST
	// connections.
	MaxInFlight int

	// The merchant of the payment notices: the server's --wx-appid,
	// --wx-mchid and --wx-paykey.
	AppID  string
	MchID  string
	PayKey string

	// conns: Conns sockets opened at ConnectRate per second.
	Conns       int
	ConnectRate float64

	// rush and rest: Shops sellers with two products each and Customers
	// customers. rush places and pays Rate orders per second (default 200)
	// and calls CallRate paid orders per second (default 100). A notice is
	// scheduled PayDelay after its order, as a customer takes time to pay.
	// rest sends Rate requests per second (default 2000).
	Shops     int
	Customers int
	Rate      float64
	CallRate  float64
	PayDelay  time.Duration
	// Baseline also runs the matching baseline at the same rate and
	// duration, and reports the ratios to it.
	Baseline bool

	// Progress, when set, receives a progress display: a bar when
	// ProgressTerminal, else a line per second.
	Progress         io.Writer
	ProgressTerminal bool
}

// Validate checks c and fills the defaults of rates. Run calls it too; a
// command calls it first to tell a usage error from a failed run.
func (c *Config) Validate() error {
	switch c.Scenario {
	case "conns", "rush", "rest", "baseline":
	default:
		return fmt.Errorf("unknown scenario %q: use conns, rush, rest or baseline", c.Scenario)
	}
	if c.Rate == 0 {
		c.Rate = DefaultRESTRate
		if c.Scenario == "rush" {
			c.Rate = DefaultRushRate
		}
	}
	if c.CallRate == 0 {
		c.CallRate = DefaultCallRate
	}
	checks := []struct {
		bad     bool
		problem string
	}{
		{c.Duration <= 0, fmt.Sprintf("--duration %v: must be positive", c.Duration)},
		{c.Timeout <= 0, fmt.Sprintf("--timeout %v: must be positive", c.Timeout)},
		{c.MaxInFlight < 1, fmt.Sprintf("--max-inflight %d: must be at least 1", c.MaxInFlight)},
		{c.Rate < 0, fmt.Sprintf("--rate %g: must be positive", c.Rate)},
		{c.CallRate < 0, fmt.Sprintf("--call-rate %g: must be positive", c.CallRate)},
		{c.Scenario == "conns" && c.Conns < 1,
			fmt.Sprintf("--conns %d: must be at least 1", c.Conns)},
		{c.Scenario == "conns" && c.ConnectRate <= 0,
			fmt.Sprintf("--connect-rate %g: must be positive", c.ConnectRate)},
		{c.Scenario != "conns" && c.Customers < 1,
			fmt.Sprintf("--customers %d: must be at least 1", c.Customers)},
		{(c.Scenario == "rush" || c.Scenario == "rest") && c.Shops < 1,
			fmt.Sprintf("--shops %d: must be at least 1", c.Shops)},
		{c.PayDelay < 0, fmt.Sprintf("--pay-delay %v: must not be negative", c.PayDelay)},
	}
	for _, check := range checks {
		if check.bad {
			return errors.New("invalid " + check.problem)
		}
	}
	return nil
}

// Run runs the scenario of cfg. When ctx ends early, as on Ctrl-C, it
// stops the load, waits for the requests in flight and returns the partial
// result with Interrupted set. When the scenario cannot be set up or a
// spawned server fails, Run returns an error with the result measured until
// then, which may hold no figures.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	res := &Result{
		Scenario:  cfg.Scenario,
		Command:   cfg.Command,
		StartedAt: time.Now(),
		Machine:   describeMachine(),
		Errors:    map[string]int64{},
		Settings:  cfg.settings(),
	}
	res.Machine.Shared = fmt.Sprintf("the server and the load generator share these %d CPUs, "+
		"so each caps the other", res.Machine.CPUs)
	res.Notes = append(res.Notes, raiseFileLimit())

	var err error
	switch cfg.Scenario {
	case "conns":
		err = withServer(ctx, &cfg, res, runConns)
	case "rush":
		err = withServer(ctx, &cfg, res, runRush)
	case "rest":
		err = withServer(ctx, &cfg, res, runREST)
	case "baseline":
		res.Machine.Shared = fmt.Sprintf("the bare servers and the load generator share "+
			"this process and these %d CPUs", res.Machine.CPUs)
		err = runBaseline(ctx, &cfg, res)
	}
	res.Elapsed = time.Since(res.StartedAt).Seconds()
	res.Interrupted = ctx.Err() != nil
	return res, err
}

// settings returns the settings of cfg that its scenario uses, named as
// the flags of `callme bench`.
func (c *Config) settings() map[string]string {
	s := map[string]string{
		"duration":     c.Duration.String(),
		"timeout":      c.Timeout.String(),
		"max-inflight": strconv.Itoa(c.MaxInFlight),
	}
	if c.Scenario != "baseline" {
		s["spawn"] = strconv.FormatBool(c.Spawn)
		if !c.Spawn {
			s["http"], s["ws"] = c.HTTP, c.WS
		}
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	switch c.Scenario {
	case "conns":
		s["conns"], s["connect-rate"] = strconv.Itoa(c.Conns), num(c.ConnectRate)
	case "rush":
		s["shops"], s["customers"] = strconv.Itoa(c.Shops), strconv.Itoa(c.Customers)
		s["rate"], s["call-rate"] = num(c.Rate), num(c.CallRate)
		s["pay-delay"], s["baseline"] = c.PayDelay.String(), strconv.FormatBool(c.Baseline)
	case "rest":
		s["shops"], s["customers"] = strconv.Itoa(c.Shops), strconv.Itoa(c.Customers)
		s["rate"], s["baseline"] = num(c.Rate), strconv.FormatBool(c.Baseline)
	case "baseline":
		s["customers"], s["rate"], s["call-rate"] = strconv.Itoa(c.Customers), num(c.Rate),
			num(c.CallRate)
	}
	return s
}

// withServer spawns the server when cfg.Spawn, runs the scenario against it
// and stops it.
func withServer(ctx context.Context, cfg *Config, res *Result,
	scenario func(context.Context, *Config, *Result, *Server) error,
) (err error) {
	if !cfg.Spawn {
		res.Server = ServerInfo{HTTP: cfg.HTTP, WS: cfg.WS}
		if !isLoopback(cfg.HTTP) || !isLoopback(cfg.WS) {
			res.Machine.Shared = "the server is not on loopback; the machine above is the " +
				"load generator's"
		}
		return scenario(ctx, cfg, res, nil)
	}
	binary := cfg.ServerBinary
	if binary == "" {
		if binary, err = os.Executable(); err != nil {
			return fmt.Errorf("find the callme binary to spawn: %w", err)
		}
	}
	srv, err := Spawn(binary, cfg.ServeFlags)
	if err != nil {
		return err
	}
	defer func() {
		if stopErr := srv.Stop(); stopErr != nil && err == nil {
			err = stopErr
		}
	}()
	cfg.HTTP, cfg.WS = srv.HTTP, srv.WS
	res.Server = ServerInfo{HTTP: srv.HTTP, WS: srv.WS, Spawned: true, Pid: srv.Pid()}
	return scenario(ctx, cfg, res, srv)
}

func isLoopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// rate returns n per second over d.
func rate(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// summaries returns the summaries of recorders in order.
func summaries(recorders ...*Recorder) []LatencySummary {
	out := make([]LatencySummary, len(recorders))
	for i, r := range recorders {
		out[i] = r.Summary()
	}
	return out
}
