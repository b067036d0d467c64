package wechat_test

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"callme/wechat"
)

func TestParseXMLAccepts(t *testing.T) {
	tests := []struct {
		name string
		body string
		want map[string]string
	}{
		{
			name: "CDATA",
			body: "<xml><return_code><![CDATA[SUCCESS]]></return_code>" +
				"<return_msg><![CDATA[签名错误]]></return_msg></xml>",
			want: map[string]string{"return_code": "SUCCESS", "return_msg": "签名错误"},
		},
		{
			name: "plain values",
			body: "<xml>\n  <total_fee>1</total_fee>\n  <openid>o-1</openid>\n</xml>",
			want: map[string]string{"total_fee": "1", "openid": "o-1"},
		},
		{
			name: "mixed text entities and CDATA",
			body: "<xml><body>a &amp; <![CDATA[<b>]]></body></xml>",
			want: map[string]string{"body": "a & <b>"},
		},
		{
			name: "declaration comment and empty fields",
			body: `<?xml version="1.0"?><!-- notice --><xml><attach></attach><x/></xml>`,
			want: map[string]string{"attach": "", "x": ""},
		},
		{
			name: "empty root",
			body: "<xml></xml>",
			want: map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wechat.ParseXML([]byte(tt.body))
			if err != nil {
				t.Fatalf("ParseXML: %v", err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("ParseXML = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseXMLRejects(t *testing.T) {
	var many strings.Builder
	many.WriteString("<xml>")
	for i := range 65 {
		fmt.Fprintf(&many, "<k%d>v</k%d>", i, i)
	}
	many.WriteString("</xml>")

	tests := []struct {
		name string
		body string
	}{
		{"empty", ""},
		{"garbage", "not xml at all"},
		{"JSON", `{"return_code":"SUCCESS"}`},
		{"unclosed root", "<xml><a>1</a>"},
		{"mismatched tags", "<xml><a>1</b></xml>"},
		{"wrong root", "<root><a>1</a></root>"},
		{"nested element", "<xml><a><b>1</b></a></xml>"},
		{"duplicate key", "<xml><a>1</a><a>2</a></xml>"},
		{"text outside field", "<xml>loose<a>1</a></xml>"},
		{"second root", "<xml></xml><xml></xml>"},
		{"doctype", `<!DOCTYPE xml [<!ENTITY e "x">]><xml><a>&e;</a></xml>`},
		{"non-ASCII key", "<xml><名>1</名></xml>"},
		{"too many fields", many.String()},
		{"too large", "<xml><a>" + strings.Repeat("x", 64<<10) + "</a></xml>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wechat.ParseXML([]byte(tt.body))
			if !errors.Is(err, wechat.ErrInvalidXML) {
				t.Errorf("ParseXML = %v, %v; want ErrInvalidXML", got, err)
			}
		})
	}
}

func TestParseXMLAcceptsSixtyFourFields(t *testing.T) {
	fields := make(map[string]string)
	for i := range 64 {
		fields[fmt.Sprintf("k%d", i)] = "v"
	}
	got, err := wechat.ParseXML(wechat.EncodeXML(fields))
	if err != nil {
		t.Fatalf("ParseXML: %v", err)
	}
	if len(got) != 64 {
		t.Errorf("ParseXML returned %d fields, want 64", len(got))
	}
}

func TestEncodeXMLSortsKeys(t *testing.T) {
	got := string(wechat.EncodeXML(map[string]string{"b": "2", "a": "1"}))
	want := "<xml><a><![CDATA[1]]></a><b><![CDATA[2]]></b></xml>"
	if got != want {
		t.Errorf("EncodeXML = %s, want %s", got, want)
	}
}

func TestEncodeXMLRoundTrip(t *testing.T) {
	fields := map[string]string{
		"body":   "咖啡 <b> & ]]> end ]]]>>",
		"attach": "",
		"ctrl":   "a\x00b",
	}
	got, err := wechat.ParseXML(wechat.EncodeXML(fields))
	if err != nil {
		t.Fatalf("ParseXML(EncodeXML(...)): %v", err)
	}
	if got["body"] != fields["body"] {
		t.Errorf("body = %q, want %q", got["body"], fields["body"])
	}
	if got["attach"] != "" {
		t.Errorf("attach = %q, want empty", got["attach"])
	}
	if got["ctrl"] != "a\uFFFDb" {
		t.Errorf("ctrl = %q, want NUL replaced with U+FFFD", got["ctrl"])
	}
}

func TestEncodeXMLPanicsOnInvalidKey(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("EncodeXML with key \"a b\" did not panic")
		}
	}()
	wechat.EncodeXML(map[string]string{"a b": "1"})
}
