package edge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"callme/actors"
)

// fields holds a request's named values as raw JSON, whichever encoding the
// client used. A form or query value becomes a JSON string, and a key given
// more than once becomes a JSON array of strings. Body values replace query
// values of the same name.
//
// The getters record the first missing or invalid field and return zero
// values after that, so a handler reads every field and then calls Err once.
type fields struct {
	values map[string]json.RawMessage
	err    *actors.Error
}

// decodeFields parses body as JSON or as a urlencoded form, as selected by
// contentType, and merges in query. With no Content-Type or text/plain, a
// body that starts with '{' is JSON and anything else is a form. The error
// is an *actors.Error: 400 for a malformed body, 415 for another media type.
func decodeFields(body, contentType []byte, query *fasthttp.Args) (*fields, error) {
	f := &fields{values: make(map[string]json.RawMessage)}
	f.addArgs(query)

	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return f, nil
	}
	mediaType := mediaTypeOf(contentType)
	switch {
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
		return f, f.addJSON(body)
	case mediaType == "application/x-www-form-urlencoded" && body[0] != '{':
		return f, f.addForm(body)
	case mediaType == "" || mediaType == "text/plain" ||
		mediaType == "application/x-www-form-urlencoded":
		// A form never starts with "{", but a JSON object sent with a
		// form's Content-Type (curl -d does that) does.
		if body[0] == '{' {
			return f, f.addJSON(body)
		}
		return f, f.addForm(body)
	}
	return nil, &actors.Error{Code: 415, Msg: fmt.Sprintf(
		"unsupported Content-Type %s: send application/json or "+
			"application/x-www-form-urlencoded", mediaType)}
}

// mediaTypeOf returns the lowercase media type of a Content-Type header,
// without parameters such as charset.
func mediaTypeOf(contentType []byte) string {
	mediaType, _, _ := strings.Cut(string(contentType), ";")
	return strings.ToLower(strings.TrimSpace(mediaType))
}

func (f *fields) addJSON(body []byte) error {
	if body[0] != '{' {
		return badRequest("invalid JSON body: must be an object")
	}
	var object map[string]json.RawMessage
	if err := json.Unmarshal(body, &object); err != nil {
		return badRequest("invalid JSON body: %v", err)
	}
	for name, raw := range object {
		f.values[name] = raw
	}
	return nil
}

func (f *fields) addForm(body []byte) error {
	var form fasthttp.Args
	form.ParseBytes(body)
	f.addArgs(&form)
	return nil
}

// addArgs stores args, replacing earlier values of the same name.
func (f *fields) addArgs(args *fasthttp.Args) {
	grouped := make(map[string][]string)
	for key, value := range args.All() {
		name := string(key)
		grouped[name] = append(grouped[name], string(value))
	}
	for name, list := range grouped {
		var raw []byte
		if len(list) == 1 {
			raw, _ = json.Marshal(list[0])
		} else {
			raw, _ = json.Marshal(list)
		}
		f.values[name] = raw
	}
}

func badRequest(format string, args ...any) *actors.Error {
	return &actors.Error{Code: 400, Msg: fmt.Sprintf(format, args...)}
}

// Err returns the first missing or invalid field as a 400 error, or nil.
func (f *fields) Err() error {
	if f.err == nil {
		return nil
	}
	return f.err
}

// lookup returns the raw value of name, or records a missing field. A JSON
// null and an empty string count as missing.
func (f *fields) lookup(name string, required bool) (json.RawMessage, bool) {
	if f.err != nil {
		return nil, false
	}
	raw, ok := f.values[name]
	if ok && !bytes.Equal(raw, []byte("null")) && !bytes.Equal(raw, []byte(`""`)) {
		return raw, true
	}
	if required {
		f.err = badRequest("missing field %s", name)
	}
	return nil, false
}

func (f *fields) invalid(name, rule string) {
	if f.err == nil {
		f.err = badRequest("invalid %s: %s", name, rule)
	}
}

// text returns a required string field. A JSON number is taken as its
// literal text, so a phone number may arrive unquoted.
func (f *fields) text(name string) string {
	return f.textField(name, true)
}

// optText returns an optional string field, "" when absent.
func (f *fields) optText(name string) string {
	return f.textField(name, false)
}

func (f *fields) textField(name string, required bool) string {
	raw, ok := f.lookup(name, required)
	if !ok {
		return ""
	}
	s, ok := scalar(raw)
	if !ok {
		f.invalid(name, "must be a string")
	}
	return s
}

// int returns a required whole number >= min, given as a JSON number or a
// string such as "3".
func (f *fields) int(name string, min int64) int64 {
	return f.intField(name, min, true, "")
}

// optInt is int for an optional field, 0 when absent.
func (f *fields) optInt(name string, min int64) int64 {
	return f.intField(name, min, false, "")
}

// fen returns a required amount of money in fen (0.01 yuan), which must be a
// whole number >= 0.
func (f *fields) fen(name string) int64 {
	return f.intField(name, 0, true, " of fen")
}

func (f *fields) intField(name string, min int64, required bool, unit string) int64 {
	raw, ok := f.lookup(name, required)
	if !ok {
		return 0
	}
	s, ok := scalar(raw)
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if !ok || err != nil || n < min {
		f.invalid(name, fmt.Sprintf("must be a whole number%s >= %d", unit, min))
		return 0
	}
	return n
}

// ints returns a required non-empty list of whole numbers >= min. The list
// may be a JSON array of numbers or strings, a comma-separated string such
// as "3,5" (optionally in brackets), a single number, or a repeated form key.
func (f *fields) ints(name string, min int64) []int64 {
	raw, ok := f.lookup(name, true)
	if !ok {
		return nil
	}
	items, ok := listItems(raw)
	if !ok || len(items) == 0 {
		f.invalid(name, fmt.Sprintf(
			`must be a list of whole numbers >= %d, such as "3,5" or [3,5]`, min))
		return nil
	}
	list := make([]int64, 0, len(items))
	for i, item := range items {
		n, err := strconv.ParseInt(strings.TrimSpace(item), 10, 64)
		if err != nil || n < min {
			f.invalid(name, fmt.Sprintf(
				"item %d is %q, must be a whole number >= %d", i+1, item, min))
			return nil
		}
		list = append(list, n)
	}
	return list
}

// listItems splits a list value into the text of its items.
func listItems(raw json.RawMessage) ([]string, bool) {
	if raw[0] == '[' {
		var elements []json.RawMessage
		if err := json.Unmarshal(raw, &elements); err != nil {
			return nil, false
		}
		items := make([]string, 0, len(elements))
		for _, element := range elements {
			s, ok := scalar(element)
			if !ok {
				return nil, false
			}
			items = append(items, s)
		}
		return items, true
	}

	s, ok := scalar(raw)
	if !ok {
		return nil, false
	}
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
	}
	return strings.Split(s, ","), true
}

// scalar returns the value of a JSON string, or the literal text of a JSON
// number. It reports false for any other JSON value.
func scalar(raw json.RawMessage) (string, bool) {
	switch c := raw[0]; {
	case c == '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err == nil
	case c == '-' || ('0' <= c && c <= '9'):
		return string(raw), true
	}
	return "", false
}
