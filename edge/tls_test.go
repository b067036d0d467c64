package edge

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// selfSigned returns a server config with a fresh certificate for 127.0.0.1
// and a client config that trusts only that certificate.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "callme test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("create certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parse certificate: %v", err)
	}

	roots := x509.NewCertPool()
	roots.AddCert(cert)
	server = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		// Listen must replace this, because neither server speaks HTTP/2.
		NextProtos: []string{"h2", "http/1.1"},
	}
	return server, &tls.Config{RootCAs: roots}
}

func TestRESTOverTLS(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	e := newFakeEngine()
	ln, err := Listen("127.0.0.1:0", serverTLS)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	log, _ := newTestLogger()
	rest := NewREST(e, log)
	go func() { _ = rest.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := rest.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})

	client := &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   clientTLS,
			ForceAttemptHTTP2: true,
		},
	}
	defer client.CloseIdleConnections()
	url := "https://" + ln.Addr().String() + "/callme/queue/call"
	r := send(t, client, http.MethodPost, url, "application/json",
		strings.NewReader(`{"session_id":"s1","order_id":"o1"}`))
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
	}
	if got := e.lastCall(); got != "Call s1 o1" {
		t.Errorf("engine call = %q, want %q", got, "Call s1 o1")
	}
}

func TestWSOverTLS(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	e := newFakeEngine()
	_, addr := startWS(t, e, serverTLS)

	// gws sends no ALPN, so also offer h2 the way a browser would and check
	// that the server still picks HTTP/1.1.
	conn, err := tls.Dial("tcp", addr, &tls.Config{
		RootCAs:    clientTLS.RootCAs,
		NextProtos: []string{"h2", "http/1.1"},
	})
	if err != nil {
		t.Fatalf("TLS dial: %v", err)
	}
	if got := conn.ConnectionState().NegotiatedProtocol; got != "http/1.1" {
		t.Errorf("ALPN protocol = %q, want http/1.1", got)
	}
	_ = conn.Close()

	c := dial(t, "wss://"+addr+"/", clientTLS)
	fake := e.nextConn(t)
	if err := c.conn.WriteString(`{"session_id":"s1"}`); err != nil {
		t.Fatalf("write: %v", err)
	}
	fake.expect(t, `frame {"session_id":"s1"}`)
	if err := fake.socket.WriteText([]byte("called 12")); err != nil {
		t.Fatalf("WriteText: %v", err)
	}
	select {
	case got := <-c.messages:
		if got != "called 12" {
			t.Errorf("client got %q, want %q", got, "called 12")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("client got no message within 5s")
	}
}
