package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync/atomic"
	"time"

	"callme/actors"
	"callme/persistence"
)

// readiness returns the check behind GET /readyz and callme_ready. The
// server is ready while the store is open, the engine runs and shutdown has
// not begun, so a load balancer stops sending traffic before the sockets
// close.
func readiness(store *persistence.Store, engine *actors.Engine, stopping *atomic.Bool,
) func() error {
	return func() error {
		switch {
		case stopping.Load():
			return errors.New("shutting down")
		case !store.Ready():
			return errors.New("store closed")
		case !engine.Ready():
			return errors.New("engine stopped")
		}
		return nil
	}
}

// pprofServer serves net/http/pprof on its own listener, apart from the
// REST port, so that profiling can stay on a private address.
type pprofServer struct {
	server *http.Server
	done   chan struct{} // closed when Serve has returned
	log    *slog.Logger
}

// startPprof listens on addr and serves /debug/pprof/ until Shutdown. It
// returns nil, and serves nothing, when addr is empty.
func startPprof(addr string, log *slog.Logger) (*pprofServer, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof: %w", err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// No WriteTimeout: a CPU profile or trace streams for ?seconds=N.
	p := &pprofServer{
		server: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       time.Minute,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		done: make(chan struct{}),
		log:  log,
	}
	go func() {
		defer close(p.done)
		if err := p.server.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("pprof server failed", "err", err)
		}
	}()
	log.Info("pprof listening", "addr", ln.Addr().String())
	return p, nil
}

// Shutdown stops the pprof server. A profile still streaming when ctx ends
// is cut off.
func (p *pprofServer) Shutdown(ctx context.Context) {
	if p == nil {
		return
	}
	if err := p.server.Shutdown(ctx); err != nil {
		_ = p.server.Close()
	}
	<-p.done
	p.log.Info("pprof server stopped")
}
