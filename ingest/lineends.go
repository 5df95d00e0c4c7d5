package ingest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// DuckDB 1.5.6's CSV reader, strict by default, fails a whole file whose
// line endings are mixed: a CRLF file with one LF line, most often the blank
// line an editor or `echo >>` adds at the end ("The CSV Parser state machine
// reached an invalid state"). Read less strictly it takes such a file, but
// also takes a row with a column too many without a word, dropping the
// extra cell, so it stays strict; a file it fails this way is read again
// from a copy whose line endings outside quoted fields are all LF
// (withLineEnds). Quoted fields keep theirs, and every line keeps its
// number.

// mixedLineEnds says whether err is DuckDB's failure on mixed line endings.
func mixedLineEnds(err error) bool {
	return err != nil && strings.Contains(err.Error(), "CSV Parser state machine reached an invalid state")
}

// withLineEnds runs read, and when it fails on mixed line endings, runs it
// again over a copy of src's file with LF line endings (once per source).
// It first takes out the rows too long to read (cutLongRows).
func (l *loader) withLineEnds(ctx context.Context, src *source, read func() error) error {
	if err := l.cutLongRows(src); err != nil {
		return err
	}
	err := read()
	if !mixedLineEnds(err) || src.lfCopy || ctx.Err() != nil {
		return err
	}
	fixed := filepath.Join(l.tmp, fmt.Sprintf("lf-%06d.csv", src.id))
	if ferr := lfLineEnds(src.sniff.disk, fixed); ferr != nil {
		return spaceError(ferr, l.opts.TempDir)
	}
	src.sniff.disk, src.lfCopy = fixed, true
	src.note("line endings mixed (CRLF and LF, as when a blank line is added at the end): read from a copy with LF line endings")
	return read()
}

// lfLineEnds copies the CSV file in to out with every line ending outside
// quoted fields ("\r\n", "\r") written as "\n".
func lfLineEnds(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	o, err := os.Create(out)
	if err != nil {
		return err
	}
	r, w := bufio.NewReaderSize(f, 1<<20), bufio.NewWriterSize(o, 1<<20)
	quoted := false
	for {
		c, err := r.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			o.Close()
			return err
		}
		switch {
		case c == '"':
			quoted = !quoted // a doubled quote inside a field toggles twice
		case !quoted && c == '\r':
			if next, _ := r.Peek(1); len(next) == 1 && next[0] == '\n' {
				continue // the \n after it is written
			}
			c = '\n'
		}
		if err := w.WriteByte(c); err != nil {
			o.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		o.Close()
		return err
	}
	return o.Close()
}
