package baidu

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// maxReplyBytes caps a token reply body, which is under 1 KiB.
const maxReplyBytes = 64 << 10

// defaultHTTP serves clients whose HTTP field is nil.
var defaultHTTP = &http.Client{Timeout: 10 * time.Second}

// endpoint joins base and path and appends query. The error names only base,
// because query may carry a secret.
func endpoint(base, path string, query url.Values) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("baidu: parse base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("baidu: base URL %q is not an absolute http(s) URL", base)
	}
	u = u.JoinPath(path)
	u.RawQuery = query.Encode()
	return u.String(), nil
}

// send sends req and returns the reply body and status. Baidu reports token
// errors with 4xx statuses and a JSON body, so only 5xx statuses fail here.
func send(client *http.Client, req *http.Request) ([]byte, int, error) {
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: token: %w", ErrUnavailable, stripURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 500 {
		return nil, 0, fmt.Errorf("%w: token: HTTP status %d", ErrUnavailable, resp.StatusCode)
	}

	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes+1))
	if err != nil {
		return nil, 0, fmt.Errorf("%w: token: read reply: %w", ErrUnavailable, stripURL(err))
	}
	if len(body) > maxReplyBytes {
		return nil, 0, fmt.Errorf("baidu: token: reply exceeds %d bytes", maxReplyBytes)
	}
	return body, resp.StatusCode, nil
}

// stripURL drops the *url.Error layer that net/http adds, because its message
// contains the request URL with the secret key in its query.
func stripURL(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}
