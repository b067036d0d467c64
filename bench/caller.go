package bench

import (
	"fmt"
	"time"
)

// callPath is the REST route of a seller's call, which the push baseline
// serves too, so that both send the same request.
const callPath = "/callme/queue/call"

// caller sends a seller's call and measures until the customer's socket
// reads the call push. rush and the push baseline share it, so that both
// measure the same client code. Its methods may be called from any
// goroutine.
type caller struct {
	p     *poster
	waits *waiters
	errs  *Errors
	// reply is the call request's latency, push the latency until the
	// call push; both count from the scheduled start.
	reply *Recorder
	push  *Recorder
}

func newCaller(p *poster, errs *Errors, replyName, pushName string) *caller {
	return &caller{
		p:     p,
		waits: newWaiters(),
		errs:  errs,
		reply: NewRecorder(replyName, false),
		push:  NewRecorder(pushName, true),
	}
}

type callFields struct {
	SessionID string `json:"session_id"`
	OrderID   string `json:"order_id"`
}

// call posts the call of orderID as the seller of sessionID and reports
// whether the server accepted it. The push latency starts at scheduled.
func (c *caller) call(sessionID, orderID string, scheduled time.Time) bool {
	// Stored before the request: the push may arrive before the reply.
	c.waits.add(orderID, scheduled)
	if err := c.p.postJSON(callPath, callFields{sessionID, orderID}, nil); err != nil {
		c.waits.remove(orderID)
		c.errs.Add(requestKind("queue/call", err))
		return false
	}
	c.reply.Record(time.Since(scheduled))
	return true
}

// onPush ends the latency of a call push; other frames are ignored. A
// repeated call push of the same order counts once.
func (c *caller) onPush(f *frame, at time.Time) {
	if f.Push != "call" {
		return
	}
	if start, ok := c.waits.take(f.OrderID); ok {
		c.push.Record(at.Sub(start))
	}
}

// drain waits up to timeout for the pushes of accepted calls and counts
// the missing ones as errors.
func (c *caller) drain(timeout time.Duration) {
	if n := c.waits.drain(timeout); n > 0 {
		c.errs.AddN(fmt.Sprintf("call push not received within %v", timeout), int64(n))
	}
}
