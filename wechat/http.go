package wechat

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// maxReplyBytes caps a reply body. Login and unifiedorder replies are well
// under 2 KiB.
const maxReplyBytes = 64 << 10

// defaultHTTP serves clients whose HTTP field is nil.
var defaultHTTP = &http.Client{Timeout: 10 * time.Second}

func httpClient(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return defaultHTTP
}

// endpoint joins base and path and appends query. The error names only base,
// because query may carry a secret.
func endpoint(base, path string, query url.Values) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("wechat: parse base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("wechat: base URL %q is not an absolute http(s) URL", base)
	}
	u = u.JoinPath(path)
	u.RawQuery = query.Encode()
	return u.String(), nil
}

// send sends req and returns the body of a 200 reply. op names the API call in
// errors.
func send(client *http.Client, req *http.Request, op string) ([]byte, error) {
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnavailable, op, stripURL(err))
	}
	defer resp.Body.Close()

	if resp.StatusCode >= 500 {
		return nil, fmt.Errorf("%w: %s: HTTP status %d", ErrUnavailable, op, resp.StatusCode)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("wechat: %s: unexpected HTTP status %d", op, resp.StatusCode)
	}

	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: read reply: %w", ErrUnavailable, op, stripURL(err))
	}
	if len(body) > maxReplyBytes {
		return nil, fmt.Errorf("wechat: %s: reply exceeds %d bytes", op, maxReplyBytes)
	}
	return body, nil
}

// stripURL drops the *url.Error layer that net/http adds, because its message
// contains the full request URL, query included. The cause stays testable
// with errors.Is, for example context.DeadlineExceeded.
func stripURL(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}
