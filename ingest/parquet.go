package ingest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ParquetMarker is the file that marks a folder written by WriteParquet.
const ParquetMarker = "mfagap-parquet.json"

// ParquetSchema is the version of the canonical tables in a Parquet folder;
// it changes whenever schema.sql changes a column of an exported table.
const ParquetSchema = 1

// parquetManifest is the content of ParquetMarker.
type parquetManifest struct {
	Format        string           `json:"format"`
	SchemaVersion int              `json:"schema_version"`
	Tables        map[string]int64 `json:"tables"` // table → rows
	Note          string           `json:"note"`
}

// WriteParquet writes every canonical table of db to dir as Parquet, for a
// large history to be loaded once and queried many times, by mfagap or any
// other engine (issue 5): signins hive-partitioned by tenant_id and day
// (signins/tenant_id=…/day=YYYY-MM-DD/*.parquet), every other table as
// <table>.parquet, and the marker file that LoadParquet looks for. dir must be
// empty, absent, or an earlier such folder (which is replaced).
//
// The tables are written into a hidden folder inside dir and moved up only
// once all are written, the marker last; an earlier export is removed only
// then. A write that fails (a full disk, an interrupt) leaves dir as it was:
// a history that took an hour to load is not lost to a failed refresh.
func WriteParquet(ctx context.Context, db *sql.DB, dir string) (err error) {
	if err := prepareParquetDir(dir); err != nil {
		return err
	}
	work, removeWork, err := MakeTemp(dir, parquetWorkPrefix)
	if err != nil {
		return fmt.Errorf("write parquet: %w", err)
	}
	defer func() {
		removeWork()
		if outOfSpace(err) {
			err = fmt.Errorf("out of disk space writing Parquet to %s: %w; nothing was changed there (an earlier export is as it was): free space on that disk or give another folder", dir, err)
		}
	}()
	tables, err := canonicalTables(ctx, db)
	if err != nil {
		return err
	}
	m := parquetManifest{Format: "mfagap-parquet", SchemaVersion: ParquetSchema, Tables: map[string]int64{},
		Note: "signins/ is hive-partitioned by tenant_id and day; read it with read_parquet('signins/**/*.parquet', hive_partitioning = true)"}
	for _, t := range tables {
		var n int64
		if err := db.QueryRowContext(ctx, "select count(*) from "+ident(t)).Scan(&n); err != nil {
			return fmt.Errorf("write parquet %s: %w", t, err)
		}
		m.Tables[t] = n
		var q string
		switch {
		case t == "signins" && n == 0:
			continue // a partitioned COPY of no rows writes no file
		case t == "signins":
			q = fmt.Sprintf(`copy (select *, cast(created_at as date) as day from signins)
to %s (format parquet, partition_by (tenant_id, day), overwrite_or_ignore true)`, quote(filepath.Join(work, "signins")))
		default:
			q = fmt.Sprintf("copy %s to %s (format parquet)", ident(t), quote(filepath.Join(work, t+".parquet")))
		}
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("write parquet %s: %w", t, err)
		}
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := writeSynced(filepath.Join(work, ParquetMarker), append(b, '\n')); err != nil {
		return fmt.Errorf("write parquet: %w", err)
	}
	return publishParquet(dir, work)
}

// CheckParquetDir says, before a load that can take minutes, whether
// WriteParquet could write to dir: it must be new (it is created), empty or
// an earlier export, and take a new folder.
func CheckParquetDir(dir string) error {
	if err := prepareParquetDir(dir); err != nil {
		return err
	}
	work, err := os.MkdirTemp(dir, parquetWorkPrefix)
	if err != nil {
		return fmt.Errorf("write parquet: %w", err)
	}
	return os.Remove(work)
}

// parquetWorkPrefix names the hidden folder a Parquet export is written in
// before it replaces the folder's content (MakeTemp's, locked while its run
// writes); one left by a killed run is removed by the next, one that
// another run is writing is left to it.
const parquetWorkPrefix = ".mfagap-new-"

// prepareParquetDir makes sure dir can take an export: it is created when
// absent; it must otherwise be empty or hold an earlier export (its marker),
// besides what a killed run left, which is removed.
func prepareParquetDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("write parquet: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("write parquet: %w", err)
	}
	mine := 0
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), parquetWorkPrefix) {
			continue
		}
		mine++
		work := filepath.Join(dir, e.Name())
		unlock, held, err := tryLockTemp(filepath.Join(work, tempLock))
		if held {
			continue
		}
		if err == nil {
			defer unlock()
		}
		if err := os.RemoveAll(work); err != nil {
			return fmt.Errorf("write parquet: %w", err)
		}
	}
	if len(entries) > mine && !IsParquetDir(dir) {
		return fmt.Errorf("write parquet: %s is not empty and holds no %s; give an empty or new folder", dir, ParquetMarker)
	}
	return nil
}

// publishParquet replaces dir's content by work's (a folder inside dir):
// the earlier export is removed, marker first so that no half state reads
// as an export, then work's files are moved up, marker last.
func publishParquet(dir, work string) error {
	old, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("write parquet: %w", err)
	}
	if err := os.Remove(filepath.Join(dir, ParquetMarker)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("write parquet: %w", err)
	}
	for _, e := range old {
		if !strings.HasPrefix(e.Name(), parquetWorkPrefix) { // this export's work and another run's
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("write parquet: replace the earlier export: %w", err)
			}
		}
	}
	entries, err := os.ReadDir(work)
	if err != nil {
		return fmt.Errorf("write parquet: %w", err)
	}
	for _, e := range entries {
		if e.Name() != ParquetMarker && e.Name() != tempLock {
			if err := os.Rename(filepath.Join(work, e.Name()), filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("write parquet: %w", err)
			}
		}
	}
	if err := os.Rename(filepath.Join(work, ParquetMarker), filepath.Join(dir, ParquetMarker)); err != nil {
		return fmt.Errorf("write parquet: %w", err)
	}
	return nil // work, its lock alone, goes with WriteParquet's removeWork
}

// writeSynced writes b to a new file at path and syncs it, so that a full
// disk shows here and not after the export is declared complete.
func writeSynced(path string, b []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// IsParquetDir reports whether dir was written by WriteParquet.
func IsParquetDir(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, ParquetMarker))
	return err == nil && st.Mode().IsRegular()
}

// The steps' table, which sign-in records fill, and the view over it and
// the portal AuthDetails (schema.sql), which a Parquet folder holds in its
// place: canonicalTables writes the one for the other, parquetTable reads
// it back.
const (
	stepsTableName = "graph_auth_steps"
	stepsViewName  = "signin_auth_steps"
)

// canonicalTables lists the persistent tables of the schema as a Parquet
// folder holds them: the view of every step in place of the steps' table,
// and the view of the policy results in place of their two tables, so that
// other engines read the steps and the policy results whole.
func canonicalTables(ctx context.Context, db *sql.DB) ([]string, error) {
	out, err := queryColumn[string](ctx, db, `select table_name from duckdb_tables()
where database_name = current_database() and schema_name = 'main' and not temporary`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	tables := out[:0]
	for _, t := range out {
		switch t {
		case stepsTableName:
			tables = append(tables, stepsViewName)
		case policiesTable:
			tables = append(tables, policiesView)
		case policyRefTable:
		default:
			tables = append(tables, t)
		}
	}
	out = tables
	sort.Strings(out)
	return out, nil
}

// parquetTable is the table the rows of a Parquet folder's table t load
// into: the steps (written from the view) into the steps' table, where the
// view adds no AuthDetails row to a sign-in that has steps.
func parquetTable(t string) string {
	if t == stepsViewName {
		return stepsTableName
	}
	return t
}

// queryColumn returns the first column of every row of q.
func queryColumn[T any](ctx context.Context, db *sql.DB, q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// loadParquet reads a folder written by WriteParquet back into the canonical
// tables. Source ids are shifted past those already in db, so a Parquet
// history and new exports can be loaded together (new sign-ins that repeat
// the history count as duplicates).
func (l *loader) loadParquet(ctx context.Context, dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, ParquetMarker))
	if err != nil {
		return fmt.Errorf("parquet %s: %w", dir, err)
	}
	var m parquetManifest
	if err := json.Unmarshal(b, &m); err != nil || m.Format != "mfagap-parquet" {
		return fmt.Errorf("parquet %s: %s is not an mfagap manifest", dir, ParquetMarker)
	}
	if m.SchemaVersion != ParquetSchema {
		return fmt.Errorf("parquet %s: written with schema version %d, this mfagap reads version %d; ingest the exports again",
			dir, m.SchemaVersion, ParquetSchema)
	}
	var offset int
	if err := l.db.QueryRowContext(ctx, "select coalesce(max(source_id), 0) from sources").Scan(&offset); err != nil {
		return err
	}
	tables, err := canonicalTables(ctx, l.db)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, t := range tables {
		known[t] = true
	}
	for t, n := range m.Tables {
		if !known[t] {
			return fmt.Errorf("parquet %s: table %s is not in this mfagap's schema", dir, t)
		}
		if n == 0 {
			continue
		}
		from := fmt.Sprintf("read_parquet(%s)", quote(filepath.Join(dir, t+".parquet")))
		if t == "signins" {
			from = fmt.Sprintf("(select * exclude (day) from read_parquet(%s, hive_partitioning = true, hive_types = {'tenant_id': VARCHAR, 'day': DATE}))",
				quote(filepath.Join(dir, "signins", "**", "*.parquet")))
		}
		if t == policiesView {
			if err := insertPolicies(ctx, l.db, from, offset); err != nil {
				return fmt.Errorf("parquet %s: load %s: %w", dir, t, err)
			}
			continue
		}
		into := parquetTable(t)
		sel := "*"
		if hasColumn(ctx, l.db, into, "source_id") {
			sel = fmt.Sprintf("* replace (source_id + %d as source_id)", offset)
		}
		verb := "insert into"
		if hasPrimaryKey(ctx, l.db, into) {
			verb = "insert or replace into" // seeded reference tables (role templates, account patterns)
		}
		q := fmt.Sprintf("%s %s by name select %s from %s", verb, ident(into), sel, from)
		if _, err := l.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("parquet %s: load %s: %w", dir, t, err)
		}
	}
	return nil
}

func hasColumn(ctx context.Context, db *sql.DB, table, column string) bool {
	var n int
	db.QueryRowContext(ctx, `select count(*) from duckdb_columns()
where schema_name = 'main' and table_name = ? and column_name = ?`, table, column).Scan(&n)
	return n > 0
}

func hasPrimaryKey(ctx context.Context, db *sql.DB, table string) bool {
	var n int
	db.QueryRowContext(ctx, `select count(*) from duckdb_constraints()
where schema_name = 'main' and table_name = ? and constraint_type = 'PRIMARY KEY'`, table).Scan(&n)
	return n > 0 && !strings.EqualFold(table, "sources")
}
