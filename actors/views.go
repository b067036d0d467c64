package actors

import "callme/actors/pb"

// The JSON shapes below are shared by REST replies and WebSocket pushes, so
// a client sees one order the same way on both.

// ItemView is one order line in JSON.
type ItemView struct {
	ProductID   int64  `json:"product_id"`
	ProductName string `json:"product_name"`
	Quantity    int64  `json:"quantity"`
	UnitFee     int64  `json:"unit_fee"`
}

// OrderView is an order in JSON. Times are Unix seconds, 0 when not reached.
type OrderView struct {
	OrderID   string     `json:"order_id"`
	ShopID    int64      `json:"shop_id"`
	ShopName  string     `json:"shop_name"`
	Items     []ItemView `json:"items"`
	TotalFee  int64      `json:"total_fee"`
	Status    string     `json:"status"`
	Number    int64      `json:"number"`
	CreatedAt int64      `json:"created_at"`
	PaidAt    int64      `json:"paid_at"`
	CalledAt  int64      `json:"called_at"`
	DoneAt    int64      `json:"done_at"`
	// Ahead and EtaS place a paid order in its shop's queue: orders before
	// it and estimated seconds until it is called. Both are 0 otherwise.
	Ahead     int64 `json:"ahead"`
	EtaS      int64 `json:"eta_s"`
	SkippedAt int64 `json:"skipped_at"`
	ClosedAt  int64 `json:"closed_at"`
	// Alert is the WeChat transaction id of a payment that arrived after
	// the order closed; an admin refunds it.
	Alert string `json:"alert,omitempty"`
}

// ViewOrder converts an order to its JSON shape.
func ViewOrder(o *pb.Order) OrderView {
	items := make([]ItemView, 0, len(o.GetItems()))
	for _, it := range o.GetItems() {
		items = append(items, ItemView{
			ProductID:   it.GetProductId(),
			ProductName: it.GetProductName(),
			Quantity:    it.GetQuantity(),
			UnitFee:     it.GetUnitFee(),
		})
	}
	return OrderView{
		OrderID:   o.GetOrderId(),
		ShopID:    o.GetShopId(),
		ShopName:  o.GetShopName(),
		Items:     items,
		TotalFee:  o.GetTotalFee(),
		Status:    o.GetStatus(),
		Number:    o.GetNumber(),
		CreatedAt: o.GetCreatedAt(),
		PaidAt:    o.GetPaidAt(),
		CalledAt:  o.GetCalledAt(),
		DoneAt:    o.GetDoneAt(),
		Ahead:     o.GetAhead(),
		EtaS:      o.GetEtaS(),
		SkippedAt: o.GetSkippedAt(),
		ClosedAt:  o.GetClosedAt(),
		Alert:     o.GetAlert(),
	}
}

// ViewOrders converts a list of orders, never returning nil.
func ViewOrders(list []*pb.Order) []OrderView {
	out := make([]OrderView, 0, len(list))
	for _, o := range list {
		out = append(out, ViewOrder(o))
	}
	return out
}

// ProductView is a catalog entry in the seller's product list.
type ProductView struct {
	ProductID   int64  `json:"product_id"`
	ProductName string `json:"product_name"`
	TotalFee    int64  `json:"total_fee"`
	Inventory   int64  `json:"inventory"`
	Label       string `json:"label"`
	OnShelf     bool   `json:"on_shelf"`
	// PicID names the product's picture, "" when it has none.
	PicID string `json:"pic_id"`
	// ProductImgURL is the URL of the picture, "" when it has none. The edge
	// fills it in because the URL depends on the request.
	ProductImgURL string `json:"product_img_url"`
}

// ViewProducts converts a seller's catalog, never returning nil.
func ViewProducts(list []*pb.Product) []ProductView {
	out := make([]ProductView, 0, len(list))
	for _, p := range list {
		out = append(out, ProductView{
			ProductID:   p.GetProductId(),
			ProductName: p.GetProductName(),
			TotalFee:    p.GetTotalFee(),
			Inventory:   p.GetInventory(),
			Label:       p.GetLabel(),
			OnShelf:     p.GetOnShelf(),
			PicID:       p.GetPicId(),
		})
	}
	return out
}

// ShelfProductView is an on-shelf product in the customer's shop list.
type ShelfProductView struct {
	ProductID   int64  `json:"product_id"`
	ProductName string `json:"product_name"`
	TotalFee    int64  `json:"total_fee"`
	Inventory   int64  `json:"inventory"`
	// PicID and ProductImgURL are as in ProductView.
	PicID         string `json:"pic_id"`
	ProductImgURL string `json:"product_img_url"`
}

// ShopView is a shop in the customer's shop list.
type ShopView struct {
	ShopID     int64              `json:"shop_id"`
	ShopName   string             `json:"shop_name"`
	Waiting    int64              `json:"waiting"`
	Products   []ShelfProductView `json:"products"`
	DiningHall string             `json:"dining_hall"`
	// Paused is set while the seller takes no new orders.
	Paused bool `json:"paused"`
}

// ViewShops converts the shop list, never returning nil.
func ViewShops(list []*pb.ShopView) []ShopView {
	out := make([]ShopView, 0, len(list))
	for _, s := range list {
		products := make([]ShelfProductView, 0, len(s.GetProducts()))
		for _, p := range s.GetProducts() {
			products = append(products, ShelfProductView{
				ProductID:   p.GetProductId(),
				ProductName: p.GetProductName(),
				TotalFee:    p.GetTotalFee(),
				Inventory:   p.GetInventory(),
				PicID:       p.GetPicId(),
			})
		}
		out = append(out, ShopView{
			ShopID:     s.GetShopId(),
			ShopName:   s.GetShopName(),
			Waiting:    s.GetWaiting(),
			Products:   products,
			DiningHall: s.GetDiningHall(),
			Paused:     s.GetPaused(),
		})
	}
	return out
}

// ApplicationView is a seller application in the admin's list.
type ApplicationView struct {
	SellerID int64  `json:"seller_id"`
	ShopName string `json:"shop_name"`
	Phone    string `json:"phone"`
	Status   string `json:"status"`
	OpenID   string `json:"openid"`
}

// ViewApplications converts the application list, never returning nil.
func ViewApplications(list []*pb.Application) []ApplicationView {
	out := make([]ApplicationView, 0, len(list))
	for _, a := range list {
		out = append(out, ApplicationView{
			SellerID: a.GetSellerId(),
			ShopName: a.GetShopName(),
			Phone:    a.GetPhone(),
			Status:   a.GetStatus(),
			OpenID:   a.GetOpenid(),
		})
	}
	return out
}

// PayParamsView is the unifiedorder reply: what wx.requestPayment takes,
// plus the order id.
type PayParamsView struct {
	OrderID   string `json:"order_id"`
	AppID     string `json:"appId"`
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"`
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
}

// ViewPayParams converts payment parameters to their JSON shape.
func ViewPayParams(p *pb.PayParams) PayParamsView {
	return PayParamsView{
		OrderID:   p.GetOrderId(),
		AppID:     p.GetAppId(),
		TimeStamp: p.GetTimeStamp(),
		NonceStr:  p.GetNonceStr(),
		Package:   p.GetPackage(),
		SignType:  p.GetSignType(),
		PaySign:   p.GetPaySign(),
	}
}
