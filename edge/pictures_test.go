package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"callme/actors"
)

// startRESTPublic is startREST with SetPublicURL(publicURL).
func startRESTPublic(t *testing.T, e Engine, publicURL string) string {
	t.Helper()
	log, _ := newTestLogger()
	ln, err := Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	rest := NewREST(e, log)
	rest.SetPublicURL(publicURL)
	served := make(chan error, 1)
	go func() { served <- rest.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := rest.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		<-served
	})
	return "http://" + ln.Addr().String()
}

// formFile is one file part of a multipart body.
type formFile struct {
	field, name, contentType string
	data                     []byte
}

// multipartBody encodes fields and files as multipart/form-data and
// returns the Content-Type and the body.
func multipartBody(t *testing.T, fields map[string]string, files ...formFile) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for name, value := range fields {
		if err := w.WriteField(name, value); err != nil {
			t.Fatalf("write field %s: %v", name, err)
		}
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition",
			`form-data; name="`+f.field+`"; filename="`+f.name+`"`)
		h.Set("Content-Type", f.contentType)
		part, err := w.CreatePart(h)
		if err != nil {
			t.Fatalf("create part %s: %v", f.field, err)
		}
		part.Write(f.data)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close multipart writer: %v", err)
	}
	return w.FormDataContentType(), buf.Bytes()
}

func postMultipart(t *testing.T, url string, fields map[string]string, files ...formFile) reply {
	t.Helper()
	contentType, body := multipartBody(t, fields, files...)
	return send(t, http.DefaultClient, http.MethodPost, url, contentType, bytes.NewReader(body))
}

func wantError(t *testing.T, r reply, status int, errmsg string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if got := r.errmsg(t); !strings.Contains(got, errmsg) {
		t.Errorf("errmsg = %q, want it to contain %q", got, errmsg)
	}
}

var productFields = map[string]string{
	"session_id":   "s1",
	"product_id":   "10001",
	"product_name": "Beef noodles",
	"total_fee":    "1250",
	"inventory":    "30",
	"label":        "hot",
}

const productEdit = "{ProductID:10001 ProductName:Beef noodles TotalFee:1250 " +
	"Inventory:30 Label:hot PicID:}"

func TestUpdateProductMultipart(t *testing.T) {
	e := newFakeEngine()
	base := startREST(t, e)
	url := base + "/callme/product_man/update"

	t.Run("with picture", func(t *testing.T) {
		// The declared name and type are passed on unchecked; the engine
		// finds the type from the bytes.
		r := postMultipart(t, url, productFields,
			formFile{"picture", "a.gif", "image/gif", []byte("bytes")})
		if r.status != http.StatusOK {
			t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
		}
		want := "UpdateProduct s1 " + productEdit + ` picture "bytes"`
		if got := e.lastCall(); got != want {
			t.Errorf("engine call = %q\nwant %q", got, want)
		}
		if got := string(r.body); got != `{"errmsg":"ok","product_id":42}` {
			t.Errorf("body = %s", got)
		}
	})
	t.Run("without picture", func(t *testing.T) {
		r := postMultipart(t, url, productFields)
		if r.status != http.StatusOK {
			t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
		}
		if got, want := e.lastCall(), "UpdateProduct s1 "+productEdit+" no picture"; got != want {
			t.Errorf("engine call = %q\nwant %q", got, want)
		}
	})
	t.Run("empty picture", func(t *testing.T) {
		postMultipart(t, url, productFields, formFile{"picture", "a.png", "image/png", nil})
		if got, want := e.lastCall(), "UpdateProduct s1 "+productEdit+` picture ""`; got != want {
			t.Errorf("engine call = %q\nwant %q", got, want)
		}
	})
	t.Run("json body", func(t *testing.T) {
		r := postJSON(t, url, `{"session_id":"s1","product_id":10001,`+
			`"product_name":"Beef noodles","total_fee":1250,"inventory":30,"label":"hot"}`)
		if r.status != http.StatusOK {
			t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
		}
		if got, want := e.lastCall(), "UpdateProduct s1 "+productEdit+" no picture"; got != want {
			t.Errorf("engine call = %q\nwant %q", got, want)
		}
	})
}

func TestUpdateProductRejectsBadBodies(t *testing.T) {
	e := newFakeEngine()
	base := startREST(t, e)
	url := base + "/callme/product_man/update"
	png := []byte(fakePicture)

	t.Run("two pictures", func(t *testing.T) {
		r := postMultipart(t, url, productFields, formFile{"picture", "a.png", "image/png", png},
			formFile{"picture", "b.png", "image/png", png})
		wantError(t, r, http.StatusBadRequest, "2 files in field picture")
	})
	t.Run("file in another field", func(t *testing.T) {
		r := postMultipart(t, url, productFields, formFile{"photo", "a.png", "image/png", png})
		wantError(t, r, http.StatusBadRequest, `unexpected file in field "photo"`)
	})
	t.Run("missing field", func(t *testing.T) {
		r := postMultipart(t, url, map[string]string{"session_id": "s1"},
			formFile{"picture", "a.png", "image/png", png})
		wantError(t, r, http.StatusBadRequest, "missing field product_name")
	})
	t.Run("no boundary", func(t *testing.T) {
		r := send(t, http.DefaultClient, http.MethodPost, url, "multipart/form-data",
			strings.NewReader("--x\r\n"))
		wantError(t, r, http.StatusBadRequest, "no boundary")
	})
	t.Run("truncated body", func(t *testing.T) {
		contentType, body := multipartBody(t, productFields,
			formFile{"picture", "a.png", "image/png", png})
		r := send(t, http.DefaultClient, http.MethodPost, url, contentType,
			bytes.NewReader(body[:len(body)-10]))
		wantError(t, r, http.StatusBadRequest, "invalid multipart body")
	})
	t.Run("too many parts", func(t *testing.T) {
		fields := map[string]string{}
		for i := range maxParts + 1 {
			fields[strings.Repeat("f", i+1)] = "x"
		}
		r := postMultipart(t, url, fields)
		wantError(t, r, http.StatusBadRequest, "more than 32 parts")
	})
	t.Run("body over 1 MiB", func(t *testing.T) {
		r := postMultipart(t, url, productFields,
			formFile{"picture", "a.png", "image/png", make([]byte, maxBodySize)})
		wantError(t, r, http.StatusRequestEntityTooLarge, "request body over 1 MiB")
	})
	t.Run("engine error", func(t *testing.T) {
		e.setErr(actors.ErrPictureTooLarge)
		defer e.setErr(nil)
		r := postMultipart(t, url, productFields, formFile{"picture", "a.png", "image/png", png})
		wantError(t, r, http.StatusRequestEntityTooLarge, "picture over 500 KB")
	})
}

func getWithHeader(t *testing.T, url, name, value string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	if name != "" {
		req.Header.Set(name, value)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	var body bytes.Buffer
	if _, err := body.ReadFrom(res.Body); err != nil {
		t.Fatalf("read reply of GET %s: %v", url, err)
	}
	return reply{status: res.StatusCode, header: res.Header, body: body.Bytes()}
}

func TestPictureServedWithCacheHeaders(t *testing.T) {
	base := startREST(t, newFakeEngine())
	url := base + "/callme/wx_session/picture?pic_id=" + fakePicID

	r := getWithHeader(t, url, "", "")
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
	}
	if string(r.body) != fakePicture {
		t.Errorf("body = %q, want %q", r.body, fakePicture)
	}
	if got := r.header.Get("Content-Type"); got != fakePictureType {
		t.Errorf("Content-Type = %q, want %q", got, fakePictureType)
	}
	if got, want := r.header.Get("ETag"), `"`+fakePicID+`"`; got != want {
		t.Errorf("ETag = %q, want %q", got, want)
	}
	if got := r.header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control = %q", got)
	}
}

func TestPictureNotModified(t *testing.T) {
	base := startREST(t, newFakeEngine())
	url := base + "/callme/wx_session/picture?pic_id=" + fakePicID
	etag := `"` + fakePicID + `"`

	for _, header := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		t.Run(header, func(t *testing.T) {
			r := getWithHeader(t, url, "If-None-Match", header)
			if r.status != http.StatusNotModified {
				t.Fatalf("status = %d, want 304", r.status)
			}
			if len(r.body) != 0 {
				t.Errorf("body = %q, want none", r.body)
			}
			if got := r.header.Get("ETag"); got != etag {
				t.Errorf("ETag = %q, want %q", got, etag)
			}
		})
	}
	t.Run("other tag", func(t *testing.T) {
		r := getWithHeader(t, url, "If-None-Match", `"other"`)
		if r.status != http.StatusOK || string(r.body) != fakePicture {
			t.Errorf("status = %d body %q, want 200 and the picture", r.status, r.body)
		}
	})
}

func TestPictureErrors(t *testing.T) {
	e := newFakeEngine()
	base := startREST(t, e)

	t.Run("unknown id", func(t *testing.T) {
		r := getWithHeader(t, base+"/callme/wx_session/picture?pic_id=ffff", "", "")
		wantError(t, r, http.StatusNotFound, "No that Picture")
		if got := r.errmsg(t); got != "No that Picture" {
			t.Errorf("errmsg = %q, want exactly %q", got, "No that Picture")
		}
	})
	t.Run("no id", func(t *testing.T) {
		r := getWithHeader(t, base+"/callme/wx_session/picture", "", "")
		wantError(t, r, http.StatusNotFound, "No that Picture")
	})
	t.Run("POST", func(t *testing.T) {
		r := postJSON(t, base+"/callme/wx_session/picture", `{"pic_id":"x"}`)
		wantError(t, r, http.StatusMethodNotAllowed, "use GET")
	})
	t.Run("engine busy", func(t *testing.T) {
		e.setErr(actors.ErrTimeout)
		defer e.setErr(nil)
		r := getWithHeader(t, base+"/callme/wx_session/picture?pic_id="+fakePicID, "", "")
		wantError(t, r, http.StatusServiceUnavailable, "busy")
	})
}

func TestProductListsCarryPictureURLs(t *testing.T) {
	base := startREST(t, newFakeEngine())

	r := postJSON(t, base+"/callme/product_man/list", `{"session_id":"s1"}`)
	var products listReply[map[string]any]
	if err := json.Unmarshal(r.body, &products); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	if got, ok := products.List[0]["product_img_url"]; !ok || got != "" {
		t.Errorf("product_img_url = %v (present %t), want \"\" for no picture", got, ok)
	}

	shop := actors.ShopView{Products: []actors.ShelfProductView{{PicID: "p1"}, {}}}
	list := listReply[actors.ShopView]{List: []actors.ShopView{shop}}
	list.linkPictures("https://b.example")
	shelf := list.List[0].Products
	want := "https://b.example/callme/wx_session/picture?pic_id=p1"
	if shelf[0].ProductImgURL != want {
		t.Errorf("shop product URL = %q, want %q", shelf[0].ProductImgURL, want)
	}
	if shelf[1].ProductImgURL != "" {
		t.Errorf("URL of a product without picture = %q, want \"\"", shelf[1].ProductImgURL)
	}
}

func TestEtagMatches(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{`"a"`, true},
		{`W/"a"`, true},
		{` "b" , "a" `, true},
		{`*`, true},
		{`"b"`, false},
		{`a`, false},
		{``, false},
	} {
		t.Run(tc.header, func(t *testing.T) {
			if got := etagMatches([]byte(tc.header), `"a"`); got != tc.want {
				t.Errorf("etagMatches(%q) = %t, want %t", tc.header, got, tc.want)
			}
		})
	}
}

func TestCheckPublicURL(t *testing.T) {
	for _, tc := range []struct {
		raw string
		ok  bool
	}{
		{"", true},
		{"https://canteen.example.com", true},
		{"http://127.0.0.1:8080/", true},
		{"canteen.example.com", false},
		{"ftp://canteen.example.com", false},
		{"https://canteen.example.com/?x=1", false},
		{"https://", false},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			err := CheckPublicURL(tc.raw)
			if (err == nil) != tc.ok {
				t.Errorf("CheckPublicURL(%q) = %v, want ok %t", tc.raw, err, tc.ok)
			}
		})
	}
}
