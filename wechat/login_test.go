package wechat_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"callme/standin"
	"callme/wechat"
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

func TestCode2SessionOK(t *testing.T) {
	s := startStandin(t)
	c := &wechat.LoginClient{BaseURL: s.URL, AppID: standin.AppID, Secret: standin.Secret}

	got, err := c.Code2Session(context.Background(), "alice_01")
	if err != nil {
		t.Fatalf("Code2Session: %v", err)
	}
	if got.OpenID != "dev-alice_01" {
		t.Errorf("OpenID = %q, want dev-alice_01", got.OpenID)
	}
	if got.SessionKey == "" {
		t.Error("SessionKey is empty")
	}
}

func TestCode2SessionBadCode(t *testing.T) {
	s := startStandin(t)
	c := &wechat.LoginClient{BaseURL: s.URL, AppID: standin.AppID, Secret: standin.Secret}

	_, err := c.Code2Session(context.Background(), "bad code!")
	if !errors.Is(err, wechat.ErrInvalidCode) {
		t.Fatalf("Code2Session(bad code) = %v, want ErrInvalidCode", err)
	}
	if errors.Is(err, wechat.ErrUnavailable) {
		t.Errorf("bad code error %v also matches ErrUnavailable", err)
	}
	var loginErr *wechat.LoginError
	if !errors.As(err, &loginErr) || loginErr.Code != 40029 {
		t.Errorf("Code2Session(bad code) = %v, want *LoginError with errcode 40029", err)
	}

	before := s.LoginRequests()
	if _, err := c.Code2Session(context.Background(), ""); !errors.Is(err, wechat.ErrInvalidCode) {
		t.Errorf("Code2Session(\"\") = %v, want ErrInvalidCode", err)
	}
	if s.LoginRequests() != before {
		t.Error("Code2Session sent a request for an empty code")
	}
}

func TestCode2SessionBadSecret(t *testing.T) {
	s := startStandin(t)
	const secret = "not-the-dev-secret"
	c := &wechat.LoginClient{BaseURL: s.URL, AppID: standin.AppID, Secret: secret}

	_, err := c.Code2Session(context.Background(), "alice")
	var loginErr *wechat.LoginError
	if !errors.As(err, &loginErr) || loginErr.Code != 40125 {
		t.Fatalf("Code2Session(wrong secret) = %v, want *LoginError with errcode 40125", err)
	}
	if errors.Is(err, wechat.ErrInvalidCode) || errors.Is(err, wechat.ErrUnavailable) {
		t.Errorf("wrong secret error %v matches a sentinel", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error %q contains the secret", err)
	}
}

func TestCode2SessionUnreachable(t *testing.T) {
	// A port that was just free is very likely refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()

	const secret = "secret-that-must-not-leak"
	c := &wechat.LoginClient{BaseURL: "http://" + addr, AppID: standin.AppID, Secret: secret}
	_, err = c.Code2Session(context.Background(), "alice")
	if !errors.Is(err, wechat.ErrUnavailable) {
		t.Fatalf("Code2Session(closed port) = %v, want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error %q contains the secret", err)
	}
}

func TestCode2SessionServerError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)

	c := &wechat.LoginClient{BaseURL: srv.URL, AppID: standin.AppID, Secret: standin.Secret}
	_, err := c.Code2Session(context.Background(), "alice")
	if !errors.Is(err, wechat.ErrUnavailable) {
		t.Errorf("Code2Session(503 server) = %v, want ErrUnavailable", err)
	}
}

func TestCode2SessionSystemBusy(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"errcode":-1,"errmsg":"system error"}`))
	}))
	t.Cleanup(srv.Close)

	c := &wechat.LoginClient{BaseURL: srv.URL, AppID: standin.AppID, Secret: standin.Secret}
	_, err := c.Code2Session(context.Background(), "alice")
	if !errors.Is(err, wechat.ErrUnavailable) {
		t.Errorf("Code2Session(errcode -1) = %v, want ErrUnavailable", err)
	}
}
