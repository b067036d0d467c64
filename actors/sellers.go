package actors

import (
	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/persistence"
	"google.golang.org/protobuf/proto"

	"callme/actors/pb"
)

// Application statuses.
const (
	applicationPending  = "pending"
	applicationApproved = "approved"
)

// sellers is the seller registry: applications, approvals and which user
// owns which shop. A seller's shop id is the id of the approved application.
type sellers struct {
	persistence.Mixin
	engine   *Engine
	apps     []*pb.Application
	byOpenID map[string]*pb.Application
	lastID   int64
	// alerts lists orders paid after they closed, for an admin to refund.
	alerts []string
}

func newSellers(e *Engine) *sellers {
	return &sellers{engine: e, byOpenID: make(map[string]*pb.Application)}
}

func (s *sellers) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *persistence.RequestSnapshot:
		s.PersistSnapshot(&pb.SellersSnapshot{Applications: s.apps, LastId: s.lastID,
			Alerts: s.alerts})
	case *pb.SellersSnapshot:
		s.lastID = m.GetLastId()
		s.alerts = m.GetAlerts()
		for _, a := range m.GetApplications() {
			s.add(a)
		}
	case *pb.Applied:
		s.applyApplied(m)
	case *pb.Approved:
		s.applyApproved(m)
	case *pb.Apply:
		s.apply(ctx, m)
	case *pb.ListApplications:
		// The reply is read on another goroutine, so it carries a copy.
		ctx.Respond(proto.Clone(&pb.Applications{List: s.apps}))
	case *pb.Approve:
		s.approve(ctx, m)
	case *pb.ShopOf:
		a := s.byOpenID[m.GetOpenid()]
		if a == nil || a.GetStatus() != applicationApproved {
			ctx.Respond(&pb.ShopRef{})
			return
		}
		ctx.Respond(&pb.ShopRef{ShopId: a.GetSellerId(), ShopName: a.GetShopName()})
	case *pb.ListShops:
		ctx.Respond(&pb.ShopIDs{ShopIds: s.approvedIDs()})
	case *pb.AlertRaised:
		if s.Recovering() {
			s.alerts = append(s.alerts, m.GetOrderId())
			return
		}
		s.PersistReceive(m)
		s.alerts = append(s.alerts, m.GetOrderId())
	case *pb.ListAlerts:
		ctx.Respond(&pb.Alerts{OrderIds: append([]string(nil), s.alerts...)})
	}
}

func (s *sellers) add(a *pb.Application) {
	s.apps = append(s.apps, a)
	s.byOpenID[a.GetOpenid()] = a
}

func (s *sellers) applyApplied(m *pb.Applied) {
	a := m.GetApplication()
	s.lastID = max(s.lastID, a.GetSellerId())
	if old := s.byOpenID[a.GetOpenid()]; old != nil {
		// A pending application filed again replaces the old one.
		old.ShopName, old.Phone, old.AppliedAt = a.GetShopName(), a.GetPhone(), a.GetAppliedAt()
		old.DiningHall = a.GetDiningHall()
		return
	}
	s.add(a)
}

func (s *sellers) applyApproved(m *pb.Approved) {
	if a := s.find(m.GetSellerId()); a != nil {
		a.Status = applicationApproved
		a.ApprovedAt = m.GetAt()
	}
}

func (s *sellers) find(id int64) *pb.Application {
	if id < 1 || id > int64(len(s.apps)) {
		return nil
	}
	for _, a := range s.apps {
		if a.GetSellerId() == id {
			return a
		}
	}
	return nil
}

func (s *sellers) approvedIDs() []int64 {
	var ids []int64
	for _, a := range s.apps {
		if a.GetStatus() == applicationApproved {
			ids = append(ids, a.GetSellerId())
		}
	}
	return ids
}

func (s *sellers) apply(ctx actor.Context, m *pb.Apply) {
	if f := checkText("shop_name", m.GetShopName(), 30); f != nil {
		ctx.Respond(f)
		return
	}
	if m.GetDiningHall() != "" {
		if f := checkText("dining_hall", m.GetDiningHall(), 30); f != nil {
			ctx.Respond(f)
			return
		}
	}
	if !validPhone(m.GetPhone()) {
		ctx.Respond(failure(400, "invalid phone %q: 5 to 20 digits, optionally with + and -",
			m.GetPhone()))
		return
	}
	if old := s.byOpenID[m.GetOpenid()]; old != nil && old.GetStatus() == applicationApproved {
		ctx.Respond(failure(409, "already a seller: shop %q was approved", old.GetShopName()))
		return
	}

	sender := ctx.Sender()
	id := s.lastID + 1
	if old := s.byOpenID[m.GetOpenid()]; old != nil {
		id = old.GetSellerId()
	}
	ev := &pb.Applied{Application: &pb.Application{
		SellerId:   id,
		Openid:     m.GetOpenid(),
		ShopName:   m.GetShopName(),
		Phone:      m.GetPhone(),
		Status:     applicationPending,
		AppliedAt:  s.engine.unix(),
		DiningHall: m.GetDiningHall(),
	}}
	s.PersistReceive(ev)
	s.applyApplied(ev)
	ctx.Send(sender, &pb.Ok{})
}

// approve marks the application approved, then has the new shop initialise
// itself and reply to the admin. Approving again re-sends InitShop, so a crash
// between the two steps heals on retry.
func (s *sellers) approve(ctx actor.Context, m *pb.Approve) {
	a := s.find(m.GetSellerId())
	if a == nil {
		ctx.Respond(failure(404, "no seller application %d", m.GetSellerId()))
		return
	}
	sender := ctx.Sender()
	if a.GetStatus() != applicationApproved {
		ev := &pb.Approved{SellerId: a.GetSellerId(), At: s.engine.unix()}
		s.PersistReceive(ev)
		s.applyApproved(ev)
		s.engine.log.Info("seller approved", "seller_id", a.GetSellerId())
	}
	init := &pb.InitShop{ShopId: a.GetSellerId(), Owner: a.GetOpenid(), ShopName: a.GetShopName(),
		DiningHall: a.GetDiningHall()}
	ctx.RequestWithCustomSender(s.engine.shopPID(a.GetSellerId()), init, sender)
}

func validPhone(p string) bool {
	digits := 0
	for i, r := range p {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '-' || r == ' ':
		case r == '+' && i == 0:
		default:
			return false
		}
	}
	return digits >= 5 && digits <= 20
}
