package actors

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"callme/persistence"
	"callme/standin"
	"callme/wechat"
)

// testEngine runs an Engine against the WeChat stand-ins and a store that
// outlives restarts of the engine.
type testEngine struct {
	t      *testing.T
	e      *Engine
	store  *persistence.Store
	dir    string
	stubs  *standin.Servers
	clock  *testClock
	pay    *wechat.PayClient
	admins []string
	idle   time.Duration
	ttl    time.Duration
}

// running reports whether the named actor is in the process registry.
func (te *testEngine) running(name string) bool {
	_, ok := te.e.system.ProcessRegistry.GetLocal(name)
	return ok
}

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// startEngine starts an engine on disk under t.TempDir() with snapshots
// every interval events.
func startEngine(t *testing.T, interval int) *testEngine {
	t.Helper()
	stubs, err := standin.Start()
	if err != nil {
		t.Fatalf("start stand-ins: %v", err)
	}
	t.Cleanup(stubs.Close)
	te := &testEngine{
		t:      t,
		dir:    t.TempDir(),
		stubs:  stubs,
		clock:  &testClock{now: time.Date(2026, 12, 4, 11, 30, 0, 0, time.UTC)},
		admins: []string{"dev-admin"},
		pay: &wechat.PayClient{
			BaseURL:   stubs.URL,
			AppID:     standin.AppID,
			MchID:     standin.MchID,
			Key:       standin.PayKey,
			NotifyURL: "http://127.0.0.1/callme/wx_pay/notify",
		},
	}
	te.open(interval)
	t.Cleanup(te.stop)
	return te
}

func (te *testEngine) open(interval int) {
	te.t.Helper()
	store, err := persistence.Open(te.dir)
	if err != nil {
		te.t.Fatalf("open store: %v", err)
	}
	e, err := Start(Options{
		Provider: store.Provider(interval),
		Login: &wechat.LoginClient{BaseURL: te.stubs.URL, AppID: standin.AppID,
			Secret: standin.Secret},
		Pay:       te.pay,
		TTS:       standinTTS(standin.BaiduKey, standin.BaiduSecret)(te.stubs.URL),
		Admins:    te.admins,
		Heartbeat: 2 * time.Second,
		OrderIdle: te.idle,
		UnpaidTTL: te.ttl,
		Now:       te.clock.Now,
	})
	if err != nil {
		te.t.Fatalf("start engine: %v", err)
	}
	te.e, te.store = e, store
}

func (te *testEngine) stop() {
	if te.e != nil {
		te.e.Shutdown()
		te.e = nil
	}
	if te.store != nil {
		if err := te.store.Close(); err != nil {
			te.t.Errorf("close store: %v", err)
		}
		te.store = nil
	}
}

// restart stops the engine and opens it again on the same data.
func (te *testEngine) restart(interval int) {
	te.stop()
	te.open(interval)
}

func (te *testEngine) login(code string) string {
	te.t.Helper()
	r, err := te.e.Login(code)
	if err != nil {
		te.t.Fatalf("login %s: %v", code, err)
	}
	return r.SessionID
}

// openShop approves code's application and returns its session and shop id.
func (te *testEngine) openShop(code, name string) (string, int64) {
	te.t.Helper()
	admin, seller := te.login("admin"), te.login(code)
	if err := te.e.Apply(seller, name, "13800000000", ""); err != nil {
		te.t.Fatalf("apply: %v", err)
	}
	apps, err := te.e.Applications(admin)
	if err != nil {
		te.t.Fatalf("list applications: %v", err)
	}
	var id int64
	for _, a := range apps {
		if a.GetOpenid() == "dev-"+code {
			id = a.GetSellerId()
		}
	}
	if err := te.e.Approve(admin, id); err != nil {
		te.t.Fatalf("approve %d: %v", id, err)
	}
	return seller, id
}

// addProduct creates an on-shelf product and returns its id.
func (te *testEngine) addProduct(seller, name string, fee, inventory int64) int64 {
	te.t.Helper()
	id, err := te.e.ModifyProduct(seller, ProductEdit{ProductName: name, TotalFee: fee,
		Inventory: inventory})
	if err != nil {
		te.t.Fatalf("add product %s: %v", name, err)
	}
	if err := te.e.SetShelf(seller, id, true); err != nil {
		te.t.Fatalf("put on %d: %v", id, err)
	}
	return id
}

// pay places an order and posts a correctly signed notice for it.
func (te *testEngine) order(customer string, lines ...OrderLine) string {
	te.t.Helper()
	p, err := te.e.PlaceOrder(customer, lines)
	if err != nil {
		te.t.Fatalf("place order: %v", err)
	}
	return p.GetOrderId()
}

func (te *testEngine) notice(orderID, openid string, fee int64) []byte {
	fields := wechat.NoticeFields(standin.AppID, standin.MchID, orderID, "tx-"+orderID, openid, fee)
	return te.e.PaymentNotice(wechat.SignNotice(fields, standin.PayKey))
}

func (te *testEngine) mustPay(orderID, openid string, fee int64) {
	te.t.Helper()
	reply, err := wechat.ParseXML(te.notice(orderID, openid, fee))
	if err != nil || reply["return_code"] != "SUCCESS" {
		te.t.Fatalf("notice for %s: reply %v, %v", orderID, reply, err)
	}
}

// testSocket records what the engine writes to one WebSocket.
type testSocket struct {
	frames chan []byte
	mu     sync.Mutex
	code   uint16
	closed chan struct{}
}

func newTestSocket() *testSocket {
	return &testSocket{frames: make(chan []byte, 64), closed: make(chan struct{})}
}

func (s *testSocket) WriteText(data []byte) error {
	s.frames <- append([]byte(nil), data...)
	return nil
}

func (s *testSocket) Close(code uint16, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.code = code
	close(s.closed)
}

// next returns the next push as a map, failing after 5 s.
func (s *testSocket) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case b := <-s.frames:
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("push %s is not JSON: %v", b, err)
		}
		return m
	case <-time.After(5 * time.Second):
		t.Fatalf("no push within 5 s")
		return nil
	}
}

// nextKind skips pushes until one of the given kind arrives.
func (s *testSocket) nextKind(t *testing.T, kind string) map[string]any {
	t.Helper()
	for range 20 {
		m := s.next(t)
		if m["push"] == kind {
			return m
		}
	}
	t.Fatalf("no %q push among 20", kind)
	return nil
}

func (s *testSocket) waitClosed(t *testing.T, within time.Duration) uint16 {
	t.Helper()
	select {
	case <-s.closed:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.code
	case <-time.After(within):
		t.Fatalf("socket not closed within %v", within)
		return 0
	}
}

// connect opens a socket as the session and consumes whoareyou, hi and
// orders, returning the socket and the orders push.
func (te *testEngine) connect(session string) (*testSocket, map[string]any) {
	s, _, orders := te.dial(session)
	return s, orders
}

func (te *testEngine) dial(session string) (*testSocket, *Conn, map[string]any) {
	te.t.Helper()
	s := newTestSocket()
	c := te.e.Connect(s)
	if m := s.next(te.t); m["push"] != "whoareyou" {
		te.t.Fatalf("first push = %v, want whoareyou", m)
	}
	c.Frame([]byte(`{"session_id":"` + session + `"}`))
	if m := s.next(te.t); m["push"] != "hi" {
		te.t.Fatalf("push after session = %v, want hi", m)
	}
	return s, c, s.nextKind(te.t, "orders")
}

// waitUntil calls cond every 20 ms until it reports true, and fails t with
// the message of its last call when within has passed.
func waitUntil(t *testing.T, within time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, msg := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitInventory waits until the seller's first product has want in stock.
func (te *testEngine) waitInventory(seller string, want int64, when string) {
	te.t.Helper()
	waitUntil(te.t, 5*time.Second, func() (bool, string) {
		products, err := te.e.Products(seller)
		if err != nil {
			return false, fmt.Sprintf("products %s: %v", when, err)
		}
		got := products[0].GetInventory()
		return got == want, fmt.Sprintf("inventory %s = %d, want %d", when, got, want)
	})
}
