package actors

import (
	"fmt"
	"sync"
	"testing"

	"callme/wechat"
)

// Orders and notices of many customers interleave at one shop, with
// snapshots often enough to land inside batched reservation flushes, where a
// snapshot once made the shop drop the message that triggered the flush.
func TestRushOrdersAndNotices(t *testing.T) {
	te := startEngine(t, 7)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 100000)
	customers := make([]string, 20)
	for i := range customers {
		customers[i] = te.login(fmt.Sprint("c", i))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 1000)
	for i, c := range customers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				p, err := te.e.PlaceOrder(c, []OrderLine{{ProductID: rice, Quantity: 1}})
				if err != nil {
					errs <- fmt.Sprint("place: ", err)
					continue
				}
				r, _ := wechat.ParseXML(te.notice(p.GetOrderId(), fmt.Sprint("dev-c", i), 100))
				if r["return_code"] != "SUCCESS" {
					errs <- fmt.Sprint("notice: ", r)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	n := 0
	for e := range errs {
		if n < 5 {
			t.Error(e)
		}
		n++
	}
	if n > 0 {
		t.Fatalf("%d failures", n)
	}
}
