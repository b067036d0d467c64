package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"callme/client"
)

const (
	// startTimeout bounds the wait for the "callme serving" log line. The
	// race detector slows the start, mostly the opening of Badger.
	startTimeout = 20 * time.Second
	// exitTimeout bounds the wait for the process to exit after a signal.
	exitTimeout = 20 * time.Second
)

// server is a running `callme serve --dev` process.
type server struct {
	t       testing.TB
	cmd     *exec.Cmd
	dataDir string
	log     *serverLog

	// HTTP is the base URL of the REST API, WS the URL of the WebSocket.
	HTTP string
	WS   string

	// exited is closed when the process has exited, after waitErr is set.
	exited  chan struct{}
	waitErr error
}

// startServer starts `callme serve --dev` on free ports of 127.0.0.1 with
// its data in dataDir and extra flags, such as "--heartbeat", "2s", and
// waits until it serves. A cleanup kills the process if it still runs.
func startServer(t testing.TB, dataDir string, extra ...string) *server {
	t.Helper()
	args := append([]string{"serve", "--dev", "--http", "127.0.0.1:0", "--ws", "127.0.0.1:0",
		"--data", dataDir, "--log-format", "json"}, extra...)
	s := &server{
		t:       t,
		cmd:     exec.Command(binary, args...),
		dataDir: dataDir,
		log:     &serverLog{serving: make(chan servingLine, 1)},
		exited:  make(chan struct{}),
	}
	s.cmd.Env = cleanEnv()
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", binary, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(s.cleanup)

	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case line := <-s.log.serving:
		s.HTTP, s.WS = "http://"+line.HTTP, "ws://"+line.WS
	case <-s.exited:
		t.Fatalf("server exited before serving: %v\n%s", s.waitErr, s.log)
	case <-timer.C:
		t.Fatalf("server did not log \"callme serving\" within %v\n%s", startTimeout, s.log)
	}
	return s
}

// cleanEnv returns the environment without CALLME_ variables, which would
// change the flags' defaults.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CALLME_") {
			env = append(env, kv)
		}
	}
	return env
}

// Client returns a client of s with the dev merchant key.
func (s *server) Client() *client.Client {
	s.t.Helper()
	c, err := client.New(s.HTTP, s.WS)
	if err != nil {
		s.t.Fatalf("client for %s and %s: %v", s.HTTP, s.WS, err)
	}
	return c
}

// Kill sends SIGKILL and waits until the process has exited.
func (s *server) Kill() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatalf("send SIGKILL to the server: %v", err)
	}
	s.wait()
}

// Terminate sends SIGTERM, waits until the process has exited and returns
// its exit code.
func (s *server) Terminate() int {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatalf("send SIGTERM to the server: %v", err)
	}
	s.wait()
	return s.cmd.ProcessState.ExitCode()
}

func (s *server) wait() {
	s.t.Helper()
	timer := time.NewTimer(exitTimeout)
	defer timer.Stop()
	select {
	case <-s.exited:
	case <-timer.C:
		s.t.Fatalf("server still running %v after the signal\n%s", exitTimeout, s.log)
	}
}

// cleanup kills the process if it still runs, reports a data race that the
// server's race detector found, and shows the server log of a failed test.
func (s *server) cleanup() {
	select {
	case <-s.exited:
	default:
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		select {
		case <-s.exited:
		case <-time.After(exitTimeout):
			s.t.Errorf("server pid %d survived SIGKILL for %v", s.cmd.Process.Pid, exitTimeout)
		}
	}
	log := s.log.String()
	if strings.Contains(log, "WARNING: DATA RACE") {
		s.t.Errorf("the server's race detector found a data race:\n%s", log)
	} else if s.t.Failed() {
		s.t.Logf("server log:\n%s", log)
	}
}

// servingLine is the log line that names the listen addresses.
type servingLine struct {
	Msg  string `json:"msg"`
	HTTP string `json:"http"`
	WS   string `json:"ws"`
}

// serverLog stores what the server writes and passes on its "callme serving"
// line. exec.Cmd writes to it from its own goroutine.
type serverLog struct {
	mu      sync.Mutex
	buf     bytes.Buffer // guarded by mu
	scanned int          // guarded by mu; length of the complete lines in buf
	serving chan servingLine
}

func (l *serverLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for {
		rest := l.buf.Bytes()[l.scanned:]
		end := bytes.IndexByte(rest, '\n')
		if end < 0 {
			return len(p), nil
		}
		var line servingLine
		if json.Unmarshal(rest[:end], &line) == nil && line.Msg == "callme serving" {
			select {
			case l.serving <- line:
			default:
			}
		}
		l.scanned += end + 1
	}
}

func (l *serverLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// testContext returns a context that ends after d or with the test.
func testContext(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// login logs in with code, which under --dev gives the openid "dev-"+code.
func login(ctx context.Context, t testing.TB, c *client.Client, code string) client.Session {
	t.Helper()
	s, err := c.Login(ctx, code)
	if err != nil {
		t.Fatalf("log in with code %q: %v", code, err)
	}
	return s
}

// dial opens a socket with sessionID, waits for hi with role and closes the
// socket when the test ends.
func dial(ctx context.Context, t testing.TB, c *client.Client, sessionID, role string,
) *client.Socket {
	t.Helper()
	sock, err := c.Dial(ctx, sessionID)
	if err != nil {
		t.Fatalf("open a socket: %v", err)
	}
	t.Cleanup(sock.Close)
	hi, err := sock.WaitFor(ctx, "hi")
	if err != nil {
		t.Fatalf("socket greeting: %v", err)
	}
	if hi.Role != role {
		t.Fatalf("hi push has role %q, want %q", hi.Role, role)
	}
	return sock
}

// shop is a seller's approved shop with two products on sale.
type shop struct {
	admin    client.Session
	seller   client.Session
	name     string
	products []client.ShelfProduct
}

// openShop has the admin approve the seller with code sellerCode, and the
// seller put two products on sale: 1200 fen with 50 in stock, and 300 fen
// with 100 in stock.
func openShop(ctx context.Context, t testing.TB, c *client.Client, sellerCode string) shop {
	t.Helper()
	sh := shop{admin: login(ctx, t, c, "admin"), name: "Shop of " + sellerCode}
	if !sh.admin.IsAdmin {
		t.Fatalf("login with code admin: is_admin false, want true")
	}
	applicant := login(ctx, t, c, sellerCode)
	if err := c.Apply(ctx, applicant.ID, sh.name, "13800000001"); err != nil {
		t.Fatalf("apply for %q: %v", sh.name, err)
	}
	approve(ctx, t, c, sh.admin, "dev-"+sellerCode)

	sh.seller = login(ctx, t, c, sellerCode)
	if !sh.seller.IsSeller {
		t.Fatalf("login of %s after approval: is_seller false, want true", sellerCode)
	}
	for _, p := range []client.ShelfProduct{
		{ProductName: "Beef noodles", TotalFee: 1200, Inventory: 50},
		{ProductName: "Green tea", TotalFee: 300, Inventory: 100},
	} {
		id, err := c.AddProduct(ctx, sh.seller.ID, p.ProductName, p.TotalFee, p.Inventory)
		if err != nil {
			t.Fatalf("add product %s: %v", p.ProductName, err)
		}
		if err := c.PutOn(ctx, sh.seller.ID, id); err != nil {
			t.Fatalf("put product %d on sale: %v", id, err)
		}
		p.ProductID = id
		sh.products = append(sh.products, p)
	}
	return sh
}

// approve has admin approve the pending application of openid.
func approve(ctx context.Context, t testing.TB, c *client.Client, admin client.Session,
	openid string,
) {
	t.Helper()
	apps, err := c.Applications(ctx, admin.ID)
	if err != nil {
		t.Fatalf("list applications: %v", err)
	}
	for _, a := range apps {
		if a.OpenID == openid {
			if err := c.Approve(ctx, admin.ID, a.SellerID); err != nil {
				t.Fatalf("approve seller %d (%s): %v", a.SellerID, openid, err)
			}
			return
		}
	}
	t.Fatalf("no application of %s among %d: %+v", openid, len(apps), apps)
}

// order places an order of one of the first product and two of the second
// and returns its id and total fee.
func (sh shop) order(ctx context.Context, t testing.TB, c *client.Client,
	customer client.Session,
) (string, int64) {
	t.Helper()
	params, err := c.Order(ctx, customer.ID,
		client.Line{ProductID: sh.products[0].ProductID, Quantity: 1},
		client.Line{ProductID: sh.products[1].ProductID, Quantity: 2})
	if err != nil {
		t.Fatalf("place an order: %v", err)
	}
	if params.OrderID == "" {
		t.Fatalf("unifiedorder reply has no order_id: %+v", params)
	}
	return params.OrderID, sh.products[0].TotalFee + 2*sh.products[1].TotalFee
}

// pay sends a correctly signed payment notice for orderID.
func pay(ctx context.Context, t testing.TB, c *client.Client, orderID, openid string,
	totalFee int64,
) {
	t.Helper()
	if err := c.Notify(ctx, orderID, openid, totalFee); err != nil {
		t.Fatalf("pay order %s: %v", orderID, err)
	}
}

// wantAPIError fails t unless err is an *client.APIError with status and a
// message containing msg.
func wantAPIError(t testing.TB, err error, status int, msg string) {
	t.Helper()
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v, want status %d with errmsg %q", err, status, msg)
	}
	if apiErr.Status != status {
		t.Errorf("status = %d (errmsg %q), want %d", apiErr.Status, apiErr.Msg, status)
	}
	if !strings.Contains(apiErr.Msg, msg) {
		t.Errorf("errmsg = %q, want it to contain %q", apiErr.Msg, msg)
	}
}
