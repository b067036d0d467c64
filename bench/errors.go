package bench

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"

	"github.com/valyala/fasthttp"
)

// maxErrorKinds bounds the distinct kinds an Errors stores. Further kinds
// count under otherKind, so a flood of distinct messages cannot grow memory
// or the report.
const (
	maxErrorKinds = 64
	otherKind     = "other errors"
)

// Errors counts failures by kind, such as "unifiedorder: status 409". Its
// methods may be called from any goroutine.
type Errors struct {
	mu     sync.Mutex
	counts map[string]int64 // guarded by mu
	total  int64            // guarded by mu
}

// NewErrors returns an empty Errors.
func NewErrors() *Errors {
	return &Errors{counts: make(map[string]int64)}
}

// Add counts one failure of kind.
func (e *Errors) Add(kind string) { e.AddN(kind, 1) }

// AddN counts n failures of kind.
func (e *Errors) AddN(kind string, n int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.counts[kind]; !ok && len(e.counts) >= maxErrorKinds {
		kind = otherKind
	}
	e.counts[kind] += n
	e.total += n
}

// Addf counts one failure of the kind that format and args give.
func (e *Errors) Addf(format string, args ...any) {
	e.Add(fmt.Sprintf(format, args...))
}

// Total returns the number of failures.
func (e *Errors) Total() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.total
}

// Counts returns a copy of the counts by kind.
func (e *Errors) Counts() map[string]int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]int64, len(e.counts))
	for k, v := range e.counts {
		out[k] = v
	}
	return out
}

// errKind names the cause of a failed request or dial in a few words,
// without addresses or ports, so that equal causes count together.
func errKind(err error) string {
	var netErr net.Error
	switch {
	case errors.Is(err, fasthttp.ErrTimeout), errors.Is(err, fasthttp.ErrDialTimeout),
		errors.Is(err, os.ErrDeadlineExceeded):
		return "timed out"
	case errors.Is(err, fasthttp.ErrNoFreeConns):
		return "no free connection"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, fasthttp.ErrConnectionClosed):
		return "connection reset or closed"
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "too many open files"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "no free local port"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timed out"
	}
	return "failed"
}
