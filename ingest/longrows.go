package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mfagap/mfagap/progress"
)

// DuckDB 1.5.6's CSV reader, told a line maximum (max_line_size) and a read
// buffer, rejects a longer line with its number only when the line sits in
// the buffers a certain way: the same line elsewhere in the file, or a
// little longer, is dropped with no error and no reject (a 1.8 MiB line with
// a 1 MiB maximum and 2 MiB buffers is rejected after 150 000 short lines
// and dropped after 30 000; a 40 MiB user agent in a portal CSV vanished,
// the file reading 13 rows of 14; duckdb/duckdb#25825 is one form of it). A
// line within the maximum was read wherever it sat. So a sign-in CSV with a
// row of csvMaxLine or more (textScan.longRow, found while the file is
// checked for UTF-8) is read from a copy in which each row longer than
// csvMaxLine stands as one short line, a marker DuckDB rejects for its
// missing columns, followed by as many empty lines as the row had more
// (DuckDB skips them and counts them), so every later line keeps its
// number; the loads then name the row, its line and its size
// (longRowReject). The reads allow DuckDB a little more (csvReadLine).

// longRowMarker opens the line that stands for a row too long to read,
// followed by the row's index in source.longRows.
const longRowMarker = "mfagap-long-row-"

// longRow is a row cutLongRows took out of a CSV.
type longRow struct {
	line int64  // its first line, counting from 1 (the header)
	size int64  // its bytes, line end included
	head []byte // its first maxRawBytes bytes
}

// cutLongRows makes sure src's CSV is read with no row longer than
// csvMaxLine: when the file has a line that long, its rows are copied to
// a temp file with each such row as a marker line (see above), which is
// read from then on. It looks once per source.
func (l *loader) cutLongRows(src *source) error {
	if src.longChecked {
		return nil
	}
	src.longChecked = true
	if _, err := src.sniff.text(); err != nil || !hasLongRow(src.sniff) {
		return err
	}
	out := filepath.Join(l.tmp, fmt.Sprintf("long-%06d.csv", src.id))
	rows, err := cutLongRowsFile(src.sniff.disk, out, src.sniff.delim, csvMaxLine)
	if err != nil {
		os.Remove(out)
		return fmt.Errorf("take out its rows over %s: %w", progress.Bytes(csvMaxLine), spaceError(err, l.opts.TempDir))
	}
	if len(rows) == 0 { // lines ended by a CR alone, which rowRuns does not see, or a stray quote
		return os.Remove(out)
	}
	src.sniff.disk, src.longRows = out, rows
	src.note("%s over the %s maximum of a CSV row: rejected, with %s line and first bytes",
		plural(int64(len(rows)), "1 row", fmt.Sprintf("%d rows", len(rows))), progress.Bytes(csvMaxLine),
		plural(int64(len(rows)), "its", "their"))
	return nil
}

// hasLongRow says whether src's CSV may have a row cutLongRows takes out:
// such a file is read alone, never in a portal batch, whose read_csv takes
// the files as they are.
func hasLongRow(sn *sniff) bool {
	scan, err := sn.text()
	return err != nil || scan.longRow >= csvMaxLine
}

// longRowReject is the reason and text of a row DuckDB rejected when raw,
// its text, is the marker of a row cutLongRows took out; ok is false for
// any other row.
func (src *source) longRowReject(line int64, raw string) (reason string, text []byte, ok bool) {
	raw = strings.Trim(raw, "\r\n") // DuckDB's text of a line of a CRLF file may open with an LF
	k, err := strconv.Atoi(strings.TrimPrefix(raw, longRowMarker))
	if !strings.HasPrefix(raw, longRowMarker) || err != nil || k < 0 || k >= len(src.longRows) {
		return "", nil, false
	}
	r := src.longRows[k]
	return fmt.Sprintf("line %d: a row of %s, over the %s maximum of a CSV row: not read (its first %s kept)",
		line, progress.Bytes(r.size), progress.Bytes(csvMaxLine), progress.Bytes(int64(len(r.head)))), r.head, true
}

// cutLongRowsFile copies the CSV file in, of the delimiter delim, to out
// with every row (a line, or the lines of a quoted field holding line
// breaks) longer than max bytes written as a marker line, and returns those
// rows. Fields are followed as DuckDB's strict reader takes them (rowCutter);
// line ends are LF, CRLF or a lone CR. The header is never taken out: a
// header that long is an error.
func cutLongRowsFile(in, out string, delim byte, max int64) ([]longRow, error) {
	f, err := os.Open(in)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	o, err := os.Create(out)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	w := bufio.NewWriterSize(o, 1<<20)
	rows, err := cutLongRowsFrom(f, w, delim, max)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = o.Close()
	}
	return rows, err
}

// cutLongRowsFrom is cutLongRowsFile over a reader and a writer, which it
// leaves to be flushed.
func cutLongRowsFrom(r io.Reader, w *bufio.Writer, delim byte, max int64) ([]longRow, error) {
	c := newRowCutter(w, delim, max)
	buf := make([]byte, 1<<20)
	for c.err == nil {
		n, err := r.Read(buf)
		c.feed(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	c.finish()
	return c.rows, c.err
}

// rowCutter is cutLongRowsFile's state between the pieces it is fed. It
// follows fields as RFC 4180 and DuckDB's strict reader do: a quote opens a
// quoted field only at the field's start, two quotes inside one stand for
// one, and a quote inside an unquoted field is a character of it (DuckDB
// rejects that line and reads on from the next), so a stray quote does not
// turn the rest of the file into one quoted field.
type rowCutter struct {
	w       *bufio.Writer
	special string // the bytes feed stops at: quote, delimiter, CR, LF
	delim   byte
	max     int64
	err     error

	state  fieldState
	cr     bool // the last byte was a CR: a line end, with an LF after it or alone
	rec    []byte
	size   int64 // bytes of the record so far
	breaks int64 // line ends in it so far
	over   bool  // size passed max: rec holds no more
	head   []byte
	line   int64 // the record's first line
	header bool  // the header has been written
	rows   []longRow
}

type fieldState uint8

const (
	fieldStart fieldState = iota // at the start of a field
	unquoted                     // in a field that did not open with a quote
	quoted                       // in a quoted field
	quoteSeen                    // a quote in a quoted field: its end, or the first of two
)

func newRowCutter(w *bufio.Writer, delim byte, max int64) *rowCutter {
	return &rowCutter{w: w, special: "\"\r\n" + string(delim), delim: delim, max: max, line: 1}
}

func (c *rowCutter) feed(b []byte) {
	for len(b) > 0 && c.err == nil {
		if c.cr {
			c.cr = false
			if b[0] == '\n' {
				c.add(b[:1])
				b = b[1:]
				c.lineEnd("\r\n")
			} else {
				c.lineEnd("\r")
			}
			continue
		}
		i := bytes.IndexAny(b, c.special)
		if i < 0 {
			i = len(b)
		}
		if i > 0 && (c.state == fieldStart || c.state == quoteSeen) {
			c.state = unquoted // text after a closing quote too: DuckDB rejects the line
		}
		if i == len(b) {
			c.add(b)
			return
		}
		c.add(b[:i+1])
		switch ch := b[i]; {
		case ch == '"':
			switch c.state {
			case fieldStart, quoteSeen:
				c.state = quoted
			case quoted:
				c.state = quoteSeen
			}
		case ch == c.delim:
			if c.state != quoted {
				c.state = fieldStart
			}
		case ch == '\n':
			c.lineEnd("\n")
		default: // CR
			c.cr = true
		}
		b = b[i+1:]
	}
}

// add appends p to the record, or only counts it once the record is over
// max.
func (c *rowCutter) add(p []byte) {
	c.size += int64(len(p))
	if c.over {
		c.head = append(c.head, p[:min(len(p), maxRawBytes-len(c.head))]...)
		return
	}
	if c.size <= c.max {
		c.rec = append(c.rec, p...)
		return
	}
	if !c.header {
		c.err = fmt.Errorf("its first line (the header) is over %s", progress.Bytes(c.max))
		return
	}
	c.over = true
	c.head = bytes.Clone(c.rec[:min(len(c.rec), maxRawBytes)])
	c.head = append(c.head, p[:min(len(p), maxRawBytes-len(c.head))]...)
	c.rec = c.rec[:0]
}

// lineEnd ends a line with eol: the record too, outside a quoted field.
func (c *rowCutter) lineEnd(eol string) {
	c.breaks++
	if c.state != quoted {
		c.endRecord(eol)
	}
}

// finish ends a last record that has no line end.
func (c *rowCutter) finish() {
	if c.cr {
		c.cr = false
		c.lineEnd("\r")
	}
	if c.size > 0 && c.err == nil {
		c.endRecord("")
	}
}

// endRecord writes the record ended by eol ("" at the end of the file):
// as read, or as a marker line and an empty line for each line break it
// held, each ended as it was.
func (c *rowCutter) endRecord(eol string) {
	if c.err != nil {
		return
	}
	if !c.over {
		_, c.err = c.w.Write(c.rec)
	} else {
		marker := longRowMarker + strconv.Itoa(len(c.rows))
		if eol != "" { // at the end of the file, nothing follows to keep its number
			marker += strings.Repeat(eol, int(c.breaks))
		}
		_, c.err = c.w.WriteString(marker)
		c.rows = append(c.rows, longRow{line: c.line, size: c.size, head: c.head})
	}
	c.header = true
	c.line += c.breaks
	c.rec, c.size, c.breaks, c.over, c.head, c.state = c.rec[:0], 0, 0, false, nil, fieldStart
	if cap(c.rec) > 4<<20 {
		c.rec = nil // a long row's buffer is not kept for the short ones
	}
}
