package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// sample returns the value of the series name{labels} in m: the value of a
// gauge or counter, or the sample count of a histogram. ok is false when
// the series is missing.
func sample(t *testing.T, m *Metrics, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, metric := range f.GetMetric() {
			if hasLabels(metric, labels) {
				return valueOf(metric), true
			}
		}
	}
	return 0, false
}

func hasLabels(metric *dto.Metric, want map[string]string) bool {
	matched := 0
	for _, pair := range metric.GetLabel() {
		if v, ok := want[pair.GetName()]; ok && v == pair.GetValue() {
			matched++
		}
	}
	return matched == len(want)
}

func valueOf(metric *dto.Metric) float64 {
	switch {
	case metric.GetGauge() != nil:
		return metric.GetGauge().GetValue()
	case metric.GetCounter() != nil:
		return metric.GetCounter().GetValue()
	case metric.GetHistogram() != nil:
		return float64(metric.GetHistogram().GetSampleCount())
	}
	return 0
}

func wantSample(t *testing.T, m *Metrics, name string, labels map[string]string, want float64) {
	t.Helper()
	got, ok := sample(t, m, name, labels)
	if !ok {
		t.Errorf("%s%v is missing", name, labels)
		return
	}
	if got != want {
		t.Errorf("%s%v = %v, want %v", name, labels, got, want)
	}
}

func TestNewRegistersRuntimeAndCallmeMetrics(t *testing.T) {
	m := New()
	for _, name := range []string{
		"process_resident_memory_bytes",
		"go_memstats_heap_alloc_bytes",
		"go_goroutines",
		"callme_sockets_open",
		"callme_ready",
		"callme_persist_seconds",
		"callme_push_seconds",
	} {
		if _, ok := sample(t, m, name, nil); !ok {
			t.Errorf("metric %s is missing", name)
		}
	}
	for _, status := range orderStatuses {
		wantSample(t, m, "callme_order_transitions_total", map[string]string{"status": status}, 0)
	}
}

func TestFuncGaugesReadTheirFunctions(t *testing.T) {
	m := New()
	wantSample(t, m, "callme_sockets_open", nil, 0)
	wantSample(t, m, "callme_ready", nil, 0)

	open, ready := 3, true
	m.SetSocketsOpen(func() int { return open })
	m.SetReady(func() bool { return ready })
	wantSample(t, m, "callme_sockets_open", nil, 3)
	wantSample(t, m, "callme_ready", nil, 1)

	open, ready = 0, false
	wantSample(t, m, "callme_sockets_open", nil, 0)
	wantSample(t, m, "callme_ready", nil, 0)
}

func TestKindReturnsCachedGauges(t *testing.T) {
	m := New()
	order := m.Kind("order")
	if again := m.Kind("order"); again != order {
		t.Fatalf("second Kind(order) = %p, want the first %p", again, order)
	}
	order.Live.Inc()
	order.Depth.Add(2)
	m.Kind("shop").Live.Inc()

	wantSample(t, m, "callme_actors_live", map[string]string{"kind": "order"}, 1)
	wantSample(t, m, "callme_actors_live", map[string]string{"kind": "shop"}, 1)
	wantSample(t, m, "callme_mailbox_depth", map[string]string{"kind": "order"}, 2)
}

func TestObserveRecordsSamples(t *testing.T) {
	m := New()
	m.OrderReached("paid")
	m.ObservePersist(3 * time.Millisecond)
	m.ObservePush(time.Millisecond)
	m.ObserveREST("/callme/wx_session/index", 200, 2*time.Millisecond)
	m.ObserveREST("/callme/wx_session/index", 401, time.Millisecond)

	wantSample(t, m, "callme_order_transitions_total", map[string]string{"status": "paid"}, 1)
	wantSample(t, m, "callme_persist_seconds", nil, 1)
	wantSample(t, m, "callme_push_seconds", nil, 1)
	route := "/callme/wx_session/index"
	wantSample(t, m, "callme_rest_seconds",
		map[string]string{"route": route, "code": "200"}, 1)
	wantSample(t, m, "callme_rest_seconds",
		map[string]string{"route": route, "code": "401"}, 1)
}

func TestStatusTextOutsideTable(t *testing.T) {
	for code, want := range map[int]string{200: "200", 599: "599", 600: "600", -1: "-1"} {
		if got := statusText(code); got != want {
			t.Errorf("statusText(%d) = %q, want %q", code, got, want)
		}
	}
}

func TestNilMetricsDoesNothing(t *testing.T) {
	var m *Metrics
	m.SetSocketsOpen(func() int { return 1 })
	m.SetReady(func() bool { return true })
	m.OrderReached("paid")
	m.ObservePersist(time.Millisecond)
	m.ObservePush(time.Millisecond)
	m.ObserveREST("/x", 200, time.Millisecond)
	if k := m.Kind("order"); k != nil {
		t.Errorf("Kind on nil Metrics = %v, want nil", k)
	}
	if r := m.Registry(); r != nil {
		t.Errorf("Registry on nil Metrics = %v, want nil", r)
	}

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("Handler of nil Metrics answered %d, want 404", rec.Code)
	}
}

func TestHandlerServesTextFormat(t *testing.T) {
	m := New()
	m.SetSocketsOpen(func() int { return 2 })
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)

	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read /metrics: %v", err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: status %d, want 200", res.StatusCode)
	}
	if !strings.Contains(string(body), "\ncallme_sockets_open 2\n") {
		t.Errorf("body has no line \"callme_sockets_open 2\":\n%.2000s", body)
	}
}

func BenchmarkKindDepth(b *testing.B) {
	depth := New().Kind("order").Depth
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			depth.Inc()
			depth.Dec()
		}
	})
}
