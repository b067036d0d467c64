// Package client talks to a callme server over its wire protocol, as the
// mini-program does: JSON over HTTP POST for requests, and a WebSocket for
// pushes. It also plays WeChat Pay by posting signed payment notices, which a
// server accepts only when it shares the merchant key, as `callme serve --dev`
// does with the dev key.
//
// The demo command and the end-to-end tests use it. It imports no server
// package, so it relies only on what a real client receives.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Merchant settings of `callme serve --dev`, the defaults of a Client.
const (
	DevAppID  = "wx-dev-app"
	DevMchID  = "dev-mch"
	DevPayKey = "callme-dev-key"
)

// maxReplySize bounds how much of a reply body a Client reads. The largest
// replies are order lists, far below this.
const maxReplySize = 8 << 20

// APIError is a reply with a 4xx or 5xx status. Msg is the errmsg of the
// JSON reply, or the start of the body when it is not JSON.
type APIError struct {
	Path   string
	Status int
	Msg    string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("POST %s: %d %s", e.Path, e.Status, e.Msg)
}

// Client sends requests to one callme server. Its methods may be called from
// any goroutine.
type Client struct {
	httpBase string
	wsURL    string
	http     *http.Client

	appID  string
	mchID  string
	payKey string
}

// Option changes a Client made by New.
type Option func(*Client)

// WithHTTPClient makes the Client send requests through hc. The default has
// no proxy and a 10 s timeout per request.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.http = hc }
}

// WithMerchant sets the app id, merchant id and API v2 key that Notify puts
// in and signs payment notices with. The default is the dev merchant.
func WithMerchant(appID, mchID, payKey string) Option {
	return func(c *Client) { c.appID, c.mchID, c.payKey = appID, mchID, payKey }
}

// New returns a Client of the server whose REST API is at httpBase, such as
// http://127.0.0.1:8080, and whose WebSocket is at wsURL, such as
// ws://127.0.0.1:4431. It returns an error naming the bad value when either
// URL has the wrong scheme or no host.
func New(httpBase, wsURL string, opts ...Option) (*Client, error) {
	if err := checkURL(httpBase, "http", "https"); err != nil {
		return nil, fmt.Errorf("client: invalid REST base URL: %w", err)
	}
	if err := checkURL(wsURL, "ws", "wss"); err != nil {
		return nil, fmt.Errorf("client: invalid WebSocket URL: %w", err)
	}
	c := &Client{
		httpBase: strings.TrimSuffix(httpBase, "/"),
		wsURL:    wsURL,
		http: &http.Client{
			Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4},
			Timeout:   10 * time.Second,
		},
		appID:  DevAppID,
		mchID:  DevMchID,
		payKey: DevPayKey,
	}
	for _, opt := range opts {
		opt(c)
	}
	return c, nil
}

func checkURL(raw string, schemes ...string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	for _, s := range schemes {
		if u.Scheme == s && u.Host != "" {
			return nil
		}
	}
	return fmt.Errorf("%q must have the scheme %s and a host, such as %s://HOST:PORT",
		raw, strings.Join(schemes, " or "), schemes[0])
}

// HTTPBase returns the REST base URL given to New, without a trailing slash.
func (c *Client) HTTPBase() string { return c.httpBase }

// WSURL returns the WebSocket URL given to New.
func (c *Client) WSURL() string { return c.wsURL }

// Call posts fields, encoded as a JSON object, to path (such as
// /callme/wx_pay/list) and decodes the JSON reply into out unless out is nil.
// A 4xx or 5xx reply returns an *APIError.
func (c *Client) Call(ctx context.Context, path string, fields, out any) error {
	body, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("client: encode request to %s: %w", path, err)
	}
	status, reply, err := c.post(ctx, path, "application/json", body)
	if err != nil {
		return err
	}
	if status >= 400 {
		return &APIError{Path: path, Status: status, Msg: errmsgOf(reply)}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(reply, out); err != nil {
		return fmt.Errorf("client: decode reply of %s: %w", path, err)
	}
	return nil
}

// post sends body and returns the status and the body of the reply.
func (c *Client) post(ctx context.Context, path, contentType string, body []byte) (
	int, []byte, error,
) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.httpBase+path,
		bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("client: build request to %s: %w", path, err)
	}
	req.Header.Set("Content-Type", contentType)
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("client: POST %s: %w", path, err)
	}
	defer res.Body.Close()

	reply, err := io.ReadAll(io.LimitReader(res.Body, maxReplySize+1))
	if err != nil {
		return 0, nil, fmt.Errorf("client: read reply of %s: %w", path, err)
	}
	if len(reply) > maxReplySize {
		return 0, nil, fmt.Errorf("client: reply of %s is over %d bytes", path, maxReplySize)
	}
	return res.StatusCode, reply, nil
}

// errmsgOf returns the errmsg of a JSON error reply, or the start of body.
func errmsgOf(body []byte) string {
	var m struct {
		Errmsg *string `json:"errmsg"`
	}
	if json.Unmarshal(body, &m) == nil && m.Errmsg != nil {
		return *m.Errmsg
	}
	text := strings.TrimSpace(string(body))
	if len(text) > 200 {
		text = text[:200] + "..."
	}
	return "reply is not JSON: " + text
}

// IsStatus reports whether err is an *APIError with the given status.
func IsStatus(err error, status int) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == status
}
