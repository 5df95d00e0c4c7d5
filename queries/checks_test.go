package queries_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mfagap/mfagap/analyze"
	"github.com/mfagap/mfagap/ingest"
	"github.com/mfagap/mfagap/queries"
)

var update = flag.Bool("update", false, "update golden files")

// testTenant is the tenant of fixture rows that name none.
const testTenant = "00000000-0000-4000-8000-00000000000a"

// caseConfig is the optional case.json of a fixture directory.
type caseConfig struct {
	// AsOf anchors the windows (RFC 3339); empty means the newest event.
	AsOf string `json:"as_of"`
	// Set overrides check parameters, as --set does.
	Set map[string]string `json:"set"`
}

// caseInputs lists the input files of a case directory: everything but
// case.json and the golden.
func caseInputs(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() || e.Name() == "case.json" || e.Name() == "want.golden.json" || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		out = append(out, filepath.Join(dir, e.Name()))
	}
	sort.Strings(out)
	return out
}

// runCase loads one case directory and runs one check on it.
func runCase(t *testing.T, id, dir string) analyze.CheckResult {
	t.Helper()
	var cfg caseConfig
	if b, err := os.ReadFile(filepath.Join(dir, "case.json")); err == nil {
		if err := json.Unmarshal(b, &cfg); err != nil {
			t.Fatalf("%s/case.json: %v", dir, err)
		}
	}
	ctx := context.Background()
	db, err := ingest.Open(ctx, ingest.DBOptions{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	inputs := caseInputs(t, dir)
	if len(inputs) == 0 {
		t.Fatalf("%s: no input files", dir)
	}
	sum, err := ingest.Files(ctx, db, inputs, ingest.Options{Tenant: testTenant})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sum.Sources {
		if s.Loaded == 0 || s.Rejected > 0 {
			t.Errorf("%s: loaded %d, rejected %d rows as %s (%s): fixtures must load cleanly", s.Path, s.Loaded, s.Rejected, s.Format, s.Note)
		}
	}
	opts := analyze.Options{Only: []string{id}, Params: cfg.Set}
	if cfg.AsOf != "" {
		at, err := time.Parse(time.RFC3339, cfg.AsOf)
		if err != nil {
			t.Fatalf("%s/case.json: as_of: %v", dir, err)
		}
		opts.AsOf = &at
	}
	res, err := analyze.Run(ctx, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Checks) != 1 {
		t.Fatalf("ran %d checks, want 1", len(res.Checks))
	}
	return res.Checks[0]
}

// TestChecks runs every check on each of its fixture cases and compares the
// findings with want.golden.json (go test ./queries -update rewrites them).
func TestChecks(t *testing.T) {
	checks, err := queries.Load(queries.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		cases, _ := filepath.Glob(filepath.Join("testdata", c.ID, "*"))
		for _, dir := range cases {
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				continue
			}
			t.Run(c.ID+"/"+filepath.Base(dir), func(t *testing.T) {
				t.Parallel()
				cr := runCase(t, c.ID, dir)
				if cr.Status == analyze.StatusError || cr.Status == analyze.StatusSkip {
					t.Fatalf("status %s: %s%s", cr.Status, cr.Error, cr.SkipReason)
				}
				got, err := json.MarshalIndent(cr.Findings, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, '\n')
				golden := filepath.Join(dir, "want.golden.json")
				if *update {
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./queries -update, then review the golden)", err)
				}
				if !bytes.Equal(want, got) {
					t.Errorf("findings differ from %s (-want +got):\n%s", golden, lineDiff(string(want), string(got)))
				}
			})
		}
	}
}

// lineDiff is a small longest-common-subsequence line diff, enough for
// golden files of a few hundred lines.
func lineDiff(want, got string) string {
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var sb strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			fmt.Fprintf(&sb, "+%s\n", b[j])
			j++
		default:
			fmt.Fprintf(&sb, "-%s\n", a[i])
			i++
		}
	}
	return sb.String()
}
