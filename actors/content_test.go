package actors

import (
	"fmt"
	"slices"
	"testing"
)

// addPictured creates an on-shelf product with its own picture and returns
// the product id and picture id.
func (te *testEngine) addPictured(seller, name string) (int64, string) {
	te.t.Helper()
	png := testPNG(name)
	id, err := te.e.UpdateProduct(seller, ProductEdit{ProductName: name, TotalFee: 100,
		Inventory: 100}, png)
	if err != nil {
		te.t.Fatalf("add product %s: %v", name, err)
	}
	if err := te.e.SetShelf(seller, id, true); err != nil {
		te.t.Fatalf("put on %d: %v", id, err)
	}
	return id, pictureID(png)
}

func historyIDs(c Content) []int64 {
	var ids []int64
	for _, p := range c.History {
		ids = append(ids, p.ProductID)
	}
	return ids
}

func TestContentHistoryNewestDistinct(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	customer := te.login("c1")
	ids := make(map[string]int64)
	pics := make(map[int64]string)
	for _, name := range []string{"A", "B", "C", "D", "E", "F", "G"} {
		id, pic := te.addPictured(seller, name)
		ids[name], pics[id] = id, pic
	}
	pay := func(names ...string) string {
		t.Helper()
		var lines []OrderLine
		for _, n := range names {
			lines = append(lines, OrderLine{ProductID: ids[n], Quantity: 1})
		}
		id := te.order(customer, lines...)
		te.mustPay(id, "dev-c1", int64(100*len(names)))
		return id
	}

	pay("A", "B")
	te.order(customer, OrderLine{ProductID: ids["C"], Quantity: 1}) // never paid
	called := pay("D", "A")
	if err := te.e.Call(seller, called); err != nil {
		t.Fatalf("call: %v", err)
	}
	done := pay("E")
	if err := te.e.Done(seller, done); err != nil {
		t.Fatalf("done: %v", err)
	}
	pay("F")
	pay("G")

	want := []int64{ids["G"], ids["F"], ids["E"], ids["D"], ids["A"]}
	c, err := te.e.Content(customer)
	if err != nil {
		t.Fatalf("content: %v", err)
	}
	if got := historyIDs(c); !slices.Equal(got, want) {
		t.Fatalf("history = %v, want %v (newest first, distinct, paid only)", got, want)
	}
	for _, p := range c.History {
		if p.PicID != pics[p.ProductID] || p.ProductName == "" || p.ShopID != 1 {
			t.Errorf("history entry %+v, want name, shop 1 and pic_id %s", p,
				pics[p.ProductID])
		}
	}

	// A cold user actor fetches the orders from disk and finds the same.
	te.restart(50)
	c, err = te.e.Content(customer)
	if err != nil {
		t.Fatalf("content after restart: %v", err)
	}
	if got := historyIDs(c); !slices.Equal(got, want) {
		t.Errorf("history after restart = %v, want %v", got, want)
	}
}

func TestContentHistoryOffShelfProduct(t *testing.T) {
	te := startEngine(t, 50)
	seller, _ := te.openShop("s1", "Noodles")
	customer := te.login("c1")
	rice, _ := te.addPictured(seller, "Rice")
	te.mustPay(te.order(customer, OrderLine{ProductID: rice, Quantity: 1}), "dev-c1", 100)
	if err := te.e.SetShelf(seller, rice, false); err != nil {
		t.Fatalf("put off: %v", err)
	}

	c, err := te.e.Content(customer)
	if err != nil {
		t.Fatalf("content: %v", err)
	}
	want := ContentProduct{ProductID: rice, ProductName: "Rice", ShopID: 1}
	if len(c.History) != 1 || c.History[0] != want {
		t.Errorf("history = %+v, want [%+v] without picture", c.History, want)
	}
	if len(c.Random) != 0 {
		t.Errorf("random = %+v, want none with nothing on the shelf", c.Random)
	}
}

func TestContentRandomPick(t *testing.T) {
	te := startEngine(t, 50)
	customer := te.login("c1")
	onShelf := make(map[int64]string)
	for s := range 2 {
		seller, _ := te.openShop(fmt.Sprint("s", s), fmt.Sprint("Shop ", s))
		for i := range 4 {
			id, pic := te.addPictured(seller, fmt.Sprintf("P%d-%d", s, i))
			onShelf[id] = pic
		}
		hidden, _ := te.addPictured(seller, fmt.Sprintf("Hidden%d", s))
		if err := te.e.SetShelf(seller, hidden, false); err != nil {
			t.Fatalf("put off: %v", err)
		}
	}

	picks := make(map[string]bool)
	for range 30 {
		c, err := te.e.Content(customer)
		if err != nil {
			t.Fatalf("content: %v", err)
		}
		if len(c.Random) != maxRandom {
			t.Fatalf("random has %d products, want %d of the 8 on sale", len(c.Random),
				maxRandom)
		}
		var ids []int64
		for _, p := range c.Random {
			if onShelf[p.ProductID] == "" {
				t.Fatalf("random product %+v is not on sale", p)
			}
			if p.PicID != onShelf[p.ProductID] {
				t.Errorf("random product %d has pic_id %q, want %s", p.ProductID, p.PicID,
					onShelf[p.ProductID])
			}
			if slices.Contains(ids, p.ProductID) {
				t.Fatalf("random lists product %d twice: %+v", p.ProductID, c.Random)
			}
			ids = append(ids, p.ProductID)
		}
		picks[fmt.Sprint(ids)] = true
	}
	// 30 picks of 6 out of 8 in random order are all equal with a
	// probability far below 1e-100.
	if len(picks) < 2 {
		t.Errorf("30 calls returned the same random pick %v", picks)
	}
}

func TestContentFewProducts(t *testing.T) {
	te := startEngine(t, 50)
	customer := te.login("c1")
	c, err := te.e.Content(customer)
	if err != nil {
		t.Fatalf("content without shops: %v", err)
	}
	if len(c.AdPicIDs)+len(c.History)+len(c.Random) != 0 {
		t.Errorf("content of an empty site = %+v, want empty lists", c)
	}

	seller, _ := te.openShop("s1", "Noodles")
	te.addPictured(seller, "Rice")
	te.addProduct(seller, "Soup", 100, 5)
	c, err = te.e.Content(customer)
	if err != nil {
		t.Fatalf("content: %v", err)
	}
	if len(c.Random) != 2 {
		t.Fatalf("random = %+v, want both products on sale", c.Random)
	}
	for _, p := range c.Random {
		if p.ProductName == "Soup" && p.PicID != "" {
			t.Errorf("product without picture has pic_id %q", p.PicID)
		}
	}
}

func TestContentRejectsInvalidSession(t *testing.T) {
	te := startEngine(t, 50)
	_, err := te.e.Content("nope")
	wantCode(t, err, 401)
	_, err = te.e.Content("")
	wantCode(t, err, 400)
}
