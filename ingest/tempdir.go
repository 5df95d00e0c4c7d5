package ingest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A run's temporary folders (expanded archives and staged records, DuckDB's
// spill files, the temporary database) are removed when the run ends, also on
// Ctrl-C; a run that is killed (the kernel's out-of-memory killer, kill -9, a
// crash) leaves them, gigabytes at 10 M sign-ins, and the next attempt
// leaves as much again. Each folder therefore holds a lock file that its run
// keeps locked (lockedTemp); SweepTemp removes the folders whose lock nobody
// holds any more. The lock is the kernel's (flock), released when the
// process ends however it ends, and seen across processes that share the
// folder, whatever their process ids (containers sharing /tmp).

// tempPrefixes begin the names of the folders a run makes for itself.
var tempPrefixes = []string{"mfagap-ingest-", "mfagap-explain-", SpillPrefix, "mfagap-db-"}

// tempLock is the lock file inside each of them.
const tempLock = ".mfagap-lock"

// MakeTemp makes a new folder under dir (the system's temporary folder when
// dir is empty) named prefix and a random suffix, locked for as long as this
// run holds it; remove unlocks and removes it.
func MakeTemp(dir, prefix string) (path string, remove func() error, err error) {
	path, err = os.MkdirTemp(dir, prefix)
	if err != nil {
		return "", nil, err
	}
	unlock, err := lockTemp(filepath.Join(path, tempLock))
	if err != nil {
		os.RemoveAll(path)
		return "", nil, err
	}
	return path, func() error {
		// Removed while still locked, so that no sweep in another run
		// takes a folder being removed for a dead run's.
		err := os.RemoveAll(path)
		unlock()
		return err
	}, nil
}

// Stale is a folder that a run which did not finish left behind.
type Stale struct {
	Path  string
	Bytes int64
}

// SweepTemp removes, under dir (the system's temporary folder when empty),
// the folders of runs that ended without removing them: named as MakeTemp
// names them, holding a lock file that no process holds. A folder without
// the lock file (made by a release before it, or not by mfagap) is left
// alone, and so is one whose run is still going.
func SweepTemp(dir string) ([]Stale, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []Stale
	var errs []error
	for _, e := range entries {
		if !e.IsDir() || !hasTempPrefix(e.Name()) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		unlock, held, err := tryLockTemp(filepath.Join(path, tempLock))
		if err != nil || held {
			continue // no lock file, or its run is still going
		}
		size := TreeSize(path)
		err = os.RemoveAll(path)
		unlock()
		if err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", path, err))
			continue
		}
		out = append(out, Stale{Path: path, Bytes: size})
	}
	return out, errors.Join(errs...)
}

func hasTempPrefix(name string) bool {
	for _, p := range tempPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// TreeSize is the bytes of the file at path, or of the files under it.
func TreeSize(path string) int64 {
	var n int64
	filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// isTempFolder says whether dir is a folder MakeTemp made (this run's or
// another's, live or left by a killed run): it holds the lock file. A
// --temp-dir inside an input folder holds them, and the walk read this
// run's own expanded archive members as inputs.
func isTempFolder(dir string) bool {
	_, err := os.Lstat(filepath.Join(dir, tempLock))
	return err == nil
}
