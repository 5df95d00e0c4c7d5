package ingest

import (
	"context"
	"database/sql"
	"fmt"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Go functions DuckDB calls from SQL, for rules whose exact Go behaviour SQL
// cannot reproduce cheaply: the audit log's fast paths (ualgo.go) read its
// records with the careful path's own Go functions, so the paths cannot
// read a value differently. They are registered on every database Open
// returns: mfagap_ual_cell(audit) and mfagap_ual_csv_cell(audit), scalar
// functions, and mfagap_ual_lines(read), a table function, which the Log
// Analytics Go readers use too (lago.go); mfagap_la_pol(read, policies,
// applied) and mfagap_la_pol_cells(read), the Log Analytics policy cells
// kept once each (lapol.go).
func registerUDFs(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for name, f := range map[string]ualCellUDF{"mfagap_ual_cell": {}, "mfagap_ual_csv_cell": {quoted: true}} {
		if err := duckdb.RegisterScalarUDF(conn, name, f); err != nil {
			return fmt.Errorf("register %s: %w", name, err)
		}
	}
	if err := registerUALGo(conn); err != nil {
		return fmt.Errorf("register mfagap_ual_lines: %w", err)
	}
	if err := registerLAPol(conn); err != nil {
		return fmt.Errorf("register mfagap_la_pol: %w", err)
	}
	return nil
}
