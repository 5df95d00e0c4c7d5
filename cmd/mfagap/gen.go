package main

import (
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mfagap/mfagap/gen"
)

func genCommand() *cli.Command {
	return &cli.Command{
		Name:      "gen",
		Usage:     "write realistic synthetic exports (for trials, tests and benchmarks)",
		ArgsUsage: "DIR",
		Description: "Writes N sign-ins in one export shape, seeded: the same options give the same bytes.\n" +
			"   mfagap gen --rows 1000000 --format portal-csv /tmp/exports\n" +
			"Every export of a few hundred rows or more plants the scenarios the checks look for\n" +
			"(break-glass and service accounts, legacy protocols, a password spray, an MFA fatigue burst).",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "rows", Value: 10000, Usage: "number of sign-in events"},
			&cli.StringFlag{Name: "format", Value: "portal-csv", Usage: fmt.Sprintf("one of %v (diag-archive: one PT1H.json per category and hour, in a storage account's folders)", gen.FileFormats)},
			&cli.Int64Flag{Name: "seed", Value: 1, Usage: "random seed"},
			&cli.IntFlag{Name: "users", Usage: "distinct users (default: scaled to rows)"},
			&cli.IntFlag{Name: "tenants", Value: 1, Usage: "tenants"},
			&cli.IntFlag{Name: "days", Value: 30, Usage: "days the events span"},
			&cli.Float64Flag{Name: "legacy-share", Usage: "share of legacy-protocol events (default 0.03)"},
			&cli.Float64Flag{Name: "failure-share", Usage: "share of failed events (default 0.08)"},
			&cli.Float64Flag{Name: "noninteractive-share", Usage: "share of non-interactive events (default 0.6)"},
			&cli.Float64Flag{Name: "mfa-share", Usage: "share of successful interactive sign-ins with MFA (default 0.85)"},
			&cli.TimestampFlag{Name: "start", Layout: time.RFC3339, Timezone: time.UTC, Usage: "first event (default 2025-03-01T00:00:00Z)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError{fmt.Errorf("gen needs one output folder")}
			}
			opts := gen.Options{
				Rows: c.Int("rows"), Seed: c.Int64("seed"), Users: c.Int("users"), Tenants: c.Int("tenants"),
				Days: c.Int("days"), LegacyShare: c.Float64("legacy-share"), FailureShare: c.Float64("failure-share"),
				NonInteractiveShare: c.Float64("noninteractive-share"), MFAShare: c.Float64("mfa-share"),
			}
			if t := c.Timestamp("start"); t != nil {
				opts.Start = *t
			}
			if err := os.MkdirAll(c.Args().First(), 0o755); err != nil {
				return usageError{err}
			}
			files, err := gen.WriteFiles(c.Args().First(), c.String("format"), opts)
			if err != nil {
				return usageError{err}
			}
			for _, f := range files {
				fmt.Fprintln(c.App.Writer, f)
			}
			return nil
		},
	}
}
