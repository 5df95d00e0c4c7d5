package ingest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Go functions DuckDB calls from SQL, for rules whose exact Go behaviour SQL
// cannot reproduce cheaply. Each is the Go function the careful path calls,
// so the SQL path and the careful path cannot read a value differently.

// textUDF is a scalar function of one VARCHAR to VARCHAR (NULL in, NULL out).
type textUDF func(string) string

func (f textUDF) Config() duckdb.ScalarFuncConfig {
	varchar, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{varchar}, ResultTypeInfo: varchar}
}

func (f textUDF) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(v []driver.Value) (any, error) {
		s, ok := v[0].(string)
		if !ok {
			return nil, fmt.Errorf("expected a VARCHAR, got %T", v[0])
		}
		return f(s), nil
	}}
}

// udfs are registered on every database Open returns.
var udfs = map[string]textUDF{
	// mfagap_client_ip(s) is clientIP: the audit log's ClientIP without
	// port or brackets, IPv4-mapped IPv6 as IPv4, IPv6 in Go's canonical
	// form (ualFastCSV).
	"mfagap_client_ip": clientIP,
}

func registerUDFs(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for name, f := range udfs {
		if err := duckdb.RegisterScalarUDF(conn, name, f); err != nil {
			return fmt.Errorf("register %s: %w", name, err)
		}
	}
	if err := registerUALGo(conn); err != nil {
		return fmt.Errorf("register mfagap_ual_lines: %w", err)
	}
	return nil
}
