package edge

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"callme/actors"
)

func TestAudioURLRoute(t *testing.T) {
	e := newFakeEngine()
	base := startREST(t, e)
	path := "/callme/bd_api/getAudioUrl/%E8%AF%B7%201%2F2%20%E5%8F%B7/5/6/9/3"

	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			r := send(t, http.DefaultClient, method, base+path, "", nil)
			if r.status != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
			}
			// %2F decodes into the text instead of splitting the path.
			if got, want := e.lastCall(), `AudioURL "请 1/2 号" 5 6 9 3`; got != want {
				t.Errorf("engine call = %q, want %q", got, want)
			}
			var reply map[string]string
			if err := json.Unmarshal(r.body, &reply); err != nil {
				t.Fatalf("body %s: %v", r.body, err)
			}
			if reply["url"] != "http://tts.test/text2audio?tex=fake" {
				t.Errorf("reply = %v", reply)
			}
		})
	}
}

func TestAudioURLRouteErrors(t *testing.T) {
	e := newFakeEngine()
	base := startREST(t, e)
	prefix := base + "/callme/bd_api/getAudioUrl/"

	for _, tc := range []struct {
		name, path string
		status     int
		errmsg     string
	}{
		{"SPD", "hi/x/5/9/0", 400, `invalid SPD "x": must be a whole number`},
		{"PIT", "hi/5/1.5/9/0", 400, `invalid PIT "1.5"`},
		{"VOL", "hi/5/5/-/0", 400, `invalid VOL "-"`},
		{"PER", "hi/5/5/9/one", 400, `invalid PER "one"`},
		{"missing segment", "hi/5/5/9", 404, "no such route"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, http.DefaultClient, http.MethodGet, prefix+tc.path, "", nil)
			wantError(t, r, tc.status, tc.errmsg)
		})
	}
	t.Run("bad escape", func(t *testing.T) {
		// net/http refuses to parse such a URL, so the request line is set
		// as it is.
		req, err := http.NewRequest(http.MethodGet, base, nil)
		if err != nil {
			t.Fatalf("NewRequest: %v", err)
		}
		req.URL.Opaque = "/callme/bd_api/getAudioUrl/hi%zz/5/5/9/0"
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET: %v", err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		wantError(t, reply{status: res.StatusCode, body: body}, http.StatusBadRequest,
			"invalid TEXT: malformed percent-encoding")
	})
	t.Run("engine error", func(t *testing.T) {
		e.setErr(&actors.Error{Code: 400, Msg: `invalid SPD "12": 0 to 9`})
		defer e.setErr(nil)
		r := send(t, http.DefaultClient, http.MethodGet, prefix+"hi/12/5/9/0", "", nil)
		wantError(t, r, http.StatusBadRequest, `invalid SPD "12": 0 to 9`)
	})
	t.Run("POST body over 1 MiB", func(t *testing.T) {
		r := send(t, http.DefaultClient, http.MethodPost, prefix+"hi/5/5/9/0", "text/plain",
			strings.NewReader(strings.Repeat("x", maxBodySize+1)))
		wantError(t, r, http.StatusRequestEntityTooLarge, "1 MiB")
	})
}
