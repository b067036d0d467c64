package actors

import (
	"log/slog"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	dto "github.com/prometheus/client_model/go"

	"callme/metrics"
	"callme/persistence"
	"callme/standin"
	"callme/wechat"
)

// startMetered starts an engine like startEngine, with m as its metrics and
// idle actors unloaded after idle.
func startMetered(t *testing.T, m *metrics.Metrics, idle time.Duration) *testEngine {
	t.Helper()
	te := startEngine(t, 50)
	te.stop()
	te.idle = idle
	te.openMetered(m, 50)
	return te
}

// openMetered is te.open with Options.Metrics set.
func (te *testEngine) openMetered(m *metrics.Metrics, interval int) {
	te.t.Helper()
	store, err := persistence.Open(te.dir)
	if err != nil {
		te.t.Fatalf("open store: %v", err)
	}
	e, err := Start(Options{
		Provider: store.Provider(interval),
		Login: &wechat.LoginClient{BaseURL: te.stubs.URL, AppID: standin.AppID,
			Secret: standin.Secret},
		Pay:       te.pay,
		Admins:    te.admins,
		Heartbeat: 2 * time.Second,
		OrderIdle: te.idle,
		Now:       te.clock.Now,
		Metrics:   m,
	})
	if err != nil {
		te.t.Fatalf("start engine: %v", err)
	}
	te.e, te.store = e, store
}

// sampleOf returns the series name{labels} of m: a gauge or counter value,
// or a histogram's sample count. It returns -1 when the series is missing.
func sampleOf(t *testing.T, m *metrics.Metrics, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			if labelsMatch(s, labels) {
				return sampleValue(s)
			}
		}
	}
	return -1
}

func labelsMatch(s *dto.Metric, want map[string]string) bool {
	matched := 0
	for _, pair := range s.GetLabel() {
		if v, ok := want[pair.GetName()]; ok && v == pair.GetValue() {
			matched++
		}
	}
	return matched == len(want)
}

func sampleValue(s *dto.Metric) float64 {
	switch {
	case s.GetGauge() != nil:
		return s.GetGauge().GetValue()
	case s.GetCounter() != nil:
		return s.GetCounter().GetValue()
	case s.GetHistogram() != nil:
		return float64(s.GetHistogram().GetSampleCount())
	}
	return 0
}

// waitSample polls until name{labels} satisfies cond, failing after 10 s.
func waitSample(t *testing.T, m *metrics.Metrics, name string, labels map[string]string,
	what string, cond func(float64) bool,
) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		v := sampleOf(t, m, name, labels)
		if cond(v) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s%v = %v after 10 s, want %s", name, labels, v, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func valueIs(want float64) func(float64) bool {
	return func(v float64) bool { return v == want }
}

func valueAtLeast(want float64) func(float64) bool {
	return func(v float64) bool { return v >= want }
}

func kindLabel(k string) map[string]string { return map[string]string{"kind": k} }

func TestMetricsCountLiveActors(t *testing.T) {
	m := metrics.New()
	te := startMetered(t, m, time.Second)
	for k, want := range map[string]float64{"sessions": 16, "sellers": 1, "hub": 1,
		"catalog": 1} {
		if got := sampleOf(t, m, "callme_actors_live", kindLabel(k)); got != want {
			t.Errorf("callme_actors_live{kind=%q} = %v after Start, want %v", k, got, want)
		}
	}

	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 5)
	customer := te.login("c1")
	_, conn, _ := te.dial(customer)
	if got := sampleOf(t, m, "callme_actors_live", kindLabel("conn")); got != 1 {
		t.Errorf("callme_actors_live{kind=\"conn\"} = %v with one socket, want 1", got)
	}
	if got := sampleOf(t, m, "callme_actors_live", kindLabel("shop")); got != 1 {
		t.Errorf("callme_actors_live{kind=\"shop\"} = %v with one shop, want 1", got)
	}
	conn.Closed()
	waitSample(t, m, "callme_actors_live", kindLabel("conn"), "0 after close", valueIs(0))

	id := te.order(customer, OrderLine{ProductID: rice, Quantity: 1})
	if got := sampleOf(t, m, "callme_actors_live", kindLabel("order")); got != 1 {
		t.Errorf("callme_actors_live{kind=\"order\"} = %v with one order, want 1", got)
	}
	te.mustPay(id, "dev-c1", 100)
	if err := te.e.Done(seller, id); err != nil {
		t.Fatalf("done: %v", err)
	}
	waitSample(t, m, "callme_actors_live", kindLabel("order"), "0 after the order unloads",
		valueIs(0))

	for _, k := range []string{"sessions", "sellers", "hub", "catalog", "shop", "order",
		"user", "conn"} {
		waitSample(t, m, "callme_mailbox_depth", kindLabel(k), "0 when idle", valueIs(0))
	}
}

func TestMetricsCountOrderTransitionsOnce(t *testing.T) {
	m := metrics.New()
	te := startMetered(t, m, 0)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 5)
	customer := te.login("c1")
	id := te.order(customer, OrderLine{ProductID: rice, Quantity: 1})
	te.mustPay(id, "dev-c1", 100)
	if err := te.e.Call(seller, id); err != nil {
		t.Fatalf("call: %v", err)
	}
	want := map[string]float64{"unpaid": 1, "paid": 1, "called": 1, "done": 0, "closed": 0}
	wantTransitions := func(when string) {
		t.Helper()
		for status, n := range want {
			got := sampleOf(t, m, "callme_order_transitions_total",
				map[string]string{"status": status})
			if got != n {
				t.Errorf("%s: callme_order_transitions_total{status=%q} = %v, want %v",
					when, status, got, n)
			}
		}
	}
	wantTransitions("after pay and call")
	if got := sampleOf(t, m, "callme_persist_seconds", nil); got < 1 {
		t.Errorf("callme_persist_seconds count = %v, want at least 1", got)
	}

	// A restarted engine replays the order without counting it again.
	te.stop()
	te.openMetered(m, 50)
	if err := te.e.Call(seller, id); err != nil {
		t.Fatalf("call after restart: %v", err)
	}
	if !te.running("order-" + id) {
		t.Fatalf("order actor not running after the call")
	}
	wantTransitions("after restart")
	if err := te.e.Done(seller, id); err != nil {
		t.Fatalf("done: %v", err)
	}
	want["done"] = 1
	wantTransitions("after done")
}

func TestMetricsTimePushes(t *testing.T) {
	m := metrics.New()
	te := startMetered(t, m, 0)
	seller, _ := te.openShop("s1", "Noodles")
	rice := te.addProduct(seller, "Rice", 100, 5)
	customer := te.login("c1")
	socket, _ := te.connect(customer)
	if got := sampleOf(t, m, "callme_push_seconds", nil); got != 0 {
		t.Fatalf("callme_push_seconds count = %v before any push, want 0", got)
	}

	id := te.order(customer, OrderLine{ProductID: rice, Quantity: 1})
	te.mustPay(id, "dev-c1", 100)
	socket.nextKind(t, "order")
	// The actor records the push after the socket's WriteText returns.
	waitSample(t, m, "callme_push_seconds", nil, "at least 1 push", valueAtLeast(1))
}

// panicky panics on "boom" and reports every other message on seen.
type panicky struct{ seen chan any }

func (p *panicky) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case string:
		if m == "boom" {
			panic("boom")
		}
		p.seen <- m
	}
}

func TestMailboxStatsSurvivePanicAndStop(t *testing.T) {
	m := metrics.New()
	e := &Engine{opts: Options{Metrics: m}}
	system := quietSystem()
	t.Cleanup(system.Shutdown)
	seen := make(chan any, 8)
	props := e.instrument("panicky", actor.PropsFromProducer(func() actor.Actor {
		return &panicky{seen: seen}
	}))
	pid := system.Root.Spawn(props)

	system.Root.Send(pid, "boom")
	system.Root.Send(pid, "after")
	select {
	case <-seen:
	case <-time.After(5 * time.Second):
		t.Fatal("actor received nothing within 5 s after its panic")
	}
	waitSample(t, m, "callme_mailbox_depth", kindLabel("panicky"), "0 after the panic", valueIs(0))
	if got := sampleOf(t, m, "callme_actors_live", kindLabel("panicky")); got != 1 {
		t.Errorf("callme_actors_live = %v after a restart, want 1", got)
	}

	system.Root.Stop(pid)
	system.Root.Stop(pid)
	waitSample(t, m, "callme_actors_live", kindLabel("panicky"), "0 after Stop", valueIs(0))
	waitSample(t, m, "callme_mailbox_depth", kindLabel("panicky"), "0 after Stop", valueIs(0))
}

func TestKindOf(t *testing.T) {
	for name, want := range map[string]string{
		"order-20261204-1-0001": "order",
		"sessions-03":           "sessions",
		"user-dev-c1":           "user",
		"hub":                   "hub",
	} {
		if got := kindOf(name); got != want {
			t.Errorf("kindOf(%q) = %q, want %q", name, got, want)
		}
	}
}

// quietSystem returns an actor system that discards protoactor's logs.
func quietSystem() *actor.ActorSystem {
	return actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
}

type benchMessage struct{}

// BenchmarkMailboxStats measures the cost of the mailbox middleware per
// message sent from outside the actor system.
func BenchmarkMailboxStats(b *testing.B) {
	for _, metered := range []bool{false, true} {
		name := "plain"
		if metered {
			name = "metered"
		}
		b.Run(name, func(b *testing.B) {
			system := quietSystem()
			defer system.Shutdown()
			e := &Engine{}
			if metered {
				e.opts.Metrics = metrics.New()
			}
			done := make(chan struct{})
			received := 0
			props := e.instrument("bench", actor.PropsFromFunc(func(ctx actor.Context) {
				if _, ok := ctx.Message().(*benchMessage); ok {
					if received++; received == b.N {
						close(done)
					}
				}
			}))
			pid := system.Root.Spawn(props)
			msg := &benchMessage{}

			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				system.Root.Send(pid, msg)
			}
			<-done
		})
	}
}
