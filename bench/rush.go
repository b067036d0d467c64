package bench

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"callme/client"
	"callme/wechat"
)

// rush is one run of the rush scenario: customers order and pay on one
// schedule while sellers call paid orders on another.
type rush struct {
	cfg       *Config
	pid       int // of the spawned server, or 0
	p         *poster
	shops     []benchShop
	customers []client.Session
	errs      *Errors
	calls     *caller
	sockets   *socketSet

	// paidWaits and newOrderWaits store the scheduled notice time of each
	// notified order until its customer's order push with a number, and
	// its seller's new_order push.
	paidWaits     *waiters
	newOrderWaits *waiters
	toCall        callQueue

	placed, notify, paid, newOrder, done, orderLag, callLag *Recorder

	notified, called, handedOver, idleCallSlots atomic.Int64
}

func runRush(ctx context.Context, cfg *Config, res *Result, srv *Server) error {
	p, err := newPoster(cfg.HTTP, cfg.MaxInFlight, cfg.Timeout)
	if err != nil {
		return err
	}
	errs := NewErrors()
	r := &rush{
		cfg:           cfg,
		p:             p,
		errs:          errs,
		calls:         newCaller(p, errs, "call reply", "call→push"),
		paidWaits:     newWaiters(),
		newOrderWaits: newWaiters(),
		placed:        NewRecorder("unifiedorder reply", false),
		notify:        NewRecorder("notify reply", true),
		paid:          NewRecorder("paid→number push", true),
		newOrder:      NewRecorder("paid→new_order push", false),
		done:          NewRecorder("done reply", false),
		orderLag:      NewRecorder("start lag, orders", false),
		callLag:       NewRecorder("start lag, calls", false),
	}
	if srv != nil {
		r.pid = srv.Pid()
	}
	if err := r.setup(ctx); err != nil {
		return err
	}
	defer r.sockets.closeAll()
	stopHeartbeat := r.sockets.startHeartbeat(errs)
	defer stopHeartbeat()

	metrics, err := newPoster(cfg.metricsURL(), 1, cfg.Timeout)
	if err != nil {
		return fmt.Errorf("--metrics: %w", err)
	}
	cpu, work := startCPU(r.pid), startWork(metrics)
	elapsed := r.load(ctx)
	res.CPU, res.Work = cpu.stop(), work.stop()
	if paid := r.paid.Count(); res.Work != nil && paid > 0 {
		res.Work.PersistsPerOrder = float64(res.Work.Persists) / float64(paid)
		res.Work.PushesPerOrder = float64(res.Work.Pushes) / float64(paid)
	}
	r.finish(res, elapsed)
	if cfg.Baseline && ctx.Err() == nil {
		return r.compare(ctx, res)
	}
	return nil
}

// setup opens the shops, logs in the customers and opens a socket for each
// customer and seller.
func (r *rush) setup(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, setupDeadline)
	defer cancel()
	c, err := newSetupClient(r.cfg)
	if err != nil {
		return err
	}
	if r.shops, err = setupShops(ctx, c, r.cfg.Shops); err != nil {
		return err
	}
	if r.customers, err = loginCustomers(ctx, c, r.cfg.Customers); err != nil {
		return err
	}

	r.sockets = newSocketSet(len(r.customers) + len(r.shops))
	closed := func(code uint16) {
		r.sockets.lost()
		r.errs.Addf("socket closed by the server with code %d", code)
	}
	err = parallel(ctx, len(r.customers)+len(r.shops), func(i int) error {
		session, handle, role := "", frameHandler(r.onCustomerFrame), "customer"
		if i < len(r.customers) {
			session = r.customers[i].ID
		} else {
			shop := i - len(r.customers)
			session, handle, role = r.shops[shop].seller.ID, r.sellerHandler(shop), "seller"
		}
		s, gotRole, err := dialSocket(r.cfg.WS, session, r.cfg.Timeout, handle, closed)
		if err != nil {
			return fmt.Errorf("open the socket of a %s: %w", role, err)
		}
		if gotRole != role {
			s.Close()
			return fmt.Errorf("socket of a %s greeted with role %q", role, gotRole)
		}
		r.sockets.put(i, s)
		return nil
	})
	if err != nil {
		r.sockets.closeAll()
	}
	return err
}

// load runs the order and call schedules side by side for the duration and
// waits for the late pushes. It returns how long the schedules ran.
func (r *rush) load(ctx context.Context) time.Duration {
	recorders := []*Recorder{r.placed, r.notify, r.paid, r.newOrder, r.calls.reply,
		r.calls.push, r.done, r.orderLag, r.callLag}
	m := startMeter(recorders...)
	defer m.Stop()
	bar := startProgress(r.cfg.Progress, r.cfg.ProgressTerminal, "rush", r.cfg.Duration,
		func() string {
			return fmt.Sprintf("%d paid, %d called, %d errors",
				r.paid.Count(), r.called.Load(), r.errs.Total())
		})

	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		Schedule{Rate: r.cfg.Rate, Duration: r.cfg.Duration, MaxInFlight: r.cfg.MaxInFlight,
			Lag: r.orderLag}.Run(ctx, r.placeAndPay)
	}()
	Schedule{Rate: r.cfg.CallRate, Duration: r.cfg.Duration, MaxInFlight: r.cfg.MaxInFlight,
		Lag: r.callLag}.Run(ctx, r.callNext)
	wg.Wait()
	elapsed := time.Since(start)
	bar.Stop()

	if n := r.paidWaits.drain(r.cfg.Timeout); n > 0 {
		r.errs.AddN(fmt.Sprintf("order push with a number not received within %v",
			r.cfg.Timeout), int64(n))
	}
	if n := r.newOrderWaits.drain(r.cfg.Timeout); n > 0 {
		r.errs.AddN(fmt.Sprintf("new_order push not received within %v", r.cfg.Timeout),
			int64(n))
	}
	r.calls.drain(r.cfg.Timeout)
	return elapsed
}

// placeAndPay places order i for customer i mod C at shop i mod S, then,
// PayDelay after its scheduled start, sends the signed payment notice.
func (r *rush) placeAndPay(i int64, scheduled time.Time) {
	customer := int(i % int64(len(r.customers)))
	shop := r.shops[i%int64(len(r.shops))]
	product := shop.products[(i/int64(len(r.shops)))%int64(len(shop.products))]

	var reply struct {
		OrderID string `json:"order_id"`
	}
	err := r.p.postJSON("/callme/wx_pay/unifiedorder", map[string]string{
		"session_id": r.customers[customer].ID,
		"product_id": strconv.FormatInt(product.ProductID, 10),
		"product_qu": "1",
	}, &reply)
	if err != nil {
		r.errs.Add(requestKind("wx_pay/unifiedorder", err))
		return
	}
	r.placed.Record(time.Since(scheduled))

	// The notice is due PayDelay after the order was; when the order
	// itself was late, the lateness counts in the notice's latencies too.
	noticeAt := scheduled.Add(r.cfg.PayDelay)
	time.Sleep(time.Until(noticeAt))
	fields := wechat.NoticeFields(r.cfg.AppID, r.cfg.MchID, reply.OrderID,
		"bench-"+reply.OrderID, customerOpenID(customer), product.TotalFee)
	body := wechat.SignNotice(fields, r.cfg.PayKey)
	r.paidWaits.add(reply.OrderID, noticeAt)
	r.newOrderWaits.add(reply.OrderID, noticeAt)
	if err := r.postNotice(body); err != nil {
		r.paidWaits.remove(reply.OrderID)
		r.newOrderWaits.remove(reply.OrderID)
		r.errs.Add(err.Error())
		return
	}
	r.notify.Record(time.Since(noticeAt))
	r.notified.Add(1)
}

// postNotice posts a payment notice. Unless the server replies SUCCESS, it
// returns an error whose text is the kind of failure.
func (r *rush) postNotice(body []byte) error {
	status, reply, err := r.p.post("/callme/wx_pay/notify", "text/xml", body)
	if err != nil {
		return fmt.Errorf("%s", requestKind("wx_pay/notify", err))
	}
	if status != 200 {
		return fmt.Errorf("wx_pay/notify: status %d", status)
	}
	fields, err := wechat.ParseXML(reply)
	if err != nil {
		return fmt.Errorf("wx_pay/notify: reply is not XML")
	}
	if fields["return_code"] != "SUCCESS" {
		return fmt.Errorf("wx_pay/notify: FAIL %s", fields["return_msg"])
	}
	return nil
}

// callNext has a seller call the oldest paid order not yet called and
// then hand it over. A slot with no paid order waiting counts as idle.
func (r *rush) callNext(_ int64, scheduled time.Time) {
	next, ok := r.toCall.pop()
	if !ok {
		r.idleCallSlots.Add(1)
		return
	}
	seller := r.shops[next.shop].seller.ID
	if !r.calls.call(seller, next.orderID, scheduled) {
		return
	}
	r.called.Add(1)

	start := time.Now()
	err := r.p.postJSON("/callme/queue/done", callFields{seller, next.orderID}, nil)
	if err != nil {
		r.errs.Add(requestKind("queue/done", err))
		return
	}
	r.done.Record(time.Since(start))
	r.handedOver.Add(1)
}

// onCustomerFrame ends the paid→number latency at the order push that
// carries the number, and the call→push latency at the call push.
func (r *rush) onCustomerFrame(_ *socket, f *frame, at time.Time) {
	switch f.Push {
	case "order":
		if f.Order != nil && f.Order.Status == "paid" && f.Order.Number > 0 {
			if start, ok := r.paidWaits.take(f.Order.OrderID); ok {
				r.paid.Record(at.Sub(start))
			}
		}
	case "call":
		r.calls.onPush(f, at)
	case "error":
		r.errs.Add("customer socket: error push: " + f.Msg)
	}
}

// sellerHandler returns the frame handler of shop's seller: each new_order
// push queues the order for a call.
func (r *rush) sellerHandler(shop int) frameHandler {
	return func(_ *socket, f *frame, at time.Time) {
		switch {
		case f.Push == "new_order" && f.Order != nil:
			if start, ok := r.newOrderWaits.take(f.Order.OrderID); ok {
				r.newOrder.Record(at.Sub(start))
			}
			r.toCall.push(toCall{orderID: f.Order.OrderID, shop: shop})
		case f.Push == "error":
			r.errs.Add("seller socket: error push: " + f.Msg)
		}
	}
}

// finish stores the figures in res.
func (r *rush) finish(res *Result, elapsed time.Duration) {
	res.Latencies = summaries(r.placed, r.notify, r.paid, r.newOrder, r.calls.reply,
		r.calls.push, r.done, r.orderLag, r.callLag)
	res.Counts = []Count{
		{"orders placed", r.placed.Count(), rate(r.placed.Count(), elapsed)},
		{"notices accepted", r.notified.Load(), rate(r.notified.Load(), elapsed)},
		{"paid orders numbered (push read)", r.paid.Count(), rate(r.paid.Count(), elapsed)},
		{"orders called", r.called.Load(), rate(r.called.Load(), elapsed)},
		{"orders handed over (done)", r.handedOver.Load(), rate(r.handedOver.Load(), elapsed)},
		{"call slots with no paid order", r.idleCallSlots.Load(),
			rate(r.idleCallSlots.Load(), elapsed)},
	}
	res.Errors, res.ErrorTotal = r.errs.Counts(), r.errs.Total()
	res.Notes = append(res.Notes,
		"latencies count from the scheduled start (open-loop); a notice is scheduled "+
			"--pay-delay after its order; done reply counts from its own send, right after "+
			"the call reply",
		"the server in --dev also runs the WeChat Pay stand-in that unifiedorder calls")
}

// compare runs the push baseline with the sockets, call rate and duration
// of the rush and stores it with the ratios in res.
func (r *rush) compare(ctx context.Context, res *Result) error {
	base, err := runPushBaseline(ctx, r.cfg, len(r.customers), r.cfg.CallRate)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	res.Baseline = base
	res.Notes = append(res.Notes, base.Notes...)
	ours := r.calls
	res.Ratios = append(res.Ratios,
		ratioOf("call→push", "bare gws push", ours.push.Summary(),
			findLatency(base.Latencies, barePushName)),
		ratioOf("call reply", "bare fasthttp trigger reply", ours.reply.Summary(),
			findLatency(base.Latencies, bareTriggerName)))
	return nil
}

func ratioOf(name, floor string, ours, base LatencySummary) Ratio {
	return Ratio{Name: name, Floor: floor, P50: ratio(ours.P50, base.P50),
		P99: ratio(ours.P99, base.P99)}
}

// toCall is a paid order waiting for its seller's call.
type toCall struct {
	orderID string
	shop    int
}

// callQueue is the FIFO of paid orders in the order their new_order
// pushes arrived. It grows with the orders the sellers have not called,
// at most Rate × Duration entries.
type callQueue struct {
	mu    sync.Mutex
	items []toCall // guarded by mu
}

func (q *callQueue) push(c toCall) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.items = append(q.items, c)
}

func (q *callQueue) pop() (toCall, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return toCall{}, false
	}
	c := q.items[0]
	q.items = q.items[1:]
	return c, true
}
