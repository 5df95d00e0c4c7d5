package ingest

import (
	"context"
	"database/sql"
	"fmt"
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
	if total := physicalMemory(); total > 0 && int64(mib)<<20 > total/2 {
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

// TestInMemoryCheckpointThreshold: an in-memory database never checkpoints
// while mfagap runs (a checkpoint after the first large update rewrote the
// row groups: 3-6 s at 1 M sign-ins); a database file keeps DuckDB's
// threshold, which bounds its write-ahead log.
func TestInMemoryCheckpointThreshold(t *testing.T) {
	ctx := context.Background()
	for _, path := range []string{"", filepath.Join(t.TempDir(), "t.duckdb")} {
		db, err := Open(ctx, DBOptions{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if err := db.QueryRow("select current_setting('checkpoint_threshold')::varchar").Scan(&got); err != nil {
			t.Fatal(err)
		}
		db.Close()
		want := "16.0 MiB"
		if path == "" {
			want = "1.0 TiB"
		}
		if got != want {
			t.Errorf("database %q: checkpoint_threshold %s, want %s", path, got, want)
		}
	}
}
