package bench

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mfagap/mfagap/ingest"
)

// TestMachine: the line names what /proc and /sys say and the memory, the
// mode in use of the transparent huge pages (the bracketed one), and leaves
// out what a system lacks.
func TestMachine(t *testing.T) {
	root := fstest.MapFS{
		"proc/cpuinfo":                               {Data: []byte("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz\n")},
		"proc/sys/kernel/osrelease":                  {Data: []byte("6.18.44\n")},
		"sys/kernel/mm/transparent_hugepage/enabled": {Data: []byte("always [madvise] never\n")},
	}
	want := "2 CPUs (Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz), 24.0 GiB memory, Linux 6.18.44, transparent huge pages madvise, DuckDB v1.5.6, go1.24.0"
	if got := machine(root, 2, 24<<30, "v1.5.6", "go1.24.0"); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := machine(fstest.MapFS{}, 8, 0, "v1.5.6", "go1.24.0"); got != "8 CPUs, DuckDB v1.5.6, go1.24.0" {
		t.Errorf("without /proc and /sys: %q", got)
	}
	root["sys/kernel/mm/transparent_hugepage/enabled"] = &fstest.MapFile{Data: []byte("[always] madvise never\n")}
	if got := machine(root, 2, 24<<30, "v1.5.6", "go1.24.0"); !strings.Contains(got, "transparent huge pages always,") {
		t.Errorf("always: %q", got)
	}
}

// TestMachineHere: on this machine the line names DuckDB's version as the
// linked library gives it and the Go version the bench was built with.
func TestMachineHere(t *testing.T) {
	ctx := context.Background()
	db, err := ingest.Open(ctx, ingest.DBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := Machine(ctx, db)
	if !strings.Contains(got, "DuckDB v1.") || !strings.HasSuffix(got, ", "+runtime.Version()) {
		t.Errorf("machine: %q", got)
	}
}
