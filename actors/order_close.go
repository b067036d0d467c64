package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"callme/actors/pb"
)

// markChanges reports whether a queue action decided by the shop changes
// the order; a repeated call or recall only pushes the call again.
func (r *order) markChanges(action string) bool {
	switch action {
	case actionCall:
		return r.o.GetStatus() == statusPaid
	case actionRecall:
		return r.o.GetStatus() != statusCalled
	case actionSkip:
		return r.o.GetStatus() != statusSkipped
	case actionDone:
		return true
	}
	return false
}

// close closes an unpaid order: the shop first returns its items to
// inventory, then the order records the close. A payment notice that comes
// later raises an alert instead of paying the order.
func (r *order) close(ctx actor.Context, m *pb.CloseOrder) {
	if r.o == nil {
		ctx.Respond(failure(404, "no such order"))
		if r.prepayWaiter == nil {
			ctx.Poison(ctx.Self())
		}
		return
	}
	if !m.GetExpired() && m.GetOpenid() != r.o.GetOpenid() {
		ctx.Respond(failure(403, "order %s is not yours", r.o.GetOrderId()))
		return
	}
	switch r.o.GetStatus() {
	case statusClosed:
		ctx.Respond(&pb.Ok{})
		return
	case statusUnpaid:
	default:
		ctx.Respond(failure(409, "order %s is %s: only an unpaid order can be closed",
			r.o.GetOrderId(), r.o.GetStatus()))
		return
	}
	if len(r.noticeWaiters) > 0 {
		ctx.Respond(failure(409, "order %s is being paid", r.o.GetOrderId()))
		return
	}

	sender := ctx.Sender()
	release := &pb.ReleaseOrder{OrderId: r.o.GetOrderId()}
	f := ctx.RequestFuture(r.engine.shopPID(r.o.GetShopId()), release, r.engine.opts.RequestTimeout)
	r.closing++
	ctx.ReenterAfter(f, func(res any, err error) {
		r.closing--
		defer r.settleHeld(ctx)
		if err != nil {
			ctx.Send(sender, failure(503, "the shop did not answer, try again"))
			return
		}
		if _, ok := res.(*pb.Ok); !ok {
			ctx.Send(sender, res)
			return
		}
		if r.o.GetStatus() == statusUnpaid {
			r.persist(&pb.OrderClosed{At: r.engine.unix(), Expired: m.GetExpired()})
			r.engine.log.Info("order closed", "order", r.o.GetOrderId(), "expired", m.GetExpired())
			r.pushCustomer(ctx, pushOrder("order", r.o))
		}
		ctx.Send(sender, &pb.Ok{})
	})
}

// alert records a payment for a closed order so an admin can refund it.
// WeChat gets SUCCESS: the money is accounted for and need not be resent.
func (r *order) alert(ctx actor.Context, transactionID string) {
	r.alertFor(ctx, transactionID, ctx.Sender())
}

func (r *order) alertFor(ctx actor.Context, transactionID string, senders ...*actor.PID) {
	if r.o.GetStatus() == statusAlert {
		for _, s := range senders {
			ctx.Send(s, &pb.NoticeResult{Ok: true})
		}
		return
	}
	r.persist(&pb.OrderAlerted{TransactionId: transactionID, TotalFee: r.o.GetTotalFee(),
		At: r.engine.unix()})
	r.engine.log.Warn("payment for a closed order: refund needed", "order", r.o.GetOrderId(),
		"total_fee", r.o.GetTotalFee())
	ctx.Send(r.engine.sellers, &pb.AlertRaised{OrderId: r.o.GetOrderId()})
	r.pushCustomer(ctx, pushOrder("order", r.o))
	for _, s := range senders {
		ctx.Send(s, &pb.NoticeResult{Ok: true})
	}
}

// heldNotice is a valid payment notice that arrived while a close waited
// for the shop; it is settled when the close ends.
type heldNotice struct {
	sender        *actor.PID
	transactionID string
}

// settleHeld replies to the notices held during a close: an alert when the
// order closed, else the usual path to a number.
func (r *order) settleHeld(ctx actor.Context) {
	held := r.heldNotices
	r.heldNotices = nil
	for _, h := range held {
		if r.o.GetStatus() == statusClosed || r.o.GetStatus() == statusAlert {
			r.alertFor(ctx, h.transactionID, h.sender)
			continue
		}
		r.askNumber(ctx, h.sender, h.transactionID)
	}
}

// callAudioTimeout bounds the text-to-speech step of a call push, so a slow
// Baidu delays the push by at most this and then sends it without audio.
const callAudioTimeout = time.Second

// pushCall pushes the call with its spoken audio URL. The URL is built off
// the actor's goroutine, because fetching a Baidu token may take a while.
func (r *order) pushCall(ctx actor.Context, v *pb.VoiceSetting) {
	o := cloneOrder(r.o)
	hub, root, engine := r.engine.hub, ctx.ActorSystem().Root, r.engine
	voice := DefaultVoice
	if v != nil {
		voice = Voice{Speed: int(v.GetSpd()), Pitch: int(v.GetPit()), Volume: int(v.GetVol()),
			Speaker: int(v.GetPer())}
	}
	go func() {
		url, err := engine.callAudioURL(o.GetNumber(), voice, callAudioTimeout)
		if err != nil {
			engine.log.Warn("call audio url failed", "order", o.GetOrderId(), "err", err)
		}
		root.Send(hub, stampedPush(o.GetOpenid(), pushCall(o, url)))
	}()
}
