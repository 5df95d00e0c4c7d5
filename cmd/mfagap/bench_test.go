package main

import (
	"encoding/json"
	"os"
	"path/filepath"
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

// TestMain lets the test binary stand in for mfagap when bench runs its
// phases as child processes (os.Executable is the test binary here).
func TestMain(m *testing.M) {
	if os.Getenv("MFAGAP_TEST_AS_CLI") == "1" {
		os.Exit(run(append([]string{"mfagap"}, os.Args[1:]...), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestBenchPhaseFails runs the whole bench, children included, where one
// phase fails for real (its report path is a folder): the other phases'
// runs are timed and tabled under the machine's description, the failure is
// listed with the child's own message and kept in --results (each sample
// with the machine), and the bench exits non-zero.
func TestBenchPhaseFails(t *testing.T) {
	t.Setenv("MFAGAP_TEST_AS_CLI", "1")
	dir, tmp := t.TempDir(), t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "report-csv.html"), 0o755); err != nil {
		t.Fatal(err)
	}
	results := filepath.Join(dir, "results.json")
	code, stdout, stderr := runCLI(t, "bench", "--rows", "300", "--format", "csv", "--repeat", "2", "--phase", "floor",
		"--phase", "ingest", "--phase", "report", "--dir", dir, "--temp-dir", tmp, "--results", results)
	if code == 0 || !strings.Contains(stderr, "2 of 6 phase runs failed") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	for _, want := range []string{"| csv | floor | 300 |", "| csv | ingest | 300 |", "failed (no time, not in the table):",
		"- run 1 csv report: ", "- run 2 csv report: ", "report-csv.html: it is a folder"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	// The machine the figures come from, above the table.
	if m, _, _ := strings.Cut(stdout, "| format |"); !strings.HasPrefix(m, "machine: ") || !strings.Contains(m, ", DuckDB v1.") {
		t.Errorf("no machine line above the table:\n%s", stdout)
	}
	if strings.Contains(stdout, "| csv | report |") {
		t.Errorf("a phase that never ran is in the table:\n%s", stdout)
	}
	b, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	var samples []bench.Sample
	if err := json.Unmarshal(b, &samples); err != nil {
		t.Fatal(err)
	}
	var ok, bad int
	for _, s := range samples {
		if !strings.HasPrefix(stdout, "machine: "+s.Machine+"\n") {
			t.Errorf("sample's machine %q, not the line above the table", s.Machine)
		}
		switch {
		case s.Error == "" && s.Seconds > 0 && s.Rows == 300:
			ok++
		case s.Error != "" && s.Phase == "report" && s.Seconds == 0:
			bad++
		default:
			t.Errorf("sample %+v", s)
		}
	}
	if ok != 4 || bad != 2 {
		t.Errorf("results: %d good and %d failed samples, want 4 and 2", ok, bad)
	}
	// Without a floor to count them, the rows are those generated.
	code, stdout, stderr = runCLI(t, "bench", "--rows", "300", "--format", "csv", "--repeat", "1", "--phase", "ingest", "--dir", dir, "--temp-dir", tmp)
	if code != 0 || !strings.Contains(stdout, "| csv | ingest | 300 |") {
		t.Errorf("no floor: exit %d, stdout %s, stderr %s", code, stdout, stderr)
	}
}
