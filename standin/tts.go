package standin

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"sync"
)

// tokenLifetime is the expires_in of a Baidu access token, 30 days in seconds.
const tokenLifetime = 2592000

// handleToken imitates Baidu's /oauth/2.0/token, taking its parameters
// from the query or a form body.
func (s *Servers) handleToken(w http.ResponseWriter, r *http.Request) {
	s.tokens.Add(1)
	switch {
	case r.FormValue("grant_type") != "client_credentials":
		writeJSON(w, http.StatusBadRequest, map[string]string{
			"error":             "unsupported_grant_type",
			"error_description": "The authorization grant type is not supported",
		})
		return
	case r.FormValue("client_id") != BaiduKey:
		writeJSON(w, http.StatusUnauthorized, map[string]string{
			"error":             "invalid_client",
			"error_description": "unknown client id",
		})
		return
	case r.FormValue("client_secret") != BaiduSecret:
		writeJSON(w, http.StatusUnauthorized, map[string]string{
			"error":             "invalid_client",
			"error_description": "Client authentication failed",
		})
		return
	}

	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": s.issueToken(),
		"expires_in":   tokenLifetime,
		"scope":        "audio_tts_post",
	})
}

// issueToken returns a new token. When the table is full it first clears
// all earlier tokens, which then fail like expired ones.
func (s *Servers) issueToken() string {
	id := make([]byte, 12)
	rand.Read(id)
	token := "dev-tts-token-" + hex.EncodeToString(id)

	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.issued) >= maxTokens {
		clear(s.issued)
	}
	s.issued[token] = true
	return token
}

// handleAudio imitates Baidu's /text2audio. For a valid request it
// returns a short WAV chime whatever the text. Errors use Baidu's JSON form
// with err_no 501 for bad parameters and 502 for a bad token.
func (s *Servers) handleAudio(w http.ResponseWriter, r *http.Request) {
	s.audios.Add(1)
	s.mu.Lock()
	known := s.issued[r.FormValue("tok")]
	s.mu.Unlock()
	if !known {
		writeAudioError(w, 502, "access token invalid or no longer valid")
		return
	}
	if param := badAudioParam(r); param != "" {
		writeAudioError(w, 501, "parameter error: "+param)
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Write(chime())
}

// badAudioParam returns the name of the first invalid parameter, or "".
func badAudioParam(r *http.Request) string {
	// Clients may URL-encode tex twice, so decode the remaining layer if any.
	tex := r.FormValue("tex")
	if decoded, err := url.QueryUnescape(tex); err == nil {
		tex = decoded
	}
	switch {
	case tex == "":
		return "tex"
	case r.FormValue("lan") != "zh":
		return "lan"
	case r.FormValue("ctp") != "1":
		return "ctp"
	case r.FormValue("cuid") == "":
		return "cuid"
	}
	for _, name := range []string{"spd", "pit", "vol", "per"} {
		v := r.FormValue(name)
		if v == "" {
			continue
		}
		if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 15 {
			return name
		}
	}
	return ""
}

func writeAudioError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, http.StatusOK, map[string]any{
		"err_no":  code,
		"err_msg": msg,
		"sn":      "dev-standin",
		"idx":     1,
	})
}

// chime returns a 0.25 s, 880 Hz tone as an 8 kHz, 8-bit mono PCM WAV file.
var chime = sync.OnceValue(func() []byte {
	const (
		rate    = 8000
		samples = rate / 4
		fade    = rate / 50 // 20 ms ramps avoid clicks at both ends
	)
	wav := make([]byte, 44, 44+samples)
	copy(wav[0:], "RIFF")
	binary.LittleEndian.PutUint32(wav[4:], 36+samples)
	copy(wav[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(wav[16:], 16) // fmt chunk size
	binary.LittleEndian.PutUint16(wav[20:], 1)  // PCM
	binary.LittleEndian.PutUint16(wav[22:], 1)  // mono
	binary.LittleEndian.PutUint32(wav[24:], rate)
	binary.LittleEndian.PutUint32(wav[28:], rate) // bytes per second
	binary.LittleEndian.PutUint16(wav[32:], 1)    // block align
	binary.LittleEndian.PutUint16(wav[34:], 8)    // bits per sample
	copy(wav[36:], "data")
	binary.LittleEndian.PutUint32(wav[40:], samples)

	for i := range samples {
		gain := min(1, float64(i)/fade, float64(samples-1-i)/fade)
		v := 0.6 * gain * math.Sin(2*math.Pi*880*float64(i)/rate)
		// 8-bit PCM is unsigned with silence at 128.
		wav = append(wav, byte(128+math.Round(127*v)))
	}
	return wav
})
