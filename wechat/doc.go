// Package wechat contains clients for the two WeChat APIs that callme uses:
// mini-program login (jscode2session) and WeChat Pay API v2, which sends XML
// bodies signed with MD5.
//
// Each client takes a base URL, so tests and `callme serve --dev` can point it
// at the stand-ins in package standin. The production bases are
// https://api.weixin.qq.com for login and https://api.mch.weixin.qq.com for pay.
//
// Errors never contain the app secret or the pay key. Transport errors are
// stripped of the request URL, because the login URL carries the secret.
package wechat

import "errors"

// Errors that callers branch on. Test for them with errors.Is.
var (
	// ErrUnavailable means WeChat could not be reached, replied with a 5xx
	// status, or reported that it is busy. Retrying later may succeed, so an
	// HTTP edge should respond with 502 or 503.
	ErrUnavailable = errors.New("wechat: service unavailable, retry later")

	// ErrInvalidCode means WeChat rejected a login code as invalid, already used
	// (codes are single-use) or issued to a blocked user. The mini-program
	// should call wx.login again, so an HTTP edge should respond with 400.
	ErrInvalidCode = errors.New("wechat: invalid login code")

	// ErrBadSignature means a signed message had no sign, an unsupported
	// sign_type, or a sign that does not match the pay key.
	ErrBadSignature = errors.New("wechat: signature does not match")

	// ErrOrderPaid means WeChat Pay reports the order as already paid.
	ErrOrderPaid = errors.New("wechat: order already paid")

	// ErrNoticeFailed means a payment notice carried a return_code other than
	// SUCCESS, so it carries no payment result.
	ErrNoticeFailed = errors.New("wechat: payment notice reports failure")

	// ErrWrongMerchant means a correctly signed payment notice names another
	// appid or mch_id than the PayClient.
	ErrWrongMerchant = errors.New("wechat: payment notice is for another app or merchant")

	// ErrInvalidXML means a body is not the flat <xml><key>value</key></xml>
	// form that WeChat Pay uses, or exceeds the size limits of ParseXML.
	ErrInvalidXML = errors.New("wechat: invalid XML")
)
