//go:build linux || darwin

package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDBHelperProcess is not a test: run by TestDatabaseHeldElsewhere as
// another process, it opens the database file it is given, says so, and
// waits to be killed.
func TestDBHelperProcess(t *testing.T) {
	path := os.Getenv("MFAGAP_DB_HELPER")
	if path == "" {
		t.Skip("helper process for TestDatabaseHeldElsewhere")
	}
	db, err := Open(context.Background(), DBOptions{Path: path, TempDir: filepath.Dir(path)})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	defer db.Close()
	fmt.Println("open")
	time.Sleep(time.Minute)
	os.Exit(0)
}

// TestDatabaseHeldElsewhere: a --db file another process has open (a run
// still loading into it) is refused in plain words naming that process,
// not in DuckDB's words about a lock; once it ends, the file opens.
func TestDatabaseHeldElsewhere(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tenant.duckdb")
	cmd, line := helperProcess(t, "TestDBHelperProcess", "MFAGAP_DB_HELPER="+path)
	if line != "open" {
		t.Fatalf("helper said %q", line)
	}

	_, err := Open(context.Background(), DBOptions{Path: path, TempDir: dir})
	if err == nil {
		t.Fatal("opened a database file another process has open")
	}
	for _, want := range []string{strconv.Quote(path), "another process has it open", "process " + strconv.Itoa(cmd.Process.Pid), "give another --db"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "Conflicting lock") {
		t.Errorf("error %q is DuckDB's, not ours", err)
	}

	cmd.Process.Kill()
	cmd.Wait()
	db, err := Open(context.Background(), DBOptions{Path: path, TempDir: dir})
	if err != nil {
		t.Fatalf("after the other process ended: %v", err)
	}
	db.Close()
}
