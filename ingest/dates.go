package ingest

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Timestamps as exports write them (FORMATS.md §0 rule 4): ISO 8601 with Z,
// an offset or no zone (UTC by convention of every Entra export), 7-digit
// fractions (kept to the microsecond, truncated), PowerShell 5.1's
// "/Date(ms)/", and culture-formatted dates such as "9/19/2023, 1:45:17.287 PM"
// (Log Analytics "Export to CSV") or "3/12/2025 7:22:01 AM" (PowerShell
// Export-Csv). Day/month order of slash dates is decided once per file from
// all its values (dateVote) and never guessed for a single value.

// dayOrder is the order of the first two parts of a slash date.
type dayOrder int

const (
	orderUnknown dayOrder = iota
	orderMonthFirst
	orderDayFirst
)

func (o dayOrder) String() string {
	switch o {
	case orderMonthFirst:
		return "month/day"
	case orderDayFirst:
		return "day/month"
	}
	return "unknown"
}

var slashDate = regexp.MustCompile(`^(\d{1,2})([/.])(\d{1,2})[/.](\d{4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*([AaPp][Mm])?$`)

// dateVote gathers evidence of day/month order over the values of a file.
type dateVote struct {
	dayFirst, monthFirst bool // a value proves the order (a part > 12, or a dotted date)
	ambiguous            int  // values that fit both orders and differ
	example              string
}

func (v *dateVote) observe(s string) {
	m := slashDate.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[3])
	switch {
	case m[2] == ".":
		v.dayFirst = true // dotted dates are day-first in every locale that writes them
	case a > 12:
		v.dayFirst = true
	case b > 12:
		v.monthFirst = true
	case a != b:
		v.ambiguous++
		if v.example == "" {
			v.example = s
		}
	}
}

// order returns the file's order, and a note when the file cannot tell (or
// contradicts itself) and some value needs the order.
func (v *dateVote) order() (dayOrder, string) {
	switch {
	case v.dayFirst && v.monthFirst:
		return orderUnknown, "dates mix day-first and month-first values; ambiguous dates (both parts ≤ 12) were rejected"
	case v.dayFirst:
		return orderDayFirst, ""
	case v.monthFirst:
		return orderMonthFirst, ""
	case v.ambiguous > 0:
		return orderUnknown, fmt.Sprintf("%d dates such as %q fit both day/month and month/day and no date in the file decides; those rows were rejected rather than guessed (re-export with ISO dates)", v.ambiguous, v.example)
	}
	return orderUnknown, ""
}

// errAmbiguousDate is returned for a slash date whose order is unknown.
var errAmbiguousDate = fmt.Errorf("day/month order unknown")

// parseTime reads a timestamp in any of the forms above as UTC. Years outside
// 1-9999 are errors, as in the mfagap_time macro: ISO text cannot carry them.
func parseTime(s string, ord dayOrder) (time.Time, error) {
	t, err := parseAnyTime(s, ord)
	if err == nil && (t.Year() < 1 || t.Year() > 9999) {
		return time.Time{}, fmt.Errorf("timestamp %q is outside years 1-9999", strings.TrimSpace(s))
	}
	return t, err
}

func parseAnyTime(s string, ord dayOrder) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("empty timestamp")
	}
	if strings.Contains(s, "/Date(") {
		i := strings.Index(s, "/Date(") + len("/Date(")
		j := i
		if j < len(s) && s[j] == '-' {
			j++
		}
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		ms, err := strconv.ParseInt(s[i:j], 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("timestamp %q: %w", s, err)
		}
		if ms < -62135596800000 || ms > 253402300799999 { // UnixMilli would wrap
			return time.Time{}, fmt.Errorf("timestamp %q is outside years 1-9999", s)
		}
		return time.UnixMilli(ms).UTC(), nil
	}
	if len(s) == len("2006-01-02T15:04:05") && s[10] == 'T' {
		// The audit log's CreationTime, to the second without a zone:
		// RFC 3339 needs a zone, so the first layout that takes it is the
		// second; parsed alone, without the failed attempt (issue 5).
		if t, err := time.Parse("2006-01-02T15:04:05", s); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Truncate(time.Microsecond), nil
		}
	}
	m := slashDate.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("timestamp %q is not in a known format", s)
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[3])
	if m[2] == "." || a > 12 {
		ord = orderDayFirst
	} else if b > 12 {
		ord = orderMonthFirst
	}
	month, day := a, b
	switch {
	case a == b:
	case ord == orderDayFirst:
		month, day = b, a
	case ord == orderMonthFirst:
	default:
		return time.Time{}, fmt.Errorf("timestamp %q: %w", s, errAmbiguousDate)
	}
	year, _ := strconv.Atoi(m[4])
	hour, _ := strconv.Atoi(m[5])
	minute, _ := strconv.Atoi(m[6])
	sec, _ := strconv.Atoi(m[7])
	var nsec int
	if m[8] != "" {
		frac := (m[8][1:] + "000000000")[:9]
		nsec, _ = strconv.Atoi(frac)
	}
	if ampm := strings.ToLower(m[9]); ampm != "" {
		if hour < 1 || hour > 12 {
			return time.Time{}, fmt.Errorf("timestamp %q: hour %d with %s", s, hour, m[9])
		}
		hour %= 12
		if ampm == "pm" {
			hour += 12
		}
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Month() != time.Month(month) || t.Day() != day || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, fmt.Errorf("timestamp %q is not a valid date", s)
	}
	return t.Truncate(time.Microsecond), nil
}

// isoTime renders t as the ISO 8601 UTC text graph.sql reads.
func isoTime(t time.Time) string {
	t = t.UTC()
	y := t.Year()
	if t.Nanosecond() != 0 || y < 0 || y > 9999 {
		return t.Format(isoLayout)
	}
	// A time to the second, written by hand: Format took 350 ns of the
	// audit log's 3-5 µs a record (issue 5; TestISOTimeByHand).
	_, mo, d := t.Date()
	h, mi, s := t.Clock()
	b := make([]byte, 0, len("2006-01-02T15:04:05Z"))
	two := func(n int) { b = append(b, byte('0'+n/10), byte('0'+n%10)) }
	two(y / 100)
	two(y % 100)
	b = append(b, '-')
	two(int(mo))
	b = append(b, '-')
	two(d)
	b = append(b, 'T')
	two(h)
	b = append(b, ':')
	two(mi)
	b = append(b, ':')
	two(s)
	return string(append(b, 'Z'))
}

// isoLayout is isoTime's layout.
const isoLayout = "2006-01-02T15:04:05.999999Z"

// mayHoldSlashDate reports whether the JSON text r could hold a string value
// that slashDate matches once decoded and trimmed: a quote, then space (any
// non-ASCII byte counts as space: Unicode spaces are trimmed too), one or two
// digits, '/' or '.', one or two digits, '/' or '.', four digits. An escape
// where one of these could stand counts as a match (see slashDateAt). When it
// finds none, no value of the file can vote
// on day/month order and the voting pass over every record is skipped: that
// pass decoded every record of a Log Analytics JSON export a second time
// (issue 5). It reads r in chunks, keeping the end of each so that a date
// across two chunks is seen.
func mayHoldSlashDate(r io.Reader) (bool, error) {
	const keep = 64
	buf := make([]byte, keep+1<<20)
	carry := 0
	for {
		n, err := io.ReadFull(r, buf[carry:])
		b := buf[:carry+n]
		final := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !final {
			return false, err
		}
		// A quote is checked once the bytes after it are in b; near the end
		// of a chunk they come with the next one.
		limit := len(b)
		if !final {
			limit = max(len(b)-keep, 0)
		}
		for i := 0; i < limit; {
			j := bytes.IndexByte(b[i:limit], '"')
			if j < 0 {
				break
			}
			i += j + 1
			if slashDateAt(b[i:min(len(b), i+keep)]) {
				return true, nil
			}
		}
		if final {
			return false, nil
		}
		carry = copy(buf, b[limit:])
	}
}

// slashDateAt says whether b, the bytes after a quote, may start a slash or
// dotted date (see mayHoldSlashDate). A backslash where a space, digit or
// separator could stand may be an escape of one (\u…, \/, \t…), so it counts
// as a date; a value that starts otherwise (an object written as a JSON
// string, "{\"…", or the \"\" of an empty member inside one) does not.
func slashDateAt(b []byte) bool {
	closed := false
	if end := bytes.IndexByte(b, '"'); end >= 0 {
		b, closed = b[:end], true
	}
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r' || b[i] >= 0x80) {
		i++
	}
	// undecided is the answer when the date pattern stops at b[i]: the end
	// of a value cut short by the window, or an escape, may still be one.
	undecided := func() bool {
		switch {
		case i >= len(b):
			return !closed
		case b[i] != '\\':
			return false
		case i+1 >= len(b):
			return !closed
		}
		// Escapes that decode to a digit, separator or space; \" and \\
		// decode to neither.
		return strings.IndexByte("u/tnrf", b[i+1]) >= 0
	}
	for _, part := range []struct{ lo, hi int }{{1, 2}, {0, 0}, {1, 2}, {0, 0}, {4, 4}} {
		if part.hi == 0 { // a separator
			if i < len(b) && (b[i] == '/' || b[i] == '.') {
				i++
				continue
			}
			return undecided()
		}
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' && n < part.hi {
			i++
			n++
		}
		if n < part.lo {
			return undecided()
		}
	}
	return true
}
