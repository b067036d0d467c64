package edge

import (
	"github.com/fasthttp/router"
	"github.com/valyala/fasthttp"

	"callme/metrics"
)

// Ops configures the operator endpoints of a REST server: GET /healthz,
// GET /readyz and GET /metrics, served beside /callme on the same port.
type Ops struct {
	// Metrics is served at /metrics and records callme_rest_seconds. Without
	// it there is no /metrics and no REST timing.
	Metrics *metrics.Metrics
	// Ready returns nil while the server can take traffic, else an error
	// whose text /readyz returns as the reason. It runs on each /readyz
	// request, from any goroutine. Nil means always ready.
	Ready func() error
}

// SetOps sets the operator endpoints. Call it before Serve, because it
// replaces the server's handler.
func (r *REST) SetOps(ops Ops) {
	r.ops = ops
	r.server.Handler = r.handler()
}

type statusReply struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// opsRoutes adds the operator endpoints to rt.
func (r *REST) opsRoutes(rt *router.Router) {
	rt.GET("/healthz", healthz)
	rt.GET("/readyz", r.readyz)
	if r.ops.Metrics != nil {
		rt.GET("/metrics", metricsHandler(r.ops.Metrics))
	}
}

// healthz returns 200 while the process serves HTTP at all.
func healthz(ctx *fasthttp.RequestCtx) {
	writeJSON(ctx, fasthttp.StatusOK, statusReply{Status: "ok"})
}

// readyz returns 200 when Ops.Ready returns nil, else 503 with the reason.
func (r *REST) readyz(ctx *fasthttp.RequestCtx) {
	if r.ops.Ready != nil {
		if err := r.ops.Ready(); err != nil {
			writeJSON(ctx, fasthttp.StatusServiceUnavailable,
				statusReply{Status: "not ready", Reason: err.Error()})
			return
		}
	}
	writeJSON(ctx, fasthttp.StatusOK, statusReply{Status: "ready"})
}
