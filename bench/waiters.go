package bench

import (
	"sync"
	"time"
)

// waiters stores the start times of latencies that end with a push: the
// scheduled time of a payment notice until the order push with its number,
// or of a call until the call push. Its methods may be called from any
// goroutine.
type waiters struct {
	mu     sync.Mutex
	starts map[string]time.Time // guarded by mu
}

func newWaiters() *waiters {
	return &waiters{starts: make(map[string]time.Time)}
}

// add stores the start of the latency that ends with the push for id.
func (w *waiters) add(id string, start time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.starts[id] = start
}

// take removes and returns the start stored for id. A push for an id not
// stored, or taken before, returns false.
func (w *waiters) take(id string) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	start, ok := w.starts[id]
	if ok {
		delete(w.starts, id)
	}
	return start, ok
}

// remove deletes the start of id, for a request that failed before its
// push could arrive.
func (w *waiters) remove(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.starts, id)
}

// len returns how many pushes are still awaited.
func (w *waiters) len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.starts)
}

// drain waits until no push is awaited or timeout passes, and returns how
// many are still awaited.
func (w *waiters) drain(timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		n := w.len()
		if n == 0 || !time.Now().Before(deadline) {
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
}
