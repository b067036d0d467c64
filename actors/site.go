package actors

import (
	"errors"
	"slices"
	"strconv"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/persistence"

	"callme/actors/pb"
)

// MaxAds is how many ad pictures the home page shows.
const MaxAds = 3

// site is the singleton actor of settings that belong to no shop or user:
// for now the ad pictures of the home page.
type site struct {
	persistence.Mixin
	ads []string
}

func (s *site) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *persistence.RequestSnapshot:
		s.PersistSnapshot(&pb.SiteSnapshot{AdPicIds: s.ads})
	case *pb.SiteSnapshot:
		s.ads = slices.Clone(m.GetAdPicIds())
	case *pb.AdsSet:
		if s.Recovering() {
			s.ads = slices.Clone(m.GetPicIds())
		}
	case *pb.SetAds:
		// The snapshot that PersistReceive may take must hold the state
		// before the event, and the sender must be read before it.
		sender := ctx.Sender()
		s.PersistReceive(&pb.AdsSet{PicIds: m.GetPicIds()})
		s.ads = slices.Clone(m.GetPicIds())
		ctx.Send(sender, &pb.Ads{PicIds: slices.Clone(s.ads)})
	case *pb.GetAds:
		ctx.Respond(&pb.Ads{PicIds: slices.Clone(s.ads)})
	}
}

// sitePID returns the site actor, starting it on first use.
func (e *Engine) sitePID() *actor.PID {
	return e.spawn("site", e.persistent(func() actor.Actor { return &site{} }))
}

// SetAds replaces the home page's ad pictures, for an admin. Give either 1
// to MaxAds pictures to store, or the ids of stored pictures. It returns
// the new list of picture ids. The picture actors keep the bytes, so the
// caller must not change them.
func (e *Engine) SetAds(sessionID string, pictures [][]byte, picIDs []string) ([]string, error) {
	if err := e.admin(sessionID); err != nil {
		return nil, err
	}
	n := len(pictures) + len(picIDs)
	switch {
	case len(pictures) > 0 && len(picIDs) > 0:
		return nil, badRequest("send picture files or pic_ids, not both")
	case n == 0:
		return nil, badRequest("missing field pic_ids: send 1 to %d picture files or pic_ids",
			MaxAds)
	case n > MaxAds:
		return nil, badRequest("too many ads: %d given, at most %d", n, MaxAds)
	}

	ids, err := e.adPictureIDs(pictures, picIDs)
	if err != nil {
		return nil, err
	}
	for i, id := range ids {
		if slices.Contains(ids[:i], id) {
			return nil, badRequest("picture %s is given twice: each ad must differ", id)
		}
	}
	// Every check passed, so a rejected request stores none of its uploads.
	for _, data := range pictures {
		if _, err := e.storePicture(data); err != nil {
			return nil, err
		}
	}
	res, err := e.request(e.sitePID(), &pb.SetAds{PicIds: ids})
	if err != nil {
		return nil, err
	}
	return res.(*pb.Ads).GetPicIds(), nil
}

// adPictureIDs checks the uploaded pictures, and that the given ids name
// stored pictures. It returns the ids of the ads in order, without storing
// the uploads.
func (e *Engine) adPictureIDs(pictures [][]byte, picIDs []string) ([]string, error) {
	ids := make([]string, 0, len(pictures)+len(picIDs))
	for _, data := range pictures {
		if _, err := checkPicture(data); err != nil {
			return nil, err
		}
		ids = append(ids, pictureID(data))
	}
	for _, id := range picIDs {
		_, _, err := e.Picture(id)
		if errors.Is(err, ErrNoPicture) {
			return nil, &Error{Code: 404, Msg: "no picture " + quoteID(id) +
				": upload it as a picture file instead"}
		}
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// quoteID quotes a client's picture id for an error message, cut to a
// length that keeps the message readable.
func quoteID(id string) string {
	if r := []rune(id); len(r) > 2*pictureIDLen {
		id = string(r[:2*pictureIDLen]) + "…"
	}
	return strconv.Quote(id)
}

// ads returns the ad picture ids.
func (e *Engine) ads() ([]string, error) {
	res, err := e.request(e.sitePID(), &pb.GetAds{})
	if err != nil {
		return nil, err
	}
	return res.(*pb.Ads).GetPicIds(), nil
}
