package ingest

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// The audit CSV read in Go (issue 5): a Purview export's lines go through
// the same table function as AuditData JSON lines (ualGoJob), each split
// into its cells here and its AuditData cell read by ualCell, so that
// graph.sql's insert into signins reads the file once, with no stage. The
// reader takes only what DuckDB's read (csvTextRead, which the SQL path
// and the careful path both use) reads the same way: one record a line,
// each cell plain or quoted as RFC 4180 writes it, as many cells as the
// header. Anything else halts the read as a matter of shape
// (ualGoJob.haltShape) and the SQL path reads the file: a quoted line
// break, a blank line (DuckDB skips it, which shifts the numbers), a quote
// inside a plain cell (DuckDB keeps it), a carriage return that does not
// end a line, a line of csvMaxLine or more, bytes that are not UTF-8.

// ualCSV is how the Go reader takes a line of a CSV apart (an audit
// export's, or a Log Analytics export's: lago.go).
type ualCSV struct {
	delim byte
	// cells is the header's count of cells, keep marks those the reader
	// gives, audit is the AuditData cell's place among them (an audit
	// export's).
	cells, audit int
	keep         []bool
}

// csvHeaderCells reads a CSV header line (its line end included or not)
// into its cells, or says why the Go reader does not take it.
func csvHeaderCells(line []byte, delim byte) ([]string, string) {
	c := ualCSV{delim: delim}
	line = trimLineEnd(line)
	var names []string
	var cell []byte
	for {
		var why string
		var end bool
		cell, line, end, why = c.nextCell(line, cell[:0], true)
		if why != "" {
			return nil, "header: " + why
		}
		names = append(names, string(cell))
		if end {
			return names, ""
		}
	}
}

// ualCSVHeader reads an audit CSV's header line (its line end included or
// not): the reader, or why the Go reader does not take the file (no
// AuditData column, or two: DuckDB renames the second, and the SQL path
// reads the file as the careful path does).
func ualCSVHeader(line []byte, delim byte) (ualCSV, string) {
	names, why := csvHeaderCells(line, delim)
	c := ualCSV{delim: delim, cells: len(names), audit: -1, keep: make([]bool, len(names))}
	if why != "" {
		return c, why
	}
	for i, name := range names {
		if normHeader(name) == "auditdata" {
			if c.audit >= 0 {
				return c, "header: two AuditData columns"
			}
			c.audit = i
		}
	}
	if c.audit < 0 {
		return c, "header: no AuditData column"
	}
	c.keep[c.audit] = true
	return c, ""
}

// trimLineEnd takes a line's end ("\n", "\r\n") off.
func trimLineEnd(line []byte) []byte {
	line = bytes.TrimSuffix(line, []byte{'\n'})
	return bytes.TrimSuffix(line, []byte{'\r'})
}

// cell returns the AuditData cell of one line (its end taken off), its
// quotes undone into buf (reused), or why the Go reader does not take the
// line ("" when it does).
func (c ualCSV) cell(line, buf []byte) ([]byte, []byte, string) {
	var one [1][]byte
	cells, buf, why := c.split(line, buf, one[:0])
	if why != "" {
		return nil, buf, why
	}
	return cells[0], buf, ""
}

// split appends the cells of one line (its end taken off) that c.keep
// marks to out, their quotes undone into buf (reused), or says why the Go
// reader does not take the line ("" when it does).
func (c ualCSV) split(line, buf []byte, out [][]byte) ([][]byte, []byte, string) {
	switch {
	case len(line) == 0:
		return out, buf, "a blank line"
	case len(line) >= csvMaxLine-2:
		return out, buf, fmt.Sprintf("a line of %d bytes or more", csvMaxLine-2)
	case bytes.IndexByte(line, '\r') >= 0:
		return out, buf, "a carriage return inside a line"
	case !utf8.Valid(line):
		return out, buf, "bytes that are not UTF-8"
	}
	buf = buf[:0]
	rest := line
	for i := 0; ; i++ {
		keep := c.keep[i]
		start := len(buf)
		var cell []byte
		var end bool
		var why string
		cell, rest, end, why = c.nextCell(rest, buf, keep)
		if why != "" {
			return out, buf, why
		}
		if keep {
			buf = cell
			out = append(out, cell[start:])
		}
		if end {
			if i+1 != c.cells {
				return out, buf, fmt.Sprintf("%d cells where the header has %d", i+1, c.cells)
			}
			return out, buf, ""
		}
		if i+1 >= c.cells {
			return out, buf, fmt.Sprintf("more cells than the header's %d", c.cells)
		}
	}
}

// nextCell takes the first cell off line: its text (appended to buf, its
// quotes undone, when keep is set; nil otherwise), the rest of the line
// after its delimiter, whether it was the line's last cell, or why the Go
// reader does not take it.
func (c ualCSV) nextCell(line, buf []byte, keep bool) (cell, rest []byte, end bool, why string) {
	if len(line) == 0 || line[0] != '"' {
		i := bytes.IndexByte(line, c.delim)
		cell, rest, end = line, nil, true
		if i >= 0 {
			cell, rest, end = line[:i], line[i+1:], false
		}
		if bytes.IndexByte(cell, '"') >= 0 {
			return nil, nil, false, "a quote inside a plain cell"
		}
		if !keep {
			return nil, rest, end, ""
		}
		return append(buf, cell...), rest, end, ""
	}
	// A quoted cell: doubled quotes inside, a delimiter or the line's end
	// after the closing one.
	line = line[1:]
	for {
		i := bytes.IndexByte(line, '"')
		if i < 0 {
			return nil, nil, false, "a quoted cell that goes on past its line"
		}
		if keep {
			buf = append(buf, line[:i]...)
		}
		if i+1 < len(line) && line[i+1] == '"' {
			if keep {
				buf = append(buf, '"')
			}
			line = line[i+2:]
			continue
		}
		line = line[i+1:]
		if !keep {
			buf = nil
		}
		switch {
		case len(line) == 0:
			return buf, nil, true, ""
		case line[0] == c.delim:
			return buf, line[1:], false, ""
		}
		return nil, nil, false, "text after a quoted cell"
	}
}
