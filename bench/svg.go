package bench

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strings"
)

// Plot geometry in SVG user units: two panels, one above the other, with
// the legend on the right.
const (
	svgWidth     = 960
	svgHeight    = 760
	plotLeft     = 80
	plotRight    = 700
	legendLeft   = 720
	topPanelY    = 50
	bottomPanelY = 430
	panelHeight  = 280
)

// maxNines is the right edge of the percentile chart: 99.999%.
const maxNines = 5

var svgColors = []string{
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
}

// WriteSVG writes to w one SVG document that draws the latencies marked for
// plotting. The upper panel has the p50 (dashed) and p99 (solid) of each
// second of the run. The lower panel is the percentile chart of the whole
// run, with the percentile on a log scale of nines. Latency axes are
// logarithmic.
func WriteSVG(w io.Writer, title string, latencies []LatencySummary) error {
	var plotted []LatencySummary
	for _, s := range latencies {
		if s.Plot && s.Count > 0 {
			plotted = append(plotted, s)
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" `+
		`viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		svgWidth, svgHeight, svgWidth, svgHeight)
	fmt.Fprintf(&b, "<title>callme bench %s</title>\n", escape(title))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", svgWidth, svgHeight)
	if len(plotted) == 0 {
		b.WriteString(`<text x="80" y="80">no latencies recorded</text>` + "\n</svg>\n")
		_, err := w.Write(b.Bytes())
		return err
	}

	lo, hi := latencyRange(plotted)
	maxT := 1.0
	for _, s := range plotted {
		for _, p := range s.Series {
			maxT = max(maxT, p.T)
		}
	}
	maxT = math.Ceil(maxT)

	drawTimePanel(&b, title, plotted, lo, hi, maxT)
	drawPercentilePanel(&b, plotted, lo, hi)
	drawLegend(&b, plotted)
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

func drawTimePanel(b *bytes.Buffer, title string, plotted []LatencySummary, lo, hi, maxT float64) {
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="14">%s: latency per second `+
		`(solid p99, dashed p50)</text>`+"\n", plotLeft, topPanelY-15, escape(title))
	drawLatencyAxis(b, topPanelY, lo, hi)
	step := niceStep(maxT)
	for t := 0.0; t <= maxT+1e-9; t += step {
		x := plotLeft + t/maxT*(plotRight-plotLeft)
		drawXTick(b, x, topPanelY, fmt.Sprintf("%g s", t))
	}
	x := func(t float64) float64 { return plotLeft + t/maxT*(plotRight-plotLeft) }
	for i, s := range plotted {
		color := svgColors[i%len(svgColors)]
		fmt.Fprintf(b, `<g class="series" data-name="%s">`+"\n", escape(s.Name))
		var p50, p99 []xy
		for _, p := range s.Series {
			p50 = append(p50, xy{x(p.T), logY(p.P50, lo, hi, topPanelY)})
			p99 = append(p99, xy{x(p.T), logY(p.P99, lo, hi, topPanelY)})
		}
		writePolyline(b, s.Name+" p99", p99, color, "")
		writePolyline(b, s.Name+" p50", p50, color, "5,4")
		b.WriteString("</g>\n")
	}
}

func drawPercentilePanel(b *bytes.Buffer, plotted []LatencySummary, lo, hi float64) {
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="14">latency by percentile, whole run`+
		`</text>`+"\n", plotLeft, bottomPanelY-15)
	drawLatencyAxis(b, bottomPanelY, lo, hi)
	labels := []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"}
	for n, label := range labels {
		drawXTick(b, ninesX(float64(n)), bottomPanelY, label)
	}
	for i, s := range plotted {
		color := svgColors[i%len(svgColors)]
		fmt.Fprintf(b, `<g class="series" data-name="%s">`+"\n", escape(s.Name))
		var pts []xy
		for _, p := range s.Percentiles {
			pts = append(pts, xy{ninesX(nines(p.Percentile)), logY(p.MS, lo, hi, bottomPanelY)})
		}
		writePolyline(b, s.Name+" percentiles", pts, color, "")
		b.WriteString("</g>\n")
	}
}

func drawLegend(b *bytes.Buffer, plotted []LatencySummary) {
	for i, s := range plotted {
		y := topPanelY + 10 + i*20
		color := svgColors[i%len(svgColors)]
		fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/>`+
			"\n", legendLeft, y, legendLeft+20, y, color)
		fmt.Fprintf(b, `<text x="%d" y="%d">%s</text>`+"\n", legendLeft+26, y+4, escape(s.Name))
	}
}

// drawLatencyAxis draws the frame of a panel whose top is at y and a
// labelled grid line at each power of ten from lo to hi milliseconds.
func drawLatencyAxis(b *bytes.Buffer, y int, lo, hi float64) {
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>`+"\n",
		plotLeft, y, plotRight-plotLeft, panelHeight)
	for v := lo; v <= hi*1.0001; v *= 10 {
		gy := logY(v, lo, hi, y)
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n",
			plotLeft, gy, plotRight, gy)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s ms</text>`+"\n",
			plotLeft-6, gy+4, formatMS(v))
	}
}

func drawXTick(b *bytes.Buffer, x float64, panelY int, label string) {
	bottom := panelY + panelHeight
	fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#888"/>`+"\n",
		x, bottom, x, bottom+5)
	fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n",
		x, bottom+18, escape(label))
}

// xy is a point in SVG user units.
type xy struct{ x, y float64 }

// writePolyline draws pts as one line named name; a single point, which a
// line would not show, becomes a dot.
func writePolyline(b *bytes.Buffer, name string, pts []xy, color, dash string) {
	switch len(pts) {
	case 0:
		return
	case 1:
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s</title></circle>`+
			"\n", pts[0].x, pts[0].y, color, escape(name))
		return
	}
	coords := make([]string, len(pts))
	for i, p := range pts {
		coords[i] = fmt.Sprintf("%.1f,%.1f", p.x, p.y)
	}
	dashAttr := ""
	if dash != "" {
		dashAttr = fmt.Sprintf(` stroke-dasharray="%s"`, dash)
	}
	fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="1.5"%s points="%s">`+
		`<title>%s</title></polyline>`+"\n",
		color, dashAttr, strings.Join(coords, " "), escape(name))
}

// latencyRange returns powers of ten around every plotted value, in ms.
func latencyRange(plotted []LatencySummary) (lo, hi float64) {
	lo, hi = math.Inf(1), 0
	see := func(v float64) {
		if v > 0 {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	for _, s := range plotted {
		for _, p := range s.Series {
			see(p.P50)
			see(p.P99)
		}
		for _, p := range s.Percentiles {
			see(p.MS)
		}
	}
	if hi == 0 {
		return 0.001, 1
	}
	lo = math.Pow(10, math.Floor(math.Log10(lo)))
	hi = math.Pow(10, math.Ceil(math.Log10(hi)))
	if hi <= lo {
		hi = lo * 10
	}
	return lo, hi
}

// logY maps v ms to the y of a panel whose top is at top.
func logY(v, lo, hi float64, top int) float64 {
	v = min(max(v, lo), hi)
	frac := (math.Log10(v) - math.Log10(lo)) / (math.Log10(hi) - math.Log10(lo))
	return float64(top+panelHeight) - frac*panelHeight
}

// nines returns how many nines percentile p has: 90 is 1, 99.9 is 3. It is
// capped at maxNines so that the maximum (100) is drawn at the right edge.
func nines(p float64) float64 {
	if p >= 100 {
		return maxNines
	}
	return min(-math.Log10(1-p/100), maxNines)
}

func ninesX(n float64) float64 {
	return plotLeft + n/maxNines*(plotRight-plotLeft)
}

// niceStep returns a tick step of 1, 2 or 5 times a power of ten, at least
// 1, that gives at most ten ticks up to span.
func niceStep(span float64) float64 {
	mag := 1.0
	for range 12 {
		for _, m := range []float64{1, 2, 5} {
			if span/(m*mag) <= 10 {
				return m * mag
			}
		}
		mag *= 10
	}
	return span
}

func formatMS(v float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
