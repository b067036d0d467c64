package edge

import (
	"time"

	"github.com/fasthttp/router"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"callme/metrics"
)

// unmatchedRoute is the route label of requests that matched no route, so
// that scanners probing random paths add no series.
const unmatchedRoute = "unmatched"

// handler returns the router's handler, wrapped to record each request in
// callme_rest_seconds when Ops.Metrics is set.
func (r *REST) handler() fasthttp.RequestHandler {
	next := r.router().Handler
	m := r.ops.Metrics
	if m == nil {
		return next
	}
	return func(ctx *fasthttp.RequestCtx) {
		start := time.Now()
		next(ctx)
		// The router stores the pattern because SaveMatchedRoutePath is set.
		route, _ := ctx.UserValue(router.MatchedRoutePathParam).(string)
		if route == "" {
			route = unmatchedRoute
		}
		m.ObserveREST(route, ctx.Response.StatusCode(), time.Since(start))
	}
}

// metricsHandler serves the Prometheus exposition of m.
func metricsHandler(m *metrics.Metrics) fasthttp.RequestHandler {
	return fasthttpadaptor.NewFastHTTPHandler(m.Handler())
}
