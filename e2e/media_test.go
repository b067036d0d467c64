package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"callme/client"
)

// testPicture returns a small PNG, as the server detects types, distinct
// per tag.
func testPicture(tag string) []byte {
	return append([]byte("\x89PNG\r\n\x1a\n"), tag...)
}

// pictureURL returns the URL the server gives for data under base.
func pictureURL(base string, data []byte) string {
	sum := sha256.Sum256(data)
	return base + "/callme/wx_session/picture?pic_id=" + hex.EncodeToString(sum[:16])
}

// fetchPicture gets a picture URL and fails t when no reply arrives.
func fetchPicture(ctx context.Context, t *testing.T, c *client.Client, rawURL, etag string,
) client.PictureReply {
	t.Helper()
	r, err := c.FetchPicture(ctx, rawURL, etag)
	if err != nil {
		t.Fatalf("fetch picture: %v", err)
	}
	return r
}

func TestProductPictures(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 40*time.Second)
	srv := startServer(t, t.TempDir())
	c := srv.Client()
	sh := openShop(ctx, t, c, "s1")
	customer := login(ctx, t, c, "c1")

	noodles := testPicture("noodles")
	first := sh.products[0]
	edit := client.ProductEdit{ProductID: first.ProductID, ProductName: first.ProductName,
		TotalFee: first.TotalFee, Inventory: first.Inventory}
	if _, err := c.UpdateProduct(ctx, sh.seller.ID, edit, noodles); err != nil {
		t.Fatalf("update product with picture: %v", err)
	}
	wantURL := pictureURL(srv.HTTP, noodles)
	products, err := c.Products(ctx, sh.seller.ID)
	if err != nil {
		t.Fatalf("list products: %v", err)
	}
	if products[0].ProductImgURL != wantURL || products[1].ProductImgURL != "" {
		t.Errorf("product_img_url = %q and %q, want %q and \"\"", products[0].ProductImgURL,
			products[1].ProductImgURL, wantURL)
	}

	r := fetchPicture(ctx, t, c, wantURL, "")
	if r.Status != http.StatusOK || !bytes.Equal(r.Data, noodles) {
		t.Fatalf("GET picture = %d %q (errmsg %q), want 200 and the PNG", r.Status, r.Data,
			r.Errmsg)
	}
	if r.ContentType != "image/png" {
		t.Errorf("Content-Type = %q, want image/png", r.ContentType)
	}
	if r.CacheControl != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control = %q", r.CacheControl)
	}

	head, err := http.NewRequestWithContext(ctx, http.MethodHead, wantURL, nil)
	if err != nil {
		t.Fatalf("HEAD request: %v", err)
	}
	res, err := http.DefaultClient.Do(head)
	if err != nil {
		t.Fatalf("HEAD picture: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" {
		t.Errorf("HEAD picture = %d %q, want 200 image/png", res.StatusCode,
			res.Header.Get("Content-Type"))
	}
	cached := fetchPicture(ctx, t, c, wantURL, r.ETag)
	if cached.Status != http.StatusNotModified || len(cached.Data) != 0 {
		t.Errorf("GET with If-None-Match %s = %d with %d bytes, want 304 and none", r.ETag,
			cached.Status, len(cached.Data))
	}

	// A new product needs a picture, and an update without one keeps it.
	jpeg := []byte("\xFF\xD8\xFF\xE0soup")
	soup, err := c.UpdateProduct(ctx, sh.seller.ID,
		client.ProductEdit{ProductName: "Soup", TotalFee: 500, Inventory: 9}, jpeg)
	if err != nil {
		t.Fatalf("create product with picture: %v", err)
	}
	if err := c.PutOn(ctx, sh.seller.ID, soup); err != nil {
		t.Fatalf("put on soup: %v", err)
	}
	edit.TotalFee = 1300
	if _, err := c.UpdateProduct(ctx, sh.seller.ID, edit, nil); err != nil {
		t.Fatalf("update product without picture: %v", err)
	}
	shops, err := c.Shops(ctx, customer.ID)
	if err != nil {
		t.Fatalf("list shops: %v", err)
	}
	urls := make(map[int64]string)
	for _, p := range shops[0].Products {
		urls[p.ProductID] = p.ProductImgURL
	}
	if urls[first.ProductID] != wantURL || urls[soup] != pictureURL(srv.HTTP, jpeg) {
		t.Errorf("shop product URLs = %v, want %s for %d and the JPEG for %d", urls, wantURL,
			first.ProductID, soup)
	}
	if jr := fetchPicture(ctx, t, c, urls[soup], ""); jr.ContentType != "image/jpeg" {
		t.Errorf("JPEG picture Content-Type = %q (status %d)", jr.ContentType, jr.Status)
	}

	// The dining hall list links the same pictures as the shop list.
	var halls struct {
		List []struct {
			Shops []client.Shop `json:"shops"`
		} `json:"list"`
	}
	err = c.Call(ctx, "/callme/wx_session/diningHall",
		map[string]string{"session_id": customer.ID}, &halls)
	if err != nil {
		t.Fatalf("dining halls: %v", err)
	}
	for _, p := range halls.List[0].Shops[0].Products {
		if p.ProductImgURL != urls[p.ProductID] {
			t.Errorf("diningHall product %d has product_img_url %q, want %q", p.ProductID,
				p.ProductImgURL, urls[p.ProductID])
		}
	}
}

func TestProductPictureErrors(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 40*time.Second)
	srv := startServer(t, t.TempDir())
	c := srv.Client()
	sh := openShop(ctx, t, c, "s1")
	customer := login(ctx, t, c, "c1")
	newProduct := client.ProductEdit{ProductName: "Rice", TotalFee: 100, Inventory: 1}

	t.Run("picture over 500 KB", func(t *testing.T) {
		big := append(testPicture("big"), make([]byte, 512000)...)
		_, err := c.UpdateProduct(ctx, sh.seller.ID, newProduct, big)
		wantAPIError(t, err, http.StatusRequestEntityTooLarge, "picture over 500 KB")
	})
	t.Run("GIF", func(t *testing.T) {
		_, err := c.UpdateProduct(ctx, sh.seller.ID, newProduct, []byte("GIF89a......"))
		wantAPIError(t, err, http.StatusUnsupportedMediaType,
			"picture must be JPEG, PNG or WebP")
	})
	t.Run("new product without picture", func(t *testing.T) {
		_, err := c.UpdateProduct(ctx, sh.seller.ID, newProduct, nil)
		wantAPIError(t, err, http.StatusBadRequest, "missing file picture")
	})
	t.Run("customer", func(t *testing.T) {
		_, err := c.UpdateProduct(ctx, customer.ID, newProduct, testPicture("x"))
		wantAPIError(t, err, http.StatusForbidden, "seller only")
	})
	t.Run("body over 1 MiB", func(t *testing.T) {
		_, err := c.UpdateProduct(ctx, sh.seller.ID, newProduct, make([]byte, 1<<20))
		wantAPIError(t, err, http.StatusRequestEntityTooLarge, "request body over 1 MiB")
	})
	t.Run("unknown picture", func(t *testing.T) {
		for _, id := range []string{strings.Repeat("ab", 16), "nope", ""} {
			r := fetchPicture(ctx, t, c, srv.HTTP+"/callme/wx_session/picture?pic_id="+id, "")
			if r.Status != http.StatusNotFound || r.Errmsg != "No that Picture" {
				t.Errorf("GET picture %q = %d %q, want 404 \"No that Picture\"", id, r.Status,
					r.Errmsg)
			}
		}
	})
}

func TestAdsAndContent(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 60*time.Second)
	dataDir := t.TempDir()
	srv := startServer(t, dataDir)
	c := srv.Client()
	sh := openShop(ctx, t, c, "s1")
	customer := login(ctx, t, c, "c1")

	ads := [][]byte{testPicture("ad1"), testPicture("ad2")}
	ids, err := c.SetAds(ctx, sh.admin.ID, ads)
	if err != nil {
		t.Fatalf("set ads: %v", err)
	}
	if len(ids) != 2 {
		t.Fatalf("pic_ids = %v, want 2", ids)
	}
	_, err = c.SetAds(ctx, customer.ID, ads)
	wantAPIError(t, err, http.StatusForbidden, "admin only")
	_, err = c.SetAdsByID(ctx, sh.admin.ID, []string{ids[0], strings.Repeat("0", 32)})
	wantAPIError(t, err, http.StatusNotFound, strings.Repeat("0", 32))
	_, err = c.SetAds(ctx, sh.admin.ID, [][]byte{ads[0], ads[1], ads[0], ads[1]})
	wantAPIError(t, err, http.StatusBadRequest, "at most 3")

	// The admin swaps the two ads by id.
	if _, err := c.SetAdsByID(ctx, sh.admin.ID, []string{ids[1], ids[0]}); err != nil {
		t.Fatalf("set ads by id: %v", err)
	}
	orderID, fee := sh.order(ctx, t, c, customer)
	pay(ctx, t, c, orderID, "dev-c1", fee)

	// Everything the home page shows is on disk before the replies.
	srv.Kill()
	srv = startServer(t, dataDir)
	c = srv.Client()
	home := contentWithShops(ctx, t, c, customer.ID, 2)
	wantAds := []string{pictureURL(srv.HTTP, ads[1]), pictureURL(srv.HTTP, ads[0])}
	if strings.Join(home.AdsImgURL, " ") != strings.Join(wantAds, " ") {
		t.Errorf("ads_img_url = %q, want %q", home.AdsImgURL, wantAds)
	}
	if r := fetchPicture(ctx, t, c, home.AdsImgURL[0], ""); !bytes.Equal(r.Data, ads[1]) {
		t.Errorf("first ad = %d %q, want the second upload", r.Status, r.Data)
	}
	// Products of one order are listed in the order's line order.
	if len(home.History) != 2 || home.History[0].ProductID != sh.products[0].ProductID ||
		home.History[1].ProductID != sh.products[1].ProductID {
		t.Errorf("history = %+v, want the two products of the order", home.History)
	}
	if len(home.Random) != 2 {
		t.Errorf("random = %+v, want both products on sale", home.Random)
	}
	for _, p := range home.Random {
		if p.ProductName == "" || p.UserImgURL != "" {
			t.Errorf("random entry %+v, want a name and an empty user_img_url", p)
		}
	}

	// Once the seller sets an avatar, it is the user_img_url of the
	// shop's products.
	avatar := testPicture("avatar")
	fields := map[string]string{"session_id": sh.seller.ID}
	var set struct {
		PicID  string `json:"pic_id"`
		ImgURL string `json:"user_img_url"`
	}
	err = c.PostMultipart(ctx, "/callme/product_man/avatar", fields, [][]byte{avatar}, &set)
	if err != nil {
		t.Fatalf("set avatar: %v", err)
	}
	if set.ImgURL != pictureURL(srv.HTTP, avatar) {
		t.Errorf("avatar reply user_img_url = %q, want %q", set.ImgURL,
			pictureURL(srv.HTTP, avatar))
	}
	home, err = c.Content(ctx, customer.ID)
	if err != nil {
		t.Fatalf("content: %v", err)
	}
	for _, p := range home.Random {
		if p.UserImgURL != set.ImgURL {
			t.Errorf("random entry %+v, want user_img_url %q", p, set.ImgURL)
		}
	}
	err = c.PostMultipart(ctx, "/callme/product_man/avatar",
		map[string]string{"session_id": customer.ID}, [][]byte{avatar}, &set)
	wantAPIError(t, err, http.StatusForbidden, "seller only")
	err = c.PostMultipart(ctx, "/callme/product_man/avatar", fields, nil, &set)
	wantAPIError(t, err, http.StatusBadRequest, "send one avatar")

	_, err = c.Content(ctx, "no-such-session")
	wantAPIError(t, err, http.StatusUnauthorized, "invalid session")
}

// contentWithShops returns the home page once its random pick has n
// products. Shops publish their products to the catalog only after the
// server starts, so the first pages after a restart may lack them.
func contentWithShops(ctx context.Context, t *testing.T, c *client.Client, sessionID string,
	n int,
) client.Content {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		home, err := c.Content(ctx, sessionID)
		if err != nil {
			t.Fatalf("content: %v", err)
		}
		if len(home.Random) >= n || time.Now().After(deadline) {
			return home
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestPublicURLFlag(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 30*time.Second)
	srv := startServer(t, t.TempDir(), "--public-url", "https://canteen.example.com/")
	c := srv.Client()
	admin := login(ctx, t, c, "admin")
	ad := testPicture("ad")
	if _, err := c.SetAds(ctx, admin.ID, [][]byte{ad}); err != nil {
		t.Fatalf("set ads: %v", err)
	}
	home, err := c.Content(ctx, admin.ID)
	if err != nil {
		t.Fatalf("content: %v", err)
	}
	want := pictureURL("https://canteen.example.com", ad)
	if len(home.AdsImgURL) != 1 || home.AdsImgURL[0] != want {
		t.Errorf("ads_img_url = %q, want [%q]", home.AdsImgURL, want)
	}
}

func TestSpokenCallURL(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 30*time.Second)
	srv := startServer(t, t.TempDir())
	c := srv.Client()

	raw, err := c.AudioURL(ctx, "请 12 号取餐", 5, 5, 9, 0)
	if err != nil {
		t.Fatalf("audio URL: %v", err)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() != "127.0.0.1" || u.Path != "/text2audio" {
		t.Fatalf("audio URL = %s (%v), want the --dev stand-in's /text2audio", raw, err)
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
	res, err := hc.Get(raw)
	if err != nil {
		t.Fatalf("GET the audio: %v", err)
	}
	res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "audio/wav" {
		t.Errorf("audio Content-Type = %q, want audio/wav", ct)
	}

	// GET works as well as POST.
	status, _ := send(t, http.MethodGet,
		srv.HTTP+"/callme/bd_api/getAudioUrl/"+url.PathEscape("取餐")+"/5/5/9/0", nil)
	if status != http.StatusOK {
		t.Errorf("GET getAudioUrl status = %d, want 200", status)
	}
	for _, tc := range []struct {
		text               string
		spd, pit, vol, per int
		errmsg             string
	}{
		{"hi", 12, 5, 9, 0, `invalid SPD "12": 0 to 9`},
		{"hi", 5, 5, 16, 0, `invalid VOL "16": 0 to 15`},
		{"hi", 5, 5, 9, 2, `invalid PER "2": one of 0, 1, 3, 4`},
		{strings.Repeat("号", 61), 5, 5, 9, 0, "invalid TEXT: 61 characters, at most 60"},
	} {
		_, err := c.AudioURL(ctx, tc.text, tc.spd, tc.pit, tc.vol, tc.per)
		wantAPIError(t, err, http.StatusBadRequest, tc.errmsg)
	}
}
