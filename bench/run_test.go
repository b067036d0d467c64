package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The end-to-end tests run each scenario briefly against the real callme
// binary, which the first of them builds.
var (
	buildOnce sync.Once
	binaryDir string
	binary    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binaryDir != "" {
		os.RemoveAll(binaryDir)
	}
	os.Exit(code)
}

// callmeBinary builds ./cmd/callme once per test run and returns its path.
// It builds without the race detector even under -race: the tests check
// this package for races, and the e2e tests check the server.
func callmeBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binaryDir, buildErr = os.MkdirTemp("", "callme-bench-test-")
		if buildErr != nil {
			return
		}
		binary = filepath.Join(binaryDir, "callme")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", binary, "./cmd/callme")
		cmd.Dir = ".."
		var output bytes.Buffer
		cmd.Stdout, cmd.Stderr = &output, &output
		if err := cmd.Run(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/callme: %w\n%s", err, output.Bytes())
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// testConfig returns a short run of scenario against a spawned server.
func testConfig(t *testing.T, scenario string) Config {
	return Config{
		Scenario:     scenario,
		Spawn:        true,
		ServerBinary: callmeBinary(t),
		Duration:     2 * time.Second,
		Timeout:      5 * time.Second,
		MaxInFlight:  1000,
		AppID:        "wx-dev-app",
		MchID:        "dev-mch",
		PayKey:       "callme-dev-key",
		Shops:        2,
		Customers:    10,
	}
}

// runScenario runs cfg and fails t on an error, on any counted failure or
// when the result does not survive a JSON round trip.
func runScenario(t *testing.T, cfg Config) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatalf("run %s: %v", cfg.Scenario, err)
	}
	if res.ErrorTotal != 0 {
		t.Errorf("%d errors: %v", res.ErrorTotal, res.Errors)
	}
	if res.Interrupted {
		t.Errorf("result marked interrupted")
	}
	dir := t.TempDir()
	if err := res.WriteFiles(dir); err != nil {
		t.Fatalf("write files: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("results.json does not decode: %v", err)
	}
	if back.Machine.GoVersion == "" || back.Machine.CPUs == 0 || back.Machine.GOMAXPROCS == 0 {
		t.Errorf("results.json lacks the machine: %+v", back.Machine)
	}
	return res
}

// wantCounts fails t unless each named latency has values.
func wantCounts(t *testing.T, res *Result, names ...string) {
	t.Helper()
	for _, name := range names {
		if s := findLatency(res.Latencies, name); s.Count == 0 {
			t.Errorf("latency %q has no values; latencies: %+v", name, res.Latencies)
		}
	}
}

func TestConnsScenario(t *testing.T) {
	cfg := testConfig(t, "conns")
	cfg.Conns, cfg.ConnectRate, cfg.Duration = 20, 200, time.Second
	res := runScenario(t, cfg)
	wantCounts(t, res, "login reply", "connect (dial to hi)", "scheduled to hi")
	if res.Memory == nil {
		t.Fatal("no memory report")
	}
	if res.Memory.Sockets != 20 {
		t.Errorf("%d sockets open at the end, want 20", res.Memory.Sockets)
	}
	if res.Memory.Before.ProcRSS == 0 || res.Memory.After.ProcRSS == 0 {
		t.Errorf("no RSS of the spawned server: %+v", res.Memory)
	}
}

func TestRushScenario(t *testing.T) {
	cfg := testConfig(t, "rush")
	cfg.Baseline = true
	res := runScenario(t, cfg)
	wantCounts(t, res, "unifiedorder reply", "notify reply", "paid→number push",
		"paid→new_order push", "call reply", "call→push", "done reply")
	if res.Baseline == nil {
		t.Fatal("no baseline with --baseline")
	}
	wantCounts(t, res.Baseline, barePushName, bareTriggerName)
	if len(res.Ratios) != 2 || res.Ratios[0].P99 <= 0 {
		t.Errorf("ratios %+v, want call→push and call reply", res.Ratios)
	}
}

func TestRESTScenario(t *testing.T) {
	cfg := testConfig(t, "rest")
	cfg.Rate, cfg.Baseline = 200, true
	res := runScenario(t, cfg)
	wantCounts(t, res, "wx_session/shop", "wx_pay/list")
	if res.Baseline == nil {
		t.Fatal("no baseline with --baseline")
	}
	wantCounts(t, res.Baseline, bareRESTName)
	if len(res.Ratios) < 2 {
		t.Errorf("ratios %+v, want one per route", res.Ratios)
	}
}

func TestBaselineScenario(t *testing.T) {
	cfg := Config{
		Scenario:    "baseline",
		Duration:    time.Second,
		Timeout:     5 * time.Second,
		MaxInFlight: 1000,
		Customers:   10,
		Rate:        200,
		CallRate:    50,
	}
	res := runScenario(t, cfg)
	wantCounts(t, res, barePushName, bareTriggerName, bareRESTName)
}

func TestRunInterruptedKeepsPartialResult(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	res, err := Run(ctx, Config{
		Scenario:    "baseline",
		Duration:    time.Minute,
		Timeout:     5 * time.Second,
		MaxInFlight: 100,
		Customers:   5,
		Rate:        100,
		CallRate:    50,
	})
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("run: %v", err)
	}
	if elapsed := time.Since(start); elapsed > 15*time.Second {
		t.Errorf("interrupted run took %v, want about 1 s", elapsed)
	}
	if !res.Interrupted {
		t.Errorf("result not marked interrupted")
	}
	if s := findLatency(res.Latencies, barePushName); s.Count == 0 {
		t.Errorf("partial result has no pushes: %+v", res.Latencies)
	}
}
