package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// envFlags registers flags whose defaults come from environment variables,
// so an operator can configure callme either way. A flag on the command line
// wins over its variable.
type envFlags struct {
	fs     *flag.FlagSet
	errors []string
}

func envName(flagName string) string {
	return "CALLME_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (f *envFlags) string(p *string, name, def, help string) {
	if v, ok := os.LookupEnv(envName(name)); ok {
		def = v
	}
	f.fs.StringVar(p, name, def, fmt.Sprintf("%s (env %s)", help, envName(name)))
}

func (f *envFlags) bool(p *bool, name string, def bool, help string) {
	if v, ok := os.LookupEnv(envName(name)); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			f.errors = append(f.errors, fmt.Sprintf("invalid %s=%q: want true or false",
				envName(name), v))
		}
		def = b
	}
	f.fs.BoolVar(p, name, def, fmt.Sprintf("%s (env %s)", help, envName(name)))
}

func (f *envFlags) int(p *int, name string, def int, help string) {
	if v, ok := os.LookupEnv(envName(name)); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.errors = append(f.errors, fmt.Sprintf("invalid %s=%q: want a whole number",
				envName(name), v))
		}
		def = n
	}
	f.fs.IntVar(p, name, def, fmt.Sprintf("%s (env %s)", help, envName(name)))
}

func (f *envFlags) duration(p *time.Duration, name string, def time.Duration, help string) {
	if v, ok := os.LookupEnv(envName(name)); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			f.errors = append(f.errors, fmt.Sprintf("invalid %s=%q: want a duration such as 25s",
				envName(name), v))
		}
		def = d
	}
	f.fs.DurationVar(p, name, def, fmt.Sprintf("%s (env %s)", help, envName(name)))
}
