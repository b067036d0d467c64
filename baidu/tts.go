// Package baidu builds playable URLs for Baidu short-text speech synthesis
// (text2audio), fetching and caching the OAuth access token they carry.
//
// The production bases are https://aip.baidubce.com for tokens and
// https://tsn.baidu.com for audio. Errors never contain the secret key or an
// access token.
package baidu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// Errors that callers branch on. Test for them with errors.Is.
var (
	// ErrUnavailable means Baidu could not be reached or replied with a 5xx
	// status. Retrying later may succeed.
	ErrUnavailable = errors.New("baidu: service unavailable, retry later")

	// ErrInvalidCredentials means Baidu rejected APIKey or SecretKey. Check
	// both against the application in the Baidu AI console.
	ErrInvalidCredentials = errors.New("baidu: API key or secret key rejected")
)

// MaxTextRunes caps the text of one announcement. Baidu bills each 120 GBK
// bytes, about 60 Chinese characters, as one request.
const MaxTextRunes = 60

// refreshMargin is how long before expiry a cached token is replaced.
const refreshMargin = time.Hour

// TTSClient builds text2audio URLs. Set its exported fields before first use
// and do not copy it after. It is safe for concurrent use.
type TTSClient struct {
	// TokenURL is the token base URL, https://aip.baidubce.com in production.
	TokenURL string
	// AudioURL is the audio base URL, https://tsn.baidu.com in production.
	AudioURL  string
	APIKey    string
	SecretKey string
	// HTTP sends token requests. Nil means a client with a 10 second timeout.
	HTTP *http.Client

	initOnce sync.Once
	// lock is a one-slot semaphore rather than a mutex, so that a caller
	// waiting for another caller's token fetch can give up when its context
	// ends. Holding it guards token and refreshAt.
	lock      chan struct{}
	token     string
	refreshAt time.Time
}

// FieldError is an invalid SpeechURL argument. Field is the text2audio
// parameter name: tex, spd, pit, vol or per.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string {
	return "baidu: invalid " + e.Field + ": " + e.Reason
}

// Token returns an access token, fetching one from {TokenURL}/oauth/2.0/token
// when none is cached or the cached one expires within an hour. Concurrent
// callers share one fetch. A failed fetch is not cached.
func (c *TTSClient) Token(ctx context.Context) (string, error) {
	c.initOnce.Do(func() { c.lock = make(chan struct{}, 1) })
	select {
	case c.lock <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("baidu: wait for token: %w", ctx.Err())
	}
	defer func() { <-c.lock }()

	now := time.Now()
	if c.token != "" && now.Before(c.refreshAt) {
		return c.token, nil
	}
	token, expiresIn, err := c.fetchToken(ctx)
	if err != nil {
		return "", err
	}
	c.token = token
	c.refreshAt = now.Add(expiresIn - refreshMargin)
	return token, nil
}

func (c *TTSClient) fetchToken(ctx context.Context) (string, time.Duration, error) {
	if c.APIKey == "" || c.SecretKey == "" {
		return "", 0, errors.New("baidu: token: TTSClient needs APIKey and SecretKey")
	}
	query := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.APIKey},
		"client_secret": {c.SecretKey},
	}
	target, err := endpoint(c.TokenURL, "/oauth/2.0/token", query)
	if err != nil {
		return "", 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, nil)
	if err != nil {
		return "", 0, fmt.Errorf("baidu: token: build request: %w", stripURL(err))
	}
	client := c.HTTP
	if client == nil {
		client = defaultHTTP
	}
	body, status, err := send(client, req)
	if err != nil {
		return "", 0, err
	}

	var reply struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal(body, &reply); err != nil {
		return "", 0, fmt.Errorf("baidu: token: decode reply with HTTP status %d: %w", status, err)
	}
	switch {
	case reply.Error == "invalid_client":
		return "", 0, fmt.Errorf("%w: %s", ErrInvalidCredentials, reply.Description)
	case reply.Error != "":
		return "", 0, fmt.Errorf("baidu: token: %s: %s", reply.Error, reply.Description)
	case status != http.StatusOK:
		return "", 0, fmt.Errorf("baidu: token: unexpected HTTP status %d", status)
	case reply.AccessToken == "":
		return "", 0, errors.New("baidu: token: reply has no access_token")
	}
	return reply.AccessToken, time.Duration(reply.ExpiresIn) * time.Second, nil
}

// SpeechURL returns a {AudioURL}/text2audio URL that plays text as MP3, for
// the mini-program to hand to its audio player. The URL carries an access
// token, so it expires with the token, within 30 days for Baidu.
//
// spd (speed), pit (pitch) and vol (volume) take 0-9, 0-9 and 0-15, and per
// (voice) takes 0 (female), 1 (male), 3 or 4. text must have 1 to
// MaxTextRunes characters. Invalid arguments give a *FieldError before any
// request. Otherwise errors come from Token.
func (c *TTSClient) SpeechURL(ctx context.Context, text string, spd, pit, vol, per int) (
	string, error,
) {
	if err := validate(text, spd, pit, vol, per); err != nil {
		return "", err
	}
	token, err := c.Token(ctx)
	if err != nil {
		return "", err
	}

	// Baidu accepts tex URL-encoded once or twice, but only twice keeps every
	// special character, such as '+'. Encode adds the second layer.
	query := url.Values{
		"tex":  {url.QueryEscape(text)},
		"tok":  {token},
		"cuid": {"callme"},
		"ctp":  {"1"},
		"lan":  {"zh"},
		"spd":  {strconv.Itoa(spd)},
		"pit":  {strconv.Itoa(pit)},
		"vol":  {strconv.Itoa(vol)},
		"per":  {strconv.Itoa(per)},
	}
	return endpoint(c.AudioURL, "/text2audio", query)
}

func validate(text string, spd, pit, vol, per int) error {
	if text == "" {
		return &FieldError{"tex", "text is empty"}
	}
	if n := utf8.RuneCountInString(text); n > MaxTextRunes {
		return &FieldError{"tex", fmt.Sprintf("text has %d characters, max %d", n, MaxTextRunes)}
	}
	if spd < 0 || spd > 9 {
		return &FieldError{"spd", fmt.Sprintf("%d is outside 0-9", spd)}
	}
	if pit < 0 || pit > 9 {
		return &FieldError{"pit", fmt.Sprintf("%d is outside 0-9", pit)}
	}
	// NOTE: Baidu's current docs give vol 0-9 for the basic voices 0, 1, 3 and
	// 4, and 0-15 only for premium voices. Values 10-15 are passed through.
	if vol < 0 || vol > 15 {
		return &FieldError{"vol", fmt.Sprintf("%d is outside 0-15", vol)}
	}
	if per != 0 && per != 1 && per != 3 && per != 4 {
		return &FieldError{"per", fmt.Sprintf("%d is not one of 0, 1, 3, 4", per)}
	}
	return nil
}
