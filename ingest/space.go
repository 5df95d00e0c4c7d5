package ingest

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/duckdb/duckdb-go/v2"
)

// SpaceError is a load (or, in analyze, a check) stopped by a full disk. It
// stops the whole run, where a file or check that fails otherwise is
// recorded and the run goes on: every one after it would fail the same way, an SQL path that fails for want of
// space would only hand the file to its careful path to fail again, slower,
// and a report that left out the largest inputs for that reason would be
// read as complete (issue 5).
type SpaceError struct {
	TempDir string // where the loader, its temporary database and DuckDB's spill files write
	Err     error
}

func (e *SpaceError) Error() string {
	return fmt.Sprintf("out of disk space: %v. mfagap writes its staging files, its temporary database (--storage) and DuckDB's spill files under %s: "+
		"free space there, or point --temp-dir at a folder on a disk with more room (with --db, that file's disk needs room too)", e.Err, e.TempDir)
}

func (e *SpaceError) Unwrap() error { return e.Err }

// outOfSpace says whether err is a write that found its disk full: Go's
// ENOSPC, or a DuckDB error of the kinds a full disk gives. DuckDB reports
// the system's text (strerror's on Linux and macOS, FormatMessage's on
// Windows) at the end of an IO error, or of a commit that failed on one;
// its buffer manager, finding no room left in its spill folder, reports
// "failed to offload data block" as out of memory (the disk's free space is
// its default max_temp_directory_size). An allocation beyond the memory
// limit with nowhere to spill ("could not allocate block") is not this. The
// kind and the place of the text are checked, not the text anywhere: DuckDB
// quotes values in other errors ("Could not convert string '…'"), and a log
// field reading "No space left on device" must not stop a run.
func outOfSpace(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, syscall.ENOSPC) {
		return true
	}
	var de *duckdb.Error
	if !errors.As(err, &de) {
		return false
	}
	switch de.Type {
	case duckdb.ErrorTypeIO, duckdb.ErrorTypeTransaction:
		m := strings.TrimRight(de.Msg, " .\r\n")
		return strings.HasSuffix(m, "No space left on device") || strings.HasSuffix(m, "There is not enough space on the disk")
	case duckdb.ErrorTypeOutOfMemory:
		return strings.HasPrefix(de.Msg, "Out of Memory Error: failed to offload data block")
	}
	return false
}

// spaceError wraps err in a SpaceError when a full disk caused it.
func spaceError(err error, tempDir string) error {
	var se *SpaceError
	if !outOfSpace(err) || errors.As(err, &se) {
		return err
	}
	if tempDir == "" {
		tempDir = os.TempDir()
	}
	return &SpaceError{TempDir: tempDir, Err: err}
}

// OutOfSpace says whether err comes from a full disk (see outOfSpace), for
// the steps after a load (analyze).
func OutOfSpace(err error) bool { return outOfSpace(err) }

// SpaceErrorIn wraps err in a SpaceError naming dir when a full disk caused
// it, and returns any other error as it is.
func SpaceErrorIn(err error, dir string) error { return spaceError(err, dir) }

// MemoryError gives an error of DuckDB's running out of memory (an
// allocation past its memory_limit that could not spill: not a full spill
// folder, which is outOfSpace) in mfagap's terms: DuckDB's first line, which
// says how much it held, then mfagap's remedy, in place of DuckDB's list of
// SQL settings ("SET threads=X", "SET memory_limit=…") that no user of
// mfagap can make. Any other error is returned as it is.
func MemoryError(err error) error {
	var de *duckdb.Error
	if err == nil || outOfSpace(err) || !errors.As(err, &de) || de.Type != duckdb.ErrorTypeOutOfMemory {
		return err
	}
	first, _, _ := strings.Cut(de.Msg, "\n")
	return &memoryError{msg: strings.Replace(err.Error(), de.Msg, strings.TrimSpace(first)+
		": give DuckDB more memory with --memory-limit (the process needs about 0.5 GiB beyond it)", 1), err: err}
}

type memoryError struct {
	msg string
	err error
}

func (e *memoryError) Error() string { return e.msg }
func (e *memoryError) Unwrap() error { return e.err }
