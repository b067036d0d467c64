// Package e2e tests callme as its users meet it. TestMain builds the callme
// binary once. Each test starts it, talks to it only over HTTP and WebSocket
// through package client, and stops it with signals.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// binary is the callme executable that TestMain builds for every test.
var binary string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "callme-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: create a directory for the binary: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)

	binary = filepath.Join(dir, "callme")
	if err := build(binary); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	return m.Run()
}

// build compiles ./cmd/callme to out, with the race detector when the tests
// run under it, so that a data race in the server fails the test too.
func build(out string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := []string{"build", "-o", out}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "./cmd/callme")...)
	cmd.Dir = root
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/callme in %s: %w\n%s", root, err, output.Bytes())
	}
	return nil
}

// moduleRoot returns the nearest directory at or above the working directory
// that contains go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find the module root: %w", err)
	}
	for range 64 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", errors.New("find the module root: no go.mod at or above the working directory")
}
