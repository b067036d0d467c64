package edge

import (
	"crypto/tls"
	"fmt"
	"net"
)

// Listen opens a TCP listener on addr for REST.Serve or WS.Serve. With a
// non-nil cfg the listener speaks TLS, so the servers serve https and wss.
// cfg is cloned and offers only HTTP/1.1 in ALPN, because neither server
// speaks HTTP/2 and a WebSocket upgrade needs HTTP/1.1.
func Listen(addr string, cfg *tls.Config) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	if cfg == nil {
		return ln, nil
	}
	cfg = cfg.Clone()
	cfg.NextProtos = []string{"http/1.1"}
	return tls.NewListener(ln, cfg), nil
}
