package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/bench"
)

// The floor phases read the whole file with DuckDB alone, in memory and into
// a database file that is gone afterwards.
func TestBenchFloorPhases(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	path, err := bench.Prepare(dir, "csv", 200, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, phase := range []string{"floor", "floor-disk"} {
		code, stdout, stderr := runCLI(t, "bench", "--child", phase, "--child-format", "csv", "--file", path, "--dir", dir, "--temp-dir", tmp)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", phase, code, stderr)
		}
		var s bench.Sample
		if err := json.Unmarshal([]byte(stdout), &s); err != nil {
			t.Fatalf("%s: %q: %v", phase, stdout, err)
		}
		if s.Rows != 200 || s.Phase != phase || s.Seconds <= 0 {
			t.Errorf("%s: sample %+v, want 200 rows", phase, s)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in --temp-dir: %v", left)
	}
}

// --storage reaches the mfagap phases: disk loads through a temporary
// database file under --temp-dir (removed after), a bad value is the
// command's own usage error, and the sample says which mode ran.
func TestBenchStorage(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	path, err := bench.Prepare(dir, "csv", 200, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, storage := range []string{"disk", "memory"} {
		code, stdout, stderr := runCLI(t, "bench", "--child", "ingest", "--child-format", "csv", "--file", path,
			"--dir", dir, "--temp-dir", tmp, "--storage", storage)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", storage, code, stderr)
		}
		var s bench.Sample
		if err := json.Unmarshal([]byte(stdout), &s); err != nil {
			t.Fatalf("%s: %q: %v", storage, stdout, err)
		}
		if s.Storage != storage || s.Phase != "ingest" {
			t.Errorf("sample %+v, want storage %s", s, storage)
		}
	}
	code, _, stderr := runCLI(t, "bench", "--child", "ingest", "--child-format", "csv", "--file", path,
		"--dir", dir, "--temp-dir", tmp, "--storage", "tape")
	if code == 0 || !strings.Contains(stderr, `--storage "tape"`) {
		t.Errorf("--storage tape: exit %d, stderr %q; want the ingest's usage error", code, stderr)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in --temp-dir: %v", left)
	}
}

// Every second run takes the phases in reverse, so each phase follows each
// other one as often (with an even --repeat); the list given is not changed.
func TestPhaseOrder(t *testing.T) {
	given := []string{"floor", "ingest", "report"}
	var got []string
	for i := range 4 {
		got = append(got, strings.Join(phaseOrder(given, i), ","))
	}
	want := []string{"floor,ingest,report", "report,ingest,floor", "floor,ingest,report", "report,ingest,floor"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("orders %v, want %v", got, want)
	}
	if strings.Join(given, ",") != "floor,ingest,report" {
		t.Errorf("phaseOrder changed its argument: %v", given)
	}
}
