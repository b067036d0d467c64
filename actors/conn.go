package actors

import (
	"bytes"
	"encoding/json"
	"net/url"

	"github.com/asynkron/protoactor-go/actor"

	"callme/actors/pb"
)

// Conn is the edge's handle on one WebSocket's actor. Its methods may be
// called from the socket's read goroutine; they only send messages.
type Conn struct {
	root *actor.RootContext
	pid  *actor.PID
}

// Connect starts the actor of a new socket. It greets the client with
// whoareyou and expects the session id as the first frame.
func (e *Engine) Connect(s Socket) *Conn {
	pid := e.root.Spawn(e.instrument("conn", actor.PropsFromProducer(func() actor.Actor {
		return &conn{engine: e, socket: s}
	})))
	return &Conn{root: e.root, pid: pid}
}

// Frame passes one text frame from the client.
func (c *Conn) Frame(data []byte) { c.root.Send(c.pid, &pb.Frame{Data: data}) }

// Ping reports a ping or pong control frame; it counts as a heartbeat.
func (c *Conn) Ping() { c.root.Send(c.pid, &pb.Heartbeat{}) }

// Closed reports that the socket is gone; the actor stops.
func (c *Conn) Closed() { c.root.Send(c.pid, &pb.SocketClosed{}) }

// conn is the actor of one WebSocket. Any frame or ping from the client
// resets the heartbeat; silence for Options.Heartbeat closes with 4408.
type conn struct {
	engine    *Engine
	socket    Socket
	openid    string
	sessionID string
	role      string
	authing   bool
	closed    bool
	// heartbeat closes the socket after silence from the client; only
	// frames and pings touch it, never pushes.
	heartbeat idleTimer
}

type clientFrame struct {
	SessionID *string `json:"session_id"`
	Query     *string `json:"query"`
}

func (c *conn) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		c.write(pushWhoAreYou)
		c.heartbeat.start(ctx, c.engine.opts.Heartbeat)
	case *pb.Frame:
		c.heartbeat.touch()
		c.frame(ctx, m.GetData())
	case *pb.Heartbeat:
		c.heartbeat.touch()
	case *pb.Push:
		c.write(m.GetData())
		c.pushed(m)
	case *pb.Tick:
		if !c.heartbeat.expired(ctx) {
			return
		}
		reason := "heartbeat timeout"
		if c.openid == "" {
			reason = "no session_id received"
		}
		c.close(ctx, CloseTimeout, reason)
	case *pb.CloseSocket:
		c.close(ctx, uint16(m.GetCode()), m.GetReason())
	case *pb.SocketClosed:
		c.closed = true
		ctx.Stop(ctx.Self())
	case *actor.Stopped:
		c.heartbeat.stop()
		if c.openid != "" {
			ctx.Send(c.engine.hub, &pb.Unregister{Openid: c.openid, Conn: refOf(ctx.Self())})
		}
	}
}

func (c *conn) write(data []byte) {
	if !c.closed {
		_ = c.socket.WriteText(data)
	}
}

func (c *conn) close(ctx actor.Context, code uint16, reason string) {
	if !c.closed {
		c.closed = true
		c.socket.Close(code, reason)
	}
	ctx.Stop(ctx.Self())
}

func (c *conn) frame(ctx actor.Context, data []byte) {
	if c.openid == "" {
		if !c.authing {
			c.authenticate(ctx, data)
		}
		return
	}
	var f clientFrame
	if err := json.Unmarshal(data, &f); err != nil {
		c.write(pushError("wrong format"))
		return
	}
	switch {
	case f.Query != nil && *f.Query == "ping":
		c.write(pushPong)
	case f.SessionID != nil && f.Query == nil:
		c.write(encodePush(hiPush{Push: "hi", Role: c.role}))
	default:
		c.write(pushError("wrong query"))
	}
}

// sessionOf reads the first frame: JSON with session_id, also accepted
// percent-encoded as older clients send it.
func sessionOf(data []byte) string {
	data = bytes.TrimSpace(data)
	if bytes.HasPrefix(data, []byte("%")) {
		if s, err := url.QueryUnescape(string(data)); err == nil {
			data = []byte(s)
		}
	}
	var f clientFrame
	if json.Unmarshal(data, &f) != nil || f.SessionID == nil {
		return ""
	}
	return *f.SessionID
}

// authenticate resolves the session, sends hi and the open orders, and
// registers the socket for pushes. Frames that arrive meanwhile are ignored.
func (c *conn) authenticate(ctx actor.Context, data []byte) {
	id := sessionOf(data)
	if id == "" || len(id) > 128 {
		c.reject(ctx)
		return
	}
	c.authing = true
	timeout := c.engine.opts.RequestTimeout
	f := ctx.RequestFuture(c.engine.shardFor(id), &pb.ResolveSession{SessionId: id}, timeout)
	ctx.ReenterAfter(f, func(res any, err error) {
		info, ok := res.(*pb.SessionInfo)
		if err != nil || !ok {
			c.reject(ctx)
			return
		}
		openid := info.GetOpenid()
		shop := ctx.RequestFuture(c.engine.sellers, &pb.ShopOf{Openid: openid}, timeout)
		ctx.ReenterAfter(shop, func(res any, err error) {
			ref, _ := res.(*pb.ShopRef)
			c.sessionID = id
			c.welcome(ctx, openid, ref)
		})
	})
}

func (c *conn) reject(ctx actor.Context) {
	c.write(pushError("invalid session"))
	c.close(ctx, CloseInvalidSession, "invalid session")
}

func (c *conn) welcome(ctx actor.Context, openid string, ref *pb.ShopRef) {
	c.openid, c.authing, c.role = openid, false, "customer"
	var target *actor.PID
	var query any = &pb.ListOrders{OpenOnly: true}
	if ref.GetShopId() != 0 {
		c.role = "seller"
		target, query = c.engine.shopPID(ref.GetShopId()), &pb.GetQueue{Openid: openid}
	} else {
		target = c.engine.userPID(openid)
	}
	c.write(encodePush(hiPush{Push: "hi", Role: c.role}))
	ctx.Send(c.engine.hub, &pb.Register{Openid: openid, Conn: refOf(ctx.Self()),
		SessionId: c.sessionID})

	f := ctx.RequestFuture(target, query, c.engine.opts.RequestTimeout)
	ctx.ReenterAfter(f, func(res any, err error) {
		var list []*pb.Order
		switch r := res.(type) {
		case *pb.OrderList:
			list = r.GetList()
		case *pb.Queue:
			list = append(r.GetWaiting(), r.GetCalled()...)
		}
		c.write(encodePush(listPush{Push: "orders", List: ViewOrders(list)}))
	})
}
