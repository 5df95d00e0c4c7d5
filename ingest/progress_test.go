package ingest

import (
	"context"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestProgressDisplay(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a.json", "["+recAlice+"]")
	b := write(t, dir, "b.json", "["+recBob+"]")
	var out strings.Builder
	load(t, Options{Progress: &out}, a, b)
	got := out.String()
	last := got[strings.LastIndex(got, "\r")+1:]
	if !strings.HasPrefix(last, "ingest  [2/2]  [####################]") || !strings.Contains(last, " 2 rows ") ||
		!strings.HasSuffix(last, "b.json\x1b[K\n") {
		t.Errorf("last draw %q", last)
	}
	if strings.Count(got, "\n") != 1 {
		t.Errorf("the display must stay on one line: %q", got)
	}
}

// A file queued in a batch counts as read when the batch is loaded, not
// when it joins the batch: the display does not reach the end while the
// last batch still loads.
func TestProgressBatch(t *testing.T) {
	dir := t.TempDir()
	a := inputFile{display: "a.json", disk: write(t, dir, "a.json", "["+recAlice+"]")}
	b := inputFile{display: "b.json", disk: write(t, dir, "b.json", "["+recBob+"]")}
	var out strings.Builder
	p := newLoadProgress(&out, []inputFile{a, b})
	defer p.finish()
	db, _ := load(t, Options{}, a.disk, b.disk)
	p.startFile(0, a)
	p.queueFile()
	p.startFile(1, b)
	p.queueFile()
	if p.state.Bytes != 0 || p.doneBytes != 0 {
		t.Fatalf("queued files counted as read: %d bytes", p.state.Bytes)
	}
	p.batchDone(context.Background(), db)
	if p.state.Bytes != p.total || p.state.Rows != 2 {
		t.Fatalf("after the batch: %d of %d bytes, %d rows", p.state.Bytes, p.total, p.state.Rows)
	}
}

// --explain reads each file through: it shows the same display, labelled
// explain, with files and bytes and no rows (it loads none).
func TestProgressExplain(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.json", "["+recAlice+"]")
	write(t, dir, "b.json", "["+recBob+"]")
	var out strings.Builder
	ds, err := Explain([]string{dir}, Options{Progress: &out})
	if err != nil || len(ds) != 2 {
		t.Fatalf("%d detections, %v", len(ds), err)
	}
	got := out.String()
	last := got[strings.LastIndex(got, "\r")+1:]
	if !strings.HasPrefix(last, "explain  [2/2]  [####################]") || strings.Contains(last, "rows") ||
		!strings.HasSuffix(last, "b.json\x1b[K\n") {
		t.Errorf("last draw %q", last)
	}
	if strings.Count(got, "\n") != 1 {
		t.Errorf("the display must stay on one line: %q", got)
	}
}

// A pass over a file before DuckDB reads it (the CSV text scan, a
// transcoded copy: readPieces) does not move the display; a read of the
// file does. Counted, the scan put a 1 M-row CSV at 99 % a second into
// its eight-second read.
func TestProgressLeavesOutPasses(t *testing.T) {
	dir := t.TempDir()
	const size = 16 << 20
	path := write(t, dir, "a.csv", "a,b\n"+strings.Repeat("x,y\n", (size-4)/4))
	f := inputFile{display: "a.csv", disk: path}
	p := newLoadProgress(io.Discard, []inputFile{f})
	defer p.finish()
	p.startFile(0, f)
	shown := func() int64 {
		p.mu.Lock()
		defer p.mu.Unlock()
		n, ok := p.within()
		if !ok {
			t.Skip("no /proc/self/io here")
		}
		return n
	}
	if _, err := scanText(path); err != nil {
		t.Fatal(err)
	}
	if n := shown(); n > size/10 {
		t.Errorf("after the text scan alone: %d of %d bytes shown", n, size)
	}
	// A read as DuckDB's: one of the file's two reads (its hash, DuckDB's).
	if _, err := os.ReadFile(path); err != nil {
		t.Fatal(err)
	}
	if n := shown(); n < size*4/10 || n > size*6/10 {
		t.Errorf("after one read of the file: %d of %d bytes shown, want about half", n, size)
	}
	// A reader that hashes what it reads (readerHashes) reads it once.
	p.startFile(0, f)
	p.readOnce()
	if _, err := os.ReadFile(path); err != nil {
		t.Fatal(err)
	}
	if n := shown(); n < size*9/10 {
		t.Errorf("after the one read of a file read once: %d of %d bytes shown, want all", n, size)
	}
	// Its load given up and started over: from nothing, read twice again.
	p.restartFile()
	if n := shown(); n > size/10 {
		t.Errorf("after a restart: %d of %d bytes shown, want none", n, size)
	}
	if _, err := os.ReadFile(path); err != nil {
		t.Fatal(err)
	}
	if n := shown(); n < size*4/10 || n > size*6/10 {
		t.Errorf("after a restart and one read: %d of %d bytes shown, want about half", n, size)
	}
}

// Once a file's bytes are read, the display names what its load does
// instead of an ETA: every statement of graph.sql that writes a canonical
// table has a name, and the next file or the end of this one clears it.
func TestProgressSteps(t *testing.T) {
	signins, rest := graphParts()
	var named []string
	for _, stmt := range append(signins, rest...) {
		what := graphStep(stmt)
		if strings.Contains(stmt, "\ninsert into ") && what == "" {
			t.Errorf("a statement writing a table has no step: %s", firstLine(stmt))
		}
		if what != "" && !slices.Contains(named, what) {
			named = append(named, what)
		}
	}
	if want := []string{"mapping sign-ins", "mapping authentication steps", "mapping policy results"}; !slices.Equal(named, want) {
		t.Errorf("steps in order %q, want %q", named, want)
	}
	dir := t.TempDir()
	a := inputFile{display: "a.json", disk: write(t, dir, "a.json", "["+recAlice+"]")}
	b := inputFile{display: "b.json", disk: write(t, dir, "b.json", "["+recBob+"]")}
	p := newLoadProgress(io.Discard, []inputFile{a, b}) // drawn as progress.Format draws it (TestFormat)
	defer p.finish()
	db, _ := load(t, Options{}, a.disk, b.disk)
	p.startFile(0, a)
	p.step("mapping sign-ins")
	if p.state.Step != "mapping sign-ins" {
		t.Fatalf("step not kept: %q", p.state.Step)
	}
	p.endFile(context.Background(), db)
	if p.state.Step != "" {
		t.Errorf("the end of the file left the step %q", p.state.Step)
	}
	p.step("mapping policy results")
	p.startFile(1, b)
	if p.state.Step != "" {
		t.Errorf("the next file kept the step %q", p.state.Step)
	}
}
