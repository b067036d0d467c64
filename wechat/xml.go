package wechat

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits of ParseXML. WeChat Pay messages have about 25 fields and stay under
// 4 KiB.
const (
	maxXMLBytes  = 64 << 10
	maxXMLFields = 64
)

// ParseXML decodes a WeChat Pay body of the form <xml><key>value</key>...</xml>
// into a new map that the caller owns. Values may be plain text, CDATA or a mix.
// Comments and an <?xml?> declaration are skipped.
//
// It returns an error wrapping ErrInvalidXML for input over 64 KiB, more than
// 64 fields, a root other than <xml>, nested elements, duplicate keys, text
// outside a field, a DOCTYPE, or a key that is not ASCII letters, digits, '_',
// '-' and '.' starting with a letter or '_'.
func ParseXML(body []byte) (map[string]string, error) {
	if len(body) > maxXMLBytes {
		return nil, fmt.Errorf("%w: body has %d bytes, max %d",
			ErrInvalidXML, len(body), maxXMLBytes)
	}
	p := xmlParser{fields: make(map[string]string)}
	dec := xml.NewDecoder(bytes.NewReader(body))

	// Every token consumes at least one input byte, except the end token of a
	// self-closing element, which follows a start token of three or more bytes.
	for range len(body) + 1 {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if !p.closed {
				return nil, fmt.Errorf("%w: no complete <xml> element", ErrInvalidXML)
			}
			return p.fields, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidXML, err)
		}
		if err := p.add(tok); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidXML, err)
		}
	}
	return nil, fmt.Errorf("%w: decoder did not reach the end of input", ErrInvalidXML)
}

// xmlParser tracks the position in a flat WeChat Pay document. depth is 0
// outside the root, 1 inside <xml> and 2 inside a field.
type xmlParser struct {
	fields map[string]string
	depth  int
	closed bool // the root element has ended
	key    string
	value  strings.Builder
}

func (p *xmlParser) add(tok xml.Token) error {
	switch t := tok.(type) {
	case xml.StartElement:
		return p.start(t.Name)
	case xml.EndElement:
		p.depth--
		if p.depth == 1 {
			p.fields[p.key] = p.value.String()
		}
		if p.depth == 0 {
			p.closed = true
		}
	case xml.CharData:
		if p.depth == 2 {
			p.value.Write(t)
		} else if len(bytes.TrimSpace(t)) > 0 {
			return errors.New("text outside a field")
		}
	case xml.Directive:
		return errors.New("directives such as DOCTYPE are not allowed")
	}
	return nil
}

func (p *xmlParser) start(name xml.Name) error {
	switch {
	case p.closed:
		return errors.New("content after </xml>")
	case p.depth == 0 && (name.Local != "xml" || name.Space != ""):
		return fmt.Errorf("root element is <%s>, want <xml>", name.Local)
	case p.depth == 2:
		return fmt.Errorf("element <%s> nested in <%s>", name.Local, p.key)
	}
	if p.depth == 1 {
		if name.Space != "" || !validKey(name.Local) {
			return fmt.Errorf("invalid key %q", name.Local)
		}
		if _, dup := p.fields[name.Local]; dup {
			return fmt.Errorf("duplicate key %q", name.Local)
		}
		if len(p.fields) == maxXMLFields {
			return fmt.Errorf("more than %d fields", maxXMLFields)
		}
		p.key = name.Local
		p.value.Reset()
	}
	p.depth++
	return nil
}

// validKey reports whether k is a plain ASCII XML name: letters, digits, '_',
// '-' and '.', starting with a letter or '_'.
func validKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// EncodeXML encodes fields as <xml><key><![CDATA[value]]></key>...</xml> with
// keys in byte order, so equal maps give equal bodies.
//
// A "]]>" inside a value is split across two CDATA sections. Characters that
// XML 1.0 cannot carry, such as most control characters and invalid UTF-8, are
// replaced with U+FFFD, which changes the value that a receiver verifies a
// signature over. EncodeXML panics if a key fails the key rule of ParseXML,
// because keys come from program code, not from users.
func EncodeXML(fields map[string]string) []byte {
	var b bytes.Buffer
	b.WriteString("<xml>")
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if !validKey(k) {
			panic(fmt.Sprintf("wechat: EncodeXML: invalid key %q", k))
		}
		b.WriteString("<" + k + "><![CDATA[")
		writeCDATA(&b, fields[k])
		b.WriteString("]]></" + k + ">")
	}
	b.WriteString("</xml>")
	return b.Bytes()
}

func writeCDATA(b *bytes.Buffer, v string) {
	for _, r := range v {
		if !isXMLChar(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
		// End the section after "]]" when '>' follows, so the '>' opens a new one.
		if r == '>' && bytes.HasSuffix(b.Bytes(), []byte("]]>")) {
			b.Truncate(b.Len() - 1)
			b.WriteString("]]><![CDATA[>")
		}
	}
}

// isXMLChar reports whether r is in the Char production of XML 1.0.
func isXMLChar(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r':
		return true
	case r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}
