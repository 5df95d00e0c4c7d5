package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Loaders of shapes that are not Graph records (diagnostic settings, Log
// Analytics, the unified audit log) rewrite each input record as a
// Graph-shaped record and hand the result to the Graph mapping in graph.sql,
// so every format shares one mapping, one reject path and one dedup.

// graphSink collects Graph-shaped records of one source as NDJSON, each line
// tagged with its record number so rejected rows keep their place.
type graphSink struct {
	src     *source
	badUTF8 map[int64]bool // records whose invalid UTF-8 was replaced
	path    string
	f       *os.File
	w       *bufio.Writer
	// Rejects are spooled to a file and written at close: the database has
	// one connection, and loaders query it (csvTable) while records flow.
	rejPath string
	rejF    *os.File
	rejW    *bufio.Writer
	l       *loader
	// other counts records that are valid but not sign-ins, by what they are
	// (an audit category, a table, an operation).
	other map[string]int64
	// otherW spools those records as rejects (with their raw text, bounded),
	// used only when the file turns out to be a mixed export (see close).
	otherF *os.File
	otherW *bufio.Writer
}

func (l *loader) newGraphSink(ctx context.Context, src *source) (*graphSink, error) {
	path := filepath.Join(l.tmp, fmt.Sprintf("records-%d.ndjson", src.id))
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	rejPath := path + ".rejects"
	rf, err := os.Create(rejPath)
	if err != nil {
		f.Close()
		return nil, err
	}
	of, err := os.Create(path + ".other")
	if err != nil {
		f.Close()
		rf.Close()
		return nil, err
	}
	return &graphSink{src: src, path: path, f: f, w: bufio.NewWriterSize(f, 1<<20), rejPath: rejPath, rejF: rf,
		rejW: bufio.NewWriter(rf), l: l, other: map[string]int64{}, otherF: of, otherW: bufio.NewWriter(of)}, nil
}

// put writes one record. meta holds the envelope members (__tenant,
// __event_type, __mfa_satisfied); body is a JSON object with Graph members
// as json.Marshal writes it: compact, so it is copied as it is (compacting it
// again cost a twentieth of a Log Analytics load, issue 5).
func (g *graphSink) put(rec int64, meta map[string]string, body json.RawMessage) error {
	g.w.WriteString(`{"__rec":`)
	g.w.WriteString(strconv.FormatInt(rec, 10))
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if meta[k] == "" {
			continue
		}
		v, _ := json.Marshal(meta[k])
		g.w.WriteString(`,"` + k + `":`)
		g.w.Write(v)
	}
	b := []byte(body)
	if !utf8.Valid(b) {
		// Keep the evidence: bad bytes become U+FFFD, and the note says so.
		b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
		g.replacedUTF8(rec)
	}
	g.src.staged++
	if len(b) > 2 {
		g.w.WriteByte(',')
		g.w.Write(b[1:])
	} else {
		g.w.WriteByte('}')
	}
	return g.w.WriteByte('\n')
}

// putMap writes a record built member by member.
func (g *graphSink) putMap(rec int64, meta map[string]string, m map[string]any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return g.reject(rec, fmt.Sprintf("record %d: %v", rec, err), nil)
	}
	return g.put(rec, meta, b)
}

type spooledReject struct {
	Rec    int64  `json:"r"`
	Reason string `json:"m"`
	Raw    []byte `json:"b,omitempty"`
}

func (g *graphSink) reject(rec int64, reason string, raw []byte) error {
	return spoolReject(g.rejW, rec, reason, raw)
}

func spoolReject(w *bufio.Writer, rec int64, reason string, raw []byte) error {
	b, err := json.Marshal(spooledReject{rec, reason, bounded(raw)})
	if err != nil {
		return err
	}
	w.Write(b)
	return w.WriteByte('\n')
}

// writeRejects moves the spooled rejects into rejected_rows.
func (g *graphSink) writeRejects(ctx context.Context) error {
	if err := g.rejW.Flush(); err != nil {
		return err
	}
	if _, err := g.rejF.Seek(0, io.SeekStart); err != nil {
		return err
	}
	b, err := g.l.newRejectBatch(ctx, g.src)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(g.rejF)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r spooledReject
		if err = json.Unmarshal(sc.Bytes(), &r); err != nil {
			break
		}
		if err = b.add(r.Rec, r.Reason, r.Raw); err != nil {
			break
		}
	}
	if err == nil {
		err = sc.Err()
	}
	if cerr := b.close(); err == nil {
		err = cerr
	}
	return err
}

// notSignin notes a valid record that is not a sign-in (what names it).
// raw gives its text, for the rejected row it becomes in a mixed export; nil
// when such records are never rejected (the unified audit log).
func (g *graphSink) notSignin(rec int64, what string, raw func() []byte) error {
	g.other[what]++
	if raw == nil {
		return nil
	}
	return spoolReject(g.otherW, rec, fmt.Sprintf("record %d: %s is not a sign-in log", rec, what), raw())
}

// close flushes the records. Records that are not sign-ins become rejected
// rows when the file also holds sign-ins (a mixed export: the user should
// know part of it was not used); when the file holds none, the whole file is
// another kind of log and its records are counted as ignored with a note.
// ignoreAlways is for sources where non-sign-in records are the normal case
// (the unified audit log): they are always ignored, never rejected.
func (g *graphSink) close(ctx context.Context, signins int64, ignoreAlways bool, kind string) error {
	var err error
	if len(g.badUTF8) > 0 {
		g.src.noteReplacedUTF8(len(g.badUTF8))
	}
	if len(g.other) > 0 && !g.src.ignoreOther(g.other, signins, ignoreAlways, kind) {
		if err = g.otherW.Flush(); err == nil {
			if _, err = g.otherF.Seek(0, io.SeekStart); err == nil {
				_, err = io.Copy(g.rejW, g.otherF)
			}
		}
	}
	if err == nil {
		err = g.writeRejects(ctx)
	}
	if cerr := g.rejF.Close(); err == nil {
		err = cerr
	}
	if cerr := g.otherF.Close(); err == nil {
		err = cerr
	}
	if ferr := g.w.Flush(); err == nil {
		err = ferr
	}
	if cerr := g.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ignoreOther counts other, the records of src that are valid but not
// sign-ins by what they are, as ignored with a note naming the most frequent
// five, and says whether it did: not when the file also holds sign-ins and
// ignoreAlways is false (a mixed export: close makes them rejected rows).
func (src *source) ignoreOther(other map[string]int64, signins int64, ignoreAlways bool, kind string) bool {
	if !ignoreAlways && signins > 0 {
		return false
	}
	var total int64
	whats := make([]string, 0, len(other))
	for what, n := range other {
		total += n
		whats = append(whats, what)
	}
	// Most frequent first, at most five named.
	sort.Slice(whats, func(i, j int) bool {
		if other[whats[i]] != other[whats[j]] {
			return other[whats[i]] > other[whats[j]]
		}
		return whats[i] < whats[j]
	})
	var parts []string
	for i, what := range whats {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("%d other kinds", len(whats)-5))
			break
		}
		parts = append(parts, fmt.Sprintf("%d %s", other[what], what))
	}
	src.ignored += total
	if signins == 0 && !ignoreAlways {
		src.note("no sign-ins: all %d records are other %s (%s); ignored", total, kind, strings.Join(parts, ", "))
	} else {
		src.note("%d %s records that are not sign-ins ignored (%s)", total, kind, strings.Join(parts, ", "))
	}
	return true
}

// loadSink maps the sink's records through graph.sql into the canonical tables.
func (l *loader) loadSink(ctx context.Context, src *source, g *graphSink) error {
	if err := l.setGraphVars(ctx, src); err != nil {
		return err
	}
	if err := l.readNumbered(ctx, g.path); err != nil {
		return err
	}
	return l.mapGraph(ctx, src, &g.path)
}

// openJSON opens the UTF-8 text of a JSON source, past any BOM.
func openJSON(src *source) (io.ReadCloser, error) {
	in, err := os.Open(src.sniff.disk)
	if err != nil {
		return nil, err
	}
	if src.sniff.encoding == "utf-8-bom" {
		if _, err := in.Seek(3, io.SeekStart); err != nil {
			in.Close()
			return nil, err
		}
	}
	return in, nil
}

// eachJSON calls fn with every well-formed JSON object of src and its
// members; broken records are rejected through the sink. It counts records
// read.
func eachJSON(src *source, g *graphSink, fn func(rec int64, obj map[string]json.RawMessage, raw []byte) error) error {
	return eachJSONRecord(src, g, func(rec int64, raw []byte) error {
		obj, _ := topMembers(raw)
		return fn(rec, obj, raw)
	})
}

// eachJSONRecord is eachJSON for callers that take the record apart
// themselves: raw is valid JSON, an object or null.
func eachJSONRecord(src *source, g *graphSink, fn func(rec int64, raw []byte) error) error {
	in, err := openJSON(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return splitJSON(in, src.sniff.ndjson, func(r jsonRecord) error {
		src.read++
		if r.Err != "" {
			return g.reject(r.N, fmt.Sprintf("record %d (line %d): %s", r.N, r.Line, r.Err), r.Raw)
		}
		// Valid JSON (splitJSON checked it): an object or null is what
		// topMembers takes.
		if i := skipSpace(r.Raw, 0); !bytes.HasPrefix(r.Raw[i:], []byte("{")) && !bytes.HasPrefix(r.Raw[i:], []byte("null")) {
			return g.reject(r.N, fmt.Sprintf("record %d (line %d): expected a JSON object", r.N, r.Line), r.Raw)
		}
		if !utf8.Valid(r.Raw) {
			// Decoded by encoding/json, whose strings hold U+FFFD for
			// them (Log Analytics, the audit log): noted like put's.
			g.replacedUTF8(r.N)
		}
		return fn(r.N, r.Raw)
	})
}

// noteReplacedUTF8 tells the inputs table that n records held bytes that
// are not UTF-8, kept as U+FFFD.
func (s *source) noteReplacedUTF8(n int) {
	s.replacedUTF8 += int64(n)
	s.note("%d %s held invalid UTF-8; the bad bytes were replaced with U+FFFD", n, plural(int64(n), "record", "records"))
}

// plural is one when n is 1, else many.
func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// replacedUTF8 counts a record whose bad bytes became U+FFFD, once.
func (g *graphSink) replacedUTF8(rec int64) {
	if g.badUTF8 == nil {
		g.badUTF8 = map[int64]bool{}
	}
	g.badUTF8[rec] = true
}

// jsonText returns a JSON member as text: a string's content, or the raw
// JSON of numbers, booleans, objects and arrays; "" for null or absent.
func jsonText(v json.RawMessage) string {
	t := bytes.TrimSpace(v)
	if len(t) == 0 || string(t) == "null" {
		return ""
	}
	if t[0] == '"' {
		// A string without escapes is its own text (the value comes from a
		// decoded, so validated, object); decoding it again was a sixth of
		// a Log Analytics JSON load (issue 5). Invalid UTF-8 still goes
		// through the decoder, which replaces it as before. Taken apart as
		// bytes, the text is copied once.
		if len(t) >= 2 && t[len(t)-1] == '"' {
			if in := t[1 : len(t)-1]; plainJSONString(in) {
				return string(in)
			}
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	return string(t)
}

// plainJSONString says whether s, between quotes, is a JSON string that
// decodes to itself: valid UTF-8 with no backslash, quote or control byte.
func plainJSONString(s []byte) bool {
	for _, c := range s {
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.Valid(s)
}

// signinCategories maps a diagnostic settings category or a Log Analytics
// table name (lower-case) to the event type (FORMATS.md §4, §5, §9.5).
var signinCategories = map[string]string{
	"signinlogs":                          "interactive",
	"noninteractiveusersigninlogs":        "non_interactive",
	"aadnoninteractiveusersigninlogs":     "non_interactive",
	"serviceprincipalsigninlogs":          "service_principal",
	"microsoftserviceprincipalsigninlogs": "service_principal",
	"aadserviceprincipalsigninlogs":       "service_principal",
	"managedidentitysigninlogs":           "managed_identity",
	"aadmanagedidentitysigninlogs":        "managed_identity",
}

// topMembers splits raw, a JSON value already known to be valid (the
// splitter checks each record), into its top-level members, as
// json.Unmarshal into a map[string]json.RawMessage does: each value's exact
// bytes, the last of repeated names, nil for null. ok is false when raw is
// not an object. Unmarshal validated the record a second time and decoded
// it with reflection: a third of a Log Analytics JSON load (issue 5).
func topMembers(raw []byte) (map[string]json.RawMessage, bool) {
	if bytes.HasPrefix(raw[skipSpace(raw, 0):], []byte("null")) {
		return nil, true
	}
	obj := map[string]json.RawMessage{}
	if !eachTopMember(raw, func(key string, v json.RawMessage) { obj[key] = v }) {
		return nil, false
	}
	return obj, true
}

// eachTopMember calls fn with each top-level member of the object raw, in
// the record's order (a member named twice, twice), and says whether raw is
// an object (or null, which has none).
func eachTopMember(raw []byte, fn func(key string, v json.RawMessage)) bool {
	i := skipSpace(raw, 0)
	if bytes.HasPrefix(raw[i:], []byte("null")) {
		return true
	}
	if i >= len(raw) || raw[i] != '{' {
		return false
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return true
	}
	for i < len(raw) {
		end := stringEnd(raw, i)
		key := jsonText(raw[i:end])
		i = skipSpace(raw, end)
		i = skipSpace(raw, i+1) // the colon
		vend := valueEnd(raw, i)
		if vend <= i {
			return false
		}
		fn(key, json.RawMessage(raw[i:vend:vend]))
		i = skipSpace(raw, vend)
		if i >= len(raw) || raw[i] == '}' {
			break
		}
		i = skipSpace(raw, i+1) // the comma
	}
	return true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the JSON string starting at b[i].
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); {
		k := bytes.IndexAny(b[j:], `"\`)
		if k < 0 {
			return len(b)
		}
		j += k
		if b[j] == '\\' {
			j += 2
			continue
		}
		return j + 1
	}
	return len(b)
}

// valueEnd returns the index just past the JSON value starting at b[i].
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); {
			switch b[j] {
			case '"':
				j = stringEnd(b, j)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
			j++
		}
		return len(b)
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	return j
}
