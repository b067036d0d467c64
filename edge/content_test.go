package edge

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"callme/actors"
)

func TestSetAdsFromPictures(t *testing.T) {
	e := newFakeEngine()
	base := startREST(t, e)

	r := postMultipart(t, base+"/callme/admin/ads", map[string]string{"session_id": "a1"},
		formFile{"picture", "1.png", "image/png", []byte("one")},
		formFile{"picture", "2.jpg", "image/jpeg", []byte("two")})
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
	}
	if got, want := e.lastCall(), `SetAds a1 [picture "one" picture "two"] []`; got != want {
		t.Errorf("engine call = %q\nwant %q", got, want)
	}
	want := `{"errmsg":"ok","pic_ids":["stored-1","stored-2"]}`
	if got := string(r.body); got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
}

func TestSetAdsFromIDs(t *testing.T) {
	e := newFakeEngine()
	base := startREST(t, e)
	want := `SetAds a1 [] ["id1" "id2" "id3"]`

	for _, tc := range []struct {
		name, contentType, body string
	}{
		{"json string", "application/json", `{"session_id":"a1","pic_ids":"id1, id2,id3"}`},
		{"json array", "application/json", `{"session_id":"a1","pic_ids":["id1","id2","id3"]}`},
		{"form", "application/x-www-form-urlencoded", "session_id=a1&pic_ids=id1%2Cid2%2Cid3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, http.DefaultClient, http.MethodPost, base+"/callme/admin/ads",
				tc.contentType, strings.NewReader(tc.body))
			if r.status != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
			}
			if got := e.lastCall(); got != want {
				t.Errorf("engine call = %q\nwant %q", got, want)
			}
		})
	}
	t.Run("multipart field", func(t *testing.T) {
		r := postMultipart(t, base+"/callme/admin/ads",
			map[string]string{"session_id": "a1", "pic_ids": "id1,id2,id3"})
		if r.status != http.StatusOK {
			t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
		}
		if got := e.lastCall(); got != want {
			t.Errorf("engine call = %q\nwant %q", got, want)
		}
	})
}

func TestSetAdsErrors(t *testing.T) {
	e := newFakeEngine()
	base := startREST(t, e)
	url := base + "/callme/admin/ads"

	t.Run("empty item", func(t *testing.T) {
		r := postJSON(t, url, `{"session_id":"a1","pic_ids":"id1,,id2"}`)
		wantError(t, r, http.StatusBadRequest, "invalid pic_ids: item 2 is empty")
	})
	t.Run("object in list", func(t *testing.T) {
		r := postJSON(t, url, `{"session_id":"a1","pic_ids":[{}]}`)
		wantError(t, r, http.StatusBadRequest, "invalid pic_ids")
	})
	t.Run("missing session", func(t *testing.T) {
		r := postJSON(t, url, `{"pic_ids":"id1"}`)
		wantError(t, r, http.StatusBadRequest, "missing field session_id")
	})
	t.Run("not admin", func(t *testing.T) {
		e.setErr(actors.ErrNotAdmin)
		defer e.setErr(nil)
		r := postJSON(t, url, `{"session_id":"c1","pic_ids":"id1"}`)
		wantError(t, r, http.StatusForbidden, "admin only")
	})
	t.Run("body over limit", func(t *testing.T) {
		big := make([]byte, actors.MaxPictureBytes)
		r := postMultipart(t, url, map[string]string{"session_id": "a1"},
			formFile{"picture", "1.png", "image/png", big},
			formFile{"picture", "2.png", "image/png", big},
			formFile{"picture", "3.png", "image/png", big},
			formFile{"picture", "4.png", "image/png", big})
		wantError(t, r, http.StatusRequestEntityTooLarge, "at most 3 pictures of 500 KB")
	})
	t.Run("three largest pictures fit", func(t *testing.T) {
		big := make([]byte, actors.MaxPictureBytes)
		r := postMultipart(t, url, map[string]string{"session_id": "a1"},
			formFile{"picture", "1.png", "image/png", big},
			formFile{"picture", "2.png", "image/png", big},
			formFile{"picture", "3.png", "image/png", big})
		if r.status != http.StatusOK {
			t.Fatalf("status = %d, want 200; body %.200s", r.status, r.body)
		}
	})
}

// contentJSON mirrors the content reply, with every list required.
type contentJSON struct {
	AdsImgURL []string `json:"ads_img_url"`
	History   []struct {
		ProductID     int64  `json:"product_id"`
		ProductImgURL string `json:"product_img_url"`
		ProductName   string `json:"product_name"`
	} `json:"history"`
	Random []struct {
		ProductID     int64   `json:"product_id"`
		ProductImgURL string  `json:"product_img_url"`
		ProductName   string  `json:"product_name"`
		UserImgURL    *string `json:"user_img_url"`
	} `json:"random"`
}

func postContent(t *testing.T, base, host string) contentJSON {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/callme/wx_session/content",
		bytes.NewReader([]byte(`{"session_id":"s1"}`)))
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	if host != "" {
		req.Host = host
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST content: %v", err)
	}
	defer res.Body.Close()
	var c contentJSON
	if err := json.NewDecoder(res.Body).Decode(&c); err != nil {
		t.Fatalf("decode content reply: %v", err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", res.StatusCode)
	}
	return c
}

func TestContentURLsFromHost(t *testing.T) {
	e := newFakeEngine()
	base := startREST(t, e)

	c := postContent(t, base, "canteen.test:8080")
	if got := e.lastCall(); got != "Content s1" {
		t.Errorf("engine call = %q, want %q", got, "Content s1")
	}
	want := "http://canteen.test:8080/callme/wx_session/picture?pic_id=" + fakePicID
	if len(c.AdsImgURL) != 1 || c.AdsImgURL[0] != want {
		t.Errorf("ads_img_url = %q, want [%q]", c.AdsImgURL, want)
	}
	if len(c.History) != 2 {
		t.Fatalf("history = %+v, want 2 entries", c.History)
	}
	if h := c.History[0]; h.ProductID != 10001 || h.ProductName != "Rice" ||
		h.ProductImgURL != want {
		t.Errorf("history[0] = %+v, want Rice 10001 with %s", h, want)
	}
	if h := c.History[1]; h.ProductImgURL != "" {
		t.Errorf("history[1] URL = %q, want \"\" for a product without picture", h.ProductImgURL)
	}
	if len(c.Random) != 1 {
		t.Fatalf("random = %+v, want 1 entry", c.Random)
	}
	if p := c.Random[0]; p.ProductID != 20001 || p.ProductImgURL != want {
		t.Errorf("random[0] = %+v, want 20001 with %s", p, want)
	}
	if u := c.Random[0].UserImgURL; u == nil || *u != "" {
		t.Errorf("user_img_url = %v, want present and empty", u)
	}
}

func TestContentURLsFromPublicURL(t *testing.T) {
	base := startRESTPublic(t, newFakeEngine(), "https://canteen.example.com/")
	c := postContent(t, base, "ignored.test")
	want := "https://canteen.example.com/callme/wx_session/picture?pic_id=" + fakePicID
	if len(c.AdsImgURL) != 1 || c.AdsImgURL[0] != want {
		t.Errorf("ads_img_url = %q, want [%q]", c.AdsImgURL, want)
	}
}

func TestContentErrors(t *testing.T) {
	e := newFakeEngine()
	base := startREST(t, e)

	r := postJSON(t, base+"/callme/wx_session/content", `{}`)
	wantError(t, r, http.StatusBadRequest, "missing field session_id")

	e.setErr(actors.ErrInvalidSession)
	r = postJSON(t, base+"/callme/wx_session/content", `{"session_id":"x"}`)
	wantError(t, r, http.StatusUnauthorized, "invalid session")
}
