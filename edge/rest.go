package edge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/fasthttp/router"
	"github.com/valyala/fasthttp"

	"callme/actors"
)

const (
	// maxBodySize is the largest request body the REST API accepts.
	maxBodySize = 1 << 20
	// maxDrainSize bounds how much of an oversize body is read and dropped
	// before the 413 goes out. Closing a socket with unread input makes the
	// kernel send a reset, which can destroy the reply before the client
	// reads it.
	maxDrainSize = 8 << 20

	// restReadTimeout covers headers and a 1 MiB body over a slow mobile
	// link. With restWriteTimeout it also bounds how long Shutdown waits for
	// a client that stalls in the middle of a request.
	restReadTimeout  = 30 * time.Second
	restWriteTimeout = 30 * time.Second
	// restIdleTimeout closes keep-alive connections that send nothing.
	restIdleTimeout = 60 * time.Second

	jsonContentType = "application/json; charset=utf-8"
	xmlContentType  = "text/xml; charset=utf-8"
)

var errBodyTooLarge = &actors.Error{Code: 413, Msg: "request body over 1 MiB"}

// REST serves the mini-program's HTTP API under /callme. Every route takes
// POST with a JSON object or a urlencoded form (query string values are
// merged in) and replies with JSON. An error reply is {"errmsg": "..."} with
// the status from the engine's *actors.Error.
type REST struct {
	engine Engine
	log    *slog.Logger
	server *fasthttp.Server
	ops    Ops // set by SetOps before Serve
	// publicURL is the base of picture URLs, set by SetPublicURL before Serve.
	publicURL string

	mu       sync.Mutex
	listener net.Listener // listener of Serve, guarded by mu
	stopped  bool         // set by Shutdown, guarded by mu
}

// NewREST returns a REST server that calls e and logs to log. Call Serve to
// start it.
func NewREST(e Engine, log *slog.Logger) *REST {
	r := &REST{engine: e, log: log}
	r.server = &fasthttp.Server{
		Handler:      r.handler(),
		ErrorHandler: r.requestError,
		Name:         "callme",
		Logger:       fasthttpLogger{log},
		ReadTimeout:  restReadTimeout,
		WriteTimeout: restWriteTimeout,
		IdleTimeout:  restIdleTimeout,
		// A streamed body reaches the handler whatever its size, so an
		// oversize body gets the JSON 413 from readBody. MaxRequestBodySize
		// then only caps what fasthttp reads ahead of the handler.
		StreamRequestBody:            true,
		MaxRequestBodySize:           maxBodySize,
		DisablePreParseMultipartForm: true,
	}
	return r
}

// Serve accepts connections on ln until Shutdown and returns nil after
// Shutdown. For https, pass a listener from Listen with a TLS config.
func (r *REST) Serve(ln net.Listener) error {
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		_ = ln.Close()
		return nil
	}
	r.listener = ln
	r.mu.Unlock()

	r.log.Info("rest server listening", "addr", ln.Addr().String())
	return r.server.Serve(ln)
}

// Shutdown stops accepting connections and waits until the requests in
// progress have completed or ctx is done. It may be called from any
// goroutine, before or after Serve.
func (r *REST) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	r.stopped = true
	ln := r.listener
	r.mu.Unlock()

	err := r.server.ShutdownWithContext(ctx)
	// fasthttp ignores Shutdown when Serve has not yet registered the
	// listener, so closing it here makes that Serve return.
	if ln != nil {
		_ = ln.Close()
	}
	r.log.Info("rest server stopped")
	return err
}

func (r *REST) router() *router.Router {
	rt := router.New()
	// A redirect would turn a mistyped API path into a 301/308 that the
	// mini-program does not follow, so it gets a 404 instead.
	rt.RedirectTrailingSlash = false
	rt.RedirectFixedPath = false
	rt.NotFound = notFound
	rt.MethodNotAllowed = methodNotAllowed
	rt.PanicHandler = r.recoverPanic
	// callme_rest_seconds labels requests with the matched pattern.
	rt.SaveMatchedRoutePath = true
	r.opsRoutes(rt)

	g := rt.Group("/callme")
	g.POST("/wx_session/index", r.handle(r.login))
	g.POST("/wx_session/shop", r.handle(r.shops))
	g.POST("/signin/index", r.handle(r.apply))
	g.POST("/signin/list", r.handle(r.applications))
	g.POST("/signin/auth", r.handle(r.approve))
	g.POST("/product_man/modify", r.handle(r.modifyProduct))
	g.POST("/product_man/putOn", r.handle(r.putOn))
	g.POST("/product_man/putOff", r.handle(r.putOff))
	g.POST("/product_man/list", r.handle(r.products))
	g.POST("/product_man/update", r.handleUpload(maxBodySize, errBodyTooLarge, r.updateProduct))
	g.GET("/wx_session/picture", r.picture)
	g.HEAD("/wx_session/picture", r.picture)
	g.POST("/wx_session/content", r.handle(r.content))
	g.POST("/admin/ads", r.handleUpload(maxAdsBodySize, errAdsBodyTooLarge, r.setAds))
	g.POST("/product_man/avatar", r.handleUpload(maxBodySize, errBodyTooLarge, r.setAvatar))
	g.GET(audioPattern, r.audioURL)
	g.POST(audioPattern, r.audioURL)
	g.POST("/wx_pay/unifiedorder", r.handle(r.placeOrder))
	g.POST("/wx_pay/notify", r.notify)
	g.POST("/wx_pay/list", r.handle(r.orders))
	g.POST("/queue/list", r.handle(r.queue))
	g.POST("/queue/call", r.handle(r.call))
	g.POST("/queue/done", r.handle(r.done))
	r.controlRoutes(g)
	return rt
}

// handle adapts a route function to fasthttp. The handler reads and decodes
// the request, then writes the returned value as JSON or the error as errmsg.
func (r *REST) handle(route func(*fields) (any, error)) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		body, err := readBody(ctx)
		if err != nil {
			r.replyError(ctx, err)
			return
		}
		f, err := decodeFields(body, ctx.Request.Header.ContentType(), ctx.QueryArgs())
		if err != nil {
			r.replyError(ctx, err)
			return
		}
		reply, err := route(f)
		if err != nil {
			r.replyError(ctx, err)
			return
		}
		r.linkPictures(ctx, reply)
		writeJSON(ctx, fasthttp.StatusOK, reply)
	}
}

// notify passes a WeChat Pay notice to the engine and returns its XML reply
// with status 200. Only an oversize or unreadable body gets a JSON error.
func (r *REST) notify(ctx *fasthttp.RequestCtx) {
	body, err := readBody(ctx)
	if err != nil {
		r.replyError(ctx, err)
		return
	}
	reply := r.engine.PaymentNotice(body)
	ctx.SetStatusCode(fasthttp.StatusOK)
	ctx.SetContentType(xmlContentType)
	ctx.SetBody(reply)
}

// readBody reads the whole streamed request body, up to maxBodySize. An
// oversize body is drained, up to maxDrainSize, and reported as a 413.
func readBody(ctx *fasthttp.RequestCtx) ([]byte, error) {
	stream := ctx.RequestBodyStream()
	if stream == nil {
		return nil, nil
	}
	if ctx.Request.Header.ContentLength() > maxBodySize {
		drain(stream)
		return nil, errBodyTooLarge
	}

	body, err := io.ReadAll(io.LimitReader(stream, maxBodySize+1))
	if err != nil {
		return nil, badRequest("invalid request body: %v", err)
	}
	if len(body) > maxBodySize {
		drain(stream)
		return nil, errBodyTooLarge
	}
	return body, nil
}

func drain(stream io.Reader) {
	// NOTE: a body larger than maxDrainSize stays partly unread, so the
	// client may see a connection reset in place of the 413.
	_, _ = io.CopyN(io.Discard, stream, maxDrainSize)
}

// message is the {"errmsg": ...} reply shape.
type message struct {
	Errmsg string `json:"errmsg"`
}

var okReply = message{Errmsg: "ok"}

// replyError writes err as {"errmsg": ...} with its status. A 500, or an
// error that is not an *actors.Error, is logged and replaced by
// "internal error" so that no internal detail reaches the client.
func (r *REST) replyError(ctx *fasthttp.RequestCtx, err error) {
	e := actors.AsError(err)
	if e.Code == fasthttp.StatusInternalServerError || e.Code < 400 || e.Code > 599 {
		r.log.Error("request failed", "path", string(ctx.Path()), "err", err)
		writeJSON(ctx, fasthttp.StatusInternalServerError, message{"internal error"})
		return
	}
	writeJSON(ctx, e.Code, message{e.Msg})
}

func writeJSON(ctx *fasthttp.RequestCtx, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// The reply types are plain structs, so this means a programming error.
		status = fasthttp.StatusInternalServerError
		body = []byte(`{"errmsg":"internal error"}`)
	}
	ctx.SetStatusCode(status)
	ctx.SetContentType(jsonContentType)
	ctx.SetBody(body)
}

func notFound(ctx *fasthttp.RequestCtx) {
	writeJSON(ctx, fasthttp.StatusNotFound, message{"no such route " + string(ctx.Path())})
}

// methodNotAllowed runs after the router has set the Allow header.
func methodNotAllowed(ctx *fasthttp.RequestCtx) {
	var methods []string
	for method := range strings.SplitSeq(string(ctx.Response.Header.Peek("Allow")), ",") {
		if method = strings.TrimSpace(method); method != fasthttp.MethodOptions {
			methods = append(methods, method)
		}
	}
	msg := fmt.Sprintf("method %s not allowed, use %s",
		ctx.Method(), strings.Join(methods, " or "))
	writeJSON(ctx, fasthttp.StatusMethodNotAllowed, message{msg})
}

func (r *REST) recoverPanic(ctx *fasthttp.RequestCtx, v any) {
	r.log.Error("request handler panicked", "path", string(ctx.Path()), "panic", v)
	ctx.Response.Reset()
	writeJSON(ctx, fasthttp.StatusInternalServerError, message{"internal error"})
}

// requestError replies to a request that fasthttp could not read or parse.
func (r *REST) requestError(ctx *fasthttp.RequestCtx, err error) {
	var smallBuffer *fasthttp.ErrSmallBuffer
	var netErr net.Error
	switch {
	case errors.As(err, &smallBuffer):
		writeJSON(ctx, fasthttp.StatusRequestHeaderFieldsTooLarge,
			message{"request headers too large"})
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		writeJSON(ctx, fasthttp.StatusRequestEntityTooLarge, message{errBodyTooLarge.Msg})
	case errors.As(err, &netErr) && netErr.Timeout():
		writeJSON(ctx, fasthttp.StatusRequestTimeout, message{"request timed out"})
	default:
		// err may quote the request bytes, which are not echoed back.
		writeJSON(ctx, fasthttp.StatusBadRequest, message{"invalid HTTP request"})
	}
}

// fasthttpLogger routes fasthttp's own log lines, mostly failed client
// connections, to slog.
type fasthttpLogger struct{ log *slog.Logger }

func (l fasthttpLogger) Printf(format string, args ...any) {
	l.log.Warn("http server error", "detail", fmt.Sprintf(format, args...))
}
