package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The gauges of the server's Prometheus /metrics that the conns scenario
// reads. Goroutine stacks are outside the heap, so the stack gauge shows
// what a goroutine per socket costs.
const (
	metricRSS   = "process_resident_memory_bytes"
	metricHeap  = "go_memstats_heap_alloc_bytes"
	metricStack = "go_memstats_stack_inuse_bytes"
)

// MemorySample is the server's memory at one moment, in bytes; 0 means
// not available.
type MemorySample struct {
	// RSS, HeapAlloc and StackInuse come from the server's /metrics.
	RSS        int64 `json:"rss_bytes"`
	HeapAlloc  int64 `json:"heap_alloc_bytes"`
	StackInuse int64 `json:"stack_inuse_bytes"`
	// ProcRSS is VmRSS of /proc/PID/status, read only for a server that
	// the benchmark spawned.
	ProcRSS int64 `json:"proc_rss_bytes"`
}

// Memory is the server's memory before the sockets opened and after the
// hold, and the growth per open socket.
type Memory struct {
	// Metrics names the source of RSS, HeapAlloc and StackInuse, or the
	// reason they are missing.
	Metrics string       `json:"metrics"`
	Before  MemorySample `json:"before"`
	After   MemorySample `json:"after"`
	Sockets int64        `json:"sockets"`
	// Growth per socket, in bytes; 0 when a sample is missing.
	RSSPerSocket     float64 `json:"rss_per_socket_bytes"`
	HeapPerSocket    float64 `json:"heap_alloc_per_socket_bytes"`
	StackPerSocket   float64 `json:"stack_inuse_per_socket_bytes"`
	ProcRSSPerSocket float64 `json:"proc_rss_per_socket_bytes"`
}

// sampleMemory reads the gauges from the /metrics page at metricsURL
// through p, whose base URL it is, and, when pid is positive, VmRSS of the
// process. It returns the sample and a note saying where the gauges came
// from or why they are missing.
func sampleMemory(p *poster, metricsURL string, pid int) (MemorySample, string) {
	var s MemorySample
	if pid > 0 {
		s.ProcRSS = procRSS(pid)
	}
	status, body, err := p.get("")
	switch {
	case err != nil:
		return s, fmt.Sprintf("unavailable: GET %s failed: %s", metricsURL, errKind(err))
	case status != 200:
		return s, fmt.Sprintf("unavailable: GET %s returned status %d", metricsURL, status)
	}
	gauges := parseGauges(body, metricRSS, metricHeap, metricStack)
	s.RSS, s.HeapAlloc = int64(gauges[metricRSS]), int64(gauges[metricHeap])
	s.StackInuse = int64(gauges[metricStack])
	if s.RSS == 0 && s.HeapAlloc == 0 {
		return s, fmt.Sprintf("unavailable: GET %s has neither %s nor %s",
			metricsURL, metricRSS, metricHeap)
	}
	return s, "GET " + metricsURL
}

// parseGauges returns the values of the unlabelled samples named in names
// from a Prometheus text exposition.
func parseGauges(body []byte, names ...string) map[string]float64 {
	out := make(map[string]float64)
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		for _, name := range names {
			if fields[0] != name {
				continue
			}
			// Values may be written as floats, such as 1.234e+07.
			if v, err := strconv.ParseFloat(fields[1], 64); err == nil {
				out[name] = v
			}
		}
	}
	return out
}

// procRSS returns VmRSS of process pid in bytes, or 0 when it cannot be
// read.
func procRSS(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	return kibField(data, "VmRSS:")
}

// kibField returns the value of a "Name: N kB" line of a /proc file, in
// bytes, or 0.
func kibField(data []byte, name string) int64 {
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, name); ok {
			value := strings.TrimSuffix(strings.TrimSpace(rest), " kB")
			if kib, err := strconv.ParseInt(value, 10, 64); err == nil {
				return kib << 10
			}
		}
	}
	return 0
}

// perSocket returns the growth from before to after divided by n, or 0
// when a sample is missing or n is 0.
func perSocket(before, after int64, n int64) float64 {
	if before == 0 || after == 0 || n == 0 {
		return 0
	}
	return float64(after-before) / float64(n)
}

// The server's own histograms of its synced writes and of its pushes,
// whose counts and sums ServerWork reads before and after the load.
var workSamples = []string{
	"callme_persist_seconds_count", "callme_persist_seconds_sum",
	"callme_push_seconds_count", "callme_push_seconds_sum",
}

// ServerWork is the server's own count, from its /metrics, of the event and
// snapshot writes it synced to disk and of the WebSocket pushes it sent
// during the load.
type ServerWork struct {
	Persists      int64   `json:"persists"`
	PersistMeanMS float64 `json:"persist_mean_ms"`
	Pushes        int64   `json:"pushes"`
	PushMeanMS    float64 `json:"push_mean_ms"`
	// PerOrder divides by the paid orders of a rush; 0 elsewhere.
	PersistsPerOrder float64 `json:"persists_per_paid_order,omitempty"`
	PushesPerOrder   float64 `json:"pushes_per_paid_order,omitempty"`
}

// workMeter reads the server's work counters at the start and end of the
// load. It measures nothing when the server has no /metrics.
type workMeter struct {
	p     *poster
	start map[string]float64
}

func startWork(p *poster) workMeter {
	return workMeter{p: p, start: scrapeWork(p)}
}

// stop returns the work since startWork, or nil without /metrics.
func (m workMeter) stop() *ServerWork {
	end := scrapeWork(m.p)
	if m.start == nil || end == nil {
		return nil
	}
	delta := func(name string) float64 { return end[name] - m.start[name] }
	w := &ServerWork{
		Persists: int64(delta("callme_persist_seconds_count")),
		Pushes:   int64(delta("callme_push_seconds_count")),
	}
	if w.Persists > 0 {
		w.PersistMeanMS = delta("callme_persist_seconds_sum") * 1000 / float64(w.Persists)
	}
	if w.Pushes > 0 {
		w.PushMeanMS = delta("callme_push_seconds_sum") * 1000 / float64(w.Pushes)
	}
	return w
}

// scrapeWork returns the work samples, or nil when they cannot be read.
func scrapeWork(p *poster) map[string]float64 {
	status, body, err := p.get("")
	if err != nil || status != 200 {
		return nil
	}
	samples := parseGauges(body, workSamples...)
	if len(samples) != len(workSamples) {
		return nil
	}
	return samples
}
