package actors

import (
	"sort"

	"github.com/asynkron/protoactor-go/actor"

	"callme/actors/pb"
)

// catalog keeps the latest customer-facing view of every shop, so listing
// shops is one request instead of one per shop. Shops publish to it after
// each change; it is rebuilt from the shops after a restart.
type catalog struct {
	shops map[int64]*pb.ShopView
}

func newCatalog() *catalog {
	return &catalog{shops: make(map[int64]*pb.ShopView)}
}

func (c *catalog) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *pb.PublishShop:
		c.shops[m.GetShop().GetShopId()] = m.GetShop()
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
