package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestWriteToReplacesWhole: an output is complete or not there at all, and a
// failed write leaves the earlier file as it was, with no temporary file
// beside it.
func TestWriteToReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	if err := os.WriteFile(path, []byte("earlier report"), 0o640); err != nil {
		t.Fatal(err)
	}
	half := func(w io.Writer) error { // a disk that fills halfway through
		io.WriteString(w, "<html>half")
		return fmt.Errorf("write: %w", syscall.ENOSPC)
	}
	err := writeTo(io.Discard, path, half)
	if err == nil || !strings.Contains(err.Error(), "out of disk space writing "+path) ||
		!strings.Contains(err.Error(), "earlier file at that path is unchanged") {
		t.Fatalf("full disk: err = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "earlier report" {
		t.Fatalf("after a failed write the file holds %q", b)
	}
	err = writeTo(io.Discard, filepath.Join(dir, "new.json"), func(w io.Writer) error { return errors.New("render failed") })
	if err == nil || !strings.Contains(err.Error(), "render failed") || strings.Contains(err.Error(), "out of disk space") {
		t.Fatalf("other failure: err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "new.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed write left new.json: %v", err)
	}
	if err := writeTo(io.Discard, path, func(w io.Writer) error { _, err := io.WriteString(w, "new report"); return err }); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if b, _ := os.ReadFile(path); err != nil || string(b) != "new report" || st.Mode().Perm() != 0o640 {
		t.Fatalf("after a good write: %q, mode %v, %v", b, st.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("left in the folder: %v", entries)
	}
	var out bytes.Buffer
	if err := writeTo(&out, "-", func(w io.Writer) error { _, err := io.WriteString(w, "to stdout"); return err }); err != nil || out.String() != "to stdout" {
		t.Fatalf("'-': %q, %v", out.String(), err)
	}
}

// TestWriteToDevices: a path that is not a regular file is written in place
// (nothing is renamed over /dev/null), and a real full disk (/dev/full) is
// named as one.
func TestWriteToDevices(t *testing.T) {
	write := func(w io.Writer) error { _, err := io.WriteString(w, strings.Repeat("x", 1<<16)); return err }
	if _, err := os.Stat("/dev/null"); err != nil {
		t.Skip("no /dev/null")
	}
	if err := writeTo(io.Discard, "/dev/null", write); err != nil {
		t.Fatalf("/dev/null: %v", err)
	}
	if st, err := os.Stat("/dev/null"); err != nil || st.Mode()&os.ModeDevice == 0 {
		t.Fatalf("/dev/null is no longer a device: %v %v", st, err)
	}
	if _, err := os.Stat("/dev/full"); err != nil {
		return
	}
	err := writeTo(io.Discard, "/dev/full", write)
	if err == nil || !strings.Contains(err.Error(), "out of disk space writing /dev/full") {
		t.Fatalf("/dev/full: err = %v", err)
	}
}

// An output that cannot be written is refused before the load, which can
// take minutes, and named without the temporary file that found it out.
func TestCheckOutputs(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such-folder", "r.html")
	for _, tc := range []struct {
		path, want string
	}{
		{missing, "cannot write " + missing + ": no such file or directory"},
		{dir, "cannot write " + dir + ": it is a folder"},
	} {
		err := checkOutputs(nil, output{flag: "--json", path: ""}, output{flag: "--md", path: "-"}, output{flag: "--output", path: tc.path})
		if err == nil || err.Error() != tc.want && !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), ".tmp") {
			t.Errorf("checkOutputs(%s) = %v, want %q", tc.path, err, tc.want)
		}
	}
	if err := checkOutputs(nil, output{flag: "--output", path: filepath.Join(dir, "r.html")}, output{flag: "--json", path: "/dev/null"}, output{flag: "--md", path: "/dev/null"}); err != nil {
		t.Errorf("a new file and /dev/null: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the check left %v", entries)
	}
	// Through the CLI: the output is refused first, though the input is
	// missing too and the load would fail.
	code, _, stderr := runCLI(t, "report", filepath.Join(dir, "no-such-input"), "-o", missing)
	if code != exitUsage || !strings.Contains(stderr, "cannot write "+missing) || strings.Contains(stderr, "no-such-input") {
		t.Errorf("report: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCLI(t, "analyze", "../../testdata/exports", "--json", missing)
	if code != exitUsage || !strings.Contains(stderr, "cannot write "+missing) {
		t.Errorf("analyze: exit %d, stderr %q", code, stderr)
	}
}

// Two outputs to one file, and an output over a file the run reads, are
// refused before the load: the later write would replace the earlier, and
// the report would replace an export once it was read.
func TestOutputsCollide(t *testing.T) {
	dir := t.TempDir()
	exports := filepath.Join(dir, "exports")
	os.MkdirAll(exports, 0o755)
	register := filepath.Join(exports, "exception-register.csv")
	copyFile(t, "../../testdata/exports/contoso/exception-register.csv", register)
	copyFile(t, "../../testdata/exports/contoso/InteractiveSignIns_2025-03-01_2025-03-08.csv", filepath.Join(exports, "signins.csv"))
	notes := filepath.Join(exports, "notes.txt")
	os.WriteFile(notes, []byte("call the CFO"), 0o644)
	same := filepath.Join(dir, "out")
	os.Symlink(dir, filepath.Join(dir, "link"))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"-o and --json one file", []string{"report", exports, "-o", same, "--json", same}, "--output and --json both write " + same},
		{"one file spelt twice", []string{"report", exports, "-o", same, "--md", filepath.Join(dir, "link", "out")}, "--output and --md both write"},
		{"two to standard output", []string{"report", exports, "-o", "-", "--json", "-"}, "--output and --json both write standard output"},
		{"over an input file", []string{"report", register, "-o", register}, "--output " + register + " is one of the inputs"},
		{"analyze over an input file", []string{"analyze", exports, register, "--json", register}, "--json " + register + " is one of the inputs"},
		{"over an export in an input folder", []string{"report", exports, "--csv", register}, "--csv " + register + " would overwrite a file in the input folder"},
		{"over any other file in an input folder", []string{"report", exports, "-o", notes}, "would overwrite a file in the input folder"},
		{"over the --db", []string{"report", exports, "--db", filepath.Join(dir, "t.duckdb"), "--json", filepath.Join(dir, "t.duckdb")}, "--db and --json both write " + filepath.Join(dir, "t.duckdb")},
		{"analyze over the --db", []string{"analyze", "--db", filepath.Join(dir, "t.duckdb"), "--json", filepath.Join(dir, "link", "t.duckdb")}, "--db and --json both write"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := os.ReadFile(register)
			code, stdout, stderr := runCLI(t, tc.args...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) || strings.Contains(stdout, "checks (") {
				t.Errorf("exit %d, want %d; stderr %q, want %q", code, exitUsage, stderr, tc.want)
			}
			if after, _ := os.ReadFile(register); !bytes.Equal(before, after) {
				t.Error("the register was overwritten")
			}
		})
	}
	// mfagap's own report in the input folder is replaced, as a consultant
	// re-running over the engagement folder expects.
	report := filepath.Join(exports, "report.html")
	for i := 0; i < 2; i++ {
		if code, _, stderr := runCLI(t, "report", "-q", exports, "-o", report, "--json", filepath.Join(exports, "findings.json")); code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, code, stderr)
		}
	}
}

// The findings CSV written to a file opens in Excel with its accents: it
// starts with a UTF-8 byte-order mark; written to standard output it does
// not.
func TestCSVByteOrderMark(t *testing.T) {
	p := filepath.Join(t.TempDir(), "findings.csv")
	if code, _, stderr := runCLI(t, "report", "-q", "../../testdata/exports", "-o", filepath.Join(t.TempDir(), "r.html"), "--csv", p); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, _ := os.ReadFile(p)
	if !bytes.HasPrefix(b, []byte("\ufeffcheck_id,severity,")) {
		t.Errorf("file starts %q", b[:min(len(b), 20)])
	}
	code, stdout, stderr := runCLI(t, "report", "-q", "../../testdata/exports", "-o", filepath.Join(t.TempDir(), "r.html"), "--csv", "-")
	if code != 0 || !strings.HasPrefix(stdout, "check_id,severity,") {
		t.Errorf("exit %d, stdout starts %q: %s", code, stdout[:min(len(stdout), 20)], stderr)
	}
}
