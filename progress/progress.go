// Package progress draws a one-line progress display on a terminal: what is
// being worked on, how far along (items, bytes, rows) and an ETA. Updates are
// throttled so that a tight loop costs nothing and the terminal does not
// flicker. Callers decide whether to show it at all (not on a pipe, not with
// --quiet): see issue 5.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// State is what the display shows.
type State struct {
	// Label names the work: "ingest", "analyze".
	Label string
	// Item is the file or check being worked on.
	Item string
	// Done and Total count items (files, checks); Done is the 1-based
	// position of the current item.
	Done, Total int
	// Complete says the last item is finished: the bar is full.
	Complete bool
	// Bytes and TotalBytes measure the input; TotalBytes 0 means unknown.
	Bytes, TotalBytes int64
	// Rows loaded so far; negative hides it.
	Rows int64
	// Elapsed since the work started.
	Elapsed time.Duration
	// Step is what the current item is doing once its bytes are read
	// ("policy results"): shown in place of the ETA, which the bytes no
	// longer move.
	Step string
}

// Format renders s as one line of at most width columns (0: no limit).
func Format(s State, width int) string {
	parts := []string{s.Label}
	if s.Total > 0 {
		parts = append(parts, fmt.Sprintf("[%d/%d]", s.Done, s.Total))
	}
	frac := -1.0
	switch {
	case s.TotalBytes > 0:
		frac = min(float64(s.Bytes)/float64(s.TotalBytes), 1)
		parts = append(parts, fmt.Sprintf("%s %s/%s", bar(frac, 20), Bytes(s.Bytes), Bytes(s.TotalBytes)))
	case s.Total > 0 && s.Complete:
		frac = 1
		parts = append(parts, bar(frac, 20))
	case s.Total > 0:
		frac = float64(s.Done-1) / float64(s.Total)
		parts = append(parts, bar(frac, 20))
	}
	if s.Rows >= 0 && s.TotalBytes > 0 {
		parts = append(parts, Count(s.Rows)+" rows")
	}
	parts = append(parts, clock(s.Elapsed))
	if s.Step != "" {
		parts = append(parts, s.Step)
	} else if frac > 0.02 && s.Elapsed > 2*time.Second && frac < 1 {
		eta := time.Duration(float64(s.Elapsed) * (1 - frac) / frac)
		parts = append(parts, "ETA "+clock(eta))
	}
	line := strings.Join(parts, "  ")
	if s.Item != "" {
		line += "  " + s.Item
	}
	if width > 0 {
		line = Truncate(line, width)
	}
	return line
}

// Truncate cuts s to n characters, the last an ellipsis when cut: the
// progress line to the terminal's width, a file's own text quoted in a
// message.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		return string([]rune(s)[:n-1]) + "…"
	}
	return s
}

func bar(frac float64, n int) string {
	full := int(frac * float64(n))
	return "[" + strings.Repeat("#", full) + strings.Repeat(".", n-full) + "]"
}

// Bytes formats a byte count with a binary unit.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, u := float64(n), 0
	for v >= unit && u < 4 {
		v /= unit
		u++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGT"[u-1])
}

// Count formats n with thousands separators: 1,234,567.
func Count(n int64) string {
	s := fmt.Sprint(n)
	digits := strings.TrimPrefix(s, "-")
	var b strings.Builder
	b.WriteString(s[:len(s)-len(digits)])
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// clock formats a duration as m:ss or h:mm:ss.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// Bar redraws one terminal line with the latest State, at most once per
// Interval. It is safe for concurrent use.
type Bar struct {
	w        io.Writer
	width    int
	interval time.Duration
	now      func() time.Time
	start    time.Time

	mu    sync.Mutex
	last  time.Time
	drawn bool
	state State
}

// New returns a Bar drawing on w, width columns wide (0: 100), redrawing at
// most every 200 ms.
func New(w io.Writer, width int) *Bar {
	if width <= 0 {
		width = 100
	}
	b := &Bar{w: w, width: width, interval: 200 * time.Millisecond, now: time.Now}
	b.start = b.now()
	return b
}

// Update records s and redraws if the last draw is older than the interval.
// s.Elapsed is filled in by the Bar.
func (b *Bar) Update(s State) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.state = s
	if now := b.now(); !b.drawn || now.Sub(b.last) >= b.interval {
		b.draw(now)
	}
}

// Change edits the current state and redraws when due.
func (b *Bar) Change(f func(*State)) {
	b.mu.Lock()
	s := b.state
	b.mu.Unlock()
	f(&s)
	b.Update(s)
}

// Finish draws the last state and ends the line.
func (b *Bar) Finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.drawn {
		return
	}
	b.draw(b.now())
	io.WriteString(b.w, "\n")
	b.drawn = false
}

func (b *Bar) draw(now time.Time) {
	s := b.state
	s.Elapsed = now.Sub(b.start)
	// \r and erase-to-end keep one line; data in Item is cleaned.
	s.Item = Clean(s.Item)
	fmt.Fprintf(b.w, "\r%s\x1b[K", Format(s, b.width))
	b.last, b.drawn = now, true
}

// Clean makes data (a file name, a log field, a message quoting one) safe to
// print on a terminal or in a report: C0 and C1 control characters and DEL
// are dropped (ESC included, so no ANSI sequence survives), so that it cannot
// move the cursor or recolour the screen, and so are Unicode bidirectional
// overrides, isolates and marks, so that it cannot read backwards; line breaks
// and tabs become spaces, so that one line stays one line; invalid UTF-8
// becomes U+FFFD. The reports use it too (reports.stripControls).
func Clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f:
			return -1
		}
		return r
	}, s)
}
