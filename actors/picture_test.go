package actors

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// testPNG returns a small picture that passes the type check, distinct per
// tag.
func testPNG(tag string) []byte {
	return append([]byte("\x89PNG\r\n\x1a\n"), tag...)
}

func TestPictureTypeFromBytes(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
		want string
	}{
		{"jpeg", "\xFF\xD8\xFF\xE0rest", "image/jpeg"},
		{"png", "\x89PNG\r\n\x1a\nrest", "image/png"},
		{"webp", "RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"},
		{"wav in RIFF", "RIFF\x10\x00\x00\x00WAVEfmt ", ""},
		{"gif", "GIF89a....", ""},
		{"png cut short", "\x89PNG\r\n", ""},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := pictureType([]byte(tc.data)); got != tc.want {
				t.Errorf("pictureType = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPictureIDIsContentAddress(t *testing.T) {
	a, b := pictureID(testPNG("a")), pictureID(testPNG("b"))
	if len(a) != 32 || !validPictureID(a) {
		t.Fatalf("pictureID = %q, want 32 lowercase hex digits", a)
	}
	if a == b {
		t.Errorf("two pictures share the id %s", a)
	}
	if pictureID(testPNG("a")) != a {
		t.Errorf("the same bytes got two ids")
	}
	for _, id := range []string{"", "xyz", a[:31], a + "0", "ABCDEF0123456789ABCDEF0123456789"} {
		if validPictureID(id) {
			t.Errorf("validPictureID(%q) = true, want false", id)
		}
	}
}

func TestUpdateProductStoresPicture(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	png := testPNG("noodles")

	id, err := te.e.UpdateProduct(seller, ProductEdit{ProductName: "Noodles", TotalFee: 900,
		Inventory: 5}, png)
	if err != nil {
		t.Fatalf("update product: %v", err)
	}
	list, err := te.e.Products(seller)
	if err != nil {
		t.Fatalf("products: %v", err)
	}
	if len(list) != 1 || list[0].GetPicId() != pictureID(png) {
		t.Fatalf("products = %v, want one with pic_id %s", list, pictureID(png))
	}
	contentType, data, err := te.e.Picture(pictureID(png))
	if err != nil {
		t.Fatalf("picture: %v", err)
	}
	if contentType != "image/png" || !bytes.Equal(data, png) {
		t.Errorf("picture = %s %q, want image/png %q", contentType, data, png)
	}

	// An update without a picture keeps it; one with a picture replaces it.
	edit := ProductEdit{ProductID: id, ProductName: "Beef noodles", TotalFee: 1000, Inventory: 5}
	if _, err := te.e.UpdateProduct(seller, edit, nil); err != nil {
		t.Fatalf("update without picture: %v", err)
	}
	if _, err := te.e.ModifyProduct(seller, edit); err != nil {
		t.Fatalf("modify: %v", err)
	}
	list, _ = te.e.Products(seller)
	if list[0].GetPicId() != pictureID(png) || list[0].GetProductName() != "Beef noodles" {
		t.Errorf("product after updates without picture = %v, want the old pic_id", list[0])
	}
	jpeg := []byte("\xFF\xD8\xFF\xE0beef")
	if _, err := te.e.UpdateProduct(seller, edit, jpeg); err != nil {
		t.Fatalf("update with new picture: %v", err)
	}
	list, _ = te.e.Products(seller)
	if list[0].GetPicId() != pictureID(jpeg) {
		t.Errorf("pic_id = %s, want the new picture %s", list[0].GetPicId(), pictureID(jpeg))
	}
}

func TestUpdateProductRejects(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	customer := te.login("c1")
	edit := ProductEdit{ProductName: "Rice", TotalFee: 100, Inventory: 1}

	for _, tc := range []struct {
		name    string
		session string
		edit    ProductEdit
		picture []byte
		code    int
		msg     string
	}{
		{"no session", "", edit, testPNG("x"), 400, "missing field session_id"},
		{"invalid session", "nope", edit, testPNG("x"), 401, "invalid session"},
		{"customer", customer, edit, testPNG("x"), 403, "seller only"},
		{"new without picture", seller, edit, nil, 400, "missing file picture"},
		{"too large", seller, edit, append(testPNG("x"), make([]byte, MaxPictureBytes)...),
			413, "picture over 500 KB"},
		{"gif", seller, edit, []byte("GIF89a"), 415, "picture must be JPEG, PNG or WebP"},
		{"empty picture", seller, edit, []byte{}, 415, "picture must be JPEG, PNG or WebP"},
		{"unknown product", seller, ProductEdit{ProductID: 19999, ProductName: "Rice",
			TotalFee: 100}, nil, 404, "no product 19999"},
		{"bad fields", seller, ProductEdit{ProductName: "Rice"}, testPNG("x"), 400,
			"invalid total_fee"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := te.e.UpdateProduct(tc.session, tc.edit, tc.picture)
			wantCode(t, err, tc.code)
			if msg := AsError(err).Msg; !bytes.Contains([]byte(msg), []byte(tc.msg)) {
				t.Errorf("errmsg = %q, want it to contain %q", msg, tc.msg)
			}
		})
	}
	list, _ := te.e.Products(seller)
	if len(list) != 0 {
		t.Errorf("products after rejected updates = %v, want none", list)
	}
}

func TestPictureMaxSizeAccepted(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	png := testPNG("")
	png = append(png, make([]byte, MaxPictureBytes-len(png))...)
	if _, err := te.e.UpdateProduct(seller, ProductEdit{ProductName: "Rice", TotalFee: 100},
		png); err != nil {
		t.Fatalf("update with a picture of exactly %d bytes: %v", MaxPictureBytes, err)
	}
}

func TestPictureStoredOnceAndRecovered(t *testing.T) {
	te := startEngine(t, 1)
	seller, _ := te.openShop("s1", "Noodles")
	png := testPNG("shared")
	id := pictureID(png)

	for _, name := range []string{"Rice", "Soup"} {
		if _, err := te.e.UpdateProduct(seller, ProductEdit{ProductName: name, TotalFee: 100},
			png); err != nil {
			t.Fatalf("add %s: %v", name, err)
		}
	}
	last, ok, err := te.store.LastEventIndex("picture-" + id)
	if err != nil || !ok || last != 0 {
		t.Fatalf("last event index of the picture = %d (%t, %v), want one event", last, ok, err)
	}
	if _, _, ok, _ := te.store.Snapshot("picture-" + id); ok {
		t.Errorf("the picture actor took a snapshot, want none")
	}

	te.restart(1)
	contentType, data, err := te.e.Picture(id)
	if err != nil || contentType != "image/png" || !bytes.Equal(data, png) {
		t.Fatalf("picture after restart = %s %q, %v; want the stored PNG", contentType, data, err)
	}
	list, _ := te.e.Products(seller)
	for _, p := range list {
		if p.GetPicId() != id {
			t.Errorf("product %d after restart has pic_id %q, want %s", p.GetProductId(),
				p.GetPicId(), id)
		}
	}
}

func TestPictureUnknownLeavesNoActor(t *testing.T) {
	te := startEngine(t, 50)
	unknown := pictureID([]byte("never stored"))
	for _, id := range []string{unknown, "not-an-id", "", "../sellers"} {
		_, _, err := te.e.Picture(id)
		if !errors.Is(err, ErrNoPicture) {
			t.Errorf("Picture(%q) err = %v, want ErrNoPicture", id, err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for te.running("picture-" + unknown) {
		if time.Now().After(deadline) {
			t.Fatalf("actor of unknown picture still running")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if te.running("picture-not-an-id") {
		t.Errorf("a malformed id started an actor")
	}
}

func TestPictureActorStopsWhenIdle(t *testing.T) {
	te := startEngine(t, 50)
	te.stop()
	te.idle = time.Second
	te.open(50)
	seller, _ := te.openShop("s1", "Noodles")
	png := testPNG("idle")
	if _, err := te.e.UpdateProduct(seller, ProductEdit{ProductName: "Rice", TotalFee: 100},
		png); err != nil {
		t.Fatalf("update product: %v", err)
	}
	id := pictureID(png)

	deadline := time.Now().Add(10 * time.Second)
	for te.running("picture-" + id) {
		if time.Now().After(deadline) {
			t.Fatalf("picture actor still running 10 s after its last use")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, data, err := te.e.Picture(id); err != nil || !bytes.Equal(data, png) {
		t.Fatalf("picture after the actor stopped = %q, %v; want it from disk", data, err)
	}
}

func TestShopListsCarryPicID(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	png := testPNG("shelf")
	id, err := te.e.UpdateProduct(seller, ProductEdit{ProductName: "Rice", TotalFee: 100,
		Inventory: 3}, png)
	if err != nil {
		t.Fatalf("update product: %v", err)
	}
	if err := te.e.SetShelf(seller, id, true); err != nil {
		t.Fatalf("put on: %v", err)
	}
	shops, err := te.e.Shops(te.login("c1"))
	if err != nil {
		t.Fatalf("shops: %v", err)
	}
	if len(shops) != 1 || len(shops[0].GetProducts()) != 1 {
		t.Fatalf("shops = %v, want one shop with one product", shops)
	}
	if got := shops[0].GetProducts()[0].GetPicId(); got != pictureID(png) {
		t.Errorf("shop product pic_id = %q, want %s", got, pictureID(png))
	}
	views := ViewShops(shops)
	if views[0].Products[0].PicID != pictureID(png) {
		t.Errorf("shop view PicID = %q, want %s", views[0].Products[0].PicID, pictureID(png))
	}
}
