package edge

import (
	"fmt"
	"strings"

	"callme/actors"
)

// The fake engine's Media methods. Picture returns one picture, fakePicID,
// and ErrNoPicture for any other id.
const (
	fakePicID       = "0123456789abcdef0123456789abcdef"
	fakePicture     = "\x89PNG\r\n\x1a\nfake picture"
	fakePictureType = "image/png"
)

// describePicture shows an uploaded file in a recorded call.
func describePicture(data []byte) string {
	if data == nil {
		return "no picture"
	}
	return fmt.Sprintf("picture %q", data)
}

func (e *fakeEngine) UpdateProduct(sessionID string, p actors.ProductEdit, picture []byte) (
	int64, error) {
	return 42, e.record("UpdateProduct %s %+v %s", sessionID, p, describePicture(picture))
}

func (e *fakeEngine) Picture(picID string) (string, []byte, error) {
	if err := e.record("Picture %s", picID); err != nil {
		return "", nil, err
	}
	if picID != fakePicID {
		return "", nil, actors.ErrNoPicture
	}
	return fakePictureType, []byte(fakePicture), nil
}

func (e *fakeEngine) SetAds(sessionID string, pictures [][]byte, picIDs []string) (
	[]string, error) {
	described := make([]string, 0, len(pictures))
	ids := picIDs
	for i, p := range pictures {
		described = append(described, describePicture(p))
		ids = append(ids, fmt.Sprintf("stored-%d", i+1))
	}
	err := e.record("SetAds %s [%s] %q", sessionID, strings.Join(described, " "), picIDs)
	return ids, err
}

func (e *fakeEngine) Content(sessionID string) (actors.Content, error) {
	err := e.record("Content %s", sessionID)
	return actors.Content{
		AdPicIDs: []string{fakePicID},
		History: []actors.ContentProduct{
			{ProductID: 10001, ProductName: "Rice", PicID: fakePicID, ShopID: 1},
			{ProductID: 10002, ProductName: "Soup", ShopID: 1},
		},
		Random: []actors.ContentProduct{
			{ProductID: 20001, ProductName: "Tea", PicID: fakePicID, ShopID: 2},
		},
	}, err
}

func (e *fakeEngine) SetAvatar(sessionID string, picture []byte) (string, error) {
	err := e.record("SetAvatar %s %s", sessionID, describePicture(picture))
	return fakePicID, err
}

func (e *fakeEngine) AudioURL(text string, spd, pit, vol, per int) (string, error) {
	err := e.record("AudioURL %q %d %d %d %d", text, spd, pit, vol, per)
	return "http://tts.test/text2audio?tex=fake", err
}
