package actors

import (
	"math/rand/v2"

	"github.com/asynkron/protoactor-go/actor"

	"callme/actors/pb"
)

// Sizes of the home page's lists.
const (
	maxHistory = 5
	maxRandom  = 6
)

// Content is the mini-program's home page of one user.
type Content struct {
	// AdPicIDs are the ad pictures set by an admin, at most MaxAds.
	AdPicIDs []string
	// History holds the user's newest distinct products bought, newest
	// first, at most maxHistory.
	History []ContentProduct
	// Random holds distinct on-shelf products of any shop, picked afresh for
	// each call, at most maxRandom.
	Random []ContentProduct
}

// ContentProduct is a product on the home page. PicID is empty when the
// product has no picture.
type ContentProduct struct {
	ProductID   int64
	ProductName string
	PicID       string
	ShopID      int64
	// OwnerPicID is the avatar of the shop's seller, empty when unset.
	OwnerPicID string
}

// Content returns the session user's home page: the ads, the products the
// user bought last and a random pick of products on sale.
func (e *Engine) Content(sessionID string) (Content, error) {
	id, err := e.openid(sessionID)
	if err != nil {
		return Content{}, err
	}
	ads, err := e.ads()
	if err != nil {
		return Content{}, err
	}
	res, err := e.request(e.userPID(id), &pb.ListProductsBought{Limit: maxHistory})
	if err != nil {
		return Content{}, err
	}
	bought := res.(*pb.ProductsBought).GetList()

	pick := &pb.RandomProducts{Count: maxRandom}
	for _, it := range bought {
		pick.LookupIds = append(pick.LookupIds, it.GetProductId())
	}
	res, err = e.request(e.catalog, pick)
	if err != nil {
		return Content{}, err
	}
	picks := res.(*pb.ProductPicks)

	res, err = e.request(e.catalog, &pb.ListShopViews{})
	if err != nil {
		return Content{}, err
	}
	avatars := make(map[int64]string)
	for _, s := range res.(*pb.ShopViews).GetList() {
		avatars[s.GetShopId()] = s.GetOwnerPicId()
	}

	c := Content{AdPicIDs: ads}
	c.History = historyOf(bought, picks.GetFound())
	for _, p := range picks.GetRandom() {
		cp := contentProduct(p)
		cp.OwnerPicID = avatars[cp.ShopID]
		c.Random = append(c.Random, cp)
	}
	return c, nil
}

// historyOf describes the products bought with their current names and
// pictures where the catalog has them.
//
// NOTE: the catalog holds only on-shelf products, so a product taken off
// the shelf shows in the history with the name it was bought under and
// without a picture.
func historyOf(bought []*pb.Item, found []*pb.Product) []ContentProduct {
	current := make(map[int64]*pb.Product, len(found))
	for _, p := range found {
		current[p.GetProductId()] = p
	}
	history := make([]ContentProduct, 0, len(bought))
	for _, it := range bought {
		if p := current[it.GetProductId()]; p != nil {
			history = append(history, contentProduct(p))
			continue
		}
		history = append(history, ContentProduct{
			ProductID:   it.GetProductId(),
			ProductName: it.GetProductName(),
			ShopID:      shopOfProduct(it.GetProductId()),
		})
	}
	return history
}

func contentProduct(p *pb.Product) ContentProduct {
	return ContentProduct{
		ProductID:   p.GetProductId(),
		ProductName: p.GetProductName(),
		PicID:       p.GetPicId(),
		ShopID:      shopOfProduct(p.GetProductId()),
	}
}

// productsBought replies to ListProductsBought from the newest
// maxListedOrders orders, first fetching from the order actors those not
// cached since this actor started.
func (u *user) productsBought(ctx actor.Context, m *pb.ListProductsBought) {
	ids := u.orderIDs
	if len(ids) > maxListedOrders {
		ids = ids[len(ids)-maxListedOrders:]
	}
	limit := int(m.GetLimit())
	sender := ctx.Sender()
	u.fetchOrders(ctx, ids, func() { ctx.Send(sender, u.bought(ids, limit)) })
}

// bought returns up to limit distinct products of the paid, called and
// done orders among ids, newest order first.
func (u *user) bought(ids []string, limit int) *pb.ProductsBought {
	out := &pb.ProductsBought{}
	seen := make(map[int64]bool)
	for i := len(ids) - 1; i >= 0 && len(out.List) < limit; i-- {
		o := u.cache[ids[i]]
		switch o.GetStatus() {
		case statusPaid, statusCalled, statusDone:
		default:
			continue
		}
		for _, it := range o.GetItems() {
			if seen[it.GetProductId()] || len(out.List) == limit {
				continue
			}
			seen[it.GetProductId()] = true
			out.List = append(out.List, &pb.Item{
				ProductId:   it.GetProductId(),
				ProductName: it.GetProductName(),
			})
		}
	}
	return out
}

// pickProducts replies to RandomProducts. It samples the on-shelf products of
// every shop with a reservoir of m.Count, so each product is equally likely
// and no product appears twice.
func (c *catalog) pickProducts(ctx actor.Context, m *pb.RandomProducts) {
	want := make(map[int64]bool, len(m.GetLookupIds()))
	for _, id := range m.GetLookupIds() {
		want[id] = true
	}
	count := int(m.GetCount())
	picks := &pb.ProductPicks{}
	seen := 0
	for _, s := range c.shops {
		for _, p := range s.GetProducts() {
			if want[p.GetProductId()] {
				picks.Found = append(picks.Found, p)
			}
			seen++
			switch {
			case len(picks.Random) < count:
				picks.Random = append(picks.Random, p)
			case count > 0:
				if j := rand.IntN(seen); j < count {
					picks.Random[j] = p
				}
			}
		}
	}
	// The reservoir keeps the first products in map order until replaced,
	// so a shuffle makes the order random too.
	rand.Shuffle(len(picks.Random), func(i, j int) {
		picks.Random[i], picks.Random[j] = picks.Random[j], picks.Random[i]
	})
	ctx.Respond(picks)
}
