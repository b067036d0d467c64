package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// httpGet returns the status and body of a GET of url.
func httpGet(ctx context.Context, t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatalf("new request for %s: %v", url, err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read the body of GET %s: %v", url, err)
	}
	return res.StatusCode, string(body)
}

// metricValue returns the value of the first series in a Prometheus text
// exposition named name with every label in labels ("k=\"v\"" pairs), and
// false when there is none.
func metricValue(text, name string, labels ...string) (float64, bool) {
	scanner := bufio.NewScanner(strings.NewReader(text))
	scanner.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		cut := strings.LastIndexByte(line, ' ')
		if strings.HasPrefix(line, "#") || cut < 0 {
			continue
		}
		series, value := line[:cut], line[cut+1:]
		seriesName, labelText, _ := strings.Cut(series, "{")
		if seriesName != name || !hasAllLabels(labelText, labels) {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		return v, err == nil
	}
	return 0, false
}

func hasAllLabels(labelText string, labels []string) bool {
	for _, l := range labels {
		if !strings.Contains(labelText, l) {
			return false
		}
	}
	return true
}

// waitMetric polls GET /metrics until the series satisfies cond, failing
// when ctx ends. It returns the value.
func waitMetric(ctx context.Context, t *testing.T, srv *server, what string,
	cond func(float64) bool, name string, labels ...string,
) float64 {
	t.Helper()
	for {
		_, text := httpGet(ctx, t, srv.HTTP+"/metrics")
		v, ok := metricValue(text, name, labels...)
		if ok && cond(v) {
			return v
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s%v = %v (present %v), want %s: %v", name, labels, v, ok, what,
				ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func metricIs(want float64) func(float64) bool {
	return func(v float64) bool { return v == want }
}

func metricAtLeast(want float64) func(float64) bool {
	return func(v float64) bool { return v >= want }
}

// pprofAddr returns the address from the server's "pprof listening" line.
func pprofAddr(t *testing.T, srv *server) string {
	t.Helper()
	for line := range strings.SplitSeq(srv.log.String(), "\n") {
		var entry struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "pprof listening" {
			return entry.Addr
		}
	}
	t.Fatalf("the server logged no \"pprof listening\" line")
	return ""
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 30*time.Second)
	srv := startServer(t, t.TempDir())

	if code, body := httpGet(ctx, t, srv.HTTP+"/healthz"); code != 200 ||
		body != `{"status":"ok"}` {
		t.Errorf("GET /healthz = %d %s, want 200 {\"status\":\"ok\"}", code, body)
	}
	if code, body := httpGet(ctx, t, srv.HTTP+"/readyz"); code != 200 ||
		body != `{"status":"ready"}` {
		t.Errorf("GET /readyz = %d %s, want 200 {\"status\":\"ready\"}", code, body)
	}
	_, text := httpGet(ctx, t, srv.HTTP+"/metrics")
	for _, name := range []string{"process_resident_memory_bytes",
		"go_memstats_heap_alloc_bytes", "go_goroutines"} {
		if _, ok := metricValue(text, name); !ok {
			t.Errorf("/metrics has no %s", name)
		}
	}
	if v, ok := metricValue(text, "callme_ready"); !ok || v != 1 {
		t.Errorf("callme_ready = %v (present %v), want 1", v, ok)
	}
	if v, ok := metricValue(text, "callme_actors_live", `kind="sessions"`); !ok || v != 16 {
		t.Errorf("callme_actors_live{kind=\"sessions\"} = %v (present %v), want 16", v, ok)
	}
}

func TestMetricsFollowAnOrder(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 60*time.Second)
	srv := startServer(t, t.TempDir())
	c := srv.Client()
	sh := openShop(ctx, t, c, "s1")
	customer := login(ctx, t, c, "c1")

	sock := dial(ctx, t, c, customer.ID, "customer")
	waitMetric(ctx, t, srv, "1 with one socket", metricIs(1), "callme_sockets_open")

	id, fee := sh.order(ctx, t, c, customer)
	pay(ctx, t, c, id, "dev-c1", fee)
	if _, err := sock.WaitFor(ctx, "order"); err != nil {
		t.Fatalf("order push after payment: %v", err)
	}
	waitMetric(ctx, t, srv, "1 after one paid order", metricIs(1),
		"callme_order_transitions_total", `status="paid"`)
	waitMetric(ctx, t, srv, "1 paid order open", metricIs(1),
		"callme_orders_open", `status="paid"`)
	waitMetric(ctx, t, srv, "no unpaid order open", metricIs(0),
		"callme_orders_open", `status="unpaid"`)
	waitMetric(ctx, t, srv, "at least 1 push", metricAtLeast(1),
		"callme_push_seconds_count")
	waitMetric(ctx, t, srv, "at least 1 write", metricAtLeast(1),
		"callme_persist_seconds_count")
	waitMetric(ctx, t, srv, "at least 1 login", metricAtLeast(1),
		"callme_rest_seconds_count",
		`route="/callme/wx_session/index"`, `code="200"`)

	sock.Close()
	waitMetric(ctx, t, srv, "0 after the socket closed", metricIs(0), "callme_sockets_open")
}

func TestPprofFlag(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 30*time.Second)
	srv := startServer(t, t.TempDir(), "--pprof", "127.0.0.1:0")

	addr := pprofAddr(t, srv)
	code, body := httpGet(ctx, t, "http://"+addr+"/debug/pprof/")
	if code != 200 {
		t.Fatalf("GET /debug/pprof/ = %d, want 200", code)
	}
	if !strings.Contains(body, "goroutine") {
		t.Errorf("/debug/pprof/ lists no goroutine profile:\n%.500s", body)
	}
	code, _ = httpGet(ctx, t, "http://"+addr+"/debug/pprof/goroutine?debug=1")
	if code != 200 {
		t.Errorf("GET /debug/pprof/goroutine = %d, want 200", code)
	}
	if code := srv.Terminate(); code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0", code)
	}
}

func TestPprofOffByDefault(t *testing.T) {
	t.Parallel()
	srv := startServer(t, t.TempDir())
	if strings.Contains(srv.log.String(), "pprof listening") {
		t.Errorf("the server serves pprof without --pprof:\n%s", srv.log)
	}
}
