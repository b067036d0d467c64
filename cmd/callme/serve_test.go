package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestServeRequiresCredentials(t *testing.T) {
	var stderr bytes.Buffer
	code := run([]string{"serve", "--data", t.TempDir(), "--wx-appid", "wx1"}, &stderr, &stderr)
	if code != 2 {
		t.Fatalf("exit code = %d, want 2", code)
	}
	msg := stderr.String()
	for _, want := range []string{"missing WeChat or Baidu credentials",
		"--wx-secret (CALLME_WX_SECRET)", "--wx-paykey", "--dev"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not mention %q", msg, want)
		}
	}
	if strings.Contains(msg, "--wx-appid (") {
		t.Errorf("message %q lists --wx-appid, which was given", msg)
	}
}

func TestServeFlagsFromEnvironment(t *testing.T) {
	t.Setenv("CALLME_HTTP", "127.0.0.1:9999")
	t.Setenv("CALLME_HEARTBEAT", "10s")
	t.Setenv("CALLME_DEV", "true")
	c, err := parseServe([]string{"--ws", "127.0.0.1:9998"}, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if c.httpAddr != "127.0.0.1:9999" {
		t.Errorf("http = %q, want the CALLME_HTTP value", c.httpAddr)
	}
	if c.wsAddr != "127.0.0.1:9998" {
		t.Errorf("ws = %q, want the flag value", c.wsAddr)
	}
	if c.heartbeat != 10*time.Second || !c.dev {
		t.Errorf("heartbeat %v dev %v, want 10s and true", c.heartbeat, c.dev)
	}

	// A flag on the command line wins over its variable.
	c, err = parseServe([]string{"--http", "127.0.0.1:1"}, &bytes.Buffer{})
	if err != nil || c.httpAddr != "127.0.0.1:1" {
		t.Errorf("http = %q (%v), want the flag over CALLME_HTTP", c.httpAddr, err)
	}
}

func TestServeRejectsBadValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  [2]string
		want string
	}{
		{"heartbeat", []string{"--dev", "--heartbeat", "10ms"}, [2]string{}, "--heartbeat"},
		{"snapshot", []string{"--dev", "--snapshot-every", "0"}, [2]string{}, "--snapshot-every"},
		{"tls half", []string{"--dev", "--tls-cert", "c.pem"}, [2]string{}, "--tls-key"},
		{"log format", []string{"--dev", "--log-format", "xml"}, [2]string{}, "xml"},
		{"env bool", []string{}, [2]string{"CALLME_DEV", "maybe"}, "CALLME_DEV"},
		{"argument", []string{"--dev", "extra"}, [2]string{}, "extra"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env[0] != "" {
				t.Setenv(tc.env[0], tc.env[1])
			}
			_, err := parseServe(tc.args, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func TestUnknownCommandShowsUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"srve"}, &stdout, &stderr); code != 2 {
		t.Fatalf("exit code = %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), `unknown command "srve"`) ||
		!strings.Contains(stderr.String(), "callme serve") {
		t.Fatalf("stderr = %q, want the unknown command and the usage", stderr.String())
	}
}
