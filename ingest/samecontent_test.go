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

// Two portal downloads of overlapping dates: the sign-ins both hold are
// duplicates, and their MFA steps are attached from one AuthDetails file, not
// from both (which gave each such sign-in its steps twice). The second
// download's AuthDetails differs in its bytes (a line ending), so it is not
// dropped whole as a repeated file.
func TestOverlappingAuthDetails(t *testing.T) {
	dir := t.TempDir()
	contoso := "../testdata/exports/contoso/"
	signins, err := os.ReadFile(contoso + "InteractiveSignIns_2025-03-01_2025-03-08.csv")
	if err != nil {
		t.Fatal(err)
	}
	details, err := os.ReadFile(contoso + "InteractiveSignIns_AuthDetails_2025-03-01_2025-03-08.csv")
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "a/InteractiveSignIns_2025-03-01_2025-03-08.csv", string(signins))
	write(t, dir, "a/InteractiveSignIns_AuthDetails_2025-03-01_2025-03-08.csv", string(details))
	write(t, dir, "b/InteractiveSignIns_2025-03-02_2025-03-09.csv", string(signins))
	write(t, dir, "b/InteractiveSignIns_AuthDetails_2025-03-02_2025-03-09.csv", strings.TrimSuffix(string(details), "\r\n")+"\n")
	steps := func(db *sql.DB) string {
		return queryStrings(t, db, "select count(*)::varchar || ' ' || count(distinct (request_id, step))::varchar from signin_auth_steps")[0]
	}
	one, _ := load(t, Options{}, filepath.Join(dir, "a"))
	both, _ := load(t, Options{}, dir)
	if got, want := steps(both), steps(one); got != want {
		t.Errorf("steps (rows, distinct sign-in steps): %s from both downloads, %s from one", got, want)
	}
	sameStepResults(t, both) // the views' variant for overlapping files

	// A database written before signin_auth_step_results: reopened, it
	// gets the view in the variant the load chose.
	reopened := reopenedAfter(t, []string{dir}, "drop view signin_auth_step_results")
	sameStepResults(t, reopened)
}
