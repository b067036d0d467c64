package actors

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/persistence"

	"callme/actors/pb"
)

// MaxPictureBytes is the largest picture the engine stores: 500 KB.
const MaxPictureBytes = 512000

// pictureIDLen is the length of a picture id: 128 bits of SHA-256 in hex.
const pictureIDLen = 32

// Errors of picture uploads and downloads. ErrNoPicture keeps the wording of
// the original API, which clients may match.
var (
	ErrPictureTooLarge = &Error{Code: 413, Msg: "picture over 500 KB"}
	ErrPictureType     = &Error{Code: 415, Msg: "picture must be JPEG, PNG or WebP"}
	ErrNoPicture       = &Error{Code: 404, Msg: "No that Picture"}
)

// picture is the actor of one stored image, named picture-ID where ID is the
// image's pictureID. Its only event is PictureStored, and it never takes a
// snapshot because that event is the whole state. Like an order it stops
// after Options.OrderIdle unused, and it stops at once when asked for an
// image it does not have, so requests for random ids leave nothing behind.
type picture struct {
	persistence.Mixin
	engine *Engine
	// stored is nil until the image is stored or replayed.
	stored *pb.PictureStored
	idle   idleTimer
}

func newPicture(e *Engine) *picture {
	return &picture{engine: e}
}

func (p *picture) Receive(ctx actor.Context) {
	if _, tick := ctx.Message().(*pb.Tick); !tick {
		p.idle.touch()
	}
	switch m := ctx.Message().(type) {
	case *actor.Started:
		p.idle.start(ctx, p.engine.opts.OrderIdle)
	case *actor.Stopped:
		p.idle.stop()
	case *pb.Tick:
		if p.idle.expired(ctx) {
			ctx.Poison(ctx.Self())
		}
	case *pb.PictureStored:
		if p.Recovering() {
			p.stored = m
		}
	case *pb.StorePicture:
		p.store(ctx, m)
	case *pb.GetPicture:
		if p.stored == nil {
			ctx.Respond(failure(ErrNoPicture.Code, "%s", ErrNoPicture.Msg))
			ctx.Poison(ctx.Self())
			return
		}
		ctx.Respond(&pb.Picture{ContentType: p.stored.GetContentType(), Data: p.stored.GetData()})
	}
}

// store persists the image unless it is already stored. Storing the same
// bytes again is a no-op because the actor's name is their hash.
func (p *picture) store(ctx actor.Context, m *pb.StorePicture) {
	if p.stored != nil {
		ctx.Respond(&pb.Ok{})
		return
	}
	// The snapshot request inside PersistReceive replaces the message
	// envelope, so the sender must be read first.
	sender := ctx.Sender()
	ev := &pb.PictureStored{ContentType: m.GetContentType(), Data: m.GetData()}
	p.PersistReceive(ev)
	p.stored = ev
	ctx.Send(sender, &pb.Ok{})
}

func (e *Engine) picturePID(id string) *actor.PID {
	return e.spawn("picture-"+id, e.persistent(func() actor.Actor {
		return newPicture(e)
	}))
}

// pictureType returns the media type of data found from its first bytes,
// or "" when it is not JPEG, PNG or WebP.
func pictureType(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "image/webp"
	}
	return ""
}

// checkPicture returns the media type of data, or the error to reply when
// data is too large or not an image the engine stores.
func checkPicture(data []byte) (string, error) {
	if len(data) > MaxPictureBytes {
		return "", ErrPictureTooLarge
	}
	contentType := pictureType(data)
	if contentType == "" {
		return "", ErrPictureType
	}
	return contentType, nil
}

// pictureID returns the content address of data: the first 32 hex digits
// of its SHA-256.
func pictureID(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:pictureIDLen/2])
}

// validPictureID reports whether id has the form pictureID returns.
func validPictureID(id string) bool {
	if len(id) != pictureIDLen {
		return false
	}
	for _, c := range []byte(id) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// storePicture checks data and stores it, returning its id once it is on
// disk. The picture actor keeps data, so the caller must not change it.
func (e *Engine) storePicture(data []byte) (string, error) {
	contentType, err := checkPicture(data)
	if err != nil {
		return "", err
	}
	id := pictureID(data)
	msg := &pb.StorePicture{ContentType: contentType, Data: data}
	if _, err := e.request(e.picturePID(id), msg); err != nil {
		return "", err
	}
	return id, nil
}

// Picture returns the media type and bytes of a stored picture, or
// ErrNoPicture. The edge calls it for GET /callme/wx_session/picture, which
// needs no session. The returned bytes are shared with the picture actor
// and must not be changed.
func (e *Engine) Picture(picID string) (string, []byte, error) {
	if !validPictureID(picID) {
		return "", nil, ErrNoPicture
	}
	res, err := e.request(e.picturePID(picID), &pb.GetPicture{})
	if err != nil {
		if AsError(err).Code == ErrNoPicture.Code {
			return "", nil, ErrNoPicture
		}
		return "", nil, err
	}
	p := res.(*pb.Picture)
	return p.GetContentType(), p.GetData(), nil
}

// UpdateProduct creates or updates a product of the seller's shop like
// ModifyProduct, first storing picture and pointing the product at it. A
// nil picture keeps the product's picture, which only an existing product
// has, so creating a product needs one. An empty, non-nil picture is
// rejected as not an image.
//
// TODO: a picture stored for an update that the shop then rejects stays in
// the store without a product; nothing removes unused pictures yet.
func (e *Engine) UpdateProduct(sessionID string, p ProductEdit, picture []byte) (int64, error) {
	if _, _, err := e.seller(sessionID); err != nil {
		return 0, err
	}
	if picture == nil {
		if p.ProductID == 0 {
			return 0, badRequest("missing file picture: a new product needs a picture")
		}
		p.PicID = ""
		return e.ModifyProduct(sessionID, p)
	}
	id, err := e.storePicture(picture)
	if err != nil {
		return 0, err
	}
	p.PicID = id
	return e.ModifyProduct(sessionID, p)
}

// SetAvatar stores picture as the seller's avatar and returns its id. The
// home page shows it as user_img_url beside the shop's products.
func (e *Engine) SetAvatar(sessionID string, picture []byte) (string, error) {
	id, shop, err := e.seller(sessionID)
	if err != nil {
		return "", err
	}
	if picture == nil {
		return "", badRequest("missing file picture")
	}
	picID, err := e.storePicture(picture)
	if err != nil {
		return "", err
	}
	if _, err := e.request(shop, &pb.SetOwnerPicture{Openid: id, PicId: picID}); err != nil {
		return "", err
	}
	return picID, nil
}
