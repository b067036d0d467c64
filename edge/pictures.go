package edge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"

	"github.com/valyala/fasthttp"

	"callme/actors"
)

// Media is the part of Engine behind pictures, ads, the home page and
// spoken calls.
type Media interface {
	// UpdateProduct is ModifyProduct with an uploaded picture, nil when the
	// request had none. The engine keeps picture.
	UpdateProduct(sessionID string, p actors.ProductEdit, picture []byte) (int64, error)
	// Picture returns a stored picture's media type and bytes, which the
	// caller must not change.
	Picture(picID string) (string, []byte, error)
	// SetAds replaces the ads with uploaded pictures or stored ones. The
	// engine keeps the pictures.
	SetAds(sessionID string, pictures [][]byte, picIDs []string) ([]string, error)
	Content(sessionID string) (actors.Content, error)
	// SetAvatar stores an uploaded picture as the seller's avatar.
	SetAvatar(sessionID string, picture []byte) (string, error)
	AudioURL(text string, spd, pit, vol, per int) (string, error)
}

const (
	// picturePath is the route of GET picture, the path of picture URLs.
	picturePath = "/callme/wx_session/picture"
	// pictureCacheControl lets clients keep a picture for a year, because
	// its id is the hash of its bytes and never names other bytes.
	pictureCacheControl = "public, max-age=31536000, immutable"

	// maxParts bounds the parts of a multipart body: the fields of the
	// largest form and actors.MaxAds pictures, with room to spare.
	maxParts = 32
	// maxAdsBodySize fits actors.MaxAds pictures of the largest size and
	// their multipart framing.
	maxAdsBodySize = actors.MaxAds*actors.MaxPictureBytes + 64<<10
)

var errAdsBodyTooLarge = &actors.Error{Code: 413, Msg: fmt.Sprintf(
	"request body over %d bytes: send at most %d pictures of 500 KB",
	maxAdsBodySize, actors.MaxAds)}

// CheckPublicURL returns an error naming raw unless it is empty or an
// absolute http or https URL without query or fragment, as SetPublicURL
// needs.
func CheckPublicURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("parse %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q is not an http(s) URL without query, such as "+
			"https://canteen.example.com", raw)
	}
	return nil
}

// SetPublicURL sets the base of the picture URLs in replies, such as
// https://canteen.example.com, which must pass CheckPublicURL. Empty, the
// default, makes each URL start with the scheme and Host header of its
// request. Call it before Serve.
func (r *REST) SetPublicURL(base string) {
	r.publicURL = strings.TrimSuffix(base, "/")
}

// pictureBase returns the base of picture URLs in the reply to ctx.
func (r *REST) pictureBase(ctx *fasthttp.RequestCtx) string {
	if r.publicURL != "" {
		return r.publicURL
	}
	scheme := "http"
	if ctx.IsTLS() {
		scheme = "https"
	}
	host := string(ctx.Host())
	if host == "" {
		host = ctx.LocalAddr().String()
	}
	return scheme + "://" + host
}

// pictureURL returns the absolute URL of a picture, or "" for no picture.
func pictureURL(base, picID string) string {
	if picID == "" {
		return ""
	}
	return base + picturePath + "?pic_id=" + url.QueryEscape(picID)
}

// pictureLinker is a reply that names pictures by id. handle calls
// linkPictures before encoding it, because the URLs depend on the request.
type pictureLinker interface {
	linkPictures(base string)
}

// linkPictures fills in the picture URLs of reply, if it has any.
func (r *REST) linkPictures(ctx *fasthttp.RequestCtx, reply any) {
	if l, ok := reply.(pictureLinker); ok {
		l.linkPictures(r.pictureBase(ctx))
	}
}

// linkPictures sets product_img_url in lists of products and shops. The
// list shares its array with the reply, so the change reaches the reply.
func (l listReply[T]) linkPictures(base string) {
	switch list := any(l.List).(type) {
	case []actors.ProductView:
		for i := range list {
			list[i].ProductImgURL = pictureURL(base, list[i].PicID)
		}
	case []actors.ShopView:
		linkShops(base, list)
	case []hallView:
		for _, hall := range list {
			linkShops(base, hall.Shops)
		}
	}
}

func linkShops(base string, shops []actors.ShopView) {
	for _, shop := range shops {
		for i := range shop.Products {
			shop.Products[i].ProductImgURL = pictureURL(base, shop.Products[i].PicID)
		}
	}
}

// picture serves GET /callme/wx_session/picture?pic_id=ID: the image with
// headers that let clients cache it for good.
func (r *REST) picture(ctx *fasthttp.RequestCtx) {
	id := string(ctx.QueryArgs().Peek("pic_id"))
	contentType, data, err := r.engine.Picture(id)
	if err != nil {
		r.replyError(ctx, err)
		return
	}
	etag := `"` + id + `"`
	ctx.Response.Header.Set(fasthttp.HeaderETag, etag)
	ctx.Response.Header.Set(fasthttp.HeaderCacheControl, pictureCacheControl)
	if etagMatches(ctx.Request.Header.Peek(fasthttp.HeaderIfNoneMatch), etag) {
		ctx.SetStatusCode(fasthttp.StatusNotModified)
		return
	}
	ctx.SetStatusCode(fasthttp.StatusOK)
	ctx.SetContentType(contentType)
	ctx.SetBody(data)
}

// etagMatches reports whether an If-None-Match header lists etag or is "*".
// A weak tag W/"x" matches "x", because If-None-Match compares weakly.
func etagMatches(ifNoneMatch []byte, etag string) bool {
	for tag := range strings.SplitSeq(string(ifNoneMatch), ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == etag {
			return true
		}
	}
	return false
}

// handleUpload is handle for routes that take picture files. A
// multipart/form-data body gives fields and the files of field picture;
// another body is decoded as by handle and gives no files.
func (r *REST) handleUpload(maxBody int, tooLarge error,
	route func(f *fields, pictures [][]byte) (any, error)) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		reply, err := r.upload(ctx, maxBody, tooLarge, route)
		if err != nil {
			r.replyError(ctx, err)
			return
		}
		r.linkPictures(ctx, reply)
		writeJSON(ctx, fasthttp.StatusOK, reply)
	}
}

func (r *REST) upload(ctx *fasthttp.RequestCtx, maxBody int, tooLarge error,
	route func(f *fields, pictures [][]byte) (any, error)) (any, error) {
	body, err := readBodyUpTo(ctx, maxBody, tooLarge)
	if err != nil {
		return nil, err
	}
	contentType := ctx.Request.Header.ContentType()
	if mediaTypeOf(contentType) != "multipart/form-data" {
		f, err := decodeFields(body, contentType, ctx.QueryArgs())
		if err != nil {
			return nil, err
		}
		return route(f, nil)
	}
	f, pictures, err := decodeMultipart(body, contentType, ctx.QueryArgs())
	if err != nil {
		return nil, err
	}
	return route(f, pictures)
}

// readBodyUpTo is readBody with another size limit and its 413 error.
func readBodyUpTo(ctx *fasthttp.RequestCtx, limit int, tooLarge error) ([]byte, error) {
	stream := ctx.RequestBodyStream()
	if stream == nil {
		return nil, nil
	}
	if ctx.Request.Header.ContentLength() > limit {
		drain(stream)
		return nil, tooLarge
	}
	body, err := io.ReadAll(io.LimitReader(stream, int64(limit)+1))
	if err != nil {
		return nil, badRequest("invalid request body: %v", err)
	}
	if len(body) > limit {
		drain(stream)
		return nil, tooLarge
	}
	return body, nil
}

// decodeMultipart parses a multipart/form-data body. Parts named picture
// are files, in order; a file under any other name is rejected. The other
// parts become fields, as a urlencoded form would, and replace query
// values of the same name. The body is in memory already, so the parts are
// read from it with no temporary files.
func decodeMultipart(body, contentType []byte, query *fasthttp.Args) (
	*fields, [][]byte, error) {
	_, params, err := mime.ParseMediaType(string(contentType))
	if err != nil || params["boundary"] == "" {
		return nil, nil, badRequest("invalid multipart body: the Content-Type has no boundary")
	}
	f := &fields{values: make(map[string]json.RawMessage)}
	f.addArgs(query)

	var form fasthttp.Args
	var pictures [][]byte
	reader := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for count := 0; ; count++ {
		part, err := reader.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, badRequest("invalid multipart body: %v", err)
		}
		if count == maxParts {
			return nil, nil, badRequest("invalid multipart body: more than %d parts", maxParts)
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, nil, badRequest("invalid multipart body: %v", err)
		}
		switch name := part.FormName(); {
		case name == "picture":
			pictures = append(pictures, data)
		case part.FileName() != "":
			return nil, nil, badRequest("unexpected file in field %q: send the image "+
				"in field picture", name)
		case name != "":
			form.AddBytesV(name, data)
		}
	}
	f.addArgs(&form)
	return f, pictures, nil
}

// optTexts returns an optional list of strings, nil when absent. The list
// may be a JSON array of strings or a comma-separated string such as
// "id1,id2", as for ints.
func (f *fields) optTexts(name string) []string {
	raw, ok := f.lookup(name, false)
	if !ok {
		return nil
	}
	items, ok := listItems(raw)
	if !ok {
		f.invalid(name, `must be a list of strings, such as "id1,id2" or ["id1","id2"]`)
		return nil
	}
	for i, item := range items {
		items[i] = strings.TrimSpace(item)
		if items[i] == "" {
			f.invalid(name, fmt.Sprintf("item %d is empty", i+1))
			return nil
		}
	}
	return items
}

func (r *REST) updateProduct(f *fields, pictures [][]byte) (any, error) {
	session := f.text("session_id")
	edit := actors.ProductEdit{
		ProductID:   f.optInt("product_id", 0),
		ProductName: f.text("product_name"),
		TotalFee:    f.fen("total_fee"),
		Inventory:   f.int("inventory", 0),
		Label:       f.optText("label"),
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if len(pictures) > 1 {
		return nil, badRequest("%d files in field picture: a product has one picture",
			len(pictures))
	}
	var picture []byte
	if len(pictures) == 1 {
		picture = pictures[0]
	}
	id, err := r.engine.UpdateProduct(session, edit, picture)
	return productReply{Errmsg: "ok", ProductID: id}, err
}
