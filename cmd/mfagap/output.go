package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/mfagap/mfagap/ingest"
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

// output is an output flag and the path it was given. A database (--db)
// is one too, written by DuckDB: only checked against the others, whose
// write would replace it.
type output struct {
	flag, path string
	database   bool
}

// checkOutputs makes sure each output path (not "" or "-") can be written,
// before a load that can take minutes: its folder exists and takes a new
// file, and the path is not a folder. It refuses two outputs to one file
// (or both to standard output), whose later write would replace the
// earlier, and an output over a file the run reads (inputs): an input
// itself, or a file in an input folder that is not a report or findings of
// mfagap's, which the report would destroy once the load had read it.
func checkOutputs(inputs []string, outs ...output) error {
	seen := map[string]string{}
	for _, o := range outs {
		p := o.path
		if p == "" {
			continue
		}
		key := p
		if o.database {
			seen[samePath(p)] = o.flag
			continue
		}
		if p != "-" {
			st, err := os.Stat(p)
			switch {
			case err == nil && st.IsDir():
				return usageError{fmt.Errorf("cannot write %s: it is a folder; give a file name", p)}
			case err == nil && !st.Mode().IsRegular():
				continue // a device or a pipe, written in place
			case err == nil:
				if err := overInput(inputs, o, st); err != nil {
					return err
				}
			}
			key = samePath(p)
		}
		if first, ok := seen[key]; ok {
			where := p
			if p == "-" {
				where = "standard output"
			}
			return usageError{fmt.Errorf("%s and %s both write %s; the later would replace the earlier: give each its own file", first, o.flag, where)}
		}
		seen[key] = o.flag
		if p == "-" {
			continue
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

// samePath is p made absolute with its folder's symbolic links resolved, so
// that two spellings of one file compare equal.
func samePath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	dir, base := filepath.Split(abs)
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		return filepath.Join(real, base)
	}
	return abs
}

// overInput refuses output o, an existing file st, when it is one of the
// inputs or lies in an input folder without being mfagap's own output.
func overInput(inputs []string, o output, st os.FileInfo) error {
	var folders []string
	for _, in := range inputs {
		ist, err := os.Stat(in)
		switch {
		case err != nil:
		case os.SameFile(ist, st):
			return usageError{fmt.Errorf("%s %s is one of the inputs: writing there would overwrite it; give another file", o.flag, o.path)}
		case ist.IsDir():
			folders = append(folders, in)
		}
	}
	at := samePath(o.path)
	for _, in := range folders {
		root, err := filepath.EvalSymlinks(in)
		if err == nil {
			root, err = filepath.Abs(root)
		}
		if err != nil {
			continue
		}
		rel, err := filepath.Rel(root, at)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		if ingest.OwnOutput(o.path) == "" {
			return usageError{fmt.Errorf("%s %s would overwrite a file in the input folder %s that is not a report or findings of mfagap's; give another file", o.flag, o.path, in)}
		}
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
