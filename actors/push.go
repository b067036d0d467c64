package actors

import (
	"encoding/json"

	"callme/actors/pb"
)

// The WebSocket pushes, as the mini-program parses them.

type orderPush struct {
	Push  string    `json:"push"`
	Order OrderView `json:"order"`
}

type callPush struct {
	Push     string `json:"push"`
	OrderID  string `json:"order_id"`
	Number   int64  `json:"number"`
	ShopName string `json:"shop_name"`
	// AudioURL speaks the call; empty when text-to-speech failed.
	AudioURL string `json:"audio_url,omitempty"`
}

type listPush struct {
	Push string      `json:"push"`
	List []OrderView `json:"list"`
}

type hiPush struct {
	Push string `json:"push"`
	Role string `json:"role"`
}

type errorPush struct {
	Push string `json:"push"`
	Msg  string `json:"msg"`
}

// Fixed pushes.
var (
	pushWhoAreYou = []byte(`{"push":"whoareyou"}`)
	pushPong      = []byte(`{"push":"pong"}`)
)

func encodePush(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only plain structs of strings and numbers are encoded here.
		panic(err)
	}
	return b
}

func pushOrder(kind string, o *pb.Order) []byte {
	return encodePush(orderPush{Push: kind, Order: ViewOrder(o)})
}

func pushCall(o *pb.Order, audioURL string) []byte {
	return encodePush(callPush{Push: "call", OrderID: o.GetOrderId(), Number: o.GetNumber(),
		ShopName: o.GetShopName(), AudioURL: audioURL})
}

func pushSkipped(o *pb.Order) []byte {
	return encodePush(callPush{Push: "skipped", OrderID: o.GetOrderId(), Number: o.GetNumber(),
		ShopName: o.GetShopName()})
}

func pushError(msg string) []byte {
	return encodePush(errorPush{Push: "error", Msg: msg})
}
