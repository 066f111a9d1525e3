package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

func unixNow() int64 { return time.Now().Unix() }

// isTerminal reports whether w is a character device (a terminal), so that
// progress bars stay out of logs and pipes.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress draws one bar on stderr, at most ten times a second; it draws
// nothing when stderr is not a terminal.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	label string
	last  time.Time
	drawn bool
}

func newProgress(w io.Writer, on bool) *progress { return &progress{w: w, on: on} }

// set shows done of total under label; total <= 0 shows only a count.
func (p *progress) set(label string, done, total int64) {
	if p == nil || !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if label == p.label && now.Sub(p.last) < 100*time.Millisecond && done != total {
		return
	}
	p.label, p.last, p.drawn = label, now, true
	if total <= 0 {
		fmt.Fprintf(p.w, "\r\033[K%s %d", label, done)
		return
	}
	frac := min(1, float64(done)/float64(total))
	const width = 30
	full := int(frac * width)
	fmt.Fprintf(p.w, "\r\033[K%-16s [%s%s] %3.0f%%", label, strings.Repeat("=", full), strings.Repeat(" ", width-full), frac*100)
}

// done clears the bar.
func (p *progress) done() {
	if p == nil || !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}

// countingReader reports bytes read to a progress bar.
type countingReader struct {
	r     io.Reader
	n     int64
	total int64
	p     *progress
	label string
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	c.p.set(c.label, c.n, c.total)
	return n, err
}
