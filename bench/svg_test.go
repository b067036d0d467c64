package bench

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// svgElement is an element of a parsed SVG document.
type svgElement struct {
	name  string
	attrs map[string]string
	text  string
}

// parseSVG returns the elements of an SVG document, failing t when it is
// not well-formed XML or its root is not svg.
func parseSVG(t *testing.T, data []byte) []svgElement {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	var out []svgElement
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not valid XML: %v\n%s", err, data)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := svgElement{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			out = append(out, e)
		case xml.CharData:
			// Whitespace after an end tag lands here too; callers trim.
			if len(out) > 0 {
				out[len(out)-1].text += string(tok)
			}
		}
	}
	if len(out) == 0 || out[0].name != "svg" {
		t.Fatalf("root element is not svg:\n%s", data)
	}
	return out
}

func plottedSummary(name string, plot bool) LatencySummary {
	r := NewRecorder(name, plot)
	for sec := 1; sec <= 3; sec++ {
		for ms := 1; ms <= 10; ms++ {
			r.Record(time.Duration(ms*sec) * time.Millisecond)
		}
		r.closeWindow(float64(sec))
	}
	return r.Summary()
}

func TestWriteSVGHasSeries(t *testing.T) {
	var b bytes.Buffer
	err := WriteSVG(&b, "rush <&>", []LatencySummary{
		plottedSummary("call→push", true),
		plottedSummary("paid→number push", true),
		plottedSummary("start lag", false),
	})
	if err != nil {
		t.Fatal(err)
	}
	elements := parseSVG(t, b.Bytes())

	groups := map[string]int{}
	lines := map[string]bool{}
	for _, e := range elements {
		if e.name == "g" {
			groups[e.attrs["data-name"]]++
		}
		if e.name == "title" {
			lines[strings.TrimSpace(e.text)] = true
		}
	}
	for _, name := range []string{"call→push", "paid→number push"} {
		if groups[name] != 2 {
			t.Errorf("series %q in %d panels, want 2", name, groups[name])
		}
		for _, line := range []string{name + " p50", name + " p99", name + " percentiles"} {
			if !lines[line] {
				t.Errorf("no line titled %q", line)
			}
		}
	}
	if groups["start lag"] != 0 {
		t.Errorf("a latency not marked for plotting was drawn")
	}
	if !lines["callme bench rush <&>"] {
		t.Errorf("document title is not the escaped scenario name")
	}
}

func TestWriteSVGWithoutData(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSVG(&b, "conns", nil); err != nil {
		t.Fatal(err)
	}
	elements := parseSVG(t, b.Bytes())
	found := false
	for _, e := range elements {
		if e.name == "text" && strings.TrimSpace(e.text) == "no latencies recorded" {
			found = true
		}
	}
	if !found {
		t.Errorf("empty plot lacks the note \"no latencies recorded\":\n%s", b.Bytes())
	}
}
