package actors

import (
	"sort"
	"strings"

	"callme/actors/pb"
)

// Engine methods for closing orders, money, queue control, history and
// sessions. Each resolves the session, checks the role and sends one
// request to the actor that owns the state.

// CloseOrder closes an unpaid order of the session's user and returns its
// items to inventory.
func (e *Engine) CloseOrder(sessionID, orderID string) error {
	id, err := e.openid(sessionID)
	if err != nil {
		return err
	}
	if orderID == "" {
		return badRequest("missing field order_id")
	}
	if !validOrderID(orderID) {
		return &Error{Code: 404, Msg: "no order " + orderID}
	}
	_, err = e.request(e.orderPID(orderID), &pb.CloseOrder{Openid: id})
	return err
}

// Cash pays amount fen out of the seller's balance once per requestID and
// returns the payout; repeating a requestID returns the first payout.
func (e *Engine) Cash(sessionID string, amount int64, requestID string) (*pb.Payout, error) {
	id, shop, err := e.seller(sessionID)
	if err != nil {
		return nil, err
	}
	if amount < 1 {
		return nil, badRequest("invalid amount %d: a whole number of fen, at least 1", amount)
	}
	requestID = strings.TrimSpace(requestID)
	if requestID == "" {
		return nil, badRequest("missing field request_id")
	}
	if len(requestID) > 64 || strings.ContainsFunc(requestID, notIDChar) {
		return nil, badRequest("invalid request_id: 1 to 64 letters, digits, '-', '_', '.' or ':'")
	}
	res, err := e.request(shop, &pb.CashOut{Openid: id, Amount: amount, RequestId: requestID})
	if err != nil {
		return nil, err
	}
	return res.(*pb.CashedOut).GetPayout(), nil
}

func notIDChar(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		strings.ContainsRune("-_.:", r))
}

// Balance returns the seller's balance, total earned and payouts.
func (e *Engine) Balance(sessionID string) (*pb.Balance, error) {
	id, shop, err := e.seller(sessionID)
	if err != nil {
		return nil, err
	}
	res, err := e.request(shop, &pb.GetBalance{Openid: id})
	if err != nil {
		return nil, err
	}
	return res.(*pb.Balance), nil
}

// Skip moves a called order aside as a no-show and pushes skipped to its customer.
func (e *Engine) Skip(sessionID, orderID string) error {
	return e.queueAction(sessionID, orderID, actionSkip)
}

// Recall calls a called or skipped order again.
func (e *Engine) Recall(sessionID, orderID string) error {
	return e.queueAction(sessionID, orderID, actionRecall)
}

// Pause stops the seller's shop from taking new orders; Resume reopens it.
func (e *Engine) Pause(sessionID string) error { return e.setPaused(sessionID, true) }

// Resume reopens a paused shop.
func (e *Engine) Resume(sessionID string) error { return e.setPaused(sessionID, false) }

func (e *Engine) setPaused(sessionID string, paused bool) error {
	id, shop, err := e.seller(sessionID)
	if err != nil {
		return err
	}
	_, err = e.request(shop, &pb.SetPaused{Openid: id, Paused: paused})
	return err
}

// History pages back through the user's orders, newest first: up to limit
// orders older than the order id before ("" starts at the newest). more
// reports whether older orders remain.
func (e *Engine) History(sessionID, before string, limit int) ([]*pb.Order, bool, error) {
	id, err := e.openid(sessionID)
	if err != nil {
		return nil, false, err
	}
	if limit < 1 || limit > maxListedOrders {
		return nil, false, badRequest("invalid limit %d: 1 to %d", limit, maxListedOrders)
	}
	res, err := e.request(e.userPID(id), &pb.ListOrders{Before: before, Limit: int32(limit)})
	if err != nil {
		return nil, false, err
	}
	list := res.(*pb.OrderList)
	return e.placed(list.GetList()), list.GetMore(), nil
}

// placed fills ahead and eta_s of the paid orders from their shops.
func (e *Engine) placed(list []*pb.Order) []*pb.Order {
	byShop := make(map[int64][]string)
	for _, o := range list {
		if o.GetStatus() == statusPaid {
			byShop[o.GetShopId()] = append(byShop[o.GetShopId()], o.GetOrderId())
		}
	}
	places := make(map[string]*pb.Order)
	for shopID, ids := range byShop {
		res, err := e.request(e.shopPID(shopID), &pb.Positions{OrderIds: ids})
		if err != nil {
			continue
		}
		for _, o := range res.(*pb.PositionList).GetList() {
			places[o.GetOrderId()] = o
		}
	}
	for _, o := range list {
		if p := places[o.GetOrderId()]; p != nil {
			o.Ahead, o.EtaS = p.GetAhead(), p.GetEtaS()
		}
	}
	return list
}

// DiningHall is a hall with the shops in it.
type DiningHall struct {
	Name  string
	Shops []*pb.ShopView
}

// DiningHalls groups the shops by dining hall, halls by name.
func (e *Engine) DiningHalls(sessionID string) ([]DiningHall, error) {
	shops, err := e.Shops(sessionID)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]*DiningHall)
	var names []string
	for _, s := range shops {
		name := s.GetDiningHall()
		if byName[name] == nil {
			byName[name] = &DiningHall{Name: name}
			names = append(names, name)
		}
		byName[name].Shops = append(byName[name].Shops, s)
	}
	sort.Strings(names)
	halls := make([]DiningHall, 0, len(names))
	for _, n := range names {
		halls = append(halls, *byName[n])
	}
	return halls, nil
}

// Logout ends the session and closes its sockets with 4401.
func (e *Engine) Logout(sessionID string) error {
	if sessionID == "" {
		return badRequest("missing field session_id")
	}
	res, err := e.request(e.shardFor(sessionID), &pb.CloseSession{SessionId: sessionID})
	if err != nil {
		return err
	}
	openid := res.(*pb.SessionInfo).GetOpenid()
	e.root.Send(e.hub, &pb.CloseSessionSockets{Openid: openid, SessionId: sessionID})
	e.log.Info("logout", "session", ShortID(sessionID))
	return nil
}

// Alerts lists the orders paid after they closed, for an admin to refund.
func (e *Engine) Alerts(sessionID string) ([]*pb.Order, error) {
	if err := e.admin(sessionID); err != nil {
		return nil, err
	}
	res, err := e.request(e.sellers, &pb.ListAlerts{})
	if err != nil {
		return nil, err
	}
	var out []*pb.Order
	for _, id := range res.(*pb.Alerts).GetOrderIds() {
		o, err := e.request(e.orderPID(id), &pb.GetOrder{})
		if err != nil {
			return nil, err
		}
		out = append(out, o.(*pb.Order))
	}
	return out, nil
}

// SetVoice sets the voice in which the seller's shop calls numbers. Its
// ranges are those of /callme/bd_api/getAudioUrl: spd and pit 0 to 9, vol
// 0 to 15, per 0, 1, 3 or 4.
func (e *Engine) SetVoice(sessionID string, v Voice) error {
	id, shop, err := e.seller(sessionID)
	if err != nil {
		return err
	}
	if err := checkSpeech("voice", v.Speed, v.Pitch, v.Volume, v.Speaker); err != nil {
		return err
	}
	voice := &pb.VoiceSetting{Spd: int32(v.Speed), Pit: int32(v.Pitch), Vol: int32(v.Volume),
		Per: int32(v.Speaker)}
	_, err = e.request(shop, &pb.SetVoice{Openid: id, Voice: voice})
	return err
}
