package bench

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows how far a phase is: a progress bar on a terminal, else a
// plain line each second. status returns the counts to show and is called
// from the progress goroutine.
type progress struct {
	stop chan struct{}
	done chan struct{}
}

// startProgress shows the phase label of length total on w until Stop. A
// nil w shows nothing.
func startProgress(w io.Writer, terminal bool, label string, total time.Duration,
	status func() string,
) *progress {
	p := &progress{stop: make(chan struct{}), done: make(chan struct{})}
	if w == nil {
		close(p.done)
		return p
	}
	if terminal {
		go p.bar(w, label, total, status)
	} else {
		go p.lines(w, label, total, status)
	}
	return p
}

func (p *progress) bar(w io.Writer, label string, total time.Duration, status func() string) {
	defer close(p.done)
	bar := progressbar.NewOptions64(total.Milliseconds(),
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(label),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionClearOnFinish(),
	)
	start := time.Now()
	ticker := time.NewTicker(200 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			bar.Describe(label + " " + status())
			_ = bar.Set64(min(time.Since(start), total).Milliseconds())
		case <-p.stop:
			_ = bar.Finish()
			return
		}
	}
}

func (p *progress) lines(w io.Writer, label string, total time.Duration, status func() string) {
	defer close(p.done)
	start := time.Now()
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			fmt.Fprintf(w, "%s %.0f/%.0f s: %s\n",
				label, time.Since(start).Seconds(), total.Seconds(), status())
		case <-p.stop:
			return
		}
	}
}

// Stop removes the bar. It must be called once.
func (p *progress) Stop() {
	close(p.stop)
	<-p.done
}
