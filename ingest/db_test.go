package ingest

import (
	"context"
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
	db, err := Open(context.Background(), DBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var setting string
	db.QueryRow("select current_setting('memory_limit')").Scan(&setting)
	if setting == "" {
		t.Fatal("no memory_limit")
	}
	t.Logf("default %s, DuckDB reports %s", got, setting)
}
