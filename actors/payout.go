package actors

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"callme/actors/pb"
	"callme/wechat"
)

// Payout statuses. A payout is requested when the balance is lowered, then
// paid once WeChat Pay transferred the money, or failed when WeChat Pay
// refused and the amount went back to the balance.
const (
	payoutRequested = "requested"
	payoutPaid      = "paid"
	payoutFailed    = "failed"
)

// payoutTradeNo is the partner_trade_no of a payout: unique per shop and
// request id, at most 32 characters, and the same on every retry, so
// WeChat Pay never pays a payout twice.
func payoutTradeNo(shopID int64, requestID string) string {
	sum := sha256.Sum256([]byte(requestID))
	return fmt.Sprintf("c%dx%s", shopID, hex.EncodeToString(sum[:])[:20])
}

// startPayout transfers a requested payout to the seller's WeChat balance
// off the actor's goroutine; PayoutResult brings the outcome back. A payout
// already in flight is left alone.
func (s *shop) startPayout(ctx actor.Context, p *pb.Payout) {
	if s.paying == nil {
		s.paying = make(map[string]bool)
	}
	if s.paying[p.GetRequestId()] {
		return
	}
	s.paying[p.GetRequestId()] = true
	req := wechat.TransferRequest{
		TradeNo:  payoutTradeNo(s.state.GetShopId(), p.GetRequestId()),
		OpenID:   s.state.GetOwner(),
		Amount:   p.GetAmount(),
		Desc:     "callme cash-out " + s.state.GetShopName(),
		ClientIP: "127.0.0.1",
	}
	root, self := ctx.ActorSystem().Root, ctx.Self()
	pay, timeout, id := s.engine.opts.Pay, s.engine.opts.RequestTimeout, p.GetRequestId()
	go func() {
		c, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		res, err := pay.Transfer(c, req)
		out := &pb.PayoutResult{RequestId: id, PaymentNo: res.PaymentNo}
		if err != nil {
			var rejected *wechat.PayError
			out.Error = err.Error()
			out.Retry = !errors.As(err, &rejected) || errors.Is(err, wechat.ErrUnavailable)
		}
		root.Send(self, out)
	}()
}

// payoutDone records a transfer's outcome. An unknown outcome is retried
// by the next sweep with the same trade number.
func (s *shop) payoutDone(ctx actor.Context, m *pb.PayoutResult) {
	delete(s.paying, m.GetRequestId())
	if m.GetRetry() {
		s.engine.log.Warn("cash-out transfer failed, will retry", "shop", s.state.GetShopId(),
			"err", m.GetError())
		return
	}
	ev := &pb.PayoutSettled{RequestId: m.GetRequestId(), Status: payoutPaid,
		PaymentNo: m.GetPaymentNo()}
	if m.GetError() != "" {
		ev.Status, ev.Reason = payoutFailed, m.GetError()
		s.engine.log.Warn("cash-out rejected by wechat pay, balance restored", "shop", s.state.GetShopId(),
			"err", m.GetError())
	}
	s.persist(ev)
}

func (s *shop) applyPayoutSettled(e *pb.PayoutSettled) {
	for _, p := range s.state.GetPayouts() {
		if p.GetRequestId() != e.GetRequestId() || p.GetStatus() != payoutRequested {
			continue
		}
		p.Status, p.PaymentNo, p.Reason = e.GetStatus(), e.GetPaymentNo(), e.GetReason()
		if e.GetStatus() == payoutFailed {
			s.state.Balance += p.GetAmount()
		}
	}
}

// retryPayouts restarts the transfers of payouts still requested, such as
// those in flight when the server stopped.
func (s *shop) retryPayouts(ctx actor.Context) {
	for _, p := range s.state.GetPayouts() {
		if p.GetStatus() == payoutRequested {
			s.startPayout(ctx, p)
		}
	}
}
