package edge

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lxzan/gws"

	"callme/actors"
)

// startWS serves a WS edge over e on a loopback port, with TLS when cfg is
// set, and returns it with its address. Cleanup shuts it down.
func startWS(t *testing.T, e Engine, cfg *tls.Config) (*WS, string) {
	t.Helper()
	ln, err := Listen("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	log, _ := newTestLogger()
	ws := NewWS(e, WSOptions{}, log)
	served := make(chan error, 1)
	go func() { served <- ws.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := ws.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("Serve returned %v after Shutdown, want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return within 5s of Shutdown")
		}
	})
	return ws, ln.Addr().String()
}

// client is a gws client that records what the server sent.
type client struct {
	conn     *gws.Conn
	messages chan string
	pongs    chan struct{}
	closed   chan error // receives the close error once
}

func (c *client) OnOpen(*gws.Conn) {}

func (c *client) OnClose(_ *gws.Conn, err error) { c.closed <- err }

func (c *client) OnPing(conn *gws.Conn, payload []byte) { _ = conn.WritePong(payload) }

func (c *client) OnPong(*gws.Conn, []byte) { c.pongs <- struct{}{} }

func (c *client) OnMessage(_ *gws.Conn, msg *gws.Message) {
	c.messages <- msg.Data.String()
	_ = msg.Close()
}

// dial opens a WebSocket to url and starts its read loop.
func dial(t *testing.T, url string, cfg *tls.Config) *client {
	t.Helper()
	c := &client{
		messages: make(chan string, 64),
		pongs:    make(chan struct{}, 8),
		closed:   make(chan error, 1),
	}
	conn, _, err := gws.NewClient(c, &gws.ClientOption{Addr: url, TlsConfig: cfg})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	c.conn = conn
	go conn.ReadLoop()
	t.Cleanup(func() { _ = conn.NetConn().Close() })
	return c
}

// expectClose waits for the server's close frame and checks its code.
func (c *client) expectClose(t *testing.T, code uint16, reason string) {
	t.Helper()
	select {
	case err := <-c.closed:
		var closeErr *gws.CloseError
		if !errors.As(err, &closeErr) {
			t.Fatalf("socket closed with %v, want a close frame with code %d", err, code)
		}
		if closeErr.Code != code {
			t.Errorf("close code = %d, want %d", closeErr.Code, code)
		}
		if reason != "" && string(closeErr.Reason) != reason {
			t.Errorf("close reason = %q, want %q", closeErr.Reason, reason)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no close within 5s, want code %d", code)
	}
}

func TestWSFramesInOrder(t *testing.T) {
	e := newFakeEngine()
	_, addr := startWS(t, e, nil)
	c := dial(t, "ws://"+addr+"/any/path?x=1", nil)
	conn := e.nextConn(t)

	const n = 100
	for i := range n {
		opcode := gws.OpcodeText
		if i%2 == 1 {
			opcode = gws.OpcodeBinary
		}
		if err := c.conn.WriteMessage(opcode, fmt.Appendf(nil, "message %d", i)); err != nil {
			t.Fatalf("write message %d: %v", i, err)
		}
	}
	for i := range n {
		conn.expect(t, fmt.Sprintf("frame message %d", i))
	}
}

func TestWSFramePanicRecovered(t *testing.T) {
	e := newFakeEngine()
	_, addr := startWS(t, e, nil)
	c := dial(t, "ws://"+addr, nil)
	conn := e.nextConn(t)

	for _, text := range []string{"panic", "after"} {
		if err := c.conn.WriteString(text); err != nil {
			t.Fatalf("write %q: %v", text, err)
		}
	}
	conn.expect(t, "frame after")
}

func TestWSEngineWritesReachClient(t *testing.T) {
	e := newFakeEngine()
	_, addr := startWS(t, e, nil)
	c := dial(t, "ws://"+addr, nil)
	conn := e.nextConn(t)

	if err := conn.socket.WriteText([]byte(`{"number":12}`)); err != nil {
		t.Fatalf("WriteText: %v", err)
	}
	select {
	case got := <-c.messages:
		if got != `{"number":12}` {
			t.Errorf("client got %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("client got no message within 5s")
	}

	conn.socket.Close(actors.CloseInvalidSession, "invalid session")
	c.expectClose(t, actors.CloseInvalidSession, "invalid session")
	conn.expect(t, "closed")
}

func TestWSFrameSizeLimit(t *testing.T) {
	e := newFakeEngine()
	_, addr := startWS(t, e, nil)
	c := dial(t, "ws://"+addr, nil)
	conn := e.nextConn(t)

	largest := strings.Repeat("a", maxFrameSize)
	if err := c.conn.WriteString(largest); err != nil {
		t.Fatalf("write %d bytes: %v", len(largest), err)
	}
	conn.expect(t, "frame "+largest)

	if err := c.conn.WriteString(largest + "a"); err != nil {
		t.Fatalf("write %d bytes: %v", len(largest)+1, err)
	}
	c.expectClose(t, 1009, "")
	conn.expect(t, "closed")
}

func TestWSDeflateNotNegotiated(t *testing.T) {
	e := newFakeEngine()
	_, addr := startWS(t, e, nil)
	c := &client{closed: make(chan error, 1)}
	conn, resp, err := gws.NewClient(c, &gws.ClientOption{
		Addr:              "ws://" + addr,
		PermessageDeflate: gws.PermessageDeflate{Enabled: true},
	})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	go conn.ReadLoop()
	t.Cleanup(func() { _ = conn.NetConn().Close() })
	if got := resp.Header.Get("Sec-WebSocket-Extensions"); got != "" {
		t.Errorf("server negotiated extensions %q, want none", got)
	}
	e.nextConn(t)

	// Without deflate the size limit applies to the frame as sent.
	if err := conn.WriteString(strings.Repeat("a", maxFrameSize+1)); err != nil {
		t.Fatalf("write: %v", err)
	}
	c.expectClose(t, 1009, "")
}

func TestWSInvalidUTF8Closes1007(t *testing.T) {
	e := newFakeEngine()
	_, addr := startWS(t, e, nil)
	c := dial(t, "ws://"+addr, nil)
	conn := e.nextConn(t)

	if err := c.conn.WriteMessage(gws.OpcodeText, []byte{0xff, 0xfe}); err != nil {
		t.Fatalf("write: %v", err)
	}
	c.expectClose(t, 1007, "")
	conn.expect(t, "closed")
}

func TestWSPingAndPong(t *testing.T) {
	e := newFakeEngine()
	_, addr := startWS(t, e, nil)
	c := dial(t, "ws://"+addr, nil)
	conn := e.nextConn(t)

	if err := c.conn.WritePing([]byte("hb")); err != nil {
		t.Fatalf("WritePing: %v", err)
	}
	conn.expect(t, "ping")
	select {
	case <-c.pongs:
	case <-time.After(5 * time.Second):
		t.Fatal("client got no pong within 5s")
	}

	if err := c.conn.WritePong(nil); err != nil {
		t.Fatalf("WritePong: %v", err)
	}
	conn.expect(t, "ping")
}

func TestWSClientCloseReachesConn(t *testing.T) {
	e := newFakeEngine()
	ws, addr := startWS(t, e, nil)
	c := dial(t, "ws://"+addr, nil)
	conn := e.nextConn(t)
	waitFor(t, "one open socket", func() bool { return ws.Open() == 1 })

	if err := c.conn.WriteClose(1000, []byte("bye")); err != nil {
		t.Fatalf("WriteClose: %v", err)
	}
	conn.expect(t, "closed")
	waitFor(t, "no open socket", func() bool { return ws.Open() == 0 })
}

func TestWSShutdownClosesGoingAway(t *testing.T) {
	e := newFakeEngine()
	ln, err := Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	log, _ := newTestLogger()
	ws := NewWS(e, WSOptions{}, log)
	served := make(chan error, 1)
	go func() { served <- ws.Serve(ln) }()

	clients := []*client{
		dial(t, "ws://"+ln.Addr().String()+"/a", nil),
		dial(t, "ws://"+ln.Addr().String()+"/b", nil),
	}
	conns := []*fakeConn{e.nextConn(t), e.nextConn(t)}
	waitFor(t, "two open sockets", func() bool { return ws.Open() == 2 })

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ws.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for i, c := range clients {
		c.expectClose(t, actors.CloseGoingAway, "server shutting down")
		conns[i].expect(t, "closed")
	}
	if got := ws.Open(); got != 0 {
		t.Errorf("Open() = %d after Shutdown, want 0", got)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}

	_, _, err = gws.NewClient(&client{}, &gws.ClientOption{Addr: "ws://" + ln.Addr().String()})
	if err == nil {
		t.Error("dial after Shutdown succeeded, want it rejected")
	}
}

func TestWSPlainHTTPRejected(t *testing.T) {
	_, addr := startWS(t, newFakeEngine(), nil)

	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired {
		t.Errorf("GET without Upgrade: status = %d, want 426", resp.StatusCode)
	}

	resp, err = http.Post("http://"+addr+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status = %d, want 405", resp.StatusCode)
	}
	if got := resp.Header.Get("Allow"); got != http.MethodGet {
		t.Errorf("POST: Allow = %q, want GET", got)
	}
}

func TestWSShutdownBeforeServe(t *testing.T) {
	log, _ := newTestLogger()
	ws := NewWS(newFakeEngine(), WSOptions{}, log)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ws.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	ln, err := Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	if err := ws.Serve(ln); err != nil {
		t.Errorf("Serve after Shutdown = %v, want nil", err)
	}
}

// nilConnEngine rejects every socket, as an engine that cannot serve it does.
type nilConnEngine struct{ *fakeEngine }

func (nilConnEngine) Connect(actors.Socket) Conn { return nil }

func TestWSRejectedSocketCloses1011(t *testing.T) {
	_, addr := startWS(t, nilConnEngine{newFakeEngine()}, nil)
	c := dial(t, "ws://"+addr, nil)
	c.expectClose(t, closeInternalError, "internal error")
}
