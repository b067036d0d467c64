// Package metrics owns the Prometheus registry that GET /metrics serves: the
// Go and process collectors and the callme_* metrics of the engine and the
// edge. Every method is safe for concurrent use, and every method does
// nothing on a nil *Metrics, so tests and tools may leave metrics out.
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// orderStatuses are the order statuses whose transition counters exist from
// the start, so a dashboard shows 0 before the first order. A status missing
// here gets its counter when an order first reaches it.
var orderStatuses = []string{"unpaid", "paid", "called", "skipped", "done", "closed", "alert"}

// Metrics is the registry of one callme process. cmd/callme creates it and
// hands it to the engine and the edge.
type Metrics struct {
	registry *prometheus.Registry

	actorsLive   *prometheus.GaugeVec
	mailboxDepth *prometheus.GaugeVec
	transitions  *prometheus.CounterVec
	openOrders   *prometheus.GaugeVec
	persist      prometheus.Histogram
	push         prometheus.Histogram
	rest         *prometheus.HistogramVec

	socketsOpen atomic.Pointer[func() int]
	ready       atomic.Pointer[func() bool]

	mu    sync.Mutex
	kinds map[string]*Kind // guarded by mu
}

// Kind is the pair of gauges of one actor kind, such as "order". The actor
// engine looks it up once per spawned actor and then updates the gauges from
// the actor's mailbox without further lookups.
type Kind struct {
	// Live counts the actors of the kind that have started and not stopped.
	Live prometheus.Gauge
	// Depth counts the messages posted to the kind's mailboxes and not yet
	// received.
	Depth prometheus.Gauge
}

// New returns a Metrics with every metric registered.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		kinds:    make(map[string]*Kind),
		actorsLive: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "callme_actors_live",
			Help: "Actors started and not yet stopped, by kind.",
		}, []string{"kind"}),
		mailboxDepth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "callme_mailbox_depth",
			Help: "Messages posted to actor mailboxes and not yet received, by actor kind.",
		}, []string{"kind"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "callme_order_transitions_total",
			Help: "Orders that reached each status, counted when the event is persisted.",
		}, []string{"status"}),
		openOrders: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "callme_orders_open",
			Help: "Open orders of all shops by status: unpaid, paid, called or skipped.",
		}, []string{"status"}),
		persist: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "callme_persist_seconds",
			Help:    "Time of each event or snapshot write through the persistence provider.",
			Buckets: prometheus.ExponentialBuckets(100e-6, 2, 14), // 100µs to 0.82s
		}),
		push: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "callme_push_seconds",
			Help:    "Time from building a push in an actor to writing it to a WebSocket.",
			Buckets: prometheus.ExponentialBuckets(100e-6, 2, 14),
		}),
		rest: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "callme_rest_seconds",
			Help:    "REST request latency by route pattern and status code.",
			Buckets: prometheus.ExponentialBuckets(250e-6, 2, 16), // 250µs to 8.2s
		}, []string{"route", "code"}),
	}
	for _, status := range orderStatuses {
		m.transitions.WithLabelValues(status)
	}

	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.actorsLive, m.mailboxDepth, m.transitions, m.openOrders, m.persist, m.push, m.rest,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "callme_sockets_open",
			Help: "WebSockets currently open.",
		}, m.readSocketsOpen),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "callme_ready",
			Help: "1 while the server accepts traffic (GET /readyz returns 200), else 0.",
		}, m.readReady),
	)
	return m
}

// Registry returns the registry behind Handler, for tests and tools that
// gather the metrics in process.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.registry
}

// Handler returns the HTTP handler of GET /metrics in the Prometheus text
// or protobuf format.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// SetSocketsOpen makes callme_sockets_open report fn, which each scrape
// calls. Until then the gauge is 0.
func (m *Metrics) SetSocketsOpen(fn func() int) {
	if m != nil {
		m.socketsOpen.Store(&fn)
	}
}

// SetReady makes callme_ready report fn, which each scrape calls. Until then
// the gauge is 0.
func (m *Metrics) SetReady(fn func() bool) {
	if m != nil {
		m.ready.Store(&fn)
	}
}

func (m *Metrics) readSocketsOpen() float64 {
	if fn := m.socketsOpen.Load(); fn != nil {
		return float64((*fn)())
	}
	return 0
}

func (m *Metrics) readReady() float64 {
	if fn := m.ready.Load(); fn != nil && (*fn)() {
		return 1
	}
	return 0
}

// Kind returns the gauges of the actor kind, creating them on first use. It
// returns nil on a nil *Metrics.
func (m *Metrics) Kind(kind string) *Kind {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := m.kinds[kind]
	if k == nil {
		k = &Kind{
			Live:  m.actorsLive.WithLabelValues(kind),
			Depth: m.mailboxDepth.WithLabelValues(kind),
		}
		m.kinds[kind] = k
	}
	return k
}

// SetOpenOrders sets the open orders of all shops by status. The catalog
// actor calls it after each shop publishes its view.
func (m *Metrics) SetOpenOrders(byStatus map[string]int64) {
	if m == nil {
		return
	}
	for _, status := range []string{"unpaid", "paid", "called", "skipped"} {
		m.openOrders.WithLabelValues(status).Set(float64(byStatus[status]))
	}
}

// OrderReached counts an order that reached status.
func (m *Metrics) OrderReached(status string) {
	if m != nil {
		m.transitions.WithLabelValues(status).Inc()
	}
}

// ObservePersist records the duration of one event or snapshot write.
func (m *Metrics) ObservePersist(d time.Duration) {
	if m != nil {
		m.persist.Observe(d.Seconds())
	}
}

// ObservePush records the time from building a push to writing it.
func (m *Metrics) ObservePush(d time.Duration) {
	if m != nil {
		m.push.Observe(d.Seconds())
	}
}

// ObserveREST records one REST request. route is the pattern the router
// matched, such as "/callme/wx_session/index", never the raw path, so that
// the number of series stays bounded.
func (m *Metrics) ObserveREST(route string, code int, d time.Duration) {
	if m != nil {
		m.rest.WithLabelValues(route, statusText(code)).Observe(d.Seconds())
	}
}

// statusTexts holds the decimal forms of the HTTP status codes, so that a
// request costs no strconv allocation.
var statusTexts = func() (texts [600]string) {
	for code := range texts {
		texts[code] = strconv.Itoa(code)
	}
	return texts
}()

func statusText(code int) string {
	if code >= 0 && code < len(statusTexts) {
		return statusTexts[code]
	}
	return strconv.Itoa(code)
}
