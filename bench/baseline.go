package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/lxzan/gws"
	"github.com/valyala/fasthttp"
)

// Names of the baseline latencies, which the ratios look up.
const (
	bareTriggerName = "trigger reply (bare fasthttp)"
	barePushName    = "push (bare gws)"
	bareRESTName    = "rest (bare fasthttp)"
)

// bareServer is the floor the scenarios compare with: the same gws and
// fasthttp settings as callme's edge, with no engine behind them. Its
// WebSocket greets like callme's (whoareyou, then hi after the session
// frame) and echoes every later frame. Its REST handler turns a POST to
// callPath into a call push on the socket of the session, and replies to
// any other POST with a fixed JSON body.
type bareServer struct {
	HTTP string
	WS   string

	rest   *fasthttp.Server
	ws     *http.Server
	wsDone chan struct{}

	mu      sync.Mutex
	sockets map[string]*gws.Conn // by session id, guarded by mu
}

var (
	bareWhoAreYou = []byte(`{"push":"whoareyou"}`)
	bareHi        = []byte(`{"push":"hi","role":"customer"}`)
	bareOK        = []byte(`{"errmsg":"ok"}`)
	bareList      = []byte(`{"list":[]}`)
)

// startBareServer serves on two free ports of 127.0.0.1. The caller must
// call Close.
func startBareServer() (*bareServer, error) {
	httpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the bare REST server: %w", err)
	}
	wsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		httpLn.Close()
		return nil, fmt.Errorf("listen for the bare WebSocket server: %w", err)
	}

	b := &bareServer{
		HTTP:    "http://" + httpLn.Addr().String(),
		WS:      "ws://" + wsLn.Addr().String(),
		wsDone:  make(chan struct{}),
		sockets: make(map[string]*gws.Conn),
	}
	b.rest = &fasthttp.Server{Handler: b.handle, Name: "bare"}

	// The options of callme's edge.WS, so that only the engine differs.
	upgrader := gws.NewUpgrader(bareEvents{b}, &gws.ServerOption{
		ReadMaxPayloadSize: 4096,
		ReadBufferSize:     4096,
		PermessageDeflate:  gws.PermessageDeflate{Enabled: false},
		CheckUtf8Enabled:   true,
		ParallelEnabled:    false,
	})
	b.ws = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, err := upgrader.Upgrade(w, r)
			if err != nil {
				return
			}
			go conn.ReadLoop()
		}),
		// The clients count failures, such as running out of files.
		ErrorLog: log.New(io.Discard, "", 0),
	}

	go func() { _ = b.rest.Serve(httpLn) }()
	go func() {
		defer close(b.wsDone)
		_ = b.ws.Serve(wsLn)
	}()
	return b, nil
}

// Close stops both servers and closes every socket.
func (b *bareServer) Close() {
	_ = b.rest.Shutdown()
	_ = b.ws.Close()
	<-b.wsDone
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.sockets {
		_ = c.NetConn().Close()
	}
}

func (b *bareServer) handle(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("application/json; charset=utf-8")
	if string(ctx.Path()) != callPath {
		ctx.SetBody(bareList)
		return
	}
	var f callFields
	if err := json.Unmarshal(ctx.PostBody(), &f); err != nil {
		ctx.SetStatusCode(fasthttp.StatusBadRequest)
		ctx.SetBodyString(`{"errmsg":"invalid JSON"}`)
		return
	}
	b.mu.Lock()
	conn := b.sockets[f.SessionID]
	b.mu.Unlock()
	if conn == nil {
		ctx.SetStatusCode(fasthttp.StatusNotFound)
		ctx.SetBodyString(`{"errmsg":"no socket of this session"}`)
		return
	}
	push, _ := json.Marshal(map[string]any{
		"push": "call", "order_id": f.OrderID, "number": 1, "shop_name": "bare",
	})
	if err := conn.WriteMessage(gws.OpcodeText, push); err != nil {
		ctx.SetStatusCode(fasthttp.StatusGone)
		ctx.SetBodyString(`{"errmsg":"socket closed"}`)
		return
	}
	ctx.SetBody(bareOK)
}

// bareEvents receives the gws callbacks of the bare server's sockets.
type bareEvents struct{ b *bareServer }

const bareSessionKey = "session"

func (e bareEvents) OnOpen(c *gws.Conn) { _ = c.WriteMessage(gws.OpcodeText, bareWhoAreYou) }

func (e bareEvents) OnClose(c *gws.Conn, _ error) {
	if id, ok := c.Session().Load(bareSessionKey); ok {
		e.b.mu.Lock()
		delete(e.b.sockets, id.(string))
		e.b.mu.Unlock()
	}
}

func (e bareEvents) OnPing(c *gws.Conn, payload []byte) { _ = c.WritePong(payload) }

func (e bareEvents) OnPong(*gws.Conn, []byte) {}

func (e bareEvents) OnMessage(c *gws.Conn, msg *gws.Message) {
	defer msg.Close()
	if _, ok := c.Session().Load(bareSessionKey); ok {
		_ = c.WriteMessage(msg.Opcode, msg.Bytes())
		return
	}
	var f struct {
		SessionID string `json:"session_id"`
	}
	if json.Unmarshal(msg.Bytes(), &f) != nil || f.SessionID == "" {
		_ = c.WriteClose(4401, []byte("invalid session"))
		return
	}
	c.Session().Store(bareSessionKey, f.SessionID)
	e.b.mu.Lock()
	e.b.sockets[f.SessionID] = c
	e.b.mu.Unlock()
	_ = c.WriteMessage(gws.OpcodeText, bareHi)
}

// baselineSockets returns how many sockets the push baseline can open
// within the limit of open files, keeping 256 files for the REST
// connections and the rest.
func baselineSockets() int {
	limit, ok := fileLimit()
	if !ok {
		return 1 << 30
	}
	return max((limit-256)/2, 1)
}

// bareSession returns the session id of baseline user i, as long as a real
// session id, so that request bodies have the same size.
func bareSession(i int) string { return fmt.Sprintf("baseline-session-%015d", i) }

// runPushBaseline opens sockets to a bare server and triggers call pushes
// at rate for cfg.Duration, through the caller that rush uses.
func runPushBaseline(ctx context.Context, cfg *Config, sockets int, rate float64) (
	*Result, error,
) {
	var notes []string
	if fit := baselineSockets(); sockets > fit {
		notes = append(notes, fmt.Sprintf("the push baseline opened %d sockets, not %d: "+
			"both of its ends are in this process, which needs two files a socket", fit, sockets))
		sockets = fit
	}
	b, err := startBareServer()
	if err != nil {
		return nil, err
	}
	defer b.Close()
	p, err := newPoster(b.HTTP, cfg.MaxInFlight, cfg.Timeout)
	if err != nil {
		return nil, err
	}
	errs := NewErrors()
	calls := newCaller(p, errs, bareTriggerName, barePushName)
	lag := NewRecorder("start lag, push baseline", false)

	set := newSocketSet(sockets)
	defer set.closeAll()
	handle := func(_ *socket, f *frame, at time.Time) { calls.onPush(f, at) }
	err = parallel(ctx, sockets, func(i int) error {
		s, _, err := dialSocket(b.WS, bareSession(i), cfg.Timeout, handle, nil)
		if err != nil {
			return fmt.Errorf("open a socket to the bare server: %w", err)
		}
		set.put(i, s)
		return nil
	})
	if err != nil {
		return nil, err
	}

	cpu := startCPU(0)
	m := startMeter(calls.reply, calls.push, lag)
	bar := startProgress(cfg.Progress, cfg.ProgressTerminal, "baseline push", cfg.Duration,
		func() string {
			return fmt.Sprintf("%d pushes, %d errors", calls.push.Count(), errs.Total())
		})
	start := time.Now()
	Schedule{Rate: rate, Duration: cfg.Duration, MaxInFlight: cfg.MaxInFlight, Lag: lag}.Run(ctx,
		func(j int64, scheduled time.Time) {
			calls.call(bareSession(int(j%int64(sockets))), fmt.Sprintf("bare-%d", j), scheduled)
		})
	elapsed := time.Since(start)
	bar.Stop()
	calls.drain(cfg.Timeout)
	m.Stop()

	res := &Result{Scenario: "baseline push", Elapsed: elapsed.Seconds(), CPU: cpu.stop(),
		Notes: notes}
	res.Latencies = summaries(calls.reply, calls.push, lag)
	res.Counts = []Count{{"pushes read", calls.push.Count(), rateOf(calls.push, elapsed)}}
	res.Errors, res.ErrorTotal = errs.Counts(), errs.Total()
	return res, nil
}

// runRESTBaseline sends POSTs to paths of a bare server at rate for
// cfg.Duration, through the restLoad that rest uses.
func runRESTBaseline(ctx context.Context, cfg *Config, paths []string, rate float64) (
	*Result, error,
) {
	b, err := startBareServer()
	if err != nil {
		return nil, err
	}
	defer b.Close()
	p, err := newPoster(b.HTTP, cfg.MaxInFlight, cfg.Timeout)
	if err != nil {
		return nil, err
	}
	sessions := make([]string, max(cfg.Customers, 1))
	for i := range sessions {
		sessions[i] = bareSession(i)
	}
	errs := NewErrors()
	load := newRESTLoad(p, errs, sessions)
	lat := NewRecorder(bareRESTName, true)
	for _, path := range paths {
		load.addRoute("bare "+path, path, lat)
	}
	cpu := startCPU(0)
	elapsed := load.run(ctx, cfg, "baseline rest", rate)

	res := &Result{Scenario: "baseline rest", Elapsed: elapsed.Seconds(), CPU: cpu.stop()}
	res.Latencies = []LatencySummary{lat.Summary(), load.lag.Summary()}
	res.Counts = []Count{{"replies", lat.Count(), rateOf(lat, elapsed)}}
	res.Errors, res.ErrorTotal = errs.Counts(), errs.Total()
	return res, nil
}

// runBaseline is the baseline scenario: the push floor at CallRate with
// Customers sockets, then the REST floor at Rate.
func runBaseline(ctx context.Context, cfg *Config, res *Result) error {
	push, err := runPushBaseline(ctx, cfg, cfg.Customers, cfg.CallRate)
	if err != nil {
		return err
	}
	merge(res, push)
	if ctx.Err() != nil {
		return nil
	}
	rest, err := runRESTBaseline(ctx, cfg, []string{shopPath, listPath}, cfg.Rate)
	if err != nil {
		return err
	}
	merge(res, rest)
	return nil
}

// merge adds the figures of part to res.
func merge(res, part *Result) {
	res.Latencies = append(res.Latencies, part.Latencies...)
	res.Counts = append(res.Counts, part.Counts...)
	for kind, n := range part.Errors {
		res.Errors[kind] += n
	}
	res.ErrorTotal += part.ErrorTotal
	res.Notes = append(res.Notes, part.Notes...)
	if part.CPU == nil {
		return
	}
	if res.CPU == nil {
		res.CPU = &CPUUse{}
	}
	u := res.CPU
	u.Wall += part.CPU.Wall
	u.Generator += part.CPU.Generator
	if u.Wall > 0 {
		u.GeneratorCores = u.Generator / u.Wall
	}
}

func rateOf(r *Recorder, elapsed time.Duration) float64 { return rate(r.Count(), elapsed) }
