package ingest

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// sniffBytes is how much of a file detection looks at; maxSniffBytes how far
// it reads when the first JSON record does not end within sniffBytes.
const (
	sniffBytes    = 1 << 20
	maxSniffBytes = 32 << 20
)

// sniff is what detection knows about a file before loading it.
type sniff struct {
	name     string // base name, lower-case
	encoding string // utf-8, utf-8-bom, utf-16le, utf-16be, windows-1252
	disk     string // UTF-8 file to read (a transcoded temp copy for UTF-16 and Windows-1252)
	head     []byte // first bytes, UTF-8, BOM removed

	isJSON bool
	ndjson bool                       // one object per line
	keys   map[string]json.RawMessage // top-level members of the first JSON record

	header []string // CSV header as written
	wide   int      // columns of a header too wide to be an export (see maxCSVColumns)
	norm   []string // CSV header normalised (see normHeader)
	delim  byte

	scanned bool     // scan holds scanText of disk
	scan    textScan // see text
	// later, when set, is the Windows-1252 check (fromWindows1252) of a
	// CSV whose first MiB is UTF-8, left for checkEncoding (laterEncoding).
	later *encodingCheck

	badUTF16 badUnits // what transcodeUTF16 replaced
}

// bom says whether the file to read (disk) opens with a UTF-8 BOM. Any
// other is UTF-8 without one as far as readers go: as written (whose bytes
// may still not all be UTF-8), or the UTF-8 copy of a UTF-16 or
// Windows-1252 file.
func (s *sniff) bom() bool { return s.encoding == "utf-8-bom" }

// validUTF8 reports whether the file to read (disk) is UTF-8 throughout,
// reading it once (a few tenths of a second per GB from the page cache).
//
// DuckDB 1.5's CSV reader fails with an internal error, which invalidates
// the whole database, when it rejects a line for bytes that are not UTF-8
// (store_rejects) while the read projects fewer columns than the position
// of the column holding them: select d from read_csv(…) with such bytes in
// the fourth column. Reads that take some of a file's columns ask this
// first and read every column of a file that is not UTF-8 throughout.
func (s *sniff) validUTF8() (bool, error) {
	scan, err := s.text()
	return scan.utf8, err
}

// text is scanText of the file to read, read once.
func (s *sniff) text() (textScan, error) {
	if !s.scanned {
		scan, err := scanText(s.disk)
		if err != nil {
			return textScan{}, err
		}
		s.scanned, s.scan = true, scan
	}
	return s.scan, nil
}

// preReads counts the bytes readPieces has read: passes over a file before
// DuckDB reads it, which the progress display leaves out (loadProgress.within).
// One counter for the process, as rchar is: two loads at once in one process
// would each leave out the other's passes too (the CLI runs one load per
// process).
var preReads atomic.Int64

// readPieces reads the file at path in pieces of up to size bytes and hands
// each to fn, after the bytes fn left unused at the end of the one before
// (a character cut by the piece's end); eof is set for the last piece. fn
// returns how many bytes it used (all but a few), and stop to end the read.
func readPieces(path string, size int, fn func(b []byte, eof bool) (used int, stop bool, err error)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, size)
	carry := 0
	for {
		n, rerr := io.ReadFull(f, buf[carry:])
		preReads.Add(int64(n))
		n += carry
		eof := rerr == io.EOF || rerr == io.ErrUnexpectedEOF
		if rerr != nil && !eof {
			return rerr
		}
		used, stop, err := fn(buf[:n], eof)
		if err != nil || stop || eof {
			return err
		}
		carry = copy(buf, buf[used:n])
	}
}

// convertFile writes the file in to out as conv turns it, piece by piece
// (readPieces): conv appends what it makes of b to dst and says how many
// bytes of b it used. It returns the longest row written, as rowRuns
// tells it (exact when longer than 3 × size).
func convertFile(in, out string, size int, conv func(dst, b []byte, eof bool) ([]byte, int)) (int64, error) {
	w, err := os.Create(out)
	if err != nil {
		return 0, err
	}
	defer w.Close()
	var rows rowRuns
	dec := make([]byte, 0, 3*size) // a byte makes at most 3 (Windows-1252), a code unit of 2 as many
	if err := readPieces(in, size, func(b []byte, eof bool) (int, bool, error) {
		var used int
		dec, used = conv(dec[:0], b, eof)
		rows.feed(dec)
		_, err := w.Write(dec)
		return used, false, err
	}); err != nil {
		return 0, err
	}
	return rows.longest(), w.Close()
}

// sniffFile reads the head of a file, transcodes UTF-16 (and a CSV written
// in Windows-1252, fromWindows1252) to a UTF-8 temp copy, and works out
// whether it is JSON or delimited text.
func sniffFile(f inputFile, tmp string, seq int) (*sniff, error) {
	s := &sniff{name: strings.ToLower(filepath.Base(f.display)), disk: f.disk}
	head, err := readHead(f.disk, sniffBytes)
	if err != nil {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}), looksUTF16(head):
		s.encoding = "utf-16le"
		if head[0] == 0xFE || (len(head) > 1 && head[0] == 0 && head[1] != 0) {
			s.encoding = "utf-16be"
		}
		out := filepath.Join(tmp, fmt.Sprintf("utf8-%06d%s", seq, safeExt(f.display)))
		if s.badUTF16, err = transcodeUTF16(f.disk, out, s.encoding == "utf-16be"); err != nil {
			return nil, fmt.Errorf("transcode %s from %s: %w", f.display, s.encoding, err)
		}
		s.disk = out
		if head, err = readHead(out, sniffBytes); err != nil {
			return nil, err
		}
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		s.encoding = "utf-8-bom"
		head = head[3:]
	default:
		s.encoding = "utf-8"
	}
	s.head = head
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 {
		return s, nil
	}
	if trimmed[0] == '{' || trimmed[0] == '[' {
		s.isJSON = true
		if s.encoding == "utf-8" && !validHead(head, len(head) == sniffBytes) {
			// Bytes that are not UTF-8 in the first MiB: read as
			// Windows-1252 now if the file looks it, rather than loaded,
			// found out, and loaded again (loader.asWindows1252).
			scan, err := s.text()
			if err == nil && scan.cp1252 {
				err = s.toWindows1252(filepath.Join(tmp, fmt.Sprintf("cp1252-%06d%s", seq, safeExt(f.display))))
			}
			if err != nil {
				return nil, fmt.Errorf("check the encoding of %s: %w", f.display, err)
			}
			head = s.head
			trimmed = bytes.TrimLeft(head, " \t\r\n")
		}
		s.sniffJSON(trimmed)
		if s.keys == nil && len(head) == sniffBytes {
			// The first record is longer than the usual look: read further
			// (a 1 MB user agent is possible in hostile data).
			if long, err := readHead(s.disk, maxSniffBytes); err == nil {
				s.sniffJSON(bytes.TrimLeft(bytes.TrimPrefix(long, []byte{0xEF, 0xBB, 0xBF}), " \t\r\n"))
			}
		}
		return s, nil
	}
	if s.encoding == "utf-8" {
		// A first MiB in UTF-8 leaves the check of the whole file for
		// later: the Go readers of the Log Analytics and audit CSVs check
		// each line themselves, and read the file once where the check
		// read it once more before them (at 10 M rows, 37 GB from disk:
		// 30 s; issue 5). The loader asks for it (checkEncoding) for any
		// other format, and when such a reader stops.
		s.later = &encodingCheck{display: f.display, tmp: tmp, seq: seq}
		if !validHead(head, len(head) == sniffBytes) {
			if err := s.checkEncoding(); err != nil {
				return nil, err
			}
		}
	}
	s.sniffCSV()
	return s, nil
}

// encodingCheck is a Windows-1252 check sniffFile left for later.
type encodingCheck struct {
	display, tmp string
	seq          int
}

// checkEncoding runs the Windows-1252 check sniffFile left for later, if
// it left one: a CSV that is not UTF-8 and reads as Windows-1252 is read
// from a UTF-8 copy from then on (fromWindows1252). A first MiB in UTF-8
// (as sniffFile leaves it) is ASCII if the file reads as Windows-1252, so
// the detection made on it stands.
func (s *sniff) checkEncoding() error {
	c := s.later
	if c == nil {
		return nil
	}
	s.later = nil
	if err := s.fromWindows1252(c.display, c.tmp, c.seq); err != nil {
		return fmt.Errorf("check the encoding of %s: %w", c.display, err)
	}
	return nil
}

// fromWindows1252 reads a text file that is not JSON once through
// (text), and when it is not UTF-8, holds no character beyond ASCII
// written in UTF-8, and its first line reads as a header in Windows-1252,
// transcodes it into a UTF-8 temp copy, as for UTF-16. Excel's "CSV (Comma
// delimited)", and its semicolon form, saves in the system's ANSI code page:
// an export or a register re-saved there has each accent as one byte, and
// each line holding one would be rejected. A file that also holds UTF-8
// characters is UTF-8 with bad bytes, and is read as such.
func (s *sniff) fromWindows1252(display, tmp string, seq int) error {
	scan, err := s.text()
	if err != nil || scan.utf8 || !scan.cp1252 {
		return err
	}
	line := s.head
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	header, err := charmap.Windows1252.NewDecoder().String(strings.TrimRight(string(line), "\r"))
	if err != nil || !strings.ContainsAny(header, ",;\t") || strings.ContainsFunc(header, func(r rune) bool {
		return r == utf8.RuneError || (unicode.IsControl(r) && r != '\t')
	}) {
		return nil
	}
	return s.toWindows1252(filepath.Join(tmp, fmt.Sprintf("cp1252-%06d%s", seq, safeExt(display))))
}

// toWindows1252 transcodes the file to read from Windows-1252 into a UTF-8
// copy at out, which is read from then on.
func (s *sniff) toWindows1252(out string) error {
	long, err := transcodeWindows1252(s.disk, out)
	if err != nil {
		return err
	}
	head, err := readHead(out, sniffBytes)
	if err != nil {
		return err
	}
	s.disk, s.head, s.encoding, s.scanned, s.scan = out, head, "windows-1252", true, textScan{utf8: true, longRow: long}
	return nil
}

// validHead reports whether a file's first bytes are UTF-8; when more of
// the file follows (cut), a character cut at their end is not held against
// them.
func validHead(b []byte, cut bool) bool {
	if cut {
		b = b[:wholeRunes(b)]
	}
	return utf8.Valid(b)
}

// wholeRunes is the length of b without a character cut at its end.
func wholeRunes(b []byte) int {
	for i := len(b) - 1; i >= 0 && i > len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return i
			}
			break
		}
	}
	return len(b)
}

// textScan is what one read of a file through found: whether it is UTF-8
// throughout, and whether it reads as Windows-1252 text: it holds no
// character beyond ASCII written in UTF-8 (a file that does is UTF-8 with
// bad bytes), none of the five bytes the code page leaves undefined (0x81,
// 0x8D, 0x8F, 0x90, 0x9D), and no UTF-16 byte-order mark (FF FE or FE FF,
// "ÿþ" or "þÿ": a file spliced with a UTF-16 one, not text). A file of
// ASCII only is both. longRow is its longest CSV row (rowRuns) when that is
// longer than a piece read (4 MiB), and at most that otherwise.
type textScan struct {
	utf8, cp1252 bool
	longRow      int64
}

// scanText reads the file at path once, ASCII 32 bytes at a time (asciiEnd);
// once both answers are known it only follows the lines to their end.
func scanText(path string) (textScan, error) {
	scan := textScan{utf8: true, cp1252: true}
	var rows rowRuns
	var prev byte // the byte before, when it was not ASCII
	err := readPieces(path, 4<<20, func(b []byte, eof bool) (int, bool, error) {
		end := len(b)
		if !eof {
			end = wholeRunes(b) // a character cut here is read whole with the next piece
		}
		for i := 0; i < end; {
			if !scan.cp1252 {
				if scan.utf8 { // only validity is left to learn
					scan.utf8 = utf8.Valid(b[i:end])
				}
				break
			}
			if j := asciiEnd(b[:end], i); j > i {
				i, prev = j, 0
				continue
			}
			c := b[i]
			if _, size := utf8.DecodeRune(b[i:end]); size > 1 {
				scan.cp1252 = false // a character written in UTF-8
				i += size
				continue
			}
			scan.utf8 = false
			if c == 0x81 || c == 0x8D || c == 0x8F || c == 0x90 || c == 0x9D || prev == 0xFF && c == 0xFE || prev == 0xFE && c == 0xFF {
				scan.cp1252 = false
				break
			}
			i, prev = i+1, c
		}
		rows.feed(b[:end])
		return end, false, nil
	})
	scan.longRow = rows.longest()
	return scan, err
}

// rowRuns follows the rows of a CSV read in pieces, in order: a row ends at
// an LF outside quotes, told by the parity of the quotes before it. It
// looks at each piece's quotes once (bytes.Count) and at its first and last
// row ends, so longest is exact only for a row longer than the pieces
// (DuckDB's CSV reader may drop such a row without a word: longrows.go),
// whether one line or many inside a quoted field. A quote inside an unquoted
// field, which RFC 4180 does not allow and DuckDB's strict reader takes as a
// character, makes the rest of the file look like one open field, so one
// long row: the copy that follows fields as DuckDB does (rowCutter) then
// finds no row to take out.
type rowRuns struct {
	pos, start, long int64
	odd              bool // an odd number of quotes before pos: inside a quoted field
}

func (r *rowRuns) feed(b []byte) {
	odd := r.odd != (bytes.Count(b, quoteByte)%2 == 1)
	if first := rowEnd(b, r.odd, false); first >= 0 {
		r.long = max(r.long, r.pos+int64(first)-r.start)
		r.start = r.pos + int64(rowEnd(b, odd, true)) + 1
	}
	r.pos += int64(len(b))
	r.odd = odd
}

var quoteByte = []byte{'"'}

// rowEnd is the index of the first LF of b outside quotes (the last one,
// when last is set), or -1; odd is the quotes' parity at the start of b
// (at its end, when last is set). Each byte is counted once at most.
func rowEnd(b []byte, odd, last bool) int {
	if !last {
		for i := 0; ; {
			j := bytes.IndexByte(b[i:], '\n')
			if j < 0 {
				return -1
			}
			if odd = odd != (bytes.Count(b[i:i+j], quoteByte)%2 == 1); !odd {
				return i + j
			}
			i += j + 1
		}
	}
	for end := len(b); ; {
		j := bytes.LastIndexByte(b[:end], '\n')
		if j < 0 {
			return -1
		}
		if odd = odd != (bytes.Count(b[j+1:end], quoteByte)%2 == 1); !odd {
			return j
		}
		end = j
	}
}

// longest is the longest row fed, as far as feed can tell.
func (r *rowRuns) longest() int64 { return max(r.long, r.pos-r.start) }

// asciiEnd is the index of the first byte of b at or after i that is not
// ASCII, or len(b); 32 bytes at a time, then 8, as utf8.Valid skips ASCII
// (its speed, 50 GB/s, where 8 at a time was half that).
func asciiEnd(b []byte, i int) int {
	const high = 0x8080808080808080
	le := binary.LittleEndian
	s := b[i:len(b):len(b)]
	for len(s) >= 32 && (le.Uint64(s)|le.Uint64(s[8:])|le.Uint64(s[16:])|le.Uint64(s[24:]))&high == 0 {
		s = s[32:]
	}
	for len(s) >= 8 && le.Uint64(s)&high == 0 {
		s = s[8:]
	}
	for len(s) > 0 && s[0] < utf8.RuneSelf {
		s = s[1:]
	}
	return len(b) - len(s)
}

// cp1252UTF8 is each byte of Windows-1252 in UTF-8, as x/text decodes it.
var cp1252UTF8 = func() (t [256][]byte) {
	dec := charmap.Windows1252.NewDecoder()
	for b := range t {
		s, err := dec.Bytes([]byte{byte(b)})
		if err != nil {
			panic(err)
		}
		t[b] = s
	}
	return t
}()

// transcodeWindows1252 writes the Windows-1252 file in to out in UTF-8 (what
// x/text's decoder writes, ten times as fast on text that is mostly ASCII)
// and returns its longest line (convertFile).
func transcodeWindows1252(in, out string) (int64, error) {
	return convertFile(in, out, 1<<20, func(dec, b []byte, _ bool) ([]byte, int) {
		for i := 0; i < len(b); {
			j := asciiEnd(b, i)
			dec = append(dec, b[i:j]...)
			if j < len(b) {
				dec = append(dec, cp1252UTF8[b[j]]...)
				j++
			}
			i = j
		}
		return dec, len(b)
	})
}

func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// No bigger than the file: a small file waiting in a batch holds its
	// head, and 100 small side files held 1 MiB each (issue 5).
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() < int64(n) {
		n = int(st.Size())
	}
	buf := make([]byte, n)
	m, err := io.ReadFull(f, buf)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	return buf[:m], nil
}

// looksUTF16 spots UTF-16 without a BOM: ASCII text with every other byte 0.
func looksUTF16(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	n := len(b)
	if n > 512 {
		n = 512
	}
	zeros := 0
	for i := 0; i < n; i++ {
		if b[i] == 0 {
			zeros++
		}
	}
	return zeros > n/3 && (b[0] == 0) != (b[1] == 0)
}

// badUnits counts what a UTF-16 file held that is not text: code units of
// a surrogate without its pair, and a last odd byte, each written as
// U+FFFD; line is the (1-based) line of the first.
type badUnits struct {
	n, line int64
}

func (b *badUnits) add(line int64) {
	if b.n == 0 {
		b.line = line
	}
	b.n++
}

// asciiUnits masks, in eight bytes read little-endian, what is not ASCII in
// four UTF-16 code units: little-endian units ([0]), big-endian ones ([1]).
var asciiUnits = [2]uint64{0xFF80FF80FF80FF80, 0x80FF80FF80FF80FF}

// b2i is 1 for true, 0 for false.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// transcodeUTF16 writes the UTF-16 file in to out in UTF-8, without its
// BOM (which, if there, gives the byte order), and counts what it had to replace (a surrogate without its pair
// written by a tool that cut a string between the two halves of an emoji,
// or a file cut short), which x/text's decoder replaces silently.
func transcodeUTF16(in, out string, bigEndian bool) (badUnits, error) {
	var (
		bad   badUnits
		dec   []byte // what the piece makes
		high  rune   // a high surrogate waiting for its low half, or 0
		line  = int64(1)
		first = true
	)
	lone := func() {
		bad.add(line)
		dec = utf8.AppendRune(dec, utf8.RuneError)
	}
	_, err := convertFile(in, out, 1<<20, func(into, buf []byte, eof bool) ([]byte, int) {
		dec = into
		end := len(buf) &^ 1 // an odd byte waits for the next piece
		for i := 0; i < end; i += 2 {
			// Four ASCII units at a time, when no first half waits.
			if !first && high == 0 && i+8 <= end && binary.LittleEndian.Uint64(buf[i:])&asciiUnits[b2i(bigEndian)] == 0 {
				o := b2i(bigEndian) // the byte of each unit that holds it
				for k := i + o; k < i+8; k += 2 {
					if buf[k] == '\n' {
						line++
					}
					dec = append(dec, buf[k])
				}
				i += 6
				continue
			}
			var c rune
			if bigEndian {
				c = rune(buf[i])<<8 | rune(buf[i+1])
			} else {
				c = rune(buf[i+1])<<8 | rune(buf[i])
			}
			if first {
				// A BOM says the byte order, whatever bigEndian says.
				first = false
				if bom := rune(buf[0])<<8 | rune(buf[1]); bom == 0xFEFF || bom == 0xFFFE {
					bigEndian = bom == 0xFEFF
					continue
				}
			}
			switch {
			case c < 0x80:
				if high != 0 {
					lone()
					high = 0
				}
				if c == '\n' {
					line++
				}
				dec = append(dec, byte(c))
				continue
			case high != 0 && c >= 0xDC00 && c <= 0xDFFF:
				dec = utf8.AppendRune(dec, utf16.DecodeRune(high, c))
				high = 0
				continue
			case high != 0:
				lone()
				high = 0
			}
			switch {
			case c >= 0xD800 && c <= 0xDBFF:
				high = c
			case c >= 0xDC00 && c <= 0xDFFF:
				lone()
			default:
				dec = utf8.AppendRune(dec, c)
			}
		}
		if eof {
			if high != 0 {
				lone()
			}
			if end < len(buf) {
				lone()
			}
		}
		return dec, end
	})
	return bad, err
}

func (s *sniff) sniffJSON(b []byte) {
	if b[0] == '{' {
		if nl := bytes.IndexByte(b, '\n'); nl > 0 {
			line := bytes.TrimSpace(b[:nl])
			if json.Valid(line) {
				s.ndjson = true
			}
		} else if json.Valid(bytes.TrimSpace(b)) && !bytes.Contains(b, []byte(`"value"`)) && !bytes.Contains(b, []byte(`"records"`)) {
			s.ndjson = true
		}
	}
	stop := fmt.Errorf("stop")
	splitJSON(bytes.NewReader(b), s.ndjson, func(r jsonRecord) error {
		if r.Err != "" {
			// A record too deep to validate still names its members.
			if strings.Contains(r.Err, "nested deeper") {
				if m := topKeys(r.Raw); m != nil {
					s.keys = m
					return stop
				}
			}
			return nil
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(r.Raw, &m) == nil {
			s.keys = m
			return stop
		}
		return nil
	})
}

// has reports whether the first JSON record has all of the members.
func (s *sniff) has(keys ...string) bool {
	if s.keys == nil {
		return false
	}
	for _, k := range keys {
		if _, ok := s.keys[k]; !ok {
			return false
		}
	}
	return true
}

// str returns a top-level string member of the first JSON record.
func (s *sniff) str(key string) string {
	var v string
	json.Unmarshal(s.keys[key], &v)
	return v
}

// maxCSVColumns bounds the header of a CSV worth trying to load: exports
// have tens of columns, Log Analytics "all columns" a few hundred.
const maxCSVColumns = 2048

func (s *sniff) sniffCSV() {
	line := s.head
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimRight(line, "\r")
	if !utf8.Valid(line) {
		return
	}
	s.delim = guessDelim(line)
	r := csv.NewReader(bytes.NewReader(line))
	r.Comma = rune(s.delim)
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	rec, err := r.Read()
	if err != nil {
		return
	}
	if len(rec) > maxCSVColumns {
		s.wide = len(rec)
		return
	}
	s.header = rec
	s.norm = make([]string, len(rec))
	for i, h := range rec {
		s.norm[i] = normHeader(h)
	}
}

// guessDelim picks the delimiter that occurs most outside quotes in the
// header line: ',' normally, ';' after an Excel re-save in many locales.
func guessDelim(line []byte) byte {
	counts := map[byte]int{}
	inQuote := false
	for _, c := range line {
		if c == '"' {
			inQuote = !inQuote
			continue
		}
		if !inQuote && (c == ',' || c == ';' || c == '\t' || c == '|') {
			counts[c]++
		}
	}
	best := byte(',')
	for _, c := range []byte{';', '\t', '|'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}

// normHeader folds a header cell for matching: trimmed, inner white space
// collapsed, lower-case, typographic apostrophes made plain.
func normHeader(h string) string {
	h = strings.TrimPrefix(h, "\ufeff")
	h = strings.ReplaceAll(h, "’", "'")
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(h) {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// hasCols reports whether the CSV header has all the normalised names.
func (s *sniff) hasCols(names ...string) bool {
	for _, n := range names {
		found := false
		for _, h := range s.norm {
			if h == n {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// topKeys lists the top-level members of a JSON object without parsing its
// values, for records too deep for a full parse. Values are returned as empty
// raw messages.
func topKeys(obj []byte) map[string]json.RawMessage {
	if len(obj) == 0 || obj[0] != '{' {
		return nil
	}
	keys := map[string]json.RawMessage{}
	depth, inString, escaped, keyStart, expectKey := 0, false, false, -1, false
	for i, c := range obj {
		switch {
		case inString:
			if escaped {
				escaped = false
			} else if c == '\\' {
				escaped = true
			} else if c == '"' {
				inString = false
				if keyStart >= 0 {
					var k string
					if json.Unmarshal(obj[keyStart:i+1], &k) == nil {
						keys[k] = json.RawMessage{}
					}
					keyStart = -1
				}
			}
		case c == '"':
			inString = true
			if depth == 1 && expectKey {
				keyStart = i
				expectKey = false
			}
		case c == '{' || c == '[':
			depth++
			if depth == 1 {
				expectKey = true
			}
		case c == '}' || c == ']':
			depth--
		case c == ',' && depth == 1:
			expectKey = true
		}
	}
	if len(keys) == 0 {
		return nil
	}
	return keys
}
