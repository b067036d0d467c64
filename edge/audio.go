package edge

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"
)

// audioPattern is the route of spoken calls. Its segments are named as in
// the mini-program's protocol, so errors name them in upper case.
const audioPattern = "/bd_api/getAudioUrl/{text}/{spd}/{pit}/{vol}/{per}"

type audioReply struct {
	URL string `json:"url"`
}

// audioURL serves GET and POST /callme/bd_api/getAudioUrl/TEXT/SPD/PIT/VOL/PER
// with the Baidu text2audio URL that speaks TEXT. The router matches the
// path before percent-decoding, so an encoded '/' stays inside TEXT.
func (r *REST) audioURL(ctx *fasthttp.RequestCtx) {
	// A POST body carries nothing, but it is read so the connection can
	// serve the next request.
	if _, err := readBody(ctx); err != nil {
		r.replyError(ctx, err)
		return
	}
	text, err := url.PathUnescape(pathValue(ctx, "text"))
	if err != nil {
		r.replyError(ctx, badRequest("invalid TEXT: malformed percent-encoding"))
		return
	}
	var numbers [4]int
	for i, name := range []string{"SPD", "PIT", "VOL", "PER"} {
		raw := pathValue(ctx, strings.ToLower(name))
		n, err := strconv.Atoi(raw)
		if err != nil {
			r.replyError(ctx, badRequest("invalid %s %q: must be a whole number", name, raw))
			return
		}
		numbers[i] = n
	}

	u, err := r.engine.AudioURL(text, numbers[0], numbers[1], numbers[2], numbers[3])
	if err != nil {
		r.replyError(ctx, err)
		return
	}
	writeJSON(ctx, fasthttp.StatusOK, audioReply{URL: u})
}

// pathValue returns a path segment that the router matched, still
// percent-encoded.
func pathValue(ctx *fasthttp.RequestCtx, name string) string {
	s, _ := ctx.UserValue(name).(string)
	return s
}
