package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"callme/actors"
	"callme/edge"
	"callme/metrics"
	"callme/persistence"
	"callme/standin"
	"callme/wechat"
)

// devAdmin is the openid of the admin in --dev: log in with code "admin".
const devAdmin = "dev-admin"

type serveConfig struct {
	httpAddr      string
	wsAddr        string
	dataDir       string
	dev           bool
	admins        string
	tlsCert       string
	tlsKey        string
	heartbeat     time.Duration
	snapshotEvery int
	orderIdle     time.Duration
	unpaidTTL     time.Duration
	sessionTTL    time.Duration
	logFormat     string
	pprofAddr     string

	wxAppID     string
	wxSecret    string
	wxMchID     string
	wxPayKey    string
	wxCert      string
	wxCertKey   string
	wxNotifyURL string
	wxLoginURL  string
	wxPayURL    string

	publicURL     string
	baiduKey      string
	baiduSecret   string
	baiduTokenURL string
	baiduAudioURL string
}

func parseServe(args []string, stderr io.Writer) (*serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: callme serve [flags]\n\n"+
			"Runs the callme server. Without --dev the WeChat and Baidu credentials are "+
			"required.\n\n")
		fs.PrintDefaults()
	}
	f := &envFlags{fs: fs}
	c.register(f)

	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if len(f.errors) > 0 {
		return nil, errors.New(strings.Join(f.errors, "; "))
	}
	return &c, c.check()
}

// register adds every serve flag to f, with its environment variable.
func (c *serveConfig) register(f *envFlags) {
	f.string(&c.httpAddr, "http", ":8080", "REST listen address")
	f.string(&c.wsAddr, "ws", ":4431", "WebSocket listen address")
	f.string(&c.dataDir, "data", "./data", "directory of the Badger database")
	f.bool(&c.dev, "dev", false,
		"use local stand-ins for WeChat login, WeChat Pay (merchant key callme-dev-key) and "+
			"Baidu TTS")
	f.string(&c.admins, "admin", "", "comma-separated openids of admins")

	f.string(&c.tlsCert, "tls-cert", "",
		"PEM certificate file; serves https and wss with --tls-key")
	f.string(&c.tlsKey, "tls-key", "", "PEM private key file for --tls-cert")

	f.duration(&c.heartbeat, "heartbeat", actors.DefaultHeartbeat,
		"close a WebSocket silent for this long (code 4408); at least 1s")
	f.int(&c.snapshotEvery, "snapshot-every", 100,
		"events between two snapshots of an actor; at least 1")
	f.duration(&c.unpaidTTL, "unpaid-ttl", 15*time.Minute,
		"close an order left unpaid this long and return its items; at least 1s")
	f.duration(&c.sessionTTL, "session-ttl", 30*24*time.Hour,
		"end a session unused this long; at least 1m")
	f.duration(&c.orderIdle, "order-idle", 2*time.Minute,
		"unload an unused order or user actor after this long; at least 1s")
	f.string(&c.logFormat, "log-format", "text", "log format: text or json")
	f.string(&c.pprofAddr, "pprof", "",
		"serve net/http/pprof on this address, such as 127.0.0.1:6060; off if empty")

	f.string(&c.wxAppID, "wx-appid", "", "mini-program AppID")
	f.string(&c.wxSecret, "wx-secret", "", "mini-program AppSecret")
	f.string(&c.wxMchID, "wx-mchid", "", "WeChat Pay merchant id")
	f.string(&c.wxPayKey, "wx-paykey", "", "WeChat Pay API v2 key (signs and verifies MD5)")
	f.string(&c.wxCert, "wx-cert", "",
		"WeChat Pay merchant client certificate (PEM), for cash-out transfers")
	f.string(&c.wxCertKey, "wx-cert-key", "", "private key (PEM) of --wx-cert")
	f.string(&c.wxNotifyURL, "wx-notify-url", "",
		"public URL of /callme/wx_pay/notify that WeChat Pay posts to")
	f.string(&c.wxLoginURL, "wx-login-url", "https://api.weixin.qq.com",
		"base URL of the WeChat login API")
	f.string(&c.wxPayURL, "wx-pay-url", "https://api.mch.weixin.qq.com",
		"base URL of the WeChat Pay API")

	f.string(&c.publicURL, "public-url", "", "base of picture URLs in replies, such as "+
		"https://canteen.example.com; empty uses the request's scheme and Host header")
	f.string(&c.baiduKey, "baidu-key", "", "Baidu text-to-speech API key")
	f.string(&c.baiduSecret, "baidu-secret", "", "Baidu text-to-speech secret key")
	f.string(&c.baiduTokenURL, "baidu-token-url", "https://aip.baidubce.com",
		"base URL of the Baidu token API")
	f.string(&c.baiduAudioURL, "baidu-audio-url", "https://tsn.baidu.com",
		"base URL of the Baidu text2audio API")
}

func (c *serveConfig) check() error {
	if c.snapshotEvery < 1 {
		return fmt.Errorf("invalid --snapshot-every %d: must be at least 1", c.snapshotEvery)
	}
	if c.heartbeat < time.Second {
		return fmt.Errorf("invalid --heartbeat %v: must be at least 1s", c.heartbeat)
	}
	if c.unpaidTTL < time.Second {
		return fmt.Errorf("invalid --unpaid-ttl %v: must be at least 1s", c.unpaidTTL)
	}
	if c.sessionTTL < time.Minute {
		return fmt.Errorf("invalid --session-ttl %v: must be at least 1m", c.sessionTTL)
	}
	if c.orderIdle < time.Second {
		return fmt.Errorf("invalid --order-idle %v: must be at least 1s", c.orderIdle)
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key must be given together")
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return fmt.Errorf("invalid --log-format %q: use text or json", c.logFormat)
	}
	if err := c.checkMedia(); err != nil {
		return err
	}
	if c.dev {
		return nil
	}
	return c.checkCredentials()
}

// checkCredentials names every credential missing outside --dev.
func (c *serveConfig) checkCredentials() error {
	var missing []string
	for _, m := range []struct{ value, flag string }{
		{c.wxAppID, "wx-appid"}, {c.wxSecret, "wx-secret"}, {c.wxMchID, "wx-mchid"},
		{c.wxPayKey, "wx-paykey"}, {c.wxNotifyURL, "wx-notify-url"},
		{c.wxCert, "wx-cert"}, {c.wxCertKey, "wx-cert-key"},
		{c.baiduKey, "baidu-key"}, {c.baiduSecret, "baidu-secret"},
	} {
		if m.value == "" {
			missing = append(missing, fmt.Sprintf("--%s (%s)", m.flag, envName(m.flag)))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing WeChat or Baidu credentials: set %s, or run with --dev "+
			"to use local stand-ins", strings.Join(missing, ", "))
	}
	return nil
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func serve(args []string, stderr io.Writer) int {
	c, err := parseServe(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "callme serve: %v\n", err)
		return 2
	}
	log := newLogger(c.logFormat, stderr)
	slog.SetDefault(log)
	if err := runServer(c, log); err != nil {
		log.Error("server failed", "err", err)
		return 1
	}
	return 0
}

// listeners opens the REST and WebSocket listeners, with TLS when set.
func listeners(c *serveConfig) (httpLn, wsLn net.Listener, err error) {
	var cfg *tls.Config
	if c.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey)
		if err != nil {
			return nil, nil, fmt.Errorf("load --tls-cert and --tls-key: %w", err)
		}
		cfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	httpLn, err = edge.Listen(c.httpAddr, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("--http: %w", err)
	}
	wsLn, err = edge.Listen(c.wsAddr, cfg)
	if err != nil {
		httpLn.Close()
		return nil, nil, fmt.Errorf("--ws: %w", err)
	}
	return httpLn, wsLn, nil
}

// wechatClients returns the login and pay clients, pointed at the local
// stand-ins in --dev. The stand-ins are closed by the returned func.
func wechatClients(c *serveConfig, httpLn net.Listener) (
	*wechat.LoginClient, *wechat.PayClient, func(), error,
) {
	login := &wechat.LoginClient{BaseURL: c.wxLoginURL, AppID: c.wxAppID, Secret: c.wxSecret}
	pay := &wechat.PayClient{BaseURL: c.wxPayURL, AppID: c.wxAppID, MchID: c.wxMchID,
		Key: c.wxPayKey, NotifyURL: c.wxNotifyURL}
	if !c.dev {
		// Transfers to sellers need the merchant's client certificate.
		cert, err := tls.LoadX509KeyPair(c.wxCert, c.wxCertKey)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("load --wx-cert and --wx-cert-key: %w", err)
		}
		pay.HTTP = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{cert},
				MinVersion: tls.VersionTLS12},
		}}
		return login, pay, func() {}, nil
	}
	stubs, err := standin.Start()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("start the --dev stand-ins: %w", err)
	}
	scheme := "http"
	if c.tlsCert != "" {
		scheme = "https"
	}
	login = &wechat.LoginClient{BaseURL: stubs.URL, AppID: standin.AppID, Secret: standin.Secret}
	pay = &wechat.PayClient{BaseURL: stubs.URL, AppID: standin.AppID, MchID: standin.MchID,
		Key:       standin.PayKey,
		NotifyURL: fmt.Sprintf("%s://%s/callme/wx_pay/notify", scheme, httpLn.Addr())}
	return login, pay, stubs.Close, nil
}

func runServer(c *serveConfig, log *slog.Logger) error {
	httpLn, wsLn, err := listeners(c)
	if err != nil {
		return err
	}
	login, pay, closeStubs, err := wechatClients(c, httpLn)
	if err != nil {
		return err
	}
	defer closeStubs()
	profiler, err := startPprof(c.pprofAddr, log)
	if err != nil {
		return err
	}
	defer profiler.Shutdown(context.Background())

	admins := splitList(c.admins)
	if c.dev {
		admins = append(admins, devAdmin)
	}
	store, err := persistence.Open(c.dataDir)
	if err != nil {
		return fmt.Errorf("open --data %s: %w", c.dataDir, err)
	}
	log.Info("store opened", "dir", c.dataDir)
	reg := metrics.New()
	engine, err := actors.Start(actors.Options{
		Provider:   store.Provider(c.snapshotEvery),
		Login:      login,
		Pay:        pay,
		TTS:        ttsClient(c, pay.BaseURL), // in --dev, the stand-ins' URL
		Admins:     admins,
		Heartbeat:  c.heartbeat,
		OrderIdle:  c.orderIdle,
		UnpaidTTL:  c.unpaidTTL,
		SessionTTL: c.sessionTTL,
		Logger:     log,
		Metrics:    reg,
	})
	if err != nil {
		store.Close()
		return err
	}

	rest := edge.NewREST(edge.Adapt(engine), log)
	rest.SetPublicURL(c.publicURL)
	ws := edge.NewWS(edge.Adapt(engine), edge.WSOptions{}, log)
	var stopping atomic.Bool
	ready := readiness(store, engine, &stopping)
	rest.SetOps(edge.Ops{Metrics: reg, Ready: ready})
	reg.SetReady(func() bool { return ready() == nil })
	reg.SetSocketsOpen(ws.Open)
	failed := make(chan error, 2)
	go func() { failed <- rest.Serve(httpLn) }()
	go func() { failed <- ws.Serve(wsLn) }()
	log.Info("callme serving", "http", httpLn.Addr().String(), "ws", wsLn.Addr().String(),
		"dev", c.dev, "tls", c.tlsCert != "")

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	var serveErr error
	select {
	case sig := <-stop:
		log.Info("shutting down", "signal", sig.String())
	case serveErr = <-failed:
		log.Error("listener failed, shutting down", "err", serveErr)
	}

	stopping.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ws.Shutdown(ctx); err != nil {
		log.Warn("websocket shutdown incomplete", "err", err)
	}
	if err := rest.Shutdown(ctx); err != nil {
		log.Warn("rest shutdown incomplete", "err", err)
	}
	engine.Shutdown()
	if err := store.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	log.Info("stopped")
	return serveErr
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
