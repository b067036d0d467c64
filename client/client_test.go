package client_test

import (
	"testing"

	"callme/client"
	"callme/standin"
)

func TestDevMerchantMatchesStandIn(t *testing.T) {
	if client.DevAppID != standin.AppID {
		t.Errorf("DevAppID = %q, the stand-in accepts %q", client.DevAppID, standin.AppID)
	}
	if client.DevMchID != standin.MchID {
		t.Errorf("DevMchID = %q, the stand-in accepts %q", client.DevMchID, standin.MchID)
	}
	if client.DevPayKey != standin.PayKey {
		t.Errorf("DevPayKey = %q, the stand-in signs with %q", client.DevPayKey, standin.PayKey)
	}
}

func TestNewChecksURLs(t *testing.T) {
	for _, tc := range []struct {
		name, httpBase, wsURL string
		ok                    bool
	}{
		{"plain", "http://127.0.0.1:8080", "ws://127.0.0.1:4431", true},
		{"tls", "https://example.com/", "wss://example.com", true},
		{"ws as REST base", "ws://127.0.0.1:8080", "ws://127.0.0.1:4431", false},
		{"http as WebSocket", "http://127.0.0.1:8080", "http://127.0.0.1:4431", false},
		{"no scheme", "127.0.0.1:8080", "ws://127.0.0.1:4431", false},
		{"no host", "http://", "ws://127.0.0.1:4431", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.New(tc.httpBase, tc.wsURL)
			if (err == nil) != tc.ok {
				t.Errorf("New(%q, %q) error = %v, want ok %v", tc.httpBase, tc.wsURL, err, tc.ok)
			}
		})
	}
}
