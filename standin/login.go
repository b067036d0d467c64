package standin

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
)

// handleLogin imitates jscode2session. Code "X" logs in openid "dev-X".
// Unlike WeChat it accepts a code more than once, so a developer can reuse one.
func (s *Servers) handleLogin(w http.ResponseWriter, r *http.Request) {
	s.logins.Add(1)
	if r.Method != http.MethodGet {
		http.Error(w, "use GET", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	switch {
	case q.Get("appid") != AppID:
		writeLoginError(w, 40013, "invalid appid")
	case q.Get("secret") != Secret:
		writeLoginError(w, 40125, "invalid appsecret")
	case q.Get("grant_type") != "authorization_code":
		writeLoginError(w, 40002, "invalid grant_type")
	case !validCode(q.Get("js_code")):
		writeLoginError(w, 40029, "invalid code")
	default:
		writeJSON(w, http.StatusOK, map[string]string{
			"openid":      "dev-" + q.Get("js_code"),
			"session_key": sessionKey(),
		})
	}
}

// validCode reports whether code is 1 to 64 characters from A-Z, a-z, 0-9,
// '_' and '-'.
func validCode(code string) bool {
	if len(code) == 0 || len(code) > 64 {
		return false
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// sessionKey returns a random session_key in WeChat's form: 16 bytes in
// standard base64.
func sessionKey() string {
	key := make([]byte, 16)
	rand.Read(key)
	return base64.StdEncoding.EncodeToString(key)
}

func writeLoginError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, http.StatusOK, map[string]any{"errcode": code, "errmsg": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode reply: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}
