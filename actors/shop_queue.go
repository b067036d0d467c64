package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/proto"

	"callme/actors/pb"
)

// Queue actions beyond call and done.
const (
	actionSkip   = "skip"
	actionRecall = "recall"
)

// defaultPace is the paid-to-called time a shop assumes before its first call.
const defaultPace = 5 * time.Minute

// defaultCallGap is the time between two calls a shop assumes before it has
// measured one; maxCallGap is the longest gap it learns from.
const (
	defaultCallGap = time.Minute
	maxCallGap     = 30 * time.Minute
)

// maxFinished is how many handed-over orders a shop remembers.
const maxFinished = 1000

// etaStep is how far a waiting order's estimate must move before its
// customer hears about it again.
const etaStep = 60

// place is a waiting order's position: orders ahead and estimated seconds
// until it is called.
type place struct {
	ahead int64
	eta   int64
}

func checkMove(o *pb.Order, action string) *pb.Failure {
	status := o.GetStatus()
	switch action {
	case actionCall, actionDone:
		if status == statusUnpaid {
			return failure(409, "order %s is not paid yet", o.GetOrderId())
		}
	case actionSkip:
		if status != statusCalled {
			return failure(409, "order %s is %s: only a called order can be skipped",
				o.GetOrderId(), status)
		}
	case actionRecall:
		if status != statusCalled && status != statusSkipped {
			return failure(409, "order %s is %s: only a called or skipped order can be recalled",
				o.GetOrderId(), status)
		}
	default:
		return failure(400, "invalid queue action %q", action)
	}
	return nil
}

func (s *shop) applyQueueMoved(e *pb.QueueMoved) {
	o := s.orders[e.GetOrderId()]
	if o == nil {
		return
	}
	switch e.GetAction() {
	case actionCall:
		if o.GetCalledAt() == 0 && o.GetPaidAt() > 0 {
			s.learnPace(time.Duration(e.GetAt()-o.GetPaidAt()) * time.Second)
			s.learnCallGap(e.GetAt())
		}
		o.Status, o.CalledAt = statusCalled, e.GetAt()
	case actionRecall:
		o.Status, o.CalledAt = statusCalled, e.GetAt()
	case actionSkip:
		o.Status, o.SkippedAt = statusSkipped, e.GetAt()
	case actionDone:
		s.removeOrder(e.GetOrderId())
		delete(s.pushed, e.GetOrderId())
		s.state.Finished = append(s.state.Finished, e.GetOrderId())
		if n := len(s.state.Finished); n > maxFinished {
			s.state.Finished = append([]string(nil), s.state.Finished[n-maxFinished:]...)
		}
	}
}

// learnPace folds one paid-to-called time into the shop's moving average,
// weighting the newest sample by one fifth.
func (s *shop) learnPace(sample time.Duration) {
	ms := max(sample.Milliseconds(), 0)
	if s.state.GetPaceMs() == 0 {
		s.state.PaceMs = ms
		return
	}
	s.state.PaceMs = (s.state.GetPaceMs()*4 + ms) / 5
}

func (s *shop) pace() time.Duration {
	if s.state.GetPaceMs() == 0 {
		return defaultPace
	}
	return time.Duration(s.state.GetPaceMs()) * time.Millisecond
}

// places returns the place of every waiting order in one pass: the orders
// ahead of it and the seconds until its call. The estimate is the larger of
// two: the shop's average paid-to-called time less the time already waited,
// and the orders ahead times the shop's average gap between calls.
func (s *shop) places() map[string]place {
	waiting := s.queue().GetWaiting()
	out := make(map[string]place, len(waiting))
	now, pace, gap := s.engine.unix(), s.pace(), s.callGap()
	for i, o := range waiting {
		waited := time.Duration(now-o.GetPaidAt()) * time.Second
		eta := max(pace-waited, time.Duration(i)*gap, 0)
		out[o.GetOrderId()] = place{ahead: int64(i), eta: int64(eta / time.Second)}
	}
	return out
}

// learnCallGap folds the time since the previous first call into the
// shop's moving average of call gaps. Gaps over maxCallGap, such as the
// night between two lunches, are not samples of the counter's speed.
func (s *shop) learnCallGap(at int64) {
	last := s.state.GetLastCallAt()
	s.state.LastCallAt = at
	gap := time.Duration(at-last) * time.Second
	if last == 0 || gap <= 0 || gap > maxCallGap {
		return
	}
	if s.state.GetCallGapMs() == 0 {
		s.state.CallGapMs = gap.Milliseconds()
		return
	}
	s.state.CallGapMs = (s.state.GetCallGapMs()*4 + gap.Milliseconds()) / 5
}

func (s *shop) callGap() time.Duration {
	if s.state.GetCallGapMs() == 0 {
		return defaultCallGap
	}
	return time.Duration(s.state.GetCallGapMs()) * time.Millisecond
}

// withPositions fills ahead and eta_s of each waiting order.
func (s *shop) withPositions(q *pb.Queue) *pb.Queue {
	places := s.places()
	out := &pb.Queue{Called: q.GetCalled(), Skipped: q.GetSkipped()}
	for _, o := range q.GetWaiting() {
		p := places[o.GetOrderId()]
		c := cloneOrder(o)
		c.Ahead, c.EtaS = p.ahead, p.eta
		out.Waiting = append(out.Waiting, c)
	}
	return out
}

// positions returns the shop's current view of the given orders, with
// places for those waiting; orders the shop no longer holds are left out.
func (s *shop) positions(ids []string) *pb.PositionList {
	places := s.places()
	out := &pb.PositionList{}
	for _, id := range ids {
		o := s.orders[id]
		if o == nil {
			continue
		}
		c := cloneOrder(o)
		if p, ok := places[id]; ok {
			c.Ahead, c.EtaS = p.ahead, p.eta
		}
		out.List = append(out.List, c)
	}
	return out
}

// pushPlaces pushes a waiting customer their new place when it moved by a
// step that matters: near the front every step, further back a fifth of
// the distance last pushed, or an estimate that moved by etaStep or more.
// So a call in a long queue pushes to a few customers, not to all.
func (s *shop) pushPlaces(ctx actor.Context) {
	places := s.places()
	for _, o := range s.queue().GetWaiting() {
		p := places[o.GetOrderId()]
		last, pushedBefore := s.pushed[o.GetOrderId()]
		if pushedBefore && !placeMoved(last, p) {
			continue
		}
		s.pushed[o.GetOrderId()] = p
		// The order actor pushes it, after its own record of the payment,
		// so the customer never hears of a place before the order is paid.
		ctx.Send(s.engine.orderPID(o.GetOrderId()), &pb.PlaceChanged{Ahead: p.ahead, EtaS: p.eta})
	}
}

// nearFront is how many orders ahead still get a push on every step.
const nearFront = 5

func placeMoved(last, now place) bool {
	step := max(last.ahead/5, 1)
	if now.ahead <= nearFront {
		step = 1
	}
	return abs(last.ahead-now.ahead) >= step || abs(last.eta-now.eta) >= etaStep
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// release returns an unpaid order's items to inventory so the order can
// close. Releasing an order the shop no longer holds succeeds, so a close
// interrupted by a crash completes on retry.
func (s *shop) release(ctx actor.Context, m *pb.ReleaseOrder) {
	o := s.orders[m.GetOrderId()]
	if o == nil {
		ctx.Respond(&pb.Ok{})
		return
	}
	if o.GetStatus() != statusUnpaid || o.GetNumber() != 0 || s.isPending(o.GetOrderId()) {
		ctx.Respond(failure(409, "order %s is paid: it cannot be closed", o.GetOrderId()))
		return
	}
	sender := ctx.Sender()
	s.persist(&pb.OrderReleased{OrderId: o.GetOrderId(), At: s.engine.unix()})
	s.publish(ctx)
	ctx.Send(sender, &pb.Ok{})
}

func (s *shop) isPending(orderID string) bool {
	for _, p := range s.pending {
		if p.orderID == orderID {
			return true
		}
	}
	return false
}

func (s *shop) applyReleased(e *pb.OrderReleased) {
	o := s.orders[e.GetOrderId()]
	if o == nil {
		return
	}
	for _, it := range o.GetItems() {
		if p := s.product(it.GetProductId()); p != nil {
			p.Inventory += it.GetQuantity()
		}
	}
	s.removeOrder(e.GetOrderId())
}

// cashOut pays out part of the balance once per request id; a repeated
// request id gets the first payout back.
func (s *shop) cashOut(ctx actor.Context, m *pb.CashOut) {
	if s.rejectStranger(ctx, m.GetOpenid()) {
		return
	}
	for _, p := range s.state.GetPayouts() {
		if p.GetRequestId() == m.GetRequestId() {
			if p.GetAmount() != m.GetAmount() {
				ctx.Respond(failure(409, "request_id %s was already used for %d fen",
					m.GetRequestId(), p.GetAmount()))
				return
			}
			ctx.Respond(&pb.CashedOut{Payout: proto.Clone(p).(*pb.Payout)})
			return
		}
	}
	if m.GetAmount() > s.state.GetBalance() {
		ctx.Respond(failure(409, "amount %d fen is over the balance of %d fen",
			m.GetAmount(), s.state.GetBalance()))
		return
	}
	sender := ctx.Sender()
	ev := &pb.CashedOut{Payout: &pb.Payout{
		RequestId: m.GetRequestId(),
		Amount:    m.GetAmount(),
		At:        s.engine.unix(),
		Status:    payoutRequested,
		Balance:   s.state.GetBalance() - m.GetAmount(),
	}}
	s.persist(ev)
	s.engine.log.Info("cash out requested", "shop", s.state.GetShopId(), "amount", m.GetAmount())
	ctx.Send(sender, ev)
	s.startPayout(ctx, ev.GetPayout())
}

func (s *shop) setPaused(ctx actor.Context, m *pb.SetPaused) {
	if s.rejectStranger(ctx, m.GetOpenid()) {
		return
	}
	if s.state.GetPaused() == m.GetPaused() {
		ctx.Respond(&pb.Ok{})
		return
	}
	sender := ctx.Sender()
	s.persist(&pb.ShopPaused{Paused: m.GetPaused()})
	s.publish(ctx)
	ctx.Send(sender, &pb.Ok{})
}

func (s *shop) startSweep(ctx actor.Context) {
	every := min(s.engine.opts.UnpaidTTL/4, 30*time.Second)
	s.sweep.start(ctx, max(every, 100*time.Millisecond))
}

// sweepUnpaid sends CloseOrder to each order unpaid for longer than
// Options.UnpaidTTL. The order's close goes through release like a
// customer's. An order the order actor never recorded (a crash between the
// reservation and the order's first event) is released here directly.
func (s *shop) sweepUnpaid(ctx actor.Context) {
	ttl := int64(s.engine.opts.UnpaidTTL / time.Second)
	now := s.engine.unix()
	for _, o := range s.state.GetOrders() {
		if o.GetStatus() != statusUnpaid || now-o.GetCreatedAt() < ttl ||
			s.isPending(o.GetOrderId()) {
			continue
		}
		id := o.GetOrderId()
		f := ctx.RequestFuture(s.engine.orderPID(id), &pb.CloseOrder{Expired: true},
			s.engine.opts.RequestTimeout)
		ctx.ReenterAfter(f, func(res any, err error) {
			if fail, ok := res.(*pb.Failure); ok && fail.GetCode() == 404 && s.orders[id] != nil &&
				s.orders[id].GetStatus() == statusUnpaid && !s.isPending(id) {
				s.persist(&pb.OrderReleased{OrderId: id, At: s.engine.unix()})
				s.publish(ctx)
			}
		})
	}
	s.retryPayouts(ctx)
	s.sweep.again(ctx)
}

// setVoice changes the voice of the shop's spoken calls.
func (s *shop) setVoice(ctx actor.Context, m *pb.SetVoice) {
	if s.rejectStranger(ctx, m.GetOpenid()) {
		return
	}
	sender := ctx.Sender()
	s.persist(&pb.VoiceSet{Voice: m.GetVoice()})
	ctx.Send(sender, &pb.Ok{})
}

// setOwnerPicture sets the seller's avatar, shown with the shop's products
// on the home page.
func (s *shop) setOwnerPicture(ctx actor.Context, m *pb.SetOwnerPicture) {
	if s.rejectStranger(ctx, m.GetOpenid()) {
		return
	}
	sender := ctx.Sender()
	s.persist(&pb.OwnerPictureSet{PicId: m.GetPicId()})
	s.publish(ctx)
	ctx.Send(sender, &pb.Ok{})
}
