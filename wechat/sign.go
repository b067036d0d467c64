package wechat

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// Sign computes the WeChat Pay API v2 MD5 signature of fields. It drops the
// sign field and empty values, sorts the remaining keys in byte order, joins
// them as k=v with '&', appends "&key=" and key, and returns the MD5 digest as
// uppercase hex. Sign does not modify fields.
func Sign(fields map[string]string, key string) string {
	keys := make([]string, 0, len(fields))
	for k, v := range fields {
		if k == "sign" || v == "" {
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)

	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(fields[k])
		b.WriteByte('&')
	}
	b.WriteString("key=")
	b.WriteString(key)

	sum := md5.Sum([]byte(b.String()))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// VerifySign checks the sign field of fields against Sign(fields, key) in
// constant time. It returns an error wrapping ErrBadSignature when sign is
// missing or wrong, or when sign_type is present and not MD5, because
// HMAC-SHA256 signatures are not supported.
func VerifySign(fields map[string]string, key string) error {
	got := fields["sign"]
	if got == "" {
		return fmt.Errorf("%w: sign is missing", ErrBadSignature)
	}
	if t := fields["sign_type"]; t != "" && t != "MD5" {
		return fmt.Errorf("%w: unsupported sign_type %q", ErrBadSignature, t)
	}
	want := Sign(fields, key)
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return ErrBadSignature
	}
	return nil
}

// nonce returns a random 26-character nonce_str. WeChat Pay allows up to 32.
func nonce() string {
	return rand.Text()
}
