package baidu_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"callme/baidu"
	"callme/standin"
)

func startStandin(t *testing.T) *standin.Servers {
	t.Helper()
	s, err := standin.Start()
	if err != nil {
		t.Fatalf("start stand-ins: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func devClient(s *standin.Servers) *baidu.TTSClient {
	return &baidu.TTSClient{
		TokenURL:  s.URL,
		AudioURL:  s.URL,
		APIKey:    standin.BaiduKey,
		SecretKey: standin.BaiduSecret,
	}
}

func TestSpeechURLCachesToken(t *testing.T) {
	s := startStandin(t)
	c := devClient(s)
	ctx := context.Background()

	first, err := c.SpeechURL(ctx, "请A012号取餐", 5, 5, 9, 0)
	if err != nil {
		t.Fatalf("first SpeechURL: %v", err)
	}
	if _, err := c.SpeechURL(ctx, "请A013号取餐", 5, 5, 9, 0); err != nil {
		t.Fatalf("second SpeechURL: %v", err)
	}
	if n := s.TokenRequests(); n != 1 {
		t.Errorf("two SpeechURL calls made %d token requests, want 1", n)
	}

	u, err := url.Parse(first)
	if err != nil {
		t.Fatalf("parse %q: %v", first, err)
	}
	if u.Path != "/text2audio" {
		t.Errorf("path = %q, want /text2audio", u.Path)
	}
	q := u.Query()
	if tex, _ := url.QueryUnescape(q.Get("tex")); tex != "请A012号取餐" {
		t.Errorf("tex decoded twice = %q, want 请A012号取餐", tex)
	}
	if !strings.HasPrefix(q.Get("tok"), "dev-tts-token-") {
		t.Errorf("tok = %q, want a stand-in token", q.Get("tok"))
	}
	want := map[string]string{
		"cuid": "callme", "ctp": "1", "lan": "zh", "spd": "5", "pit": "5", "vol": "9", "per": "0",
	}
	for name, value := range want {
		if q.Get(name) != value {
			t.Errorf("%s = %q, want %q", name, q.Get(name), value)
		}
	}
}

func TestSpeechURLPlays(t *testing.T) {
	s := startStandin(t)
	speech, err := devClient(s).SpeechURL(context.Background(), "1+1=2 & 100%", 5, 5, 5, 1)
	if err != nil {
		t.Fatalf("SpeechURL: %v", err)
	}
	resp, err := http.Get(speech)
	if err != nil {
		t.Fatalf("GET speech URL: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read audio: %v", err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "audio/wav" {
		t.Fatalf("Content-Type = %q, want audio/wav; body %s", ct, body)
	}
	if len(body) < 44 || string(body[:4]) != "RIFF" || string(body[8:12]) != "WAVE" {
		t.Errorf("body is not a WAV file: % x", body[:min(len(body), 16)])
	}
}

func TestSpeechURLRejectsBadArguments(t *testing.T) {
	tests := []struct {
		name               string
		text               string
		spd, pit, vol, per int
		field              string
	}{
		{"empty text", "", 5, 5, 5, 0, "tex"},
		{"long text", strings.Repeat("号", baidu.MaxTextRunes+1), 5, 5, 5, 0, "tex"},
		{"spd low", "hi", -1, 5, 5, 0, "spd"},
		{"spd high", "hi", 10, 5, 5, 0, "spd"},
		{"pit high", "hi", 5, 10, 5, 0, "pit"},
		{"vol high", "hi", 5, 5, 16, 0, "vol"},
		{"vol low", "hi", 5, 5, -1, 0, "vol"},
		{"per 2", "hi", 5, 5, 5, 2, "per"},
		{"per 5", "hi", 5, 5, 5, 5, "per"},
	}
	s := startStandin(t)
	c := devClient(s)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.SpeechURL(context.Background(), tt.text, tt.spd, tt.pit, tt.vol, tt.per)
			var fieldErr *baidu.FieldError
			if !errors.As(err, &fieldErr) {
				t.Fatalf("SpeechURL = %v, want *FieldError", err)
			}
			if fieldErr.Field != tt.field {
				t.Errorf("Field = %q, want %q", fieldErr.Field, tt.field)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("error %q does not name %s", err, tt.field)
			}
		})
	}
	if n := s.TokenRequests(); n != 0 {
		t.Errorf("invalid arguments caused %d token requests, want 0", n)
	}
}

func TestSpeechURLAcceptsLimits(t *testing.T) {
	c := devClient(startStandin(t))
	text := strings.Repeat("号", baidu.MaxTextRunes)
	for _, per := range []int{0, 1, 3, 4} {
		if _, err := c.SpeechURL(context.Background(), text, 9, 0, 15, per); err != nil {
			t.Errorf("SpeechURL(per %d, limits): %v", per, err)
		}
	}
}

func TestTokenBadCredentials(t *testing.T) {
	s := startStandin(t)
	c := devClient(s)
	c.SecretKey = "secret-that-must-not-leak"

	_, err := c.Token(context.Background())
	if !errors.Is(err, baidu.ErrInvalidCredentials) {
		t.Fatalf("Token(wrong secret) = %v, want ErrInvalidCredentials", err)
	}
	if strings.Contains(err.Error(), c.SecretKey) {
		t.Errorf("error %q contains the secret key", err)
	}

	// A failed fetch is not cached, so fixing the key works at once.
	c2 := devClient(s)
	if _, err := c2.Token(context.Background()); err != nil {
		t.Errorf("Token with the dev key: %v", err)
	}
}

func TestTokenConcurrentCallersShareFetch(t *testing.T) {
	s := startStandin(t)
	c := devClient(s)

	var wg sync.WaitGroup
	tokens := make([]string, 8)
	errs := make([]error, 8)
	for i := range tokens {
		wg.Go(func() { tokens[i], errs[i] = c.Token(context.Background()) })
	}
	wg.Wait()
	for i := range tokens {
		if errs[i] != nil {
			t.Fatalf("Token %d: %v", i, errs[i])
		}
		if tokens[i] != tokens[0] {
			t.Errorf("token %d = %q, want %q", i, tokens[i], tokens[0])
		}
	}
	if n := s.TokenRequests(); n != 1 {
		t.Errorf("8 concurrent Token calls made %d token requests, want 1", n)
	}
}

// tokenServer replies to token requests with expires_in and counts them.
func tokenServer(t *testing.T, expiresIn int) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var count atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := count.Add(1)
		fmt.Fprintf(w, `{"access_token":"t%d","expires_in":%d}`, n, expiresIn)
	}))
	t.Cleanup(srv.Close)
	return srv, &count
}

func TestTokenRefreshesWithinAnHourOfExpiry(t *testing.T) {
	tests := []struct {
		expiresIn int
		requests  int64
	}{
		{3600, 2},
		{3700, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("expires_in %d", tt.expiresIn), func(t *testing.T) {
			srv, count := tokenServer(t, tt.expiresIn)
			c := &baidu.TTSClient{TokenURL: srv.URL, APIKey: "k", SecretKey: "s"}
			for range 2 {
				if _, err := c.Token(context.Background()); err != nil {
					t.Fatalf("Token: %v", err)
				}
			}
			if got := count.Load(); got != tt.requests {
				t.Errorf("two Token calls made %d requests, want %d", got, tt.requests)
			}
		})
	}
}

func TestTokenUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "busy", http.StatusBadGateway)
	}))
	t.Cleanup(srv.Close)

	c := &baidu.TTSClient{TokenURL: srv.URL, APIKey: "k", SecretKey: "secret-value"}
	_, err := c.Token(context.Background())
	if !errors.Is(err, baidu.ErrUnavailable) {
		t.Errorf("Token(502 server) = %v, want ErrUnavailable", err)
	}

	srv.Close()
	_, err = c.Token(context.Background())
	if !errors.Is(err, baidu.ErrUnavailable) {
		t.Fatalf("Token(closed server) = %v, want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), "secret-value") {
		t.Errorf("error %q contains the secret key", err)
	}
}

func TestTokenCancelledContext(t *testing.T) {
	c := devClient(startStandin(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Token(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Token(cancelled context) = %v, want context.Canceled", err)
	}
}
