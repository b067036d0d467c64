// Package standin runs local stand-ins for the WeChat login, WeChat Pay v2 and
// Baidu text-to-speech APIs, for `callme serve --dev` and for tests. One HTTP
// server on 127.0.0.1 serves all of them and accepts only the dev credentials
// below.
package standin

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Dev credentials that the stand-ins accept.
const (
	AppID       = "wx-dev-app"
	Secret      = "wx-dev-secret"
	MchID       = "dev-mch"
	PayKey      = "callme-dev-key"
	BaiduKey    = "dev-baidu-key"
	BaiduSecret = "dev-baidu-secret"
)

// Table sizes that keep a long-running dev server's memory bounded.
const (
	maxOrders = 10_000
	maxTokens = 1_000
)

// Servers is a running stand-in server. Its methods are safe for concurrent
// use.
type Servers struct {
	// URL is the server's base URL, such as http://127.0.0.1:40123. Use it as
	// wechat.LoginClient.BaseURL, wechat.PayClient.BaseURL and both base URLs
	// of baidu.TTSClient.
	URL string

	server *http.Server

	logins    atomic.Int64
	orders    atomic.Int64
	tokens    atomic.Int64
	audios    atomic.Int64
	transfers atomic.Int64

	mu sync.Mutex
	// prepayIDs maps out_trade_no to the order it created. Guarded by mu.
	prepayIDs map[string]order
	// issued contains the Baidu access tokens handed out. Guarded by mu.
	issued map[string]bool
	// payments maps partner_trade_no to the transfer it made. Guarded by mu.
	payments map[string]string
}

// Start starts the stand-ins on a free port of 127.0.0.1. The caller must call
// Close when done.
func Start() (*Servers, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("standin: listen: %w", err)
	}
	s := &Servers{
		URL:       "http://" + ln.Addr().String(),
		prepayIDs: make(map[string]order),
		issued:    make(map[string]bool),
		payments:  make(map[string]string),
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/sns/jscode2session", s.handleLogin)
	mux.HandleFunc("/pay/unifiedorder", s.handleUnifiedOrder)
	mux.HandleFunc("POST /mmpaymkttransfers/promotion/transfers", s.handleTransfer)
	mux.HandleFunc("/oauth/2.0/token", s.handleToken)
	mux.HandleFunc("/text2audio", s.handleAudio)
	s.server = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}

	// Serve returns http.ErrServerClosed after Close. It can fail earlier only
	// if accepting fails, and clients then see connection errors.
	go s.server.Serve(ln)
	return s, nil
}

// Close stops the server and closes its open connections. Further calls do
// nothing.
func (s *Servers) Close() {
	_ = s.server.Close()
}

// LoginRequests returns the number of requests to /sns/jscode2session so far.
func (s *Servers) LoginRequests() int64 { return s.logins.Load() }

// UnifiedOrderRequests returns the number of requests to /pay/unifiedorder so
// far, including rejected ones.
func (s *Servers) UnifiedOrderRequests() int64 { return s.orders.Load() }

// TokenRequests returns the number of requests to /oauth/2.0/token so far.
func (s *Servers) TokenRequests() int64 { return s.tokens.Load() }

// AudioRequests returns the number of requests to /text2audio so far.
func (s *Servers) AudioRequests() int64 { return s.audios.Load() }
