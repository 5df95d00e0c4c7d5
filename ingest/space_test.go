package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/duckdb/duckdb-go/v2"
)

// A full disk is known from Go's error and DuckDB's own errors, all real
// (a write to /dev/full; a spill folder with no room left), and from nothing
// else: not an allocation with nowhere to spill, not DuckDB quoting a value
// that reads "No space left on device", not the text in an error that is
// not DuckDB's; it is wrapped once.
func TestOutOfSpace(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full on this system")
	}
	goErr := os.WriteFile("/dev/full", []byte("x"), 0o644)
	db := memDB(t)
	_, dbErr := db.Exec("copy (select 1 as a) to '/dev/full' (format csv)")
	big := "create or replace table t as select range::varchar || repeat('x', 100) as s from range(3000000)"
	spill := func(dir string) error {
		_, err := memDB(t).Exec(fmt.Sprintf("set memory_limit = '64MB'; set temp_directory = %s; set max_temp_directory_size = '1MB'; %s", quote(dir), big))
		return err
	}
	spillErr, noSpillErr := spill(t.TempDir()), spill("")
	// A value quoted in another error, as a log field can be.
	_, quoted := db.Exec("select 'No space left on device'::integer")
	if quoted == nil || !strings.Contains(quoted.Error(), "No space left on device") {
		t.Fatalf("conversion error = %v", quoted)
	}
	if noSpillErr == nil || !strings.Contains(noSpillErr.Error(), "Out of Memory") {
		t.Fatalf("no spill folder: err = %v", noSpillErr)
	}
	for _, err := range []error{goErr, dbErr, fmt.Errorf("ingest x.json: %w", dbErr), spillErr} {
		if !outOfSpace(err) {
			t.Errorf("outOfSpace(%v) = false", err)
		}
	}
	for _, err := range []error{nil, noSpillErr, quoted, errors.New("IO Error: Could not write file \"x\": No space left on device"), io.ErrUnexpectedEOF, errors.New(`IO Error: Cannot open file "x": Permission denied`),
		fmt.Errorf("write x: %w", syscall.EFBIG)} {
		if outOfSpace(err) {
			t.Errorf("outOfSpace(%v) = true", err)
		}
	}
	wrapped := spaceError(fmt.Errorf("ingest big.json: %w", goErr), "/big/spill")
	var se *SpaceError
	if !errors.As(wrapped, &se) || se.TempDir != "/big/spill" || !errors.Is(wrapped, syscall.ENOSPC) {
		t.Fatalf("spaceError = %#v", wrapped)
	}
	for _, want := range []string{"out of disk space", "big.json", "/big/spill", "--temp-dir"} {
		if !strings.Contains(wrapped.Error(), want) {
			t.Errorf("message lacks %q: %s", want, wrapped)
		}
	}
	if again := spaceError(wrapped, "/elsewhere"); again != wrapped {
		t.Errorf("wrapped twice: %v", again)
	}
	if other := errors.New("other"); spaceError(other, "/big/spill") != other {
		t.Error("an error that is not a full disk was wrapped")
	}
}

// A file whose load fails for want of disk space stops the run with a
// SpaceError naming the file and the temporary folder, and the files after
// it are not loaded; a load failing otherwise is noted and the run goes on
// (the same two files, a portal CSV after the failing one).
func TestOutOfSpaceStopsTheRun(t *testing.T) {
	saved := formats
	t.Cleanup(func() { formats = saved })
	var failure error
	formats = append([]*format{{
		id: "disk-test", kind: "signins", priority: -1, why: "test",
		detect: func(s *sniff) bool { return bytes.HasPrefix(s.head, []byte("DISK TEST")) },
		load:   func(context.Context, *loader, *source) error { return failure },
	}}, saved...)
	dir := t.TempDir()
	first := write(t, dir, "a-first.txt", "DISK TEST\n")
	portal, err := os.ReadFile("../testdata/exports/contoso/InteractiveSignIns_2025-03-01_2025-03-08.csv")
	if err != nil {
		t.Fatal(err)
	}
	second := write(t, dir, "b-InteractiveSignIns_2025-03-01_2025-03-08.csv", string(portal))
	spill := t.TempDir()
	for _, full := range []bool{false, true} {
		failure = errors.New("write stage: some other error")
		if full {
			failure = &os.PathError{Op: "write", Path: filepath.Join(spill, "stage.duckdb"), Err: syscall.ENOSPC}
		}
		db := memDB(t)
		sum, err := Files(context.Background(), db, []string{first, second}, Options{TempDir: spill})
		var signins int64
		if qerr := db.QueryRow("select count(*) from signins").Scan(&signins); qerr != nil {
			t.Fatal(qerr)
		}
		if !full {
			if err != nil || signins == 0 || !strings.Contains(sum.Sources[0].Note, "some other error") {
				t.Fatalf("another failure: err %v, %d sign-ins, first note %q", err, signins, sum.Sources[0].Note)
			}
			continue
		}
		var se *SpaceError
		if !errors.As(err, &se) || se.TempDir != spill || !strings.Contains(err.Error(), "a-first.txt") {
			t.Fatalf("full disk: err = %v", err)
		}
		if signins != 0 {
			t.Errorf("full disk: the run went on and loaded %d sign-ins", signins)
		}
	}
}

// DuckDB running out of memory with nowhere to spill reads in mfagap's
// terms: DuckDB's first line (how much it held), then --memory-limit, not
// its list of SQL settings; the context around it stays, and a full spill
// folder or any other error is left as it is.
func TestMemoryError(t *testing.T) {
	db := memDB(t)
	_, oom := db.Exec("set memory_limit = '64MB'; set temp_directory = ''; create table t as select range::varchar || repeat('x', 100) as s from range(3000000)")
	if oom == nil || !strings.Contains(oom.Error(), "Possible solutions") {
		t.Fatalf("DuckDB's error = %v, want its out-of-memory error with its suggestions", oom)
	}
	got := MemoryError(fmt.Errorf("read big.csv: %w", oom))
	msg := got.Error()
	for _, want := range []string{"read big.csv: Out of Memory Error: ", "used): give DuckDB more memory with --memory-limit"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q: %s", want, msg)
		}
	}
	for _, not := range []string{"SET ", "Possible solutions", "\n"} {
		if strings.Contains(msg, not) {
			t.Errorf("message has %q: %s", not, msg)
		}
	}
	var de *duckdb.Error
	if !errors.As(got, &de) || de.Type != duckdb.ErrorTypeOutOfMemory {
		t.Errorf("DuckDB's error is no longer underneath: %#v", got)
	}
	spill := func() error {
		_, err := memDB(t).Exec(fmt.Sprintf("set memory_limit = '64MB'; set temp_directory = %s; set max_temp_directory_size = '1MB'; create table t as select range::varchar || repeat('x', 100) as s from range(3000000)", quote(t.TempDir())))
		return err
	}()
	other := errors.New("Out of Memory Error: not DuckDB's")
	for _, err := range []error{nil, spill, other, io.ErrUnexpectedEOF} {
		if MemoryError(err) != err {
			t.Errorf("MemoryError(%v) changed it", err)
		}
	}
}
