package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mfagap/mfagap/analyze"
	"github.com/mfagap/mfagap/ingest"
	"github.com/mfagap/mfagap/progress"
	"github.com/mfagap/mfagap/queries"
	"github.com/mfagap/mfagap/reports"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// Exit codes.
const (
	exitOK          = 0
	exitFindings    = 1   // findings at or above --fail-on
	exitUsage       = 2   // usage or input errors: nothing usable was read
	exitInterrupted = 130 // Ctrl-C or SIGTERM (128 + SIGINT, as shells report it)
)

// usageError marks errors that are the user's to fix (exit 2).
type usageError struct{ error }

// findingsError marks a --fail-on threshold that was met (exit 1).
type findingsError struct{ error }

func run(args []string, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdout, stderr)
}

// runContext runs the CLI until ctx is cancelled (an interrupt).
func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	err := app.RunContext(ctx, flagsFirst(app, args))
	var fe findingsError
	switch {
	case err == nil:
		return exitOK
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "mfagap: interrupted; nothing written after that point, temporary files removed")
		return exitInterrupted
	case errors.As(err, &fe):
		fmt.Fprintln(stderr, "mfagap:", err)
		return exitFindings
	default:
		fmt.Fprintln(stderr, "mfagap:", oneLine(err.Error()))
		return exitUsage
	}
}

func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:           "mfagap",
		Usage:          "find MFA gaps in exported Microsoft Entra ID sign-in logs, offline",
		Version:        version,
		Writer:         stdout,
		ErrWriter:      stderr,
		ExitErrHandler: func(*cli.Context, error) {}, // run maps errors to exit codes
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return usageError{err}
		},
		HideVersion: true,
		Commands: []*cli.Command{
			reportCommand(),
			ingestCommand(),
			analyzeCommand(),
			checksCommand(),
			genCommand(),
			benchCommand(),
			{
				Name:  "version",
				Usage: "print the version",
				Action: func(c *cli.Context) error {
					fmt.Fprintf(c.App.Writer, "mfagap %s (DuckDB embedded, checks %d)\n", version, len(mustChecks()))
					return nil
				},
			},
		},
	}
}

func mustChecks() []queries.Check {
	cs, err := queries.Load(queries.FS)
	if err != nil {
		panic(err) // embedded checks are validated by tests
	}
	return cs
}

// Flags shared by the commands that load inputs.
func loadFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "tenant", Usage: "tenant id for rows whose data names none (folder-per-tenant layouts are read automatically)"},
		&cli.StringFlag{Name: "db", Usage: "DuckDB database file to load into or read from (default: in memory)"},
		&cli.StringFlag{Name: "memory-limit", Usage: "DuckDB memory limit, e.g. 4GB (default: half the memory, at most 3 GiB)"},
		&cli.StringFlag{Name: "temp-dir", Usage: "folder for expanded archives, staged records, DuckDB spill files and the temporary database of large inputs, each run in folders of its own (default: the system temporary folder)"},
		&cli.StringFlag{Name: "storage", Value: "auto", Usage: "where the tables live without --db: memory, disk (a temporary DuckDB file, compressed) or auto (disk when the inputs would not fit in the memory limit)"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress on stderr"},
	}
}

func analyzeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.TimestampFlag{Name: "as-of", Layout: time.RFC3339, Timezone: time.UTC, Usage: "anchor time windows here (RFC 3339) instead of the newest event"},
		&cli.StringSliceFlag{Name: "set", Usage: "override a check parameter: --set name=value (see 'mfagap checks --params')"},
		&cli.StringSliceFlag{Name: "check", Usage: "run only this check id (repeatable)"},
		&cli.StringSliceFlag{Name: "trusted-country", Usage: "ISO country code whose sign-ins are never unfamiliar (repeatable or comma list; adds to location.trusted_countries)"},
		&cli.StringSliceFlag{Name: "trusted-ip", Usage: "address or CIDR range (IPv4 or IPv6) whose sign-ins are never unfamiliar (repeatable; adds to location.trusted_ips and the CA export's trusted named locations)"},
		&cli.StringFlag{Name: "fail-on", Usage: "exit 1 when a finding of this severity or higher exists (info, low, medium, high, critical)"},
	}
}

// session is an open database with its inputs loaded.
type session struct {
	db      *sql.DB
	summary *ingest.Summary
	cleanup func() // removes a temporary database; a no-op when there is none
}

// close closes the database and removes it when it was temporary.
func (s *session) close() {
	s.db.Close()
	s.cleanup()
}

// workDB says where a session without --db keeps its tables: "" (in memory)
// or a DuckDB file in a new folder under tempDir, with the function that
// removes that folder. In memory, tables are stored uncompressed; once they
// outgrow the memory limit DuckDB spills them as they are and every check
// reads them back from the spill files. In a file they are compressed as
// they are written (about a tenth of the size), a cost that pays off only
// then: at 10 M portal CSV sign-ins the report took 111 s and 2.2 GB on disk
// against 156 s and 3.8 GB in memory, at 1 M 11.6 s against 10.0 s (issue 5,
// docs/performance.md). auto therefore chooses disk when the inputs'
// estimated table size exceeds the memory limit. A plain ingest too: it
// numbers, deduplicates and counts what it loaded, and at 10 M portal
// sign-ins it took 85.6 and 81.6 s and 2.0 GB on disk against 90.8 s and
// 3.5 GB in memory.
// tables is the inputs' estimated table size (ingest.EstimateTableBytes),
// asked for only by auto.
func workDB(storage string, tables func() int64, memoryLimit, tempDir string) (string, func(), error) {
	switch storage {
	case "memory":
		return "", nil, nil
	case "disk":
	case "auto", "":
		if memoryLimit == "" {
			memoryLimit = ingest.DefaultMemoryLimit()
		}
		limit, err := ingest.ParseBytes(memoryLimit)
		if err != nil {
			return "", nil, usageError{fmt.Errorf("--memory-limit: %w", err)}
		}
		if tables() <= limit {
			return "", nil, nil
		}
	default:
		return "", nil, usageError{fmt.Errorf("--storage %q: expected auto, memory or disk", storage)}
	}
	return tempDBFile(tempDir)
}

// bigTables says whether inputs of tables estimated at that size
// (ingest.EstimateTableBytes) reach ingest.KeepFreedBlocksFrom: a database
// for them, in memory or in a file, keeps the blocks DuckDB frees
// (ingest.DBOptions.KeepFreedBlocks).
func bigTables(tables int64) bool {
	return tables >= ingest.KeepFreedBlocksFrom
}

// tempDBFile names a DuckDB file in a new folder under tempDir and returns
// the function that removes the folder.
func tempDBFile(tempDir string) (string, func(), error) {
	dir, remove, err := ingest.MakeTemp(tempDir, "mfagap-db-")
	if err != nil {
		return "", nil, fmt.Errorf("temporary database: %w", err)
	}
	return filepath.Join(dir, "mfagap.duckdb"), func() { remove() }, nil
}

// makeTempDir creates the folder --temp-dir names if it is missing, as a
// big disk's new folder for one engagement is: the run failed on it after
// a warning that the sweep could not read it.
func makeTempDir(c *cli.Context) error {
	dir := c.String("temp-dir")
	if dir == "" {
		return nil
	}
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return usageError{fmt.Errorf("--temp-dir %s is a file, not a folder", dir)}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usageError{fmt.Errorf("--temp-dir %s: cannot create it: %v", dir, bare(err, ""))}
	}
	return nil
}

// sweep removes the temporary folders that killed runs left under
// --temp-dir (ingest.SweepTemp) and says so, unless --quiet.
func sweep(c *cli.Context) {
	stale, err := ingest.SweepTemp(c.String("temp-dir"))
	var n int64
	for _, s := range stale {
		n += s.Bytes
	}
	if len(stale) > 0 && !c.Bool("quiet") {
		fmt.Fprintf(c.App.ErrWriter, "mfagap: removed %s (%s) left by runs that did not finish under %s\n",
			reports.Count(len(stale), "temporary folder"), progress.Bytes(n), clean(filepath.Dir(stale[0].Path)))
	}
	if err != nil && !c.Bool("quiet") {
		fmt.Fprintf(c.App.ErrWriter, "mfagap: could not remove what earlier runs left: %s\n", clean(oneLine(err.Error())))
	}
}

// commandContext is c's context, or the background one when c has none
// (a command run without urfave/cli's own start, as tests do).
func commandContext(c *cli.Context) context.Context {
	if c.Context == nil {
		return context.Background()
	}
	return c.Context
}

func openAndLoad(c *cli.Context, needInputs bool) (*session, error) {
	ctx := commandContext(c)
	paths := c.Args().Slice()
	if needInputs && len(paths) == 0 && c.String("db") == "" {
		return nil, usageError{fmt.Errorf("no input: give one or more files, folders or archives (try: mfagap %s testdata/exports)", c.Command.Name)}
	}
	if err := makeTempDir(c); err != nil {
		return nil, err
	}
	sweep(c)
	dbPath, cleanup, scratch := c.String("db"), func() {}, false
	// The inputs are walked once for their estimate, and only when auto
	// or a database in memory asks for it.
	tables := sync.OnceValue(func() int64 { return ingest.EstimateTableBytes(paths) })
	if dbPath == "" && len(paths) > 0 {
		p, remove, err := workDB(c.String("storage"), tables, c.String("memory-limit"), c.String("temp-dir"))
		if err != nil {
			return nil, err
		}
		if remove != nil {
			dbPath, cleanup, scratch = p, remove, true
			if c.String("storage") == "auto" && !c.Bool("quiet") {
				fmt.Fprintf(c.App.ErrWriter, "mfagap: the inputs would not fit in the memory limit uncompressed; tables kept compressed in %s (removed at exit; --storage memory to keep them in memory)\n", clean(filepath.Dir(p)))
			}
		}
	}
	db, err := ingest.Open(ctx, ingest.DBOptions{Path: dbPath, MemoryLimit: c.String("memory-limit"), TempDir: c.String("temp-dir"), Scratch: scratch,
		KeepFreedBlocks: bigTables(tables())})
	if err != nil {
		cleanup()
		return nil, err
	}
	s := &session{db: db, cleanup: cleanup}
	opts := ingestOptions(c)
	if len(paths) > 0 {
		s.summary, err = ingest.Files(ctx, db, paths, opts)
	} else {
		s.summary, err = ingest.ReadSummary(ctx, db)
	}
	if err != nil {
		s.close()
		return nil, err
	}
	skipped := 0
	for _, src := range s.summary.Sources {
		if src.Kind == "skipped" {
			// A Downloads folder given whole skips hundreds of files: the
			// first are named, the rest counted; the inputs table lists all.
			if skipped++; skipped <= maxSkipLines {
				fmt.Fprintf(c.App.ErrWriter, "mfagap: skipped %s: %s\n", clean(src.Path), clean(src.Note))
			}
		} else if src.Loaded == 0 && strings.HasPrefix(src.Note, "load failed: ") {
			fmt.Fprintf(c.App.ErrWriter, "mfagap: %s: not loaded: %s\n", clean(src.Path), clean(strings.TrimPrefix(src.Note, "load failed: ")))
		} else if src.Rejected > 0 {
			fmt.Fprintf(c.App.ErrWriter, "mfagap: %s: %d of %d rows rejected (details in the report's inputs table and the rejected_rows table)\n", clean(src.Path), src.Rejected, src.Read)
		}
		if w := ingest.NoteWarning(src.Note); w != "" && src.Kind != "skipped" {
			fmt.Fprintf(c.App.ErrWriter, "mfagap: %s: warning: %s\n", clean(src.Path), clean(w))
		}
	}
	if skipped > maxSkipLines {
		fmt.Fprintf(c.App.ErrWriter, "mfagap: and %s skipped, each with its reason in the inputs table (mfagap ingest --explain PATH... lists them without loading)\n",
			reports.Count(skipped-maxSkipLines, "more file"))
	}
	if !s.summary.Usable() {
		s.close()
		return nil, usageError{errors.New("nothing usable was read from the inputs (see the messages above)")}
	}
	return s, nil
}

// maxSkipLines is how many skipped files stderr names one by one.
const maxSkipLines = 10

func analyzeOptions(c *cli.Context) (analyze.Options, error) {
	opts := analyze.Options{Params: map[string]string{}, Only: c.StringSlice("check")}
	if t := c.Timestamp("as-of"); t != nil {
		opts.AsOf = t
	}
	// The slice flag splits at commas, but a value may be a comma list
	// (--set location.trusted_countries=DE,AT): a piece without "=" continues
	// the previous value.
	var last string
	for _, kv := range c.StringSlice("set") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok && last != "" {
			opts.Params[last] += "," + strings.TrimSpace(kv)
			continue
		}
		if !ok || strings.TrimSpace(k) == "" {
			return opts, usageError{fmt.Errorf("--set %q: expected name=value", kv)}
		}
		last = strings.TrimSpace(k)
		opts.Params[last] = strings.TrimSpace(v)
	}
	for flag, param := range map[string]string{"trusted-country": "location.trusted_countries", "trusted-ip": "location.trusted_ips"} {
		list := c.StringSlice(flag)
		if len(list) == 0 {
			continue
		}
		if old := opts.Params[param]; old != "" {
			list = append([]string{old}, list...)
		}
		opts.Params[param] = strings.Join(list, ",")
	}
	for _, r := range strings.Split(opts.Params["location.trusted_ips"], ",") {
		if r = strings.TrimSpace(r); r != "" && !validRange(r) {
			return opts, usageError{fmt.Errorf("trusted IP range %q: expected an address or CIDR such as 203.0.113.0/24 or 2001:db8::/32", r)}
		}
	}
	if s := c.String("fail-on"); s != "" && queries.SeverityRank(s) < 0 {
		return opts, usageError{fmt.Errorf("--fail-on %q: expected one of %s", s, strings.Join(queries.Severities, ", "))}
	}
	checks, err := analyze.Validate(opts)
	if err != nil {
		return opts, usageError{err}
	}
	opts.Checks = checks // loaded and selected once; Run validates them again, as they are
	return opts, nil
}

// loadAndAnalyze loads the command's inputs and runs the checks on them.
func loadAndAnalyze(c *cli.Context) (*analyze.Result, error) {
	opts, err := analyzeOptions(c) // flag mistakes before a long load
	if err != nil {
		return nil, err
	}
	s, err := openAndLoad(c, true)
	if err != nil {
		return nil, err
	}
	defer s.close()
	var bar *progress.Bar
	if showProgress(c) {
		bar = progress.New(c.App.ErrWriter, 0)
		defer bar.Finish()
		opts.Progress = func(done, total int, id string) {
			bar.Update(progress.State{Label: "analyze", Item: id, Done: done, Total: total, Rows: -1})
		}
	}
	r, err := analyze.Run(c.Context, s.db, opts)
	if err != nil {
		return nil, usageError{err}
	}
	if bar != nil {
		bar.Change(func(s *progress.State) { s.Item, s.Complete = "", true }) // the last check is done too
	}
	if w := asOfWarning(opts.AsOf, r.Window); w != "" {
		fmt.Fprintln(c.App.ErrWriter, "mfagap: "+w)
	}
	return r, nil
}

// asOfWarning says when --as-of lies outside the sign-ins' time range by
// more than a day, most often a mistyped year: the checks count back from
// as-of, so before the first event they see no sign-in at all, and long
// after the last one their windows hold none.
func asOfWarning(asOf *time.Time, w analyze.Window) string {
	if asOf == nil || w.First == nil || w.Last == nil {
		return ""
	}
	day := 24 * time.Hour
	switch {
	case asOf.Before(w.First.Add(-day)):
		return fmt.Sprintf("--as-of %s is before the first sign-in (%s): the checks, which look back from it, see no sign-in; is that the date you meant?", asOf.Format(time.RFC3339), w.First.Format(time.RFC3339))
	case asOf.After(w.Last.Add(30 * day)):
		return fmt.Sprintf("--as-of %s is %d days after the last sign-in (%s): checks that look at the last days before it hold none of them; is that the date you meant?", asOf.Format(time.RFC3339), int(asOf.Sub(*w.Last)/day), w.Last.Format(time.RFC3339))
	}
	return ""
}

func failOn(c *cli.Context, r *analyze.Result) error { return gate(c.String("fail-on"), r) }

// gate is --fail-on s: an error (exit 1) when r has a finding at severity s
// or higher, or a check at that severity that could not run.
func gate(s string, r *analyze.Result) error {
	if s == "" {
		return nil
	}
	min := queries.SeverityRank(s)
	n := 0
	for _, ch := range r.Checks {
		if queries.SeverityRank(ch.Severity) >= min {
			n += len(ch.Findings)
		}
	}
	if n > 0 {
		return findingsError{fmt.Errorf("%d findings at severity %s or higher", n, s)}
	}
	// A check at the threshold that could not run proves nothing: the gate
	// does not pass on its silence (it is not one that was skipped for want
	// of an input, which the report says).
	var failed []string
	for _, ch := range r.Checks {
		if ch.Status == analyze.StatusError && queries.SeverityRank(ch.Severity) >= min {
			failed = append(failed, ch.ID)
		}
	}
	if len(failed) > 0 {
		return findingsError{fmt.Errorf("no findings at severity %s or higher, but %s at that severity could not run (%s): the gate cannot pass",
			s, reports.Count(len(failed), "check"), strings.Join(failed, ", "))}
	}
	return nil
}

func reportCommand() *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "load exports, run every check, write the HTML report (and JSON, CSV, Markdown on request)",
		ArgsUsage: "PATH... (files, folders, archives: .zip, .tar, .gz, .bz2, .zst; - for standard input)",
		Description: "Examples:\n" +
			"   mfagap report exports/ -o contoso.html\n" +
			"   mfagap report signins.zip register.xlsx ca-policies/ --json findings.json --csv findings.csv\n" +
			"   mfagap report exports/ --as-of 2025-04-01T00:00:00Z --set spray.min_users=10 --fail-on high",
		Flags: append(append(loadFlags(), analyzeFlags()...),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "mfagap-report.html", Usage: "HTML report file"},
			&cli.StringFlag{Name: "json", Usage: "also write the findings JSON here ('-' for stdout)"},
			&cli.StringFlag{Name: "csv", Usage: "also write one CSV row per finding here ('-' for stdout)"},
			&cli.StringFlag{Name: "md", Usage: "also write a Markdown report here ('-' for stdout)"},
			&cli.StringFlag{Name: "title", Value: "MFA gap report", Usage: "report title"},
		),
		Action: func(c *cli.Context) error {
			if err := checkOutputs(c.Args().Slice(), output{flag: "--db", path: c.String("db"), database: true},
				output{flag: "--output", path: c.String("output")}, output{flag: "--json", path: c.String("json")},
				output{flag: "--csv", path: c.String("csv")}, output{flag: "--md", path: c.String("md")}); err != nil {
				return err
			}
			r, err := loadAndAnalyze(c)
			if err != nil {
				return err
			}
			html := func(w io.Writer) error {
				return reports.WriteHTML(w, r, reports.HTMLOptions{GeneratedAt: time.Now().UTC(), Version: version, Title: c.String("title")})
			}
			outs := []struct {
				path  string
				write func(io.Writer) error
			}{
				{c.String("output"), html},
				{c.String("json"), func(w io.Writer) error { return reports.WriteJSON(w, r) }},
				{c.String("csv"), func(w io.Writer) error {
					// A file opens in Excel, which reads UTF-8 without a
					// byte-order mark as the ANSI code page ("MÃ¼ller");
					// standard output feeds other tools, which want none.
					if c.String("csv") != "-" {
						if _, err := io.WriteString(w, "\ufeff"); err != nil {
							return err
						}
					}
					return reports.WriteCSV(w, r)
				}},
				{c.String("md"), func(w io.Writer) error { return reports.WriteMarkdown(w, r) }},
			}
			for _, o := range outs {
				if err := writeTo(c.App.Writer, o.path, o.write); err != nil {
					return err
				}
			}
			if c.String("json") != "-" && c.String("csv") != "-" && c.String("md") != "-" {
				reports.Terminal(c.App.Writer, r)
				fmt.Fprintf(c.App.Writer, "report written to %s\n", c.String("output"))
			}
			return failOn(c, r)
		},
	}
}

func ingestCommand() *cli.Command {
	return &cli.Command{
		Name:      "ingest",
		Usage:     "load exports into the canonical tables and show what each file was read as",
		ArgsUsage: "PATH... (files, folders, archives: .zip, .tar, .gz, .bz2, .zst; - for standard input)",
		Description: "Prints one line per input: detected format, kind, tenant and rows read / loaded / rejected / duplicate.\n" +
			"With --db the tables are kept in a DuckDB file that 'mfagap analyze --db' reads back; with --parquet DIR\n" +
			"they are written as Parquet, and 'mfagap report DIR' or 'mfagap analyze DIR' reads the folder back.",
		Flags: append(loadFlags(), &cli.BoolFlag{Name: "explain", Usage: "only detect: print each file's format and why (or why it is skipped), load nothing"},
			&cli.StringFlag{Name: "parquet", Usage: "also write the canonical tables to this folder as Parquet (sign-ins partitioned by tenant and day); report and analyze read the folder back"}),
		Action: func(c *cli.Context) error {
			if c.Bool("explain") {
				return explain(c)
			}
			if dir := c.String("parquet"); dir != "" {
				if err := ingest.CheckParquetDir(dir); err != nil {
					return usageError{err} // before the load, not minutes after it
				}
			}
			s, err := openAndLoad(c, true)
			if err != nil {
				return err
			}
			defer s.close()
			printSources(c.App.Writer, s.summary)
			if dir := c.String("parquet"); dir != "" {
				if err := ingest.WriteParquet(c.Context, s.db, dir); err != nil {
					return usageError{err}
				}
				fmt.Fprintf(c.App.Writer, "tables written to %s as Parquet\n", dir)
			}
			return nil
		},
	}
}

func explain(c *cli.Context) error {
	if c.NArg() == 0 {
		return usageError{errors.New("no input: give one or more files, folders or archives")}
	}
	if err := makeTempDir(c); err != nil {
		return err
	}
	opts := ingestOptions(c)
	ds, err := ingest.Explain(c.Args().Slice(), opts)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PATH\tFORMAT\tKIND\tENCODING\tWHY")
	for _, d := range ds {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", clean(d.Path), d.Format, d.Kind, d.Encoding, clean(d.Reason))
	}
	return tw.Flush()
}

func printSources(w io.Writer, sum *ingest.Summary) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PATH\tFORMAT\tKIND\tTENANT\tREAD\tLOADED\tREJECTED\tDUPLICATE\tNOTE")
	for _, s := range sum.Sources {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", clean(s.Path), s.Format, s.Kind, clean(s.TenantID),
			s.Read, s.Loaded, s.Rejected, s.Duplicates, clean(s.Note))
	}
	tw.Flush()
}

func analyzeCommand() *cli.Command {
	return &cli.Command{
		Name:      "analyze",
		Usage:     "run the checks and print a summary (or the findings JSON with --json)",
		ArgsUsage: "[PATH...] (or --db FILE written by 'mfagap ingest --db')",
		Flags: append(append(loadFlags(), analyzeFlags()...),
			&cli.StringFlag{Name: "json", Usage: "write the findings JSON here ('-' for stdout)"},
		),
		Action: func(c *cli.Context) error {
			if err := checkOutputs(c.Args().Slice(), output{flag: "--db", path: c.String("db"), database: true}, output{flag: "--json", path: c.String("json")}); err != nil {
				return err
			}
			r, err := loadAndAnalyze(c)
			if err != nil {
				return err
			}
			if p := c.String("json"); p != "" {
				if err := writeTo(c.App.Writer, p, func(w io.Writer) error { return reports.WriteJSON(w, r) }); err != nil {
					return err
				}
			}
			if c.String("json") != "-" {
				reports.Terminal(c.App.Writer, r)
			}
			return failOn(c, r)
		},
	}
}

func checksCommand() *cli.Command {
	return &cli.Command{
		Name:  "checks",
		Usage: "list the checks with severity and the inputs each needs",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "params", Usage: "also list each check's parameters and defaults"}},
		Action: func(c *cli.Context) error {
			cs := mustChecks()
			sort.SliceStable(cs, func(i, j int) bool {
				ri, rj := queries.SeverityRank(cs[i].Severity), queries.SeverityRank(cs[j].Severity)
				if ri != rj {
					return ri > rj
				}
				return cs[i].ID < cs[j].ID
			})
			tw := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tNEEDS\tTITLE")
			for _, ch := range cs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", ch.ID, ch.Severity, strings.Join(ch.Sources, ", "), ch.Title)
				if c.Bool("params") {
					keys := make([]string, 0, len(ch.Params))
					for k := range ch.Params {
						keys = append(keys, k)
					}
					sort.Strings(keys)
					for _, k := range keys {
						fmt.Fprintf(tw, "\t\t  --set %s=%s\t\n", k, ch.Params[k])
					}
				}
			}
			return tw.Flush()
		},
	}
}

// clean makes data such as file names safe to print (progress.Clean).
func clean(s string) string { return progress.Clean(s) }

func oneLine(s string) string {
	return strings.Join(strings.Fields(clean(strings.ReplaceAll(s, "\n", " "))), " ")
}

// ingestOptions are the load's options from the command line, shared by
// loading and --explain.
func ingestOptions(c *cli.Context) ingest.Options {
	opts := ingest.Options{Tenant: c.String("tenant"), TempDir: c.String("temp-dir")}
	if showProgress(c) {
		// The display cleans the file names it shows itself: a writer
		// that cleaned what passed through it took the \r and the erase
		// that keep the display on one line, and every redraw ran on.
		opts.Progress = c.App.ErrWriter
	}
	return opts
}

// showProgress says whether to draw a progress display on stderr: not with
// --quiet, and only on a terminal.
func showProgress(c *cli.Context) bool {
	return !c.Bool("quiet") && isTerminal(c.App.ErrWriter)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// flagsFirst moves a subcommand's flags before its positional arguments:
// urfave/cli stops reading flags at the first path, and users write
// "mfagap report exports/ -o out.html".
func flagsFirst(app *cli.App, args []string) []string {
	if len(args) < 3 {
		return args
	}
	cmd := app.Command(args[1])
	if cmd == nil {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	var flags, positional []string
	rest := args[2:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			positional = append(positional, rest[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if takesValue[name] && i+1 < len(rest) {
			flags = append(flags, rest[i+1])
			i++
		}
	}
	out := append([]string{args[0], args[1]}, flags...)
	if len(positional) > 0 {
		out = append(append(out, "--"), positional...)
	}
	return out
}

// validRange reports whether s is an IP address or a CIDR range.
func validRange(s string) bool {
	if _, err := netip.ParsePrefix(s); err == nil {
		return true
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}
