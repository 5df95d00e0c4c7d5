package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DuckDB reads a JSON array on one thread, whatever its size (a 1 M sign-in
// Graph export, 4.9 GB, takes 22-28 s of one core while the other waits;
// issue 5). It reads several files at once, one per thread. So a large
// Graph array is cut at record boundaries into parts, each part copied to a
// file of its own that is a complete array, and the parts are read in rounds
// of as many parts as DuckDB has threads, in file order: the same records, in
// the same order, numbered the same.
//
// A cut is only ever a guess: it is where a record seems to end ("}" then
// "," then the next record's "{", which has an id and a createdDateTime of
// its own). DuckDB checks it: if the guess is wrong (inside a string, inside a
// nested object) the part before it ends in an unterminated string or an
// unclosed object, DuckDB refuses the part, and the file is read whole as
// before. A wrong guess therefore costs time, never a record.
var (
	// splitGraphMin is the smallest array worth cutting; tests lower it.
	splitGraphMin int64 = 256 << 20
	// splitGraphPart is the most bytes a part holds: a round copies at most
	// threads × splitGraphPart bytes into the temp folder, deleted after it.
	splitGraphPart int64 = 1 << 30
)

// splitWindow is how far past a cut's target a record boundary is looked
// for, and maxSplitWindow how far when a record is longer than that.
var (
	splitWindow    int64 = 1 << 20
	maxSplitWindow int64 = 64 << 20
)

// readGraphSplit reads a large Graph array (sn.disk) into raw_graph in
// parts, with the steps and policy results typed, or as JSON when DuckDB
// cannot type them (partRead); with join, each part goes through
// joinArrays' joiner as it is written, so that a file of arrays back to
// back is read as one array. ok is false, with raw_graph left to be made
// again, when the file is not worth cutting, no boundary was found, or
// DuckDB refused a part; err is a cancelled context or a database that
// fails after the read.
func (l *loader) readGraphSplit(ctx context.Context, src *source, join bool) (n, bad int64, ok bool, err error) {
	// The file's SHA-256 is taken from the parts while DuckDB reads them
	// (prepare left it to this reader, see splitsGraph); if the parts are
	// not all read, it is computed from the file in the background as usual.
	t := time.Now()
	var sh *spanHash
	var size int64
	defer func() {
		if src.hash == nil {
			return
		}
		switch {
		case sh == nil:
			src.hash.start()
		case ok:
			sum, herr := sh.finish(size)
			if herr == nil {
				src.hash.deliver(sum)
				Trace("graph: SHA-256 from the parts", t)
				return
			}
			Trace("graph: SHA-256 from the parts failed: "+herr.Error(), t)
			fallthrough
		default:
			src.hash.abandon()
		}
	}()
	path := src.sniff.disk
	fi, serr := os.Stat(path)
	if serr != nil || !splitsGraph(src.format, src.sniff, fi.Size()) {
		return 0, 0, false, nil
	}
	size = fi.Size()
	threads := graphSplitThreads
	if threads == 0 {
		if err := l.db.QueryRowContext(ctx, "select current_setting('threads')::bigint").Scan(&threads); err != nil || threads < 2 {
			return 0, 0, false, nil
		}
	}
	f, oerr := os.Open(path)
	if oerr != nil {
		return 0, 0, false, nil
	}
	defer f.Close()
	if !join && src.hash != nil && src.hash.path == path && src.hash.claim() {
		sh = &spanHash{h: sha256.New(), src: f}
	}
	parts := (size + splitGraphPart - 1) / splitGraphPart
	parts = (parts + threads - 1) / threads * threads
	cuts := graphCuts(f, size, int(parts))
	if len(cuts) == 0 {
		return 0, 0, false, nil
	}
	if err := l.defineReadGraph(ctx); err != nil {
		return 0, 0, false, nil
	}
	if err := l.attachStage(ctx); err != nil {
		return 0, 0, false, nil
	}
	spans := graphSpans(cuts, size)
	for i := range spans {
		spans[i].join = join
	}
	l.bar.readAgain()
	for _, mode := range partReads(src.sniff.head) {
		rerr := l.readGraphRounds(ctx, src, f, spans, int(threads), mode, sh)
		if rerr == nil {
			break
		}
		if ctx.Err() != nil {
			return 0, 0, false, ctx.Err()
		}
		if outOfSpace(rerr) {
			return 0, 0, false, rerr
		}
		Trace(fmt.Sprintf("graph: %d parts (%s) refused: %s", len(spans), mode, firstLine(rerr.Error())), t)
		// A part that is not JSON (a wrong cut, a broken file) fails the
		// same way in every mode: read whole.
		if mode == partJSON || strings.Contains(rerr.Error(), "Malformed JSON") {
			return 0, 0, false, nil
		}
	}
	Trace(fmt.Sprintf("graph: read_json of %d parts into raw_graph", len(spans)), t)
	if n, bad, err = l.finishRawGraph(ctx, "", graphUnusable); err != nil {
		return 0, 0, false, err
	}
	graphSplitReads.Add(1)
	return n, bad, true, nil
}

// graphSplit turns readGraphSplit on; tests turn it off to compare, read
// graphSplitReads (files it loaded) and set graphSplitThreads (parts per
// round, else DuckDB's threads) so that they cut the same on any machine.
var (
	graphSplit        = true
	graphSplitReads   atomic.Int64
	graphSplitThreads int64
)

// partRead is how the parts of a cut array are read: the steps and policy
// results typed with each rule an object (as Graph writes them), typed with
// each rule as text (a rule that is a JSON string, as Log Analytics writes
// them, fails the first), or as JSON (steps or policies of another JSON
// type fail both). Reading the rules as objects instead of text took the
// read of 200 k sign-ins from 2.56-2.87 s to 2.22-2.30 s and their policy
// results from 0.57-0.65 s to 0.29-0.31 s (issue 5).
type partRead int

const (
	partRuleObjects partRead = iota
	partRuleText
	partJSON
)

// stringRules matches a policy's rule list that opens with a JSON string.
var stringRules = regexp.MustCompile(`RulesSatisfied"\s*:\s*\[\s*"`)

// partReads are the reads to try, in order, for a file that begins with
// head: a file whose first records hold their rules as JSON strings starts
// with the text read, so that a large one is not read twice over (the
// first read fails only when it meets such a rule, possibly rounds in).
func partReads(head []byte) []partRead {
	if stringRules.Match(head) {
		return []partRead{partRuleText, partJSON}
	}
	return []partRead{partRuleObjects, partRuleText, partJSON}
}

func (m partRead) String() string {
	return [...]string{"typed, rules as objects", "typed, rules as text", "JSON"}[m]
}

// readGraphRounds reads spans into raw_graph in rounds of threads parts.
func (l *loader) readGraphRounds(ctx context.Context, src *source, f *os.File, spans []graphSpan, threads int, mode partRead, sh *spanHash) error {
	for round := 0; round*threads < len(spans); round++ {
		group := spans[round*threads : min(len(spans), (round+1)*threads)]
		files := make([]string, len(group))
		for i := range group {
			files[i] = filepath.Join(l.tmp, fmt.Sprintf("part-%d-%d.json", src.id, round*threads+i))
		}
		err := l.readGraphRound(ctx, f, group, files, round == 0, mode, sh)
		for _, p := range files {
			os.Remove(p)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// readGraphRound copies one round of spans to files and reads them into
// the stage's raw_graph (creating it for the first round), in file order.
// sh, if not nil, hashes the parts while DuckDB reads them.
func (l *loader) readGraphRound(ctx context.Context, f *os.File, group []graphSpan, files []string, first bool, mode partRead, sh *spanHash) error {
	list := make([]string, len(files))
	t := time.Now()
	errs := make([]error, len(group))
	var wg sync.WaitGroup
	for i, sp := range group {
		list[i] = quote(files[i])
		if !sp.join {
			errs[i] = sp.copyTo(f, files[i])
			continue
		}
		// Joining takes a core per part (≈ 0.5 GB/s each).
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = sp.joinTo(f, files[i])
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	Trace(fmt.Sprintf("graph: copy %d parts", len(files)), t)
	if sh != nil {
		hashed := make(chan struct{})
		go func() {
			defer close(hashed)
			for i, sp := range group {
				sh.add(sp, files[i])
			}
		}()
		defer func() { <-hashed }() // before the parts are deleted
	}
	defer Trace("graph: read the parts", time.Now())
	query := graphSelect("read_graph([" + strings.Join(list, ", ") + "], 'array', false, false)")
	if mode != partJSON {
		query = graphTypedSelect("["+strings.Join(list, ", ")+"]", mode == partRuleObjects)
	}
	if first {
		query = "create or replace table " + stageDB + ".raw_graph as\n" + query
	} else {
		query = "insert into " + stageDB + ".raw_graph\n" + query
	}
	return l.ordered(ctx, query)
}

// graphSpan is one part of a cut array: the bytes [from, to) of the file,
// written between prefix and suffix so that the part is an array (for a
// file of arrays back to back, a sequence of arrays, which join makes one).
type graphSpan struct {
	from, to       int64
	prefix, suffix string
	join           bool
}

// graphSpans turns cuts (offsets of the commas between records) into spans.
func graphSpans(cuts []int64, size int64) []graphSpan {
	spans := make([]graphSpan, 0, len(cuts)+1)
	from, prefix := int64(0), ""
	for _, c := range cuts {
		spans = append(spans, graphSpan{from: from, to: c, prefix: prefix, suffix: "\n]\n"})
		from, prefix = c+1, "[\n"
	}
	return append(spans, graphSpan{from: from, to: size, prefix: prefix})
}

// copyTo writes the span to path (the kernel copies the bytes, file to file).
func (sp graphSpan) copyTo(f *os.File, path string) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err = out.WriteString(sp.prefix); err == nil {
		if _, err = f.Seek(sp.from, io.SeekStart); err == nil {
			var n int64
			n, err = io.Copy(out, io.LimitReader(f, sp.to-sp.from))
			if err == nil {
				err = sp.short(f, n)
			}
		}
	}
	if err == nil {
		_, err = out.WriteString(sp.suffix)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// joinTo writes the span to path through joinArrays' joiner: one array,
// compact, whatever arrays the span holds back to back. It reads f at the
// span's offsets (ReadAt), so that parts are joined at once.
func (sp graphSpan) joinTo(f *os.File, path string) error {
	sec := &watchedReader{r: io.NewSectionReader(f, sp.from, sp.to-sp.from)}
	_, err := joinInto(io.MultiReader(strings.NewReader(sp.prefix), sec, strings.NewReader(sp.suffix)), path, path)
	if serr := sp.short(f, sec.n); serr != nil {
		return serr // the cause of any error the joiner saw in what it was given
	}
	return err
}

// short says whether n bytes read are fewer than the span holds: the file
// changed under the load (a span past its end reads short without an
// error, and a short span that ends between two records is a valid array).
func (sp graphSpan) short(f *os.File, n int64) error {
	if n == sp.to-sp.from {
		return nil
	}
	return fmt.Errorf("%s: read %d of the %d bytes at offset %d; did the file change during the load? %w",
		f.Name(), n, sp.to-sp.from, sp.from, io.ErrUnexpectedEOF)
}

// watchedReader counts the bytes read through it and keeps the last error
// other than io.EOF it met: how much of a span was read, whether a copy
// failed reading or writing.
type watchedReader struct {
	r   io.Reader
	n   int64
	err error
}

func (w *watchedReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	w.n += int64(n)
	if err != nil && err != io.EOF {
		w.err = err
	}
	return n, err
}

// spanHash is the SHA-256 of the file being split, taken from its parts: the
// bytes of each span read back from the part just written (still in the page
// cache), the comma between two spans from the file. A 10 M Graph export
// (46 GiB) is more than the page cache holds, so hashing the file on its own
// read every byte from disk a second time.
type spanHash struct {
	h   hash.Hash
	src *os.File
	pos int64 // bytes of the file hashed so far
	err error
}

// add hashes span sp from part, the file it was copied to. Spans come in
// file order; one hashed already (the parts read again as JSON) is passed
// over.
func (s *spanHash) add(sp graphSpan, part string) {
	if s.err != nil || sp.to <= s.pos {
		return
	}
	if err := s.copy(s.src, s.pos, sp.from-s.pos); err != nil {
		s.err = err
		return
	}
	f, err := os.Open(part)
	if err != nil {
		s.err = err
		return
	}
	defer f.Close()
	if err := s.copy(f, int64(len(sp.prefix)), sp.to-sp.from); err != nil {
		s.err = err
		return
	}
	s.pos = sp.to
}

// copy hashes n bytes of f from off.
func (s *spanHash) copy(f *os.File, off, n int64) error {
	got, err := io.Copy(s.h, io.NewSectionReader(f, off, n))
	if err == nil && got != n {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// finish hashes the rest of the file, up to size, and returns the sum.
func (s *spanHash) finish(size int64) (string, error) {
	if s.err == nil && s.pos < size {
		s.err = s.copy(s.src, s.pos, size-s.pos)
	}
	if s.err != nil {
		return "", s.err
	}
	return hex.EncodeToString(s.h.Sum(nil)), nil
}

// splitsGraph says whether a file is one readGraphSplit cuts (a UTF-8 Graph
// array of splitGraphMin bytes or more): prepare leaves its hash to the
// splitter, and the splitter decides by it.
func splitsGraph(fm *format, sn *sniff, size int64) bool {
	return graphSplit && fm != nil && fm.id == "graph-json" && !sn.ndjson &&
		size >= splitGraphMin && startsArray(sn.head)
}

// startsArray reports whether a JSON file's head (BOM removed) opens an array.
func startsArray(head []byte) bool {
	head = bytes.TrimLeft(head, " \t\r\n")
	return len(head) > 0 && head[0] == '['
}

// graphCuts returns up to parts-1 increasing offsets of commas that seem to
// separate two records, each at or after size*i/parts. Targets where no
// boundary is found are skipped.
func graphCuts(f *os.File, size int64, parts int) []int64 {
	var cuts []int64
	last := int64(0)
	for i := 1; i < parts; i++ {
		target := size * int64(i) / int64(parts)
		if target <= last {
			continue
		}
		c := findGraphCut(f, target, size)
		if c > last && c < size {
			cuts = append(cuts, c)
			last = c
		}
	}
	return cuts
}

// findGraphCut returns the offset of the first comma at or after target that
// seems to separate two records, or -1.
func findGraphCut(f *os.File, target, size int64) int64 {
	for window := splitWindow; ; window *= 4 {
		n := min(window, size-target)
		buf := make([]byte, n)
		if _, err := f.ReadAt(buf, target); err != nil && err != io.EOF {
			return -1
		}
		if i := recordBoundary(buf); i >= 0 {
			return target + int64(i)
		}
		if window >= maxSplitWindow || n < window {
			return -1
		}
	}
}

// recordBoundary finds in b the first "}" "," "{" (JSON whitespace between)
// where the object after the comma has an id and a createdDateTime of its own
// and is followed by "," or "]", and returns the comma's index, or -1 (also
// when b ends within the first such object: the caller reads further).
func recordBoundary(b []byte) int {
	for at := 0; ; {
		j := bytes.IndexByte(b[at:], '}')
		if j < 0 {
			return -1
		}
		at += j + 1
		k := skipSpace(b, at)
		if k >= len(b) || b[k] != ',' {
			continue
		}
		o := skipSpace(b, k+1)
		if o >= len(b) || b[o] != '{' {
			continue
		}
		end, rec, done := scanObject(b[o:])
		if !done {
			return -1
		}
		if !rec {
			continue
		}
		if e := skipSpace(b, o+end); e < len(b) && (b[e] == ',' || b[e] == ']') {
			return k
		}
	}
}

// scanObject reads the JSON object b starts with and returns the index after
// its closing brace and whether it has the members id and createdDateTime.
// done is false when b ends first. It checks nesting and strings only.
func scanObject(b []byte) (end int, record, done bool) {
	depth := 0
	var id, created bool
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			j := stringEnd(b, i)
			if j >= len(b) {
				return 0, false, false
			}
			if depth == 1 {
				if k := skipSpace(b, j); k < len(b) && b[k] == ':' {
					switch string(b[i+1 : j-1]) {
					case "id":
						id = true
					case "createdDateTime":
						created = true
					}
				}
			}
			i = j - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, id && created && c == '}', true
			}
		}
	}
	return 0, false, false
}

// graphTypedSelect is graphSelect over read_json of paths (a DuckDB list)
// with each sign-in's steps and policy results read typed while DuckDB reads
// the file (steps_typed, and policies_typed when ruleObjects is set, else
// policies_text, see typedColumn), instead of kept as JSON text to be
// parsed again.
func graphTypedSelect(paths string, ruleObjects bool) string {
	var cols, sel []string
	typedExpr := map[string]string{}
	for _, c := range graphRecordColumns() {
		name, typ := c[0], c[1]
		if ttyp, tcol, ok := typedColumn(name, ruleObjects); ok {
			sel = append(sel, "null::JSON as "+name)
			typedExpr[tcol] = "r." + name
			typ = ttyp
		} else {
			sel = append(sel, "r."+name)
		}
		cols = append(cols, name+": "+quote(typ))
	}
	sel = append(sel, typedSelect(typedExpr)) // after the members, as typedNulls in graphSelect
	return fmt.Sprintf(`select r.__rec as rec, %s,
  %s
from read_json(%s, format = 'array', maximum_object_size = 67108864, columns = {%s}) r`,
		rawGraphEnvelope, strings.Join(sel, ",\n  "), paths, strings.Join(cols, ", "))
}
