//go:build linux || darwin

package ingest

import (
	"errors"
	"os"
	"syscall"
)

// lockTemp creates the lock file at path and locks it until unlock. It is
// locked under another name and then renamed: a sweep that found it
// between its creation and its lock would take the folder for a dead run's.
func lockTemp(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path+".new", os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	if err := os.Rename(path+".new", path); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// tryLockTemp locks the existing lock file at path if no process holds it
// (held false; unlock releases it), or says it is held.
func tryLockTemp(path string) (unlock func(), held bool, err error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, true, nil
		}
		return nil, false, err
	}
	return func() { f.Close() }, false, nil
}
