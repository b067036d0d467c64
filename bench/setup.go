package bench

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"callme/client"
)

// benchInventory is the stock of each product, the most the server
// accepts, so that a long rush does not sell out.
const benchInventory = 1_000_000

// setupWorkers bounds the concurrent requests of a setup step.
const setupWorkers = 16

// benchShop is an approved shop with two products on sale.
type benchShop struct {
	index    int
	shopID   int64
	seller   client.Session
	products []client.ShelfProduct
}

// newSetupClient returns a client of the server for setup steps, which
// need no speed: it is the same client the demo and the end-to-end tests
// use.
func newSetupClient(cfg *Config) (*client.Client, error) {
	hc := &http.Client{
		Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: setupWorkers},
		Timeout:   cfg.Timeout,
	}
	return client.New(cfg.HTTP, cfg.WS, client.WithHTTPClient(hc),
		client.WithMerchant(cfg.AppID, cfg.MchID, cfg.PayKey))
}

// setupShops logs in the dev admin and n sellers with codes bench-s0,
// bench-s1 and so on, has the admin approve each seller not yet approved,
// and has each seller put two new products on sale. It needs a server in
// --dev, where code "admin" is the admin.
func setupShops(ctx context.Context, c *client.Client, n int) ([]benchShop, error) {
	admin, err := c.Login(ctx, "admin")
	if err != nil {
		return nil, fmt.Errorf("log in the admin: %w", err)
	}
	if !admin.IsAdmin {
		return nil, fmt.Errorf("login code \"admin\" is not an admin: run the server with --dev")
	}
	shops := make([]benchShop, n)
	for i := range shops {
		if shops[i], err = setupShop(ctx, c, admin, i); err != nil {
			return nil, fmt.Errorf("set up shop %d: %w", i, err)
		}
	}
	return shops, nil
}

func setupShop(ctx context.Context, c *client.Client, admin client.Session, i int) (
	benchShop, error,
) {
	code := fmt.Sprintf("bench-s%d", i)
	seller, err := c.Login(ctx, code)
	if err != nil {
		return benchShop{}, fmt.Errorf("log in seller %s: %w", code, err)
	}
	if !seller.IsSeller {
		if seller, err = approveSeller(ctx, c, admin, seller, code, i); err != nil {
			return benchShop{}, err
		}
	}

	sh := benchShop{index: i, seller: seller}
	for _, p := range []client.ShelfProduct{
		{ProductName: "Bench noodles", TotalFee: 1200, Inventory: benchInventory},
		{ProductName: "Bench tea", TotalFee: 300, Inventory: benchInventory},
	} {
		id, err := c.AddProduct(ctx, seller.ID, p.ProductName, p.TotalFee, p.Inventory)
		if err != nil {
			return benchShop{}, fmt.Errorf("add product %s: %w", p.ProductName, err)
		}
		if err := c.PutOn(ctx, seller.ID, id); err != nil {
			return benchShop{}, fmt.Errorf("put product %d on sale: %w", id, err)
		}
		p.ProductID = id
		sh.products = append(sh.products, p)
	}
	// Product ids carry their shop: shop 3's products are 30001, 30002...
	sh.shopID = sh.products[0].ProductID / 10000
	return sh, nil
}

// approveSeller applies for a shop as seller, has admin approve it and
// returns the seller's new session, which has the seller role.
func approveSeller(ctx context.Context, c *client.Client, admin, seller client.Session,
	code string, i int,
) (client.Session, error) {
	if err := c.Apply(ctx, seller.ID, fmt.Sprintf("Bench shop %d", i), "13800000000"); err != nil {
		return client.Session{}, fmt.Errorf("apply for a shop: %w", err)
	}
	apps, err := c.Applications(ctx, admin.ID)
	if err != nil {
		return client.Session{}, fmt.Errorf("list applications: %w", err)
	}
	openid := "dev-" + code
	var sellerID int64
	for _, a := range apps {
		if a.OpenID == openid {
			sellerID = a.SellerID
		}
	}
	if sellerID == 0 {
		return client.Session{}, fmt.Errorf("no application of %s among %d", openid, len(apps))
	}
	if err := c.Approve(ctx, admin.ID, sellerID); err != nil {
		return client.Session{}, fmt.Errorf("approve seller %d: %w", sellerID, err)
	}
	seller, err = c.Login(ctx, code)
	if err != nil {
		return client.Session{}, fmt.Errorf("log in seller %s again: %w", code, err)
	}
	if !seller.IsSeller {
		return client.Session{}, fmt.Errorf("seller %s has no seller role after approval", code)
	}
	return seller, nil
}

// loginCustomers logs in n customers with codes bench-u0, bench-u1 and so
// on, which under --dev are the openids dev-bench-u0...
func loginCustomers(ctx context.Context, c *client.Client, n int) ([]client.Session, error) {
	sessions := make([]client.Session, n)
	err := parallel(ctx, n, func(i int) error {
		s, err := c.Login(ctx, fmt.Sprintf("bench-u%d", i))
		if err != nil {
			return fmt.Errorf("log in customer bench-u%d: %w", i, err)
		}
		sessions[i] = s
		return nil
	})
	return sessions, err
}

// customerOpenID returns the openid of customer i under --dev.
func customerOpenID(i int) string { return fmt.Sprintf("dev-bench-u%d", i) }

// parallel calls fn for 0 to n-1 from setupWorkers goroutines and returns
// the first error. After an error or the end of ctx it starts no more
// calls.
func parallel(ctx context.Context, n int, fn func(i int) error) error {
	var (
		mu       sync.Mutex
		firstErr error
		next     int
		wg       sync.WaitGroup
	)
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr != nil || next >= n || ctx.Err() != nil {
			return 0, false
		}
		next++
		return next - 1, true
	}
	for range min(setupWorkers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, ok := take(); ok; i, ok = take() {
				if err := fn(i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		return fmt.Errorf("setup interrupted: %w", ctx.Err())
	}
	return firstErr
}

// setupDeadline bounds a whole setup phase.
const setupDeadline = 5 * time.Minute
