package bench

import (
	"context"
	"sync"
	"testing"
	"time"
)

// startLog records, per operation, the scheduled and the actual start.
type startLog struct {
	mu        sync.Mutex
	scheduled map[int64]time.Time
	started   map[int64]time.Time
}

func newStartLog() *startLog {
	return &startLog{scheduled: map[int64]time.Time{}, started: map[int64]time.Time{}}
}

func (l *startLog) op(work time.Duration) Op {
	return func(i int64, scheduled time.Time) {
		now := time.Now()
		l.mu.Lock()
		l.scheduled[i], l.started[i] = scheduled, now
		l.mu.Unlock()
		time.Sleep(work)
	}
}

func TestScheduleFollowsRate(t *testing.T) {
	log := newStartLog()
	n := Schedule{Rate: 200, Duration: 500 * time.Millisecond, MaxInFlight: 100}.
		Run(context.Background(), log.op(0))
	if n != 100 {
		t.Fatalf("started %d operations, want 100 (200/s for 0.5 s)", n)
	}
	first := log.scheduled[0]
	for i := int64(0); i < n; i++ {
		want := first.Add(time.Duration(i) * 5 * time.Millisecond)
		if d := log.scheduled[i].Sub(want).Abs(); d > time.Microsecond {
			t.Errorf("operation %d scheduled %v off the 5 ms grid", i, d)
		}
		if log.started[i].Before(log.scheduled[i]) {
			t.Errorf("operation %d started %v before its time", i,
				log.scheduled[i].Sub(log.started[i]))
		}
	}
}

func TestScheduleSlowOpDoesNotDelayStarts(t *testing.T) {
	log := newStartLog()
	start := time.Now()
	// Each operation takes 300 ms, 30 times the 10 ms interval. A closed
	// loop would start the fifth operation after 1.2 s.
	n := Schedule{Rate: 100, Duration: 500 * time.Millisecond, MaxInFlight: 1000}.
		Run(context.Background(), log.op(300*time.Millisecond))
	if n != 50 {
		t.Fatalf("started %d operations, want 50", n)
	}
	for i := int64(0); i < n; i++ {
		if lag := log.started[i].Sub(log.scheduled[i]); lag > 100*time.Millisecond {
			t.Errorf("operation %d started %v late behind slow ones", i, lag)
		}
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("Run took %v, want about 0.8 s (0.5 s of starts and 0.3 s of work)", elapsed)
	}
}

func TestScheduleLatencyFromScheduledTime(t *testing.T) {
	rec := NewRecorder("latency", false)
	// One operation at a time, each taking 20 ms, at one every 5 ms: each
	// start is later than the one before, and the lateness must count.
	op := func(i int64, scheduled time.Time) {
		time.Sleep(20 * time.Millisecond)
		rec.Record(time.Since(scheduled))
	}
	n := Schedule{Rate: 200, Duration: 200 * time.Millisecond, MaxInFlight: 1}.
		Run(context.Background(), op)
	if n != 40 {
		t.Fatalf("started %d operations, want all 40 even when late", n)
	}
	s := rec.Summary()
	// The last operation is due at 195 ms and ends near 40 × 20 ms.
	if s.Max < 500 {
		t.Errorf("max latency %.1f ms, want over 500 ms: lateness not counted", s.Max)
	}
	if s.P50 < 100 {
		t.Errorf("p50 %.1f ms, want over 100 ms: latency measured from the actual start", s.P50)
	}
}

func TestScheduleStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	n := Schedule{Rate: 100, Duration: time.Minute, MaxInFlight: 10}.
		Run(ctx, func(int64, time.Time) {})
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("Run returned %v after start, want soon after the context ended", elapsed)
	}
	if n < 10 || n > 30 {
		t.Errorf("started %d operations in 0.2 s at 100/s, want about 20", n)
	}
}

func TestScheduleCountEndsEarly(t *testing.T) {
	n := Schedule{Rate: 1000, Duration: time.Minute, Count: 25, MaxInFlight: 10}.
		Run(context.Background(), func(int64, time.Time) {})
	if n != 25 {
		t.Errorf("started %d operations, want Count 25", n)
	}
}
