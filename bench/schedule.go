package bench

import (
	"context"
	"runtime"
	"sync"
	"time"
)

// Op is one scheduled operation. It runs in its own goroutine. i counts from
// 0, and scheduled is the time the schedule meant it to start. An Op measures
// its latencies from scheduled, not from when it actually started, so that a
// late start caused by an overloaded server or client shows as latency
// (coordinated omission correction). An Op must end by itself, within its
// own request timeouts.
type Op func(i int64, scheduled time.Time)

// Schedule starts operations open-loop: operation i is due at
// start + i/Rate whether or not earlier operations have finished, as
// independent users would send them.
type Schedule struct {
	// Rate is in operations per second.
	Rate float64
	// Duration ends the schedule: no operation is due at or after
	// start + Duration.
	Duration time.Duration
	// Count, when positive, also ends the schedule after that many
	// operations.
	Count int64
	// MaxInFlight bounds the operations running at once. When it is
	// reached, the next start waits; its latency still counts from its
	// scheduled time.
	MaxInFlight int
	// Lag, when set, records how late each operation started.
	Lag *Recorder
}

// Run starts the operations on time until the schedule ends or ctx is done,
// then waits for the started ones to end. It returns how many it started.
// Run calls op from new goroutines only.
func (s Schedule) Run(ctx context.Context, op Op) int64 {
	// preciseSleep blocks this goroutine's thread, which no other goroutine
	// may then share.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := time.Now()
	end := start.Add(s.Duration)
	inFlight := make(chan struct{}, max(s.MaxInFlight, 1))
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var running sync.WaitGroup
	defer running.Wait()

	var started int64
	for i := int64(0); s.Count <= 0 || i < s.Count; i++ {
		// Computed from start, not by adding an interval, so rounding
		// does not drift over a long run.
		due := start.Add(time.Duration(float64(i) * float64(time.Second) / s.Rate))
		if !due.Before(end) {
			return started
		}
		if !sleepUntil(ctx, timer, due) {
			return started
		}
		select {
		case inFlight <- struct{}{}:
		case <-ctx.Done():
			return started
		}
		started++
		running.Add(1)
		go func() {
			defer running.Done()
			defer func() { <-inFlight }()
			if s.Lag != nil {
				s.Lag.Record(time.Since(due))
			}
			op(i, due)
		}()
	}
	return started
}

// coarseSlack is the end of each wait that sleepUntil leaves to
// preciseSleep. Go's timers wake up about 0.9 ms late (measured with go1.26.8
// on Linux 6.18), which would add that much to every latency measured from
// its scheduled start.
const coarseSlack = 2 * time.Millisecond

// sleepUntil waits until t and reports whether ctx is still live. The
// caller must hold its OS thread (runtime.LockOSThread), which
// preciseSleep blocks. Operations already due run at once, so after a late
// wake-up the schedule catches up in a burst instead of drifting.
func sleepUntil(ctx context.Context, timer *time.Timer, t time.Time) bool {
	if wait := time.Until(t) - coarseSlack; wait > 0 {
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			return false
		}
	}
	if wait := time.Until(t); wait > 0 {
		preciseSleep(wait)
	}
	return ctx.Err() == nil
}
