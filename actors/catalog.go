package actors

import (
	"sort"

	"github.com/asynkron/protoactor-go/actor"

	"callme/actors/pb"
	"callme/metrics"
)

// catalog keeps the latest customer-facing view of every shop, so listing
// shops is one request instead of one per shop. Shops publish to it after
// each change; it is rebuilt from the shops after a restart.
type catalog struct {
	shops   map[int64]*pb.ShopView
	metrics *metrics.Metrics
}

func newCatalog(m *metrics.Metrics) *catalog {
	return &catalog{shops: make(map[int64]*pb.ShopView), metrics: m}
}

// countOpen sets callme_orders_open from the views of every shop.
func (c *catalog) countOpen() {
	total := make(map[string]int64)
	for _, s := range c.shops {
		for status, n := range s.GetOpenOrders() {
			total[status] += n
		}
	}
	c.metrics.SetOpenOrders(total)
}

func (c *catalog) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *pb.PublishShop:
		c.shops[m.GetShop().GetShopId()] = m.GetShop()
		c.countOpen()
	case *pb.RandomProducts:
		c.pickProducts(ctx, m)
	case *pb.ListShopViews:
		list := make([]*pb.ShopView, 0, len(c.shops))
		for _, s := range c.shops {
			list = append(list, s)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].GetShopId() < list[j].GetShopId() })
		ctx.Respond(&pb.ShopViews{List: list})
	}
}
