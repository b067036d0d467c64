package wechat_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"callme/standin"
	"callme/wechat"
)

func devPayClient(baseURL string) *wechat.PayClient {
	return &wechat.PayClient{
		BaseURL:   baseURL,
		AppID:     standin.AppID,
		MchID:     standin.MchID,
		Key:       standin.PayKey,
		NotifyURL: "http://127.0.0.1/pay/notify",
	}
}

func orderRequest() wechat.UnifiedOrderRequest {
	return wechat.UnifiedOrderRequest{
		OutTradeNo: "shop1-20240101-0042",
		Body:       "食堂-牛肉面",
		OpenID:     "dev-alice",
		ClientIP:   "127.0.0.1",
		TotalFee:   1500,
	}
}

func TestUnifiedOrderOK(t *testing.T) {
	s := startStandin(t)
	c := devPayClient(s.URL)

	prepayID, err := c.UnifiedOrder(context.Background(), orderRequest())
	if err != nil {
		t.Fatalf("UnifiedOrder: %v", err)
	}
	if !strings.HasPrefix(prepayID, "wx-dev-prepay-") {
		t.Errorf("prepay_id = %q, want prefix wx-dev-prepay-", prepayID)
	}
	if n := s.UnifiedOrderRequests(); n != 1 {
		t.Errorf("stand-in saw %d unifiedorder requests, want 1", n)
	}
}

func TestUnifiedOrderBadKey(t *testing.T) {
	s := startStandin(t)
	c := devPayClient(s.URL)
	c.Key = "wrong-key"

	_, err := c.UnifiedOrder(context.Background(), orderRequest())
	var payErr *wechat.PayError
	if !errors.As(err, &payErr) {
		t.Fatalf("UnifiedOrder(wrong key) = %v, want *PayError", err)
	}
	if payErr.ReturnCode != "FAIL" || payErr.ReturnMsg != "签名错误" {
		t.Errorf("PayError = %+v, want return_code FAIL, return_msg 签名错误", payErr)
	}
	if strings.Contains(err.Error(), c.Key) {
		t.Errorf("error %q contains the key", err)
	}
}

func TestUnifiedOrderOrderPaid(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reply := map[string]string{
			"return_code":  "SUCCESS",
			"result_code":  "FAIL",
			"err_code":     "ORDERPAID",
			"err_code_des": "该订单已支付",
		}
		w.Write(wechat.SignNotice(reply, standin.PayKey))
	}))
	t.Cleanup(srv.Close)

	_, err := devPayClient(srv.URL).UnifiedOrder(context.Background(), orderRequest())
	if !errors.Is(err, wechat.ErrOrderPaid) {
		t.Errorf("UnifiedOrder(ORDERPAID reply) = %v, want ErrOrderPaid", err)
	}
}

func TestUnifiedOrderForgedReply(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reply := map[string]string{
			"return_code": "SUCCESS",
			"result_code": "SUCCESS",
			"prepay_id":   "wx-forged",
		}
		w.Write(wechat.SignNotice(reply, "another-key"))
	}))
	t.Cleanup(srv.Close)

	_, err := devPayClient(srv.URL).UnifiedOrder(context.Background(), orderRequest())
	if !errors.Is(err, wechat.ErrBadSignature) {
		t.Errorf("UnifiedOrder(reply signed with another key) = %v, want ErrBadSignature", err)
	}
}

func TestUnifiedOrderInvalidRequest(t *testing.T) {
	s := startStandin(t)
	c := devPayClient(s.URL)

	tests := []struct {
		field  string
		modify func(*wechat.UnifiedOrderRequest)
	}{
		{"OutTradeNo", func(r *wechat.UnifiedOrderRequest) { r.OutTradeNo = "" }},
		{"OutTradeNo", func(r *wechat.UnifiedOrderRequest) { r.OutTradeNo = "a/b" }},
		{"OutTradeNo", func(r *wechat.UnifiedOrderRequest) {
			r.OutTradeNo = strings.Repeat("a", 33)
		}},
		{"Body", func(r *wechat.UnifiedOrderRequest) { r.Body = "" }},
		{"OpenID", func(r *wechat.UnifiedOrderRequest) { r.OpenID = "" }},
		{"ClientIP", func(r *wechat.UnifiedOrderRequest) { r.ClientIP = "localhost" }},
		{"TotalFee", func(r *wechat.UnifiedOrderRequest) { r.TotalFee = 0 }},
	}
	for i, tt := range tests {
		t.Run(strconv.Itoa(i)+"_"+tt.field, func(t *testing.T) {
			r := orderRequest()
			tt.modify(&r)
			_, err := c.UnifiedOrder(context.Background(), r)
			var fieldErr *wechat.FieldError
			if !errors.As(err, &fieldErr) || fieldErr.Field != tt.field {
				t.Errorf("UnifiedOrder = %v, want *FieldError for %s", err, tt.field)
			}
		})
	}
	if n := s.UnifiedOrderRequests(); n != 0 {
		t.Errorf("invalid requests reached the stand-in %d times, want 0", n)
	}
}

func TestJSAPIParamsSignVerifies(t *testing.T) {
	c := devPayClient("http://127.0.0.1")
	now := time.Unix(1700000000, 0)
	p := c.JSAPIParams("wx-dev-prepay-1", now)

	if p.Package != "prepay_id=wx-dev-prepay-1" {
		t.Errorf("Package = %q", p.Package)
	}
	if p.TimeStamp != "1700000000" {
		t.Errorf("TimeStamp = %q, want 1700000000", p.TimeStamp)
	}
	if p.SignType != "MD5" || p.AppID != standin.AppID || p.NonceStr == "" {
		t.Errorf("JSAPIParams = %+v", p)
	}

	fields := map[string]string{
		"appId":     p.AppID,
		"nonceStr":  p.NonceStr,
		"package":   p.Package,
		"signType":  p.SignType,
		"timeStamp": p.TimeStamp,
		"sign":      p.PaySign,
	}
	if err := wechat.VerifySign(fields, standin.PayKey); err != nil {
		t.Errorf("PaySign does not verify: %v", err)
	}
}

func noticeFields() map[string]string {
	return wechat.NoticeFields(standin.AppID, standin.MchID,
		"shop1-20240101-0042", "4200000001202401010000000001", "dev-alice", 1500)
}

func TestVerifyNoticeAcceptsSignedNotice(t *testing.T) {
	c := devPayClient("http://127.0.0.1")
	fields, err := wechat.ParseXML(wechat.SignNotice(noticeFields(), standin.PayKey))
	if err != nil {
		t.Fatalf("ParseXML(SignNotice(...)): %v", err)
	}
	if err := c.VerifyNotice(fields); err != nil {
		t.Errorf("VerifyNotice: %v", err)
	}
	if fields["total_fee"] != "1500" || fields["cash_fee"] != "1500" {
		t.Errorf("total_fee, cash_fee = %q, %q, want 1500", fields["total_fee"], fields["cash_fee"])
	}
	if len(fields["time_end"]) != len("20060102150405") {
		t.Errorf("time_end = %q, want yyyyMMddHHmmss", fields["time_end"])
	}
}

func TestVerifyNoticeRejectsTamperedFee(t *testing.T) {
	c := devPayClient("http://127.0.0.1")
	body := string(wechat.SignNotice(noticeFields(), standin.PayKey))
	tampered := strings.Replace(body, "<total_fee><![CDATA[1500]]>", "<total_fee><![CDATA[1]]>", 1)
	if tampered == body {
		t.Fatal("test did not change total_fee")
	}
	fields, err := wechat.ParseXML([]byte(tampered))
	if err != nil {
		t.Fatalf("ParseXML: %v", err)
	}
	if err := c.VerifyNotice(fields); !errors.Is(err, wechat.ErrBadSignature) {
		t.Errorf("VerifyNotice(tampered total_fee) = %v, want ErrBadSignature", err)
	}
}

func TestVerifyNoticeRejectsOtherMerchant(t *testing.T) {
	c := devPayClient("http://127.0.0.1")
	fields := noticeFields()
	fields["mch_id"] = "another-mch"
	fields["sign"] = wechat.Sign(fields, standin.PayKey)
	if err := c.VerifyNotice(fields); !errors.Is(err, wechat.ErrWrongMerchant) {
		t.Errorf("VerifyNotice(other mch_id) = %v, want ErrWrongMerchant", err)
	}
}

func TestVerifyNoticeRejectsFailure(t *testing.T) {
	c := devPayClient("http://127.0.0.1")
	fields := map[string]string{"return_code": "FAIL", "return_msg": "系统繁忙"}
	if err := c.VerifyNotice(fields); !errors.Is(err, wechat.ErrNoticeFailed) {
		t.Errorf("VerifyNotice(return_code FAIL) = %v, want ErrNoticeFailed", err)
	}
}

func TestVerifyNoticeNeedsKey(t *testing.T) {
	c := devPayClient("http://127.0.0.1")
	c.Key = ""
	fields := noticeFields()
	fields["sign"] = wechat.Sign(fields, "")
	if err := c.VerifyNotice(fields); err == nil {
		t.Error("VerifyNotice with an empty Key accepted a notice signed with an empty key")
	}
}

func TestNoticeReply(t *testing.T) {
	ok := "<xml><return_code><![CDATA[SUCCESS]]></return_code>" +
		"<return_msg><![CDATA[OK]]></return_msg></xml>"
	if got := string(wechat.NoticeReply(true, "ignored")); got != ok {
		t.Errorf("NoticeReply(true) = %s, want %s", got, ok)
	}
	fail := "<xml><return_code><![CDATA[FAIL]]></return_code>" +
		"<return_msg><![CDATA[bad sign]]></return_msg></xml>"
	if got := string(wechat.NoticeReply(false, "bad sign")); got != fail {
		t.Errorf("NoticeReply(false) = %s, want %s", got, fail)
	}
}
