// Command callme runs the callme take-a-number server and its tools.
//
//	callme serve [flags]   run the server
//	callme demo [flags]    play an admin, a seller and a customer against a server
//	callme version         print the version
//
// Run "callme COMMAND -h" for the flags of a command.
package main

import (
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `callme: a realtime take-a-number server for canteen shops.

Usage:
  callme serve [flags]   run the server (REST on :8080, WebSocket on :4431)
  callme demo [flags]    walk an admin, a seller and a customer through an
                         order against a running server, printing each step
  callme bench SCENARIO  load a server: conns, rush, rest or baseline
  callme version         print the version

Run "callme COMMAND -h" for the flags of a command. Every flag can also be
set by an environment variable, named in the flag's help.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr)
	case "demo":
		return demo(args[1:], stdout, stderr)
	case "bench":
		return runBench(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "callme", version)
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "callme: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}
