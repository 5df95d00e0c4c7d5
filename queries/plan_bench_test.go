package queries_test

import (
	"context"
	"testing"

	"github.com/mfagap/mfagap/analyze"
	"github.com/mfagap/mfagap/ingest"
	"github.com/mfagap/mfagap/queries"
)

// BenchmarkPlan times DuckDB's planning of each check (EXPLAIN over the
// empty schema, after analyze has made its shared views): a cost paid once
// per check and run whatever the data's size, and the one nested macros
// blow up (a macro's body is bound again at every use, its arguments
// copied in). Run: go test ./queries -run '^$' -bench Plan.
func BenchmarkPlan(b *testing.B) {
	ctx := context.Background()
	db, err := ingest.Open(ctx, ingest.DBOptions{Threads: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := analyze.Run(ctx, db, analyze.Options{}); err != nil {
		b.Fatal(err)
	}
	checks, err := queries.Load(queries.FS)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range checks {
		b.Run(c.ID, func(b *testing.B) {
			for b.Loop() {
				rows, err := db.QueryContext(ctx, "explain "+c.SQL)
				if err != nil {
					b.Fatal(err)
				}
				rows.Close()
			}
		})
	}
}
