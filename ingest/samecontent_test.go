package ingest

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The same side file given twice (a folder and a file in it; a copy under
// another name) loads once: the second counts its rows as duplicates and
// says which file it repeats. Before, every register line, CA policy, user,
// MFA registration and AuthDetails step was loaded twice, and the checks
// over them found everything twice. The same holds across runs into one
// database (ingest --db twice).
func TestSameContentLoadsOnce(t *testing.T) {
	dir := t.TempDir()
	folder := "../testdata/exports/contoso"
	b, err := os.ReadFile(filepath.Join(folder, "exception-register.csv"))
	if err != nil {
		t.Fatal(err)
	}
	copyOf := write(t, dir, "register (copy).csv", string(b))
	db, sum := load(t, Options{}, folder, filepath.Join(folder, "ca-policies.json"), copyOf)
	counts := func(db *sql.DB) string {
		return queryStrings(t, db, `select (select count(*) from register_entries)::varchar || ' ' || (select count(*) from ca_policies)::varchar
  || ' ' || (select count(*) from portal_auth_details)::varchar || ' ' || (select count(*) from signin_auth_steps)::varchar`)[0]
	}
	alone, _ := load(t, Options{}, folder)
	want := counts(alone)
	if got := counts(db); got != want {
		t.Errorf("register, policies, AuthDetails, steps: %s with repeats, %s from the folder alone", got, want)
	}
	dupNotes := 0
	for _, s := range sum.Sources {
		if strings.Contains(s.Note, "the same content as") {
			dupNotes++
			if s.Loaded != 0 || s.Duplicates != s.Read || s.Read == 0 {
				t.Errorf("%s: read %d, loaded %d, duplicates %d; want every row a duplicate", s.Path, s.Read, s.Loaded, s.Duplicates)
			}
		}
	}
	if dupNotes != 2 {
		t.Errorf("%d sources noted as repeats, want 2 (ca-policies.json given again, the register's copy)", dupNotes)
	}
	// A second run into the same database.
	again, err := Files(context.Background(), db, []string{filepath.Join(folder, "exception-register.csv")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := again.Sources[len(again.Sources)-1]; s.Loaded != 0 || s.Duplicates != 5 || !strings.Contains(s.Note, "the same content as") {
		t.Errorf("the register again into the same database: %+v", s)
	}
	if got := counts(db); got != want {
		t.Errorf("after the second run: %s, want %s", got, want)
	}
}
