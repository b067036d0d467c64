package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Result holds every figure of one run. Run fills it, also when the run was
// interrupted; WriteTable prints it and WriteFiles stores it.
type Result struct {
	Scenario    string            `json:"scenario"`
	Command     []string          `json:"command"`
	Settings    map[string]string `json:"settings"`
	StartedAt   time.Time         `json:"started_at"`
	Elapsed     float64           `json:"elapsed_s"`
	Interrupted bool              `json:"interrupted"`
	Machine     Machine           `json:"machine"`
	Server      ServerInfo        `json:"server"`

	Latencies  []LatencySummary `json:"latencies"`
	Counts     []Count          `json:"counts"`
	Errors     map[string]int64 `json:"errors"`
	ErrorTotal int64            `json:"error_total"`
	Memory     *Memory          `json:"memory,omitempty"`
	CPU        *CPUUse          `json:"cpu,omitempty"`
	Work       *ServerWork      `json:"server_work,omitempty"`

	// Baseline is the matching run against the bare gws and fasthttp
	// servers, and Ratios compare this run to it.
	Baseline *Result `json:"baseline,omitempty"`
	Ratios   []Ratio `json:"ratios,omitempty"`

	Notes []string `json:"notes"`
}

// Count is a number of completed operations and their rate over the
// measured phase, from the first scheduled start to the last reply; 0
// when a rate means nothing, as for the sockets open at the end.
type Count struct {
	Name      string  `json:"name"`
	Count     int64   `json:"count"`
	PerSecond float64 `json:"per_second"`
}

// Ratio compares a latency of this run to the same path of the baseline:
// how many times slower this run's p50 and p99 are than the floor.
type Ratio struct {
	Name  string  `json:"name"`
	Floor string  `json:"floor"`
	P50   float64 `json:"p50_ratio"`
	P99   float64 `json:"p99_ratio"`
}

// ServerInfo identifies the server that the run measured.
type ServerInfo struct {
	HTTP    string `json:"http"`
	WS      string `json:"ws"`
	Spawned bool   `json:"spawned"`
	Pid     int    `json:"pid,omitempty"`
}

// Machine describes where the run took place.
type Machine struct {
	CPUModel   string `json:"cpu_model"`
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	MemoryMiB  int64  `json:"memory_mib"`
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	Kernel     string `json:"kernel"`
	// Shared is a note that the server and the load generator share the
	// CPUs, which caps both.
	Shared string `json:"shared"`
}

// describeMachine reads the CPU model and memory from /proc; fields it
// cannot read stay empty.
func describeMachine() Machine {
	m := Machine{
		CPUs:       runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion:  runtime.Version(),
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
	}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if name, value, ok := strings.Cut(line, ":"); ok &&
				strings.TrimSpace(name) == "model name" {
				m.CPUModel = strings.TrimSpace(value)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.MemoryMiB = kibField(data, "MemTotal:") >> 20
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	return m
}

// WriteFiles writes results.json and plot.svg into dir, creating it.
func (r *Result) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create --out directory: %w", err)
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	path := filepath.Join(dir, "results.json")
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results.json: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, "plot.svg"))
	if err != nil {
		return fmt.Errorf("write plot.svg: %w", err)
	}
	if err := WriteSVG(f, r.Scenario, r.Latencies); err != nil {
		f.Close()
		return fmt.Errorf("write plot.svg: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write plot.svg: %w", err)
	}
	return nil
}

// WriteTable prints the result as aligned tables, latencies in
// milliseconds.
func (r *Result) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	r.writeHeader(tw)

	writeLatencies(tw, r.Latencies)
	writeCounts(tw, r.Counts)
	writeErrors(tw, r.ErrorTotal, r.Errors)
	if r.Memory != nil {
		writeMemory(tw, r.Memory)
	}
	writeCPU(tw, r.CPU)
	writeWork(tw, r.Work)

	if r.Baseline != nil {
		fmt.Fprintf(tw, "\nbaseline: bare gws and fasthttp servers, same load generator\n")
		writeLatencies(tw, r.Baseline.Latencies)
		writeErrors(tw, r.Baseline.ErrorTotal, r.Baseline.Errors)
		writeCPU(tw, r.Baseline.CPU)
	}
	if len(r.Ratios) > 0 {
		fmt.Fprintf(tw, "\nratio to floor\tfloor\tp50\tp99\t\n")
		for _, ratio := range r.Ratios {
			fmt.Fprintf(tw, "%s\t%s\t%.2fx\t%.2fx\t\n",
				ratio.Name, ratio.Floor, ratio.P50, ratio.P99)
		}
	}

	if len(r.Notes) > 0 {
		fmt.Fprintln(tw)
	}
	for _, note := range r.Notes {
		fmt.Fprintf(tw, "note: %s\n", note)
	}
	return tw.Flush()
}

func (r *Result) writeHeader(w io.Writer) {
	state := "completed"
	if r.Interrupted {
		state = "interrupted, partial results"
	}
	m := r.Machine
	fmt.Fprintf(w, "callme bench %s: %.1f s, %s\n", r.Scenario, r.Elapsed, state)
	fmt.Fprintf(w, "machine: %d CPUs (%s), GOMAXPROCS %d, %d MiB, %s\n",
		m.CPUs, m.CPUModel, m.GOMAXPROCS, m.MemoryMiB, m.GoVersion)
	if m.Shared != "" {
		fmt.Fprintf(w, "%s\n", m.Shared)
	}
	keys := slices.Sorted(maps.Keys(r.Settings))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+r.Settings[k])
	}
	fmt.Fprintf(w, "settings: %s\n", strings.Join(parts, " "))
}

func writeLatencies(w io.Writer, list []LatencySummary) {
	fmt.Fprintf(w, "\nlatency (ms)\tcount\tp50\tp90\tp99\tp99.9\tmax\t\n")
	for _, s := range list {
		if s.Count == 0 {
			fmt.Fprintf(w, "%s\t0\t-\t-\t-\t-\t-\t\n", s.Name)
			continue
		}
		fmt.Fprintf(w, "%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t\n",
			s.Name, s.Count, s.P50, s.P90, s.P99, s.P999, s.Max)
	}
}

func writeCounts(w io.Writer, list []Count) {
	if len(list) == 0 {
		return
	}
	fmt.Fprintf(w, "\nthroughput\tcount\tper second\t\n")
	for _, c := range list {
		if c.PerSecond == 0 {
			fmt.Fprintf(w, "%s\t%d\t-\t\n", c.Name, c.Count)
			continue
		}
		fmt.Fprintf(w, "%s\t%d\t%.1f\t\n", c.Name, c.Count, c.PerSecond)
	}
}

func writeErrors(w io.Writer, total int64, counts map[string]int64) {
	if total == 0 {
		fmt.Fprintf(w, "\nerrors: none\n")
		return
	}
	fmt.Fprintf(w, "\nerrors\tcount\t\n")
	for _, kind := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(w, "%s\t%d\t\n", kind, counts[kind])
	}
	fmt.Fprintf(w, "total\t%d\t\n", total)
}

func writeMemory(w io.Writer, m *Memory) {
	fmt.Fprintf(w, "\nserver memory (MiB)\tbefore\tafter\tper socket (KiB)\t\n")
	row := func(name string, before, after int64, per float64) {
		if before == 0 || after == 0 {
			fmt.Fprintf(w, "%s\tunavailable\t\t\t\n", name)
			return
		}
		fmt.Fprintf(w, "%s\t%.1f\t%.1f\t%.2f\t\n", name, mib(before), mib(after), per/1024)
	}
	row("RSS (/metrics)", m.Before.RSS, m.After.RSS, m.RSSPerSocket)
	row("heap alloc (/metrics)", m.Before.HeapAlloc, m.After.HeapAlloc, m.HeapPerSocket)
	row("goroutine stacks (/metrics)", m.Before.StackInuse, m.After.StackInuse, m.StackPerSocket)
	row("RSS (/proc, spawned server)", m.Before.ProcRSS, m.After.ProcRSS, m.ProcRSSPerSocket)
	fmt.Fprintf(w, "sockets open at the end\t%d\t\t\t\n", m.Sockets)
	fmt.Fprintf(w, "/metrics: %s\n", m.Metrics)
}

func writeCPU(w io.Writer, u *CPUUse) {
	if u == nil {
		return
	}
	server := "not measured (not spawned)"
	if u.Server > 0 {
		server = fmt.Sprintf("%.2f cores (%.1f s)", u.ServerCores, u.Server)
	}
	fmt.Fprintf(w, "\ncpu during the load (%.1f s): server %s, "+
		"load generator %.2f cores (%.1f s)\n", u.Wall, server, u.GeneratorCores, u.Generator)
}

func writeWork(w io.Writer, work *ServerWork) {
	if work == nil {
		return
	}
	fmt.Fprintf(w, "server /metrics during the load: %d synced writes (mean %.2f ms), "+
		"%d pushes (mean %.2f ms from build to write)\n",
		work.Persists, work.PersistMeanMS, work.Pushes, work.PushMeanMS)
	if work.PersistsPerOrder > 0 || work.PushesPerOrder > 0 {
		fmt.Fprintf(w, "per paid order: %.1f synced writes, %.1f pushes\n",
			work.PersistsPerOrder, work.PushesPerOrder)
	}
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// ratio returns ours / floor, or 0 when floor is 0.
func ratio(ours, floor float64) float64 {
	if floor == 0 {
		return 0
	}
	return ours / floor
}
