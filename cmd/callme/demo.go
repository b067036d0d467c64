package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"callme/client"
)

type demoConfig struct {
	httpBase string
	wsURL    string
	appID    string
	mchID    string
	payKey   string
	timeout  time.Duration
}

// demoEnvName returns the variable that sets flag name of the demo. The
// CALLME_DEMO_ prefix keeps the demo's --http, a URL, apart from CALLME_HTTP,
// the listen address of serve.
func demoEnvName(name string) string {
	return "CALLME_DEMO_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

func parseDemo(args []string, stderr io.Writer) (*demoConfig, error) {
	var c demoConfig
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: callme demo [flags]\n\n"+
			"Plays an admin, a seller and a customer against a running `callme serve --dev`:\n"+
			"the admin approves the seller's shop, the customer orders and pays, and the\n"+
			"seller calls the order. Each step prints one line. Exits 1 when a step fails.\n\n")
		fs.PrintDefaults()
	}

	str := func(p *string, name, def, help string) {
		if v, ok := os.LookupEnv(demoEnvName(name)); ok {
			def = v
		}
		fs.StringVar(p, name, def, fmt.Sprintf("%s (env %s)", help, demoEnvName(name)))
	}
	str(&c.httpBase, "http", "http://127.0.0.1:8080", "base URL of the server's REST API")
	str(&c.wsURL, "ws", "ws://127.0.0.1:4431", "URL of the server's WebSocket")
	str(&c.appID, "appid", client.DevAppID, "AppID in payment notices: the server's --wx-appid")
	str(&c.mchID, "mchid", client.DevMchID,
		"merchant id in payment notices: the server's --wx-mchid")
	str(&c.payKey, "pay-key", client.DevPayKey,
		"WeChat Pay API v2 key that signs payment notices: the server's --wx-paykey")

	timeout := 30 * time.Second
	if v, ok := os.LookupEnv(demoEnvName("timeout")); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("invalid %s=%q: want a duration such as 30s",
				demoEnvName("timeout"), v)
		}
		timeout = d
	}
	fs.DurationVar(&c.timeout, "timeout", timeout, fmt.Sprintf(
		"time limit of the whole demo (env %s)", demoEnvName("timeout")))

	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.timeout <= 0 {
		return nil, fmt.Errorf("invalid --timeout %v: must be positive", c.timeout)
	}
	return &c, nil
}

func demo(args []string, stdout, stderr io.Writer) int {
	c, err := parseDemo(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "callme demo: %v\n", err)
		return 2
	}
	api, err := client.New(c.httpBase, c.wsURL, client.WithMerchant(c.appID, c.mchID, c.payKey))
	if err != nil {
		fmt.Fprintf(stderr, "callme demo: %v\n", err)
		return 2
	}

	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	run := &demoRun{api: api, out: stdout, suffix: randomSuffix()}
	defer run.closeSockets()
	if err := run.play(ctx); err != nil {
		fmt.Fprintf(stderr, "callme demo: %s\n", explain(err, c))
		return 1
	}
	fmt.Fprintln(stdout, "demo finished: every step passed")
	return 0
}

// stepError is a failed step of the demo.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return "failed to " + e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// explain turns a failed step into a message that names what to check.
func explain(err error, c *demoConfig) string {
	var step *stepError
	name := "run the demo"
	if errors.As(err, &step) {
		name = step.step
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("failed to %s: cannot reach %s: is `make run` "+
			"(callme serve --dev) running there?", name, unreachable(err, c))
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("failed to %s: timed out, the demo allows %s in all (--timeout)",
			name, c.timeout)
	}
	return err.Error()
}

// unreachable returns the URL, REST or WebSocket, whose dial failed in err.
func unreachable(err error, c *demoConfig) string {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Addr != nil {
		for _, raw := range []string{c.httpBase, c.wsURL} {
			if u, err := url.Parse(raw); err == nil && u.Host == opErr.Addr.String() {
				return raw
			}
		}
	}
	return c.httpBase + " or " + c.wsURL
}

func randomSuffix() string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// demoRun carries what one step of the demo hands to the next.
type demoRun struct {
	api    *client.Client
	out    io.Writer
	suffix string

	admin    client.Session
	seller   client.Session
	customer client.Session

	sellerCode   string
	customerCode string
	shopName     string
	products     []client.ShelfProduct
	shop         client.Shop
	orderID      string
	totalFee     int64
	number       int64

	sellerSocket   *client.Socket
	customerSocket *client.Socket
}

// play runs the steps in order and prints one line for each that passes.
func (d *demoRun) play(ctx context.Context) error {
	d.sellerCode = "demo-seller-" + d.suffix
	d.customerCode = "demo-customer-" + d.suffix
	d.shopName = "Demo Kitchen " + d.suffix
	steps := []struct {
		name string
		run  func(context.Context) (string, error)
	}{
		{"log in as admin", d.loginAdmin},
		{"apply for a shop as the seller", d.apply},
		{"approve the seller as admin", d.approve},
		{"log in again as the seller", d.loginSeller},
		{"put two products on sale", d.addProducts},
		{"open the seller's WebSocket", d.openSellerSocket},
		{"open the customer's WebSocket", d.openCustomerSocket},
		{"find the shop as the customer", d.findShop},
		{"place an order", d.placeOrder},
		{"pay the order", d.pay},
		{"deliver the new order to the seller", d.awaitNewOrder},
		{"call the order", d.call},
		{"hand the order over", d.done},
	}
	for _, s := range steps {
		line, err := s.run(ctx)
		if err != nil {
			return &stepError{step: s.name, err: err}
		}
		fmt.Fprintln(d.out, "✓ "+line)
	}
	return nil
}

func (d *demoRun) closeSockets() {
	for _, s := range []*client.Socket{d.sellerSocket, d.customerSocket} {
		if s != nil {
			s.Close()
		}
	}
}

func (d *demoRun) loginAdmin(ctx context.Context) (string, error) {
	var err error
	d.admin, err = d.api.Login(ctx, "admin")
	if err != nil {
		return "", err
	}
	if !d.admin.IsAdmin {
		return "", errors.New(`code "admin" gave no admin session: ` +
			"start the server with --dev, or use a server whose admin logs in with that code")
	}
	return "admin logged in", nil
}

func (d *demoRun) apply(ctx context.Context) (string, error) {
	var err error
	d.seller, err = d.api.Login(ctx, d.sellerCode)
	if err != nil {
		return "", err
	}
	if err := d.api.Apply(ctx, d.seller.ID, d.shopName, "13800000000"); err != nil {
		return "", err
	}
	return fmt.Sprintf("seller %s applied for shop %q", d.sellerCode, d.shopName), nil
}

func (d *demoRun) approve(ctx context.Context) (string, error) {
	apps, err := d.api.Applications(ctx, d.admin.ID)
	if err != nil {
		return "", err
	}
	for _, a := range apps {
		if a.ShopName != d.shopName {
			continue
		}
		if err := d.api.Approve(ctx, d.admin.ID, a.SellerID); err != nil {
			return "", err
		}
		return fmt.Sprintf("admin approved seller %d (openid %s)", a.SellerID, a.OpenID), nil
	}
	return "", fmt.Errorf("no application for shop %q among %d applications",
		d.shopName, len(apps))
}

func (d *demoRun) loginSeller(ctx context.Context) (string, error) {
	var err error
	d.seller, err = d.api.Login(ctx, d.sellerCode)
	if err != nil {
		return "", err
	}
	if !d.seller.IsSeller {
		return "", errors.New("the login after approval has is_seller false")
	}
	return "seller logged in again with is_seller true", nil
}

func (d *demoRun) addProducts(ctx context.Context) (string, error) {
	menu := []client.ShelfProduct{
		{ProductName: "Beef noodles", TotalFee: 1200, Inventory: 50},
		{ProductName: "Green tea", TotalFee: 300, Inventory: 100},
	}
	var names []string
	for _, p := range menu {
		id, err := d.api.AddProduct(ctx, d.seller.ID, p.ProductName, p.TotalFee, p.Inventory)
		if err != nil {
			return "", fmt.Errorf("add %s: %w", p.ProductName, err)
		}
		if err := d.api.PutOn(ctx, d.seller.ID, id); err != nil {
			return "", fmt.Errorf("put %s (product %d) on sale: %w", p.ProductName, id, err)
		}
		p.ProductID = id
		d.products = append(d.products, p)
		names = append(names, fmt.Sprintf("%s (product %d, %d fen)", p.ProductName, id,
			p.TotalFee))
	}
	return "seller put on sale " + strings.Join(names, " and "), nil
}

// openSocket dials with sessionID and waits for the hi push with role.
func (d *demoRun) openSocket(ctx context.Context, sessionID, role string) (
	*client.Socket, error,
) {
	s, err := d.api.Dial(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	hi, err := s.WaitFor(ctx, "hi")
	if err == nil && hi.Role != role {
		err = fmt.Errorf("hi push has role %q, want %q", hi.Role, role)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (d *demoRun) openSellerSocket(ctx context.Context) (string, error) {
	var err error
	d.sellerSocket, err = d.openSocket(ctx, d.seller.ID, "seller")
	if err != nil {
		return "", err
	}
	return "seller's WebSocket open, the server greeted it as a seller", nil
}

func (d *demoRun) openCustomerSocket(ctx context.Context) (string, error) {
	var err error
	d.customer, err = d.api.Login(ctx, d.customerCode)
	if err != nil {
		return "", err
	}
	d.customerSocket, err = d.openSocket(ctx, d.customer.ID, "customer")
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("customer %s logged in, WebSocket open", d.customerCode), nil
}

func (d *demoRun) findShop(ctx context.Context) (string, error) {
	shops, err := d.api.Shops(ctx, d.customer.ID)
	if err != nil {
		return "", err
	}
	for _, s := range shops {
		if s.ShopName == d.shopName {
			d.shop = s
			return fmt.Sprintf("customer found shop %d %q with %d products on sale, "+
				"%d orders waiting", s.ShopID, s.ShopName, len(s.Products), s.Waiting), nil
		}
	}
	return "", fmt.Errorf("shop %q is not among the %d shops listed", d.shopName, len(shops))
}

func (d *demoRun) placeOrder(ctx context.Context) (string, error) {
	if len(d.shop.Products) < len(d.products) {
		return "", fmt.Errorf("the shop lists %d products, want %d",
			len(d.shop.Products), len(d.products))
	}
	var lines []client.Line
	var parts []string
	d.totalFee = 0
	for i, p := range d.products {
		quantity := int64(i + 1)
		lines = append(lines, client.Line{ProductID: p.ProductID, Quantity: quantity})
		parts = append(parts, fmt.Sprintf("%d × %s", quantity, p.ProductName))
		d.totalFee += quantity * p.TotalFee
	}
	params, err := d.api.Order(ctx, d.customer.ID, lines...)
	if err != nil {
		return "", err
	}
	d.orderID = params.OrderID
	return fmt.Sprintf("customer ordered %s: %s, %d fen", d.orderID,
		strings.Join(parts, ", "), d.totalFee), nil
}

func (d *demoRun) pay(ctx context.Context) (string, error) {
	// Under --dev the stand-in login gives code X the openid dev-X.
	openid := "dev-" + d.customerCode
	if err := d.api.Notify(ctx, d.orderID, openid, d.totalFee); err != nil {
		return "", err
	}
	p, err := d.customerSocket.WaitFor(ctx, "order", client.OrderIs(d.orderID, "paid"))
	if err != nil {
		return "", err
	}
	d.number = p.Order.Number
	if d.number < 1 {
		return "", fmt.Errorf("paid order %s has number %d", d.orderID, d.number)
	}
	return fmt.Sprintf("customer paid order %s: number %d", d.orderID, d.number), nil
}

func (d *demoRun) awaitNewOrder(ctx context.Context) (string, error) {
	p, err := d.sellerSocket.WaitFor(ctx, "new_order", client.OrderIs(d.orderID, ""))
	if err != nil {
		return "", err
	}
	if p.Order.Number != d.number {
		return "", fmt.Errorf("new_order push has number %d, the customer got %d",
			p.Order.Number, d.number)
	}
	return fmt.Sprintf("seller's WebSocket got new order %s with number %d",
		d.orderID, d.number), nil
}

func (d *demoRun) call(ctx context.Context) (string, error) {
	if err := d.api.CallOrder(ctx, d.seller.ID, d.orderID); err != nil {
		return "", err
	}
	isOrder := func(p client.Push) bool { return p.OrderID == d.orderID }
	p, err := d.customerSocket.WaitFor(ctx, "call", isOrder)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("customer heard the call: number %d at %s", p.Number, p.ShopName), nil
}

func (d *demoRun) done(ctx context.Context) (string, error) {
	if err := d.api.Done(ctx, d.seller.ID, d.orderID); err != nil {
		return "", err
	}
	_, err := d.customerSocket.WaitFor(ctx, "order", client.OrderIs(d.orderID, "done"))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("seller handed over order %s, the customer sees it done", d.orderID), nil
}
