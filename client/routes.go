package client

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// The types below mirror the JSON that the server sends. Times are Unix
// seconds, 0 when not reached. Money is in fen.

// Session is a login: the session id to pass to every other call, and the
// roles the server gave the user.
type Session struct {
	ID       string
	IsSeller bool
	IsAdmin  bool
}

// Application is a seller's request to open a shop, in the admin's list.
type Application struct {
	SellerID int64  `json:"seller_id"`
	ShopName string `json:"shop_name"`
	Phone    string `json:"phone"`
	Status   string `json:"status"`
	OpenID   string `json:"openid"`
}

// ProductEdit creates a product when ProductID is 0 and otherwise replaces
// the product's name, price, inventory and label.
type ProductEdit struct {
	ProductID   int64  `json:"product_id,omitempty"`
	ProductName string `json:"product_name"`
	TotalFee    int64  `json:"total_fee"`
	Inventory   int64  `json:"inventory"`
	Label       string `json:"label,omitempty"`
}

// Product is an entry of the seller's catalog.
type Product struct {
	ProductID   int64  `json:"product_id"`
	ProductName string `json:"product_name"`
	TotalFee    int64  `json:"total_fee"`
	Inventory   int64  `json:"inventory"`
	Label       string `json:"label"`
	OnShelf     bool   `json:"on_shelf"`
	// PicID names the product's picture, and ProductImgURL is its URL;
	// both are "" when it has none.
	PicID         string `json:"pic_id"`
	ProductImgURL string `json:"product_img_url"`
}

// ShelfProduct is a product on sale, in the customer's shop list.
type ShelfProduct struct {
	ProductID   int64  `json:"product_id"`
	ProductName string `json:"product_name"`
	TotalFee    int64  `json:"total_fee"`
	Inventory   int64  `json:"inventory"`
	// PicID and ProductImgURL are as in Product.
	PicID         string `json:"pic_id"`
	ProductImgURL string `json:"product_img_url"`
}

// Shop is an entry of the customer's shop list. Waiting counts the paid
// orders not yet called.
type Shop struct {
	ShopID   int64          `json:"shop_id"`
	ShopName string         `json:"shop_name"`
	Waiting  int64          `json:"waiting"`
	Products []ShelfProduct `json:"products"`
}

// Line is one product and quantity of a new order.
type Line struct {
	ProductID int64
	Quantity  int64
}

// PayParams is the unifiedorder reply: the order id and the arguments of
// wx.requestPayment.
type PayParams struct {
	OrderID   string `json:"order_id"`
	AppID     string `json:"appId"`
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"`
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
}

// Item is one line of an order.
type Item struct {
	ProductID   int64  `json:"product_id"`
	ProductName string `json:"product_name"`
	Quantity    int64  `json:"quantity"`
	UnitFee     int64  `json:"unit_fee"`
}

// Order is an order as REST replies and pushes carry it. Status is one of
// unpaid, paid, called, done and closed. Number is 0 until the order is paid.
type Order struct {
	OrderID   string `json:"order_id"`
	ShopID    int64  `json:"shop_id"`
	ShopName  string `json:"shop_name"`
	Items     []Item `json:"items"`
	TotalFee  int64  `json:"total_fee"`
	Status    string `json:"status"`
	Number    int64  `json:"number"`
	CreatedAt int64  `json:"created_at"`
	PaidAt    int64  `json:"paid_at"`
	CalledAt  int64  `json:"called_at"`
	DoneAt    int64  `json:"done_at"`
	// Ahead and EtaS place a paid order in its shop's queue.
	Ahead     int64 `json:"ahead"`
	EtaS      int64 `json:"eta_s"`
	SkippedAt int64 `json:"skipped_at"`
	ClosedAt  int64 `json:"closed_at"`
	// Alert is the transaction id of a payment made after the order closed.
	Alert string `json:"alert"`
}

// Queue is a seller's open orders in number order: paid orders waiting to
// be called, called orders not yet handed over, and skipped no-shows.
type Queue struct {
	Waiting []Order `json:"waiting"`
	Called  []Order `json:"called"`
	Skipped []Order `json:"skipped"`
}

type sessionFields struct {
	SessionID string `json:"session_id"`
}

type orderFields struct {
	SessionID string `json:"session_id"`
	OrderID   string `json:"order_id"`
}

type productFields struct {
	SessionID string `json:"session_id"`
	ProductID int64  `json:"product_id"`
}

type list[T any] struct {
	List []T `json:"list"`
}

// Login exchanges a wx.login code for a session. Under `callme serve --dev`
// code X logs in as openid "dev-X", and code "admin" is the admin.
func (c *Client) Login(ctx context.Context, code string) (Session, error) {
	var reply struct {
		SessionID string `json:"session_id"`
		IsSeller  string `json:"is_seller"`
		IsAdmin   string `json:"is_admin"`
	}
	err := c.Call(ctx, "/callme/wx_session/index", map[string]string{"code": code}, &reply)
	if err != nil {
		return Session{}, err
	}
	if reply.SessionID == "" {
		return Session{}, fmt.Errorf("client: login reply has no session_id")
	}
	return Session{
		ID:       reply.SessionID,
		IsSeller: reply.IsSeller == "true",
		IsAdmin:  reply.IsAdmin == "true",
	}, nil
}

// Apply requests a shop named shopName for the user of sessionID. An admin
// approves the request with Approve.
func (c *Client) Apply(ctx context.Context, sessionID, shopName, phone string) error {
	return c.Call(ctx, "/callme/signin/index", map[string]string{
		"session_id": sessionID,
		"shop_name":  shopName,
		"phone":      phone,
	}, nil)
}

// Applications lists the seller applications. Only an admin may list them.
func (c *Client) Applications(ctx context.Context, sessionID string) ([]Application, error) {
	var reply list[Application]
	err := c.Call(ctx, "/callme/signin/list", sessionFields{sessionID}, &reply)
	return reply.List, err
}

// Approve approves an application, which only an admin may do. The seller's
// next login reports IsSeller.
func (c *Client) Approve(ctx context.Context, sessionID string, sellerID int64) error {
	return c.Call(ctx, "/callme/signin/auth", map[string]any{
		"session_id": sessionID,
		"seller_id":  sellerID,
	}, nil)
}

// ModifyProduct creates or changes a product of the seller's shop and
// returns its id. A new product is off the shelf until PutOn.
func (c *Client) ModifyProduct(ctx context.Context, sessionID string, p ProductEdit) (
	int64, error,
) {
	fields := struct {
		SessionID string `json:"session_id"`
		ProductEdit
	}{sessionID, p}
	var reply struct {
		ProductID int64 `json:"product_id"`
	}
	err := c.Call(ctx, "/callme/product_man/modify", fields, &reply)
	return reply.ProductID, err
}

// AddProduct creates a product priced totalFee fen and returns its id.
func (c *Client) AddProduct(ctx context.Context, sessionID, name string,
	totalFee, inventory int64,
) (int64, error) {
	return c.ModifyProduct(ctx, sessionID, ProductEdit{
		ProductName: name,
		TotalFee:    totalFee,
		Inventory:   inventory,
	})
}

// PutOn puts a product of the seller's shop on sale.
func (c *Client) PutOn(ctx context.Context, sessionID string, productID int64) error {
	return c.Call(ctx, "/callme/product_man/putOn", productFields{sessionID, productID}, nil)
}

// PutOff takes a product of the seller's shop off sale.
func (c *Client) PutOff(ctx context.Context, sessionID string, productID int64) error {
	return c.Call(ctx, "/callme/product_man/putOff", productFields{sessionID, productID}, nil)
}

// Products lists the seller's catalog, on sale or not.
func (c *Client) Products(ctx context.Context, sessionID string) ([]Product, error) {
	var reply list[Product]
	err := c.Call(ctx, "/callme/product_man/list", sessionFields{sessionID}, &reply)
	return reply.List, err
}

// Shops lists the shops with their products on sale.
func (c *Client) Shops(ctx context.Context, sessionID string) ([]Shop, error) {
	var reply list[Shop]
	err := c.Call(ctx, "/callme/wx_session/shop", sessionFields{sessionID}, &reply)
	return reply.List, err
}

// Order places an unpaid order of lines, all from one shop, and returns the
// payment parameters. The order is paid when WeChat Pay's notice arrives,
// which Notify sends.
func (c *Client) Order(ctx context.Context, sessionID string, lines ...Line) (
	PayParams, error,
) {
	ids := make([]string, len(lines))
	quantities := make([]string, len(lines))
	for i, l := range lines {
		ids[i] = strconv.FormatInt(l.ProductID, 10)
		quantities[i] = strconv.FormatInt(l.Quantity, 10)
	}
	var reply PayParams
	err := c.Call(ctx, "/callme/wx_pay/unifiedorder", map[string]string{
		"session_id": sessionID,
		"product_id": strings.Join(ids, ","),
		"product_qu": strings.Join(quantities, ","),
	}, &reply)
	return reply, err
}

// Orders lists the user's orders, newest first.
func (c *Client) Orders(ctx context.Context, sessionID string) ([]Order, error) {
	var reply list[Order]
	err := c.Call(ctx, "/callme/wx_pay/list", sessionFields{sessionID}, &reply)
	return reply.List, err
}

// Queue returns the open orders of the seller's shop.
func (c *Client) Queue(ctx context.Context, sessionID string) (Queue, error) {
	var reply Queue
	err := c.Call(ctx, "/callme/queue/list", sessionFields{sessionID}, &reply)
	return reply, err
}

// CallOrder calls a paid order of the seller's shop: its customer's sockets
// get a call push. Calling it again repeats the push.
func (c *Client) CallOrder(ctx context.Context, sessionID, orderID string) error {
	return c.Call(ctx, "/callme/queue/call", orderFields{sessionID, orderID}, nil)
}

// Done marks an order of the seller's shop as handed over.
func (c *Client) Done(ctx context.Context, sessionID, orderID string) error {
	return c.Call(ctx, "/callme/queue/done", orderFields{sessionID, orderID}, nil)
}
