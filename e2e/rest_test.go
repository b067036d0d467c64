package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRESTErrors(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 30*time.Second)
	srv := startServer(t, t.TempDir())
	c := srv.Client()
	sh := openShop(ctx, t, c, "s1")
	customer := login(ctx, t, c, "c1")

	t.Run("invalid session", func(t *testing.T) {
		_, err := c.Orders(ctx, "no-such-session")
		wantAPIError(t, err, http.StatusUnauthorized, "invalid session")
	})
	t.Run("customer lists applications", func(t *testing.T) {
		_, err := c.Applications(ctx, customer.ID)
		wantAPIError(t, err, http.StatusForbidden, "admin only")
	})
	t.Run("unknown route", func(t *testing.T) {
		err := c.Call(ctx, "/callme/no_such/route", map[string]string{}, nil)
		wantAPIError(t, err, http.StatusNotFound, "/callme/no_such/route")
	})
	t.Run("GET on a POST route", func(t *testing.T) {
		status, msg := send(t, http.MethodGet, srv.HTTP+"/callme/wx_pay/list", nil)
		if status != http.StatusMethodNotAllowed {
			t.Errorf("status = %d, want 405", status)
		}
		if !strings.Contains(msg, "POST") {
			t.Errorf("errmsg = %q, want it to name POST", msg)
		}
	})
	t.Run("body over 1 MiB", func(t *testing.T) {
		fields := map[string]string{"session_id": strings.Repeat("x", 1<<20)}
		err := c.Call(ctx, "/callme/wx_pay/list", fields, nil)
		wantAPIError(t, err, http.StatusRequestEntityTooLarge, "1 MiB")
	})
	t.Run("chunked body over 1 MiB", func(t *testing.T) {
		// A reader of unknown length makes net/http send the body chunked,
		// without Content-Length, so the server finds the size by reading.
		body := io.MultiReader(strings.NewReader(`{"session_id":"`),
			strings.NewReader(strings.Repeat("x", 1<<20)), strings.NewReader(`"}`))
		status, msg := send(t, http.MethodPost, srv.HTTP+"/callme/wx_pay/list", body)
		if status != http.StatusRequestEntityTooLarge {
			t.Errorf("status = %d (errmsg %q), want 413", status, msg)
		}
		if !strings.Contains(msg, "1 MiB") {
			t.Errorf("errmsg = %q, want it to contain %q", msg, "1 MiB")
		}
	})
	t.Run("missing field", func(t *testing.T) {
		_, err := c.Login(ctx, "")
		wantAPIError(t, err, http.StatusBadRequest, "missing field code")
		err = c.Call(ctx, "/callme/signin/index", map[string]string{
			"session_id": customer.ID,
			"phone":      "13800000002",
		}, nil)
		wantAPIError(t, err, http.StatusBadRequest, "missing field shop_name")
	})
	t.Run("call an unpaid order", func(t *testing.T) {
		orderID, _ := sh.order(ctx, t, c, customer)
		err := c.CallOrder(ctx, sh.seller.ID, orderID)
		wantAPIError(t, err, http.StatusConflict, "not paid")
	})
}

// send sends a request with body, which may be nil, and returns the status
// and the errmsg of the JSON reply.
func send(t *testing.T, method, url string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatalf("build %s %s: %v", method, url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		t.Fatalf("read the reply of %s %s: %v", method, url, err)
	}
	var m struct {
		Errmsg string `json:"errmsg"`
	}
	if err := json.Unmarshal(reply, &m); err != nil {
		t.Fatalf("reply of %s %s is not JSON: %v: %q", method, url, err, reply)
	}
	return res.StatusCode, m.Errmsg
}
