//go:build !(linux || darwin)

package ingest

import (
	"errors"
	"os"
)

// lockTemp creates the lock file at path. Without flock here, nothing
// locks it, and SweepTemp removes nothing (tryLockTemp); the file is not
// kept open either, as Windows cannot remove an open file's folder.
func lockTemp(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	return func() {}, f.Close()
}

// tryLockTemp cannot tell a live run from a dead one here: it reports every
// folder as held, so that no run's files are removed under it.
func tryLockTemp(path string) (unlock func(), held bool, err error) {
	if _, err := os.Stat(path); err != nil {
		return nil, false, err
	}
	return nil, true, errors.ErrUnsupported
}
