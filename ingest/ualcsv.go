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

// ualCSV is how the Go reader takes a line of an audit CSV apart.
type ualCSV struct {
	delim byte
	// cells is the header's count of cells, audit the AuditData cell's
	// place among them.
	cells, audit int
}

// ualCSVHeader reads an audit CSV's header line (its line end included or
// not): the reader, or why the Go reader does not take the file (no
// AuditData column, or two: DuckDB renames the second, and the SQL path
// reads the file as the careful path does).
func ualCSVHeader(line []byte, delim byte) (ualCSV, string) {
	c := ualCSV{delim: delim, audit: -1}
	line = trimLineEnd(line)
	var cell []byte
	for i := 0; ; i++ {
		var why string
		var end bool
		cell, line, end, why = c.nextCell(line, cell[:0], true)
		if why != "" {
			return c, "header: " + why
		}
		if normHeader(string(cell)) == "auditdata" {
			if c.audit >= 0 {
				return c, "header: two AuditData columns"
			}
			c.audit = i
		}
		if end {
			c.cells = i + 1
			break
		}
	}
	if c.audit < 0 {
		return c, "header: no AuditData column"
	}
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
	switch {
	case len(line) == 0:
		return nil, buf, "a blank line"
	case len(line) >= csvMaxLine-2:
		return nil, buf, fmt.Sprintf("a line of %d bytes or more", csvMaxLine-2)
	case bytes.IndexByte(line, '\r') >= 0:
		return nil, buf, "a carriage return inside a line"
	case !utf8.Valid(line):
		return nil, buf, "bytes that are not UTF-8"
	}
	var audit []byte
	rest := line
	for i := 0; ; i++ {
		var cell []byte
		var end bool
		var why string
		cell, rest, end, why = c.nextCell(rest, buf[:0], i == c.audit)
		if why != "" {
			return nil, buf, why
		}
		if i == c.audit {
			audit, buf = cell, cell
		}
		if end {
			if i+1 != c.cells {
				return nil, buf, fmt.Sprintf("%d cells where the header has %d", i+1, c.cells)
			}
			return audit, buf, ""
		}
		if i+1 >= c.cells {
			return nil, buf, fmt.Sprintf("more cells than the header's %d", c.cells)
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
