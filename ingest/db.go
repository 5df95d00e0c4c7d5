package ingest

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

//go:embed schema.sql
var schemaSQL string

// DBOptions configure the embedded database.
type DBOptions struct {
	// Path is a DuckDB database file; empty means in memory.
	Path string
	// MemoryLimit is DuckDB's memory_limit (e.g. "4GB"); empty means
	// DefaultMemoryLimit.
	MemoryLimit string
	// TempDir is the folder under which DuckDB spills, into a folder of
	// this database's own (see Open); empty means the system's temporary
	// folder.
	TempDir string
	// Threads caps DuckDB's worker threads; 0 keeps the default.
	Threads int
	// KeepFreedBlocks lets the database keep the buffer blocks DuckDB
	// frees (keepFreedBlocks): for inputs whose tables reach
	// KeepFreedBlocksFrom, in memory or in a file. Not for small ones: a
	// process that opens many small databases (the tests) ran a fifth
	// slower with it.
	KeepFreedBlocks bool
	// Scratch says Path is mfagap's own temporary file, read by no other
	// program: it is written in DuckDB's newest storage format, which is
	// cheaper to write (see scratchStorage). A file named by the user keeps
	// the default format, which older DuckDB releases read.
	Scratch bool
}

// scratchStorage is the storage format of temporary database files (the
// --storage disk database and the stage database). Measured at 1M portal
// sign-ins inserted into a new file, twice each, interleaved: 5.64-6.00 s
// against 6.53-6.82 s in the default format (v1.0.0), and 69 MB
// against 70-72 MB; 10M-row CSV reports 79-84 s against 94-107 s (issue 5).
const scratchStorage = "v1.5.0"

// Open opens (or creates) the database and makes sure the canonical tables
// exist. It uses one connection: DuckDB settings and temporary tables are
// per connection, and the loaders rely on both.
//
// DuckDB spills into a new folder of its own under opts.TempDir (SpillPrefix,
// removed when the database is closed), never into a folder shared with
// another process: DuckDB names its spill files the same in every process
// (duckdb_temp_storage_DEFAULT-0.tmp, …), and two runs spilling into one
// --temp-dir at once crashed one of them (segmentation fault, issue 5);
// without a temp_directory, DuckDB spills into .tmp under the working
// folder, where two runs from one folder collide the same way.
func Open(ctx context.Context, opts DBOptions) (*sql.DB, error) {
	// The driver reads what follows a '?' as options, not as the file name.
	if strings.Contains(opts.Path, "?") {
		return nil, fmt.Errorf("open database %q: the path contains '?', which DuckDB's driver reads as the start of its options; use a path without it", opts.Path)
	}
	dsn := opts.Path
	if opts.Scratch && dsn != "" {
		dsn += "?storage_compatibility_version=" + scratchStorage
	}
	base := opts.TempDir
	if base == "" {
		base = os.TempDir()
	}
	spill, removeSpill, err := MakeTemp(base, SpillPrefix)
	if err != nil {
		return nil, fmt.Errorf("open database: a spill folder under %s: %w (--temp-dir names the folder to use)", base, err)
	}
	conn, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		removeSpill()
		return nil, fmt.Errorf("open database %q: %w", opts.Path, heldElsewhere(err))
	}
	db := sql.OpenDB(spillConnector{conn, removeSpill})
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	// Inserts need not keep their input order (DuckDB's default keeps it):
	// canonical tables are read with an order by, and the transformations
	// after the raw load ran 1.5-2x slower ordered (issue 5). The raw loads,
	// which number records by position, ask for order (loader.ordered).
	settings := []string{"set TimeZone = 'UTC'", "set preserve_insertion_order = false"}
	if opts.MemoryLimit == "" {
		opts.MemoryLimit = DefaultMemoryLimit()
	}
	settings = append(settings, "set memory_limit = "+quote(opts.MemoryLimit), "set temp_directory = "+quote(spill))
	if opts.Path == "" {
		// DuckDB checkpoints an in-memory database once a transaction's
		// undo buffers pass checkpoint_threshold (16 MB), and with updates
		// that checkpoint rewrites the row groups: the first large update
		// after a load (the AuthDetails verdicts of 950 k sign-ins, or
		// numbering a CSV's records after its insert) took 3-6 s instead
		// of 0.2 s (issue 5). Nothing is gained from it while mfagap runs:
		// it compresses nothing by default, and the database ends with the
		// process.
		settings = append(settings, "set checkpoint_threshold = '1TiB'")
	}
	if opts.Scratch && dsn != "" {
		// A temporary file is removed once it is closed, and DuckDB
		// checkpoints a file as it closes it: at 10 M Graph sign-ins that
		// took 7.4-8.2 s and raised the run's peak RSS from 3482 to 3911
		// MiB, its highest point, for nothing (issue 5). Its log is
		// removed with it.
		settings = append(settings, "pragma disable_checkpoint_on_shutdown")
	}
	if opts.Threads > 0 {
		settings = append(settings, fmt.Sprintf("set threads = %d", opts.Threads))
	}
	for _, s := range settings {
		if _, err := db.ExecContext(ctx, s); err != nil {
			db.Close()
			return nil, fmt.Errorf("prepare database: %s: %w", firstLine(s), err)
		}
	}
	if opts.KeepFreedBlocks {
		if err := keepFreedBlocks(ctx, db); err != nil {
			db.Close()
			return nil, fmt.Errorf("prepare database: %w", err)
		}
	}
	if err := migrateSteps(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("prepare database: steps table of an earlier mfagap: %w", err)
	}
	earlier, err := migratePolicies(ctx, db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("prepare database: policy results of an earlier mfagap: %w", err)
	}
	var hadResults int
	if err := db.QueryRowContext(ctx, stepResultsViews).Scan(&hadResults); err != nil {
		db.Close()
		return nil, fmt.Errorf("prepare database: %w", err)
	}
	if _, err := db.ExecContext(ctx, schemaSQL); err != nil {
		db.Close()
		return nil, fmt.Errorf("prepare database: %w", err)
	}
	if err := registerUDFs(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("prepare database: %w", err)
	}
	if earlier {
		if err := policiesOfEarlierLoad(ctx, db); err != nil {
			db.Close()
			return nil, fmt.Errorf("prepare database: policy results of an earlier mfagap: %w", err)
		}
	}
	if hadResults == 0 {
		if err := stepResultsOfEarlierLoad(ctx, db); err != nil {
			db.Close()
			return nil, fmt.Errorf("prepare database: steps of an earlier mfagap: %w", err)
		}
	}
	return db, nil
}

// stepResultsViews counts the view signin_auth_step_results (schema.sql).
const stepResultsViews = `select count(*) from duckdb_views()
where database_name = current_database() and schema_name = 'main' and view_name = 'signin_auth_step_results'`

// stepResultsOfEarlierLoad makes the steps' views as the last load would
// have (stepsView) in a database written before signin_auth_step_results
// existed, which schema.sql has just made in its plain form: a load of
// portal downloads that may overlap takes a sign-in's AuthDetails rows from
// its first file only, and both views must.
func stepResultsOfEarlierLoad(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, "select count(*) from (from portal_auth_details limit 1)").Scan(&n); err != nil || n == 0 {
		return err
	}
	overlap, err := authDetailsOverlap(ctx, db)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, stepsView(overlap))
	return err
}

// migrateSteps renames the steps table of a database written before
// signin_auth_steps became a view (schema.sql), whose portal AuthDetails
// rows were copied into it: it becomes graph_auth_steps, and the view adds
// no portal row to a sign-in that has steps there.
func migrateSteps(ctx context.Context, db *sql.DB) error {
	old, err := MainTable(ctx, db, "signin_auth_steps")
	if err != nil || !old {
		return err
	}
	_, err = db.ExecContext(ctx, "alter table signin_auth_steps rename to graph_auth_steps")
	return err
}

// MainTable says whether db's own main schema has a table (not a view) of
// that name: how Open tells a database of an earlier mfagap, where a view
// of now was a table, and how analyze tells which optional inputs (the
// register, user exports, …) were loaded.
func MainTable(ctx context.Context, db *sql.DB, name string) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, `select count(*) from duckdb_tables()
where database_name = current_database() and schema_name = 'main' and table_name = ?`, name).Scan(&n)
	return n > 0, err
}

// lockHolderRe finds the program and process DuckDB names when another
// process holds a database file's lock.
var lockHolderRe = regexp.MustCompile(`Conflicting lock is held in (.*) \(PID (\d+)\)`)

// heldElsewhere says in plain words that another process has the database
// file open (a second run given the same --db while the first still loads,
// or a DuckDB shell left open on it), which DuckDB reports as a lock
// conflict in its own words; other errors pass unchanged.
func heldElsewhere(err error) error {
	m := lockHolderRe.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	return fmt.Errorf("another process has it open (%s, process %s), and only one process at a time may use a DuckDB file: "+
		"wait until that one ends, or give another --db", m[1], m[2])
}

// SpillPrefix begins the name of the folder each database spills into.
const SpillPrefix = "mfagap-spill-"

// spillConnector is DuckDB's connector with the database's spill folder,
// removed when the database is closed (sql.DB.Close closes its connector).
type spillConnector struct {
	*duckdb.Connector
	remove func() error // MakeTemp's
}

func (c spillConnector) Close() error {
	err := c.Connector.Close()
	if rerr := c.remove(); err == nil {
		err = rerr
	}
	return err
}

// quote renders s as a SQL string literal. Paths and names from the outside
// world only ever reach SQL through this function or bound parameters.
func quote(s string) string {
	out := make([]byte, 0, len(s)+2)
	out = append(out, '\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		if s[i] == 0 {
			continue // DuckDB strings cannot hold NUL; paths never need it
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}

// ident renders s as a quoted SQL identifier.
func ident(s string) string {
	out := make([]byte, 0, len(s)+2)
	out = append(out, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			out = append(out, '"')
		}
		if s[i] == 0 {
			continue
		}
		out = append(out, s[i])
	}
	return string(append(out, '"'))
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}

// keepFreedBlocks lets DuckDB's block allocator keep up to a third of the
// memory limit (at most 1 GiB) of the buffer blocks it frees, where by
// default it gives each back to the system and takes fresh pages, which
// the kernel must zero, for the next: that zeroing was up to 18 % of a
// Graph ingest's CPU samples on this project's VMs (issue 5). On 1 M
// sign-ins in memory, alternated twice: Graph JSON 37.8 / 33.7 s → 29.4 /
// 25.2 s, diagnostic NDJSON 31.8 / 32.8 s → 28.4 / 27.3 s, minor page faults
// a fifth to a quarter fewer, peak RSS the same (2.8-3.0 GB for those two,
// whose estimated tables, 2.8 GiB, are near the most --storage auto keeps in
// memory; docs/performance.md). A database file gains as much: writing its
// blocks compressed takes fresh ones for each segment, a sixth of the CPU
// samples of 1 M sign-ins copied into a file went to zeroing pages. 1 M
// diagnostic sign-ins with --storage disk, alternated twice: 35.9 / 34.2 s
// → 27.6 / 24.4 s, peak RSS the same (1.1-1.2 GB); the 1 M portal CSV the
// same way, three times: 17.1, 17.0, 13.0 s → 14.3, 13.7, 11.8 s. At 10 M
// (a file, as auto takes, past the limit) the portal CSV gains a fifth
// (79.1, 76.7 s → 61.3, 63.0 s, peak 1.6-1.7 GiB both ways), the diagnostic
// NDJSON neither gains nor costs (329.4 and 305.2 s without, 304.2 s with,
// peak RSS 3.29 / 3.34 GiB without and 3.28 GiB with). A third
// of the limit: half of it (512 MiB at the default limit) gave the NDJSON
// the same and the Graph array less. The bench's floors, opened here too,
// get the same allocator.
//
// It costs where little memory churns: the ingest tests' Portal, Graph, Log
// Analytics, audit and diagnostic tests (hundreds of small databases in
// one process) took 192.6 s against 158-160 s without it, peak RSS 1.28 GB
// against 0.84 GB; so Open applies it only when asked (KeepFreedBlocks),
// which the CLI and the bench's floor do for inputs whose estimated tables
// reach KeepFreedBlocksFrom.
func keepFreedBlocks(ctx context.Context, db *sql.DB) error {
	var limit string
	if err := db.QueryRowContext(ctx, "select current_setting('memory_limit')").Scan(&limit); err != nil {
		return err
	}
	n, err := ParseBytes(limit) // as DuckDB writes it: "3.0 GiB"
	if err != nil {
		return nil // not a size as expected: DuckDB's default
	}
	keep := min(n/3, 1<<30) >> 20
	if keep == 0 {
		return nil
	}
	_, err = db.ExecContext(ctx, fmt.Sprintf("set block_allocator_memory = '%dMiB'", keep))
	return err
}

// KeepFreedBlocksFrom is the estimated table size (EstimateTableBytes) from
// which a database in memory keeps freed blocks: 256 MiB, about 100 000
// Graph or diagnostic sign-ins.
const KeepFreedBlocksFrom = 256 << 20

// DefaultMemoryLimit is DuckDB's memory_limit when none is given: half the
// machine's memory, at most 3 GiB. DuckDB's own default (80% of memory) let a
// 1M-row Graph JSON load reach 5.5 GB of resident memory; with 3 GiB a 10M-row
// export loads, spilling to the temp directory, within 4 GB (issue 5,
// docs/performance.md).
func DefaultMemoryLimit() string {
	const maxLimit = 3 << 30
	limit := int64(maxLimit)
	if total := PhysicalMemory(); total > 0 {
		limit = min(limit, total/2)
	}
	return fmt.Sprintf("%dMiB", limit>>20)
}

// PhysicalMemory is the machine's memory in bytes, MemTotal of
// /proc/meminfo; 0 where there is none.
func PhysicalMemory() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
