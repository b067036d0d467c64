package edge

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"callme/metrics"
)

// startRESTWithOps is startREST with the operator endpoints set by SetOps.
func startRESTWithOps(t *testing.T, e Engine, ops Ops) string {
	t.Helper()
	ln, err := Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	log, _ := newTestLogger()
	rest := NewREST(e, log)
	rest.SetOps(ops)
	served := make(chan error, 1)
	go func() { served <- rest.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := rest.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("Serve returned %v after Shutdown, want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return within 5s of Shutdown")
		}
	})
	return "http://" + ln.Addr().String()
}

func get(t *testing.T, url string) reply {
	t.Helper()
	return send(t, http.DefaultClient, http.MethodGet, url, "", nil)
}

// wantStatusReply checks a /healthz or /readyz reply.
func wantStatusReply(t *testing.T, r reply, code int, want statusReply) {
	t.Helper()
	if r.status != code {
		t.Errorf("status = %d, want %d", r.status, code)
	}
	if got := r.header.Get("Content-Type"); got != jsonContentType {
		t.Errorf("Content-Type = %q, want %q", got, jsonContentType)
	}
	var got statusReply
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatalf("body %q is not JSON: %v", r.body, err)
	}
	if got != want {
		t.Errorf("body = %+v, want %+v", got, want)
	}
}

func TestHealthzWithoutOps(t *testing.T) {
	base := startREST(t, newFakeEngine())
	wantStatusReply(t, get(t, base+"/healthz"), http.StatusOK, statusReply{Status: "ok"})
	wantStatusReply(t, get(t, base+"/readyz"), http.StatusOK, statusReply{Status: "ready"})
	if r := get(t, base+"/metrics"); r.status != http.StatusNotFound {
		t.Errorf("GET /metrics without Ops.Metrics: status %d, want 404", r.status)
	}
}

func TestReadyzFollowsReadyCheck(t *testing.T) {
	var reason atomic.Pointer[string]
	down := "store closed"
	reason.Store(&down)
	base := startRESTWithOps(t, newFakeEngine(), Ops{Ready: func() error {
		if r := reason.Load(); r != nil {
			return errors.New(*r)
		}
		return nil
	}})

	wantStatusReply(t, get(t, base+"/readyz"), http.StatusServiceUnavailable,
		statusReply{Status: "not ready", Reason: "store closed"})
	wantStatusReply(t, get(t, base+"/healthz"), http.StatusOK, statusReply{Status: "ok"})

	reason.Store(nil)
	wantStatusReply(t, get(t, base+"/readyz"), http.StatusOK, statusReply{Status: "ready"})
}

func TestRESTSecondsByRoutePattern(t *testing.T) {
	m := metrics.New()
	base := startRESTWithOps(t, newFakeEngine(), Ops{Metrics: m})
	for range 2 {
		if r := postJSON(t, base+"/callme/wx_session/index", `{"code":"c1"}`); r.status != 200 {
			t.Fatalf("login: status %d, body %s", r.status, r.body)
		}
	}
	if r := postJSON(t, base+"/callme/wx_session/index", `{}`); r.status != 400 {
		t.Fatalf("login without code: status %d, want 400", r.status)
	}
	if r := postJSON(t, base+"/callme/no/such/route", `{}`); r.status != 404 {
		t.Fatalf("unknown route: status %d, want 404", r.status)
	}

	r := get(t, base+"/metrics")
	if r.status != http.StatusOK {
		t.Fatalf("GET /metrics: status %d, body %s", r.status, r.body)
	}
	text := string(r.body)
	for _, line := range []string{
		`callme_rest_seconds_count{code="200",route="/callme/wx_session/index"} 2`,
		`callme_rest_seconds_count{code="400",route="/callme/wx_session/index"} 1`,
		`callme_rest_seconds_count{code="404",route="unmatched"} 1`,
	} {
		if !strings.Contains(text, "\n"+line+"\n") {
			t.Errorf("/metrics has no line %q", line)
		}
	}
	if strings.Contains(text, "/callme/no/such/route") {
		t.Errorf("/metrics labels a series with the raw path of an unknown route")
	}
}
