package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestServeRequiresBaiduCredentials(t *testing.T) {
	_, err := parseServe([]string{"--wx-appid", "a", "--wx-secret", "s", "--wx-mchid", "m",
		"--wx-paykey", "k", "--wx-notify-url", "https://x.example/n", "--wx-cert", "c.pem",
		"--wx-cert-key", "k.pem", "--baidu-key", "b"},
		&bytes.Buffer{})
	if err == nil {
		t.Fatal("parse without --baidu-secret succeeded, want an error")
	}
	msg := err.Error()
	if !strings.Contains(msg, "--baidu-secret (CALLME_BAIDU_SECRET)") {
		t.Errorf("error %q does not name --baidu-secret", msg)
	}
	if strings.Contains(msg, "--baidu-key (") || strings.Contains(msg, "--wx-") {
		t.Errorf("error %q lists flags that were given", msg)
	}
}

func TestServeMediaFlags(t *testing.T) {
	t.Setenv("CALLME_PUBLIC_URL", "https://canteen.example.com")
	c, err := parseServe([]string{"--dev"}, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if c.publicURL != "https://canteen.example.com" {
		t.Errorf("public URL = %q, want the CALLME_PUBLIC_URL value", c.publicURL)
	}
	if c.baiduTokenURL != "https://aip.baidubce.com" {
		t.Errorf("--baidu-token-url = %q, want Baidu's", c.baiduTokenURL)
	}
	if c.baiduAudioURL != "https://tsn.baidu.com" {
		t.Errorf("--baidu-audio-url = %q, want Baidu's", c.baiduAudioURL)
	}

	tts := ttsClient(c, "http://127.0.0.1:1234")
	if tts.TokenURL != "http://127.0.0.1:1234" || tts.AudioURL != "http://127.0.0.1:1234" ||
		tts.APIKey != "dev-baidu-key" {
		t.Errorf("--dev TTS client = %+v, want the stand-ins and their key", tts)
	}
}

func TestServeRejectsBadMediaURLs(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"public url", []string{"--dev", "--public-url", "canteen.example.com"}, "--public-url"},
		{"public url query", []string{"--dev", "--public-url", "https://x.example/?a=1"},
			"--public-url"},
		{"token url", []string{"--dev", "--baidu-token-url", "aip.baidubce.com"},
			"--baidu-token-url"},
		{"audio url", []string{"--dev", "--baidu-audio-url", "ftp://tsn.baidu.com"},
			"--baidu-audio-url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseServe(tc.args, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}
