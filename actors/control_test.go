package actors

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"callme/actors/pb"
	"callme/wechat"
)

func TestCloseReleasesInventory(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 5)
	customer, other := te.login("c1"), te.login("c2")
	id := te.order(customer, OrderLine{ProductID: rice, Quantity: 3})

	wantCode(t, te.e.CloseOrder(other, id), 403)
	if err := te.e.CloseOrder(customer, id); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := te.e.CloseOrder(customer, id); err != nil {
		t.Fatalf("closing again: %v, want ok", err)
	}
	products, _ := te.e.Products(seller)
	if products[0].GetInventory() != 5 {
		t.Fatalf("inventory after close = %d, want 5", products[0].GetInventory())
	}
	list, _ := te.e.Orders(customer)
	if list[0].GetStatus() != "closed" {
		t.Fatalf("status after close = %q, want closed", list[0].GetStatus())
	}

	paid := te.order(customer, OrderLine{ProductID: rice, Quantity: 1})
	te.mustPay(paid, "dev-c1", 100)
	wantCode(t, te.e.CloseOrder(customer, paid), 409)
}

func TestNoticeForClosedOrderRaisesAlert(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 5)
	customer, admin := te.login("c1"), te.login("admin")
	id := te.order(customer, OrderLine{ProductID: rice, Quantity: 1})
	if err := te.e.CloseOrder(customer, id); err != nil {
		t.Fatalf("close: %v", err)
	}

	te.mustPay(id, "dev-c1", 100)
	te.mustPay(id, "dev-c1", 100)
	list, _ := te.e.Orders(customer)
	if list[0].GetStatus() != "alert" || list[0].GetNumber() != 0 {
		t.Fatalf("order = %v, want status alert without a number", list[0])
	}
	q, _ := te.e.Queue(seller)
	if len(q.GetWaiting()) != 0 {
		t.Fatalf("waiting = %v, want none: a closed order is never paid silently", q.GetWaiting())
	}
	alerts, err := te.e.Alerts(admin)
	if err != nil {
		t.Fatalf("alerts: %v", err)
	}
	if len(alerts) != 1 || alerts[0].GetOrderId() != id || alerts[0].GetAlert() != "tx-"+id {
		t.Fatalf("alerts = %v, want order %s with its transaction", alerts, id)
	}
	_, err = te.e.Alerts(customer)
	wantCode(t, err, 403)
}

func TestUnpaidOrderExpires(t *testing.T) {
	te := startEngine(t, 50)
	te.stop()
	te.ttl = 2 * time.Second
	te.open(50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 5)
	customer := te.login("c1")
	cs, _ := te.connect(customer)
	id := te.order(customer, OrderLine{ProductID: rice, Quantity: 2})

	te.clock.Add(3 * time.Second)
	for range 20 {
		if m := cs.nextKind(t, "order")["order"].(map[string]any); m["status"] == "closed" {
			break
		}
	}
	list, _ := te.e.Orders(customer)
	if list[0].GetOrderId() != id || list[0].GetStatus() != "closed" {
		t.Fatalf("order after the unpaid timeout = %v, want closed", list[0])
	}
	products, _ := te.e.Products(seller)
	if products[0].GetInventory() != 5 {
		t.Fatalf("inventory after expiry = %d, want 5", products[0].GetInventory())
	}
}

func TestInventoryNeverNegative(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 10)
	sessions := make([]string, 8)
	for i := range sessions {
		sessions[i] = te.login(fmt.Sprint("c", i))
	}

	var mu sync.Mutex
	placed, rejected := 0, 0
	var wg sync.WaitGroup
	for _, s := range sessions {
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := te.e.PlaceOrder(s, []OrderLine{{ProductID: rice, Quantity: 1}})
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					placed++
					return
				}
				if e := AsError(err); e.Code == 409 {
					rejected++
					return
				}
				t.Errorf("place order: %v", err)
			}()
		}
	}
	wg.Wait()
	if placed != 10 || rejected != 14 {
		t.Fatalf("placed %d and rejected %d of 24, want 10 and 14", placed, rejected)
	}
	products, _ := te.e.Products(seller)
	if products[0].GetInventory() != 0 {
		t.Fatalf("inventory = %d, want 0", products[0].GetInventory())
	}
	_, err := te.e.PlaceOrder(sessions[0], []OrderLine{{ProductID: rice, Quantity: 1}})
	if e := AsError(err); e.Code != 409 || e.Msg != "not enough Rice (product 10001): 0 left" {
		t.Fatalf("err = %v, want 409 naming the product", err)
	}
}

func TestCashOutOncePerRequest(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 1500, 5)
	customer := te.login("c1")
	te.mustPay(te.order(customer, OrderLine{ProductID: rice, Quantity: 2}), "dev-c1", 3000)

	p, err := te.e.Cash(seller, 1000, "r1")
	if err != nil {
		t.Fatalf("cash: %v", err)
	}
	if p.GetBalance() != 2000 {
		t.Fatalf("balance after cash = %d, want 2000", p.GetBalance())
	}
	if p, err = te.e.Cash(seller, 1000, "r1"); err != nil || p.GetBalance() != 2000 {
		t.Fatalf("repeat of r1 = %v, %v, want the first payout again", p, err)
	}
	_, err = te.e.Cash(seller, 2001, "r2")
	wantCode(t, err, 409)
	_, err = te.e.Cash(seller, 0, "r3")
	wantCode(t, err, 400)
	_, err = te.e.Cash(customer, 1, "r4")
	wantCode(t, err, 403)

	te.restart(50)
	b, err := te.e.Balance(seller)
	if err != nil {
		t.Fatalf("balance: %v", err)
	}
	if b.GetBalance() != 2000 || b.GetEarned() != 3000 || len(b.GetPayouts()) != 1 {
		t.Fatalf("balance after restart = %v, want 2000 left of 3000 with one payout", b)
	}
}

func TestSkipRecallAndCallNext(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 50)
	customer := te.login("c1")
	cs, _ := te.connect(customer)
	first := te.order(customer, OrderLine{ProductID: rice, Quantity: 1})
	te.mustPay(first, "dev-c1", 100)
	second := te.order(customer, OrderLine{ProductID: rice, Quantity: 1})
	te.mustPay(second, "dev-c1", 100)

	if err := te.e.Call(seller, ""); err != nil {
		t.Fatalf("call next: %v", err)
	}
	if call := cs.nextKind(t, "call"); call["order_id"] != first {
		t.Fatalf("call next called %v, want the lowest number %s", call["order_id"], first)
	}
	wantCode(t, te.e.Skip(seller, second), 409)
	if err := te.e.Skip(seller, first); err != nil {
		t.Fatalf("skip: %v", err)
	}
	if s := cs.nextKind(t, "skipped"); s["order_id"] != first || s["number"] != 1.0 {
		t.Fatalf("skipped push = %v, want order %s number 1", s, first)
	}
	q, _ := te.e.Queue(seller)
	if len(q.GetSkipped()) != 1 || len(q.GetCalled()) != 0 {
		t.Fatalf("queue after skip = %v, want one skipped order", q)
	}
	if err := te.e.Recall(seller, first); err != nil {
		t.Fatalf("recall: %v", err)
	}
	if call := cs.nextKind(t, "call"); call["order_id"] != first {
		t.Fatalf("recall pushed %v, want a call for %s", call, first)
	}
	if err := te.e.Done(seller, first); err != nil {
		t.Fatalf("done: %v", err)
	}
	wantCode(t, te.e.Recall(seller, first), 409)
	wantCode(t, te.e.Done(seller, first), 409)
	if err := te.e.Call(seller, ""); err != nil {
		t.Fatalf("call next: %v", err)
	}
	wantCode(t, te.e.Call(seller, ""), 404)
}

func TestPausedShopTakesNoOrders(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 50)
	customer := te.login("c1")

	if err := te.e.Pause(seller); err != nil {
		t.Fatalf("pause: %v", err)
	}
	_, err := te.e.PlaceOrder(customer, []OrderLine{{ProductID: rice, Quantity: 1}})
	wantCode(t, err, 409)
	if e := AsError(err); e.Msg != "shop closed: Noodles is not taking orders now" {
		t.Fatalf("errmsg = %q, want one saying the shop is closed", e.Msg)
	}
	shops, _ := te.e.Shops(customer)
	if !shops[0].GetPaused() {
		t.Fatalf("shop list shows the paused shop as open")
	}
	if err := te.e.Resume(seller); err != nil {
		t.Fatalf("resume: %v", err)
	}
	te.order(customer, OrderLine{ProductID: rice, Quantity: 1})
	wantCode(t, te.e.Pause(customer), 403)
}

func TestWaitingOrdersLearnTheirPlace(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 50)
	c1, c3 := te.login("c1"), te.login("c3")
	ids := make([]string, 3)
	for i := range ids {
		ids[i] = te.order(c1, OrderLine{ProductID: rice, Quantity: 1})
		if i == 2 {
			ids[i] = te.order(c3, OrderLine{ProductID: rice, Quantity: 1})
			te.mustPay(ids[i], "dev-c3", 100)
			continue
		}
		te.mustPay(ids[i], "dev-c1", 100)
	}
	s3, _ := te.connect(c3)
	list, _ := te.e.Orders(c3)
	if list[0].GetAhead() != 2 || list[0].GetEtaS() != 300 {
		t.Fatalf("third order ahead %d eta %d, want 2 ahead and the 300 s default pace",
			list[0].GetAhead(), list[0].GetEtaS())
	}

	// The first call after 60 s teaches the shop its pace.
	te.clock.Add(60 * time.Second)
	if err := te.e.Call(seller, ids[0]); err != nil {
		t.Fatalf("call: %v", err)
	}
	push := s3.nextKind(t, "order")["order"].(map[string]any)
	if push["ahead"] != 1.0 {
		t.Fatalf("order push after a call = %v, want ahead 1", push)
	}
	// The learned 60 s pace has passed, but one order is still ahead at
	// the default gap of a minute between calls.
	if push["eta_s"] != 60.0 {
		t.Fatalf("eta with one order ahead = %v, want 60", push["eta_s"])
	}

	// A second call 20 s later teaches the gap; the order is next.
	te.clock.Add(20 * time.Second)
	if err := te.e.Call(seller, ids[1]); err != nil {
		t.Fatalf("call: %v", err)
	}
	push = s3.nextKind(t, "order")["order"].(map[string]any)
	if push["ahead"] != 0.0 || push["eta_s"] != 0.0 {
		t.Fatalf("order push after the second call = %v, want ahead 0 and eta 0", push)
	}
	q, _ := te.e.Queue(seller)
	if len(q.GetWaiting()) != 1 {
		t.Fatalf("waiting = %v, want the third order", q.GetWaiting())
	}
}

func TestEtaGrowsWithOrdersAhead(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 50)
	customer := te.login("c1")
	for range 8 {
		te.mustPay(te.order(customer, OrderLine{ProductID: rice, Quantity: 1}), "dev-c1", 100)
	}
	q, err := te.e.Queue(seller)
	if err != nil {
		t.Fatalf("queue: %v", err)
	}
	// Before any call: the 300 s default pace, or a minute per order ahead.
	for i, o := range q.GetWaiting() {
		want := max(int64(300), int64(i)*60)
		if o.GetAhead() != int64(i) || o.GetEtaS() != want {
			t.Errorf("waiting[%d] ahead %d eta %d, want %d and %d", i, o.GetAhead(),
				o.GetEtaS(), i, want)
		}
	}
}

func TestSessionExpiresAndLogsOut(t *testing.T) {
	te := startEngine(t, 50)
	old, kept := te.login("c1"), te.login("c2")
	te.clock.Add(20 * 24 * time.Hour)
	if _, err := te.e.Orders(kept); err != nil {
		t.Fatalf("a session used after 20 days: %v", err)
	}
	te.clock.Add(11 * 24 * time.Hour)
	_, err := te.e.Orders(old)
	wantCode(t, err, 401)
	if _, err := te.e.Orders(kept); err != nil {
		t.Fatalf("a session used 11 days ago: %v", err)
	}

	again := te.login("c1")
	s, _ := te.connect(again)
	other, _ := te.connect(kept)
	if err := te.e.Logout(again); err != nil {
		t.Fatalf("logout: %v", err)
	}
	if code := s.waitClosed(t, 5*time.Second); code != CloseInvalidSession {
		t.Fatalf("socket of the ended session closed with %d, want %d", code, CloseInvalidSession)
	}
	select {
	case <-other.closed:
		t.Fatalf("logout closed another session's socket")
	case <-time.After(200 * time.Millisecond):
	}
	_, err = te.e.Orders(again)
	wantCode(t, err, 401)
	wantCode(t, te.e.Logout(again), 401)
}

func TestHistoryPagesBack(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 50)
	customer := te.login("c1")
	var ids []string
	for range 5 {
		ids = append(ids, te.order(customer, OrderLine{ProductID: rice, Quantity: 1}))
	}

	page, more, err := te.e.History(customer, "", 2)
	if err != nil || !more || len(page) != 2 || page[0].GetOrderId() != ids[4] {
		t.Fatalf("first page = %v more %v err %v, want ids 4 and 3 and more", page, more, err)
	}
	page, more, _ = te.e.History(customer, page[1].GetOrderId(), 2)
	if !more || page[0].GetOrderId() != ids[2] || page[1].GetOrderId() != ids[1] {
		t.Fatalf("second page = %v, want ids 2 and 1", page)
	}
	page, more, _ = te.e.History(customer, page[1].GetOrderId(), 2)
	if more || len(page) != 1 || page[0].GetOrderId() != ids[0] {
		t.Fatalf("last page = %v more %v, want id 0 alone", page, more)
	}
	_, _, err = te.e.History(customer, "", 0)
	wantCode(t, err, 400)
}

func TestDiningHallsGroupShops(t *testing.T) {
	te := startEngine(t, 50)
	admin := te.login("admin")
	for i, hall := range []string{"North", "South", "North"} {
		s := te.login(fmt.Sprint("s", i))
		if err := te.e.Apply(s, fmt.Sprint("Shop ", i), "13800000000", hall); err != nil {
			t.Fatalf("apply: %v", err)
		}
		if err := te.e.Approve(admin, int64(i+1)); err != nil {
			t.Fatalf("approve: %v", err)
		}
	}
	halls, err := te.e.DiningHalls(admin)
	if err != nil {
		t.Fatalf("dining halls: %v", err)
	}
	if len(halls) != 2 || halls[0].Name != "North" || len(halls[0].Shops) != 2 ||
		len(halls[1].Shops) != 1 {
		t.Fatalf("halls = %+v, want North with 2 shops and South with 1", halls)
	}
}

func TestCallPushSpeaksInShopVoice(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 50)
	customer := te.login("c1")
	cs, _ := te.connect(customer)
	id := te.order(customer, OrderLine{ProductID: rice, Quantity: 1})
	te.mustPay(id, "dev-c1", 100)

	wantCode(t, te.e.SetVoice(seller, Voice{Speed: 12}), 400)
	wantCode(t, te.e.SetVoice(customer, DefaultVoice), 403)
	if err := te.e.SetVoice(seller, Voice{Speed: 3, Pitch: 4, Volume: 15, Speaker: 3}); err != nil {
		t.Fatalf("set voice: %v", err)
	}
	if err := te.e.Call(seller, id); err != nil {
		t.Fatalf("call: %v", err)
	}
	call := cs.nextKind(t, "call")
	raw, _ := call["audio_url"].(string)
	q := speechQuery(t, raw, te.stubs.URL)
	for key, want := range map[string]string{"spd": "3", "pit": "4", "vol": "15", "per": "3"} {
		if q.Get(key) != want {
			t.Errorf("audio_url %s = %q, want %q", key, q.Get(key), want)
		}
	}
	// The text is URL-encoded twice inside the query, as Baidu accepts it.
	if tex, _ := url.QueryUnescape(q.Get("tex")); tex != "请 1 号取餐" {
		t.Errorf("audio_url speaks %q, want the call of number 1", tex)
	}
}

func TestPlaceMovedSteps(t *testing.T) {
	for _, tc := range []struct {
		name      string
		last, now place
		want      bool
	}{
		{"near the front every step", place{4, 300}, place{3, 300}, true},
		{"far back one step", place{40, 300}, place{39, 300}, false},
		{"far back a fifth", place{40, 300}, place{32, 300}, true},
		{"estimate moved a minute", place{40, 300}, place{39, 240}, true},
		{"estimate moved less", place{40, 300}, place{39, 250}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := placeMoved(tc.last, tc.now); got != tc.want {
				t.Fatalf("placeMoved(%v, %v) = %v, want %v", tc.last, tc.now, got, tc.want)
			}
		})
	}
}

func TestSweepReleasesUnrecordedOrder(t *testing.T) {
	te := startEngine(t, 50)
	te.stop()
	te.ttl = time.Second
	te.open(50)
	seller, shopID := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 5)

	// A reservation whose order actor never recorded the order, as after a
	// crash between the two.
	_, err := te.e.request(te.e.shopPID(shopID), &pb.ReserveOrder{Openid: "dev-c1",
		Items: []*pb.Item{{ProductId: rice, Quantity: 2}}})
	if err != nil {
		t.Fatalf("reserve: %v", err)
	}
	te.clock.Add(2 * time.Second)
	te.waitInventory(seller, 5, "after the unpaid timeout")
}

func TestNoticeRacingCloseNeverFails(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 100)
	customer := te.login("c1")
	for range 10 {
		id := te.order(customer, OrderLine{ProductID: rice, Quantity: 1})
		var wg sync.WaitGroup
		var closeErr error
		var reply map[string]string
		wg.Add(2)
		go func() { defer wg.Done(); closeErr = te.e.CloseOrder(customer, id) }()
		go func() { defer wg.Done(); reply, _ = wechat.ParseXML(te.notice(id, "dev-c1", 100)) }()
		wg.Wait()

		if reply["return_code"] != "SUCCESS" {
			t.Fatalf("notice racing close got %v, want SUCCESS", reply)
		}
		list, _, _ := te.e.History(customer, "", 1)
		status := list[0].GetStatus()
		if closeErr == nil && status != "alert" {
			t.Fatalf("close succeeded and the notice was acknowledged, order is %s, want alert",
				status)
		}
		if closeErr != nil && status != "paid" {
			t.Fatalf("close failed (%v), order is %s, want paid", closeErr, status)
		}
	}
}

func TestFailedPrepayReturnsItems(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 5)
	customer := te.login("c1")

	// Nothing listens on port 1 of loopback, so WeChat Pay is unreachable.
	te.pay.BaseURL = "http://127.0.0.1:1"
	_, err := te.e.PlaceOrder(customer, []OrderLine{{ProductID: rice, Quantity: 2}})
	wantCode(t, err, 502)
	te.waitInventory(seller, 5, "after a failed prepay")
	list, err := te.e.Orders(customer)
	if err != nil || len(list) != 0 {
		t.Fatalf("orders after a failed prepay = %v (%v), want none", list, err)
	}
}

func TestTextFieldsRejectControlCharacters(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	_, err := te.e.ModifyProduct(seller, ProductEdit{ProductName: "Rice\x00", TotalFee: 100,
		Inventory: 1})
	wantCode(t, err, 400)
	if msg := AsError(err).Msg; msg != "invalid product_name: control or formatting characters are not allowed" {
		t.Fatalf("errmsg = %q", msg)
	}
}

func TestPaidPushFollowsPaidList(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 1000)
	a, b := te.login("ca"), te.login("cb")
	bs, _ := te.connect(b)
	for i := range 30 {
		first := te.order(a, OrderLine{ProductID: rice, Quantity: 1})
		te.mustPay(first, "dev-ca", 100)
		id := te.order(b, OrderLine{ProductID: rice, Quantity: 1})

		// B's payment races a call that moves the queue.
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); te.mustPay(id, "dev-cb", 100) }()
		go func() { defer wg.Done(); _ = te.e.Call(seller, first) }()
		for {
			o := bs.nextKind(t, "order")["order"].(map[string]any)
			if o["order_id"] == id && o["status"] == "paid" {
				break
			}
		}
		list, _, err := te.e.History(b, "", 1)
		if err != nil || list[0].GetStatus() != "paid" {
			t.Fatalf("round %d: list after the paid push = %v (%v), want paid", i, list, err)
		}
		wg.Wait()
		if err := te.e.Done(seller, id); err != nil {
			t.Fatalf("done: %v", err)
		}
		if err := te.e.Done(seller, first); err != nil {
			t.Fatalf("done: %v", err)
		}
	}
}

// payoutOf polls the seller's balance until the payout of requestID leaves
// the requested status, and returns the balance then.
func payoutOf(t *testing.T, te *testEngine, seller, requestID string) *pb.Balance {
	t.Helper()
	var b *pb.Balance
	waitUntil(t, 10*time.Second, func() (bool, string) {
		var err error
		if b, err = te.e.Balance(seller); err != nil {
			return false, fmt.Sprintf("balance: %v", err)
		}
		for _, p := range b.GetPayouts() {
			if p.GetRequestId() == requestID && p.GetStatus() != "requested" {
				return true, ""
			}
		}
		return false, fmt.Sprintf("payout %s still requested: %v", requestID, b)
	})
	return b
}

func TestCashOutTransfersToWeChat(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 1500, 5)
	customer := te.login("c1")
	te.mustPay(te.order(customer, OrderLine{ProductID: rice, Quantity: 2}), "dev-c1", 3000)

	if _, err := te.e.Cash(seller, 1000, "r1"); err != nil {
		t.Fatalf("cash: %v", err)
	}
	b := payoutOf(t, te, seller, "r1")
	p := b.GetPayouts()[0]
	if p.GetStatus() != "paid" || p.GetPaymentNo() == "" || b.GetBalance() != 2000 {
		t.Fatalf("payout %v balance %d, want paid with a payment_no and 2000 left", p,
			b.GetBalance())
	}

	// WeChat Pay refuses transfers under 30 fen; the amount goes back.
	if _, err := te.e.Cash(seller, 10, "r2"); err != nil {
		t.Fatalf("cash: %v", err)
	}
	b = payoutOf(t, te, seller, "r2")
	if p := b.GetPayouts()[1]; p.GetStatus() != "failed" || !strings.Contains(p.GetReason(),
		"AMOUNT_LIMIT") {
		t.Fatalf("small payout = %v, want failed naming AMOUNT_LIMIT", p)
	}
	if b.GetBalance() != 2000 {
		t.Fatalf("balance after a refused payout = %d, want 2000 back", b.GetBalance())
	}
	if n := te.stubs.TransferRequests(); n != 2 {
		t.Fatalf("transfer requests = %d, want 2", n)
	}
}

func TestCashOutRetriesUntilWeChatAnswers(t *testing.T) {
	te := startEngine(t, 50)
	te.stop()
	te.ttl = time.Second // the sweep that retries payouts runs every 250 ms
	te.open(50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 1500, 5)
	customer := te.login("c1")
	te.mustPay(te.order(customer, OrderLine{ProductID: rice, Quantity: 1}), "dev-c1", 1500)

	// Nothing listens on port 1 of loopback: the outcome is unknown.
	base := te.pay.BaseURL
	te.pay.BaseURL = "http://127.0.0.1:1"
	if _, err := te.e.Cash(seller, 500, "r1"); err != nil {
		t.Fatalf("cash: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	b, _ := te.e.Balance(seller)
	if p := b.GetPayouts()[0]; p.GetStatus() != "requested" {
		t.Fatalf("payout while WeChat is down = %v, want still requested", p)
	}

	te.stop()
	te.pay.BaseURL = base
	te.open(50)
	b = payoutOf(t, te, seller, "r1")
	if p := b.GetPayouts()[0]; p.GetStatus() != "paid" || b.GetBalance() != 1000 {
		t.Fatalf("payout after WeChat is back = %v balance %d, want paid and 1000",
			p, b.GetBalance())
	}
}
