package ingest

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
)

// SpaceError is a load stopped by a full disk. It stops the whole run,
// where a file that fails otherwise is recorded and the run goes on: every
// file after it would fail the same way, an SQL path that fails for want of
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
// ENOSPC, DuckDB's message for it (the system's text: strerror's on Linux
// and macOS, FormatMessage's on Windows), or DuckDB's buffer manager finding
// no room left in its spill folder, which it reports as out of memory
// ("failed to offload data block", the disk's free space being its default
// max_temp_directory_size). An allocation beyond the memory limit with
// nowhere to spill ("could not allocate block") is not this.
func outOfSpace(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, syscall.ENOSPC) {
		return true
	}
	m := err.Error()
	return strings.Contains(m, "No space left on device") || strings.Contains(m, "not enough space on the disk") ||
		strings.Contains(m, "failed to offload data block")
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
