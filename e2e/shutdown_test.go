package e2e

import (
	"testing"
	"time"

	"callme/client"
)

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 45*time.Second)
	dataDir := t.TempDir()
	srv := startServer(t, dataDir)
	c := srv.Client()
	sh := openShop(ctx, t, c, "s1")
	customer := login(ctx, t, c, "c1")
	customerSocket := dial(ctx, t, c, customer.ID, "customer")
	sellerSocket := dial(ctx, t, c, sh.seller.ID, "seller")

	orderID, totalFee := sh.order(ctx, t, c, customer)
	pay(ctx, t, c, orderID, "dev-c1", totalFee)
	_, err := customerSocket.WaitFor(ctx, "order", client.OrderIs(orderID, "paid"))
	if err != nil {
		t.Fatalf("customer socket: %v", err)
	}

	if code := srv.Terminate(); code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0", code)
	}
	for name, sock := range map[string]*client.Socket{
		"customer": customerSocket,
		"seller":   sellerSocket,
	} {
		closed, err := sock.WaitClose(ctx)
		if err != nil {
			t.Errorf("%s socket: %v", name, err)
			continue
		}
		if closed.Code != 1001 {
			t.Errorf("%s socket: close code %d (reason %q), want 1001",
				name, closed.Code, closed.Reason)
		}
	}

	srv = startServer(t, dataDir)
	c = srv.Client()
	var orders []client.Order
	orders, err = c.Orders(ctx, customer.ID)
	if err != nil {
		t.Fatalf("list orders after restart: %v", err)
	}
	if len(orders) != 1 || orders[0].OrderID != orderID || orders[0].Status != "paid" {
		t.Errorf("orders after restart = %+v, want order %s paid", orders, orderID)
	}
	queue, err := c.Queue(ctx, sh.seller.ID)
	if err != nil {
		t.Fatalf("seller queue after restart: %v", err)
	}
	if len(queue.Waiting) != 1 || queue.Waiting[0].OrderID != orderID {
		t.Errorf("queue after restart = %+v, want order %s waiting", queue, orderID)
	}
}
