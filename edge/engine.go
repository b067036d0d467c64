// Package edge serves the mini-program's REST API over fasthttp and its
// WebSocket over gws. It decodes requests, calls the Engine and encodes the
// replies. Every business rule lives in package actors.
package edge

import (
	"callme/actors"
	"callme/actors/pb"
)

// Engine is the part of *actors.Engine the edge calls. The REST and WebSocket
// servers call it from many goroutines at once. Wrap an *actors.Engine with
// Adapt. Tests may implement it directly.
type Engine interface {
	Login(code string) (actors.LoginResult, error)
	Apply(sessionID, shopName, phone, diningHall string) error
	Applications(sessionID string) ([]*pb.Application, error)
	Approve(sessionID string, sellerID int64) error
	ModifyProduct(sessionID string, p actors.ProductEdit) (int64, error)
	SetShelf(sessionID string, productID int64, on bool) error
	Products(sessionID string) ([]*pb.Product, error)
	Shops(sessionID string) ([]*pb.ShopView, error)
	PlaceOrder(sessionID string, lines []actors.OrderLine) (*pb.PayParams, error)
	// PaymentNotice takes ownership of body and returns the XML reply for
	// WeChat Pay.
	PaymentNotice(body []byte) []byte
	Orders(sessionID string) ([]*pb.Order, error)
	Queue(sessionID string) (*pb.Queue, error)
	Call(sessionID, orderID string) error
	Done(sessionID, orderID string) error
	// Connect registers a newly opened WebSocket. It returns nil when the
	// engine cannot serve the socket, and the edge then closes it with 1011.
	Connect(s actors.Socket) Conn
	Media

	Control
}

// Conn receives the events of one WebSocket. The edge calls it from the
// socket's read goroutine only, so calls never overlap and arrive in order.
type Conn interface {
	// Frame delivers one text or binary message. The slice is a copy that
	// the Conn owns.
	Frame(data []byte)
	// Ping reports a ping or pong from the client, which counts as a heartbeat.
	Ping()
	// Closed reports that the socket is closed. It is the last call.
	Closed()
}

// Adapt wraps e so that it satisfies Engine.
func Adapt(e *actors.Engine) Engine { return adapted{e} }

// adapted turns the concrete *actors.Conn that Connect returns into Conn.
type adapted struct{ *actors.Engine }

func (a adapted) Connect(s actors.Socket) Conn {
	// A nil *actors.Conn must become a nil interface, not a Conn holding nil.
	if c := a.Engine.Connect(s); c != nil {
		return c
	}
	return nil
}

var (
	_ Engine = adapted{}
	_ Conn   = (*actors.Conn)(nil)
)
