package edge

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lxzan/gws"

	"callme/actors"
)

const (
	// maxFrameSize is the largest message a client may send. A bigger one
	// closes the socket with 1009 (message too big).
	maxFrameSize = 4096
	// readBufferSize is the per-socket read buffer, kept for the socket's
	// life. Client frames are a session id or a ping, well under 1 KiB, and
	// a bigger frame is still read whole through it.
	readBufferSize = 1024

	defaultWriteTimeout     = 5 * time.Second
	defaultHandshakeTimeout = 5 * time.Second

	// closeInternalError is the WebSocket close code for a server failure.
	closeInternalError = 1011

	connKey = "conn"
)

// WSOptions configures a WS. A zero or negative duration selects the default.
type WSOptions struct {
	// WriteTimeout bounds each write to a socket. A client that does not take
	// a frame within it is disconnected. Default 5 s.
	WriteTimeout time.Duration
	// HandshakeTimeout bounds reading the upgrade request and writing the
	// 101 reply. Default 5 s.
	HandshakeTimeout time.Duration
}

// WS serves the mini-program's WebSocket. It upgrades a GET on any path,
// hands each socket to Engine.Connect and forwards the socket's messages,
// pings and close to the returned Conn. Permessage-deflate is off and text
// messages must be valid UTF-8 (else close code 1007).
type WS struct {
	engine   Engine
	log      *slog.Logger
	opts     WSOptions
	upgrader *gws.Upgrader
	server   *http.Server

	mu      sync.Mutex
	sockets map[*gws.Conn]struct{} // sockets between OnOpen and OnClose, guarded by mu
	closing bool                   // set by Shutdown, guarded by mu
	// loops counts read loops from upgrade to OnClose. Add is called only
	// under mu while closing is false, so no Add can race Shutdown's Wait.
	loops sync.WaitGroup
}

// NewWS returns a WebSocket server that calls e and logs to log. Call Serve
// to start it.
func NewWS(e Engine, opts WSOptions, log *slog.Logger) *WS {
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = defaultWriteTimeout
	}
	if opts.HandshakeTimeout <= 0 {
		opts.HandshakeTimeout = defaultHandshakeTimeout
	}
	w := &WS{engine: e, log: log, opts: opts, sockets: make(map[*gws.Conn]struct{})}
	w.upgrader = gws.NewUpgrader(events{w}, &gws.ServerOption{
		ReadMaxPayloadSize: maxFrameSize,
		ReadBufferSize:     readBufferSize,
		// With permessage-deflate the size limit applies after inflating and
		// an oversize message closes with 1011 instead of 1009.
		PermessageDeflate: gws.PermessageDeflate{Enabled: false},
		CheckUtf8Enabled:  true,
		// Conn requires its calls in order from one goroutine.
		ParallelEnabled:  false,
		HandshakeTimeout: opts.HandshakeTimeout,
		Recovery:         w.recoverPanic,
	})
	w.server = &http.Server{
		Handler:           http.HandlerFunc(w.upgrade),
		ReadHeaderTimeout: opts.HandshakeTimeout,
		ReadTimeout:       opts.HandshakeTimeout,
		WriteTimeout:      opts.HandshakeTimeout,
		IdleTimeout:       opts.HandshakeTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return w
}

// Serve accepts connections on ln until Shutdown and returns nil after
// Shutdown. For wss, pass a listener from Listen with a TLS config.
func (w *WS) Serve(ln net.Listener) error {
	w.log.Info("websocket server listening", "addr", ln.Addr().String())
	if err := w.server.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops accepting connections, closes every open socket with 1001
// (going away) and waits until each socket's Conn.Closed has returned or ctx
// is done. It may be called from any goroutine, before or after Serve.
func (w *WS) Shutdown(ctx context.Context) error {
	w.mu.Lock()
	w.closing = true
	open := make([]*gws.Conn, 0, len(w.sockets))
	for c := range w.sockets {
		open = append(open, c)
	}
	w.mu.Unlock()

	// http.Server.Shutdown neither closes nor waits for upgraded connections.
	err := w.server.Shutdown(ctx)
	for _, c := range open {
		// In parallel, because each close may wait WriteTimeout for its client.
		go socket{c}.Close(actors.CloseGoingAway, "server shutting down")
	}

	done := make(chan struct{})
	go func() {
		w.loops.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	w.log.Info("websocket server stopped", "closed", len(open))
	return err
}

// Open returns the number of open sockets.
func (w *WS) Open() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.sockets)
}

// upgrade rejects a plain HTTP request with an error status. Otherwise it
// hands the connection to gws and starts the socket's read loop.
func (w *WS) upgrade(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		rw.Header().Set("Allow", http.MethodGet)
		http.Error(rw, "method "+r.Method+" not allowed, use GET", http.StatusMethodNotAllowed)
		return
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		rw.Header().Set("Upgrade", "websocket")
		http.Error(rw, "this server accepts only WebSocket upgrades",
			http.StatusUpgradeRequired)
		return
	}
	if !w.startLoop() {
		http.Error(rw, "server shutting down", http.StatusServiceUnavailable)
		return
	}

	socket, err := w.hijack(rw, r)
	if err != nil {
		w.loops.Done()
		w.log.Info("websocket upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	go func() {
		defer w.loops.Done()
		socket.ReadLoop()
	}()
}

// startLoop counts a new read loop, unless Shutdown has begun.
func (w *WS) startLoop() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closing {
		return false
	}
	w.loops.Add(1)
	return true
}

// hijack takes the connection from net/http and completes the handshake. On
// failure the connection is closed, after a 400 reply where gws sends one.
func (w *WS) hijack(rw http.ResponseWriter, r *http.Request) (*gws.Conn, error) {
	netConn, buffered, err := http.NewResponseController(rw).Hijack()
	if err != nil {
		http.Error(rw, "upgrade failed", http.StatusInternalServerError)
		return nil, err
	}
	// A client must wait for the 101 reply before it sends frames (RFC 6455,
	// section 4.1). Bytes buffered already would be lost, so reject them.
	if buffered.Reader.Buffered() > 0 {
		_ = netConn.Close()
		return nil, errors.New("websocket: data sent before the handshake reply")
	}

	conn := &deadlineConn{Conn: netConn, timeout: w.opts.WriteTimeout}
	return w.upgrader.UpgradeFromConn(conn, bufio.NewReaderSize(conn, readBufferSize), r)
}

func (w *WS) recoverPanic(gws.Logger) {
	if v := recover(); v != nil {
		w.log.Error("websocket message handler panicked", "panic", v)
	}
}

// deadlineConn sets a write deadline before every write, so that a client
// which stops reading blocks no writer for longer than timeout: not the
// engine's pushes, nor pongs, nor the close frames gws writes by itself.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *deadlineConn) Write(p []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// socket is the actors.Socket of one gws connection. gws serializes writes,
// so the engine's goroutine and the read loop may write concurrently.
type socket struct{ conn *gws.Conn }

// WriteText sends data as one text frame. Invalid UTF-8 is not sent, and gws
// then closes the socket.
func (s socket) WriteText(data []byte) error {
	return s.conn.WriteMessage(gws.OpcodeText, data)
}

func (s socket) Close(code uint16, reason string) {
	_ = s.conn.WriteClose(code, []byte(reason))
	// WriteClose leaves the connection open when a close frame was sent
	// before, for instance in reply to the client's.
	_ = s.conn.NetConn().Close()
}

// events receives the gws callbacks of every socket. gws calls them from the
// socket's read loop, one at a time.
type events struct{ ws *WS }

func (h events) OnOpen(c *gws.Conn) {
	w := h.ws
	w.mu.Lock()
	closing := w.closing
	if !closing {
		w.sockets[c] = struct{}{}
	}
	w.mu.Unlock()
	if closing {
		socket{c}.Close(actors.CloseGoingAway, "server shutting down")
		return
	}

	conn := w.engine.Connect(socket{c})
	if conn == nil {
		socket{c}.Close(closeInternalError, "internal error")
		return
	}
	c.Session().Store(connKey, conn)
	w.log.Info("websocket opened", "remote", c.RemoteAddr().String())
}

func (h events) OnClose(c *gws.Conn, err error) {
	w := h.ws
	w.mu.Lock()
	delete(w.sockets, c)
	w.mu.Unlock()

	if conn := connOf(c); conn != nil {
		conn.Closed()
	}
	attrs := append([]any{"remote", c.RemoteAddr().String()}, closeAttrs(err)...)
	w.log.Info("websocket closed", attrs...)
}

func (h events) OnPing(c *gws.Conn, payload []byte) {
	_ = c.WritePong(payload)
	if conn := connOf(c); conn != nil {
		conn.Ping()
	}
}

func (h events) OnPong(c *gws.Conn, _ []byte) {
	if conn := connOf(c); conn != nil {
		conn.Ping()
	}
}

func (h events) OnMessage(c *gws.Conn, msg *gws.Message) {
	// The buffer goes back to gws's pool, so Conn gets a copy.
	data := bytes.Clone(msg.Bytes())
	_ = msg.Close()
	if conn := connOf(c); conn != nil {
		conn.Frame(data)
	}
}

// connOf returns the Conn stored by OnOpen, or nil before that or when the
// socket was rejected.
func connOf(c *gws.Conn) Conn {
	v, _ := c.Session().Load(connKey)
	conn, _ := v.(Conn)
	return conn
}

// closeAttrs describes why a socket closed: the close frame the client sent,
// the code the server sent, or the network error.
func closeAttrs(err error) []any {
	var byClient *gws.CloseError
	if errors.As(err, &byClient) {
		return []any{"by", "client", "code", byClient.Code, "reason", string(byClient.Reason)}
	}
	// gws stores the code the server sent as an internal type with Uint16.
	var byServer interface{ Uint16() uint16 }
	if errors.As(err, &byServer) {
		return []any{"by", "server", "code", byServer.Uint16()}
	}
	return []any{"err", err}
}
