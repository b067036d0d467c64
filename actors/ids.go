package actors

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"callme/actors/pb"
)

// Product ids carry their shop: shop_id*productsPerShop + n, with n from 1.
// So an order is routed to its shop without a global product directory.
const productsPerShop = 10000

// Limits on one order.
const (
	maxOrderLines = 20
	maxQuantity   = 99
)

// Queue actions a seller takes on an order.
const (
	actionCall = "call"
	actionDone = "done"
)

// Order statuses as clients see them.
const (
	statusUnpaid  = "unpaid"
	statusPaid    = "paid"
	statusCalled  = "called"
	statusDone    = "done"
	statusClosed  = "closed"
	statusSkipped = "skipped"
	// statusAlert marks an order paid after it closed; an admin refunds it.
	statusAlert = "alert"
)

func shopOfProduct(productID int64) int64 {
	return productID / productsPerShop
}

// newOrderID returns "SHOP-SEQ-RANDOM". The random part keeps ids unique at
// WeChat Pay (out_trade_no must never repeat for a merchant) even when a
// data directory is wiped and sequence numbers start again.
func newOrderID(shopID, seq int64) string {
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Errorf("read random order id: %w", err))
	}
	return fmt.Sprintf("%d-%d-%s", shopID, seq, hex.EncodeToString(b[:]))
}

// shopOfOrder returns the shop id in an order id, or 0 if it is malformed.
func shopOfOrder(orderID string) int64 {
	parts := strings.Split(orderID, "-")
	if len(parts) != 3 || len(parts[2]) != 6 {
		return 0
	}
	if _, err := hex.DecodeString(parts[2]); err != nil {
		return 0
	}
	if _, err := strconv.ParseUint(parts[1], 10, 40); err != nil {
		return 0
	}
	shop, err := strconv.ParseInt(parts[0], 10, 32)
	if err != nil || shop <= 0 {
		return 0
	}
	return shop
}

func validOrderID(orderID string) bool {
	return len(orderID) <= 32 && shopOfOrder(orderID) != 0
}

func cloneOrder(o *pb.Order) *pb.Order {
	return proto.Clone(o).(*pb.Order)
}
