package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mfagap/mfagap/gen"
	"github.com/mfagap/mfagap/ingest"
)

// Formats are the export shapes the benchmark measures, with the gen format
// that writes each.
// portal is the portal's download as a folder: the four sign-in files and
// the two AuthDetails files beside them.
// la is a Log Analytics "Export to CSV" of SigninLogs, la-json the same rows
// as a query export (one JSON object per line), ual a Purview audit export
// (user sign-ins as UserLoggedIn / UserLoginFailed records, other events as
// another operation).
var Formats = map[string]string{"csv": "portal-csv", "portal": "portal-csv", "json": "graph-json", "ndjson": "diag-ndjson", "archive": gen.ArchiveFormat, "la": "la-csv", "la-json": "la-json", "ual": "ual-csv", "ual-json": "ual-json"}

// Phases in the order they are printed. floor is DuckDB alone, in memory;
// floor-disk is the same into a fresh DuckDB file, what mfagap's temporary
// database does for inputs beyond the memory limit (--storage).
var Phases = []string{"floor", "floor-disk", "ingest", "analyze", "report"}

// DefaultPhases are those bench runs when none is named.
var DefaultPhases = []string{"floor", "ingest", "analyze", "report"}

// Prepare writes one generated export of rows sign-ins in dir and returns its
// path. The file name carries rows and seed, so an existing file is reused.
// The portal CSV is one interactive-sign-ins file holding every event (gen.Write).
func Prepare(dir, format string, rows int, seed int64) (string, error) {
	gf, ok := Formats[format]
	if !ok {
		return "", fmt.Errorf("bench: unknown format %q (want one of %s)", format, strings.Join(slices.Sorted(maps.Keys(Formats)), ", "))
	}
	if format == "archive" || format == "portal" {
		return prepareFolder(dir, format, rows, seed)
	}
	name := fmt.Sprintf("SignIns_bench_%d_%d.json", rows, seed)
	switch format {
	case "csv":
		name = fmt.Sprintf("InteractiveSignIns_bench_%d_%d.csv", rows, seed)
	case "ndjson":
		name = fmt.Sprintf("PT1H_bench_%d_%d.json", rows, seed)
	case "la":
		name = fmt.Sprintf("SigninLogs_bench_%d_%d.csv", rows, seed)
	case "la-json":
		name = fmt.Sprintf("SigninLogs_bench_%d_%d.json", rows, seed)
	case "ual":
		name = fmt.Sprintf("AuditLog_bench_%d_%d.csv", rows, seed)
	case "ual-json":
		name = fmt.Sprintf("AuditLog_bench_%d_%d.json", rows, seed)
	}
	path := filepath.Join(dir, name)
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return path, nil
	}
	tmp := path + ".partial"
	f, err := os.Create(tmp)
	if err != nil {
		return "", fmt.Errorf("bench: %w", err)
	}
	err = gen.Write(f, gf, gen.Options{Rows: rows, Seed: seed})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	return path, os.Rename(tmp, path)
}

// prepareFolder writes the exports of a folder format (the diagnostic
// archive: one PT1H.json per category and hour; the portal download) into a
// folder of dir named after format, rows and seed, reused when a previous run
// finished it, and returns the folder.
func prepareFolder(dir, format string, rows int, seed int64) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("%s_bench_%d_%d", format, rows, seed))
	done := filepath.Join(path, ".complete")
	if _, err := os.Stat(done); err == nil {
		return path, nil
	}
	if err := os.RemoveAll(path); err != nil {
		return "", fmt.Errorf("bench: %w", err)
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return "", fmt.Errorf("bench: %w", err)
	}
	if _, err := gen.WriteFiles(path, Formats[format], gen.Options{Rows: rows, Seed: seed}); err != nil {
		return "", err
	}
	return path, os.WriteFile(done, nil, 0o644)
}

// Size is the bytes of the file at path, or of the files under it.
func Size(path string) int64 { return ingest.TreeSize(path) }

// Floor loads path (every JSON file under it for an archive, union_by_name)
// with DuckDB's defaults (auto-detection, insertion order kept) into a fresh
// table and returns the
// row count: the fastest any loader built on DuckDB can be.
func Floor(ctx context.Context, db *sql.DB, path, format string) (int64, error) {
	// DuckDB's default keeps insertion order; so does mfagap's raw load.
	// ingest.Open turns it off for the rest of mfagap's work, so the floor
	// turns it on again: a portal download's floor read without it took
	// 7.0 s against 8.8-9.3 s with it (issue 5).
	if _, err := db.ExecContext(ctx, "set preserve_insertion_order = true"); err != nil {
		return 0, err
	}
	if format == "portal" {
		return floorPortal(ctx, db, path)
	}
	reader := "read_json"
	if strings.HasSuffix(Formats[format], "-csv") {
		reader = "read_csv"
	}
	opts, order := "", "true"
	if format == "archive" {
		// Every PT1H.json of the folder. The categories' records differ
		// (a member typed from one file is empty text in another): with
		// its defaults DuckDB stops at the first conflict, and its error
		// says to set union_by_name, which reads each file's own schema.
		// Keeping the order of 2880 files that way ran out of memory at
		// 3 GiB on 100 k records (40.7 s without a limit); without it,
		// 9.1 s.
		path = filepath.Join(path, "**", "*.json")
		opts, order = ", union_by_name = true", "false"
	}
	q := fmt.Sprintf("set preserve_insertion_order = %s; create table bench_floor as select * from %s('%s'%s)", order, reader, strings.ReplaceAll(path, "'", "''"), opts)
	if _, err := db.ExecContext(ctx, q); err != nil {
		return 0, fmt.Errorf("floor %s: %w", path, err)
	}
	var n int64
	err := db.QueryRowContext(ctx, "select count(*) from bench_floor").Scan(&n)
	return n, err
}

// floorPortal loads every CSV of a portal download into a table of its own
// (their columns differ) with DuckDB's defaults and returns the sign-ins
// read: the rows of the files that are not AuthDetails.
func floorPortal(ctx context.Context, db *sql.DB, path string) (int64, error) {
	files, err := filepath.Glob(filepath.Join(path, "*.csv"))
	if err != nil || len(files) == 0 {
		return 0, fmt.Errorf("floor %s: no CSV file (%v)", path, err)
	}
	sort.Strings(files)
	var signins int64
	for i, f := range files {
		table := fmt.Sprintf("bench_floor_%d", i)
		q := fmt.Sprintf("create table %s as select * from read_csv('%s')", table, strings.ReplaceAll(f, "'", "''"))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("floor %s: %w", f, err)
		}
		if strings.Contains(filepath.Base(f), "_AuthDetails_") {
			continue
		}
		var n int64
		if err := db.QueryRowContext(ctx, "select count(*) from "+table).Scan(&n); err != nil {
			return 0, err
		}
		signins += n
	}
	return signins, nil
}

// PeakRSS returns this process's peak resident set size in bytes (VmHWM).
func PeakRSS() int64 {
	kb, _ := strconv.ParseInt(strings.TrimSuffix(procValue(os.DirFS("/"), "proc/self/status", "VmHWM"), " kB"), 10, 64)
	return kb << 10
}

// Sample is one run of one phase, as a child reports it.
type Sample struct {
	Format  string  `json:"format"`
	Phase   string  `json:"phase"`
	Rows    int64   `json:"rows"`
	Seconds float64 `json:"seconds"`
	// CPU is user + system time: steadier than Seconds on a busy machine.
	CPU     float64 `json:"cpu_seconds"`
	PeakRSS int64   `json:"peak_rss"`
	// Storage is the --storage of an ingest, analyze or report phase.
	Storage string `json:"storage,omitempty"`
	// Run is the round the sample belongs to (from 1): the floor and the
	// phases of one round run back to back, so a phase's ratio to the floor
	// of its own round is not moved by the machine's drift between rounds.
	Run int `json:"run,omitempty"`
	// Error is why the run failed (the parent's record; such a run has no
	// time and is left out of the table).
	Error string `json:"error,omitempty"`
	// Machine is what the parent ran on (Machine), kept with each sample
	// of --results.
	Machine string `json:"machine,omitempty"`
}

// Row is the summary of the samples of one format and phase.
type Row struct {
	Format, Phase    string
	Rows             int64
	Median, Min, Max float64
	CPU              float64 // median
	Runs             int
	PeakRSS          int64 // the largest over the runs
	// Paired are the ratios of each run to the floor of the same format in
	// the same round (Sample.Run), sorted; empty for the floor and when no
	// round has both.
	Paired []float64
}

// Summarize groups samples by format and phase, in Phases order.
func Summarize(samples []Sample) []Row {
	groups := map[[2]string][]Sample{}
	var keys [][2]string
	for _, s := range samples {
		k := [2]string{s.Format, s.Phase}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], s)
	}
	rank := map[string]int{}
	for i, p := range Phases {
		rank[p] = i
	}
	sort.SliceStable(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return rank[keys[i][1]] < rank[keys[j][1]]
	})
	var rows []Row
	for _, k := range keys {
		g := groups[k]
		secs, cpus := make([]float64, len(g)), make([]float64, len(g))
		r := Row{Format: k[0], Phase: k[1], Runs: len(g), Min: math.Inf(1)}
		for i, s := range g {
			secs[i], cpus[i] = s.Seconds, s.CPU
			r.Min = min(r.Min, s.Seconds)
			r.Max = max(r.Max, s.Seconds)
			r.PeakRSS = max(r.PeakRSS, s.PeakRSS)
			r.Rows = max(r.Rows, s.Rows)
		}
		r.Median, r.CPU = median(secs), median(cpus)
		if k[1] != "floor" {
			r.Paired = paired(g, groups[[2]string{k[0], "floor"}])
		}
		rows = append(rows, r)
	}
	return rows
}

// paired divides each sample of g by the floor sample of its round.
func paired(g, floors []Sample) []float64 {
	floor := map[int]float64{} // run → seconds
	for _, f := range floors {
		floor[f.Run] = f.Seconds
	}
	var out []float64
	for _, s := range g {
		if f := floor[s.Run]; s.Run > 0 && f > 0 {
			out = append(out, s.Seconds/f)
		}
	}
	sort.Float64s(out)
	return out
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	sort.Float64s(v)
	if len(v)%2 == 0 {
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return v[len(v)/2]
}

// WriteTable prints rows as a Markdown table: seconds (median and range),
// rows per second, ratio to the floor of the same format (median over
// median), the same ratio run by run (each run over the floor of its round:
// median and range), peak RSS.
func WriteTable(w io.Writer, rows []Row) error {
	floor := map[string]float64{}
	for _, r := range rows {
		if r.Phase == "floor" {
			floor[r.Format] = r.Median
		}
	}
	b := &strings.Builder{}
	fmt.Fprintln(b, "| format | phase | rows | seconds (median) | min–max | runs | rows/s | × floor | × floor by round (median, min–max) | CPU s | peak RSS |")
	fmt.Fprintln(b, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, r := range rows {
		ratio := "–"
		if f := floor[r.Format]; f > 0 {
			ratio = fmt.Sprintf("%.2f", r.Median/f)
		}
		rate := "–"
		if r.Median > 0 {
			rate = fmt.Sprintf("%.0f", float64(r.Rows)/r.Median)
		}
		byRound := "–"
		if len(r.Paired) > 0 {
			byRound = fmt.Sprintf("%.2f (%.2f–%.2f)", median(r.Paired), r.Paired[0], r.Paired[len(r.Paired)-1])
		}
		fmt.Fprintf(b, "| %s | %s | %d | %.2f | %.2f–%.2f | %d | %s | %s | %s | %.1f | %s |\n",
			r.Format, r.Phase, r.Rows, r.Median, r.Min, r.Max, r.Runs, rate, ratio, byRound, r.CPU, MiB(r.PeakRSS))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// CPUSeconds returns this process's user + system CPU time.
func CPUSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// MiB formats a byte count as MiB.
func MiB(n int64) string { return fmt.Sprintf("%d MiB", n>>20) }

// Since returns the seconds elapsed since t.
func Since(t time.Time) float64 { return time.Since(t).Seconds() }
