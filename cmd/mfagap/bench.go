package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mfagap/mfagap/bench"
	"github.com/mfagap/mfagap/ingest"
)

func benchCommand() *cli.Command {
	return &cli.Command{
		Name:  "bench",
		Usage: "time ingest, analyze and report against DuckDB's own read_csv/read_json on generated exports",
		Description: "Generates one export per format (reused when present), then runs every phase in a child\n" +
			"process, --repeat times, and prints seconds, rows/s, the ratio to the floor (of the medians, and\n" +
			"run by run against the floor of the same round) and peak RSS.\n" +
			"   mfagap bench --rows 1000000 --repeat 3 --dir /tmp/mfagap-bench",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "rows", Value: 1000000, Usage: "sign-ins per generated export"},
			&cli.Int64Flag{Name: "seed", Value: 1, Usage: "generator seed"},
			&cli.StringFlag{Name: "dir", Value: filepath.Join(os.TempDir(), "mfagap-bench"), Usage: "folder for the generated exports and outputs"},
			&cli.StringSliceFlag{Name: "format", Value: cli.NewStringSlice("csv", "portal", "json", "ndjson"), Usage: "csv (portal, every sign-in in one file), portal (the portal's download: four sign-in files and two AuthDetails files), json (Graph array), ndjson (diagnostic settings PT1H.json), archive (the same records as a storage account's folders of hourly PT1H.json, 720 per category a month), la (a Log Analytics Export to CSV of SigninLogs), la-json (the same rows as a Log Analytics query export, one JSON object per line), ual (a Purview audit export: user sign-ins, other events as another operation), ual-json (the same AuditData objects, one JSON object per line); la, la-json, ual and ual-json are not in the default list"},
			&cli.StringSliceFlag{Name: "phase", Value: cli.NewStringSlice(bench.DefaultPhases...), Usage: "phases to run: floor, ingest, analyze, report, and floor-disk (DuckDB's read into a database file)"},
			&cli.IntFlag{Name: "repeat", Value: 3, Usage: "runs of each phase (phases are interleaved)"},
			&cli.StringFlag{Name: "memory-limit", Usage: "DuckDB memory limit for every phase, floor included"},
			&cli.StringFlag{Name: "temp-dir", Usage: "DuckDB spill folder"},
			&cli.StringFlag{Name: "storage", Usage: "--storage of the ingest, analyze and report phases (auto, memory, disk; default auto): disk at 1 M and 10 M rows compares the two sizes in the same mode, where auto keeps 1 M in memory and puts 10 M in a file"},
			&cli.StringFlag{Name: "results", Usage: "also write every sample as JSON here"},
			&cli.StringFlag{Name: "child", Hidden: true},
			&cli.StringFlag{Name: "file", Hidden: true},
			&cli.StringFlag{Name: "child-format", Hidden: true},
		},
		Action: func(c *cli.Context) error {
			if p := c.String("child"); p != "" {
				return benchChild(c, p)
			}
			if err := makeTempDir(c); err != nil {
				return err
			}
			return benchParent(c)
		},
	}
}

func benchParent(c *cli.Context) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dir := c.String("dir")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usageError{err}
	}
	files := map[string]string{}
	for _, f := range c.StringSlice("format") {
		start := time.Now()
		path, err := bench.Prepare(dir, f, c.Int("rows"), c.Int64("seed"))
		if err != nil {
			return usageError{err}
		}
		fmt.Fprintf(c.App.ErrWriter, "bench: %s: %s (%d MiB, ready in %.1fs)\n", f, path, bench.Size(path)>>20, bench.Since(start))
		files[f] = path
	}
	if v := c.String("storage"); v != "" {
		fmt.Fprintf(c.App.ErrWriter, "bench: ingest, analyze and report run with --storage %s\n", v)
	}
	machine, err := benchMachine(c)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "bench: machine: %s\n", machine)
	var samples, failed []bench.Sample
	rows := map[string]int64{}
	for i := 0; i < c.Int("repeat"); i++ {
		for _, f := range c.StringSlice("format") {
			for _, phase := range phaseOrder(c.StringSlice("phase"), i) {
				args := []string{"bench", "--child", phase, "--child-format", f, "--file", files[f], "--dir", dir}
				for _, fl := range []string{"memory-limit", "temp-dir", "storage"} {
					if v := c.String(fl); v != "" {
						args = append(args, "--"+fl, v)
					}
				}
				s, err := runBenchChild(c, exe, args)
				if c.Context != nil && c.Context.Err() != nil {
					return c.Context.Err()
				}
				s.Run = i + 1
				if err != nil {
					// One phase that fails (DuckDB's in-memory floor
					// filling the disk with spill at 10 M, say) does
					// not throw away the others' runs.
					s.Format, s.Phase, s.Error = f, phase, err.Error()
					failed = append(failed, s)
					fmt.Fprintf(c.App.ErrWriter, "bench: run %d %s %-7s failed: %s\n", i+1, f, phase, s.Error)
					continue
				}
				if s.Rows > 0 {
					rows[f] = s.Rows
				}
				samples = append(samples, s)
				fmt.Fprintf(c.App.ErrWriter, "bench: run %d %s %-7s %7.2fs  cpu %6.1fs  peak %s\n", i+1, f, phase, s.Seconds, s.CPU, bench.MiB(s.PeakRSS))
			}
		}
	}
	for i := range samples {
		if samples[i].Rows == 0 {
			// The floor counts what DuckDB read; without a floor, the
			// sign-ins the export was generated with.
			samples[i].Rows = rows[samples[i].Format]
			if samples[i].Rows == 0 {
				samples[i].Rows = int64(c.Int("rows"))
			}
		}
	}
	if p := c.String("results"); p != "" {
		all := append(slices.Clone(samples), failed...)
		for i := range all {
			all[i].Machine = machine
		}
		b, _ := json.MarshalIndent(all, "", "  ")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.App.Writer, "machine: %s\n\n", machine)
	if err := bench.WriteTable(c.App.Writer, bench.Summarize(samples)); err != nil {
		return err
	}
	if len(failed) == 0 {
		return nil
	}
	fmt.Fprintf(c.App.Writer, "\nfailed (no time, not in the table):\n")
	for _, s := range failed {
		fmt.Fprintf(c.App.Writer, "- run %d %s %s: %s\n", s.Run, s.Format, s.Phase, s.Error)
	}
	return fmt.Errorf("bench: %d of %d phase runs failed (listed after the table)", len(failed), len(failed)+len(samples))
}

// benchMachine is bench.Machine, with DuckDB's version from a database
// opened for it.
func benchMachine(c *cli.Context) (string, error) {
	ctx := commandContext(c)
	db, err := ingest.Open(ctx, ingest.DBOptions{TempDir: c.String("temp-dir")})
	if err != nil {
		return "", err
	}
	defer db.Close()
	return bench.Machine(ctx, db), nil
}

// runBenchChild runs one phase in a child process (exe with args) and
// returns the Sample it prints. Its stderr goes on to ours; when it fails,
// the error is its last line there (the command's own message).
func runBenchChild(c *cli.Context, exe string, args []string) (bench.Sample, error) {
	var s bench.Sample
	ctx := commandContext(c)
	cmd := exec.CommandContext(ctx, exe, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, io.MultiWriter(c.App.ErrWriter, &errb)
	if err := cmd.Run(); err != nil {
		lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
		if last := strings.TrimPrefix(strings.TrimSpace(lines[len(lines)-1]), "mfagap: "); last != "" {
			return s, errors.New(last)
		}
		return s, err
	}
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		return s, fmt.Errorf("child said %q: %w", out.String(), err)
	}
	return s, nil
}

// phaseOrder is the order of the phases in run i (from 0): as given, and
// reversed in every second run, so that no phase always follows the same
// one. What ran just before counts on a small VM: 1 M diagnostic sign-ins
// ingested in 28.1-30.2 s after another ingest and in 31.2-33.3 s right
// after DuckDB's floor, with 10 % more CPU time (issue 5).
func phaseOrder(phases []string, i int) []string {
	out := slices.Clone(phases)
	if i%2 == 1 {
		slices.Reverse(out)
	}
	return out
}

// benchChild runs one phase and prints its Sample as JSON. ingest, analyze
// and report run the CLI commands users run, in process.
func benchChild(c *cli.Context, phase string) error {
	ctx := commandContext(c)
	file, format, dir := c.String("file"), c.String("child-format"), c.String("dir")
	s := bench.Sample{Format: format, Phase: phase}
	var common []string
	for _, fl := range []string{"memory-limit", "temp-dir", "storage"} {
		if v := c.String(fl); v != "" {
			common = append(common, "--"+fl, v)
		}
	}
	start := time.Now()
	var cliArgs []string
	switch phase {
	case "floor", "floor-disk":
		var path string
		if phase == "floor-disk" { // the file mfagap's --storage disk would use, in DuckDB's default format
			p, remove, err := tempDBFile(c.String("temp-dir"))
			if err != nil {
				return err
			}
			defer remove()
			path = p
		}
		// Opened as mfagap opens its database for the same file.
		db, err := ingest.Open(ctx, ingest.DBOptions{Path: path, MemoryLimit: c.String("memory-limit"), TempDir: c.String("temp-dir"),
			KeepFreedBlocks: bigTables(ingest.EstimateTableBytes([]string{file}))})
		if err != nil {
			return err
		}
		start = time.Now()
		s.Rows, err = bench.Floor(ctx, db, file, format)
		if cerr := db.Close(); err == nil { // a file is checkpointed here, within the time measured
			err = cerr
		}
		if err != nil {
			return ingest.SpaceErrorIn(err, c.String("temp-dir"))
		}
	case "ingest":
		cliArgs = []string{"ingest", "--quiet"}
	case "analyze":
		cliArgs = []string{"analyze", "--quiet", "--json", filepath.Join(dir, "analyze-"+format+".json")}
	case "report":
		cliArgs = []string{"report", "--quiet", "-o", filepath.Join(dir, "report-"+format+".html"),
			"--json", filepath.Join(dir, "report-"+format+".json")}
	default:
		return usageError{fmt.Errorf("bench: unknown phase %q (want %s)", phase, strings.Join(bench.Phases, ", "))}
	}
	if cliArgs != nil {
		s.Storage = storageOf(c)
		var errb bytes.Buffer
		args := append(append(append([]string{"mfagap"}, cliArgs...), common...), file)
		if code := run(args, io.Discard, &errb); code != 0 {
			return fmt.Errorf("mfagap %s (exit %d): %s", phase, code, strings.TrimPrefix(strings.TrimSpace(errb.String()), "mfagap: "))
		}
	}
	s.Seconds = bench.Since(start)
	s.CPU = bench.CPUSeconds()
	s.PeakRSS = bench.PeakRSS()
	return json.NewEncoder(c.App.Writer).Encode(s)
}

// storageOf is the --storage a bench phase of mfagap runs with.
func storageOf(c *cli.Context) string {
	if v := c.String("storage"); v != "" {
		return v
	}
	return "auto"
}
