package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"callme/bench"
	"callme/client"
)

// benchFlagScenarios names the scenarios that use a flag, and a flag not
// listed applies to every scenario. Giving a flag to a scenario that ignores
// it is an error, so that no setting is silently dropped.
var benchFlagScenarios = map[string][]string{
	"http":         {"conns", "rush", "rest"},
	"ws":           {"conns", "rush", "rest"},
	"spawn":        {"conns", "rush", "rest"},
	"serve-flags":  {"conns", "rush", "rest"},
	"metrics":      {"conns", "rush", "rest"},
	"conns":        {"conns"},
	"connect-rate": {"conns"},
	"shops":        {"rush", "rest"},
	"customers":    {"rush", "rest", "baseline"},
	"rate":         {"rush", "rest", "baseline"},
	"call-rate":    {"rush", "baseline"},
	"pay-delay":    {"rush"},
	"baseline":     {"rush", "rest"},
	"pay-key":      {"rush", "rest"},
	"appid":        {"rush", "rest"},
	"mchid":        {"rush", "rest"},
}

const benchUsage = `Usage: callme bench SCENARIO [flags]

Drives a callme server over HTTP and WebSocket with open-loop load and
prints latency percentiles, throughput and errors. SCENARIO is one of:

  conns     open --conns authenticated sockets at --connect-rate and hold
            them idle for --duration; report connect latency and the
            server's memory per socket
  rush      --customers order and pay at --rate, sellers of --shops call
            paid orders at --call-rate; report paid→number and call→push
  rest      POST wx_session/shop and wx_pay/list (and wx_session/content
            when the server has it) at --rate
  baseline  the same load against a bare gws server and a bare fasthttp
            handler in this process: the floor of this machine

Use --spawn to start "callme serve --dev" on free loopback ports for the
run. Ctrl-C stops the load early and still prints the partial results.
Each flag can also be set by the environment variable named in its help.

`

// benchEnvName returns the environment variable that sets the bench flag
// name.
func benchEnvName(name string) string {
	return "CALLME_BENCH_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

type benchArgs struct {
	cfg        bench.Config
	out        string
	serveFlags string
}

func benchFlagSet(a *benchArgs, stderr io.Writer) (*flag.FlagSet, *string) {
	c := &a.cfg
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, benchUsage)
		fs.PrintDefaults()
	}
	scenario := fs.String("scenario", "", "the scenario, instead of the first argument")

	fs.StringVar(&c.HTTP, "http", "http://127.0.0.1:8080", "base URL of the server's REST API")
	fs.StringVar(&c.WS, "ws", "ws://127.0.0.1:4431", "URL of the server's WebSocket")
	fs.BoolVar(&c.Spawn, "spawn", false, "start \"callme serve --dev\" from this binary on "+
		"free loopback ports with a temporary data directory, and stop it at the end")
	fs.StringVar(&a.serveFlags, "serve-flags", "",
		"extra flags for the server that --spawn starts, separated by spaces")
	fs.StringVar(&c.Metrics, "metrics", "", "URL of the server's Prometheus metrics, read for "+
		"its memory, synced writes and pushes (default: --http followed by /metrics)")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second,
		"how long the load runs; for conns, how long the sockets are held after opening")
	fs.DurationVar(&c.Timeout, "timeout", 5*time.Second,
		"limit of each request and each wait for a push")
	fs.IntVar(&c.MaxInFlight, "max-inflight", 10_000,
		"most operations running at once, and most REST connections")
	fs.StringVar(&a.out, "out", "", "directory to write results.json and plot.svg into")

	fs.StringVar(&c.PayKey, "pay-key", client.DevPayKey,
		"WeChat Pay API v2 key that signs payment notices: the server's --wx-paykey")
	fs.StringVar(&c.AppID, "appid", client.DevAppID,
		"AppID in payment notices: the server's --wx-appid")
	fs.StringVar(&c.MchID, "mchid", client.DevMchID,
		"merchant id in payment notices: the server's --wx-mchid")

	fs.IntVar(&c.Conns, "conns", 1000, "sockets to open")
	fs.Float64Var(&c.ConnectRate, "connect-rate", 500, "sockets opened per second")
	fs.IntVar(&c.Shops, "shops", 4, "shops, each with a seller and two products")
	fs.IntVar(&c.Customers, "customers", 200, "customers, each with a socket (rest: a session)")
	fs.Float64Var(&c.Rate, "rate", 0, fmt.Sprintf("requests per second: rush orders "+
		"(default %d), rest and baseline REST requests (default %d)",
		bench.DefaultRushRate, bench.DefaultRESTRate))
	fs.Float64Var(&c.CallRate, "call-rate", bench.DefaultCallRate,
		"calls of paid orders per second")
	fs.DurationVar(&c.PayDelay, "pay-delay", 100*time.Millisecond,
		"time from an order's scheduled start to its payment notice")
	fs.BoolVar(&c.Baseline, "baseline", false,
		"also run the matching baseline at the same rate and duration and print the ratios")

	fs.VisitAll(func(f *flag.Flag) {
		if f.Name != "scenario" {
			f.Usage += fmt.Sprintf(" (env %s)", benchEnvName(f.Name))
		}
	})
	return fs, scenario
}

// parseBench reads the scenario, the flags and the environment.
func parseBench(args []string, stderr io.Writer) (*benchArgs, error) {
	a := &benchArgs{}
	fs, scenarioFlag := benchFlagSet(a, stderr)

	var scenario string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		scenario, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if scenario == "" && fs.NArg() > 0 {
		scenario = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return nil, err
		}
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	switch {
	case scenario == "" && *scenarioFlag == "":
		fs.Usage()
		return nil, errors.New("missing scenario: give conns, rush, rest or baseline")
	case scenario == "":
		scenario = *scenarioFlag
	case *scenarioFlag != "" && *scenarioFlag != scenario:
		return nil, fmt.Errorf("scenario %q and --scenario %q differ: give one", scenario,
			*scenarioFlag)
	}
	if !slices.Contains(bench.Scenarios, scenario) {
		return nil, fmt.Errorf("unknown scenario %q: use conns, rush, rest or baseline", scenario)
	}

	if err := applyBenchScope(fs, scenario); err != nil {
		return nil, err
	}
	a.cfg.Scenario = scenario
	a.cfg.ServeFlags = strings.Fields(a.serveFlags)
	return a, a.cfg.Validate()
}

// applyBenchScope rejects command-line flags that scenario does not use.
// Then it sets each flag not given on the command line from its environment
// variable, unless scenario does not use the flag.
func applyBenchScope(fs *flag.FlagSet, scenario string) error {
	onCommandLine := map[string]bool{}
	var err error
	fs.Visit(func(f *flag.Flag) {
		onCommandLine[f.Name] = true
		if scope, ok := benchFlagScenarios[f.Name]; ok && !slices.Contains(scope, scenario) &&
			err == nil {
			err = fmt.Errorf("--%s does not apply to %s, only to %s", f.Name, scenario,
				strings.Join(scope, ", "))
		}
	})
	if err != nil {
		return err
	}
	fs.VisitAll(func(f *flag.Flag) {
		scope, scoped := benchFlagScenarios[f.Name]
		unused := scoped && !slices.Contains(scope, scenario)
		if onCommandLine[f.Name] || f.Name == "scenario" || unused || err != nil {
			return
		}
		v, ok := os.LookupEnv(benchEnvName(f.Name))
		if !ok {
			return
		}
		if setErr := fs.Set(f.Name, v); setErr != nil {
			err = fmt.Errorf("invalid %s=%q: %w", benchEnvName(f.Name), v, setErr)
		}
	})
	return err
}

func runBench(args []string, stdout, stderr io.Writer) int {
	a, err := parseBench(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "callme bench: %v\n", err)
		return 2
	}
	a.cfg.Command = append([]string{"callme", "bench"}, args...)
	a.cfg.Progress = stderr
	if f, ok := stderr.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			a.cfg.ProgressTerminal = true
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal, a second one ends the process at once.
	go func() {
		<-ctx.Done()
		stop()
	}()

	res, runErr := bench.Run(ctx, a.cfg)
	if res != nil && (runErr == nil || len(res.Latencies) > 0) {
		if err := res.WriteTable(stdout); err != nil {
			fmt.Fprintf(stderr, "callme bench: print results: %v\n", err)
		}
		if a.out != "" {
			if err := res.WriteFiles(a.out); err != nil {
				fmt.Fprintf(stderr, "callme bench: %v\n", err)
				return 1
			}
		}
	}
	if runErr != nil {
		fmt.Fprintf(stderr, "callme bench %s: %v\n", a.cfg.Scenario, runErr)
		return 1
	}
	if res.Interrupted {
		return 130
	}
	return 0
}
