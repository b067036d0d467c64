package actors

import (
	"errors"
	"fmt"
	"time"

	"callme/actors/pb"
)

// Error is a request the engine rejected. Code is the HTTP status the REST
// edge replies with (400, 401, 403, 404, 409, 503); Msg is the errmsg text.
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Msg) }

// Errors callers branch on.
var (
	ErrInvalidSession = &Error{Code: 401, Msg: "invalid session"}
	ErrNotAdmin       = &Error{Code: 403, Msg: "admin only"}
	ErrNotSeller      = &Error{Code: 403, Msg: "seller only: apply with /callme/signin/index first"}
	ErrTimeout        = &Error{Code: 503, Msg: "the server is busy, try again"}
)

// AsError returns err as an *Error, or a 500 Error wrapping it.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: 500, Msg: err.Error()}
}

func badRequest(format string, args ...any) *Error {
	return &Error{Code: 400, Msg: fmt.Sprintf(format, args...)}
}

func failure(code int, format string, args ...any) *pb.Failure {
	return &pb.Failure{Code: int32(code), Msg: fmt.Sprintf(format, args...)}
}

// LoginResult is the reply to a successful login.
type LoginResult struct {
	SessionID string
	IsSeller  bool
	IsAdmin   bool
}

// ProductEdit is a seller's create-or-update of one product. ProductID 0
// creates a new product.
type ProductEdit struct {
	ProductID   int64
	ProductName string
	TotalFee    int64
	Inventory   int64
	Label       string
	// PicID names a stored picture. Empty keeps the product's picture.
	PicID string
}

// OrderLine is one product and quantity of a new order.
type OrderLine struct {
	ProductID int64
	Quantity  int64
}

// Socket is the engine's view of one WebSocket. The edge implements it; the
// connection actor calls it from its own goroutine only.
type Socket interface {
	// WriteText sends one text frame. Errors are ignored by the caller: a
	// broken socket reports its close through Conn.Closed.
	WriteText(data []byte) error
	// Close sends a close frame with code and reason, then closes the socket.
	Close(code uint16, reason string)
}

// Close codes the WebSocket protocol of callme uses.
const (
	CloseGoingAway      = 1001
	CloseInvalidSession = 4401
	CloseTimeout        = 4408
)

// DefaultHeartbeat is how long a socket may stay silent before it is closed
// with CloseTimeout.
const DefaultHeartbeat = 25 * time.Second
