package ingest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/mfagap/mfagap/progress"
)

// Options configure one ingest run.
type Options struct {
	// Tenant is the tenant id given on the command line: it is used for rows
	// whose data names no tenant and whose folder does not either.
	Tenant string
	// TempDir holds expanded archives and transcoded files; empty means the
	// system default. A fresh sub-folder is made and removed for each run.
	TempDir string
	// Limits bound archive expansion; zero values mean DefaultLimits.
	Limits Limits
	// Progress, when set, receives a one-line progress display (files, bytes,
	// rows, ETA), redrawn in place: give it a terminal only.
	Progress io.Writer
	// AccountPatterns adds to or overrides the naming conventions of the
	// account_patterns table: RE2 pattern (matched against the lower-case
	// UPN) → account class, e.g. `^adm[-_]` → "admin". An empty class
	// removes a default pattern.
	AccountPatterns map[string]string
}

// Source is one input as recorded in the sources table.
type Source struct {
	ID         int
	Path       string
	SHA256     string
	Format     string
	Kind       string
	TenantID   string
	Read       int64
	Loaded     int64
	Rejected   int64
	Duplicates int64
	// Ignored counts records that were read and are valid but are not
	// sign-ins (other unified audit log operations, other diagnostic
	// categories in a file holding no sign-ins): Read = Loaded + Rejected +
	// Duplicates + Ignored.
	Ignored    int64
	FirstEvent *time.Time
	LastEvent  *time.Time
	Note       string
}

// Summary is what one ingest run did, one entry per input file, sorted by path.
type Summary struct {
	Sources []Source
}

// Usable reports whether anything at all was loaded.
func (s *Summary) Usable() bool {
	for _, src := range s.Sources {
		if src.Loaded > 0 {
			return true
		}
	}
	return false
}

// format is one input format: how to recognise it and how to load it.
type format struct {
	id       string
	kind     string // what it holds: signins, ca_policies, users, ...
	priority int    // lower is tried first
	why      string // what detection matched, as a sentence for --explain
	detect   func(*sniff) bool
	load     func(ctx context.Context, l *loader, src *source) error
	// side, for side formats, is how their files load, alone or in a
	// batch (sidebatch.go); load is made from it.
	side sideFormat
}

var formats []*format

// register adds a format; each format file registers itself in an init func.
func register(f *format) {
	if f.side != nil {
		f.load = func(ctx context.Context, l *loader, src *source) error {
			return f.side.loadAll(ctx, l, []*source{src})
		}
	}
	formats = append(formats, f)
	sort.SliceStable(formats, func(i, j int) bool { return formats[i].priority < formats[j].priority })
}

// source is the file being loaded and its running counts.
type source struct {
	id       int
	file     inputFile
	sniff    *sniff
	format   *format
	tenant   string // fallback tenant for rows naming none
	read     int64
	rejected int64
	ignored  int64 // valid records that are not sign-ins (see Source.Ignored)
	dupes    int64 // sign-ins already loaded (counted by finishInPlace)
	loaded   int64 // for side inputs that do not go through finishInPlace
	// registered is set once its row is in sources (register).
	registered bool
	staged     int64 // records written to an intermediate NDJSON file for DuckDB
	// replacedUTF8 counts the records whose bytes that are not UTF-8 the
	// load replaced with U+FFFD (noteReplacedUTF8).
	replacedUTF8 int64
	notes        []string
	// hash is the file's SHA-256, being computed (see hashing).
	hash *hashing
	// lfCopy says sniff.disk is withLineEnds' copy of the file.
	lfCopy bool
	// longChecked is set once cutLongRows has looked at the file;
	// longRows are the rows it took out (sniff.disk is then its copy).
	longChecked bool
	longRows    []longRow
}

func (s *source) note(format string, args ...any) {
	s.notes = append(s.notes, fmt.Sprintf(format, args...))
}

type loader struct {
	db *sql.DB
	// sourceTables are the tables whose rows name their source (discard).
	sourceTables []string
	opts         Options
	tmp          string
	// stageAttached is set once the stage database is attached (see
	// attachStage).
	stageAttached bool
	// batch holds small files of one kind (batchKind) waiting to be
	// loaded together (batch.go); parked are batches set aside by kind
	// (batchAdd); lanes hold small files that read and write no sign-in,
	// AuthDetails and side files, in lanes of their own (sideAdd).
	batch  pending
	parked map[string]*pending
	lanes  map[string]*pending
	// joint is set when the current and parked batches may hold the same
	// sign-ins: they load as one joint batch (joint.go).
	joint bool
	// sideMacros is set once side_common.sql's macros are made (runSide).
	sideMacros bool
	// lastID is the largest source id given (nextSourceID).
	lastID int
	// bar is the progress display, nil when off.
	bar *loadProgress
}

// stageDB is the name of the stage database (a DuckDB catalog): a file in the
// loader's temp folder for raw records that are larger than the canonical
// rows made from them.
const stageDB = "mfagap_stage"

// attachStage attaches the stage database on first use. A table there is
// written compressed as it is filled and stays on disk, where a temporary
// table is held uncompressed in memory and spilled whole past the memory
// limit: a Graph export keeps about 4 KB of nested JSON per sign-in (policy
// results, authentication steps), 40 GB at 10 M sign-ins, far more spill than
// most machines have (issue 5).
func (l *loader) attachStage(ctx context.Context) error {
	if l.stageAttached {
		return nil
	}
	q := "attach " + quote(filepath.Join(l.tmp, "stage.duckdb")) + " as " + stageDB + " (storage_version " + quote(scratchStorage) + ")"
	if _, err := l.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("ingest: stage database: %w", err)
	}
	l.stageAttached = true
	return nil
}

// detachStage closes the stage database before its folder is removed.
func (l *loader) detachStage() {
	if l.stageAttached {
		l.db.ExecContext(context.Background(), "detach "+stageDB)
		l.stageAttached = false
	}
}

// Files loads every file under paths into db and returns what was loaded.
// One bad file or row never stops the run: it is recorded in sources (with a
// note) or rejected_rows. The error is reserved for a database that fails
// and for a disk that fills (a *SpaceError, see space.go).
func Files(ctx context.Context, db *sql.DB, paths []string, opts Options) (sum *Summary, err error) {
	defer func() { err = spaceError(err, opts.TempDir) }()
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits
	}
	tmp, removeTmp, err := MakeTemp(opts.TempDir, "mfagap-ingest-")
	if err != nil {
		return nil, fmt.Errorf("ingest: temp folder: %w", err)
	}
	defer removeTmp()
	l := &loader{db: db, opts: opts, tmp: tmp}
	defer l.detachStage()
	// Folders written by WriteParquet are loaded as tables, not walked.
	var exports []string
	for _, p := range paths {
		if IsParquetDir(p) {
			if err := l.loadParquet(ctx, p); err != nil {
				return nil, err
			}
			continue
		}
		exports = append(exports, p)
	}
	if err := l.accountPatterns(ctx); err != nil {
		return nil, err
	}

	files, skips := expand(exports, tmp, opts.Limits)
	for _, s := range skips {
		if err := l.recordSkip(ctx, s.display, "", s.reason); err != nil {
			return nil, err
		}
	}
	var bar *loadProgress
	if opts.Progress != nil {
		bar = newLoadProgress(opts.Progress, files)
		defer bar.finish()
		l.bar = bar
	}
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if bar != nil {
			bar.startFile(i, f)
		}
		queued, err := l.file(ctx, f, i)
		if err != nil {
			return nil, err
		}
		if bar != nil {
			if queued {
				bar.queueFile() // counted when its batch is loaded
			} else {
				bar.endFile(ctx, db)
			}
		}
	}
	if err := l.flushBatch(ctx); err != nil {
		return nil, err
	}
	if err := l.flushLanes(ctx, ""); err != nil {
		return nil, err
	}
	if bar != nil {
		var some bool
		if db.QueryRowContext(ctx, "select exists (select 1 from portal_auth_details)").Scan(&some) == nil && some {
			bar.step("attaching AuthDetails")
		}
	}
	if err := l.attachAuthDetails(ctx); err != nil {
		return nil, fmt.Errorf("ingest: attach AuthDetails: %w", err)
	}
	if err := l.adoptTenant(ctx); err != nil {
		return nil, err
	}
	return ReadSummary(ctx, db)
}

// file loads f, or adds it to the batch of small files loaded together
// (batch.go) and returns queued; a file that cannot join the batch loads it
// first.
func (l *loader) file(ctx context.Context, f inputFile, seq int) (queued bool, err error) {
	p, err := l.prepare(ctx, f, seq)
	if err != nil || p == nil {
		return false, err
	}
	// Its batch kind once (a portal CSV's layout and event type are worked
	// out for it), for its lane or the batch.
	kind := batchKind(p)
	if queued, err := l.sideAdd(ctx, p, kind); queued || err != nil {
		return queued, err
	}
	if l.batchAdd(p, kind) {
		return true, nil
	}
	if p.src.format.kind != "signins" && len(l.batch.b) > 0 {
		// A side file (a register, a CA export, AuthDetails, which are
		// attached after every file) reads and writes no sign-in: it loads
		// now and the batch waits. An MSP's tenant folders alternate Graph
		// pages with side files, and each of those flushed a batch of one.
		return false, l.loadOne(ctx, p)
	}
	// Another kind, or the batch is full: it loads, and f starts the next.
	if err := l.flushBatch(ctx); err != nil {
		return false, err
	}
	if l.batchAdd(p, kind) {
		return true, nil
	}
	return false, l.loadOne(ctx, p)
}

// prepared is a file detected and registered as a source, not yet loaded.
type prepared struct {
	src  *source
	size int64 // bytes on disk
	// notes is how many notes src had before a batch read it: a batch
	// that falls back to loading each file alone drops the notes it wrote.
	notes int
}

// prepare detects f's format and registers it as a source; it records a
// file it cannot read or recognise as skipped and returns nil.
func (l *loader) prepare(ctx context.Context, f inputFile, seq int) (*prepared, error) {
	// The SHA-256 is computed while the file is detected and loaded: hashing
	// first added a whole extra read of a big export before the load (issue 5).
	// A file big enough for the Graph splitter waits for its format: the
	// splitter hashes the parts it copies instead, the audit log's Go
	// reader the lines it reads (readerHashes).
	h := deferHash(f.disk)
	var size int64 = -1
	if st, err := os.Stat(f.disk); err == nil {
		size = st.Size()
	}
	if size < splitGraphMin {
		h.start()
	}
	sn, err := sniffFile(f, l.tmp, seq)
	if err != nil {
		sum, herr := h.wait()
		if herr != nil {
			return nil, l.recordSkip(ctx, f.display, "", fmt.Sprintf("cannot read: %v", unwrapPathErr(herr)))
		}
		return nil, l.recordSkip(ctx, f.display, sum, fmt.Sprintf("cannot read: %v", err))
	}
	var fm *format
	if len(bytesTrim(sn.head)) > 0 {
		fm = detectFormat(sn)
	}
	if !laGoTakes(fm, sn) && !ualGoTakes(fm, sn) {
		// Their Go readers check each line (laterEncoding).
		if err := sn.checkEncoding(); err != nil {
			sum, _ := h.wait()
			return nil, l.recordSkip(ctx, f.display, sum, fmt.Sprintf("cannot read: %v", err))
		}
	}
	if fm == nil {
		sum, herr := h.wait()
		switch {
		case herr != nil:
			return nil, l.recordSkip(ctx, f.display, "", fmt.Sprintf("cannot read: %v", unwrapPathErr(herr)))
		case len(bytesTrim(sn.head)) == 0:
			return nil, l.recordSkip(ctx, f.display, sum, "empty file: nothing to load; export it again")
		}
		return nil, l.recordSkip(ctx, f.display, sum, unknownReason(sn))
	}
	if !readerHashes(f, fm, sn, size) {
		h.start()
	}
	src := &source{file: f, sniff: sn, format: fm, tenant: f.tenant, hash: h}
	if src.tenant == "" {
		src.tenant = strings.ToLower(l.opts.Tenant)
	}
	if err := l.newSource(ctx, src); err != nil {
		return nil, err
	}
	switch {
	case strings.HasPrefix(sn.encoding, "utf-16") && sn.badUTF16.n > 0:
		src.note("transcoded from %s; %d %s no character (a surrogate without its pair, or a last odd byte) and %s "+
			"replaced with U+FFFD, %s line %d", strings.ToUpper(sn.encoding), sn.badUTF16.n,
			plural(sn.badUTF16.n, "code unit held", "code units held"), plural(sn.badUTF16.n, "was", "were"),
			plural(sn.badUTF16.n, "on", "the first on"), sn.badUTF16.line)
	case strings.HasPrefix(sn.encoding, "utf-16"):
		src.note("transcoded from %s", strings.ToUpper(sn.encoding))
	case sn.encoding == "windows-1252" && sn.isJSON:
		src.note(windows1252JSON)
	case sn.encoding == "windows-1252":
		src.note(windows1252CSV)
	}
	if hits := shallowMembers(sn, src.format.id != "diagnostic-json"); len(hits) > 0 {
		src.note("%s", shallowWarning(hits))
	}
	p := &prepared{src: src}
	if st, err := os.Stat(sn.disk); err == nil {
		p.size = st.Size()
	}
	return p, nil
}

// loadOne loads a prepared file on its own and closes its source.
func (l *loader) loadOne(ctx context.Context, p *prepared) error {
	src, fm := p.src, p.src.format
	defer Trace("load one "+fm.id, time.Now())
	if err := l.register(ctx, src); err != nil {
		return err
	}
	notes := len(src.notes)
	err := fm.load(ctx, l, src)
	if err == nil {
		var again bool
		if again, err = l.asWindows1252(ctx, src, notes); err == nil && again {
			err = fm.load(ctx, l, src)
		}
	}
	// DuckDB's CSV reads leave their tables (csv_rows, csv_rejects,
	// csv_scans) on the connection; a leftover csv_rejects made the next
	// CSV read fail whole. Every load leaves none.
	if derr := l.dropCSVTables(ctx); err == nil {
		err = derr
	}
	if outOfSpace(err) {
		// Fatal (SpaceError): nothing of the file is kept, if the disk
		// lets the rows go.
		l.discard(ctx, src)
		return fmt.Errorf("ingest %s: %w", src.file.display, err)
	}
	if err != nil {
		// Any other load that fails as a whole is recorded, never fatal
		// for the run.
		err = MemoryError(err)
		src.note("load failed: %v", err)
		// Some loaders write to the canonical tables as they read: nothing
		// of the file is kept.
		if e := l.discard(ctx, src); e != nil {
			return e
		}
		if err := l.reject(ctx, src, 0, fmt.Sprintf("file could not be loaded as %s: %v", fm.id, err), nil); err != nil {
			return err
		}
		src.read = 1
	}
	return l.closeSources(ctx, []*prepared{p})
}

// discard removes what a load of src wrote, in every table rows of a source
// go to, and resets its counts.
func (l *loader) discard(ctx context.Context, src *source) error {
	if l.sourceTables == nil {
		tables, err := queryColumn[string](ctx, l.db, `select c.table_name from duckdb_columns() c
join duckdb_tables() t on t.table_oid = c.table_oid
where c.database_name = current_database() and c.schema_name = 'main' and c.column_name = 'source_id'
  and c.table_name <> 'sources' and not t.temporary
order by c.table_name`)
		if err != nil {
			return err
		}
		l.sourceTables = tables
	}
	for _, t := range l.sourceTables {
		if _, err := l.db.ExecContext(ctx, "delete from "+ident(t)+" where source_id = ?", src.id); err != nil {
			return err
		}
	}
	src.rejected, src.loaded, src.ignored, src.dupes, src.read, src.replacedUTF8 = 0, 0, 0, 0, 0, 0
	return nil
}

// windows1252JSON notes a JSON file read as Windows-1252.
const windows1252JSON = "not UTF-8: read as Windows-1252, as Windows PowerShell's Set-Content writes JSON"

// laterEncoding runs read, a Go reader that checks each line of a CSV
// (laGo, ualGo), and, when it stops, the Windows-1252 check sniffFile left
// for it (checkEncoding), before another path reads the file: a reader
// that read the file whole found it UTF-8 throughout, so it needs none. A
// file that reads as Windows-1252 is read again, by read, from its UTF-8
// copy, noted as prepare notes a copy made before the load. It returns
// read's answer.
func (l *loader) laterEncoding(ctx context.Context, src *source,
	read func(context.Context, *source) (done, shape bool, err error)) (done, shape bool, err error) {
	sn := src.sniff
	if done, shape, err = read(ctx, src); err != nil || done || sn.later == nil {
		return done, shape, err
	}
	if err := sn.checkEncoding(); err != nil || sn.encoding != "windows-1252" {
		return false, shape, err
	}
	src.note(windows1252CSV)
	return read(ctx, src)
}

// windows1252CSV notes a CSV read from a Windows-1252 copy.
const windows1252CSV = "not UTF-8: read as Windows-1252, the code page Excel saves CSV in"

// asWindows1252 reloads, after a load of src, a JSON file written in
// Windows-1252 (Windows PowerShell 5.1's Set-Content and Out-File
// -Encoding Default write the system's ANSI code page, and ConvertTo-Json
// leaves accents as they are): its records held bytes that are not UTF-8,
// which the load replaced with U+FFFD, and it holds no character beyond
// ASCII written in UTF-8. Nothing of the first load is kept, the notes it
// wrote (those past the first notes) are dropped, and src reads a UTF-8
// copy; it says whether to load again. A JSON file with such bytes in its
// first MiB was checked before its load (sniffFile); checking every JSON
// file whole before its load would read it once more (46 GB for 10 M
// Graph sign-ins), so a file whose first such byte comes later is found
// here, and a file that loads clean costs nothing. A CSV is checked before
// its load (fromWindows1252), where a line with such bytes is rejected.
func (l *loader) asWindows1252(ctx context.Context, src *source, notes int) (bool, error) {
	sn := src.sniff
	if src.replacedUTF8 == 0 || !sn.isJSON || sn.encoding != "utf-8" {
		return false, nil
	}
	if scan, err := sn.text(); err != nil || !scan.cp1252 {
		return false, err
	}
	replaced := src.replacedUTF8
	if err := sn.toWindows1252(filepath.Join(l.tmp, fmt.Sprintf("cp1252-source-%06d%s", src.id, safeExt(src.file.display)))); err != nil {
		return false, fmt.Errorf("read %s as Windows-1252: %w", src.file.display, err)
	}
	if err := l.discard(ctx, src); err != nil {
		return false, err
	}
	src.notes = src.notes[:notes]
	src.note("%s; found on loading it: %d %s held bytes that are not UTF-8, the first past its first MiB",
		windows1252JSON, replaced, plural(replaced, "record", "records"))
	l.bar.readAgain()
	return true, nil
}

// detectFormat returns the first registered format that recognises the file, or nil.
func detectFormat(sn *sniff) *format {
	for _, f := range formats {
		if f.detect(sn) {
			return f
		}
	}
	return nil
}

func unknownReason(sn *sniff) string {
	if r := ownOutputReason(sn); r != "" {
		return r
	}
	if r := notUsedReason(sn); r != "" {
		return r
	}
	switch {
	case sn.isJSON && sn.keys == nil:
		return "unknown format: JSON without a complete object in the first MiB; expected sign-in records, CA policies or a directory export (see README, Supported inputs)"
	case sn.isJSON:
		keys := make([]string, 0, len(sn.keys))
		for k := range sn.keys {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if len(keys) > 12 {
			keys = append(keys[:12], "…")
		}
		why := "unknown format: JSON records with members " + strings.Join(keys, ", ") + " match no supported export (see README, Supported inputs)"
		if hits := shallowMembers(sn, true); len(hits) > 0 {
			// Too shallow to be told: a CA policy's conditions as a type name.
			why += fmt.Sprintf("; %s in its first records %s a .NET type name: written by PowerShell's ConvertTo-Json with too small a -Depth, which left out what %s; export it again with ConvertTo-Json -Depth 10",
				listHits(hits), plural(int64(len(hits)), "holds", "hold"), plural(int64(len(hits)), "it held", "they held"))
		}
		return why
	case sn.wide > 0:
		return fmt.Sprintf("unknown format: CSV header of more than %d columns (%d read); no supported export is that wide", maxCSVColumns, sn.wide)
	case len(portalMissing(sn)) > 0:
		return fmt.Sprintf("portal sign-in CSV without the required column(s) %s; download it again from the Entra admin center with all columns", strings.Join(portalMissing(sn), ", "))
	case len(sn.header) == 1 && !sn.isJSON:
		return fmt.Sprintf("unknown format: not a CSV: its first line %q has no delimiter; not an export", progress.Truncate(sn.header[0], 80))
	case len(sn.header) > 0:
		h := sn.header
		if len(h) > 12 {
			h = append(append([]string{}, h[:12]...), "…")
		}
		return fmt.Sprintf("unknown format: CSV header %q is not a supported export; if it is a portal download in another language, that language is not supported yet (see README, Supported inputs)", strings.Join(h, string(sn.delim)))
	default:
		return "unknown format: neither JSON nor a CSV with a recognised header"
	}
}

func bytesTrim(b []byte) []byte { return []byte(strings.TrimSpace(string(b[:min(len(b), 4096)]))) }

// nextSourceID returns the id of the next source: one more than the
// largest in sources when first asked (Parquet folders load before the
// files), then counted here, which saves a query per file.
func (l *loader) nextSourceID(ctx context.Context) (int, error) {
	if l.lastID == 0 {
		if err := l.db.QueryRowContext(ctx, "select coalesce(max(source_id), 0) from sources").Scan(&l.lastID); err != nil {
			return 0, fmt.Errorf("ingest: %w", err)
		}
	}
	l.lastID++
	return l.lastID, nil
}

// newSource gives src its id; register writes its row in sources, before
// its load.
func (l *loader) newSource(ctx context.Context, src *source) error {
	id, err := l.nextSourceID(ctx)
	src.id = id
	return err
}

// register writes the sources rows of srcs not written yet, in one
// statement: one per file took 2.6 ms a file, 7 s of 21 s for 2681 hourly
// files of a diagnostic archive (issue 5).
func (l *loader) register(ctx context.Context, srcs ...*source) error {
	var rows []string
	var args []any
	for _, src := range srcs {
		if src.registered {
			continue
		}
		rows = append(rows, "(?, ?, '', ?, ?, ?)")
		args = append(args, src.id, src.file.display, src.format.id, src.format.kind, nullable(src.tenant))
	}
	if len(rows) == 0 {
		return nil
	}
	_, err := l.db.ExecContext(ctx,
		"insert into sources (source_id, path, sha256, format, kind, tenant_id) values "+strings.Join(rows, ", "), args...)
	if err != nil {
		return fmt.Errorf("ingest %s: %w", srcs[0].file.display, err)
	}
	for _, src := range srcs {
		src.registered = true
	}
	return nil
}

func (l *loader) recordSkip(ctx context.Context, display, sum, reason string) error {
	id, err := l.nextSourceID(ctx)
	if err != nil {
		return err
	}
	_, err = l.db.ExecContext(ctx,
		"insert into sources (source_id, path, sha256, format, kind, note) values (?, ?, ?, 'unknown', 'skipped', ?)",
		id, display, sum, reason)
	if err != nil {
		return fmt.Errorf("ingest %s: %w", display, err)
	}
	return nil
}

// closeSources records the SHA-256 and the counts of loaded files, one file
// or the files of a batch (batch.go) in one statement: three statements a
// file cost 3-5 ms each, more than a small file's share of its batch.
// Loaders of sign-ins have set the counts through finishInPlace; side-input
// loaders set src.loaded.
func (l *loader) closeSources(ctx context.Context, ps []*prepared) error {
	var rows []string
	var args []any
	earlier := map[string]string{}
	for _, p := range ps {
		src := p.src
		sum, herr := src.hash.wait()
		if herr != nil {
			src.note("SHA-256 not computed: %v", unwrapPathErr(herr))
		}
		if err := l.sameContent(ctx, src, sum, earlier); err != nil {
			return err
		}
		rows = append(rows, "(?::integer, ?::varchar, ?::bigint, ?::bigint, ?::bigint, ?::bigint, ?::varchar)")
		args = append(args, src.id, sum, src.read, src.ignored, src.loaded, src.dupes, strings.Join(src.notes, "; "))
	}
	// Duplicates are counted where they are dropped, not taken as the rest:
	// a row lost on the way then breaks read = loaded + rejected +
	// duplicate + ignored, which the tests check (issue 6).
	_, err := l.db.ExecContext(ctx, `
update sources set
  sha256 = v.sha256,
  rows_read = v.rows_read,
  rows_rejected = (select count(*) from rejected_rows r where r.source_id = sources.source_id),
  rows_ignored = v.rows_ignored,
  rows_loaded = case when sources.kind = 'signins' then (select count(*) from signins s where s.source_id = sources.source_id) else v.rows_loaded end,
  rows_duplicate = case when sources.kind = 'signins' or v.rows_duplicate > 0 then v.rows_duplicate else sources.rows_duplicate end,
  note = nullif(v.note, '')
from (values `+strings.Join(rows, ", ")+`) v(source_id, sha256, rows_read, rows_ignored, rows_loaded, rows_duplicate, note)
where sources.source_id = v.source_id`, args...)
	if err != nil {
		return fmt.Errorf("ingest %s: %w", ps[0].src.file.display, err)
	}
	return nil
}

// sameContent drops what src loaded when an earlier source (of this run, or
// of an earlier one in the same --db) had the same bytes (sum, its SHA-256)
// and format and loaded rows from them, and counts its rows as duplicates
// (an earlier copy that loaded nothing, a load that failed, is no reason to
// drop this one). Sign-ins need it not: a
// sign-in already loaded is a duplicate by its keys. The other tables have
// no such key: the same register, CA policy export or AuthDetails file given
// twice (a folder and a file in it, two copies in an archive) was loaded
// twice, and every register finding, excluded group and MFA step came out
// twice.
//
// earlier holds the sources closed before src in the same call (a batch,
// whose counts reach the sources table together): their path by SHA-256
// and format, for those that loaded rows.
func (l *loader) sameContent(ctx context.Context, src *source, sum string, earlier map[string]string) error {
	if src.format.kind == "signins" || sum == "" || src.read == 0 {
		return nil
	}
	key := sum + "\x00" + src.format.id
	first, ok := earlier[key]
	if !ok {
		err := l.db.QueryRowContext(ctx, `select path from sources
where sha256 = ? and format = ? and source_id <> ? and rows_loaded > 0
order by source_id limit 1`, sum, src.format.id, src.id).Scan(&first)
		if errors.Is(err, sql.ErrNoRows) {
			if src.loaded > 0 {
				earlier[key] = src.file.display
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
	read := src.read
	if err := l.discard(ctx, src); err != nil {
		return err
	}
	src.read, src.dupes = read, read
	src.note("the same content as %s (SHA-256): loaded once, its %d %s counted as duplicates", first, read, plural(read, "row", "rows"))
	return nil
}

// reject records one row that could not be loaded.
func (l *loader) reject(ctx context.Context, src *source, record int64, reason string, raw []byte) error {
	src.rejected++
	var rawv any
	if raw != nil {
		rawv = strings.ToValidUTF8(string(bounded(raw)), "\uFFFD")
	}
	_, err := l.db.ExecContext(ctx, "insert into rejected_rows values (?, ?, ?, ?)", src.id, record, reason, rawv)
	if err != nil {
		return fmt.Errorf("ingest %s: record %d: %w", src.file.display, record, err)
	}
	return nil
}

// rejectBatch records many rejected rows through DuckDB's appender.
type rejectBatch struct {
	conn *sql.Conn
	app  *duckdb.Appender
	src  *source
}

func (l *loader) newRejectBatch(ctx context.Context, src *source) (*rejectBatch, error) {
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var app *duckdb.Appender
	err = conn.Raw(func(dc any) error {
		var err error
		app, err = duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "rejected_rows")
		return err
	})
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &rejectBatch{conn: conn, app: app, src: src}, nil
}

func (b *rejectBatch) add(record int64, reason string, raw []byte) error {
	b.src.rejected++
	var rawv any
	if raw != nil {
		rawv = strings.ToValidUTF8(strings.ReplaceAll(string(bounded(raw)), "\x00", ""), "\uFFFD")
	}
	return b.app.AppendRow(int32(b.src.id), record, reason, rawv)
}

func (b *rejectBatch) close() error {
	err := b.app.Close()
	if cerr := b.conn.Close(); err == nil {
		err = cerr
	}
	return err
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ReadSummary reads the sources table.
func ReadSummary(ctx context.Context, db *sql.DB) (*Summary, error) {
	rows, err := db.QueryContext(ctx, `
select source_id, path, sha256, format, kind, coalesce(tenant_id, ''), rows_read, rows_loaded,
       rows_rejected, rows_duplicate, rows_ignored, first_event, last_event, coalesce(note, '')
from sources order by path, source_id`)
	if err != nil {
		return nil, fmt.Errorf("read sources: %w", err)
	}
	defer rows.Close()
	sum := &Summary{}
	for rows.Next() {
		var s Source
		var first, last sql.NullTime
		if err := rows.Scan(&s.ID, &s.Path, &s.SHA256, &s.Format, &s.Kind, &s.TenantID, &s.Read, &s.Loaded,
			&s.Rejected, &s.Duplicates, &s.Ignored, &first, &last, &s.Note); err != nil {
			return nil, fmt.Errorf("read sources: %w", err)
		}
		if first.Valid {
			t := first.Time.UTC()
			s.FirstEvent = &t
		}
		if last.Valid {
			t := last.Time.UTC()
			s.LastEvent = &t
		}
		sum.Sources = append(sum.Sources, s)
	}
	return sum, rows.Err()
}

// portalMissing names the required columns a CSV lacks when the rest of its
// header is a portal sign-in download (at least three known columns, a date
// among them), so the user learns what to fix rather than "unknown format".
func portalMissing(sn *sniff) []string {
	_, known := csvColumns(sn.norm, headerAliases)
	if !known["date"] || len(known) < 3 {
		return nil
	}
	var missing []string
	if !known["request_id"] {
		missing = append(missing, `"Request ID"`)
	}
	if !known["error_code"] && !known["status"] {
		missing = append(missing, `"Sign-in error code" or "Status"`)
	}
	if !known["user_principal_name"] && !known["service_principal_id"] && !known["app_id"] && !known["ip_address"] {
		missing = append(missing, `"Username", "Service principal ID", "Application ID" or "IP address"`)
	}
	return missing
}
