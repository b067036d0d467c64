package standin

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"callme/wechat"
)

// minTransfer is WeChat Pay's smallest transfer to a user's balance, 0.30
// yuan; the stand-in refuses less, as WeChat does, so the refusal path runs.
const minTransfer = 30

// handleTransfer is the stand-in of WeChat Pay's transfer to a user's
// balance. It checks the merchant and signature, pays each partner_trade_no
// once and replies with the first payment to a repeat.
func (s *Servers) handleTransfer(w http.ResponseWriter, r *http.Request) {
	s.transfers.Add(1)
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
	case fields["mch_appid"] != AppID || fields["mchid"] != MchID:
		writeReturnFail(w, "mch_appid和mchid不匹配")
		return
	case wechat.VerifySign(fields, PayKey) != nil:
		writeReturnFail(w, "签名错误")
		return
	}
	amount, err := strconv.ParseInt(fields["amount"], 10, 64)
	if err != nil || fields["partner_trade_no"] == "" || fields["openid"] == "" {
		writeTransfer(w, map[string]string{"result_code": "FAIL", "err_code": "PARAM_ERROR",
			"err_code_des": "参数错误"})
		return
	}
	if amount < minTransfer {
		writeTransfer(w, map[string]string{"result_code": "FAIL", "err_code": "AMOUNT_LIMIT",
			"err_code_des": "付款金额不能小于最低限额"})
		return
	}

	s.mu.Lock()
	no, ok := s.payments[fields["partner_trade_no"]]
	if !ok {
		no = fmt.Sprintf("dev-payment-%d", len(s.payments)+1)
		s.payments[fields["partner_trade_no"]] = no
	}
	s.mu.Unlock()
	writeTransfer(w, map[string]string{
		"result_code":      "SUCCESS",
		"partner_trade_no": fields["partner_trade_no"],
		"payment_no":       no,
		"payment_time":     time.Now().Format("2006-01-02 15:04:05"),
	})
}

// TransferRequests returns how many transfer requests reached the stand-in.
func (s *Servers) TransferRequests() int64 { return s.transfers.Load() }

func writeTransfer(w http.ResponseWriter, fields map[string]string) {
	fields["return_code"] = "SUCCESS"
	fields["mch_appid"] = AppID
	fields["mchid"] = MchID
	writeXML(w, fields)
}
