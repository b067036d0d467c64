package standin_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"callme/standin"
	"callme/wechat"
)

func start(t *testing.T) *standin.Servers {
	t.Helper()
	s, err := standin.Start()
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// getJSON sends a GET and decodes the JSON reply into a map.
func getJSON(t *testing.T, target string) map[string]any {
	t.Helper()
	resp, err := http.Get(target)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	var reply map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil {
		t.Fatalf("decode reply: %v", err)
	}
	return reply
}

func loginURL(s *standin.Servers, appID, secret, code string) string {
	q := url.Values{
		"appid":      {appID},
		"secret":     {secret},
		"js_code":    {code},
		"grant_type": {"authorization_code"},
	}
	return s.URL + "/sns/jscode2session?" + q.Encode()
}

func TestLoginChecksCredentialsAndCode(t *testing.T) {
	s := start(t)
	tests := []struct {
		name          string
		appID, secret string
		code          string
		errcode       float64
	}{
		{"ok", standin.AppID, standin.Secret, "A-z_09", 0},
		{"max length code", standin.AppID, standin.Secret, strings.Repeat("c", 64), 0},
		{"wrong appid", "wx-other", standin.Secret, "a", 40013},
		{"wrong secret", standin.AppID, "other", "a", 40125},
		{"empty code", standin.AppID, standin.Secret, "", 40029},
		{"long code", standin.AppID, standin.Secret, strings.Repeat("c", 65), 40029},
		{"code with space", standin.AppID, standin.Secret, "a b", 40029},
		{"non-ASCII code", standin.AppID, standin.Secret, "码", 40029},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply := getJSON(t, loginURL(s, tt.appID, tt.secret, tt.code))
			errcode, _ := reply["errcode"].(float64)
			if errcode != tt.errcode {
				t.Fatalf("errcode = %v, want %v; reply %v", errcode, tt.errcode, reply)
			}
			if tt.errcode == 0 && reply["openid"] != "dev-"+tt.code {
				t.Errorf("openid = %v, want dev-%s", reply["openid"], tt.code)
			}
		})
	}
	if n := s.LoginRequests(); n != int64(len(tests)) {
		t.Errorf("LoginRequests = %d, want %d", n, len(tests))
	}
}

func TestLoginSessionKeyIsRandom(t *testing.T) {
	s := start(t)
	first := getJSON(t, loginURL(s, standin.AppID, standin.Secret, "a"))
	second := getJSON(t, loginURL(s, standin.AppID, standin.Secret, "a"))
	if first["session_key"] == "" || first["session_key"] == second["session_key"] {
		t.Errorf("session keys %v and %v, want two different keys",
			first["session_key"], second["session_key"])
	}
}

// postOrder signs fields with key, posts them to unifiedorder and parses the
// reply.
func postOrder(
	t *testing.T, s *standin.Servers, fields map[string]string, key string,
) map[string]string {
	t.Helper()
	fields["sign"] = wechat.Sign(fields, key)
	resp, err := http.Post(s.URL+"/pay/unifiedorder", "text/xml",
		strings.NewReader(string(wechat.EncodeXML(fields))))
	if err != nil {
		t.Fatalf("POST unifiedorder: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read reply: %v", err)
	}
	reply, err := wechat.ParseXML(body)
	if err != nil {
		t.Fatalf("parse reply %s: %v", body, err)
	}
	return reply
}

func orderFields(tradeNo, fee string) map[string]string {
	return map[string]string{
		"appid":            standin.AppID,
		"mch_id":           standin.MchID,
		"nonce_str":        "n1",
		"body":             "noodles",
		"out_trade_no":     tradeNo,
		"total_fee":        fee,
		"spbill_create_ip": "127.0.0.1",
		"notify_url":       "http://127.0.0.1/notify",
		"trade_type":       "JSAPI",
		"openid":           "dev-a",
	}
}

func TestUnifiedOrderRepeatsPrepayID(t *testing.T) {
	s := start(t)
	first := postOrder(t, s, orderFields("o1", "100"), standin.PayKey)
	if first["result_code"] != "SUCCESS" {
		t.Fatalf("first order reply %v, want result_code SUCCESS", first)
	}
	if err := wechat.VerifySign(first, standin.PayKey); err != nil {
		t.Errorf("reply sign: %v", err)
	}

	again := postOrder(t, s, orderFields("o1", "100"), standin.PayKey)
	if again["prepay_id"] != first["prepay_id"] {
		t.Errorf("repeated order prepay_id = %q, want %q", again["prepay_id"], first["prepay_id"])
	}

	changed := postOrder(t, s, orderFields("o1", "200"), standin.PayKey)
	if changed["err_code"] != "OUT_TRADE_NO_USED" {
		t.Errorf("order with changed total_fee: reply %v, want err_code OUT_TRADE_NO_USED", changed)
	}
	if n := s.UnifiedOrderRequests(); n != 3 {
		t.Errorf("UnifiedOrderRequests = %d, want 3", n)
	}
}

func TestUnifiedOrderRejects(t *testing.T) {
	s := start(t)
	tests := []struct {
		name       string
		modify     func(map[string]string)
		key        string
		returnMsg  string
		errCodeDes string
	}{
		{"wrong key", func(map[string]string) {}, "other-key", "签名错误", ""},
		{"wrong mch_id", func(f map[string]string) { f["mch_id"] = "x" }, standin.PayKey,
			"appid和mch_id不匹配", ""},
		{"no openid", func(f map[string]string) { delete(f, "openid") }, standin.PayKey,
			"", "缺少参数openid"},
		{"no notify_url", func(f map[string]string) { delete(f, "notify_url") }, standin.PayKey,
			"", "缺少参数notify_url"},
		{"zero fee", func(f map[string]string) { f["total_fee"] = "0" }, standin.PayKey,
			"", "total_fee必须为正整数"},
		{"native trade", func(f map[string]string) { f["trade_type"] = "NATIVE" }, standin.PayKey,
			"", "trade_type必须为JSAPI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := orderFields("o-"+tt.name, "100")
			tt.modify(fields)
			reply := postOrder(t, s, fields, tt.key)
			if tt.returnMsg != "" {
				if reply["return_code"] != "FAIL" || reply["return_msg"] != tt.returnMsg {
					t.Errorf("reply %v, want return_code FAIL, return_msg %s", reply, tt.returnMsg)
				}
				return
			}
			if reply["result_code"] != "FAIL" || reply["err_code_des"] != tt.errCodeDes {
				t.Errorf("reply %v, want result_code FAIL, err_code_des %s", reply, tt.errCodeDes)
			}
		})
	}
}

func TestTokenRejectsUnknownClient(t *testing.T) {
	s := start(t)
	resp, err := http.PostForm(s.URL+"/oauth/2.0/token", url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {"someone"},
		"client_secret": {standin.BaiduSecret},
	})
	if err != nil {
		t.Fatalf("POST token: %v", err)
	}
	defer resp.Body.Close()
	var reply map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil {
		t.Fatalf("decode reply: %v", err)
	}
	if reply["error"] != "invalid_client" {
		t.Errorf("reply %v, want error invalid_client", reply)
	}
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", resp.StatusCode)
	}
}

func TestAudioRejectsUnknownToken(t *testing.T) {
	s := start(t)
	q := url.Values{"tex": {"hi"}, "tok": {"dev-tts-token-forged"}, "cuid": {"c"},
		"ctp": {"1"}, "lan": {"zh"}}
	reply := getJSON(t, s.URL+"/text2audio?"+q.Encode())
	if reply["err_no"] != float64(502) {
		t.Errorf("reply %v, want err_no 502", reply)
	}
}

func TestAudioRejectsBadParameter(t *testing.T) {
	s := start(t)
	token := getJSON(t, s.URL+"/oauth/2.0/token?"+url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {standin.BaiduKey},
		"client_secret": {standin.BaiduSecret},
	}.Encode())
	tok, _ := token["access_token"].(string)
	if !strings.HasPrefix(tok, "dev-tts-token-") || token["expires_in"] != float64(2592000) {
		t.Fatalf("token reply %v, want a dev-tts-token- that expires in 2592000 s", token)
	}

	q := url.Values{"tex": {"hi"}, "tok": {tok}, "cuid": {"c"}, "ctp": {"1"}, "lan": {"en"}}
	reply := getJSON(t, s.URL+"/text2audio?"+q.Encode())
	if reply["err_no"] != float64(501) {
		t.Errorf("reply %v, want err_no 501 for lan en", reply)
	}
}
