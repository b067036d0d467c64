package bench

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

func TestRecorderPercentiles(t *testing.T) {
	r := NewRecorder("call→push", true)
	for ms := 1; ms <= 1000; ms++ {
		r.Record(time.Duration(ms) * time.Millisecond)
	}
	s := r.Summary()
	if s.Count != 1000 {
		t.Errorf("count %d, want 1000", s.Count)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"p50", s.P50, 500}, {"p90", s.P90, 900}, {"p99", s.P99, 990},
		{"p99.9", s.P999, 999}, {"max", s.Max, 1000}, {"mean", s.Mean, 500.5},
	} {
		// Three significant digits: within 0.1%, plus rounding.
		if math.Abs(c.got-c.want) > c.want*0.002 {
			t.Errorf("%s = %.3f ms, want %.0f ms within 0.2%%", c.name, c.got, c.want)
		}
	}
	if len(s.Percentiles) != len(reportPercentiles) {
		t.Errorf("%d percentile points, want %d", len(s.Percentiles), len(reportPercentiles))
	}
}

func TestRecorderClampsRange(t *testing.T) {
	r := NewRecorder("x", false)
	r.Record(100 * time.Nanosecond)
	r.Record(2 * time.Minute)
	s := r.Summary()
	if s.Overflow != 1 {
		t.Errorf("overflow %d, want 1 value over 60 s", s.Overflow)
	}
	if s.Max < 59_900 || s.Max > 60_100 {
		t.Errorf("max %.0f ms, want 60 s: values over the range count as 60 s", s.Max)
	}
	if s.Percentiles[0].MS != 0.001 {
		t.Errorf("min %.4f ms, want 0.001: values under 1 µs count as 1 µs", s.Percentiles[0].MS)
	}
}

func TestRecorderPerSecondSeries(t *testing.T) {
	r := NewRecorder("x", false)
	r.Record(time.Millisecond)
	r.Record(3 * time.Millisecond)
	r.closeWindow(1)
	r.closeWindow(2) // empty: no point
	r.Record(10 * time.Millisecond)
	r.closeWindow(3)

	s := r.Summary()
	if len(s.Series) != 2 {
		t.Fatalf("series %+v, want 2 points", s.Series)
	}
	// HDR histograms report the top of a value's bucket, within 0.1%.
	near := func(got, want float64) bool { return math.Abs(got-want) <= want*0.001 }
	if p := s.Series[0]; p.T != 1 || p.Count != 2 || !near(p.P50, 1) || !near(p.P99, 3) {
		t.Errorf("first point %+v, want t 1, count 2, p50 1 ms, p99 3 ms", p)
	}
	if p := s.Series[1]; p.T != 3 || p.Count != 1 || !near(p.P99, 10) {
		t.Errorf("second point %+v, want t 3, count 1, p99 10 ms", p)
	}
	if s.Count != 3 {
		t.Errorf("whole-run count %d, want 3", s.Count)
	}
}

func TestWriteTableShowsFigures(t *testing.T) {
	r := NewRecorder("paid→number push", true)
	r.Record(1500 * time.Microsecond)
	errs := NewErrors()
	errs.Add("wx_pay/notify: status 503")
	errs.Add("wx_pay/notify: status 503")
	res := &Result{
		Scenario:   "rush",
		Latencies:  []LatencySummary{r.Summary(), NewRecorder("empty", false).Summary()},
		Counts:     []Count{{"orders placed", 200, 199.5}},
		Errors:     errs.Counts(),
		ErrorTotal: errs.Total(),
		Ratios:     []Ratio{{Name: "call→push", Floor: "bare gws push", P50: 2, P99: 3.5}},
		Notes:      []string{"a note"},
	}

	var out bytes.Buffer
	if err := res.WriteTable(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"callme bench rush", "latency (ms)", "paid→number push", "1.500",
		"orders placed", "199.5", "wx_pay/notify: status 503  2", "total", "3.50x", "note: a note",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("table lacks %q:\n%s", want, text)
		}
	}

	var emptyRow string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "empty ") {
			emptyRow = line
		}
	}
	fields := strings.Fields(emptyRow)
	if len(fields) != 7 || fields[1] != "0" || fields[2] != "-" {
		t.Errorf("row of a latency with no values = %q, want count 0 and dashes", emptyRow)
	}
}

func TestErrorsCapKinds(t *testing.T) {
	errs := NewErrors()
	for i := range maxErrorKinds + 10 {
		errs.Addf("kind %d", i)
	}
	counts := errs.Counts()
	if len(counts) != maxErrorKinds+1 {
		t.Errorf("%d kinds, want %d and %q", len(counts), maxErrorKinds, otherKind)
	}
	if counts[otherKind] != 10 {
		t.Errorf("%q = %d, want 10", otherKind, counts[otherKind])
	}
	if errs.Total() != maxErrorKinds+10 {
		t.Errorf("total %d, want %d", errs.Total(), maxErrorKinds+10)
	}
}
