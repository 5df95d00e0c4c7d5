package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestDefaultMemoryLimit(t *testing.T) {
	got := DefaultMemoryLimit()
	mib, err := strconv.Atoi(strings.TrimSuffix(got, "MiB"))
	if err != nil || mib <= 0 || mib > 3072 {
		t.Fatalf("DefaultMemoryLimit() = %q, want 1..3072 MiB", got)
	}
	if total := PhysicalMemory(); total > 0 && int64(mib)<<20 > total/2 {
		t.Errorf("%s is more than half of %d bytes", got, total)
	}
	db := memDB(t)
	var setting string
	db.QueryRow("select current_setting('memory_limit')").Scan(&setting)
	if setting == "" {
		t.Fatal("no memory_limit")
	}
	t.Logf("default %s, DuckDB reports %s", got, setting)
}

// storageVersion is the storage format DuckDB reports for database name.
func storageVersion(t *testing.T, db *sql.DB, name string) string {
	t.Helper()
	return query1[string](t, db, "select coalesce(tags['storage_version'], '') from duckdb_databases() where database_name = ?", name)
}

func TestScratchStorageFormat(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, tc := range []struct {
		scratch bool
		want    string
	}{{true, scratchStorage}, {false, "v1.0.0"}} {
		path := filepath.Join(dir, fmt.Sprintf("scratch-%t.duckdb", tc.scratch))
		db, err := Open(ctx, DBOptions{Path: path, Scratch: tc.scratch})
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(path), ".duckdb")
		if got := storageVersion(t, db, name); !strings.HasPrefix(got, tc.want) {
			t.Errorf("Scratch %t: storage version %q, want %s…", tc.scratch, got, tc.want)
		}
		db.Close()
	}
	// The stage database, a temporary file too, is in the newest format.
	db := memDB(t)
	l := &loader{db: db, tmp: dir}
	if err := l.attachStage(ctx); err != nil {
		t.Fatal(err)
	}
	defer l.detachStage()
	if got := storageVersion(t, db, stageDB); !strings.HasPrefix(got, scratchStorage) {
		t.Errorf("stage database: storage version %q, want %s…", got, scratchStorage)
	}
}

func TestOpenRefusesQuestionMark(t *testing.T) {
	path := filepath.Join(t.TempDir(), "what?.duckdb")
	_, err := Open(context.Background(), DBOptions{Path: path})
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "'?'") {
		t.Fatalf("Open(%q) error = %v, want one naming the path and the '?'", path, err)
	}
}

// A database in memory never checkpoints while mfagap runs (a checkpoint
// after the first large update rewrote the row groups: 3-6 s at 1 M
// sign-ins); a database file keeps DuckDB's checkpoint threshold, which
// bounds its write-ahead log. Either, when asked (inputs big enough), keeps
// freed blocks up to a third of its memory limit, at most 1 GiB
// (keepFreedBlocks), and none when not asked.
func TestOpenSettings(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		path, limit     string
		keepAsked       bool
		threshold, keep string
	}{
		{"", "3GiB", true, "1.0 TiB", "1.0 GiB"},
		{"", "6GiB", true, "1.0 TiB", "1.0 GiB"},
		{"", "600MiB", true, "1.0 TiB", "200.0 MiB"},
		{"", "3GiB", false, "1.0 TiB", "0 bytes"},
		{filepath.Join(t.TempDir(), "t.duckdb"), "3GiB", true, "16.0 MiB", "1.0 GiB"},
		{filepath.Join(t.TempDir(), "u.duckdb"), "600MiB", true, "16.0 MiB", "200.0 MiB"},
		{filepath.Join(t.TempDir(), "v.duckdb"), "3GiB", false, "16.0 MiB", "0 bytes"},
	} {
		db, err := Open(ctx, DBOptions{Path: c.path, MemoryLimit: c.limit, KeepFreedBlocks: c.keepAsked})
		if err != nil {
			t.Fatal(err)
		}
		var threshold, keep string
		err = db.QueryRow("select current_setting('checkpoint_threshold')::varchar, current_setting('block_allocator_memory')::varchar").Scan(&threshold, &keep)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if threshold != c.threshold || keep != c.keep {
			t.Errorf("database %q, memory limit %s: checkpoint_threshold %s, block_allocator_memory %s; want %s, %s",
				c.path, c.limit, threshold, keep, c.threshold, c.keep)
		}
	}
	// The limit is read back as DuckDB writes it.
	for in, want := range map[string]int64{"3.0 GiB": 3 << 30, "476.5 MiB": 476<<20 + 1<<19, "0 bytes": 0} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

// TestScratchClosedWithoutCheckpoint: a temporary database file (Scratch)
// is closed without the checkpoint DuckDB makes when it closes a file, since
// the file is removed right after (at 10 M Graph sign-ins that checkpoint took
// 8 s and set the run's peak RSS); its last writes stay in the log beside it.
// A file the user named is checkpointed as it is closed: no log is left,
// and it opens again with its rows.
func TestScratchClosedWithoutCheckpoint(t *testing.T) {
	ctx := context.Background()
	for _, scratch := range []bool{true, false} {
		path := filepath.Join(t.TempDir(), "t.duckdb")
		db, err := Open(ctx, DBOptions{Path: path, MemoryLimit: "1GiB", Scratch: scratch})
		if err != nil {
			t.Fatal(err)
		}
		// Small enough to stay in the log until a checkpoint.
		if _, err := db.ExecContext(ctx, "create table t as select range as i from range(1000)"); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		_, statErr := os.Stat(path + ".wal")
		if logLeft := statErr == nil; logLeft != scratch {
			t.Errorf("Scratch %v: log left beside the file after closing: %v (stat: %v)", scratch, logLeft, statErr)
		}
		if scratch {
			continue
		}
		db, err = Open(ctx, DBOptions{Path: path, MemoryLimit: "1GiB"})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		err = db.QueryRowContext(ctx, "select count(*) from t").Scan(&n)
		db.Close()
		if err != nil || n != 1000 {
			t.Errorf("user's file opened again: %d rows, %v; want 1000", n, err)
		}
	}
}

// TestSpillFolderOfItsOwn: two databases given the same TempDir, as two runs
// of one script given the same --temp-dir, spill at the same time into
// folders of their own under it and get their own answers; each folder is
// gone once its database is closed. DuckDB names its spill files the same
// in every database, and two runs spilling into one folder crashed one of
// them. Without a TempDir the folder is under the system's temporary folder,
// not DuckDB's default .tmp in the working folder.
func TestSpillFolderOfItsOwn(t *testing.T) {
	ctx := context.Background()
	shared := t.TempDir()
	spillOf := func(db *sql.DB) string {
		var dir string
		if err := db.QueryRowContext(ctx, "select current_setting('temp_directory')").Scan(&dir); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	// Database i makes a table larger than the memory limit, which
	// spills, and sorts it; its answer is its own.
	table := func(i int) string {
		return fmt.Sprintf("create table t as select range as i, md5(range::varchar || '%d') as h from range(2000000)", i)
	}
	query := func(i int) string {
		return fmt.Sprintf("select sum(i * (%d + r))::varchar from (select i, row_number() over (order by h) as r from t)", i+1)
	}
	sums := make([]string, 2)
	errs := make(chan error, 2)
	var dirs []string
	for i := range 2 {
		db, err := Open(ctx, DBOptions{TempDir: shared, MemoryLimit: "64MB"})
		if err != nil {
			t.Fatal(err)
		}
		dir := spillOf(db)
		if filepath.Dir(dir) != shared || !strings.HasPrefix(filepath.Base(dir), SpillPrefix) {
			t.Fatalf("database %d spills into %s, want a folder of its own under %s", i, dir, shared)
		}
		dirs = append(dirs, dir)
		go func() {
			_, err := db.ExecContext(ctx, table(i))
			if err == nil {
				err = db.QueryRowContext(ctx, query(i)).Scan(&sums[i])
			}
			var n int
			if err == nil {
				err = db.QueryRowContext(ctx, "select count(*) from duckdb_temporary_files() where starts_with(path, ?)", dir).Scan(&n)
			}
			if err == nil && n == 0 {
				err = fmt.Errorf("database %d did not spill into %s: the test proves nothing", i, dir)
			}
			if err == nil {
				err = db.Close()
			}
			errs <- err
		}()
	}
	if dirs[0] == dirs[1] {
		t.Fatalf("both databases spill into %s", dirs[0])
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for i, got := range sums {
		// The order by a hash pairs each i with some rank r: checked
		// against the same query on a database with room not to spill.
		db := memDB(t)
		var want string
		if _, err := db.ExecContext(ctx, table(i)); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, query(i)).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("database %d: %s, want %s", i, got, want)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(shared, "*")); len(left) > 0 {
		t.Errorf("left under the temp folder: %v", left)
	}
	db := memDB(t)
	if dir := spillOf(db); filepath.Dir(dir) != filepath.Clean(os.TempDir()) {
		t.Errorf("without a TempDir the database spills into %s, want a folder under %s", dir, os.TempDir())
	}
}
