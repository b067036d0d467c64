package actors

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"callme/baidu"
	"callme/persistence"
	"callme/standin"
	"callme/wechat"
)

// startSpeaking starts an engine like startEngine whose Options.TTS is
// made by tts from the stand-ins' URL.
func startSpeaking(t *testing.T, tts func(standinURL string) *baidu.TTSClient) *testEngine {
	t.Helper()
	te := startEngine(t, 50)
	te.stop()
	store, err := persistence.Open(te.dir)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	e, err := Start(Options{
		Provider: store.Provider(50),
		Login: &wechat.LoginClient{BaseURL: te.stubs.URL, AppID: standin.AppID,
			Secret: standin.Secret},
		Pay: te.pay,
		TTS: tts(te.stubs.URL),
		Now: te.clock.Now,
	})
	if err != nil {
		t.Fatalf("start engine: %v", err)
	}
	te.e, te.store = e, store
	return te
}

// standinTTS returns a maker of clients of the Baidu stand-in that log in
// with key and secret.
func standinTTS(key, secret string) func(string) *baidu.TTSClient {
	return func(standinURL string) *baidu.TTSClient {
		return &baidu.TTSClient{TokenURL: standinURL, AudioURL: standinURL, APIKey: key,
			SecretKey: secret}
	}
}

// speechQuery parses a text2audio URL and checks that it points at base.
func speechQuery(t *testing.T, raw, base string) url.Values {
	t.Helper()
	if !strings.HasPrefix(raw, base+"/text2audio?") {
		t.Fatalf("URL = %s, want %s/text2audio?...", raw, base)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %s: %v", raw, err)
	}
	return u.Query()
}

func TestAudioURLPlaysOnStandin(t *testing.T) {
	te := startSpeaking(t, standinTTS(standin.BaiduKey, standin.BaiduSecret))
	raw, err := te.e.AudioURL("请 1/2 号 + 取餐", 3, 4, 15, 4)
	if err != nil {
		t.Fatalf("AudioURL: %v", err)
	}
	q := speechQuery(t, raw, te.stubs.URL)
	// Baidu wants tex encoded twice, so one layer remains after parsing.
	if tex, _ := url.QueryUnescape(q.Get("tex")); tex != "请 1/2 号 + 取餐" {
		t.Errorf("tex = %q, want the text", tex)
	}
	for name, want := range map[string]string{"spd": "3", "pit": "4", "vol": "15", "per": "4"} {
		if q.Get(name) != want {
			t.Errorf("%s = %q, want %s", name, q.Get(name), want)
		}
	}

	client := &http.Client{Timeout: 5 * time.Second}
	res, err := client.Get(raw)
	if err != nil {
		t.Fatalf("GET the audio: %v", err)
	}
	defer res.Body.Close()
	audio, _ := io.ReadAll(res.Body)
	if ct := res.Header.Get("Content-Type"); ct != "audio/wav" {
		t.Errorf("audio Content-Type = %q (body %.100s), want audio/wav", ct, audio)
	}

	if _, err := te.e.AudioURL("again", 5, 5, 5, 0); err != nil {
		t.Fatalf("second AudioURL: %v", err)
	}
	if n := te.stubs.TokenRequests(); n != 1 {
		t.Errorf("token requests = %d, want 1: the token is cached", n)
	}
}

func TestCallAudioURL(t *testing.T) {
	te := startSpeaking(t, standinTTS(standin.BaiduKey, standin.BaiduSecret))
	raw, err := te.e.CallAudioURL(7, DefaultVoice)
	if err != nil {
		t.Fatalf("CallAudioURL: %v", err)
	}
	q := speechQuery(t, raw, te.stubs.URL)
	if tex, _ := url.QueryUnescape(q.Get("tex")); tex != "请 7 号取餐" {
		t.Errorf("tex = %q, want 请 7 号取餐", tex)
	}
	for name, want := range map[string]string{"spd": "5", "pit": "5", "vol": "9", "per": "0"} {
		if q.Get(name) != want {
			t.Errorf("%s = %q, want %s", name, q.Get(name), want)
		}
	}

	_, err = te.e.CallAudioURL(0, DefaultVoice)
	wantCode(t, err, 400)
	_, err = te.e.CallAudioURL(7, Voice{Speed: 10})
	wantCode(t, err, 400)
}

func TestAudioURLRejectsArguments(t *testing.T) {
	te := startEngine(t, 50)
	for _, tc := range []struct {
		name               string
		text               string
		spd, pit, vol, per int
		msg                string
	}{
		{"empty text", "", 5, 5, 5, 0, "missing TEXT: give the words to speak"},
		{"blank text", "  ", 5, 5, 5, 0, "missing TEXT: give the words to speak"},
		{"long text", strings.Repeat("号", 61), 5, 5, 5, 0,
			"invalid TEXT: 61 characters, at most 60"},
		{"invalid UTF-8", "\xff", 5, 5, 5, 0, "invalid TEXT: not UTF-8"},
		{"SPD high", "hi", 12, 5, 5, 0, `invalid SPD "12": 0 to 9`},
		{"SPD low", "hi", -1, 5, 5, 0, `invalid SPD "-1": 0 to 9`},
		{"PIT", "hi", 5, 10, 5, 0, `invalid PIT "10": 0 to 9`},
		{"VOL", "hi", 5, 5, 16, 0, `invalid VOL "16": 0 to 15`},
		{"PER", "hi", 5, 5, 5, 2, `invalid PER "2": one of 0, 1, 3, 4`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := te.e.AudioURL(tc.text, tc.spd, tc.pit, tc.vol, tc.per)
			wantCode(t, err, 400)
			if msg := AsError(err).Msg; msg != tc.msg {
				t.Errorf("errmsg = %q, want %q", msg, tc.msg)
			}
		})
	}
	// 60 characters is the limit, not past it.
	if _, err := te.e.AudioURL(strings.Repeat("号", 60), 5, 5, 5, 0); err != nil {
		t.Fatalf("60 characters: %v, want a URL", err)
	}
}

func TestAudioURLBaiduFailures(t *testing.T) {
	te := startSpeaking(t, standinTTS(standin.BaiduKey, "wrong-secret"))
	_, err := te.e.AudioURL("hi", 5, 5, 5, 0)
	wantCode(t, err, 502)

	// Nothing listens on port 1 of loopback.
	te = startSpeaking(t, func(string) *baidu.TTSClient {
		return &baidu.TTSClient{TokenURL: "http://127.0.0.1:1", AudioURL: "http://127.0.0.1:1",
			APIKey: "k", SecretKey: "s"}
	})
	_, err = te.e.AudioURL("hi", 5, 5, 5, 0)
	wantCode(t, err, 502)
	if msg := AsError(err).Msg; !strings.Contains(msg, "unavailable") {
		t.Errorf("errmsg = %q, want it to say Baidu is unavailable", msg)
	}
}
