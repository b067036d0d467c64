package e2e

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"callme/client"
	"callme/wechat"
)

func TestWalkThrough(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 45*time.Second)
	dataDir := t.TempDir()
	srv := startServer(t, dataDir)
	c := srv.Client()

	sh := openShop(ctx, t, c, "s1")
	sellerSocket := dial(ctx, t, c, sh.seller.ID, "seller")
	customer := login(ctx, t, c, "c1")
	customerSocket := dial(ctx, t, c, customer.ID, "customer")

	shops, err := c.Shops(ctx, customer.ID)
	if err != nil {
		t.Fatalf("list shops: %v", err)
	}
	if len(shops) != 1 || shops[0].ShopName != sh.name || len(shops[0].Products) != 2 {
		t.Fatalf("shops = %+v, want %q with 2 products", shops, sh.name)
	}
	orderID, totalFee := sh.order(ctx, t, c, customer)

	// A forged notice is rejected before and after the real one, and a
	// repeated real notice is acknowledged. Neither may change the order.
	forged := wechat.SignNotice(wechat.NoticeFields(client.DevAppID, client.DevMchID, orderID,
		"forged-1", "dev-c1", totalFee), "not-the-pay-key")
	postForged(ctx, t, c, forged)
	pay(ctx, t, c, orderID, "dev-c1", totalFee)

	paid, err := customerSocket.WaitFor(ctx, "order", client.OrderIs(orderID, "paid"))
	if err != nil {
		t.Fatalf("customer socket: %v", err)
	}
	if paid.Order.Number != 1 {
		t.Errorf("order push has number %d, want 1", paid.Order.Number)
	}
	if paid.Order.TotalFee != totalFee {
		t.Errorf("order push has total_fee %d, want %d", paid.Order.TotalFee, totalFee)
	}
	newOrder, err := sellerSocket.WaitFor(ctx, "new_order", client.OrderIs(orderID, "paid"))
	if err != nil {
		t.Fatalf("seller socket: %v", err)
	}
	if newOrder.Order.Number != 1 {
		t.Errorf("new_order push has number %d, want 1", newOrder.Order.Number)
	}

	pay(ctx, t, c, orderID, "dev-c1", totalFee)
	postForged(ctx, t, c, forged)
	wantOneOrder(ctx, t, c, customer, orderID, "paid")
	queue, err := c.Queue(ctx, sh.seller.ID)
	if err != nil {
		t.Fatalf("seller queue: %v", err)
	}
	if len(queue.Waiting) != 1 || len(queue.Called) != 0 {
		t.Errorf("queue has %d waiting and %d called, want 1 and 0: %+v",
			len(queue.Waiting), len(queue.Called), queue)
	}

	if err := c.CallOrder(ctx, sh.seller.ID, orderID); err != nil {
		t.Fatalf("call order %s: %v", orderID, err)
	}
	call, err := customerSocket.WaitFor(ctx, "call")
	if err != nil {
		t.Fatalf("customer socket: %v", err)
	}
	if call.OrderID != orderID || call.Number != 1 || call.ShopName != sh.name {
		t.Errorf("call push = %s, want order %s, number 1, shop %q",
			call.Raw, orderID, sh.name)
	}

	// Everything above must survive SIGKILL: the store is the only state.
	srv.Kill()
	srv = startServer(t, dataDir)
	c = srv.Client()
	wantOneOrder(ctx, t, c, customer, orderID, "called")

	customerSocket = dial(ctx, t, c, customer.ID, "customer")
	open, err := customerSocket.WaitFor(ctx, "orders")
	if err != nil {
		t.Fatalf("customer socket after restart: %v", err)
	}
	if len(open.List) != 1 || open.List[0].OrderID != orderID {
		t.Errorf("orders push after restart = %s, want order %s", open.Raw, orderID)
	}
	secondID, secondFee := sh.order(ctx, t, c, customer)
	pay(ctx, t, c, secondID, "dev-c1", secondFee)
	// NOTE: numbers restart each day in Asia/Shanghai, so this expects 2
	// only while both payments fall on the same day there.
	second, err := customerSocket.WaitFor(ctx, "order", client.OrderIs(secondID, "paid"))
	if err != nil {
		t.Fatalf("customer socket after restart: %v", err)
	}
	if second.Order.Number != 2 {
		t.Errorf("second order has number %d, want 2", second.Order.Number)
	}
}

// postForged posts a notice signed with a wrong key and expects FAIL.
func postForged(ctx context.Context, t *testing.T, c *client.Client, body []byte) {
	t.Helper()
	reply, err := c.PostNotice(ctx, body)
	if err != nil {
		t.Fatalf("post a forged notice: %v", err)
	}
	if reply.ReturnCode != "FAIL" {
		t.Errorf("forged notice: return_code %q (%s), want FAIL",
			reply.ReturnCode, reply.ReturnMsg)
	}
}

// wantOneOrder checks that the customer has exactly one order, orderID, in
// status with number 1.
func wantOneOrder(ctx context.Context, t *testing.T, c *client.Client,
	customer client.Session, orderID, status string,
) {
	t.Helper()
	orders, err := c.Orders(ctx, customer.ID)
	if err != nil {
		t.Fatalf("list orders: %v", err)
	}
	if len(orders) != 1 {
		t.Fatalf("customer has %d orders, want 1: %+v", len(orders), orders)
	}
	o := orders[0]
	if o.OrderID != orderID || o.Status != status || o.Number != 1 {
		t.Errorf("order = %s %s number %d, want %s %s number 1",
			o.OrderID, o.Status, o.Number, orderID, status)
	}
}

func TestDemoCommand(t *testing.T) {
	t.Parallel()
	srv := startServer(t, t.TempDir())
	out, err := runDemo(t, "--http", srv.HTTP, "--ws", srv.WS)
	if err != nil {
		t.Fatalf("callme demo: %v\n%s", err, out)
	}
	for _, want := range []string{
		"customer paid order",
		": number 1\n",
		"customer heard the call: number 1",
		"demo finished",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}

func TestDemoUnreachable(t *testing.T) {
	t.Parallel()
	// The port of a server that has just stopped refuses connections.
	srv := startServer(t, t.TempDir())
	srv.Kill()
	out, err := runDemo(t, "--http", srv.HTTP, "--ws", srv.WS)
	exitErr, ok := err.(*exec.ExitError)
	if !ok || exitErr.ExitCode() != 1 {
		t.Fatalf("callme demo: %v, want exit status 1\n%s", err, out)
	}
	want := "failed to log in as admin: cannot reach " + srv.HTTP
	if !strings.Contains(out, want) {
		t.Errorf("demo output lacks %q:\n%s", want, out)
	}
}

// runDemo runs `callme demo` with args and returns its stdout and stderr.
func runDemo(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx := testContext(t, 40*time.Second)
	cmd := exec.CommandContext(ctx, binary, append([]string{"demo"}, args...)...)
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	return string(out), err
}
