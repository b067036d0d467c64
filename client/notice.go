package client

import (
	"context"
	"fmt"

	"callme/wechat"
)

const noticePath = "/callme/wx_pay/notify"

// NoticeReply is the server's reply to a payment notice. ReturnCode is
// SUCCESS when the server accepted the notice, now or before, and FAIL with
// ReturnMsg giving the reason otherwise.
type NoticeReply struct {
	ReturnCode string
	ReturnMsg  string
}

// NoticeError is a payment notice that the server replied FAIL to.
type NoticeError struct {
	OrderID string
	Msg     string
}

func (e *NoticeError) Error() string {
	return fmt.Sprintf("payment notice for order %s rejected: %s", e.OrderID, e.Msg)
}

// Notify acts as WeChat Pay: it posts a notice that openid paid totalFee fen
// for orderID, signed with the Client's merchant key. It returns a
// *NoticeError when the server replies FAIL. The transaction id is derived
// from orderID, so a repeated Notify is the same notice sent again.
func (c *Client) Notify(ctx context.Context, orderID, openid string, totalFee int64) error {
	fields := wechat.NoticeFields(c.appID, c.mchID, orderID, "dev-"+orderID, openid, totalFee)
	reply, err := c.PostNotice(ctx, wechat.SignNotice(fields, c.payKey))
	if err != nil {
		return err
	}
	if reply.ReturnCode != "SUCCESS" {
		return &NoticeError{OrderID: orderID, Msg: reply.ReturnMsg}
	}
	return nil
}

// PostNotice posts body, the XML of a payment notice, as WeChat Pay does and
// returns the server's XML reply. Build body with wechat.SignNotice to send
// a notice that Notify would not, such as one signed with a wrong key.
func (c *Client) PostNotice(ctx context.Context, body []byte) (NoticeReply, error) {
	status, reply, err := c.post(ctx, noticePath, "text/xml", body)
	if err != nil {
		return NoticeReply{}, err
	}
	if status >= 400 {
		return NoticeReply{}, &APIError{Path: noticePath, Status: status, Msg: errmsgOf(reply)}
	}
	fields, err := wechat.ParseXML(reply)
	if err != nil {
		return NoticeReply{}, fmt.Errorf("client: decode reply of %s: %w", noticePath, err)
	}
	return NoticeReply{ReturnCode: fields["return_code"], ReturnMsg: fields["return_msg"]}, nil
}
