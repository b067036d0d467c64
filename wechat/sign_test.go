package wechat_test

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"callme/wechat"
)

// docFields and docKey are the example from WeChat Pay's v2 signature
// documentation.
var docFields = map[string]string{
	"appid":       "wxd930ea5d5a258f4f",
	"mch_id":      "10000100",
	"device_info": "1000",
	"body":        "test",
	"nonce_str":   "ibuaiVcKdpRxkhJA",
}

const docKey = "192006250b4c09247ec02edce69f6a2d"

func TestSignDocumentedVector(t *testing.T) {
	// The string to sign, built by hand from the documented algorithm.
	const signed = "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100" +
		"&nonce_str=ibuaiVcKdpRxkhJA&key=192006250b4c09247ec02edce69f6a2d"
	sum := md5.Sum([]byte(signed))
	byHand := strings.ToUpper(hex.EncodeToString(sum[:]))
	const documented = "9A0A8659F005D6984697E2CA0A9CF3B7"
	if byHand != documented {
		t.Fatalf("MD5 of the documented string = %s, want %s", byHand, documented)
	}

	if got := wechat.Sign(docFields, docKey); got != documented {
		t.Errorf("Sign = %s, want %s", got, documented)
	}
}

func TestSignSkipsSignAndEmptyValues(t *testing.T) {
	fields := map[string]string{"sign": "ANYTHING", "attach": ""}
	for k, v := range docFields {
		fields[k] = v
	}
	if got := wechat.Sign(fields, docKey); got != "9A0A8659F005D6984697E2CA0A9CF3B7" {
		t.Errorf("Sign with sign and empty attach = %s, want the documented sign", got)
	}
	if fields["sign"] != "ANYTHING" {
		t.Errorf("Sign modified its input: sign = %q", fields["sign"])
	}
}

func TestVerifySign(t *testing.T) {
	fields := map[string]string{"sign": "9A0A8659F005D6984697E2CA0A9CF3B7"}
	for k, v := range docFields {
		fields[k] = v
	}
	if err := wechat.VerifySign(fields, docKey); err != nil {
		t.Errorf("VerifySign(documented example) = %v, want nil", err)
	}

	fields["body"] = "tampered"
	if err := wechat.VerifySign(fields, docKey); !errors.Is(err, wechat.ErrBadSignature) {
		t.Errorf("VerifySign(tampered body) = %v, want ErrBadSignature", err)
	}

	delete(fields, "sign")
	if err := wechat.VerifySign(fields, docKey); !errors.Is(err, wechat.ErrBadSignature) {
		t.Errorf("VerifySign(no sign) = %v, want ErrBadSignature", err)
	}

	fields["body"] = "test"
	fields["sign_type"] = "HMAC-SHA256"
	fields["sign"] = wechat.Sign(fields, docKey)
	if err := wechat.VerifySign(fields, docKey); !errors.Is(err, wechat.ErrBadSignature) {
		t.Errorf("VerifySign(sign_type HMAC-SHA256) = %v, want ErrBadSignature", err)
	}
}
