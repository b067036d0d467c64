package actors

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestSetAdsFromUploadsSurvivesRestart(t *testing.T) {
	te := startEngine(t, 1)
	admin := te.login("admin")
	pictures := [][]byte{testPNG("ad1"), testPNG("ad2")}

	ids, err := te.e.SetAds(admin, pictures, nil)
	if err != nil {
		t.Fatalf("set ads: %v", err)
	}
	want := []string{pictureID(pictures[0]), pictureID(pictures[1])}
	if !slices.Equal(ids, want) {
		t.Fatalf("ad ids = %v, want %v", ids, want)
	}
	for _, id := range ids {
		if _, _, err := te.e.Picture(id); err != nil {
			t.Errorf("ad picture %s: %v", id, err)
		}
	}

	// A second list replaces the first, and both events and the snapshot
	// that interval 1 takes must replay to it.
	third := testPNG("ad3")
	if _, err := te.e.SetAds(admin, [][]byte{third}, nil); err != nil {
		t.Fatalf("set ads again: %v", err)
	}
	te.restart(1)
	c, err := te.e.Content(te.login("c1"))
	if err != nil {
		t.Fatalf("content: %v", err)
	}
	if !slices.Equal(c.AdPicIDs, []string{pictureID(third)}) {
		t.Errorf("ads after restart = %v, want [%s]", c.AdPicIDs, pictureID(third))
	}
}

func TestSetAdsFromStoredIDs(t *testing.T) {
	te := startEngine(t, 50)
	admin := te.login("admin")
	uploaded, err := te.e.SetAds(admin, [][]byte{testPNG("a"), testPNG("b"), testPNG("c")}, nil)
	if err != nil {
		t.Fatalf("upload ads: %v", err)
	}

	reordered := []string{uploaded[2], uploaded[0]}
	ids, err := te.e.SetAds(admin, nil, reordered)
	if err != nil {
		t.Fatalf("set ads by id: %v", err)
	}
	if !slices.Equal(ids, reordered) {
		t.Errorf("ads = %v, want %v", ids, reordered)
	}
}

func TestSetAdsRejects(t *testing.T) {
	te := startEngine(t, 50)
	admin, customer := te.login("admin"), te.login("c1")
	stored, err := te.e.SetAds(admin, [][]byte{testPNG("kept")}, nil)
	if err != nil {
		t.Fatalf("set ads: %v", err)
	}
	unknown := pictureID([]byte("never stored"))
	good := testPNG("good")

	for _, tc := range []struct {
		name     string
		session  string
		pictures [][]byte
		ids      []string
		code     int
		msg      string
	}{
		{"customer", customer, nil, stored, 403, "admin only"},
		{"invalid session", "nope", nil, stored, 401, "invalid session"},
		{"nothing", admin, nil, nil, 400, "missing field pic_ids"},
		{"both", admin, [][]byte{good}, stored, 400, "not both"},
		{"four ids", admin, nil, []string{"a", "b", "c", "d"}, 400, "at most 3"},
		{"four pictures", admin, [][]byte{good, good, good, good}, nil, 400, "at most 3"},
		{"unknown id", admin, nil, []string{stored[0], unknown}, 404,
			`no picture "` + unknown + `"`},
		{"malformed id", admin, nil, []string{"../x"}, 404, `no picture "../x"`},
		{"duplicate id", admin, nil, []string{stored[0], stored[0]}, 400, "given twice"},
		{"duplicate upload", admin, [][]byte{good, good}, nil, 400, "given twice"},
		{"bad upload", admin, [][]byte{good, []byte("GIF89a")}, nil, 415, "JPEG, PNG or WebP"},
		{"large upload", admin, [][]byte{append(testPNG("x"), make([]byte, MaxPictureBytes)...)},
			nil, 413, "picture over 500 KB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := te.e.SetAds(tc.session, tc.pictures, tc.ids)
			wantCode(t, err, tc.code)
			if msg := AsError(err).Msg; !strings.Contains(msg, tc.msg) {
				t.Errorf("errmsg = %q, want it to contain %q", msg, tc.msg)
			}
		})
	}

	// A rejected upload stores none of its pictures, and the ads stay.
	if _, _, err := te.e.Picture(pictureID(good)); !errors.Is(err, ErrNoPicture) {
		t.Errorf("picture of a rejected upload: err = %v, want ErrNoPicture", err)
	}
	c, err := te.e.Content(customer)
	if err != nil {
		t.Fatalf("content: %v", err)
	}
	if !slices.Equal(c.AdPicIDs, stored) {
		t.Errorf("ads after rejected changes = %v, want %v", c.AdPicIDs, stored)
	}
}
