package edge

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"callme/actors"
	"callme/actors/pb"
)

// fakeEngine records each call as one line of text and returns fixed
// replies, or err when it is set. The thing under test is the edge, so the
// engine only has to show what the edge passed in.
type fakeEngine struct {
	// Control is left nil: these tests do not call its routes.
	Control
	mu    sync.Mutex
	calls []string
	err   error // returned by every method that can fail
	conns chan *fakeConn
}

func newFakeEngine() *fakeEngine {
	return &fakeEngine{conns: make(chan *fakeConn, 16)}
}

func (e *fakeEngine) record(format string, args ...any) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = append(e.calls, fmt.Sprintf(format, args...))
	return e.err
}

func (e *fakeEngine) setErr(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.err = err
}

// lastCall returns the most recent call, or "" when there was none.
func (e *fakeEngine) lastCall() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.calls) == 0 {
		return ""
	}
	return e.calls[len(e.calls)-1]
}

func (e *fakeEngine) Login(code string) (actors.LoginResult, error) {
	if code == "panic" {
		panic("fake engine panics on purpose")
	}
	err := e.record("Login %s", code)
	return actors.LoginResult{SessionID: "session-" + code, IsSeller: true}, err
}

func (e *fakeEngine) Apply(sessionID, shopName, phone, diningHall string) error {
	return e.record("Apply %s %q %q", sessionID, shopName, phone)
}

func (e *fakeEngine) Applications(sessionID string) ([]*pb.Application, error) {
	err := e.record("Applications %s", sessionID)
	return []*pb.Application{{SellerId: 7, ShopName: "Noodles", Status: "pending"}}, err
}

func (e *fakeEngine) Approve(sessionID string, sellerID int64) error {
	return e.record("Approve %s %d", sessionID, sellerID)
}

func (e *fakeEngine) ModifyProduct(sessionID string, p actors.ProductEdit) (int64, error) {
	return 42, e.record("ModifyProduct %s %+v", sessionID, p)
}

func (e *fakeEngine) SetShelf(sessionID string, productID int64, on bool) error {
	return e.record("SetShelf %s %d %t", sessionID, productID, on)
}

func (e *fakeEngine) Products(sessionID string) ([]*pb.Product, error) {
	err := e.record("Products %s", sessionID)
	return []*pb.Product{{ProductId: 3, ProductName: "Rice", TotalFee: 800}}, err
}

func (e *fakeEngine) Shops(sessionID string) ([]*pb.ShopView, error) {
	err := e.record("Shops %s", sessionID)
	return []*pb.ShopView{{ShopId: 1, ShopName: "Noodles"}}, err
}

func (e *fakeEngine) PlaceOrder(sessionID string, lines []actors.OrderLine) (
	*pb.PayParams, error) {
	err := e.record("PlaceOrder %s %+v", sessionID, lines)
	return &pb.PayParams{OrderId: "order-1", SignType: "MD5"}, err
}

const fakeNoticeReply = "<xml><return_code><![CDATA[SUCCESS]]></return_code></xml>"

func (e *fakeEngine) PaymentNotice(body []byte) []byte {
	_ = e.record("PaymentNotice %s", body)
	return []byte(fakeNoticeReply)
}

func (e *fakeEngine) Orders(sessionID string) ([]*pb.Order, error) {
	err := e.record("Orders %s", sessionID)
	return []*pb.Order{{OrderId: "order-1", Number: 12}}, err
}

func (e *fakeEngine) Queue(sessionID string) (*pb.Queue, error) {
	err := e.record("Queue %s", sessionID)
	return &pb.Queue{Waiting: []*pb.Order{{OrderId: "order-2"}}}, err
}

func (e *fakeEngine) Call(sessionID, orderID string) error {
	return e.record("Call %s %s", sessionID, orderID)
}

func (e *fakeEngine) Done(sessionID, orderID string) error {
	return e.record("Done %s %s", sessionID, orderID)
}

func (e *fakeEngine) Connect(s actors.Socket) Conn {
	c := &fakeConn{socket: s, events: make(chan string, 256)}
	e.conns <- c
	return c
}

// nextConn waits for the next socket the engine was given.
func (e *fakeEngine) nextConn(t *testing.T) *fakeConn {
	t.Helper()
	select {
	case c := <-e.conns:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no socket reached Engine.Connect within 5s")
		return nil
	}
}

// fakeConn turns each call into an event: "frame <data>", "ping" or "closed".
type fakeConn struct {
	socket actors.Socket
	events chan string
}

func (c *fakeConn) Frame(data []byte) {
	if string(data) == "panic" {
		panic("fake conn panics on purpose")
	}
	c.events <- "frame " + string(data)
}

func (c *fakeConn) Ping()   { c.events <- "ping" }
func (c *fakeConn) Closed() { c.events <- "closed" }

// expect waits for the next event and fails unless it is want.
func (c *fakeConn) expect(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-c.events:
		if got != want {
			t.Fatalf("Conn event = %.80q, want %.80q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("Conn event %.80q did not arrive within 5s", want)
	}
}

// logBuffer collects log output for tests that check what was logged.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) contains(s string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Contains(b.buf.String(), s)
}

func newTestLogger() (*slog.Logger, *logBuffer) {
	buf := &logBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// waitFor polls cond every 10ms until it holds or 5s have passed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within 5s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
