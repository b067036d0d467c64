package edge

import (
	"slices"
	"testing"

	"github.com/valyala/fasthttp"
)

func decodeJSON(t *testing.T, body string) *fields {
	t.Helper()
	f, err := decodeFields([]byte(body), []byte("application/json"), &fasthttp.Args{})
	if err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return f
}

func TestFieldsInt(t *testing.T) {
	cases := []struct {
		body    string
		want    int64
		wantErr string
	}{
		{`{"n":7}`, 7, ""},
		{`{"n":"7"}`, 7, ""},
		{`{"n":" 7 "}`, 7, ""},
		{`{"n":0}`, 0, "invalid n: must be a whole number >= 1"},
		{`{"n":7.0}`, 0, "invalid n: must be a whole number >= 1"},
		{`{"n":1e3}`, 0, "invalid n: must be a whole number >= 1"},
		{`{"n":"seven"}`, 0, "invalid n: must be a whole number >= 1"},
		{`{"n":99999999999999999999}`, 0, "invalid n: must be a whole number >= 1"},
		{`{"n":[7]}`, 0, "invalid n: must be a whole number >= 1"},
		{`{"n":""}`, 0, "missing field n"},
		{`{}`, 0, "missing field n"},
	}
	for _, tc := range cases {
		t.Run(tc.body, func(t *testing.T) {
			f := decodeJSON(t, tc.body)
			got := f.int("n", 1)
			if got != tc.want {
				t.Errorf("int = %d, want %d", got, tc.want)
			}
			gotErr := ""
			if err := f.Err(); err != nil {
				gotErr = f.err.Msg
			}
			if gotErr != tc.wantErr {
				t.Errorf("error = %q, want %q", gotErr, tc.wantErr)
			}
		})
	}
}

func TestFieldsInts(t *testing.T) {
	cases := []struct {
		body    string
		want    []int64
		wantErr string
	}{
		{`{"l":"3,5"}`, []int64{3, 5}, ""},
		{`{"l":"[3, 5]"}`, []int64{3, 5}, ""},
		{`{"l":[3,"5"]}`, []int64{3, 5}, ""},
		{`{"l":3}`, []int64{3}, ""},
		{`{"l":[]}`, nil,
			`invalid l: must be a list of whole numbers >= 1, such as "3,5" or [3,5]`},
		{`{"l":[[3]]}`, nil,
			`invalid l: must be a list of whole numbers >= 1, such as "3,5" or [3,5]`},
		{`{"l":"3,x"}`, nil, `invalid l: item 2 is "x", must be a whole number >= 1`},
		{`{"l":"3,"}`, nil, `invalid l: item 2 is "", must be a whole number >= 1`},
	}
	for _, tc := range cases {
		t.Run(tc.body, func(t *testing.T) {
			f := decodeJSON(t, tc.body)
			got := f.ints("l", 1)
			if !slices.Equal(got, tc.want) {
				t.Errorf("ints = %v, want %v", got, tc.want)
			}
			gotErr := ""
			if err := f.Err(); err != nil {
				gotErr = f.err.Msg
			}
			if gotErr != tc.wantErr {
				t.Errorf("error = %q, want %q", gotErr, tc.wantErr)
			}
		})
	}
}

func TestFieldsBodyReplacesQuery(t *testing.T) {
	var query fasthttp.Args
	query.Parse("a=query&b=query")
	f, err := decodeFields([]byte("a=body"), nil, &query)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if got := f.text("a"); got != "body" {
		t.Errorf("a = %q, want the body value", got)
	}
	if got := f.text("b"); got != "query" {
		t.Errorf("b = %q, want the query value", got)
	}
}
