package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/valyala/fasthttp"
)

// poster sends POST requests to one server through fasthttp's client,
// which costs the load generator less CPU per request than net/http. Its
// methods may be called from any goroutine.
type poster struct {
	base    string
	client  *fasthttp.HostClient
	timeout time.Duration
}

// newPoster returns a poster of the server at base, such as
// http://127.0.0.1:8080, with at most maxConns connections. A request that
// finds every connection busy waits for one, within timeout.
func newPoster(base string, maxConns int, timeout time.Duration) (*poster, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid REST base URL %q: want http://HOST:PORT", base)
	}
	host := u.Host
	if u.Port() == "" {
		host += map[string]string{"http": ":80", "https": ":443"}[u.Scheme]
	}
	return &poster{
		base:    u.Scheme + "://" + u.Host + u.Path,
		timeout: timeout,
		client: &fasthttp.HostClient{
			Addr:                      host,
			IsTLS:                     u.Scheme == "https",
			MaxConns:                  maxConns,
			MaxConnWaitTimeout:        timeout,
			ReadTimeout:               timeout,
			WriteTimeout:              timeout,
			MaxIdleConnDuration:       30 * time.Second,
			MaxIdemponentCallAttempts: 1,
			NoDefaultUserAgentHeader:  true,
		},
	}, nil
}

// post sends body to path and returns the status and a copy of the reply
// body.
func (p *poster) post(path, contentType string, body []byte) (int, []byte, error) {
	req := fasthttp.AcquireRequest()
	res := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(res)

	req.SetRequestURI(p.base + path)
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentType(contentType)
	req.SetBodyRaw(body)
	if err := p.client.DoTimeout(req, res, p.timeout); err != nil {
		return 0, nil, err
	}
	return res.StatusCode(), append([]byte(nil), res.Body()...), nil
}

// postJSON encodes fields as a JSON object, posts it to path and decodes a
// 200 reply into out unless out is nil. Another status returns a
// *statusError.
func (p *poster) postJSON(path string, fields, out any) error {
	body, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("encode request to %s: %w", path, err)
	}
	status, reply, err := p.post(path, "application/json", body)
	if err != nil {
		return err
	}
	if status != fasthttp.StatusOK {
		return &statusError{status: status, body: reply}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(reply, out); err != nil {
		return fmt.Errorf("decode reply of %s: %w", path, err)
	}
	return nil
}

// get sends a GET to path and returns the status and a copy of the body.
func (p *poster) get(path string) (int, []byte, error) {
	req := fasthttp.AcquireRequest()
	res := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(res)

	req.SetRequestURI(p.base + path)
	if err := p.client.DoTimeout(req, res, p.timeout); err != nil {
		return 0, nil, err
	}
	return res.StatusCode(), append([]byte(nil), res.Body()...), nil
}

// statusError is a reply with a status other than 200.
type statusError struct {
	status int
	body   []byte
}

func (e *statusError) Error() string {
	return fmt.Sprintf("status %d: %.200s", e.status, e.body)
}

// requestKind names a failed request for Errors: its status, or the cause
// when no reply came.
func requestKind(route string, err error) string {
	var se *statusError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s: status %d", route, se.status)
	}
	return route + ": " + errKind(err)
}
