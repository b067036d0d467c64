package wechat

import (
	"context"
	"fmt"
	"strconv"
)

// TransferRequest is one payment from the merchant to a user's WeChat
// balance (企业付款到零钱). TradeNo identifies it at WeChat Pay: sending the
// same TradeNo again never pays twice, so a transfer whose outcome is
// unknown is retried with the same TradeNo.
type TransferRequest struct {
	TradeNo  string
	OpenID   string
	Amount   int64 // fen
	Desc     string
	ClientIP string
}

// TransferResult is WeChat Pay's record of a completed transfer.
type TransferResult struct {
	PaymentNo   string
	PaymentTime string
}

// Transfer pays r.Amount fen to r.OpenID: POST
// {BaseURL}/mmpaymkttransfers/promotion/transfers. In production WeChat Pay
// requires the merchant's client certificate, which c.HTTP must carry. An
// error matching ErrUnavailable leaves the outcome unknown: retry with the
// same TradeNo. Any other *PayError is a refusal, and nothing was paid.
func (c *PayClient) Transfer(ctx context.Context, r TransferRequest) (TransferResult, error) {
	if err := c.checkConfig(); err != nil {
		return TransferResult{}, err
	}
	if r.TradeNo == "" || len(r.TradeNo) > 32 || r.OpenID == "" || r.Amount < 1 {
		return TransferResult{}, fmt.Errorf("wechat: transfer: invalid request: trade no %q, "+
			"openid set %v, amount %d", r.TradeNo, r.OpenID != "", r.Amount)
	}
	fields := map[string]string{
		"mch_appid":        c.AppID,
		"mchid":            c.MchID,
		"nonce_str":        nonce(),
		"partner_trade_no": r.TradeNo,
		"openid":           r.OpenID,
		"check_name":       "NO_CHECK",
		"amount":           strconv.FormatInt(r.Amount, 10),
		"desc":             r.Desc,
		"spbill_create_ip": r.ClientIP,
	}
	fields["sign"] = Sign(fields, c.Key)
	reply, err := c.post(ctx, "/mmpaymkttransfers/promotion/transfers", "transfer", fields)
	if err != nil {
		return TransferResult{}, err
	}
	if reply["return_code"] != "SUCCESS" || reply["result_code"] != "SUCCESS" {
		return TransferResult{}, &PayError{
			ReturnCode: reply["return_code"],
			ReturnMsg:  reply["return_msg"],
			ResultCode: reply["result_code"],
			ErrCode:    reply["err_code"],
			ErrCodeDes: reply["err_code_des"],
		}
	}
	return TransferResult{PaymentNo: reply["payment_no"], PaymentTime: reply["payment_time"]},
		nil
}
