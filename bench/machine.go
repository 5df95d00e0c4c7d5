package bench

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"

	"github.com/mfagap/mfagap/ingest"
)

// Machine describes what a bench's figures were measured on, for the line
// the bench prints above its table: CPUs and their model, memory, the
// kernel and its transparent huge pages mode, DuckDB's and Go's versions.
// The huge pages mode moves the floor more than mfagap: on the 2-vCPU VM
// of the README, DuckDB's read of the 1 M-row Log Analytics CSV took
// 12.5-16.8 s with "always" and 24.1-31.0 s with "madvise", the kernel's
// default there (docs/performance.md).
func Machine(ctx context.Context, db *sql.DB) string {
	var version string
	if err := db.QueryRowContext(ctx, "select library_version from pragma_version()").Scan(&version); err != nil {
		version = "unknown"
	}
	return machine(os.DirFS("/"), runtime.NumCPU(), ingest.PhysicalMemory(), version, runtime.Version())
}

// machine is Machine over root, a file system holding proc and sys as
// Linux lays them out, and memory, in bytes; what root lacks (another
// system), or a memory of 0, is left out.
func machine(root fs.FS, cpus int, memory int64, duckdb, goVersion string) string {
	cpu := fmt.Sprintf("%d CPUs", cpus)
	if m := procValue(root, "proc/cpuinfo", "model name"); m != "" {
		cpu += " (" + m + ")"
	}
	parts := []string{cpu}
	if memory > 0 {
		parts = append(parts, fmt.Sprintf("%.1f GiB memory", float64(memory)/(1<<30)))
	}
	if b, err := fs.ReadFile(root, "proc/sys/kernel/osrelease"); err == nil {
		parts = append(parts, "Linux "+strings.TrimSpace(string(b)))
	}
	if b, err := fs.ReadFile(root, "sys/kernel/mm/transparent_hugepage/enabled"); err == nil {
		// "always [madvise] never": the mode in use is the bracketed one.
		if _, rest, ok := strings.Cut(string(b), "["); ok {
			if mode, _, ok := strings.Cut(rest, "]"); ok {
				parts = append(parts, "transparent huge pages "+mode)
			}
		}
	}
	return strings.Join(append(parts, "DuckDB "+duckdb, goVersion), ", ")
}

// procValue is the value of the first "name : value" line of a /proc file
// with that name (spaces around the colon trimmed), or "".
func procValue(root fs.FS, path, name string) string {
	f, err := root.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
