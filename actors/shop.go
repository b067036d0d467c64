package actors

import (
	"slices"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/persistence"
	"google.golang.org/protobuf/proto"

	"callme/actors/pb"
)

// shop is one shop's actor: its catalog, its daily pickup counter and the
// orders between reservation and hand-over. It is the only writer of the
// numbers, so numbers never repeat within a shop-day.
type shop struct {
	persistence.Mixin
	engine *Engine
	state  *pb.ShopSnapshot
	// orders indexes state.Orders by order id.
	orders map[string]*pb.Order
	// pending holds AssignNumber requests not yet persisted; FlushNumbers
	// persists them as one event, so one fsync numbers a whole burst.
	pending   []pendingNumber
	flushSent bool
	// reserving contains reservations checked but not yet persisted, and
	// pendingQuantity the quantity of each product they take.
	// FlushReservations persists them as one event.
	reserving       []pendingReservation
	pendingQuantity map[int64]int64
	reserveFlush    bool
	// paying marks the payouts whose transfer is in flight, by request id.
	paying map[string]bool
	// sweep ticks to close orders unpaid for Options.UnpaidTTL.
	sweep ticker
	// pushed is the place in the queue last pushed to each waiting customer.
	pushed map[string]place
}

type pendingNumber struct {
	sender  *actor.PID
	orderID string
}

func newShop(e *Engine) *shop {
	return &shop{engine: e, state: &pb.ShopSnapshot{}, orders: make(map[string]*pb.Order),
		pushed: make(map[string]place)}
}

func (s *shop) Receive(ctx actor.Context) {
	// Only consecutive reservations share a batch. Any other message is
	// handled against the state with every earlier reservation applied.
	switch ctx.Message().(type) {
	case *pb.ReserveOrder, *pb.FlushReservations:
	default:
		if len(s.reserving) > 0 {
			// Persisting may take a snapshot, which protoactor delivers
			// through Receive. That leaves the context without the current
			// message, so the message is delivered again after the flush.
			env := &actor.MessageEnvelope{Header: ctx.MessageHeader().ToMap(),
				Message: ctx.Message(), Sender: ctx.Sender()}
			s.flushReservations(ctx)
			ctx.(envelopeReceiver).Receive(env)
			return
		}
	}
	s.receive(ctx)
	// A shop that was never approved has nothing to keep in memory; without
	// this, requests naming random shop ids would each leave an actor behind.
	if s.state.GetShopId() == 0 && !s.Recovering() && isRequest(ctx.Message()) {
		ctx.Poison(ctx.Self())
	}
}

func (s *shop) receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *persistence.RequestSnapshot:
		s.PersistSnapshot(s.state)
	case *pb.ShopSnapshot:
		s.state = proto.Clone(m).(*pb.ShopSnapshot)
		s.reindex()
	case *persistence.ReplayComplete:
		if s.state.GetShopId() != 0 {
			s.publish(ctx)
			s.startSweep(ctx)
		}
	case *pb.InitShop:
		s.init(ctx, m)
	case *pb.Wake:
		ctx.Respond(&pb.Ok{})
	case *pb.ModifyProduct:
		s.modifyProduct(ctx, m)
	case *pb.SetShelf:
		s.setShelf(ctx, m)
	case *pb.ListProducts:
		if s.rejectStranger(ctx, m.GetOpenid()) {
			return
		}
		// Replies are read on other goroutines, so they carry copies.
		ctx.Respond(proto.Clone(&pb.Products{List: s.state.GetProducts()}))
	case *pb.ReserveOrder:
		s.reserve(ctx, m)
	case *pb.FlushReservations:
		s.flushReservations(ctx)
	case *pb.AssignNumber:
		s.assignNumber(ctx, m)
	case *pb.FlushNumbers:
		s.flushNumbers(ctx)
	case *pb.QueueAction:
		s.queueAction(ctx, m)
	case *pb.GetQueue:
		if s.rejectStranger(ctx, m.GetOpenid()) {
			return
		}
		ctx.Respond(proto.Clone(s.withPositions(s.queue())))
	case *pb.ReleaseOrder:
		s.release(ctx, m)
	case *pb.CashOut:
		s.cashOut(ctx, m)
	case *pb.GetBalance:
		if s.rejectStranger(ctx, m.GetOpenid()) {
			return
		}
		ctx.Respond(proto.Clone(&pb.Balance{Balance: s.state.GetBalance(),
			Earned: s.state.GetEarned(), Payouts: s.state.GetPayouts()}))
	case *pb.SetPaused:
		s.setPaused(ctx, m)
	case *pb.SetVoice:
		s.setVoice(ctx, m)
	case *pb.SetOwnerPicture:
		s.setOwnerPicture(ctx, m)
	case *pb.PayoutResult:
		s.payoutDone(ctx, m)
	case *pb.Positions:
		ctx.Respond(s.positions(m.GetOrderIds()))
	case *pb.Tick:
		s.sweepUnpaid(ctx)
	case *actor.Stopped:
		s.sweep.stop()
	default:
		if ev, ok := m.(proto.Message); ok && s.Recovering() {
			s.applyEvent(ev)
		}
	}
}

// isRequest reports whether m is a request the shop replies to, as opposed to
// lifecycle and replay messages.
func isRequest(m any) bool {
	switch m.(type) {
	case *pb.ReserveOrder, *pb.AssignNumber, *pb.QueueAction, *pb.GetQueue, *pb.ListProducts,
		*pb.ModifyProduct, *pb.SetShelf, *pb.Wake, *pb.ReleaseOrder, *pb.CashOut,
		*pb.GetBalance, *pb.SetPaused, *pb.Positions, *pb.SetVoice, *pb.SetOwnerPicture:
		return true
	}
	return false
}

// applyEvent changes the state by one persisted event. It runs on replay and
// right after each PersistReceive.
func (s *shop) applyEvent(ev proto.Message) {
	st := s.state
	switch e := ev.(type) {
	case *pb.ShopInitialized:
		st.ShopId, st.Owner, st.ShopName = e.GetShopId(), e.GetOwner(), e.GetShopName()
		st.DiningHall = e.GetDiningHall()
	case *pb.ProductSaved:
		st.LastProduct = max(st.LastProduct, e.GetLastProduct())
		if p := s.product(e.GetProduct().GetProductId()); p != nil {
			proto.Reset(p)
			proto.Merge(p, e.GetProduct())
			return
		}
		st.Products = append(st.Products, proto.Clone(e.GetProduct()).(*pb.Product))
	case *pb.ShelfSet:
		if p := s.product(e.GetProductId()); p != nil {
			p.OnShelf = e.GetOn()
		}
	case *pb.Reserved:
		s.applyReserved(e)
	case *pb.ReservedBatch:
		for _, r := range e.GetReservations() {
			s.applyReserved(r)
		}
	case *pb.NumbersAssigned:
		s.applyNumbers(e)
	case *pb.QueueMoved:
		s.applyQueueMoved(e)
	case *pb.OrderReleased:
		s.applyReleased(e)
	case *pb.CashedOut:
		st.Balance -= e.GetPayout().GetAmount()
		// A copy, because the event also goes to the caller as the reply.
		st.Payouts = append(st.Payouts, proto.Clone(e.GetPayout()).(*pb.Payout))
	case *pb.ShopPaused:
		st.Paused = e.GetPaused()
	case *pb.VoiceSet:
		st.Voice = e.GetVoice()
	case *pb.OwnerPictureSet:
		st.OwnerPicId = e.GetPicId()
	case *pb.PayoutSettled:
		s.applyPayoutSettled(e)
	}
}

func (s *shop) reindex() {
	s.orders = make(map[string]*pb.Order, len(s.state.GetOrders()))
	for _, o := range s.state.GetOrders() {
		s.orders[o.GetOrderId()] = o
	}
}

func (s *shop) product(id int64) *pb.Product {
	for _, p := range s.state.GetProducts() {
		if p.GetProductId() == id {
			return p
		}
	}
	return nil
}

// persist stores ev, applies it, and returns once it is durable. The
// snapshot PersistReceive may take inside is the state before ev, because
// protoactor replays from the snapshot's event index inclusive.
func (s *shop) persist(ev proto.Message) {
	s.PersistReceive(ev)
	s.applyEvent(ev)
}

// rejectStranger replies 403 unless openid owns this shop.
func (s *shop) rejectStranger(ctx actor.Context, openid string) bool {
	if s.state.GetShopId() == 0 {
		ctx.Respond(failure(404, "shop not found"))
		return true
	}
	if openid != s.state.GetOwner() {
		ctx.Respond(failure(403, "not your shop"))
		return true
	}
	return false
}

func (s *shop) init(ctx actor.Context, m *pb.InitShop) {
	if s.state.GetShopId() == 0 {
		sender := ctx.Sender()
		s.persist(&pb.ShopInitialized{ShopId: m.GetShopId(), Owner: m.GetOwner(),
			ShopName: m.GetShopName(), DiningHall: m.GetDiningHall()})
		s.publish(ctx)
		s.startSweep(ctx)
		ctx.Send(sender, &pb.Ok{})
		return
	}
	ctx.Respond(&pb.Ok{})
}

func (s *shop) modifyProduct(ctx actor.Context, m *pb.ModifyProduct) {
	if s.rejectStranger(ctx, m.GetOpenid()) {
		return
	}
	in := m.GetProduct()
	if f := checkProduct(in); f != nil {
		ctx.Respond(f)
		return
	}
	saved := proto.Clone(in).(*pb.Product)
	last := s.state.GetLastProduct()
	if in.GetProductId() == 0 {
		if last+1 >= productsPerShop {
			ctx.Respond(failure(409, "a shop holds at most %d products", productsPerShop-1))
			return
		}
		last++
		saved.ProductId = s.state.GetShopId()*productsPerShop + last
	} else {
		old := s.product(in.GetProductId())
		if old == nil {
			ctx.Respond(failure(404, "no product %d in your shop", in.GetProductId()))
			return
		}
		saved.OnShelf = old.GetOnShelf()
		if saved.GetPicId() == "" {
			saved.PicId = old.GetPicId()
		}
	}

	sender := ctx.Sender()
	ev := &pb.ProductSaved{Product: saved, LastProduct: last}
	s.persist(ev)
	s.publish(ctx)
	ctx.Send(sender, ev)
}

func checkProduct(p *pb.Product) *pb.Failure {
	if f := checkText("product_name", p.GetProductName(), 40); f != nil {
		return f
	}
	if p.GetLabel() != "" {
		if f := checkText("label", p.GetLabel(), 40); f != nil {
			return f
		}
	}
	if p.GetTotalFee() < 1 || p.GetTotalFee() > 10_000_000 {
		return failure(400, "invalid total_fee %d: a price in fen from 1 to 10000000",
			p.GetTotalFee())
	}
	if p.GetInventory() < 0 || p.GetInventory() > 1_000_000 {
		return failure(400, "invalid inventory %d: from 0 to 1000000", p.GetInventory())
	}
	return nil
}

func (s *shop) setShelf(ctx actor.Context, m *pb.SetShelf) {
	if s.rejectStranger(ctx, m.GetOpenid()) {
		return
	}
	p := s.product(m.GetProductId())
	if p == nil {
		ctx.Respond(failure(404, "no product %d in your shop", m.GetProductId()))
		return
	}
	if p.GetOnShelf() != m.GetOn() {
		sender := ctx.Sender()
		s.persist(&pb.ShelfSet{ProductId: m.GetProductId(), On: m.GetOn()})
		s.publish(ctx)
		ctx.Send(sender, &pb.Ok{})
		return
	}
	ctx.Respond(&pb.Ok{})
}

// publish sends the customer-facing view of the shop to the catalog.
func (s *shop) publish(ctx actor.Context) {
	view := &pb.ShopView{
		ShopId:     s.state.GetShopId(),
		ShopName:   s.state.GetShopName(),
		Waiting:    int64(len(s.queue().GetWaiting())),
		DiningHall: s.state.GetDiningHall(),
		Paused:     s.state.GetPaused(),
		OpenOrders: make(map[string]int64),
		OwnerPicId: s.state.GetOwnerPicId(),
	}
	for _, o := range s.state.GetOrders() {
		view.OpenOrders[o.GetStatus()]++
	}
	for _, p := range s.state.GetProducts() {
		if p.GetOnShelf() {
			view.Products = append(view.Products, proto.Clone(p).(*pb.Product))
		}
	}
	ctx.Send(s.engine.catalog, &pb.PublishShop{Shop: view})
}

func (s *shop) queue() *pb.Queue {
	q := &pb.Queue{}
	for _, o := range s.state.GetOrders() {
		switch o.GetStatus() {
		case statusPaid:
			q.Waiting = append(q.Waiting, o)
		case statusCalled:
			q.Called = append(q.Called, o)
		case statusSkipped:
			q.Skipped = append(q.Skipped, o)
		}
	}
	byNumber := func(a, b *pb.Order) bool {
		if a.GetDay() != b.GetDay() {
			return a.GetDay() < b.GetDay()
		}
		return a.GetNumber() < b.GetNumber()
	}
	sortOrders(q.Waiting, byNumber)
	sortOrders(q.Called, byNumber)
	sortOrders(q.Skipped, byNumber)
	return q
}

// reserve checks the lines against the catalog, takes them out of
// inventory and replies with the new unpaid order.
func (s *shop) reserve(ctx actor.Context, m *pb.ReserveOrder) {
	if s.state.GetShopId() == 0 {
		ctx.Respond(failure(404, "no product %d", m.GetItems()[0].GetProductId()))
		return
	}
	if s.state.GetPaused() {
		ctx.Respond(failure(409, "shop closed: %s is not taking orders now", s.state.GetShopName()))
		return
	}
	items, total, f := s.price(m.GetItems())
	if f != nil {
		ctx.Respond(f)
		return
	}

	seq := s.state.GetLastSeq() + int64(len(s.reserving)) + 1
	ev := &pb.Reserved{
		OrderId:  newOrderID(s.state.GetShopId(), seq),
		Openid:   m.GetOpenid(),
		Items:    items,
		TotalFee: total,
		At:       s.engine.unix(),
		LastSeq:  seq,
	}
	s.reserving = append(s.reserving, pendingReservation{sender: ctx.Sender(), ev: ev})
	if s.pendingQuantity == nil {
		s.pendingQuantity = make(map[int64]int64)
	}
	for _, it := range items {
		s.pendingQuantity[it.GetProductId()] += it.GetQuantity()
	}
	if !s.reserveFlush {
		s.reserveFlush = true
		ctx.Send(ctx.Self(), &pb.FlushReservations{})
	}
}

// envelopeReceiver is the part of protoactor's actor context that delivers
// an envelope to the actor, as the persistence mixin does for snapshots.
type envelopeReceiver interface {
	Receive(envelope *actor.MessageEnvelope)
}

type pendingReservation struct {
	sender *actor.PID
	ev     *pb.Reserved
}

// flushReservations persists the queued reservations as one event, so one
// fsync covers a burst of orders, then replies to each with its new order.
func (s *shop) flushReservations(ctx actor.Context) {
	s.reserveFlush = false
	pending := s.reserving
	// Cleared before persisting: the snapshot PersistReceive may take runs
	// through Receive, which would otherwise flush again.
	s.reserving, s.pendingQuantity = nil, nil
	if len(pending) == 0 {
		return
	}
	batch := &pb.ReservedBatch{}
	for _, p := range pending {
		batch.Reservations = append(batch.Reservations, p.ev)
	}
	s.persist(batch)
	s.publish(ctx)
	for _, p := range pending {
		order := proto.Clone(s.orders[p.ev.GetOrderId()]).(*pb.Order)
		ctx.Send(p.sender, &pb.Reservation{Order: order})
	}
}

// price merges repeated products, checks shelf and stock, and returns the
// priced items and their total in fen.
func (s *shop) price(lines []*pb.Item) ([]*pb.Item, int64, *pb.Failure) {
	merged := make(map[int64]*pb.Item)
	var items []*pb.Item
	for _, l := range lines {
		if it := merged[l.GetProductId()]; it != nil {
			it.Quantity += l.GetQuantity()
			continue
		}
		p := s.product(l.GetProductId())
		if p == nil {
			return nil, 0, failure(404, "no product %d", l.GetProductId())
		}
		if !p.GetOnShelf() {
			return nil, 0, failure(409, "product %d (%s) is not on sale", p.GetProductId(),
				p.GetProductName())
		}
		it := &pb.Item{ProductId: p.GetProductId(), ProductName: p.GetProductName(),
			Quantity: l.GetQuantity(), UnitFee: p.GetTotalFee()}
		merged[p.GetProductId()] = it
		items = append(items, it)
	}
	var total int64
	for _, it := range items {
		p := s.product(it.GetProductId())
		left := p.GetInventory() - s.pendingQuantity[p.GetProductId()]
		if it.GetQuantity() > left {
			return nil, 0, failure(409, "not enough %s (product %d): %d left",
				p.GetProductName(), p.GetProductId(), left)
		}
		total += it.GetQuantity() * it.GetUnitFee()
	}
	return items, total, nil
}

func (s *shop) applyReserved(e *pb.Reserved) {
	st := s.state
	st.LastSeq = max(st.LastSeq, e.GetLastSeq())
	for _, it := range e.GetItems() {
		if p := s.product(it.GetProductId()); p != nil {
			p.Inventory -= it.GetQuantity()
		}
	}
	o := &pb.Order{
		OrderId:   e.GetOrderId(),
		Openid:    e.GetOpenid(),
		ShopId:    st.GetShopId(),
		ShopName:  st.GetShopName(),
		ShopOwner: st.GetOwner(),
		Items:     e.GetItems(),
		TotalFee:  e.GetTotalFee(),
		Status:    statusUnpaid,
		CreatedAt: e.GetAt(),
	}
	st.Orders = append(st.Orders, o)
	s.orders[o.GetOrderId()] = o
}

// assignNumber replies at once for an order already numbered, and queues
// the rest for the next FlushNumbers.
func (s *shop) assignNumber(ctx actor.Context, m *pb.AssignNumber) {
	o := s.orders[m.GetOrderId()]
	if o == nil {
		ctx.Respond(failure(404, "no open order %s in this shop", m.GetOrderId()))
		return
	}
	if o.GetNumber() != 0 {
		ctx.Respond(s.numbered(o, s.places()))
		return
	}
	s.pending = append(s.pending, pendingNumber{sender: ctx.Sender(), orderID: o.GetOrderId()})
	if !s.flushSent {
		s.flushSent = true
		ctx.Send(ctx.Self(), &pb.FlushNumbers{})
	}
}

// numbered returns the reply to AssignNumber for a numbered order, with
// its place from places.
func (s *shop) numbered(o *pb.Order, places map[string]place) *pb.Numbered {
	p := places[o.GetOrderId()]
	s.pushed[o.GetOrderId()] = p
	return &pb.Numbered{OrderId: o.GetOrderId(), Number: o.GetNumber(), Day: o.GetDay(),
		ShopOwner: s.state.GetOwner(), At: o.GetPaidAt(), Ahead: p.ahead, EtaS: p.eta}
}

func (s *shop) flushNumbers(ctx actor.Context) {
	s.flushSent = false
	pending := s.pending
	s.pending = nil

	now := s.engine.opts.Now()
	ev := &pb.NumbersAssigned{Day: s.engine.today(now)}
	last := s.state.GetLastNumber()
	if s.state.GetDay() != ev.GetDay() {
		last = 0
	}
	seen := make(map[string]bool)
	for _, p := range pending {
		if seen[p.orderID] || s.orders[p.orderID].GetNumber() != 0 {
			continue
		}
		seen[p.orderID] = true
		last++
		ev.Entries = append(ev.Entries, &pb.NumberEntry{OrderId: p.orderID, Number: last,
			At: now.Unix()})
	}
	if len(ev.GetEntries()) > 0 {
		s.persist(ev)
		s.publish(ctx)
	}
	places := s.places()
	for _, p := range pending {
		ctx.Send(p.sender, s.numbered(s.orders[p.orderID], places))
	}
}

func (s *shop) applyNumbers(e *pb.NumbersAssigned) {
	if s.state.GetDay() != e.GetDay() {
		s.state.Day, s.state.LastNumber = e.GetDay(), 0
	}
	for _, n := range e.GetEntries() {
		s.state.LastNumber = max(s.state.LastNumber, n.GetNumber())
		if o := s.orders[n.GetOrderId()]; o != nil {
			o.Number, o.Day, o.PaidAt, o.Status = n.GetNumber(), e.GetDay(), n.GetAt(), statusPaid
			s.state.Balance += o.GetTotalFee()
			s.state.Earned += o.GetTotalFee()
		}
	}
}

// queueAction calls or finishes an order, then has the order actor record
// it and reply to the seller. Repeating an action re-sends it to the order,
// so a crash between the two steps heals when the seller retries.
func (s *shop) queueAction(ctx actor.Context, m *pb.QueueAction) {
	if s.rejectStranger(ctx, m.GetOpenid()) {
		return
	}
	if m.GetOrderId() == "" && m.GetAction() == actionCall {
		waiting := s.queue().GetWaiting()
		if len(waiting) == 0 {
			ctx.Respond(failure(404, "no order waiting to be called"))
			return
		}
		m = &pb.QueueAction{Openid: m.GetOpenid(), OrderId: waiting[0].GetOrderId(),
			Action: actionCall}
	}
	if shopOfOrder(m.GetOrderId()) != s.state.GetShopId() {
		ctx.Respond(failure(403, "order %s belongs to another shop", m.GetOrderId()))
		return
	}
	o := s.orders[m.GetOrderId()]
	if o == nil {
		if slices.Contains(s.state.GetFinished(), m.GetOrderId()) {
			ctx.Respond(failure(409, "order %s is done: it was handed over", m.GetOrderId()))
			return
		}
		ctx.Respond(failure(404, "no open order %s in your shop", m.GetOrderId()))
		return
	}
	if f := checkMove(o, m.GetAction()); f != nil {
		ctx.Respond(f)
		return
	}

	sender := ctx.Sender()
	at := s.engine.unix()
	if !(m.GetAction() == actionCall && o.GetStatus() == statusCalled) {
		s.persist(&pb.QueueMoved{OrderId: o.GetOrderId(), Action: m.GetAction(), At: at})
		s.publish(ctx)
		s.pushPlaces(ctx)
	}
	mark := &pb.MarkOrder{Action: m.GetAction(), At: at, Voice: s.state.GetVoice()}
	ctx.RequestWithCustomSender(s.engine.orderPID(o.GetOrderId()), mark, sender)
}

// removeOrder drops a finished order from the shop; the order actor keeps
// its history.
func (s *shop) removeOrder(id string) {
	delete(s.orders, id)
	remaining := s.state.Orders[:0]
	for _, o := range s.state.GetOrders() {
		if o.GetOrderId() != id {
			remaining = append(remaining, o)
		}
	}
	s.state.Orders = remaining
}
