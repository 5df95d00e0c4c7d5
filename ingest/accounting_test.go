package ingest

import (
	"database/sql"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// fixtureRoots are every folder of fixture files in the repository, relative
// to this package. Folders that do not exist (yet) are passed over.
var fixtureRoots = []string{"testdata", filepath.Join("..", "testdata"), filepath.Join("..", "queries", "testdata")}

// fixtureDirs lists every folder below the fixture roots that holds files,
// with its files, skipping fuzz corpora (they are not exports) and goldens.
func fixtureDirs(t *testing.T) map[string][]string {
	t.Helper()
	dirs := map[string][]string{}
	for _, root := range fixtureRoots {
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() {
				if d.Name() == "fuzz" || d.Name() == "golden" {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(p, ".py") || strings.HasSuffix(p, ".golden.json") || strings.HasSuffix(p, ".md") {
				return nil
			}
			dirs[filepath.Dir(p)] = append(dirs[filepath.Dir(p)], p)
			return nil
		})
	}
	return dirs
}

// TestRowAccountingEveryFixture loads every fixture folder and checks, for
// every source, that each row read is loaded, rejected, a duplicate or
// ignored, and that each rejected row says where, why and what (issue 6).
func TestRowAccountingEveryFixture(t *testing.T) {
	dirs := fixtureDirs(t)
	if len(dirs) == 0 {
		t.Fatal("no fixtures found")
	}
	names := make([]string, 0, len(dirs))
	for d := range dirs {
		names = append(names, d)
	}
	sort.Strings(names)
	for _, dir := range names {
		t.Run(filepath.ToSlash(dir), func(t *testing.T) {
			db, sum := load(t, Options{}, dirs[dir]...)
			checkAccounting(t, db, sum)
		})
	}
}

// checkAccounting asserts the row accounting of every source in db and the
// shape of every rejected row.
func checkAccounting(t *testing.T, db *sql.DB, sum *Summary) {
	t.Helper()
	for _, s := range sum.Sources {
		if s.Kind == "skipped" {
			if strings.TrimSpace(s.Note) == "" {
				t.Errorf("%s: skipped without a reason", s.Path)
			}
			continue
		}
		if s.Read < 0 || s.Loaded < 0 || s.Rejected < 0 || s.Duplicates < 0 || s.Ignored < 0 {
			t.Errorf("%s: negative count: %+v", s.Path, s)
		}
		if s.Read != s.Loaded+s.Rejected+s.Duplicates+s.Ignored {
			t.Errorf("%s: read %d != loaded %d + rejected %d + duplicates %d + ignored %d",
				s.Path, s.Read, s.Loaded, s.Rejected, s.Duplicates, s.Ignored)
		}
		if n := query1[int64](t, db, "select count(*) from rejected_rows where source_id = ?", s.ID); n != s.Rejected {
			t.Errorf("%s: rows_rejected %d but %d rejected_rows", s.Path, s.Rejected, n)
		}
	}
	rows, err := db.Query(`select s.path, r.source_record, r.reason, r.raw
from rejected_rows r left join sources s using (source_id) order by r.source_id, r.source_record`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var path sql.NullString
		var rec sql.NullInt64
		var reason string
		var raw sql.NullString
		if err := rows.Scan(&path, &rec, &reason, &raw); err != nil {
			t.Fatal(err)
		}
		switch {
		case !path.Valid:
			t.Errorf("rejected row %q belongs to no source", reason)
		case !rec.Valid:
			t.Errorf("%s: rejected row %q has no record number", path.String, reason)
		case strings.TrimSpace(reason) == "":
			t.Errorf("%s: record %d rejected without a reason", path.String, rec.Int64)
		case rec.Int64 > 0 && !raw.Valid:
			// Record 0 is the whole file (it could not be loaded at all);
			// every other rejected record keeps its text.
			t.Errorf("%s: record %d (%s) rejected without its raw text", path.String, rec.Int64, reason)
		case len(raw.String) > maxRawBytes+3: // + one U+FFFD for a cut rune
			t.Errorf("%s: record %d keeps %d raw bytes, more than %d", path.String, rec.Int64, len(raw.String), maxRawBytes)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
