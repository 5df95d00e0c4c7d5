package ingest

import (
	"bufio"
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mfagap/mfagap/progress"
)

// loadProgress drives the progress display of one ingest run. Within a file,
// DuckDB reports nothing back, so the bytes the process has read
// (/proc/self/io rchar: the hash and DuckDB's reader each read the file
// once) stand in for how far the load is; elsewhere files count whole.
type loadProgress struct {
	bar   *progress.Bar
	total int64
	n     int

	mu        sync.Mutex
	state     progress.State
	doneBytes int64 // files finished
	queued    int64 // files waiting in a batch (batch.go)
	size      int64 // the current file
	rchar0    int64 // rchar when the current file started
	pre0      int64 // preReads when the current file started
	reads     int64 // times the current file is read (hash, DuckDB, copies)
	perFile   int64 // reads of a file by default (fileReads; explain's scan reads it once)
	stop      chan struct{}
	stopped   chan struct{}
}

func newLoadProgress(w io.Writer, files []inputFile) *loadProgress {
	return newFileProgress(w, "ingest", fileReads, 0, files)
}

// newFileProgress is a display of label over files, each read perFile
// times, with the rows loaded shown from 0 (rows) or hidden (-1).
func newFileProgress(w io.Writer, label string, perFile, rows int64, files []inputFile) *loadProgress {
	p := &loadProgress{bar: progress.New(w, terminalWidth()), n: len(files), reads: perFile, perFile: perFile,
		stop: make(chan struct{}), stopped: make(chan struct{})}
	for _, f := range files {
		if st, err := os.Stat(f.disk); err == nil {
			p.total += st.Size()
		}
	}
	p.state = progress.State{Label: label, Total: len(files), TotalBytes: p.total, Rows: rows}
	go p.tick()
	return p
}

func (p *loadProgress) tick() {
	defer close(p.stopped)
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			if within, ok := p.within(); ok {
				p.state.Bytes = p.doneBytes + within
			}
			s := p.state
			p.mu.Unlock()
			p.bar.Update(s)
		}
	}
}

// within is how far into the current file the load is, by the bytes the
// process has read since it started (rchar) over the times it is read, and
// false where that cannot be told. Reads through readPieces (the pass that
// checks a CSV's text and measures its rows, a transcoded copy) are passes
// before the load, not the load: counted, they put the display at 99 % of
// a 1 M-row CSV a second into its eight-second read.
func (p *loadProgress) within() (int64, bool) {
	r := rchar()
	if r <= 0 || p.size <= 0 {
		return 0, false
	}
	n := (r - p.rchar0 - (preReads.Load() - p.pre0)) / p.reads
	return max(min(n, p.size*99/100), 0), true
}

// startFile marks the start of file i (0-based).
func (p *loadProgress) startFile(i int, f inputFile) {
	p.mu.Lock()
	p.size = 0
	if st, err := os.Stat(f.disk); err == nil {
		p.size = st.Size()
	}
	p.rchar0, p.pre0, p.reads = rchar(), preReads.Load(), p.perFile
	p.state.Done, p.state.Item, p.state.Bytes, p.state.Step = i+1, filepath.Base(filepath.FromSlash(f.display)), p.doneBytes, ""
	s := p.state
	p.mu.Unlock()
	p.bar.Update(s)
}

// step shows what the current file is doing once its bytes are read
// (mapping its sign-ins, their steps, their policy results; attaching
// AuthDetails), in place of an ETA its bytes no longer move: on 1 M
// diagnostic sign-ins the display sat at 99 % with "ETA 0:00" for the ten
// seconds after the read. The next file, or the end of this one, clears it.
func (p *loadProgress) step(what string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.state.Step = what
	s := p.state
	p.mu.Unlock()
	p.bar.Update(s)
}

// fileReads is how many times a file is read by default: its hash and
// DuckDB's reader.
const fileReads = 2

// readAgain says the current file is read once more: readGraphSplit copies
// it into parts, then hashes the parts while DuckDB reads them.
func (p *loadProgress) readAgain() {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.reads++
	p.mu.Unlock()
}

// readOnce says the current file is read once, not fileReads times: its
// reader takes the hash from what it reads (readerHashes, ualGo).
func (p *loadProgress) readOnce() {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.reads = 1
	p.mu.Unlock()
}

// restartFile says the current file's load starts over (the audit lines'
// reader halted, and the careful path reads the file again): what was read
// so far no longer counts, and the file is read fileReads times again (the
// careful path's read, the hash the reader gave up).
func (p *loadProgress) restartFile() {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.rchar0, p.pre0, p.reads = rchar(), preReads.Load(), p.perFile
	p.mu.Unlock()
}

// endFile counts the current file as read and the rows loaded so far.
func (p *loadProgress) endFile(ctx context.Context, db *sql.DB) {
	p.countRead(ctx, db, &p.size)
}

// countRead moves the bytes of *pending (the current file, or the files of
// a batch) to those read, shows them with the rows loaded so far, and
// empties *pending.
func (p *loadProgress) countRead(ctx context.Context, db *sql.DB, pending *int64) {
	var rows int64
	db.QueryRowContext(ctx, "select coalesce(sum(rows_loaded), 0) from sources").Scan(&rows)
	p.mu.Lock()
	p.doneBytes += *pending
	*pending = 0
	p.state.Bytes, p.state.Rows, p.state.Step = p.doneBytes, rows, ""
	s := p.state
	p.mu.Unlock()
	p.bar.Update(s)
}

// fileDone counts the current file as read, where no rows are loaded
// (explain).
func (p *loadProgress) fileDone() {
	p.mu.Lock()
	p.doneBytes += p.size
	p.size = 0
	p.state.Bytes = p.doneBytes
	s := p.state
	p.mu.Unlock()
	p.bar.Update(s)
}

// queueFile marks the current file as waiting in a batch: its bytes count
// when the batch is loaded (batchDone), so the display does not reach the
// end while the last batch still loads.
func (p *loadProgress) queueFile() {
	p.mu.Lock()
	p.queued += p.size
	p.size = 0
	p.mu.Unlock()
}

// batchDone counts the files of a loaded batch and the rows loaded so far.
func (p *loadProgress) batchDone(ctx context.Context, db *sql.DB) {
	p.countRead(ctx, db, &p.queued)
}

func (p *loadProgress) finish() {
	close(p.stop)
	<-p.stopped
	p.bar.Finish()
}

// rchar reads the bytes this process has read so far (Linux); 0 elsewhere.
func rchar() int64 {
	f, err := os.Open("/proc/self/io")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "rchar:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// terminalWidth reads $COLUMNS; the display is cut to it (default 100).
func terminalWidth() int {
	n, _ := strconv.Atoi(os.Getenv("COLUMNS"))
	return n
}
