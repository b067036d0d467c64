package bench

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram range and precision, in microseconds: 1 µs to 60 s with three
// significant digits, so a reported percentile is within 0.1% of the
// recorded value.
const (
	histMin     = 1
	histMax     = 60_000_000
	histSigFigs = 3
)

// reportPercentiles are the points of the percentile chart and of
// LatencySummary.Percentiles.
var reportPercentiles = []float64{
	0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100,
}

// Recorder collects one latency: a histogram of the whole run and one of
// the current second, which the meter closes each second into a Point. Its
// methods may be called from any goroutine.
type Recorder struct {
	name string
	// plot marks a headline latency that the SVG plot draws.
	plot bool

	mu       sync.Mutex
	total    *hdrhistogram.Histogram // guarded by mu
	window   *hdrhistogram.Histogram // guarded by mu
	series   []Point                 // guarded by mu
	overflow int64                   // guarded by mu; values over 60 s, recorded as 60 s
}

// NewRecorder returns an empty Recorder. Set plot for the latencies that
// the SVG plot should draw.
func NewRecorder(name string, plot bool) *Recorder {
	return &Recorder{
		name:   name,
		plot:   plot,
		total:  hdrhistogram.New(histMin, histMax, histSigFigs),
		window: hdrhistogram.New(histMin, histMax, histSigFigs),
	}
}

// Name returns the name given to NewRecorder.
func (r *Recorder) Name() string { return r.name }

// Record adds one latency. Values under 1 µs count as 1 µs and values over
// 60 s as 60 s.
func (r *Recorder) Record(d time.Duration) {
	us := d.Microseconds()
	r.mu.Lock()
	defer r.mu.Unlock()
	if us < histMin {
		us = histMin
	}
	if us > histMax {
		us = histMax
		r.overflow++
	}
	// Cannot fail: us is within the histogram's range.
	_ = r.total.RecordValue(us)
	_ = r.window.RecordValue(us)
}

// Count returns how many latencies were recorded.
func (r *Recorder) Count() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total.TotalCount()
}

// closeWindow ends the current window at t seconds into the run. An empty
// window adds no Point.
func (r *Recorder) closeWindow(t float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.window.TotalCount() == 0 {
		return
	}
	r.series = append(r.series, Point{
		T:     t,
		P50:   usToMS(r.window.ValueAtPercentile(50)),
		P99:   usToMS(r.window.ValueAtPercentile(99)),
		Count: r.window.TotalCount(),
	})
	r.window.Reset()
}

// Summary returns the percentiles of everything recorded so far and the
// per-second series.
func (r *Recorder) Summary() LatencySummary {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.total
	s := LatencySummary{
		Name:     r.name,
		Plot:     r.plot,
		Count:    h.TotalCount(),
		Overflow: r.overflow,
		Series:   append([]Point(nil), r.series...),
	}
	if s.Count == 0 {
		return s
	}
	s.Mean = h.Mean() / 1000
	s.P50 = usToMS(h.ValueAtPercentile(50))
	s.P90 = usToMS(h.ValueAtPercentile(90))
	s.P99 = usToMS(h.ValueAtPercentile(99))
	s.P999 = usToMS(h.ValueAtPercentile(99.9))
	s.Max = usToMS(h.Max())
	for _, p := range reportPercentiles {
		s.Percentiles = append(s.Percentiles, PercentilePoint{
			Percentile: p,
			MS:         usToMS(h.ValueAtPercentile(p)),
		})
	}
	return s
}

func usToMS(us int64) float64 { return float64(us) / 1000 }

// LatencySummary is one latency of a Result, in milliseconds.
type LatencySummary struct {
	Name  string  `json:"name"`
	Plot  bool    `json:"plotted"`
	Count int64   `json:"count"`
	Mean  float64 `json:"mean_ms"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p99_9_ms"`
	Max   float64 `json:"max_ms"`
	// Overflow counts latencies over 60 s, which count as 60 s.
	Overflow    int64             `json:"overflow"`
	Percentiles []PercentilePoint `json:"percentiles"`
	Series      []Point           `json:"per_second"`
}

// PercentilePoint is one point of a percentile chart.
type PercentilePoint struct {
	Percentile float64 `json:"percentile"`
	MS         float64 `json:"ms"`
}

// Point is one second of a latency: the percentiles of the values recorded
// in the second that ends T seconds into the run.
type Point struct {
	T     float64 `json:"t_s"`
	P50   float64 `json:"p50_ms"`
	P99   float64 `json:"p99_ms"`
	Count int64   `json:"count"`
}

// meter closes the windows of its recorders once a second, so that each
// recorder keeps a per-second series. Values recorded before Stop that fall
// after the last tick go into a final, shorter window.
type meter struct {
	start     time.Time
	recorders []*Recorder
	stop      chan struct{}
	done      chan struct{}
}

// startMeter starts closing the windows of recorders every second from now.
// The caller must call Stop.
func startMeter(recorders ...*Recorder) *meter {
	m := &meter{
		start:     time.Now(),
		recorders: recorders,
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	go m.run()
	return m
}

func (m *meter) run() {
	defer close(m.done)
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			m.closeWindows()
		case <-m.stop:
			m.closeWindows()
			return
		}
	}
}

func (m *meter) closeWindows() {
	t := time.Since(m.start).Seconds()
	for _, r := range m.recorders {
		r.closeWindow(t)
	}
}

// Stop closes the last window and stops the meter.
func (m *meter) Stop() {
	close(m.stop)
	<-m.done
}
