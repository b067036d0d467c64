package actors

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"callme/wechat"
)

func wantCode(t *testing.T, err error, code int) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want an *Error with code %d", err, code)
	}
	if e.Code != code {
		t.Fatalf("err = %v, want code %d", err, code)
	}
}

func TestOrderPaidCalledPushed(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 1200, 10)
	customer := te.login("c1")

	cs, orders := te.connect(customer)
	if l := orders["list"].([]any); len(l) != 0 {
		t.Fatalf("new customer has open orders %v", l)
	}
	ss, _ := te.connect(seller)

	id := te.order(customer, OrderLine{ProductID: rice, Quantity: 2})
	te.mustPay(id, "dev-c1", 2400)

	push := cs.nextKind(t, "order")["order"].(map[string]any)
	if push["number"] != 1.0 || push["status"] != "paid" {
		t.Fatalf("customer order push = %v, want number 1 status paid", push)
	}
	newOrder := ss.nextKind(t, "new_order")["order"].(map[string]any)
	if newOrder["order_id"] != id {
		t.Fatalf("seller new_order = %v, want order %s", newOrder, id)
	}

	if err := te.e.Call(seller, id); err != nil {
		t.Fatalf("call: %v", err)
	}
	call := cs.nextKind(t, "call")
	if call["number"] != 1.0 || call["shop_name"] != "Noodles" || call["order_id"] != id {
		t.Fatalf("call push = %v", call)
	}

	list, err := te.e.Orders(customer)
	if err != nil {
		t.Fatalf("orders: %v", err)
	}
	if len(list) != 1 || list[0].GetStatus() != "called" || list[0].GetTotalFee() != 2400 {
		t.Fatalf("orders = %v, want one called order of 2400 fen", list)
	}
}

func TestNoticeRejectsBadSignatureAndFee(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 1200, 10)
	customer := te.login("c1")
	id := te.order(customer, OrderLine{ProductID: rice, Quantity: 1})

	fields := wechat.NoticeFields("wx-dev-app", "dev-mch", id, "tx", "dev-c1", 1200)
	forged := wechat.SignNotice(fields, "not-the-key")
	if r, _ := wechat.ParseXML(te.e.PaymentNotice(forged)); r["return_code"] != "FAIL" {
		t.Fatalf("forged notice reply = %v, want FAIL", r)
	}
	if r, _ := wechat.ParseXML(te.notice(id, "dev-c1", 1)); r["return_code"] != "FAIL" {
		t.Fatalf("notice with wrong total_fee reply = %v, want FAIL", r)
	}
	list, _ := te.e.Orders(customer)
	if list[0].GetStatus() != "unpaid" || list[0].GetNumber() != 0 {
		t.Fatalf("order after bad notices = %v, want unpaid without number", list[0])
	}

	te.mustPay(id, "dev-c1", 1200)
	te.mustPay(id, "dev-c1", 1200)
	q, err := te.e.Queue(seller)
	if err != nil {
		t.Fatalf("queue: %v", err)
	}
	if len(q.GetWaiting()) != 1 || q.GetWaiting()[0].GetNumber() != 1 {
		t.Fatalf("waiting = %v, want one order numbered 1", q.GetWaiting())
	}
}

func TestConcurrentNoticesNumberOnce(t *testing.T) {
	te := startEngine(t, 5)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 1000)

	const orders, repeats = 20, 4
	ids := make([]string, orders)
	for i := range ids {
		ids[i] = te.order(te.login(fmt.Sprint("c", i)), OrderLine{ProductID: rice, Quantity: 1})
	}
	var wg sync.WaitGroup
	failed := make(chan string, orders*repeats)
	for i, id := range ids {
		for range repeats {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, _ := wechat.ParseXML(te.notice(id, fmt.Sprint("dev-c", i), 100))
				if r["return_code"] != "SUCCESS" {
					failed <- fmt.Sprint(id, r)
				}
			}()
		}
	}
	wg.Wait()
	close(failed)
	for f := range failed {
		t.Errorf("notice failed: %s", f)
	}

	q, err := te.e.Queue(seller)
	if err != nil {
		t.Fatalf("queue: %v", err)
	}
	if len(q.GetWaiting()) != orders {
		t.Fatalf("waiting %d orders, want %d", len(q.GetWaiting()), orders)
	}
	for i, o := range q.GetWaiting() {
		if o.GetNumber() != int64(i+1) {
			t.Fatalf("waiting[%d] has number %d, want %d", i, o.GetNumber(), i+1)
		}
	}
}

func TestNumbersSurviveRestart(t *testing.T) {
	for _, interval := range []int{1, 2, 3, 100} {
		t.Run(fmt.Sprint("snapshot every ", interval), func(t *testing.T) {
			te := startEngine(t, interval)
			seller, _ := te.openShop("s1", "Noodles")
			rice := te.addProduct(seller, "Rice", 100, 50)
			customer := te.login("c1")
			for range 3 {
				te.mustPay(te.order(customer, OrderLine{ProductID: rice, Quantity: 1}), "dev-c1", 100)
			}
			first, _ := te.e.Orders(customer)
			if err := te.e.Call(seller, first[2].GetOrderId()); err != nil {
				t.Fatalf("call: %v", err)
			}

			te.restart(interval)
			list, err := te.e.Orders(customer)
			if err != nil {
				t.Fatalf("orders after restart: %v", err)
			}
			if len(list) != 3 || list[2].GetStatus() != "called" || list[2].GetNumber() != 1 {
				t.Fatalf("orders after restart = %v, want 3 with the oldest called as 1", list)
			}
			id := te.order(customer, OrderLine{ProductID: rice, Quantity: 1})
			te.mustPay(id, "dev-c1", 100)
			q, _ := te.e.Queue(seller)
			last := q.GetWaiting()[len(q.GetWaiting())-1]
			if last.GetOrderId() != id || last.GetNumber() != 4 {
				t.Fatalf("new order after restart = %v, want number 4", last)
			}
			products, _ := te.e.Products(seller)
			if products[0].GetInventory() != 46 {
				t.Fatalf("inventory after restart = %d, want 46", products[0].GetInventory())
			}
		})
	}
}

func TestNumbersRestartEachDay(t *testing.T) {
	te := startEngine(t, 100)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 50)
	customer := te.login("c1")
	te.mustPay(te.order(customer, OrderLine{ProductID: rice, Quantity: 1}), "dev-c1", 100)
	te.mustPay(te.order(customer, OrderLine{ProductID: rice, Quantity: 1}), "dev-c1", 100)

	// 11:30 UTC is 19:30 in Shanghai; five hours later it is the next day
	// there, though still the same day in UTC.
	te.clock.Add(5 * time.Hour)
	id := te.order(customer, OrderLine{ProductID: rice, Quantity: 1})
	te.mustPay(id, "dev-c1", 100)
	list, _ := te.e.Orders(customer)
	if list[0].GetOrderId() != id || list[0].GetNumber() != 1 {
		t.Fatalf("first order of the next Shanghai day = %v, want number 1", list[0])
	}
}

func TestQueueRejectsWrongOrders(t *testing.T) {
	te := startEngine(t, 50)
	seller1, _ := te.openShop("s1", "Noodles")
	seller2, _ := te.openShop("s2", "Dumplings")
	rice := te.addProduct(seller1, "Rice", 100, 5)
	customer := te.login("c1")
	unpaid := te.order(customer, OrderLine{ProductID: rice, Quantity: 1})

	wantCode(t, te.e.Call(seller1, unpaid), 409)
	wantCode(t, te.e.Call(seller2, unpaid), 403)
	wantCode(t, te.e.Call(seller1, "1-999-abcdef"), 404)
	wantCode(t, te.e.Call(customer, unpaid), 403)
	wantCode(t, te.e.Call("no-such-session", unpaid), 401)

	_, err := te.e.PlaceOrder(customer, []OrderLine{{ProductID: rice, Quantity: 9}})
	wantCode(t, err, 409)
	_, err = te.e.Applications(customer)
	wantCode(t, err, 403)
}

func TestSocketClosesOnBadSessionAndSilence(t *testing.T) {
	te := startEngine(t, 50)

	bad := newTestSocket()
	te.e.Connect(bad).Frame([]byte(`{"session_id":"nope"}`))
	bad.nextKind(t, "error")
	if code := bad.waitClosed(t, 5*time.Second); code != CloseInvalidSession {
		t.Fatalf("bad session closed with %d, want %d", code, CloseInvalidSession)
	}

	quiet := newTestSocket()
	te.e.Connect(quiet)
	if code := quiet.waitClosed(t, 5*time.Second); code != CloseTimeout {
		t.Fatalf("silent socket closed with %d, want %d", code, CloseTimeout)
	}

	s, c, _ := te.dial(te.login("c1"))
	for _, tc := range []struct{ frame, push, msg string }{
		{`{"query":"ping"}`, "pong", ""},
		{`{"query":`, "error", "wrong format"},
		{`{"query":"dance"}`, "error", "wrong query"},
	} {
		c.Frame([]byte(tc.frame))
		m := s.next(t)
		if m["push"] != tc.push || (tc.msg != "" && m["msg"] != tc.msg) {
			t.Errorf("frame %s got %v, want push %s %s", tc.frame, m, tc.push, tc.msg)
		}
	}
	// Pings keep the socket open past the heartbeat; silence then closes it.
	for range 3 {
		time.Sleep(time.Second)
		c.Ping()
	}
	select {
	case <-s.closed:
		t.Fatalf("socket closed although it sent pings")
	default:
	}
	if code := s.waitClosed(t, 5*time.Second); code != CloseTimeout {
		t.Fatalf("socket closed with %d after silence, want %d", code, CloseTimeout)
	}
}

func TestSocketAcceptsPercentEncodedSession(t *testing.T) {
	te := startEngine(t, 50)
	session := te.login("c1")
	s := newTestSocket()
	c := te.e.Connect(s)
	s.nextKind(t, "whoareyou")
	c.Frame([]byte("%7B%22session_id%22%3A%22" + session + "%22%7D"))
	if hi := s.nextKind(t, "hi"); hi["role"] != "customer" {
		t.Fatalf("hi = %v, want role customer", hi)
	}
}

func TestFinishedOrderPassivates(t *testing.T) {
	te := startEngine(t, 50)
	te.stop()
	te.idle = time.Second
	te.open(50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 5)
	customer := te.login("c1")
	id := te.order(customer, OrderLine{ProductID: rice, Quantity: 1})
	te.mustPay(id, "dev-c1", 100)
	if err := te.e.Call(seller, id); err != nil {
		t.Fatalf("call: %v", err)
	}
	if err := te.e.Done(seller, id); err != nil {
		t.Fatalf("done: %v", err)
	}

	waitUntil(t, 10*time.Second, func() (bool, string) {
		return !te.running("order-" + id), "order actor still running after done"
	})
	list, err := te.e.Orders(customer)
	if err != nil {
		t.Fatalf("orders: %v", err)
	}
	if len(list) != 1 || list[0].GetStatus() != "done" || list[0].GetNumber() != 1 {
		t.Fatalf("orders after passivation = %v, want one done order numbered 1", list)
	}
}

func TestUnknownShopLeavesNoActor(t *testing.T) {
	te := startEngine(t, 50)
	customer := te.login("c1")
	_, err := te.e.PlaceOrder(customer, []OrderLine{{ProductID: 420001, Quantity: 1}})
	wantCode(t, err, 404)
	waitUntil(t, 5*time.Second, func() (bool, string) {
		return !te.running("shop-42"), "actor of unknown shop 42 still running"
	})
}

func TestSilentSocketClosesDespitePushes(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 50)
	customer := te.login("c1")
	ss, _ := te.connect(seller)

	// Pushes to the seller are not heartbeats: the silent socket must still
	// close after the 2 s heartbeat while new orders keep arriving.
	start := time.Now()
	for range 6 {
		te.mustPay(te.order(customer, OrderLine{ProductID: rice, Quantity: 1}), "dev-c1", 100)
		time.Sleep(400 * time.Millisecond)
	}
	if code := ss.waitClosed(t, 5*time.Second); code != CloseTimeout {
		t.Fatalf("silent seller socket closed with %d, want %d", code, CloseTimeout)
	}
	if waited := time.Since(start); waited < 2*time.Second {
		t.Fatalf("socket closed after %v, before the 2 s heartbeat", waited)
	}
}
