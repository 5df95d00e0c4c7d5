package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// writeTo writes to a file, to stdout for "-", or nowhere for "". A file is
// written beside path under a temporary name and renamed over path once it
// is complete and synced, so a write that fails (a full disk above all: a
// 10 M-sign-in run ends by writing its reports) leaves no half report that
// could be handed on as whole, and an earlier report at path unchanged.
// Paths that are not regular files (/dev/stdout, a pipe, a symbolic link)
// are written in place, as before.
func writeTo(stdout io.Writer, path string, write func(io.Writer) error) error {
	switch path {
	case "":
		return nil
	case "-":
		return write(stdout)
	}
	st, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return replaceFile(path, 0, write)
	case err == nil && st.Mode().IsRegular():
		return replaceFile(path, st.Mode().Perm(), write)
	}
	f, err := os.Create(path)
	if err != nil {
		return usageError{fmt.Errorf("cannot write %s: %v", path, err)}
	}
	if err := write(f); err != nil {
		f.Close()
		return writeError(path, err, false)
	}
	if err := f.Close(); err != nil {
		return writeError(path, err, false)
	}
	return nil
}

// replaceFile writes path through a temporary file in the same folder; perm
// is the mode of the file it replaces (0: none, the new file gets 0666 less
// the umask, as os.Create gives).
func replaceFile(path string, perm fs.FileMode, write func(io.Writer) error) error {
	f, err := createBeside(path)
	if err != nil {
		return usageError{fmt.Errorf("cannot write %s: %v", path, bare(err, ""))}
	}
	tmp := f.Name()
	err = write(f)
	if err == nil && perm != 0 {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync() // a full disk may only show here, or at Close
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return writeError(path, bare(err, tmp), true)
	}
	return nil
}

// bare is an error about tmp, the temporary file beside an output (its
// creation, a write, the rename), without that file's name: the output's
// name is given instead, and the temporary one would only puzzle. tmp ""
// is the file createBeside could not create. Other errors are returned as
// they are.
func bare(err error, tmp string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && (pe.Path == tmp || tmp == "") {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) && le.Old == tmp {
		return le.Err
	}
	return err
}

// checkOutputs makes sure each output path (not "" or "-") can be written,
// before a load that can take minutes: its folder exists and takes a new
// file, and the path is not a folder.
func checkOutputs(paths ...string) error {
	for _, p := range paths {
		if p == "" || p == "-" {
			continue
		}
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return usageError{fmt.Errorf("cannot write %s: it is a folder; give a file name", p)}
		} else if err == nil && !st.Mode().IsRegular() {
			continue // a device or a pipe, written in place
		}
		f, err := createBeside(p)
		if err != nil {
			return usageError{fmt.Errorf("cannot write %s: %v", p, bare(err, ""))}
		}
		f.Close()
		os.Remove(f.Name())
	}
	return nil
}

// createBeside creates a new file in path's folder, named after it and
// hidden, with the mode os.Create would give.
func createBeside(path string) (*os.File, error) {
	dir, base := filepath.Split(path)
	for i := 0; ; i++ {
		name := filepath.Join(dir, fmt.Sprintf(".%s.mfagap-%d-%d.tmp", base, os.Getpid(), i))
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) && i < 100 {
			continue
		}
		return f, err
	}
}

// writeError names the output that could not be written and, for a full
// disk, says so and what to do (exit 2). kept says whether path was left as
// it was before.
func writeError(path string, err error, kept bool) error {
	after := ""
	if kept {
		after = "; nothing was written there (an earlier file at that path is unchanged)"
	}
	if errors.Is(err, syscall.ENOSPC) {
		return usageError{fmt.Errorf("out of disk space writing %s: %v%s: free space on that disk or write the output elsewhere", path, err, after)}
	}
	return usageError{fmt.Errorf("write %s: %w%s", path, err, after)}
}
