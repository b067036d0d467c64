package wechat

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// PayClient calls WeChat Pay API v2 for JSAPI payments inside a mini-program
// and verifies payment notices. Its fields are set once before first use.
// After that it is safe for concurrent use.
type PayClient struct {
	// BaseURL is https://api.mch.weixin.qq.com in production.
	BaseURL string
	AppID   string
	MchID   string
	// Key is the API v2 key set in the merchant platform. It signs requests
	// and verifies replies and notices.
	Key string
	// NotifyURL receives the payment notices for orders this client creates.
	NotifyURL string
	// HTTP sends the requests. Nil means a client with a 10 second timeout.
	HTTP *http.Client
}

// UnifiedOrderRequest describes one JSAPI order.
type UnifiedOrderRequest struct {
	// OutTradeNo is the shop's order number: 1 to 32 characters from
	// A-Z, a-z, 0-9 and _-|*@. It must be unique per merchant.
	OutTradeNo string
	// Body is the product description shown to the payer, up to 128 bytes.
	Body string
	// OpenID is the payer's openid for AppID.
	OpenID string
	// ClientIP is the payer's IPv4 or IPv6 address.
	ClientIP string
	// TotalFee is the amount in fen (0.01 CNY), at least 1.
	TotalFee int64
}

// FieldError is an invalid UnifiedOrderRequest field. Field is the Go field
// name.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string {
	return "wechat: invalid " + e.Field + ": " + e.Reason
}

// PayError is a FAIL that WeChat Pay returned. When ReturnCode is FAIL the
// request was rejected as a whole and ReturnMsg gives the reason (for example
// "签名错误", a wrong Key). Otherwise ResultCode is FAIL and ErrCode names the
// business error, such as ORDERPAID or OUT_TRADE_NO_USED.
//
// errors.Is matches ErrCode ORDERPAID against ErrOrderPaid and ErrCode
// SYSTEMERROR against ErrUnavailable.
type PayError struct {
	ReturnCode string
	ReturnMsg  string
	ResultCode string
	ErrCode    string
	ErrCodeDes string
}

func (e *PayError) Error() string {
	if e.ReturnCode != "SUCCESS" {
		return fmt.Sprintf("wechat: unifiedorder: return_code %s: %s", e.ReturnCode, e.ReturnMsg)
	}
	return fmt.Sprintf("wechat: unifiedorder: err_code %s: %s", e.ErrCode, e.ErrCodeDes)
}

// Is reports whether ErrCode belongs to target's class.
func (e *PayError) Is(target error) bool {
	switch target {
	case ErrOrderPaid:
		return e.ErrCode == "ORDERPAID"
	case ErrUnavailable:
		return e.ErrCode == "SYSTEMERROR"
	}
	return false
}

// UnifiedOrder creates a JSAPI order and returns its prepay_id, which
// JSAPIParams turns into the arguments of wx.requestPayment.
//
// It returns a *FieldError without sending anything when r is invalid, a
// *PayError when WeChat Pay replies FAIL, an error wrapping ErrUnavailable
// when WeChat Pay cannot be reached, and one wrapping ErrBadSignature when the
// reply's sign does not match Key.
func (c *PayClient) UnifiedOrder(ctx context.Context, r UnifiedOrderRequest) (string, error) {
	if err := c.checkConfig(); err != nil {
		return "", err
	}
	if err := r.validate(); err != nil {
		return "", err
	}

	fields := map[string]string{
		"appid":            c.AppID,
		"mch_id":           c.MchID,
		"nonce_str":        nonce(),
		"body":             r.Body,
		"out_trade_no":     r.OutTradeNo,
		"total_fee":        strconv.FormatInt(r.TotalFee, 10),
		"spbill_create_ip": r.ClientIP,
		"notify_url":       c.NotifyURL,
		"trade_type":       "JSAPI",
		"openid":           r.OpenID,
	}
	fields["sign"] = Sign(fields, c.Key)
	reply, err := c.post(ctx, "/pay/unifiedorder", "unifiedorder", fields)
	if err != nil {
		return "", err
	}

	if reply["return_code"] != "SUCCESS" || reply["result_code"] != "SUCCESS" {
		return "", &PayError{
			ReturnCode: reply["return_code"],
			ReturnMsg:  reply["return_msg"],
			ResultCode: reply["result_code"],
			ErrCode:    reply["err_code"],
			ErrCodeDes: reply["err_code_des"],
		}
	}
	if err := VerifySign(reply, c.Key); err != nil {
		return "", fmt.Errorf("wechat: unifiedorder: verify reply: %w", err)
	}
	prepayID := reply["prepay_id"]
	if prepayID == "" {
		return "", fmt.Errorf("wechat: unifiedorder: reply has no prepay_id")
	}
	return prepayID, nil
}

func (c *PayClient) checkConfig() error {
	switch "" {
	case c.AppID:
		return fmt.Errorf("wechat: PayClient.AppID is empty")
	case c.MchID:
		return fmt.Errorf("wechat: PayClient.MchID is empty")
	case c.Key:
		return fmt.Errorf("wechat: PayClient.Key is empty")
	case c.NotifyURL:
		return fmt.Errorf("wechat: PayClient.NotifyURL is empty")
	}
	return nil
}

func (r UnifiedOrderRequest) validate() error {
	if n := len(r.OutTradeNo); n == 0 || n > 32 {
		return &FieldError{"OutTradeNo", fmt.Sprintf("length %d, want 1 to 32", n)}
	}
	for _, ch := range []byte(r.OutTradeNo) {
		if !isTradeNoChar(ch) {
			return &FieldError{"OutTradeNo", fmt.Sprintf("character %q is not allowed", ch)}
		}
	}
	if n := len(r.Body); n == 0 || n > 128 {
		return &FieldError{"Body", fmt.Sprintf("length %d bytes, want 1 to 128", n)}
	}
	if r.OpenID == "" {
		return &FieldError{"OpenID", "missing"}
	}
	if _, err := netip.ParseAddr(r.ClientIP); err != nil {
		return &FieldError{"ClientIP", fmt.Sprintf("%q is not an IP address", r.ClientIP)}
	}
	if r.TotalFee < 1 {
		return &FieldError{"TotalFee", fmt.Sprintf("%d fen, want at least 1", r.TotalFee)}
	}
	return nil
}

func isTradeNoChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return c == '_' || c == '-' || c == '|' || c == '*' || c == '@'
}

// post sends fields as XML to path and parses the XML reply.
func (c *PayClient) post(ctx context.Context, path, op string, fields map[string]string) (
	map[string]string, error,
) {
	target, err := endpoint(c.BaseURL, path, nil)
	if err != nil {
		return nil, err
	}
	body := bytes.NewReader(EncodeXML(fields))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, body)
	if err != nil {
		return nil, fmt.Errorf("wechat: %s: build request: %w", op, stripURL(err))
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	replyBody, err := send(httpClient(c.HTTP), req, op)
	if err != nil {
		return nil, err
	}
	reply, err := ParseXML(replyBody)
	if err != nil {
		return nil, fmt.Errorf("wechat: %s: parse reply: %w", op, err)
	}
	return reply, nil
}

// JSAPIParams holds the arguments of wx.requestPayment. The JSON names match
// the API, so the struct can be sent to the mini-program as is.
type JSAPIParams struct {
	AppID     string `json:"appId"`
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"`
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
}

// JSAPIParams builds and signs the wx.requestPayment arguments for prepayID.
// now sets timeStamp, in Unix seconds.
func (c *PayClient) JSAPIParams(prepayID string, now time.Time) JSAPIParams {
	p := JSAPIParams{
		AppID:     c.AppID,
		TimeStamp: strconv.FormatInt(now.Unix(), 10),
		NonceStr:  nonce(),
		Package:   "prepay_id=" + prepayID,
		SignType:  "MD5",
	}
	p.PaySign = Sign(map[string]string{
		"appId":     p.AppID,
		"nonceStr":  p.NonceStr,
		"package":   p.Package,
		"signType":  p.SignType,
		"timeStamp": p.TimeStamp,
	}, c.Key)
	return p
}
