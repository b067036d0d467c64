//go:build crash

package e2e

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"callme/client"
)

// TestCrashKeepsAcknowledgedPayments kills the server with SIGKILL in the
// middle of a rush of orders and payments, restarts it on the same data and
// checks that every payment acknowledged to WeChat with SUCCESS is paid, with
// numbers unique per shop and day, and that stock adds up once the unpaid
// sweep has released what was reserved but never ordered. Run it with
// `make crash`; it takes about half a minute.
func TestCrashKeepsAcknowledgedPayments(t *testing.T) {
	ctx := testContext(t, 90*time.Second)
	dataDir := t.TempDir()
	srv := startServer(t, dataDir, "--unpaid-ttl", "2s")
	c := srv.Client()
	sh := openShop(ctx, t, c, "s1")
	product := sh.products[0]
	product.Inventory = 100000
	_, err := c.ModifyProduct(ctx, sh.seller.ID, client.ProductEdit{ProductID: product.ProductID,
		ProductName: product.ProductName, TotalFee: product.TotalFee, Inventory: product.Inventory})
	if err != nil {
		t.Fatalf("restock: %v", err)
	}

	const customers = 20
	var mu sync.Mutex
	paid := make(map[string]bool) // orders whose notice got SUCCESS
	placed := 0
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range customers {
		s := login(ctx, t, c, fmt.Sprint("crash", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 1000; n++ {
				select {
				case <-stop:
					return
				default:
				}
				p, err := c.Order(ctx, s.ID, client.Line{ProductID: product.ProductID, Quantity: 1})
				if err != nil {
					continue
				}
				mu.Lock()
				placed++
				mu.Unlock()
				if c.Notify(ctx, p.OrderID, fmt.Sprint("dev-crash", i), product.TotalFee) == nil {
					mu.Lock()
					paid[p.OrderID] = true
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(5 * time.Second)
	srv.Kill()
	close(stop)
	wg.Wait()
	if len(paid) == 0 {
		t.Fatalf("no payment acknowledged before the kill (%d orders placed)", placed)
	}

	srv = startServer(t, dataDir, "--unpaid-ttl", "2s")
	c = srv.Client()
	seller := login(ctx, t, c, "s1")
	var q client.Queue
	if err := c.Call(ctx, "/callme/queue/list", map[string]string{"session_id": seller.ID},
		&q); err != nil {
		t.Fatalf("queue after restart: %v", err)
	}
	numbers := make(map[string]int64)
	seen := make(map[int64]string)
	for _, o := range q.Waiting {
		numbers[o.OrderID] = o.Number
		if other, dup := seen[o.Number]; dup {
			t.Errorf("number %d given to %s and %s", o.Number, other, o.OrderID)
		}
		seen[o.Number] = o.OrderID
	}
	for id := range paid {
		if numbers[id] == 0 {
			t.Errorf("order %s got SUCCESS before the kill but is not paid after it", id)
		}
	}

	// Reservations whose order never got recorded come back with the sweep.
	want := product.Inventory - int64(len(q.Waiting))
	deadline := time.Now().Add(20 * time.Second)
	for {
		products, err := c.Products(ctx, seller.ID)
		if err != nil {
			t.Fatalf("products: %v", err)
		}
		got := products[0].Inventory
		if got == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("inventory %d, want %d: %d paid of %d in stock", got, want,
				len(q.Waiting), product.Inventory)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("%d placed, %d acknowledged paid before the kill, %d paid after", placed,
		len(paid), len(q.Waiting))
}
