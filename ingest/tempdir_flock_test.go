//go:build linux || darwin

package ingest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestTempHelperProcess is not a test: run by TestSweepTemp as another
// process, it makes a temporary folder, says where, and waits to be killed.
func TestTempHelperProcess(t *testing.T) {
	dir := os.Getenv("MFAGAP_TEMP_HELPER")
	if dir == "" {
		t.Skip("helper process for TestSweepTemp")
	}
	path, _, err := MakeTemp(dir, "mfagap-ingest-")
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	os.WriteFile(filepath.Join(path, "staged.ndjson"), make([]byte, 4096), 0o644)
	fmt.Println(path)
	time.Sleep(time.Minute)
	os.Exit(0)
}

// TestSweepTemp: the folder of a run that is still going is left alone;
// once that run is killed (SIGKILL: nothing of its own cleans up), the next
// sweep removes the folder and says how much it held. Folders without the
// lock file, or not named as mfagap names them, are never touched.
func TestSweepTemp(t *testing.T) {
	dir := t.TempDir()
	cmd, line := helperProcess(t, "TestTempHelperProcess", "MFAGAP_TEMP_HELPER="+dir)
	if !strings.HasPrefix(line, dir) {
		t.Fatalf("helper said %q", line)
	}
	held := line
	old := filepath.Join(dir, "mfagap-ingest-older-release") // no lock file
	other := filepath.Join(dir, "someone-elses")
	for _, d := range []string{old, other} {
		os.Mkdir(d, 0o755)
	}
	mine, removeMine, err := MakeTemp(dir, SpillPrefix) // this process's, live
	if err != nil {
		t.Fatal(err)
	}
	defer removeMine()

	if stale, err := SweepTemp(dir); err != nil || len(stale) != 0 {
		t.Fatalf("with every run alive: removed %v, %v", stale, err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	stale, err := SweepTemp(dir)
	if err != nil || len(stale) != 1 || stale[0].Path != held || stale[0].Bytes != 4096 {
		t.Fatalf("after the kill: removed %+v, %v; want %s with its 4096 bytes", stale, err, held)
	}
	for _, d := range []string{mine, old, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s was removed: %v", d, err)
		}
	}
	if _, err := os.Stat(held); !os.IsNotExist(err) {
		t.Errorf("the killed run's folder is still there: %v", err)
	}
	if err := removeMine(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(mine); !os.IsNotExist(err) {
		t.Errorf("remove left %s: %v", mine, err)
	}
}

// A named pipe given as an input (as a shell's <(unzip -p export.zip) is)
// loads whole. Before, detection took its first bytes, DuckDB's read found
// it empty, and the run said only that nothing usable was read.
func TestNamedPipeInput(t *testing.T) {
	csv, err := os.ReadFile("../testdata/exports/contoso/InteractiveSignIns_2025-03-01_2025-03-08.csv")
	if err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(t.TempDir(), "signins")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			w.Write(csv)
			w.Close()
		}
	}()
	_, sum := load(t, Options{}, fifo)
	if len(sum.Sources) != 1 || sum.Sources[0].Read != 13 || sum.Sources[0].Loaded != 13 {
		t.Fatalf("sources %+v, want the pipe's 13 sign-ins read and loaded", sum.Sources)
	}
}
