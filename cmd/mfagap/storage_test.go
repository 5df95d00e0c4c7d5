package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/ingest"
)

// The tables may live in a temporary DuckDB file: the findings are the same
// bytes as in memory, and the file's folder is gone after the command.
func TestStorageDiskSameFindings(t *testing.T) {
	tmp := t.TempDir()
	out := t.TempDir()
	var got [2][]byte
	for i, storage := range []string{"memory", "disk"} {
		jsonPath := filepath.Join(out, storage+".json")
		code, stdout, stderr := runCLI(t, "report", "--storage", storage, "--temp-dir", tmp,
			"-o", filepath.Join(out, storage+".html"), "--json", jsonPath, "../../testdata/exports")
		if code != 0 {
			t.Fatalf("--storage %s: exit %d\n%s\n%s", storage, code, stdout, stderr)
		}
		b, err := os.ReadFile(jsonPath)
		if err != nil {
			t.Fatal(err)
		}
		got[i] = b
	}
	if !bytes.Equal(got[0], got[1]) {
		t.Error("findings JSON differs between --storage memory and --storage disk")
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "mfagap-db-*")); len(left) > 0 {
		t.Errorf("temporary database left behind: %v", left)
	}
}

func TestWorkDBChoice(t *testing.T) {
	tmp := t.TempDir()
	inputs := []string{"../../testdata/exports"}
	tables := func() int64 { return ingest.EstimateTableBytes(inputs) }
	for _, tc := range []struct {
		storage, limit string
		disk           bool
	}{
		{"auto", "10GB", false},  // fits: in memory
		{"auto", "1KB", true},    // does not fit: a file
		{"memory", "1KB", false}, // forced
		{"disk", "10GB", true},   // forced
		{"", "1KB", true},        // empty means auto
	} {
		path, remove, err := workDB(tc.storage, tables, tc.limit, tmp)
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		if (path != "") != tc.disk || (remove != nil) != tc.disk {
			t.Errorf("%+v: path %q, remove set %v; want a file: %v", tc, path, remove != nil, tc.disk)
		}
		if remove != nil {
			if !strings.HasPrefix(path, tmp) {
				t.Errorf("%+v: %s is not under --temp-dir %s", tc, path, tmp)
			}
			if _, err := os.Stat(filepath.Dir(path)); err != nil {
				t.Errorf("%+v: folder not made: %v", tc, err)
			}
			remove()
			if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
				t.Errorf("%+v: folder not removed", tc)
			}
		}
	}
	for _, bad := range [][2]string{{"ssd", "1GB"}, {"auto", "lots"}} {
		if _, _, err := workDB(bad[0], tables, bad[1], tmp); err == nil {
			t.Errorf("--storage %s --memory-limit %s: no error", bad[0], bad[1])
		}
	}
}

// Freed blocks are kept for inputs whose tables reach 256 MiB, not for
// the small ones (the sample exports; an empty folder): estimated by size,
// so a sparse file stands for a big export without its bytes.
func TestBigInputs(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "PT1H.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(2 << 30); err != nil {
		t.Skipf("no sparse file here: %v", err)
	}
	f.Close()
	for _, tc := range []struct {
		paths []string
		want  bool
	}{
		{[]string{"../../testdata/exports"}, false},
		{nil, false},
		{[]string{t.TempDir()}, false},
		{[]string{big}, true},
		{[]string{"../../testdata/exports", big}, true},
	} {
		if got := bigTables(ingest.EstimateTableBytes(tc.paths)); got != tc.want {
			t.Errorf("bigTables of %v = %v, want %v", tc.paths, got, tc.want)
		}
	}
}

// An interrupted run exits 130 and leaves no temporary folder behind.
func TestInterruptedRunCleansUp(t *testing.T) {
	tmp := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := runContext(ctx, []string{"mfagap", "report", "--storage", "disk", "--temp-dir", tmp,
		"-o", filepath.Join(t.TempDir(), "r.html"), "../../testdata/exports"}, &out, &errb)
	if code != exitInterrupted {
		t.Errorf("exit %d, want %d\n%s", code, exitInterrupted, errb.String())
	}
	if !strings.Contains(errb.String(), "interrupted") {
		t.Errorf("stderr does not say interrupted: %q", errb.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in --temp-dir: %v", left)
	}
}
