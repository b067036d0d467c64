package edge

import (
	"strconv"

	"callme/actors"
)

// Each route function reads its fields and calls the engine once. It returns
// the value to send as JSON and the engine's error, and handle ignores the
// value when the error is set.

// loginReply carries the flags as "true"/"false" strings because the
// mini-program compares them as strings.
type loginReply struct {
	SessionID string `json:"session_id"`
	IsSeller  string `json:"is_seller"`
	IsAdmin   string `json:"is_admin"`
}

type productReply struct {
	Errmsg    string `json:"errmsg"`
	ProductID int64  `json:"product_id"`
}

type listReply[T any] struct {
	List []T `json:"list"`
}

type queueReply struct {
	Waiting []actors.OrderView `json:"waiting"`
	Called  []actors.OrderView `json:"called"`
	Skipped []actors.OrderView `json:"skipped"`
}

func (r *REST) login(f *fields) (any, error) {
	code := f.text("code")
	if err := f.Err(); err != nil {
		return nil, err
	}
	res, err := r.engine.Login(code)
	if err != nil {
		return nil, err
	}
	return loginReply{
		SessionID: res.SessionID,
		IsSeller:  strconv.FormatBool(res.IsSeller),
		IsAdmin:   strconv.FormatBool(res.IsAdmin),
	}, nil
}

func (r *REST) apply(f *fields) (any, error) {
	session, shopName, phone := f.text("session_id"), f.text("shop_name"), f.text("phone")
	hall := f.optText("dining_hall")
	if err := f.Err(); err != nil {
		return nil, err
	}
	return okReply, r.engine.Apply(session, shopName, phone, hall)
}

func (r *REST) applications(f *fields) (any, error) {
	session := f.text("session_id")
	if err := f.Err(); err != nil {
		return nil, err
	}
	list, err := r.engine.Applications(session)
	return listReply[actors.ApplicationView]{actors.ViewApplications(list)}, err
}

func (r *REST) approve(f *fields) (any, error) {
	session, sellerID := f.text("session_id"), f.int("seller_id", 1)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return okReply, r.engine.Approve(session, sellerID)
}

func (r *REST) modifyProduct(f *fields) (any, error) {
	session := f.text("session_id")
	edit := actors.ProductEdit{
		ProductID:   f.optInt("product_id", 0),
		ProductName: f.text("product_name"),
		TotalFee:    f.fen("total_fee"),
		Inventory:   f.int("inventory", 0),
		Label:       f.optText("label"),
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	id, err := r.engine.ModifyProduct(session, edit)
	return productReply{Errmsg: "ok", ProductID: id}, err
}

func (r *REST) putOn(f *fields) (any, error)  { return r.setShelf(f, true) }
func (r *REST) putOff(f *fields) (any, error) { return r.setShelf(f, false) }

func (r *REST) setShelf(f *fields, on bool) (any, error) {
	session, productID := f.text("session_id"), f.int("product_id", 1)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return okReply, r.engine.SetShelf(session, productID, on)
}

func (r *REST) products(f *fields) (any, error) {
	session := f.text("session_id")
	if err := f.Err(); err != nil {
		return nil, err
	}
	list, err := r.engine.Products(session)
	return listReply[actors.ProductView]{actors.ViewProducts(list)}, err
}

func (r *REST) shops(f *fields) (any, error) {
	session := f.text("session_id")
	if err := f.Err(); err != nil {
		return nil, err
	}
	list, err := r.engine.Shops(session)
	return listReply[actors.ShopView]{actors.ViewShops(list)}, err
}

func (r *REST) placeOrder(f *fields) (any, error) {
	session := f.text("session_id")
	ids, quantities := f.ints("product_id", 1), f.ints("product_qu", 1)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if len(ids) != len(quantities) {
		return nil, badRequest("product_id lists %d products but product_qu lists "+
			"%d quantities: give one quantity per product", len(ids), len(quantities))
	}
	lines := make([]actors.OrderLine, len(ids))
	for i := range ids {
		lines[i] = actors.OrderLine{ProductID: ids[i], Quantity: quantities[i]}
	}
	params, err := r.engine.PlaceOrder(session, lines)
	return actors.ViewPayParams(params), err
}

func (r *REST) orders(f *fields) (any, error) {
	session := f.text("session_id")
	if err := f.Err(); err != nil {
		return nil, err
	}
	list, err := r.engine.Orders(session)
	return listReply[actors.OrderView]{actors.ViewOrders(list)}, err
}

func (r *REST) queue(f *fields) (any, error) {
	session := f.text("session_id")
	if err := f.Err(); err != nil {
		return nil, err
	}
	q, err := r.engine.Queue(session)
	return queueReply{
		Waiting: actors.ViewOrders(q.GetWaiting()),
		Called:  actors.ViewOrders(q.GetCalled()),
		Skipped: actors.ViewOrders(q.GetSkipped()),
	}, err
}

func (r *REST) call(f *fields) (any, error) {
	// Without order_id the next waiting number is called.
	session, orderID := f.text("session_id"), f.optText("order_id")
	if err := f.Err(); err != nil {
		return nil, err
	}
	return okReply, r.engine.Call(session, orderID)
}

func (r *REST) done(f *fields) (any, error) {
	session, orderID := f.text("session_id"), f.text("order_id")
	if err := f.Err(); err != nil {
		return nil, err
	}
	return okReply, r.engine.Done(session, orderID)
}
