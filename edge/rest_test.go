package edge

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"callme/actors"
)

// startREST serves a REST edge over e on a loopback port and returns its
// base URL. Cleanup shuts it down and checks that Serve returned nil.
func startREST(t *testing.T, e Engine) string {
	t.Helper()
	log, _ := newTestLogger()
	return startRESTWithLog(t, e, log)
}

func startRESTWithLog(t *testing.T, e Engine, log *slog.Logger) string {
	t.Helper()
	ln, err := Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	rest := NewREST(e, log)
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

// reply is a received HTTP response with its body read.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// errmsg returns the errmsg of a JSON reply, or "" when there is none.
func (r reply) errmsg(t *testing.T) string {
	t.Helper()
	var m message
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("reply body %.200q is not JSON: %v", r.body, err)
	}
	return m.Errmsg
}

func send(t *testing.T, client *http.Client, method, url, contentType string,
	body io.Reader) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read reply of %s %s: %v", method, url, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: data}
}

func postJSON(t *testing.T, url, body string) reply {
	t.Helper()
	return send(t, http.DefaultClient, http.MethodPost, url, "application/json",
		strings.NewReader(body))
}

func postForm(t *testing.T, url, body string) reply {
	t.Helper()
	return send(t, http.DefaultClient, http.MethodPost, url,
		"application/x-www-form-urlencoded", strings.NewReader(body))
}

func TestRESTEncodingsDecodeAlike(t *testing.T) {
	e := newFakeEngine()
	base := startREST(t, e)
	want := "ModifyProduct s1 {ProductID:9 ProductName:Beef noodles TotalFee:1250 " +
		"Inventory:30 Label:hot PicID:}"

	cases := []struct {
		name        string
		path        string
		contentType string
		body        string
	}{
		{"json numbers", "", "application/json",
			`{"session_id":"s1","product_id":9,"product_name":"Beef noodles",` +
				`"total_fee":1250,"inventory":30,"label":"hot"}`},
		{"json strings", "", "application/json; charset=utf-8",
			`{"session_id":"s1","product_id":"9","product_name":"Beef noodles",` +
				`"total_fee":"1250","inventory":" 30 ","label":"hot"}`},
		{"form", "", "application/x-www-form-urlencoded",
			"session_id=s1&product_id=9&product_name=Beef+noodles&total_fee=1250" +
				"&inventory=30&label=hot"},
		{"query string", "?session_id=s1&product_id=9&product_name=Beef%20noodles" +
			"&total_fee=1250&inventory=30&label=hot", "", ""},
		{"json without content type", "", "",
			`{"session_id":"s1","product_id":9,"product_name":"Beef noodles",` +
				`"total_fee":1250,"inventory":30,"label":"hot"}`},
		{"json labelled as a form", "", "application/x-www-form-urlencoded",
			`{"session_id":"s1","product_id":9,"product_name":"Beef noodles",` +
				`"total_fee":1250,"inventory":30,"label":"hot"}`},
		{"json and query", "?session_id=s1&label=hot", "application/json",
			`{"product_id":9,"product_name":"Beef noodles","total_fee":1250,` +
				`"inventory":30}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, http.DefaultClient, http.MethodPost,
				base+"/callme/product_man/modify"+tc.path, tc.contentType,
				strings.NewReader(tc.body))
			if r.status != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
			}
			if got := e.lastCall(); got != want {
				t.Errorf("engine call = %q\nwant %q", got, want)
			}
			if got := string(r.body); got != `{"errmsg":"ok","product_id":42}` {
				t.Errorf("body = %s", got)
			}
		})
	}
}

func TestRESTOrderListForms(t *testing.T) {
	e := newFakeEngine()
	base := startREST(t, e)
	want := "PlaceOrder s1 [{ProductID:3 Quantity:1} {ProductID:5 Quantity:2}]"

	cases := []struct {
		name string
		json string
		form string
	}{
		{name: "comma string", json: `{"session_id":"s1","product_id":"3,5","product_qu":"1,2"}`},
		{name: "spaces and brackets",
			json: `{"session_id":"s1","product_id":" 3, 5 ","product_qu":"[1,2]"}`},
		{name: "json arrays", json: `{"session_id":"s1","product_id":[3,5],"product_qu":[1,2]}`},
		{name: "arrays of strings",
			json: `{"session_id":"s1","product_id":["3","5"],"product_qu":["1","2"]}`},
		{name: "form comma list", form: "session_id=s1&product_id=3%2C5&product_qu=1,2"},
		{name: "form repeated keys",
			form: "session_id=s1&product_id=3&product_id=5&product_qu=1&product_qu=2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r reply
			if tc.json != "" {
				r = postJSON(t, base+"/callme/wx_pay/unifiedorder", tc.json)
			} else {
				r = postForm(t, base+"/callme/wx_pay/unifiedorder", tc.form)
			}
			if r.status != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
			}
			if got := e.lastCall(); got != want {
				t.Errorf("engine call = %q\nwant %q", got, want)
			}
			var params actors.PayParamsView
			if err := json.Unmarshal(r.body, &params); err != nil {
				t.Fatalf("body %s: %v", r.body, err)
			}
			if params.OrderID != "order-1" || params.SignType != "MD5" {
				t.Errorf("pay params = %+v", params)
			}
		})
	}
}

func TestRESTSingleProductOrder(t *testing.T) {
	e := newFakeEngine()
	base := startREST(t, e)
	r := postJSON(t, base+"/callme/wx_pay/unifiedorder",
		`{"session_id":"s1","product_id":3,"product_qu":1}`)
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
	}
	if got, want := e.lastCall(), "PlaceOrder s1 [{ProductID:3 Quantity:1}]"; got != want {
		t.Errorf("engine call = %q, want %q", got, want)
	}
}

func TestRESTInvalidFields(t *testing.T) {
	e := newFakeEngine()
	base := startREST(t, e)

	cases := []struct {
		name string
		path string
		body string
		want string
	}{
		{"missing name", "/callme/product_man/modify",
			`{"session_id":"s1","total_fee":1,"inventory":1}`,
			"missing field product_name"},
		{"empty session", "/callme/product_man/list", `{"session_id":""}`,
			"missing field session_id"},
		{"null session", "/callme/product_man/list", `{"session_id":null}`,
			"missing field session_id"},
		{"negative fee", "/callme/product_man/modify",
			`{"session_id":"s1","product_name":"x","total_fee":-1,"inventory":1}`,
			"invalid total_fee: must be a whole number of fen >= 0"},
		{"fractional fee", "/callme/product_man/modify",
			`{"session_id":"s1","product_name":"x","total_fee":"12.5","inventory":1}`,
			"invalid total_fee: must be a whole number of fen >= 0"},
		{"boolean inventory", "/callme/product_man/modify",
			`{"session_id":"s1","product_name":"x","total_fee":1,"inventory":true}`,
			"invalid inventory: must be a whole number >= 0"},
		{"object name", "/callme/product_man/modify",
			`{"session_id":"s1","product_name":{},"total_fee":1,"inventory":1}`,
			"invalid product_name: must be a string"},
		{"zero seller", "/callme/signin/auth", `{"session_id":"s1","seller_id":0}`,
			"invalid seller_id: must be a whole number >= 1"},
		{"zero quantity", "/callme/wx_pay/unifiedorder",
			`{"session_id":"s1","product_id":"3,5","product_qu":"1,0"}`,
			`invalid product_qu: item 2 is "0", must be a whole number >= 1`},
		{"empty list item", "/callme/wx_pay/unifiedorder",
			`{"session_id":"s1","product_id":"3,,5","product_qu":"1,1,1"}`,
			`invalid product_id: item 2 is "", must be a whole number >= 1`},
		{"missing quantities", "/callme/wx_pay/unifiedorder",
			`{"session_id":"s1","product_id":"3,5"}`, "missing field product_qu"},
		{"list lengths differ", "/callme/wx_pay/unifiedorder",
			`{"session_id":"s1","product_id":"3,5","product_qu":"1"}`,
			"product_id lists 2 products but product_qu lists 1 quantities: " +
				"give one quantity per product"},
		{"first missing field wins", "/callme/signin/index", `{}`,
			"missing field session_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.lastCall()
			r := postJSON(t, base+tc.path, tc.body)
			if r.status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", r.status)
			}
			if got := r.errmsg(t); got != tc.want {
				t.Errorf("errmsg = %q\nwant %q", got, tc.want)
			}
			if got := e.lastCall(); got != before {
				t.Errorf("engine was called: %q", got)
			}
		})
	}
}

func TestRESTMalformedJSON(t *testing.T) {
	base := startREST(t, newFakeEngine())
	for _, body := range []string{`{"session_id":`, `{"a":1} trailing`, `[1,2]`} {
		r := postJSON(t, base+"/callme/product_man/list", body)
		if r.status != http.StatusBadRequest {
			t.Errorf("body %q: status = %d, want 400", body, r.status)
		}
		if got := r.errmsg(t); !strings.HasPrefix(got, "invalid JSON body: ") {
			t.Errorf("body %q: errmsg = %q, want prefix %q", body, got, "invalid JSON body: ")
		}
	}
}

func TestRESTUnsupportedContentType(t *testing.T) {
	base := startREST(t, newFakeEngine())
	r := send(t, http.DefaultClient, http.MethodPost, base+"/callme/product_man/list",
		"multipart/form-data; boundary=x", strings.NewReader("--x--\r\n"))
	if r.status != http.StatusUnsupportedMediaType {
		t.Errorf("status = %d, want 415", r.status)
	}
	if got := r.errmsg(t); !strings.Contains(got, "multipart/form-data") {
		t.Errorf("errmsg = %q, want it to name the Content-Type", got)
	}
}

func TestRESTMethodNotAllowed(t *testing.T) {
	base := startREST(t, newFakeEngine())
	r := send(t, http.DefaultClient, http.MethodGet, base+"/callme/queue/list", "", nil)
	if r.status != http.StatusMethodNotAllowed {
		t.Errorf("status = %d, want 405", r.status)
	}
	if got := r.header.Get("Allow"); !strings.Contains(got, "POST") {
		t.Errorf("Allow = %q, want it to list POST", got)
	}
	if got, want := r.errmsg(t), "method GET not allowed, use POST"; got != want {
		t.Errorf("errmsg = %q, want %q", got, want)
	}
	if got := r.header.Get("Content-Type"); got != jsonContentType {
		t.Errorf("Content-Type = %q, want %q", got, jsonContentType)
	}
}

func TestRESTUnknownRoute(t *testing.T) {
	base := startREST(t, newFakeEngine())
	for _, path := range []string{"/callme/x", "/callme/queue/list/", "/callme/Queue/List"} {
		r := postJSON(t, base+path, `{}`)
		if r.status != http.StatusNotFound {
			t.Errorf("%s: status = %d, want 404", path, r.status)
		}
		if got, want := r.errmsg(t), "no such route "+path; got != want {
			t.Errorf("%s: errmsg = %q, want %q", path, got, want)
		}
	}
}

// paddedJSON returns a valid login body of exactly size bytes.
func paddedJSON(size int) string {
	head := `{"code":"c","pad":"`
	tail := `"}`
	return head + strings.Repeat("x", size-len(head)-len(tail)) + tail
}

// rawPost writes one POST on conn with the given framing header and body,
// then reads the reply. A reset while writing fails the test.
func rawPost(t *testing.T, conn net.Conn, framing, body string) reply {
	t.Helper()
	head := "POST /callme/wx_session/index HTTP/1.1\r\nHost: callme\r\n" +
		"Content-Type: application/json\r\n" + framing + "\r\n\r\n"
	if _, err := io.WriteString(conn, head+body); err != nil {
		t.Fatalf("write request: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read reply: %v", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read reply body: %v", err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: data}
}

func contentLength(body string) string {
	return "Content-Length: " + strconv.Itoa(len(body))
}

func chunkedBody(body string) string {
	return strconv.FormatInt(int64(len(body)), 16) + "\r\n" + body + "\r\n0\r\n\r\n"
}

func TestRESTBodyTooLarge(t *testing.T) {
	e := newFakeEngine()
	addr := strings.TrimPrefix(startREST(t, e), "http://")
	small := `{"code":"after"}`

	cases := []struct {
		name    string
		framing string
		body    string
	}{
		{"1 MiB + 1", contentLength(paddedJSON(maxBodySize + 1)), paddedJSON(maxBodySize + 1)},
		{"5 MiB", contentLength(paddedJSON(5 << 20)), paddedJSON(5 << 20)},
		{"chunked 1 MiB + 1", "Transfer-Encoding: chunked",
			chunkedBody(paddedJSON(maxBodySize + 1))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))

			r := rawPost(t, conn, tc.framing, tc.body)
			if r.status != http.StatusRequestEntityTooLarge {
				t.Errorf("status = %d, want 413", r.status)
			}
			if got, want := r.errmsg(t), "request body over 1 MiB"; got != want {
				t.Errorf("errmsg = %q, want %q", got, want)
			}
			// The server read the whole body, so the connection stays usable.
			r = rawPost(t, conn, contentLength(small), small)
			if r.status != http.StatusOK {
				t.Errorf("next request on the connection: status = %d, want 200", r.status)
			}
		})
	}

	t.Run("exactly 1 MiB", func(t *testing.T) {
		r := postJSON(t, "http://"+addr+"/callme/wx_session/index", paddedJSON(maxBodySize))
		if r.status != http.StatusOK {
			t.Errorf("status = %d, want 200; body %.200s", r.status, r.body)
		}
		if got := e.lastCall(); got != "Login c" {
			t.Errorf("engine call = %q, want %q", got, "Login c")
		}
	})
}

func TestRESTHeadersTooLarge(t *testing.T) {
	base := startREST(t, newFakeEngine())
	req, err := http.NewRequest(http.MethodPost, base+"/callme/signin/list",
		strings.NewReader(`{"session_id":"s1"}`))
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	req.Header.Set("X-Padding", strings.Repeat("p", 16<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("status = %d, want 431", resp.StatusCode)
	}
	if got, want := string(body), `{"errmsg":"request headers too large"}`; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
}

func TestRESTEngineErrors(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		status int
		want   string
	}{
		{"invalid session", actors.ErrInvalidSession, 401, "invalid session"},
		{"not seller", actors.ErrNotSeller, 403, actors.ErrNotSeller.Msg},
		{"busy", actors.ErrTimeout, 503, "the server is busy, try again"},
		{"wrapped", errors.Join(errors.New("context"), &actors.Error{Code: 409, Msg: "sold out"}),
			409, "sold out"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newFakeEngine()
			e.setErr(tc.err)
			base := startREST(t, e)
			r := postJSON(t, base+"/callme/queue/call", `{"session_id":"s1","order_id":"o1"}`)
			if r.status != tc.status {
				t.Errorf("status = %d, want %d", r.status, tc.status)
			}
			if got := r.errmsg(t); got != tc.want {
				t.Errorf("errmsg = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRESTInternalErrorHidden(t *testing.T) {
	secrets := []error{
		errors.New("badger: open /var/lib/callme/000042.vlog: disk full"),
		&actors.Error{Code: 500, Msg: "actor /shops/7 crashed: nil map"},
	}
	for _, secret := range secrets {
		e := newFakeEngine()
		e.setErr(secret)
		log, logged := newTestLogger()
		base := startRESTWithLog(t, e, log)

		r := postJSON(t, base+"/callme/signin/list", `{"session_id":"s1"}`)
		if r.status != http.StatusInternalServerError {
			t.Errorf("status = %d, want 500", r.status)
		}
		if got := string(r.body); got != `{"errmsg":"internal error"}` {
			t.Errorf("body = %s, want only internal error", got)
		}
		if !logged.contains(secret.Error()) {
			t.Errorf("log does not contain the hidden error %q", secret)
		}
	}
}

func TestRESTPanicIsInternalError(t *testing.T) {
	base := startREST(t, newFakeEngine())
	r := postJSON(t, base+"/callme/wx_session/index", `{"code":"panic"}`)
	if r.status != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", r.status)
	}
	if got := r.errmsg(t); got != "internal error" {
		t.Errorf("errmsg = %q, want %q", got, "internal error")
	}
}

func TestRESTNotifyReturnsEngineXML(t *testing.T) {
	e := newFakeEngine()
	e.setErr(errors.New("ignored: PaymentNotice returns no error"))
	base := startREST(t, e)
	notice := "<xml><out_trade_no><![CDATA[order-1]]></out_trade_no></xml>"

	r := send(t, http.DefaultClient, http.MethodPost, base+"/callme/wx_pay/notify",
		"text/xml", strings.NewReader(notice))
	if r.status != http.StatusOK {
		t.Errorf("status = %d, want 200", r.status)
	}
	if got := string(r.body); got != fakeNoticeReply {
		t.Errorf("body = %q, want %q", got, fakeNoticeReply)
	}
	if got := r.header.Get("Content-Type"); got != xmlContentType {
		t.Errorf("Content-Type = %q, want %q", got, xmlContentType)
	}
	if got, want := e.lastCall(), "PaymentNotice "+notice; got != want {
		t.Errorf("engine call = %q, want %q", got, want)
	}
}

func TestRESTReplyShapes(t *testing.T) {
	e := newFakeEngine()
	base := startREST(t, e)
	session := `{"session_id":"s1"}`

	cases := []struct {
		path     string
		body     string
		wantCall string
		wantKeys []string
	}{
		{"/callme/wx_session/index", `{"code":"abc"}`, "Login abc",
			[]string{"session_id", "is_seller", "is_admin"}},
		{"/callme/signin/index", `{"session_id":"s1","shop_name":"Noodles","phone":13800000000}`,
			`Apply s1 "Noodles" "13800000000"`, []string{"errmsg"}},
		{"/callme/signin/list", session, "Applications s1", []string{"list"}},
		{"/callme/signin/auth", `{"session_id":"s1","seller_id":"7"}`, "Approve s1 7",
			[]string{"errmsg"}},
		{"/callme/product_man/putOn", `{"session_id":"s1","product_id":3}`,
			"SetShelf s1 3 true", []string{"errmsg"}},
		{"/callme/product_man/putOff", `{"session_id":"s1","product_id":3}`,
			"SetShelf s1 3 false", []string{"errmsg"}},
		{"/callme/product_man/list", session, "Products s1", []string{"list"}},
		{"/callme/wx_session/shop", session, "Shops s1", []string{"list"}},
		{"/callme/wx_pay/list", session, "Orders s1", []string{"list"}},
		{"/callme/queue/list", session, "Queue s1", []string{"waiting", "called", "skipped"}},
		{"/callme/queue/call", `{"session_id":"s1","order_id":"o1"}`, "Call s1 o1",
			[]string{"errmsg"}},
		{"/callme/queue/done", `{"session_id":"s1","order_id":"o1"}`, "Done s1 o1",
			[]string{"errmsg"}},
	}
	for _, tc := range cases {
		t.Run(strings.TrimPrefix(tc.path, "/callme/"), func(t *testing.T) {
			r := postJSON(t, base+tc.path, tc.body)
			if r.status != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
			}
			if got := r.header.Get("Content-Type"); got != jsonContentType {
				t.Errorf("Content-Type = %q, want %q", got, jsonContentType)
			}
			if got := e.lastCall(); got != tc.wantCall {
				t.Errorf("engine call = %q, want %q", got, tc.wantCall)
			}
			var object map[string]json.RawMessage
			if err := json.Unmarshal(r.body, &object); err != nil {
				t.Fatalf("body %s: %v", r.body, err)
			}
			for _, key := range tc.wantKeys {
				if v, ok := object[key]; !ok || string(v) == "null" {
					t.Errorf("body %s: key %q missing or null", r.body, key)
				}
			}
			if len(object) != len(tc.wantKeys) {
				t.Errorf("body %s: want exactly keys %v", r.body, tc.wantKeys)
			}
		})
	}
}

func TestRESTLoginFlagsAreStrings(t *testing.T) {
	base := startREST(t, newFakeEngine())
	r := postForm(t, base+"/callme/wx_session/index", url.Values{"code": {"abc"}}.Encode())
	want := `{"session_id":"session-abc","is_seller":"true","is_admin":"false"}`
	if got := string(r.body); got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
}

func TestRESTShutdownBeforeServe(t *testing.T) {
	log, _ := newTestLogger()
	rest := NewREST(newFakeEngine(), log)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rest.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	ln, err := Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	if err := rest.Serve(ln); err != nil {
		t.Errorf("Serve after Shutdown = %v, want nil", err)
	}
}

func TestRESTShutdownWithIdleConnection(t *testing.T) {
	log, _ := newTestLogger()
	rest := NewREST(newFakeEngine(), log)
	ln, err := Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- rest.Serve(ln) }()

	// A keep-alive client leaves its connection idle after this request.
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	r := send(t, client, http.MethodPost, "http://"+ln.Addr().String()+"/callme/signin/list",
		"application/json", strings.NewReader(`{"session_id":"s1"}`))
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, want 200", r.status)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := rest.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with an idle connection: %v after %v", err, time.Since(start))
	}
	if err := <-served; err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
}
