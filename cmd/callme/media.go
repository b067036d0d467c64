package main

import (
	"fmt"
	"net/url"

	"callme/baidu"
	"callme/edge"
	"callme/standin"
)

// checkMedia checks the flags of picture URLs and Baidu text-to-speech.
// The credentials are checked with the WeChat ones.
func (c *serveConfig) checkMedia() error {
	if err := edge.CheckPublicURL(c.publicURL); err != nil {
		return fmt.Errorf("invalid --public-url: %w", err)
	}
	for _, b := range []struct{ value, flag string }{
		{c.baiduTokenURL, "baidu-token-url"}, {c.baiduAudioURL, "baidu-audio-url"},
	} {
		u, err := url.Parse(b.value)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("invalid --%s %q: want an http(s) URL such as "+
				"https://aip.baidubce.com", b.flag, b.value)
		}
	}
	return nil
}

// ttsClient returns the Baidu text-to-speech client. In --dev it uses the
// stand-ins at standinURL, which serve Baidu's token and text2audio APIs
// beside WeChat's.
func ttsClient(c *serveConfig, standinURL string) *baidu.TTSClient {
	if c.dev {
		return &baidu.TTSClient{TokenURL: standinURL, AudioURL: standinURL,
			APIKey: standin.BaiduKey, SecretKey: standin.BaiduSecret}
	}
	return &baidu.TTSClient{TokenURL: c.baiduTokenURL, AudioURL: c.baiduAudioURL,
		APIKey: c.baiduKey, SecretKey: c.baiduSecret}
}
