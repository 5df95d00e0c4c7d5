package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxRecordBytes bounds one JSON record held in memory while splitting.
const maxRecordBytes = 64 << 20

// maxJSONDepth bounds nesting; deeper records are rejected, not parsed.
const maxJSONDepth = 256

// jsonRecord is one record found by splitJSON.
type jsonRecord struct {
	N    int64  // 1-based ordinal of the record in the file
	Line int64  // 1-based line where the record starts
	Raw  []byte // the record's bytes (bounded when Err is set)
	Err  string // why the record cannot be used; empty when Raw is valid JSON
}

// splitJSON streams the records of a JSON file whatever its shape: a bare
// array, several arrays back to back (PowerShell appending pages), NDJSON, a
// single object, or a wrapper object whose "value" (Graph page) or "records"
// (Event Hub capture) member holds the array. Broken records are reported
// through fn with Err set and splitting goes on with the next record, so one
// bad record never hides the others. ndjson switches to line mode: each
// non-blank line is one record, which keeps a broken line from swallowing the
// lines after it.
func splitJSON(r io.Reader, ndjson bool, fn func(jsonRecord) error) error {
	s := &splitter{r: bufio.NewReaderSize(r, 1<<20), line: 1, fn: fn}
	if ndjson {
		return s.lines()
	}
	return s.values()
}

type splitter struct {
	r    *bufio.Reader
	line int64
	n    int64
	fn   func(jsonRecord) error
}

func (s *splitter) emit(line int64, raw []byte, msg string) error {
	s.n++
	if msg == "" && !json.Valid(raw) {
		msg = "invalid JSON: " + jsonSyntaxError(raw)
	}
	if msg != "" {
		raw = bounded(raw)
	}
	return s.fn(jsonRecord{N: s.n, Line: line, Raw: raw, Err: msg})
}

func (s *splitter) lines() error {
	for {
		b, err := s.r.ReadBytes('\n')
		line := s.line
		s.line++
		if t := bytes.TrimSpace(b); len(t) > 0 {
			msg := ""
			switch {
			case t[0] != '{':
				msg = "expected a JSON object on this line"
			case len(t) > maxRecordBytes:
				msg = fmt.Sprintf("record larger than %d bytes", maxRecordBytes)
			case depthOf(t) > maxJSONDepth:
				msg = fmt.Sprintf("JSON nested deeper than %d levels", maxJSONDepth)
			}
			if ferr := s.emit(line, t, msg); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// values walks top-level values.
func (s *splitter) values() error {
	for {
		c, err := s.skipSpace()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch c {
		case '[':
			if err := s.array(); err != nil {
				return err
			}
		case '{':
			line := s.line
			raw, msg, err := s.capture('{')
			if err != nil {
				return err
			}
			if msg == "" {
				if inner, ok := wrapped(raw); ok {
					sub := &splitter{r: bufio.NewReader(bytes.NewReader(inner)), line: line, n: s.n, fn: s.fn}
					if _, err := sub.skipSpace(); err != nil {
						return err
					}
					if err := sub.array(); err != nil {
						return err
					}
					s.n = sub.n
					continue
				}
			}
			if err := s.emit(line, raw, msg); err != nil {
				return err
			}
		default:
			line := s.line
			rest, _ := s.r.ReadBytes('\n')
			s.line++
			if err := s.emit(line, append([]byte{c}, rest...), "expected a JSON object or array"); err != nil {
				return err
			}
		}
	}
}

// array reads the elements of an array whose '[' was consumed.
func (s *splitter) array() error {
	for {
		c, err := s.skipSpace()
		if err == io.EOF {
			return s.emit(s.line, nil, "truncated: the file ends inside a JSON array")
		}
		if err != nil {
			return err
		}
		switch c {
		case ']':
			return nil
		case ',':
			continue
		}
		line := s.line
		raw, msg, err := s.capture(c)
		if err != nil {
			return err
		}
		if msg == "" && c != '{' {
			msg = "expected a JSON object in the array"
		}
		if err := s.emit(line, raw, msg); err != nil {
			return err
		}
		if msg != "" && bytes.HasPrefix([]byte(msg), []byte("truncated")) {
			return nil
		}
	}
}

// capture reads one value whose first byte c was consumed, tracking strings
// and nesting without parsing; validation happens in emit.
func (s *splitter) capture(c byte) ([]byte, string, error) {
	buf := []byte{c}
	depth, maxDepth := 0, 0
	if c == '{' || c == '[' {
		depth, maxDepth = 1, 1
	}
	inString := c == '"'
	escaped := false
	for depth > 0 || inString || (c != '{' && c != '[' && c != '"') {
		if inString && !escaped {
			// Copy the string's plain bytes up to the next quote,
			// backslash or line break in one go: byte by byte, the
			// splitter was a tenth of a Log Analytics JSON load (issue 5).
			if k := plainRun(s.r); k > 0 {
				p, _ := s.r.Peek(k)
				if room := maxRecordBytes - len(buf); room > 0 {
					buf = append(buf, p[:min(k, room)]...)
				}
				s.r.Discard(k)
				continue
			}
		}
		b, err := s.r.ReadByte()
		if err == io.EOF {
			return bounded(buf), "truncated: the file ends inside a JSON value", nil
		}
		if err != nil {
			return nil, "", err
		}
		if b == '\n' {
			s.line++
		}
		if len(buf) < maxRecordBytes {
			buf = append(buf, b)
		}
		switch {
		case inString:
			if escaped {
				escaped = false
			} else if b == '\\' {
				escaped = true
			} else if b == '"' {
				inString = false
				if depth == 0 {
					return buf, "", nil
				}
			}
		case b == '"':
			inString = true
		case b == '{' || b == '[':
			depth++
			if depth > maxDepth {
				maxDepth = depth
			}
		case b == '}' || b == ']':
			depth--
			if depth < 0 { // a scalar ended by the array's closing bracket
				s.r.UnreadByte()
				return buf[:len(buf)-1], "", nil
			}
		case depth == 0 && (b == ',' || b == '\n'):
			if b != '\n' {
				s.r.UnreadByte()
			}
			return bytes.TrimSpace(buf[:len(buf)-1]), "", nil
		}
	}
	switch {
	case len(buf) >= maxRecordBytes:
		return bounded(buf), fmt.Sprintf("record larger than %d bytes", maxRecordBytes), nil
	case maxDepth > maxJSONDepth:
		return bounded(buf), fmt.Sprintf("JSON nested deeper than %d levels", maxJSONDepth), nil
	}
	return buf, "", nil
}

// plainRun is how many of r's buffered bytes come before the first quote,
// backslash or line break (all of them when there is none).
func plainRun(r *bufio.Reader) int {
	p, _ := r.Peek(r.Buffered())
	if q := bytes.IndexByte(p, '"'); q >= 0 {
		p = p[:q]
	}
	if b := bytes.IndexByte(p, '\\'); b >= 0 {
		p = p[:b]
	}
	if n := bytes.IndexByte(p, '\n'); n >= 0 {
		p = p[:n]
	}
	return len(p)
}

func (s *splitter) skipSpace() (byte, error) {
	for {
		b, err := s.r.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case '\n':
			s.line++
		case ' ', '\t', '\r':
		default:
			return b, nil
		}
	}
}

// wrapped returns the array inside a Graph page ({"value": [...]}) or an
// Event Hub capture ({"records": [...]}).
func wrapped(obj []byte) ([]byte, bool) {
	if !bytes.Contains(obj, []byte(`"value"`)) && !bytes.Contains(obj, []byte(`"records"`)) {
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		return nil, false
	}
	for _, k := range []string{"value", "records"} {
		if v, ok := m[k]; ok {
			v = bytes.TrimSpace(v)
			if len(v) > 0 && v[0] == '[' {
				return v, true
			}
		}
	}
	return nil, false
}

func depthOf(b []byte) int {
	depth, maxDepth := 0, 0
	inString, escaped := false, false
	for _, c := range b {
		switch {
		case inString:
			if escaped {
				escaped = false
			} else if c == '\\' {
				escaped = true
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > maxDepth {
				maxDepth = depth
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return maxDepth
}

func jsonSyntaxError(b []byte) string {
	var v any
	err := json.Unmarshal(b, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s at byte %d of the record", se.Error(), se.Offset)
	}
	if err != nil {
		return err.Error()
	}
	return "unknown error"
}

// maxRawBytes bounds the raw text kept for a rejected row.
const maxRawBytes = 4096

func bounded(b []byte) []byte {
	if len(b) > maxRawBytes {
		return b[:maxRawBytes]
	}
	return b
}
