package standin

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"

	"callme/wechat"
)

// order is a prepay order created by the unifiedorder stand-in.
type order struct {
	prepayID string
	totalFee string
	openid   string
}

// requiredOrderFields are the unifiedorder fields that a JSAPI order must have,
// besides appid, mch_id and sign, which are checked first.
var requiredOrderFields = []string{
	"nonce_str", "body", "out_trade_no", "total_fee", "spbill_create_ip",
	"notify_url", "trade_type", "openid",
}

// handleUnifiedOrder imitates /pay/unifiedorder. Like WeChat Pay, it
// returns the same prepay_id when an out_trade_no is repeated with the same
// total_fee and openid, and OUT_TRADE_NO_USED when they differ.
func (s *Servers) handleUnifiedOrder(w http.ResponseWriter, r *http.Request) {
	s.orders.Add(1)
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		writeReturnFail(w, "read body: "+err.Error())
		return
	}
	fields, err := wechat.ParseXML(body)
	switch {
	case err != nil:
		writeReturnFail(w, "XML格式错误")
		return
	case fields["appid"] != AppID || fields["mch_id"] != MchID:
		writeReturnFail(w, "appid和mch_id不匹配")
		return
	case wechat.VerifySign(fields, PayKey) != nil:
		writeReturnFail(w, "签名错误")
		return
	}

	for _, name := range requiredOrderFields {
		if fields[name] == "" {
			writeParamError(w, "缺少参数"+name)
			return
		}
	}
	if fee, err := strconv.ParseInt(fields["total_fee"], 10, 64); err != nil || fee < 1 {
		writeParamError(w, "total_fee必须为正整数")
		return
	}
	if fields["trade_type"] != "JSAPI" {
		writeParamError(w, "trade_type必须为JSAPI")
		return
	}
	writeResult(w, s.placeOrder(fields))
}

// placeOrder records the order in fields and returns the reply fields that
// differ between success and failure.
func (s *Servers) placeOrder(fields map[string]string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()

	tradeNo := fields["out_trade_no"]
	if o, ok := s.prepayIDs[tradeNo]; ok {
		if o.totalFee != fields["total_fee"] || o.openid != fields["openid"] {
			return map[string]string{
				"err_code":     "OUT_TRADE_NO_USED",
				"err_code_des": "商户订单号重复",
			}
		}
		return map[string]string{"prepay_id": o.prepayID}
	}
	if len(s.prepayIDs) >= maxOrders {
		return map[string]string{
			"err_code":     "SYSTEMERROR",
			"err_code_des": "stand-in order table is full, restart the dev server",
		}
	}

	id := make([]byte, 12)
	rand.Read(id)
	o := order{
		prepayID: "wx-dev-prepay-" + hex.EncodeToString(id),
		totalFee: fields["total_fee"],
		openid:   fields["openid"],
	}
	s.prepayIDs[tradeNo] = o
	return map[string]string{"prepay_id": o.prepayID}
}

// writeReturnFail replies return_code FAIL, which WeChat Pay sends unsigned.
func writeReturnFail(w http.ResponseWriter, msg string) {
	writeXML(w, map[string]string{"return_code": "FAIL", "return_msg": msg})
}

func writeParamError(w http.ResponseWriter, description string) {
	writeResult(w, map[string]string{"err_code": "PARAM_ERROR", "err_code_des": description})
}

// writeResult replies return_code SUCCESS with fields added and signs the
// reply. result_code is FAIL when fields has an err_code.
func writeResult(w http.ResponseWriter, fields map[string]string) {
	fields["return_code"] = "SUCCESS"
	fields["return_msg"] = "OK"
	fields["appid"] = AppID
	fields["mch_id"] = MchID
	fields["nonce_str"] = rand.Text()
	fields["result_code"] = "SUCCESS"
	if fields["err_code"] != "" {
		fields["result_code"] = "FAIL"
	} else {
		fields["trade_type"] = "JSAPI"
	}
	fields["sign"] = wechat.Sign(fields, PayKey)
	writeXML(w, fields)
}

func writeXML(w http.ResponseWriter, fields map[string]string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Write(wechat.EncodeXML(fields))
}
