package actors

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"callme/actors/pb"
	"callme/wechat"
)

// Apply files a seller application for the session's user; diningHall may
// be empty.
func (e *Engine) Apply(sessionID, shopName, phone, diningHall string) error {
	id, err := e.openid(sessionID)
	if err != nil {
		return err
	}
	_, err = e.request(e.sellers, &pb.Apply{Openid: id, ShopName: shopName, Phone: phone,
		DiningHall: strings.TrimSpace(diningHall)})
	return err
}

// Applications lists every seller application, for an admin.
func (e *Engine) Applications(sessionID string) ([]*pb.Application, error) {
	if err := e.admin(sessionID); err != nil {
		return nil, err
	}
	res, err := e.request(e.sellers, &pb.ListApplications{})
	if err != nil {
		return nil, err
	}
	return res.(*pb.Applications).GetList(), nil
}

// Approve makes an applicant a seller with a shop, for an admin.
func (e *Engine) Approve(sessionID string, sellerID int64) error {
	if err := e.admin(sessionID); err != nil {
		return err
	}
	_, err := e.request(e.sellers, &pb.Approve{SellerId: sellerID})
	return err
}

// ModifyProduct creates or updates a product of the seller's shop and
// returns its id.
func (e *Engine) ModifyProduct(sessionID string, p ProductEdit) (int64, error) {
	id, shop, err := e.seller(sessionID)
	if err != nil {
		return 0, err
	}
	msg := &pb.ModifyProduct{Openid: id, Product: &pb.Product{
		ProductId:   p.ProductID,
		ProductName: p.ProductName,
		TotalFee:    p.TotalFee,
		Inventory:   p.Inventory,
		Label:       p.Label,
		PicId:       p.PicID,
	}}
	res, err := e.request(shop, msg)
	if err != nil {
		return 0, err
	}
	return res.(*pb.ProductSaved).GetProduct().GetProductId(), nil
}

// SetShelf puts a product of the seller's shop on sale or takes it off.
func (e *Engine) SetShelf(sessionID string, productID int64, on bool) error {
	id, shop, err := e.seller(sessionID)
	if err != nil {
		return err
	}
	_, err = e.request(shop, &pb.SetShelf{Openid: id, ProductId: productID, On: on})
	return err
}

// Products lists the seller's catalog, on and off shelf.
func (e *Engine) Products(sessionID string) ([]*pb.Product, error) {
	id, shop, err := e.seller(sessionID)
	if err != nil {
		return nil, err
	}
	res, err := e.request(shop, &pb.ListProducts{Openid: id})
	if err != nil {
		return nil, err
	}
	return res.(*pb.Products).GetList(), nil
}

// Shops lists every shop with its waiting count and on-shelf products.
func (e *Engine) Shops(sessionID string) ([]*pb.ShopView, error) {
	if _, err := e.openid(sessionID); err != nil {
		return nil, err
	}
	res, err := e.request(e.catalog, &pb.ListShopViews{})
	if err != nil {
		return nil, err
	}
	return res.(*pb.ShopViews).GetList(), nil
}

// PlaceOrder reserves the products and returns what wx.requestPayment needs.
// All products must belong to one shop.
func (e *Engine) PlaceOrder(sessionID string, lines []OrderLine) (*pb.PayParams, error) {
	id, err := e.openid(sessionID)
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return nil, badRequest("missing field product_id")
	}
	if len(lines) > maxOrderLines {
		return nil, badRequest("too many products: at most %d per order", maxOrderLines)
	}
	shopID := int64(0)
	items := make([]*pb.Item, 0, len(lines))
	for _, l := range lines {
		if l.ProductID <= 0 {
			return nil, badRequest("invalid product_id %d", l.ProductID)
		}
		if l.Quantity < 1 || l.Quantity > maxQuantity {
			return nil, badRequest("invalid product_qu %d: must be 1 to %d", l.Quantity,
				maxQuantity)
		}
		s := shopOfProduct(l.ProductID)
		if shopID != 0 && s != shopID {
			return nil, badRequest(
				"products of two shops in one order: order from one shop at a time")
		}
		shopID = s
		items = append(items, &pb.Item{ProductId: l.ProductID, Quantity: l.Quantity})
	}
	place := &pb.UserPlaceOrder{Openid: id, ShopId: shopID, Items: items}
	res, err := e.request(e.userPID(id), place)
	if err != nil {
		return nil, err
	}
	return res.(*pb.PayParams), nil
}

// PaymentNotice applies a WeChat Pay v2 notification and returns the XML
// reply for WeChat. The reply is SUCCESS only when the notice is valid and
// applied, now or before.
func (e *Engine) PaymentNotice(body []byte) []byte {
	fields, err := wechat.ParseXML(body)
	if err != nil {
		return wechat.NoticeReply(false, "invalid XML")
	}
	orderID := fields["out_trade_no"]
	if !validOrderID(orderID) {
		return wechat.NoticeReply(false, "unknown out_trade_no")
	}
	res, err := e.request(e.orderPID(orderID), &pb.PaymentNotice{OrderId: orderID, Fields: fields})
	if err != nil {
		return wechat.NoticeReply(false, AsError(err).Msg)
	}
	r := res.(*pb.NoticeResult)
	return wechat.NoticeReply(r.GetOk(), r.GetMsg())
}

// Orders lists the user's orders, newest first.
func (e *Engine) Orders(sessionID string) ([]*pb.Order, error) {
	id, err := e.openid(sessionID)
	if err != nil {
		return nil, err
	}
	res, err := e.request(e.userPID(id), &pb.ListOrders{})
	if err != nil {
		return nil, err
	}
	return e.placed(res.(*pb.OrderList).GetList()), nil
}

// Queue returns the seller's waiting and called orders in number order.
func (e *Engine) Queue(sessionID string) (*pb.Queue, error) {
	id, shop, err := e.seller(sessionID)
	if err != nil {
		return nil, err
	}
	res, err := e.request(shop, &pb.GetQueue{Openid: id})
	if err != nil {
		return nil, err
	}
	return res.(*pb.Queue), nil
}

// Call calls a paid order of the seller's shop; its customer hears it.
// An empty orderID calls the lowest waiting number.
func (e *Engine) Call(sessionID, orderID string) error {
	return e.queueAction(sessionID, orderID, actionCall)
}

// Done marks a paid or called order of the seller's shop as handed over.
func (e *Engine) Done(sessionID, orderID string) error {
	return e.queueAction(sessionID, orderID, actionDone)
}

func (e *Engine) queueAction(sessionID, orderID, action string) error {
	id, shop, err := e.seller(sessionID)
	if err != nil {
		return err
	}
	if orderID == "" && action != actionCall {
		return badRequest("missing field order_id")
	}
	if orderID != "" && !validOrderID(orderID) {
		return &Error{Code: 404, Msg: "no order " + orderID}
	}
	_, err = e.request(shop, &pb.QueueAction{Openid: id, OrderId: orderID, Action: action})
	return err
}

// checkText returns an error naming field when s is empty or too long.
func checkText(field, s string, max int) *pb.Failure {
	s = strings.TrimSpace(s)
	if s == "" {
		return failure(400, "missing field %s", field)
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return failure(400, "invalid %s: at most %d characters", field, max)
	}
	if strings.ContainsFunc(s, isHidden) {
		return failure(400, "invalid %s: control or formatting characters are not allowed", field)
	}
	return nil
}

// isHidden reports control, format and line or paragraph separator
// characters, which would hide or reorder text shown to other users.
func isHidden(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

func sortOrders(list []*pb.Order, less func(a, b *pb.Order) bool) {
	sort.Slice(list, func(i, j int) bool { return less(list[i], list[j]) })
}
