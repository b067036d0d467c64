package edge

import (
	"github.com/fasthttp/router"

	"callme/actors"
	"callme/actors/pb"
)

// Control is the part of the engine behind the routes for closing orders,
// money, queue control, history, dining halls and sessions.
type Control interface {
	CloseOrder(sessionID, orderID string) error
	Cash(sessionID string, amount int64, requestID string) (*pb.Payout, error)
	Balance(sessionID string) (*pb.Balance, error)
	Skip(sessionID, orderID string) error
	Recall(sessionID, orderID string) error
	Pause(sessionID string) error
	Resume(sessionID string) error
	History(sessionID, before string, limit int) ([]*pb.Order, bool, error)
	DiningHalls(sessionID string) ([]actors.DiningHall, error)
	Logout(sessionID string) error
	Alerts(sessionID string) ([]*pb.Order, error)
	SetVoice(sessionID string, v actors.Voice) error
}

// defaultHistoryLimit is the page size of /callme/wx_session/history.
const defaultHistoryLimit = 20

func (r *REST) controlRoutes(g *router.Group) {
	g.POST("/wx_pay/close", r.handle(r.closeOrder))
	g.POST("/wx_pay/cash", r.handle(r.cash))
	g.POST("/wx_pay/balance", r.handle(r.balance))
	g.POST("/queue/skip", r.handle(r.skip))
	g.POST("/queue/recall", r.handle(r.recall))
	g.POST("/queue/pause", r.handle(r.pause))
	g.POST("/queue/resume", r.handle(r.resume))
	g.POST("/wx_session/history", r.handle(r.history))
	g.POST("/wx_session/diningHall", r.handle(r.diningHalls))
	g.POST("/wx_session/logout", r.handle(r.logout))
	g.POST("/admin/alerts", r.handle(r.alerts))
	g.POST("/queue/voice", r.handle(r.voice))
	// Older clients call the seller routes by these names.
	g.POST("/seller_man/register", r.handle(r.apply))
	g.POST("/seller_man/registerList", r.handle(r.applications))
	g.POST("/seller_man/registerConfirm", r.handle(r.approve))
}

func (r *REST) closeOrder(f *fields) (any, error) {
	session, orderID := f.text("session_id"), f.text("order_id")
	if err := f.Err(); err != nil {
		return nil, err
	}
	return okReply, r.engine.CloseOrder(session, orderID)
}

// cashReply is the cash-out reply: ok, the payout and the balance left.
type cashReply struct {
	Errmsg  string     `json:"errmsg"`
	Balance int64      `json:"balance"`
	Payout  payoutView `json:"payout"`
}

// payoutView is one cash-out: requested, then paid or failed.
type payoutView struct {
	RequestID string `json:"request_id"`
	Amount    int64  `json:"amount"`
	At        int64  `json:"at"`
	Status    string `json:"status"`
	Balance   int64  `json:"balance"`
	PaymentNo string `json:"payment_no"`
	Reason    string `json:"reason"`
}

func viewPayout(p *pb.Payout) payoutView {
	return payoutView{RequestID: p.GetRequestId(), Amount: p.GetAmount(), At: p.GetAt(),
		Status: p.GetStatus(), Balance: p.GetBalance(), PaymentNo: p.GetPaymentNo(),
		Reason: p.GetReason()}
}

func (r *REST) cash(f *fields) (any, error) {
	session, amount := f.text("session_id"), f.fen("amount")
	requestID := f.text("request_id")
	if err := f.Err(); err != nil {
		return nil, err
	}
	p, err := r.engine.Cash(session, amount, requestID)
	if err != nil {
		return nil, err
	}
	return cashReply{Errmsg: "ok", Balance: p.GetBalance(), Payout: viewPayout(p)}, nil
}

type balanceReply struct {
	Balance int64        `json:"balance"`
	Earned  int64        `json:"earned"`
	Payouts []payoutView `json:"payouts"`
}

func (r *REST) balance(f *fields) (any, error) {
	session := f.text("session_id")
	if err := f.Err(); err != nil {
		return nil, err
	}
	b, err := r.engine.Balance(session)
	if err != nil {
		return nil, err
	}
	out := balanceReply{Balance: b.GetBalance(), Earned: b.GetEarned(),
		Payouts: make([]payoutView, 0, len(b.GetPayouts()))}
	for _, p := range b.GetPayouts() {
		out.Payouts = append(out.Payouts, viewPayout(p))
	}
	return out, nil
}

func (r *REST) skip(f *fields) (any, error) {
	session, orderID := f.text("session_id"), f.text("order_id")
	if err := f.Err(); err != nil {
		return nil, err
	}
	return okReply, r.engine.Skip(session, orderID)
}

func (r *REST) recall(f *fields) (any, error) {
	session, orderID := f.text("session_id"), f.text("order_id")
	if err := f.Err(); err != nil {
		return nil, err
	}
	return okReply, r.engine.Recall(session, orderID)
}

func (r *REST) pause(f *fields) (any, error) {
	session := f.text("session_id")
	if err := f.Err(); err != nil {
		return nil, err
	}
	return okReply, r.engine.Pause(session)
}

func (r *REST) resume(f *fields) (any, error) {
	session := f.text("session_id")
	if err := f.Err(); err != nil {
		return nil, err
	}
	return okReply, r.engine.Resume(session)
}

// historyReply is one page of past orders; next_before, when set, is the
// before value of the next page.
type historyReply struct {
	List       []actors.OrderView `json:"list"`
	NextBefore string             `json:"next_before"`
}

func (r *REST) history(f *fields) (any, error) {
	session, before := f.text("session_id"), f.optText("before")
	limit := f.optInt("limit", 1)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = defaultHistoryLimit
	}
	list, more, err := r.engine.History(session, before, int(limit))
	if err != nil {
		return nil, err
	}
	out := historyReply{List: actors.ViewOrders(list)}
	if more && len(list) > 0 {
		out.NextBefore = list[len(list)-1].GetOrderId()
	}
	return out, nil
}

type hallView struct {
	DiningHall string            `json:"dining_hall"`
	Shops      []actors.ShopView `json:"shops"`
}

func (r *REST) diningHalls(f *fields) (any, error) {
	session := f.text("session_id")
	if err := f.Err(); err != nil {
		return nil, err
	}
	halls, err := r.engine.DiningHalls(session)
	if err != nil {
		return nil, err
	}
	out := make([]hallView, 0, len(halls))
	for _, h := range halls {
		out = append(out, hallView{DiningHall: h.Name, Shops: actors.ViewShops(h.Shops)})
	}
	return listReply[hallView]{out}, nil
}

func (r *REST) logout(f *fields) (any, error) {
	session := f.text("session_id")
	if err := f.Err(); err != nil {
		return nil, err
	}
	return okReply, r.engine.Logout(session)
}

func (r *REST) alerts(f *fields) (any, error) {
	session := f.text("session_id")
	if err := f.Err(); err != nil {
		return nil, err
	}
	list, err := r.engine.Alerts(session)
	return listReply[actors.OrderView]{actors.ViewOrders(list)}, err
}

func (r *REST) voice(f *fields) (any, error) {
	session := f.text("session_id")
	v := actors.Voice{
		Speed:   int(f.int("spd", 0)),
		Pitch:   int(f.int("pit", 0)),
		Volume:  int(f.int("vol", 0)),
		Speaker: int(f.int("per", 0)),
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return okReply, r.engine.SetVoice(session, v)
}
