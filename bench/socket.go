package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"
)

// Errors of dialSocket that the scenarios count by kind.
var (
	errGreetingTimeout = errors.New("WebSocket greeting timed out")
	errSessionRejected = errors.New("session rejected")
)

// frame is a push from the server, with the fields the scenarios read.
type frame struct {
	Push    string      `json:"push"`
	Role    string      `json:"role"`
	Msg     string      `json:"msg"`
	OrderID string      `json:"order_id"`
	Number  int64       `json:"number"`
	Order   *frameOrder `json:"order"`
}

// frameOrder is the order of an order or new_order push.
type frameOrder struct {
	OrderID string `json:"order_id"`
	ShopID  int64  `json:"shop_id"`
	Status  string `json:"status"`
	Number  int64  `json:"number"`
}

// frameHandler receives each push of socket s after the greeting, from the
// socket's read loop, with the time the frame was read.
type frameHandler func(s *socket, f *frame, at time.Time)

// socket is one WebSocket of a simulated user. Unlike client.Socket, which
// queues pushes for a reader, it hands each push to a handler in the read
// loop with its arrival time. So a latency ends when the frame is read, and
// 20,000 sockets need no queues.
type socket struct {
	conn *gws.Conn

	// greeting passes whoareyou and the reply to the session frame from
	// the read loop to dialSocket.
	greeting chan frame
	greeted  bool // read loop only
	handle   frameHandler

	// closed is called once from the read loop when the socket ends,
	// unless Close ended it.
	closed  func(code uint16)
	closing atomic.Bool // set by Close
	ended   atomic.Bool // set when the read loop ends

	// pingSent is the UnixNano time of the last {"query":"ping"}.
	pingSent atomic.Int64
}

// dialSocket opens a WebSocket to wsURL, waits for whoareyou, sends the
// session frame and waits for hi. It returns the role from hi. A rejected
// session returns an error with the server's message. Each step is bounded
// by timeout. handle receives every later push; closed, which may be nil,
// learns how the socket ended when the server or the network ended it.
func dialSocket(wsURL, sessionID string, timeout time.Duration, handle frameHandler,
	closed func(code uint16),
) (*socket, string, error) {
	s := &socket{greeting: make(chan frame, 4), handle: handle, closed: closed}
	conn, _, err := gws.NewClient(s, &gws.ClientOption{
		Addr:              wsURL,
		HandshakeTimeout:  timeout,
		PermessageDeflate: gws.PermessageDeflate{Enabled: false},
		NewDialer: func() (gws.Dialer, error) {
			return &net.Dialer{Timeout: timeout}, nil
		},
	})
	if err != nil {
		return nil, "", fmt.Errorf("open WebSocket: %w", err)
	}
	s.conn = conn
	go conn.ReadLoop()

	role, err := s.greet(sessionID, timeout)
	if err != nil {
		s.Close()
		return nil, "", err
	}
	return s, role, nil
}

func (s *socket) greet(sessionID string, timeout time.Duration) (string, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	wait := func() (frame, error) {
		select {
		case f := <-s.greeting:
			return f, nil
		case <-timer.C:
			return frame{}, fmt.Errorf("%w after %v", errGreetingTimeout, timeout)
		}
	}

	f, err := wait()
	if err != nil {
		return "", err
	}
	if f.Push != "whoareyou" {
		return "", fmt.Errorf("first push is %q, want whoareyou", f.Push)
	}
	data, _ := json.Marshal(map[string]string{"session_id": sessionID})
	if err := s.conn.WriteMessage(gws.OpcodeText, data); err != nil {
		return "", fmt.Errorf("send session frame: %w", err)
	}
	if f, err = wait(); err != nil {
		return "", err
	}
	if f.Push != "hi" {
		return "", fmt.Errorf("%w: push %q: %s", errSessionRejected, f.Push, f.Msg)
	}
	return f.Role, nil
}

// Ping sends {"query":"ping"}; the pong's arrival is measured from now.
func (s *socket) Ping() error {
	s.pingSent.Store(time.Now().UnixNano())
	return s.conn.WriteString(`{"query":"ping"}`)
}

// Close sends close code 1000 and closes the connection without waiting
// for the read loop. It may be called more than once.
func (s *socket) Close() {
	if s.closing.Swap(true) {
		return
	}
	_ = s.conn.WriteClose(1000, nil)
	_ = s.conn.NetConn().Close()
}

// The gws callbacks, all from the socket's read loop.

func (s *socket) OnOpen(*gws.Conn) {}

func (s *socket) OnClose(_ *gws.Conn, err error) {
	s.ended.Store(true)
	if s.closing.Load() || s.closed == nil {
		return
	}
	code := uint16(1006)
	var closeErr *gws.CloseError
	if errors.As(err, &closeErr) {
		code = closeErr.Code
	}
	s.closed(code)
}

func (s *socket) OnPing(c *gws.Conn, payload []byte) { _ = c.WritePong(payload) }

func (s *socket) OnPong(*gws.Conn, []byte) {}

func (s *socket) OnMessage(_ *gws.Conn, msg *gws.Message) {
	at := time.Now()
	var f frame
	err := json.Unmarshal(msg.Bytes(), &f)
	_ = msg.Close()
	if err != nil {
		f = frame{Push: "(not JSON)"}
	}
	if !s.greeted {
		s.greeted = f.Push != "whoareyou"
		// Without a reader, dialSocket has given up; drop the frame.
		select {
		case s.greeting <- f:
		default:
		}
		return
	}
	if s.handle != nil {
		s.handle(s, &f, at)
	}
}
