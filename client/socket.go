package client

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/lxzan/gws"
)

// WebSocket close codes a Socket reports in a CloseError.
const (
	// CloseNoStatus (1005) is a close frame without a code.
	CloseNoStatus = 1005
	// CloseAbnormal (1006) is a connection that ended without a close frame,
	// for instance because the server process died.
	CloseAbnormal = 1006
)

const (
	// pushBuffer is how many unread pushes a Socket holds before its read
	// loop waits for Next.
	pushBuffer = 256
	// maxSkipped bounds how many pushes one WaitFor discards.
	maxSkipped = 10_000
	// closeWait bounds how long Close waits for the read loop to end.
	closeWait = 5 * time.Second
	// defaultHandshakeTimeout applies when the context of Dial has no deadline.
	defaultHandshakeTimeout = 10 * time.Second
)

// ErrClosed is the end of a socket that its own Close ended before the
// server closed it.
var ErrClosed = errors.New("client: socket closed by Close")

// CloseError is the end of a socket that the server closed: the code and
// reason of its close frame, or CloseAbnormal when the connection ended
// without one.
type CloseError struct {
	Code   uint16
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("client: socket closed with code %d: %s", e.Code, e.Reason)
}

// PushError is an error push ({"push":"error","msg":...}) that arrived while
// WaitFor waited for another kind of push.
type PushError struct {
	Msg string
}

func (e *PushError) Error() string {
	return fmt.Sprintf("client: server sent an error push: %s", e.Msg)
}

// Push is one frame the server sent. Kind is its "push" field, and Kind
// decides which other fields are set:
//
//	whoareyou  none: the server waits for the session frame
//	hi         Role, "customer" or "seller"
//	orders     List, the open orders
//	order      Order, the customer's order after a status change
//	new_order  Order, a paid order of the seller's shop
//	call       OrderID, Number and ShopName of the customer's called order
//	pong       none: the reply to {"query":"ping"}
//	error      Msg
//
// A frame that is not a JSON object has an empty Kind. Raw always holds the
// frame as received.
type Push struct {
	Kind     string  `json:"push"`
	Role     string  `json:"role"`
	Msg      string  `json:"msg"`
	Order    *Order  `json:"order"`
	List     []Order `json:"list"`
	OrderID  string  `json:"order_id"`
	Number   int64   `json:"number"`
	ShopName string  `json:"shop_name"`
	// AudioURL speaks a call push: a Baidu text2audio URL.
	AudioURL string `json:"audio_url"`
	Raw      []byte `json:"-"`
}

// Socket is one WebSocket to the server. Pushes queue up in arrival order
// until Next or WaitFor takes them. Its methods may be called from any
// goroutine, but pushes go to whichever caller takes them first.
type Socket struct {
	conn   *gws.Conn
	pushes chan Push

	// stop is closed by Close. It releases a read loop blocked on a full
	// pushes channel.
	stop     chan struct{}
	stopOnce sync.Once

	// ended is closed when the read loop has ended, after err is set and
	// after the last push went into pushes.
	ended chan struct{}
	err   error
}

// Dial opens a socket, waits for the server's whoareyou push and sends the
// session frame {"session_id": sessionID}. The server's reply, hi or an
// error push, is the first push that Next returns. ctx bounds only the
// opening, and the caller must Close the socket.
func (c *Client) Dial(ctx context.Context, sessionID string) (*Socket, error) {
	s, err := c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.Send(map[string]string{"session_id": sessionID}); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Connect opens a socket and waits for the server's whoareyou push, but
// sends nothing, so the caller's first Send is the session frame. ctx
// bounds only the opening, and the caller must Close the socket.
func (c *Client) Connect(ctx context.Context) (*Socket, error) {
	netConn, err := dialTCP(ctx, c.wsURL)
	if err != nil {
		return nil, err
	}
	handshakeTimeout := defaultHandshakeTimeout
	if deadline, ok := ctx.Deadline(); ok {
		handshakeTimeout = time.Until(deadline)
	}
	// gws bounds the handshake by a timeout only, so closing the connection
	// when ctx ends makes it honor ctx too.
	stopAfter := context.AfterFunc(ctx, func() { netConn.Close() })

	s := &Socket{
		pushes: make(chan Push, pushBuffer),
		stop:   make(chan struct{}),
		ended:  make(chan struct{}),
	}
	conn, _, err := gws.NewClientFromConn(events{s}, &gws.ClientOption{
		Addr:             c.wsURL,
		HandshakeTimeout: handshakeTimeout,
		// Off, so that SendText can send invalid UTF-8 to test the server.
		CheckUtf8Enabled: false,
	}, netConn)
	if err != nil {
		stopAfter()
		return nil, fmt.Errorf("client: open WebSocket %s: %w", c.wsURL, err)
	}
	s.conn = conn
	go conn.ReadLoop()

	first, err := s.Next(ctx)
	if err == nil && first.Kind != "whoareyou" {
		err = fmt.Errorf("client: first push is %s, want whoareyou", first.Raw)
	}
	// A false stopAfter means ctx ended and closed the connection.
	if !stopAfter() && err == nil {
		err = fmt.Errorf("client: open WebSocket %s: %w", c.wsURL, ctx.Err())
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// dialTCP connects to the host of a ws or wss URL, with TLS for wss.
func dialTCP(ctx context.Context, wsURL string) (net.Conn, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil, fmt.Errorf("client: invalid WebSocket URL %q: %w", wsURL, err)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"ws": "80", "wss": "443"}[u.Scheme]
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(u.Hostname(), port))
	if err != nil {
		return nil, fmt.Errorf("client: open WebSocket %s: %w", wsURL, err)
	}
	if u.Scheme == "wss" {
		conn = tls.Client(conn, &tls.Config{ServerName: u.Hostname()})
	}
	return conn, nil
}

// Send sends v as one JSON text frame.
func (s *Socket) Send(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("client: encode frame: %w", err)
	}
	return s.SendText(string(data))
}

// SendText sends text as one text frame, as it is, even when it is not valid
// UTF-8.
func (s *Socket) SendText(text string) error {
	if err := s.conn.WriteMessage(gws.OpcodeText, []byte(text)); err != nil {
		return fmt.Errorf("client: send frame: %w", err)
	}
	return nil
}

// Next returns the oldest push not yet taken. When the socket has ended and
// every push was taken, it returns how the socket ended: a *CloseError,
// ErrClosed, or an error of a close that gws sent.
func (s *Socket) Next(ctx context.Context) (Push, error) {
	select {
	case p := <-s.pushes:
		return p, nil
	default:
	}
	select {
	case p := <-s.pushes:
		return p, nil
	case <-s.ended:
		// Every push was queued before ended was closed.
		select {
		case p := <-s.pushes:
			return p, nil
		default:
			return Push{}, s.err
		}
	case <-ctx.Done():
		return Push{}, fmt.Errorf("client: wait for a push: %w", ctx.Err())
	}
}

// WaitFor takes pushes until one of kind that every match accepts, and
// returns it. It discards the pushes before it, and returns a *PushError if
// an error push arrives while it waits for another kind.
func (s *Socket) WaitFor(ctx context.Context, kind string, match ...func(Push) bool) (
	Push, error,
) {
	for range maxSkipped {
		p, err := s.Next(ctx)
		if err != nil {
			return Push{}, fmt.Errorf("wait for push %q: %w", kind, err)
		}
		if p.Kind == kind && matchesAll(p, match) {
			return p, nil
		}
		if p.Kind == "error" {
			return Push{}, fmt.Errorf("wait for push %q: %w", kind, &PushError{Msg: p.Msg})
		}
	}
	return Push{}, fmt.Errorf("wait for push %q: %d other pushes arrived first", kind, maxSkipped)
}

func matchesAll(p Push, match []func(Push) bool) bool {
	for _, m := range match {
		if !m(p) {
			return false
		}
	}
	return true
}

// OrderIs returns a WaitFor match for a push carrying order orderID in
// status, such as "paid". An empty status matches any.
func OrderIs(orderID, status string) func(Push) bool {
	return func(p Push) bool {
		return p.Order != nil && p.Order.OrderID == orderID &&
			(status == "" || p.Order.Status == status)
	}
}

// WaitClose discards pushes until the socket ends and returns how the server
// closed it. When the socket ended otherwise, it returns the error that
// Next returns.
func (s *Socket) WaitClose(ctx context.Context) (*CloseError, error) {
	for {
		select {
		case <-s.pushes:
		case <-s.ended:
			var closeErr *CloseError
			if errors.As(s.err, &closeErr) {
				return closeErr, nil
			}
			return nil, s.err
		case <-ctx.Done():
			return nil, fmt.Errorf("client: wait for the socket to close: %w", ctx.Err())
		}
	}
}

// Close sends a close frame with code 1000, closes the connection and waits
// up to 5 s for the read loop to end. It may be called more than once.
func (s *Socket) Close() {
	s.stopOnce.Do(func() {
		close(s.stop)
		_ = s.conn.WriteClose(1000, nil)
		// WriteClose does nothing when a close frame went out before.
		_ = s.conn.NetConn().Close()
	})
	timer := time.NewTimer(closeWait)
	defer timer.Stop()
	select {
	case <-s.ended:
	case <-timer.C:
	}
}

// events receives the gws callbacks of one socket, all from its read loop.
type events struct{ s *Socket }

func (events) OnOpen(*gws.Conn) {}

func (h events) OnClose(_ *gws.Conn, err error) {
	h.s.err = closeReason(err, h.s.stopped())
	close(h.s.ended)
}

func (events) OnPing(c *gws.Conn, payload []byte) { _ = c.WritePong(payload) }

func (events) OnPong(*gws.Conn, []byte) {}

func (h events) OnMessage(_ *gws.Conn, msg *gws.Message) {
	raw := append([]byte(nil), msg.Bytes()...)
	_ = msg.Close()
	p := Push{}
	if json.Unmarshal(raw, &p) != nil {
		p = Push{}
	}
	p.Raw = raw
	select {
	case h.s.pushes <- p:
	case <-h.s.stop:
	}
}

func (s *Socket) stopped() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}

// closeReason turns the error gws reports at the end of a read loop into
// the error Next returns.
func closeReason(err error, stopped bool) error {
	var byServer *gws.CloseError
	if errors.As(err, &byServer) {
		code := byServer.Code
		if code == 0 {
			code = CloseNoStatus
		}
		return &CloseError{Code: code, Reason: string(byServer.Reason)}
	}
	if stopped {
		return ErrClosed
	}
	var netErr *net.OpError
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &netErr) {
		return &CloseError{Code: CloseAbnormal, Reason: err.Error()}
	}
	// Anything else is a close that gws sent itself, for instance after a
	// protocol violation by the server.
	return fmt.Errorf("client: socket closed by the client: %w", err)
}
