package wechat

import (
	"fmt"
	"maps"
	"strconv"
	"time"
)

// chinaTime is UTC+8, the zone of WeChat Pay timestamps such as time_end.
var chinaTime = time.FixedZone("CST", 8*60*60)

// VerifyNotice checks a payment notice that WeChat Pay posted to NotifyURL,
// parsed with ParseXML. It checks, in order, that return_code is SUCCESS
// (else ErrNoticeFailed), that the sign matches Key (else ErrBadSignature) and
// that appid and mch_id match the client (else ErrWrongMerchant).
//
// A nil error means WeChat Pay sent the notice. It does not mean the payment
// succeeded: the caller must still check that result_code is SUCCESS and that
// total_fee equals the order's amount, and must expect repeated notices for
// the same out_trade_no.
func (c *PayClient) VerifyNotice(fields map[string]string) error {
	if c.Key == "" {
		return fmt.Errorf("wechat: PayClient.Key is empty")
	}
	if code := fields["return_code"]; code != "SUCCESS" {
		return fmt.Errorf("%w: return_code %q: %s", ErrNoticeFailed, code, fields["return_msg"])
	}
	if err := VerifySign(fields, c.Key); err != nil {
		return fmt.Errorf("wechat: verify notice: %w", err)
	}
	if fields["appid"] != c.AppID || fields["mch_id"] != c.MchID {
		return fmt.Errorf("%w: appid %q, mch_id %q",
			ErrWrongMerchant, fields["appid"], fields["mch_id"])
	}
	return nil
}

// NoticeReply returns the XML body that acknowledges a payment notice. With ok
// it is return_code SUCCESS and return_msg OK, which stops WeChat Pay from
// sending the notice again. Otherwise it is return_code FAIL with msg.
func NoticeReply(ok bool, msg string) []byte {
	if ok {
		return EncodeXML(map[string]string{"return_code": "SUCCESS", "return_msg": "OK"})
	}
	return EncodeXML(map[string]string{"return_code": "FAIL", "return_msg": msg})
}

// SignNotice returns the XML body of a payment notice carrying fields and a
// sign computed with key. It does not modify fields. Tests, the demo and the
// stand-ins use it to act as WeChat Pay.
func SignNotice(fields map[string]string, key string) []byte {
	signed := maps.Clone(fields)
	signed["sign"] = Sign(fields, key)
	return EncodeXML(signed)
}

// NoticeFields returns the unsigned fields of a successful JSAPI payment
// notice for order orderID, paid by openid with a bank card, with time_end set
// to the current time in UTC+8. Pass the result to SignNotice.
func NoticeFields(
	appID, mchID, orderID, transactionID, openid string,
	totalFee int64,
) map[string]string {
	fee := strconv.FormatInt(totalFee, 10)
	return map[string]string{
		"return_code":    "SUCCESS",
		"result_code":    "SUCCESS",
		"appid":          appID,
		"mch_id":         mchID,
		"nonce_str":      nonce(),
		"openid":         openid,
		"trade_type":     "JSAPI",
		"bank_type":      "CMB_DEBIT",
		"total_fee":      fee,
		"cash_fee":       fee,
		"transaction_id": transactionID,
		"out_trade_no":   orderID,
		"time_end":       time.Now().In(chinaTime).Format("20060102150405"),
		"fee_type":       "CNY",
		"is_subscribe":   "N",
	}
}
