package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
)

// joinArrays copies the JSON file at path to out as one array: the file's
// top-level values (arrays written back to back by a collector appending
// pages, and objects, which PowerShell writes for a one-record page) become
// the elements of a single array, in order, so that DuckDB's array reader
// can read the file on every thread. It returns how many top-level values
// the file holds. It does not validate the records (DuckDB does); anything
// at the top level other than arrays, objects and whitespace is an error,
// and the file is then left to the careful path. A UTF-8 BOM and the space
// between tokens are dropped.
//
// Microsoft-Extractor-Suite writes each Graph page with Out-File -Append,
// so its files hold several arrays whenever pages come faster than a
// second: on 66 k records in 33 such files this took the load from 22.3 s
// (record by record in Go) to DuckDB's speed (issue 5).
func joinArrays(path, out string) (values int, err error) {
	in, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	return joinInto(in, path, out)
}

// joinInto writes what r holds (path names it in errors) to out as
// joinArrays does, and returns how many top-level values it held.
func joinInto(r io.Reader, path, out string) (values int, err error) {
	f, err := os.Create(out)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	j := &joiner{w: w, line: 1}
	err = j.copy(r, path)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return j.values, err
}

// joiner is the state of joinArrays between reads.
type joiner struct {
	w       *bufio.Writer
	line    int64
	values  int  // top-level values seen
	depth   int  // nesting depth; 1 inside a top-level array or object
	topArr  bool // the current top-level value is an array
	str     bool // inside a string
	esc     bool // the previous byte in a string was a backslash
	started bool // an element has been written
	pending bool // a top-level array was opened and has no element yet
}

// joinChunk is how much joinArrays reads at a time (tests make it small).
var joinChunk = 1 << 20

func (j *joiner) copy(r io.Reader, path string) error {
	j.w.WriteByte('[')
	head := make([]byte, 3)
	n, err := io.ReadFull(r, head)
	if string(head[:n]) != "\xef\xbb\xbf" {
		if cerr := j.chunk(head[:n], path); cerr != nil {
			return cerr
		}
	}
	buf := make([]byte, joinChunk)
	for err == nil {
		n, err = io.ReadFull(r, buf)
		if cerr := j.chunk(buf[:n], path); cerr != nil {
			return cerr
		}
	}
	if err != io.EOF && err != io.ErrUnexpectedEOF {
		return err
	}
	if j.depth != 0 || j.str {
		return fmt.Errorf("%s: the file ends inside a JSON value (line %d)", path, j.line)
	}
	return j.w.WriteByte(']')
}

// chunk copies b, dropping the brackets of top-level arrays and the space
// between tokens, and writing a comma between elements.
func (j *joiner) chunk(b []byte, path string) error {
	keep := 0 // start of the bytes not yet written
	for i := 0; i < len(b); i++ {
		c := b[i]
		if j.str {
			if j.esc {
				j.esc = false
				continue
			}
			// Skip to the next quote; a backslash before it escapes
			// the byte after it.
			end := bytes.IndexByte(b[i:], '"')
			span := b[i:]
			if end >= 0 {
				span = b[i : i+end]
			}
			if bs := bytes.IndexByte(span, '\\'); bs >= 0 {
				i += bs
				j.esc = true
			} else if end >= 0 {
				i += end
				j.str = false
			} else {
				i = len(b)
			}
			continue
		}
		switch c {
		case '\n', ' ', '\t', '\r':
			// Space between tokens is dropped: PowerShell's indentation
			// makes a file 1.7 times the size of its records, and DuckDB
			// reads the compact copy faster.
			j.w.Write(b[keep:i])
			for ; i < len(b) && isJSONSpace(b[i]); i++ {
				if b[i] == '\n' {
					j.line++
				}
			}
			keep = i
			i--
			continue
		case '"':
			j.str = true
		}
		if j.depth == 0 {
			j.w.Write(b[keep:i])
			keep = i + 1
			switch c {
			case '[':
				j.values++
				j.depth, j.topArr, j.pending = 1, true, true
				continue
			case '{':
				j.values++
				j.topArr = false
				if j.started {
					j.w.WriteByte(',')
				}
				j.started = true
				j.w.WriteByte('{')
				j.depth = 1
				continue
			default:
				return fmt.Errorf("%s: line %d: expected a JSON array or object at the top level, found %q", path, j.line, c)
			}
		}
		if j.depth == 1 && j.topArr && j.pending && c != ']' {
			// The first element of a top-level array: a comma if an
			// element came before it.
			j.w.Write(b[keep:i])
			keep = i
			if j.started {
				j.w.WriteByte(',')
			}
			j.started, j.pending = true, false
		}
		switch c {
		case '[', '{':
			j.depth++
		case ']', '}':
			j.depth--
			if j.depth == 0 && j.topArr {
				// Drop the closing bracket of a top-level array.
				j.w.Write(b[keep:i])
				keep = i + 1
			}
		}
	}
	_, err := j.w.Write(b[keep:])
	return err
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }
