package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// LoginClient exchanges mini-program login codes for sessions. Its fields are
// set once before first use. After that it is safe for concurrent use.
type LoginClient struct {
	// BaseURL is https://api.weixin.qq.com in production.
	BaseURL string
	AppID   string
	Secret  string
	// HTTP sends the requests. Nil means a client with a 10 second timeout.
	HTTP *http.Client
}

// Session is the result of a successful login.
type Session struct {
	OpenID string
	// SessionKey decrypts data that the mini-program signs. It is a secret, so
	// keep it out of logs and replies to the mini-program.
	SessionKey string
	// UnionID is empty unless the app is bound to a WeChat Open Platform account.
	UnionID string
}

// LoginError is an errcode that jscode2session returned. errors.Is matches it
// against ErrInvalidCode for errcodes 40029, 40163 and 40226, and against
// ErrUnavailable for errcode -1 (system busy).
type LoginError struct {
	Code    int
	Message string
}

func (e *LoginError) Error() string {
	return fmt.Sprintf("wechat: jscode2session errcode %d: %s", e.Code, e.Message)
}

// Is reports whether the errcode belongs to target's class.
func (e *LoginError) Is(target error) bool {
	switch target {
	case ErrInvalidCode:
		// 40029 invalid code, 40163 code already used, 40226 user blocked.
		return e.Code == 40029 || e.Code == 40163 || e.Code == 40226
	case ErrUnavailable:
		return e.Code == -1
	}
	return false
}

// Code2Session sends code, which the mini-program got from wx.login, to
// jscode2session and returns the user's session.
//
// An error matching ErrInvalidCode is the user's fault (respond with 400). One
// matching ErrUnavailable means WeChat is down or busy (respond with 502 or
// 503).
// Any other error, such as a *LoginError for a wrong secret, is a
// configuration fault.
func (c *LoginClient) Code2Session(ctx context.Context, code string) (Session, error) {
	if code == "" {
		return Session{}, fmt.Errorf("%w: code is empty", ErrInvalidCode)
	}
	if c.AppID == "" || c.Secret == "" {
		return Session{}, fmt.Errorf("wechat: code2session: LoginClient needs AppID and Secret")
	}

	query := url.Values{
		"appid":      {c.AppID},
		"secret":     {c.Secret},
		"js_code":    {code},
		"grant_type": {"authorization_code"},
	}
	target, err := endpoint(c.BaseURL, "/sns/jscode2session", query)
	if err != nil {
		return Session{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return Session{}, fmt.Errorf("wechat: code2session: build request: %w", stripURL(err))
	}
	body, err := send(httpClient(c.HTTP), req, "code2session")
	if err != nil {
		return Session{}, err
	}

	var reply struct {
		OpenID     string `json:"openid"`
		SessionKey string `json:"session_key"`
		UnionID    string `json:"unionid"`
		ErrCode    int    `json:"errcode"`
		ErrMsg     string `json:"errmsg"`
	}
	if err := json.Unmarshal(body, &reply); err != nil {
		return Session{}, fmt.Errorf("wechat: code2session: decode reply: %w", err)
	}
	if reply.ErrCode != 0 {
		return Session{}, &LoginError{Code: reply.ErrCode, Message: reply.ErrMsg}
	}
	if reply.OpenID == "" {
		return Session{}, fmt.Errorf("wechat: code2session: reply has no openid")
	}
	return Session{
		OpenID:     reply.OpenID,
		SessionKey: reply.SessionKey,
		UnionID:    reply.UnionID,
	}, nil
}
