package ingest

import (
	"database/sql"
	"testing"
)

func query1[T any](t *testing.T, db *sql.DB, q string, args ...any) T {
	t.Helper()
	var v T
	if err := db.QueryRow(q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

func rejectReasons(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query("select reason from rejected_rows order by source_id, source_record")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		rows.Scan(&r)
		out = append(out, r)
	}
	return out
}
