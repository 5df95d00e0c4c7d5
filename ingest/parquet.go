package ingest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
func WriteParquet(ctx context.Context, db *sql.DB, dir string) error {
	if err := prepareParquetDir(dir); err != nil {
		return err
	}
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
to %s (format parquet, partition_by (tenant_id, day), overwrite_or_ignore true)`, quote(filepath.Join(dir, "signins")))
		default:
			q = fmt.Sprintf("copy %s to %s (format parquet)", ident(t), quote(filepath.Join(dir, t+".parquet")))
		}
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("write parquet %s: %w", t, err)
		}
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, ParquetMarker), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write parquet: %w", err)
	}
	return nil
}

func prepareParquetDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return os.MkdirAll(dir, 0o755)
	case err != nil:
		return fmt.Errorf("write parquet: %w", err)
	case len(entries) == 0:
		return nil
	}
	if !IsParquetDir(dir) {
		return fmt.Errorf("write parquet: %s is not empty and holds no %s; give an empty or new folder", dir, ParquetMarker)
	}
	// An earlier export: replace it whole, so no stale partition survives.
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("write parquet: %w", err)
		}
	}
	return nil
}

// IsParquetDir reports whether dir was written by WriteParquet.
func IsParquetDir(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, ParquetMarker))
	return err == nil && st.Mode().IsRegular()
}

// canonicalTables lists the persistent tables of the schema.
func canonicalTables(ctx context.Context, db *sql.DB) ([]string, error) {
	out, err := queryColumn[string](ctx, db, `select table_name from duckdb_tables()
where database_name = current_database() and schema_name = 'main' and not temporary order by table_name`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	return out, nil
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
		sel := "*"
		if hasColumn(ctx, l.db, t, "source_id") {
			sel = fmt.Sprintf("* replace (source_id + %d as source_id)", offset)
		}
		verb := "insert into"
		if hasPrimaryKey(ctx, l.db, t) {
			verb = "insert or replace into" // seeded reference tables (role templates, account patterns)
		}
		q := fmt.Sprintf("%s %s by name select %s from %s", verb, ident(t), sel, from)
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
