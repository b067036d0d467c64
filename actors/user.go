package actors

import (
	"slices"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/persistence"
	"google.golang.org/protobuf/proto"

	"callme/actors/pb"
)

// maxListedOrders caps how many of a user's newest orders a list returns.
const maxListedOrders = 100

// user is one customer's actor, named after the openid. It places the
// user's orders and remembers their ids; order actors keep the details and
// report each change, which the user actor caches for lists. Like an order,
// it stops after Options.OrderIdle unused and recovers on the next message.
type user struct {
	persistence.Mixin
	engine   *Engine
	orderIDs []string
	cache    map[string]*pb.Order
	// waiting counts requests in flight; the actor stays until they finish.
	waiting int
	idle    idleTimer
}

func newUser(e *Engine) *user {
	return &user{engine: e, cache: make(map[string]*pb.Order)}
}

func (u *user) Receive(ctx actor.Context) {
	if _, tick := ctx.Message().(*pb.Tick); !tick {
		u.idle.touch()
	}
	switch m := ctx.Message().(type) {
	case *actor.Started:
		u.idle.start(ctx, u.engine.opts.OrderIdle)
	case *actor.Stopped:
		u.idle.stop()
	case *pb.Tick:
		if !u.idle.expired(ctx) {
			return
		}
		if u.waiting > 0 {
			u.idle.start(ctx, u.engine.opts.OrderIdle)
			return
		}
		ctx.Poison(ctx.Self())
	case *persistence.RequestSnapshot:
		u.PersistSnapshot(&pb.UserSnapshot{OrderIds: u.orderIDs})
	case *pb.UserSnapshot:
		u.orderIDs = append([]string(nil), m.GetOrderIds()...)
	case *pb.OrderAdded:
		u.orderIDs = append(u.orderIDs, m.GetOrderId())
	case *pb.UserPlaceOrder:
		u.place(ctx, m)
	case *pb.OrderChanged:
		u.remember(m.GetOrder())
	case *pb.ListOrders:
		u.list(ctx, m)
	case *pb.ListProductsBought:
		u.productsBought(ctx, m)
	}
}

func (u *user) remember(o *pb.Order) {
	if old := u.cache[o.GetOrderId()]; old != nil && old.GetVersion() > o.GetVersion() {
		return
	}
	u.cache[o.GetOrderId()] = o
}

// place reserves the items at the shop, records the order id, then has the
// order actor create the payment. Each step waits with ReenterAfter, so the
// user actor keeps serving lists meanwhile.
func (u *user) place(ctx actor.Context, m *pb.UserPlaceOrder) {
	sender := ctx.Sender()
	timeout := u.engine.opts.RequestTimeout
	reserve := &pb.ReserveOrder{Openid: m.GetOpenid(), Items: m.GetItems()}
	f := ctx.RequestFuture(u.engine.shopPID(m.GetShopId()), reserve, timeout)
	u.waiting++
	ctx.ReenterAfter(f, func(res any, err error) {
		u.waiting--
		if err != nil {
			ctx.Send(sender, failure(503, "the shop did not answer, try again"))
			return
		}
		r, ok := res.(*pb.Reservation)
		if !ok {
			ctx.Send(sender, res)
			return
		}
		o := r.GetOrder()
		create := ctx.RequestFuture(u.engine.orderPID(o.GetOrderId()), &pb.CreateOrder{Order: o},
			timeout)
		u.waiting++
		ctx.ReenterAfter(create, func(res any, err error) {
			u.waiting--
			if err != nil {
				res = failure(503, "the order did not answer, try again")
			}
			// Only a created order joins the list; one whose creation
			// failed was never offered for payment.
			if _, ok := res.(*pb.PayParams); ok {
				u.PersistReceive(&pb.OrderAdded{OrderId: o.GetOrderId()})
				u.orderIDs = append(u.orderIDs, o.GetOrderId())
			}
			ctx.Send(sender, res)
		})
	})
}

// list replies with the newest orders, fetching from the order actors those
// not cached since this actor started.
func (u *user) list(ctx actor.Context, m *pb.ListOrders) {
	ids := u.orderIDs
	if m.GetBefore() != "" {
		i := slices.Index(u.orderIDs, m.GetBefore())
		if i < 0 {
			ctx.Respond(failure(400, "invalid before %q: not an order of yours", m.GetBefore()))
			return
		}
		ids = u.orderIDs[:i]
	}
	limit := maxListedOrders
	if m.GetLimit() > 0 && int(m.GetLimit()) < limit {
		limit = int(m.GetLimit())
	}
	more := len(ids) > limit
	if more {
		ids = ids[len(ids)-limit:]
	}
	sender := ctx.Sender()
	u.fetchOrders(ctx, ids, func() { ctx.Send(sender, u.collect(ids, m.GetOpenOnly(), more)) })
}

// fetchOrders caches the orders of ids not cached since this actor
// started, asking their order actors, then calls done on the actor's
// goroutine. An order that does not reply in time is left out.
func (u *user) fetchOrders(ctx actor.Context, ids []string, done func()) {
	missing := 0
	for _, id := range ids {
		if u.cache[id] != nil {
			continue
		}
		missing++
		u.waiting++
		f := ctx.RequestFuture(u.engine.orderPID(id), &pb.GetOrder{}, u.engine.opts.RequestTimeout)
		ctx.ReenterAfter(f, func(res any, err error) {
			u.waiting--
			if o, ok := res.(*pb.Order); ok && err == nil {
				u.remember(o)
			}
			missing--
			if missing == 0 {
				done()
			}
		})
	}
	if missing == 0 {
		done()
	}
}

func (u *user) collect(ids []string, openOnly, more bool) *pb.OrderList {
	out := &pb.OrderList{More: more}
	for i := len(ids) - 1; i >= 0; i-- {
		o := u.cache[ids[i]]
		if o == nil {
			continue
		}
		if openOnly && !isOpen(o) {
			continue
		}
		out.List = append(out.List, proto.Clone(o).(*pb.Order))
	}
	return out
}

func isOpen(o *pb.Order) bool {
	switch o.GetStatus() {
	case statusUnpaid, statusPaid, statusCalled, statusSkipped:
		return true
	}
	return false
}
