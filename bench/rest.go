package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"callme/client"
)

// The read routes of the rest scenario. contentPath is sent only when the
// server has it.
const (
	shopPath    = "/callme/wx_session/shop"
	listPath    = "/callme/wx_pay/list"
	contentPath = "/callme/wx_session/content"
)

// restRoute is one route of a REST mix and the latency of its replies.
type restRoute struct {
	name string
	path string
	lat  *Recorder
}

// restLoad sends a REST mix open-loop: request i goes to route i mod R,
// with the session of customer (i / R) mod C. rest and the REST baseline
// share it, so that both measure the same client code.
type restLoad struct {
	p      *poster
	routes []*restRoute
	bodies [][]byte // the JSON body of each session
	errs   *Errors
	lag    *Recorder
}

func newRESTLoad(p *poster, errs *Errors, sessions []string) *restLoad {
	l := &restLoad{p: p, errs: errs, lag: NewRecorder("start lag", false)}
	for _, s := range sessions {
		body, _ := json.Marshal(map[string]string{"session_id": s})
		l.bodies = append(l.bodies, body)
	}
	return l
}

// addRoute adds a route whose latency goes to lat.
func (l *restLoad) addRoute(name, path string, lat *Recorder) {
	l.routes = append(l.routes, &restRoute{name: name, path: path, lat: lat})
}

func (l *restLoad) op(i int64, scheduled time.Time) {
	n := int64(len(l.routes))
	route := l.routes[i%n]
	body := l.bodies[(i/n)%int64(len(l.bodies))]
	status, _, err := l.p.post(route.path, "application/json", body)
	if err != nil {
		l.errs.Add(requestKind(route.name, err))
		return
	}
	if status != 200 {
		l.errs.Addf("%s: status %d", route.name, status)
		return
	}
	route.lat.Record(time.Since(scheduled))
}

// run sends the mix at rate for cfg.Duration and returns how long it ran.
func (l *restLoad) run(ctx context.Context, cfg *Config, label string, rate float64,
) time.Duration {
	recorders := []*Recorder{l.lag}
	for _, r := range l.routes {
		recorders = append(recorders, r.lat)
	}
	m := startMeter(recorders...)
	defer m.Stop()
	bar := startProgress(cfg.Progress, cfg.ProgressTerminal, label, cfg.Duration,
		func() string {
			var done int64
			for _, r := range l.routes {
				done += r.lat.Count()
			}
			return fmt.Sprintf("%d replies, %d errors", done, l.errs.Total())
		})
	defer bar.Stop()

	start := time.Now()
	Schedule{Rate: rate, Duration: cfg.Duration, MaxInFlight: cfg.MaxInFlight, Lag: l.lag}.
		Run(ctx, l.op)
	return time.Since(start)
}

func runREST(ctx context.Context, cfg *Config, res *Result, srv *Server) error {
	p, err := newPoster(cfg.HTTP, cfg.MaxInFlight, cfg.Timeout)
	if err != nil {
		return err
	}
	customers, err := setupREST(ctx, cfg)
	if err != nil {
		return err
	}
	sessions := make([]string, len(customers))
	for i, c := range customers {
		sessions[i] = c.ID
	}

	errs := NewErrors()
	load := newRESTLoad(p, errs, sessions)
	load.addRoute("wx_session/shop", shopPath, NewRecorder("wx_session/shop", true))
	load.addRoute("wx_pay/list", listPath, NewRecorder("wx_pay/list", true))
	status, _, err := p.post(contentPath, "application/json", load.bodies[0])
	switch {
	case err == nil && status == 200:
		load.addRoute("wx_session/content", contentPath, NewRecorder("wx_session/content", true))
	case err == nil:
		res.Notes = append(res.Notes, fmt.Sprintf("%s returned status %d to a probe; "+
			"left out of the mix", contentPath, status))
	default:
		return fmt.Errorf("probe %s: %w", contentPath, err)
	}

	pid := 0
	if srv != nil {
		pid = srv.Pid()
	}
	metrics, err := newPoster(cfg.metricsURL(), 1, cfg.Timeout)
	if err != nil {
		return fmt.Errorf("--metrics: %w", err)
	}
	cpu, work := startCPU(pid), startWork(metrics)
	elapsed := load.run(ctx, cfg, "rest", cfg.Rate)
	res.CPU, res.Work = cpu.stop(), work.stop()
	var total int64
	for _, r := range load.routes {
		res.Latencies = append(res.Latencies, r.lat.Summary())
		res.Counts = append(res.Counts, Count{r.name, r.lat.Count(), rate(r.lat.Count(), elapsed)})
		total += r.lat.Count()
	}
	res.Latencies = append(res.Latencies, load.lag.Summary())
	res.Counts = append(res.Counts, Count{"all routes", total, rate(total, elapsed)})
	res.Errors, res.ErrorTotal = errs.Counts(), errs.Total()
	res.Notes = append(res.Notes, "latencies count from the scheduled start (open-loop)")

	if cfg.Baseline && ctx.Err() == nil {
		return compareREST(ctx, cfg, res, load)
	}
	return nil
}

// setupREST opens the shops and logs in the customers, each with one paid
// order, so that the shop list and each order list have content.
func setupREST(ctx context.Context, cfg *Config) ([]client.Session, error) {
	ctx, cancel := context.WithTimeout(ctx, setupDeadline)
	defer cancel()
	c, err := newSetupClient(cfg)
	if err != nil {
		return nil, err
	}
	shops, err := setupShops(ctx, c, cfg.Shops)
	if err != nil {
		return nil, err
	}
	customers, err := loginCustomers(ctx, c, cfg.Customers)
	if err != nil {
		return nil, err
	}
	err = parallel(ctx, len(customers), func(i int) error {
		product := shops[i%len(shops)].products[0]
		params, err := c.Order(ctx, customers[i].ID,
			client.Line{ProductID: product.ProductID, Quantity: 1})
		if err != nil {
			return fmt.Errorf("place an order: %w", err)
		}
		return c.Notify(ctx, params.OrderID, customerOpenID(i), product.TotalFee)
	})
	return customers, err
}

// compareREST runs the REST baseline with the same routes, rate and
// duration and stores it with the ratio of each route in res.
func compareREST(ctx context.Context, cfg *Config, res *Result, load *restLoad) error {
	paths := make([]string, len(load.routes))
	for i, r := range load.routes {
		paths[i] = r.path
	}
	base, err := runRESTBaseline(ctx, cfg, paths, cfg.Rate)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	res.Baseline = base
	res.Notes = append(res.Notes, base.Notes...)
	floor := findLatency(base.Latencies, bareRESTName)
	for _, r := range load.routes {
		res.Ratios = append(res.Ratios, ratioOf(r.name, "bare fasthttp", r.lat.Summary(), floor))
	}
	return nil
}

// findLatency returns the summary named name, or an empty one.
func findLatency(list []LatencySummary, name string) LatencySummary {
	for _, s := range list {
		if s.Name == name {
			return s
		}
	}
	return LatencySummary{Name: name}
}
