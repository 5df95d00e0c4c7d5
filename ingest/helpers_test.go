package ingest

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
)

// helperProcess runs the test binary's test name as another process with
// the environment variable env, and returns it with the first line it
// printed; the process is killed when the test ends, if not before.
func helperProcess(t *testing.T, name, env string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^"+name+"$")
	cmd.Env = append(os.Environ(), env)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("%s said %q: %v", name, line, err)
	}
	return cmd, strings.TrimSuffix(line, "\n")
}

func query1[T any](t *testing.T, db *sql.DB, q string, args ...any) T {
	t.Helper()
	var v T
	if err := db.QueryRow(q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

func rejectReasons(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query("select reason from rejected_rows order by source_id, source_record")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		rows.Scan(&r)
		out = append(out, r)
	}
	return out
}

// dumpLoaded is every row a load left in sources (but the path and hash),
// rejected_rows, signins, signin_auth_steps and signin_ca_policies, in a
// fixed order: two loads of the same data by different paths compare equal.
func dumpLoaded(t *testing.T, db *sql.DB) string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`select concat_ws('|', source_id, path, format, kind, tenant_id, rows_read, rows_loaded, rows_rejected, rows_duplicate, rows_ignored, first_event, last_event, note)
from sources order by source_id`,
		`select concat_ws('|', source_record, reason, raw) from rejected_rows order by all`,
		`select s::varchar from signins s order by source_id, source_record`,
		`select s::varchar from signin_auth_steps s order by all`,
		`select concat_ws('|', tenant_id, request_id, event_type, policy_id, policy_name, result, enforced_grant_controls::varchar,
  conditions_satisfied, conditions_not_satisfied, include_rules_satisfied::varchar, exclude_rules_satisfied::varchar, source_record)
from signin_ca_policies order by all`,
	} {
		out = append(out, queryStrings(t, db, q)...)
	}
	// The side tables, whole.
	for _, table := range []string{"register_entries", "ca_policies", "ca_exclusions", "named_locations", "users",
		"mfa_registration", "auth_methods", "role_assignments", "groups", "group_members"} {
		out = append(out, queryStrings(t, db, "select '"+table+" ' || r::varchar from "+table+" r order by all")...)
	}
	return strings.Join(out, "\n")
}

// sameLoad fails t at the first line where two dumpLoaded outputs differ.
func sameLoad(t *testing.T, want, got string) {
	t.Helper()
	if got == want {
		return
	}
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			t.Fatalf("row %d differs:\nwant %s\ngot  %s", i, a[i], b[i])
		}
	}
	t.Fatalf("want %d rows, got %d", len(a), len(b))
}

// loadBothWays loads paths with a loader path switched off (*on false) and
// on, checks that the path took no file when off and want files when on
// (reads counts them; any number when want is negative), that both loads
// left the same (dumpLoaded), and returns that dump.
func loadBothWays(t *testing.T, on *bool, reads *atomic.Int64, want int64, paths ...string) string {
	t.Helper()
	run := func(value bool) (string, int64) {
		old := *on
		*on = value
		defer func() { *on = old }()
		before := reads.Load()
		db, _ := load(t, Options{TempDir: t.TempDir()}, paths...)
		return dumpLoaded(t, db), reads.Load() - before
	}
	off, n := run(false)
	if n != 0 {
		t.Fatalf("switched off, the path took %d files", n)
	}
	got, n := run(true)
	if want >= 0 && n != want {
		t.Errorf("the path took %d files, want %d", n, want)
	}
	sameLoad(t, off, got)
	return got
}

// memDB is a fresh in-memory database as Open makes it, closed when the
// test ends.
func memDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := Open(context.Background(), DBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// editDiagRecord rewrites a diagnostic record (one line of a PT1H.json)
// through fn, which is handed the record and its properties.
func editDiagRecord(t testing.TB, line string, fn func(rec, props map[string]any)) string {
	t.Helper()
	var rec map[string]any
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		t.Fatal(err)
	}
	fn(rec, rec["properties"].(map[string]any))
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
