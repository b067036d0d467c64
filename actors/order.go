package actors

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/persistence"
	"google.golang.org/protobuf/proto"

	"callme/actors/pb"
	"callme/wechat"
)

// renumberAfter is how long an order waits for its shop's number before the
// next payment notice requests it again.
const renumberAfter = 3 * time.Second

// order is one order's actor, named after the order id. It records payment,
// calls and hand-over, pushes each change to the customer, and stops after
// Options.OrderIdle without messages; its state stays on disk.
type order struct {
	persistence.Mixin
	engine *Engine
	o      *pb.Order

	// prepayWaiter is the caller of CreateOrder until WeChat Pay replies,
	// and creating the order it creates.
	prepayWaiter *actor.PID
	creating     *pb.Order
	// noticeWaiters are the payment notices waiting for the shop's number.
	noticeWaiters []*actor.PID
	numberAsked   time.Time
	transactionID string
	idle          idleTimer
	// closing counts closes waiting for the shop; the actor stays meanwhile.
	closing int
	// heldNotices arrived during a close and wait for its outcome.
	heldNotices []heldNotice
}

func newOrder(e *Engine) *order {
	return &order{engine: e}
}

func (r *order) Receive(ctx actor.Context) {
	if _, tick := ctx.Message().(*pb.Tick); !tick {
		r.idle.touch()
	}
	switch m := ctx.Message().(type) {
	case *actor.Started:
		r.idle.start(ctx, r.engine.opts.OrderIdle)
	case *actor.Stopped:
		r.idle.stop()
	case *pb.Tick:
		if !r.idle.expired(ctx) {
			return
		}
		if r.prepayWaiter != nil || len(r.noticeWaiters) > 0 || r.closing > 0 {
			r.idle.start(ctx, r.engine.opts.OrderIdle)
			return
		}
		ctx.Poison(ctx.Self())
	case *persistence.RequestSnapshot:
		if r.o != nil {
			r.PersistSnapshot(r.o)
		}
	case *pb.Order:
		r.o = proto.Clone(m).(*pb.Order)
	case *pb.CreateOrder:
		r.create(ctx, m)
	case *pb.PrepayResult:
		r.prepaid(ctx, m)
	case *pb.PaymentNotice:
		r.notice(ctx, m)
	case *pb.Numbered:
		r.numbered(ctx, m)
	case *pb.Failure:
		r.numberFailed(ctx, m)
	case *pb.MarkOrder:
		r.mark(ctx, m)
	case *pb.CloseOrder:
		r.close(ctx, m)
	case *pb.PlaceChanged:
		if r.o.GetStatus() == statusPaid {
			placed := cloneOrder(r.o)
			placed.Ahead, placed.EtaS = m.GetAhead(), m.GetEtaS()
			r.pushCustomer(ctx, pushOrder("order", placed))
		}
	case *pb.GetOrder:
		if r.o == nil {
			ctx.Respond(failure(404, "no such order"))
			return
		}
		ctx.Respond(proto.Clone(r.o))
	default:
		if ev, ok := m.(proto.Message); ok && r.Recovering() {
			r.applyEvent(ev)
		}
	}
}

func (r *order) applyEvent(ev proto.Message) {
	switch e := ev.(type) {
	case *pb.OrderCreated:
		r.o = proto.Clone(e.GetOrder()).(*pb.Order)
	case *pb.PrepayIssued:
		r.o.PrepayId = e.GetPrepayId()
	case *pb.OrderPaid:
		r.o.Status, r.o.Number, r.o.Day = statusPaid, e.GetNumber(), e.GetDay()
		r.o.PaidAt, r.o.TransactionId = e.GetPaidAt(), e.GetTransactionId()
		r.o.ShopOwner = e.GetShopOwner()
	case *pb.OrderMarked:
		switch e.GetAction() {
		case actionCall, actionRecall:
			r.o.Status, r.o.CalledAt = statusCalled, e.GetAt()
		case actionSkip:
			r.o.Status, r.o.SkippedAt = statusSkipped, e.GetAt()
		case actionDone:
			r.o.Status, r.o.DoneAt = statusDone, e.GetAt()
		}
	case *pb.OrderClosed:
		r.o.Status, r.o.ClosedAt = statusClosed, e.GetAt()
	case *pb.OrderAlerted:
		r.o.Status, r.o.Alert = statusAlert, e.GetTransactionId()
	}
	if r.o != nil {
		r.o.Version++
	}
}

func (r *order) persist(ev proto.Message) {
	was := r.o.GetStatus()
	r.PersistReceive(ev)
	r.applyEvent(ev)
	r.engine.countTransition(was, r.o.GetStatus())
}

// create records the order, then requests a prepay id from WeChat Pay off the
// actor's goroutine; PrepayResult completes the request.
func (r *order) create(ctx actor.Context, m *pb.CreateOrder) {
	if r.o != nil && r.o.GetPrepayId() != "" {
		ctx.Respond(r.payParams())
		return
	}
	if r.prepayWaiter != nil {
		ctx.Respond(failure(409, "order %s is being created", m.GetOrder().GetOrderId()))
		return
	}
	r.prepayWaiter = ctx.Sender()
	r.creating = r.o
	if r.creating == nil {
		r.creating = m.GetOrder()
	}

	o := r.creating
	req := wechat.UnifiedOrderRequest{
		OutTradeNo: o.GetOrderId(),
		Body:       fmt.Sprintf("%s-取餐订单", o.GetShopName()),
		OpenID:     o.GetOpenid(),
		ClientIP:   "127.0.0.1",
		TotalFee:   o.GetTotalFee(),
	}
	// Half the request timeout, so a slow WeChat Pay gets its 502 to the
	// customer before the callers waiting on this order give up.
	self, root, timeout := ctx.Self(), ctx.ActorSystem().Root, r.engine.opts.RequestTimeout/2
	pay := r.engine.opts.Pay
	go func() {
		c, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		id, err := pay.UnifiedOrder(c, req)
		res := &pb.PrepayResult{PrepayId: id}
		if err != nil {
			res.Error = err.Error()
		}
		root.Send(self, res)
	}()
}

// prepaid completes create. The order is first persisted here, with its
// prepay id, in one event: a notice can only follow a payment with that
// prepay id, which the customer gets after the event is durable. A failed
// prepay leaves nothing recorded, and the shop gets the items back.
func (r *order) prepaid(ctx actor.Context, m *pb.PrepayResult) {
	waiter, o := r.prepayWaiter, r.creating
	r.prepayWaiter, r.creating = nil, nil
	if m.GetError() != "" {
		r.engine.log.Warn("wechat pay unifiedorder failed", "order", o.GetOrderId(),
			"err", m.GetError())
		ctx.Send(waiter, failure(502, "WeChat Pay did not accept the order, try again"))
		if r.o == nil {
			release := &pb.ReleaseOrder{OrderId: o.GetOrderId()}
			ctx.Request(r.engine.shopPID(o.GetShopId()), release)
		}
		return
	}
	if r.o == nil {
		created := cloneOrder(o)
		created.PrepayId = m.GetPrepayId()
		r.persist(&pb.OrderCreated{Order: created})
	} else {
		r.persist(&pb.PrepayIssued{PrepayId: m.GetPrepayId()})
	}
	r.notifyUser(ctx)
	ctx.Send(waiter, r.payParams())
}

func (r *order) payParams() *pb.PayParams {
	p := r.engine.opts.Pay.JSAPIParams(r.o.GetPrepayId(), r.engine.opts.Now())
	return &pb.PayParams{
		OrderId:   r.o.GetOrderId(),
		AppId:     p.AppID,
		TimeStamp: p.TimeStamp,
		NonceStr:  p.NonceStr,
		Package:   p.Package,
		SignType:  p.SignType,
		PaySign:   p.PaySign,
	}
}

// notice applies a payment notice at most once. The first valid notice requests
// a number from the shop. Repeats, concurrent ones included, get SUCCESS too
// once the number is durable.
func (r *order) notice(ctx actor.Context, m *pb.PaymentNotice) {
	if r.o == nil {
		ctx.Respond(&pb.NoticeResult{Ok: false, Msg: "unknown out_trade_no"})
		if r.prepayWaiter == nil {
			ctx.Poison(ctx.Self())
		}
		return
	}
	f := m.GetFields()
	if err := r.engine.opts.Pay.VerifyNotice(f); err != nil {
		r.engine.log.Warn("payment notice rejected", "order", r.o.GetOrderId(), "err", err)
		msg := "invalid signature"
		if errors.Is(err, wechat.ErrWrongMerchant) {
			msg = "notice is for another app or merchant"
		}
		ctx.Respond(&pb.NoticeResult{Ok: false, Msg: msg})
		return
	}
	if f["result_code"] != "SUCCESS" {
		// A failed payment is acknowledged and changes nothing.
		ctx.Respond(&pb.NoticeResult{Ok: true})
		return
	}
	if f["total_fee"] != fmt.Sprint(r.o.GetTotalFee()) {
		r.engine.log.Warn("payment notice total_fee mismatch", "order", r.o.GetOrderId(),
			"notice", f["total_fee"], "order_fee", r.o.GetTotalFee())
		ctx.Respond(&pb.NoticeResult{Ok: false, Msg: "total_fee does not match the order"})
		return
	}
	if r.o.GetStatus() == statusClosed {
		r.alert(ctx, f["transaction_id"])
		return
	}
	if r.o.GetStatus() != statusUnpaid {
		ctx.Respond(&pb.NoticeResult{Ok: true})
		return
	}

	if r.closing > 0 {
		// The shop may already have released the order; the close decides
		// between an alert and a number.
		held := heldNotice{sender: ctx.Sender(), transactionID: f["transaction_id"]}
		r.heldNotices = append(r.heldNotices, held)
		return
	}
	r.askNumber(ctx, ctx.Sender(), f["transaction_id"])
}

// askNumber queues a notice's sender for the shop's number, asking the shop
// unless a request is already in flight.
func (r *order) askNumber(ctx actor.Context, sender *actor.PID, transactionID string) {
	r.noticeWaiters = append(r.noticeWaiters, sender)
	r.transactionID = transactionID
	now := time.Now()
	if now.Sub(r.numberAsked) > renumberAfter {
		r.numberAsked = now
		ctx.Request(r.engine.shopPID(r.o.GetShopId()), &pb.AssignNumber{OrderId: r.o.GetOrderId()})
	}
}

func (r *order) numbered(ctx actor.Context, m *pb.Numbered) {
	waiters := r.noticeWaiters
	r.noticeWaiters, r.numberAsked = nil, time.Time{}
	if r.o.GetStatus() == statusUnpaid {
		r.persist(&pb.OrderPaid{
			Number:        m.GetNumber(),
			Day:           m.GetDay(),
			PaidAt:        m.GetAt(),
			TransactionId: r.transactionID,
			ShopOwner:     m.GetShopOwner(),
		})
		r.engine.log.Info("order paid", "order", r.o.GetOrderId(), "number", m.GetNumber())
		placed := cloneOrder(r.o)
		placed.Ahead, placed.EtaS = m.GetAhead(), m.GetEtaS()
		r.pushCustomer(ctx, pushOrder("order", placed))
		r.push(ctx, r.o.GetShopOwner(), pushOrder("new_order", placed))
	}
	for _, w := range waiters {
		ctx.Send(w, &pb.NoticeResult{Ok: true})
	}
}

func (r *order) numberFailed(ctx actor.Context, m *pb.Failure) {
	waiters := r.noticeWaiters
	r.noticeWaiters, r.numberAsked = nil, time.Time{}
	for _, w := range waiters {
		ctx.Send(w, &pb.NoticeResult{Ok: false, Msg: m.GetMsg()})
	}
}

// mark records a call or hand-over decided by the shop and replies to the
// seller. A repeated call pushes the call again.
func (r *order) mark(ctx actor.Context, m *pb.MarkOrder) {
	if r.o == nil {
		ctx.Respond(failure(404, "no such order"))
		return
	}
	sender := ctx.Sender()
	if r.o.GetStatus() != statusDone && r.markChanges(m.GetAction()) {
		r.persist(&pb.OrderMarked{Action: m.GetAction(), At: m.GetAt()})
		r.pushCustomer(ctx, pushOrder("order", r.o))
	}
	switch m.GetAction() {
	case actionCall, actionRecall:
		r.pushCall(ctx, m.GetVoice())
	case actionSkip:
		r.pushCustomer(ctx, pushSkipped(r.o))
	}
	ctx.Send(sender, &pb.Ok{})
}

// pushCustomer sends a push to every socket of the order's customer and
// refreshes the customer's order list.
func (r *order) pushCustomer(ctx actor.Context, data []byte) {
	// The user actor hears first: a client that lists its orders after the
	// push then finds the change, since its request queues behind it.
	r.notifyUser(ctx)
	r.push(ctx, r.o.GetOpenid(), data)
}

func (r *order) push(ctx actor.Context, openid string, data []byte) {
	ctx.Send(r.engine.hub, stampedPush(openid, data))
}

func (r *order) notifyUser(ctx actor.Context) {
	ctx.Send(r.engine.userPID(r.o.GetOpenid()), &pb.OrderChanged{Order: cloneOrder(r.o)})
}
