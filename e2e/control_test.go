package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"callme/client"
)

// call posts fields to path and decodes the reply into a map.
func call(ctx context.Context, t *testing.T, c *client.Client, path string, fields any,
) map[string]any {
	t.Helper()
	var out map[string]any
	if err := c.Call(ctx, path, fields, &out); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

func callErr(ctx context.Context, c *client.Client, path string, fields any) error {
	var out map[string]any
	return c.Call(ctx, path, fields, &out)
}

func TestCloseCashAndAlertRoutes(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 40*time.Second)
	srv := startServer(t, t.TempDir())
	c := srv.Client()
	sh := openShop(ctx, t, c, "s1")
	customer, other := login(ctx, t, c, "c1"), login(ctx, t, c, "c2")

	orderID, fee := sh.order(ctx, t, c, customer)
	close := map[string]any{"session_id": customer.ID, "order_id": orderID}
	wantAPIError(t, callErr(ctx, c, "/callme/wx_pay/close",
		map[string]any{"session_id": other.ID, "order_id": orderID}), 403, "not yours")
	wantAPIError(t, callErr(ctx, c, "/callme/wx_pay/close",
		map[string]any{"session_id": customer.ID}), 400, "missing field order_id")
	wantAPIError(t, callErr(ctx, c, "/callme/wx_pay/close",
		map[string]any{"session_id": customer.ID, "order_id": "nope"}), 404, "no order")
	call(ctx, t, c, "/callme/wx_pay/close", close)
	call(ctx, t, c, "/callme/wx_pay/close", close)

	// A payment that arrives after the close is never applied silently.
	pay(ctx, t, c, orderID, "dev-c1", fee)
	alerts := call(ctx, t, c, "/callme/admin/alerts", map[string]any{"session_id": sh.admin.ID})
	list := alerts["list"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["status"] != "alert" {
		t.Fatalf("admin alerts = %v, want the closed order with status alert", alerts)
	}
	wantAPIError(t, callErr(ctx, c, "/callme/admin/alerts",
		map[string]any{"session_id": customer.ID}), 403, "admin only")

	paidID, paidFee := sh.order(ctx, t, c, customer)
	pay(ctx, t, c, paidID, "dev-c1", paidFee)
	wantAPIError(t, callErr(ctx, c, "/callme/wx_pay/close",
		map[string]any{"session_id": customer.ID, "order_id": paidID}), 409, "only an unpaid")

	cash := map[string]any{"session_id": sh.seller.ID, "amount": 1000, "request_id": "r1"}
	first := call(ctx, t, c, "/callme/wx_pay/cash", cash)
	again := call(ctx, t, c, "/callme/wx_pay/cash", cash)
	if first["balance"] != float64(paidFee-1000) || again["balance"] != first["balance"] {
		t.Fatalf("cash replies %v then %v, want balance %d both times", first, again,
			paidFee-1000)
	}
	wantAPIError(t, callErr(ctx, c, "/callme/wx_pay/cash", map[string]any{
		"session_id": sh.seller.ID, "amount": paidFee, "request_id": "r2"}), 409, "over the balance")
	wantAPIError(t, callErr(ctx, c, "/callme/wx_pay/cash", map[string]any{
		"session_id": sh.seller.ID, "amount": 1}), 400, "missing field request_id")
	wantAPIError(t, callErr(ctx, c, "/callme/wx_pay/cash", map[string]any{
		"session_id": customer.ID, "amount": 1, "request_id": "r3"}), 403, "seller only")

	// The payout reaches WeChat Pay's transfer stand-in and is paid.
	deadline := time.Now().Add(10 * time.Second)
	for {
		balance := call(ctx, t, c, "/callme/wx_pay/balance",
			map[string]any{"session_id": sh.seller.ID})
		payouts := balance["payouts"].([]any)
		if balance["balance"] != float64(paidFee-1000) || len(payouts) != 1 {
			t.Fatalf("balance = %v, want %d left and one payout", balance, paidFee-1000)
		}
		p := payouts[0].(map[string]any)
		if p["status"] == "paid" && p["payment_no"] != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("payout %v not paid after 10 s", p)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestQueueControlRoutes(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 40*time.Second)
	srv := startServer(t, t.TempDir())
	c := srv.Client()
	sh := openShop(ctx, t, c, "s1")
	customer := login(ctx, t, c, "c1")
	sock := dial(ctx, t, c, customer.ID, "customer")
	first, fee := sh.order(ctx, t, c, customer)
	pay(ctx, t, c, first, "dev-c1", fee)
	second, _ := sh.order(ctx, t, c, customer)
	pay(ctx, t, c, second, "dev-c1", fee)

	seller := map[string]any{"session_id": sh.seller.ID}
	wantAPIError(t, callErr(ctx, c, "/callme/queue/voice", map[string]any{
		"session_id": sh.seller.ID, "spd": 3, "pit": 5, "vol": 9, "per": 2}), 400, "invalid PER")
	call(ctx, t, c, "/callme/queue/voice", map[string]any{
		"session_id": sh.seller.ID, "spd": 3, "pit": 5, "vol": 9, "per": 4})
	call(ctx, t, c, "/callme/queue/call", seller)
	p, err := sock.WaitFor(ctx, "call")
	if err != nil || p.OrderID != first {
		t.Fatalf("call without order_id pushed %+v (%v), want a call for %s", p, err, first)
	}
	if !strings.Contains(p.AudioURL, "/text2audio?") || !strings.Contains(p.AudioURL, "per=4") {
		t.Fatalf("call push audio_url = %q, want a text2audio URL with per=4", p.AudioURL)
	}
	skip := map[string]any{"session_id": sh.seller.ID, "order_id": first}
	call(ctx, t, c, "/callme/queue/skip", skip)
	if p, err := sock.WaitFor(ctx, "skipped"); err != nil || p.OrderID != first {
		t.Fatalf("skip pushed %+v (%v), want skipped for %s", p, err, first)
	}
	var q client.Queue
	if err := c.Call(ctx, "/callme/queue/list", seller, &q); err != nil {
		t.Fatalf("queue list: %v", err)
	}
	if len(q.Skipped) != 1 || len(q.Waiting) != 1 || q.Waiting[0].Ahead != 0 {
		t.Fatalf("queue = %+v, want one skipped and one waiting with none ahead", q)
	}
	wantAPIError(t, callErr(ctx, c, "/callme/queue/skip",
		map[string]any{"session_id": sh.seller.ID, "order_id": second}), 409, "only a called")
	call(ctx, t, c, "/callme/queue/recall", skip)
	if p, err := sock.WaitFor(ctx, "call"); err != nil || p.OrderID != first {
		t.Fatalf("recall pushed %+v (%v), want a call for %s", p, err, first)
	}

	call(ctx, t, c, "/callme/queue/pause", seller)
	_, err = c.Order(ctx, customer.ID, client.Line{ProductID: sh.products[0].ProductID,
		Quantity: 1})
	wantAPIError(t, err, 409, "shop closed")
	call(ctx, t, c, "/callme/queue/resume", seller)
	sh.order(ctx, t, c, customer)
	wantAPIError(t, callErr(ctx, c, "/callme/queue/pause",
		map[string]any{"session_id": customer.ID}), 403, "seller only")
}

func TestHistoryHallsAliasesLogout(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 40*time.Second)
	srv := startServer(t, t.TempDir())
	c := srv.Client()
	admin := login(ctx, t, c, "admin")

	// The old seller routes work like signin/*.
	applicant := login(ctx, t, c, "s1")
	call(ctx, t, c, "/callme/seller_man/register", map[string]any{"session_id": applicant.ID,
		"shop_name": "North Noodles", "phone": "13800000000", "dining_hall": "North Hall"})
	apps := call(ctx, t, c, "/callme/seller_man/registerList", map[string]any{"session_id": admin.ID})
	if len(apps["list"].([]any)) != 1 {
		t.Fatalf("registerList = %v, want one application", apps)
	}
	call(ctx, t, c, "/callme/seller_man/registerConfirm",
		map[string]any{"session_id": admin.ID, "seller_id": 1})
	halls := call(ctx, t, c, "/callme/wx_session/diningHall", map[string]any{"session_id": admin.ID})
	hall := halls["list"].([]any)[0].(map[string]any)
	if hall["dining_hall"] != "North Hall" || len(hall["shops"].([]any)) != 1 {
		t.Fatalf("diningHall = %v, want North Hall with one shop", halls)
	}

	seller := login(ctx, t, c, "s1")
	id, err := c.AddProduct(ctx, seller.ID, "Rice", 100, 50)
	if err != nil {
		t.Fatalf("add product: %v", err)
	}
	if err := c.PutOn(ctx, seller.ID, id); err != nil {
		t.Fatalf("put on: %v", err)
	}
	customer := login(ctx, t, c, "c1")
	var ids []string
	for range 3 {
		p, err := c.Order(ctx, customer.ID, client.Line{ProductID: id, Quantity: 1})
		if err != nil {
			t.Fatalf("order: %v", err)
		}
		ids = append(ids, p.OrderID)
	}
	page := call(ctx, t, c, "/callme/wx_session/history",
		map[string]any{"session_id": customer.ID, "limit": 2})
	if len(page["list"].([]any)) != 2 || page["next_before"] != ids[1] {
		t.Fatalf("first history page = %v, want 2 orders and next_before %s", page, ids[1])
	}
	page = call(ctx, t, c, "/callme/wx_session/history",
		map[string]any{"session_id": customer.ID, "limit": 2, "before": ids[1]})
	if len(page["list"].([]any)) != 1 || page["next_before"] != "" {
		t.Fatalf("second history page = %v, want the oldest order and no next_before", page)
	}
	wantAPIError(t, callErr(ctx, c, "/callme/wx_session/history",
		map[string]any{"session_id": customer.ID, "limit": 500}), 400, "invalid limit")

	sock := dial(ctx, t, c, customer.ID, "customer")
	call(ctx, t, c, "/callme/wx_session/logout", map[string]any{"session_id": customer.ID})
	wantClose(ctx, t, sock, 4401)
	wantAPIError(t, callErr(ctx, c, "/callme/wx_pay/list",
		map[string]any{"session_id": customer.ID}), 401, "invalid session")
}

func TestUnpaidOrdersCloseThemselves(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 40*time.Second)
	srv := startServer(t, t.TempDir(), "--unpaid-ttl", "1s")
	c := srv.Client()
	sh := openShop(ctx, t, c, "s1")
	customer := login(ctx, t, c, "c1")
	sock := dial(ctx, t, c, customer.ID, "customer")
	orderID, _ := sh.order(ctx, t, c, customer)

	if _, err := sock.WaitFor(ctx, "order", client.OrderIs(orderID, "closed")); err != nil {
		t.Fatalf("no closed push for the unpaid order: %v", err)
	}
	shops, err := c.Shops(ctx, customer.ID)
	if err != nil {
		t.Fatalf("shops: %v", err)
	}
	if got := shops[0].Products[0].Inventory; got != sh.products[0].Inventory {
		t.Fatalf("inventory after the unpaid timeout = %d, want %d back", got,
			sh.products[0].Inventory)
	}
}
