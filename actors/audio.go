package actors

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"callme/baidu"
)

// Voice is the sound of a spoken call, in Baidu text2audio's terms.
type Voice struct {
	// Speed is spd, 0 to 9.
	Speed int
	// Pitch is pit, 0 to 9.
	Pitch int
	// Volume is vol, 0 to 15.
	Volume int
	// Speaker is per: 0 female, 1 male, and 3 or 4, two more of Baidu's voices.
	Speaker int
}

// DefaultVoice is the voice of a call: middle speed and pitch, volume 9 of
// 15 and the female speaker.
var DefaultVoice = Voice{Speed: 5, Pitch: 5, Volume: 9, Speaker: 0}

// CallAudioURL returns a Baidu text2audio URL that speaks "请 N 号取餐"
// ("number N, please pick up your meal") in voice. It may be called from
// any goroutine. It blocks for up to Options.RequestTimeout when it must
// fetch a token from Baidu, so an actor should call it from a goroutine of
// its own, as order.create does for WeChat Pay.
func (e *Engine) CallAudioURL(number int64, voice Voice) (string, error) {
	return e.callAudioURL(number, voice, e.opts.RequestTimeout)
}

func (e *Engine) callAudioURL(number int64, voice Voice, timeout time.Duration) (string, error) {
	if number < 1 {
		return "", badRequest("invalid number %d: pickup numbers start at 1", number)
	}
	text := fmt.Sprintf("请 %d 号取餐", number)
	return e.speechURL(timeout, text, voice.Speed, voice.Pitch, voice.Volume, voice.Speaker)
}

// AudioURL returns a Baidu text2audio URL that speaks text, for
// /callme/bd_api/getAudioUrl. The URL carries the cached access token, so
// it stops working when the token expires. Errors name the route's path
// segments: TEXT, SPD, PIT, VOL and PER.
func (e *Engine) AudioURL(text string, spd, pit, vol, per int) (string, error) {
	return e.speechURL(e.opts.RequestTimeout, text, spd, pit, vol, per)
}

func (e *Engine) speechURL(timeout time.Duration, text string, spd, pit, vol, per int) (
	string, error,
) {
	if err := checkSpeech(text, spd, pit, vol, per); err != nil {
		return "", err
	}
	if e.opts.TTS == nil {
		return "", &Error{Code: 503, Msg: "text-to-speech is not configured on this server"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	url, err := e.opts.TTS.SpeechURL(ctx, text, spd, pit, vol, per)
	if err == nil {
		return url, nil
	}

	var field *baidu.FieldError
	switch {
	case errors.As(err, &field):
		return "", badRequest("invalid %s: %s", strings.ToUpper(field.Field), field.Reason)
	case errors.Is(err, baidu.ErrInvalidCredentials):
		e.log.Error("baidu rejected the tts credentials", "err", err)
	default:
		e.log.Warn("baidu tts token failed", "err", err)
	}
	return "", &Error{Code: 502, Msg: "Baidu text-to-speech is unavailable, try again"}
}

// checkSpeech checks the arguments of AudioURL, naming each as its path
// segment of /callme/bd_api/getAudioUrl.
func checkSpeech(text string, spd, pit, vol, per int) error {
	switch n := utf8.RuneCountInString(text); {
	case strings.TrimSpace(text) == "":
		return badRequest("missing TEXT: give the words to speak")
	case !utf8.ValidString(text):
		return badRequest("invalid TEXT: not UTF-8")
	case n > baidu.MaxTextRunes:
		return badRequest("invalid TEXT: %d characters, at most %d", n, baidu.MaxTextRunes)
	}
	for _, c := range []struct {
		name     string
		value    int
		min, max int
	}{{"SPD", spd, 0, 9}, {"PIT", pit, 0, 9}, {"VOL", vol, 0, 15}} {
		if c.value < c.min || c.value > c.max {
			return badRequest("invalid %s %q: %d to %d", c.name, strconv.Itoa(c.value),
				c.min, c.max)
		}
	}
	switch per {
	case 0, 1, 3, 4:
		return nil
	}
	return badRequest("invalid PER %q: one of 0, 1, 3, 4", strconv.Itoa(per))
}
