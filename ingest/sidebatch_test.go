package ingest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Small side files of one format, CSV or JSON, load together
// (sidebatch.go) and leave exactly what loading them one by one leaves:
// each file's source, tenant, rows, rejected lines and records, day/month
// order, repeats of a file and of a register's lines, encoding, and counts.
// A register's workbooks join the CSV registers' batch, and a register saved
// as .csv and .xlsx beside it counts the later file's lines as repeats,
// whichever format comes first.
func TestSideBatch(t *testing.T) {
	root := t.TempDir()
	base := "../testdata/exports/contoso/"
	read := func(name string) string {
		b, err := os.ReadFile(base + name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	users, mfa, admins, reg, ca := read("20250308-Users.csv"), read("20250308-MFA-UserRegistrationDetails.csv"),
		read("20250308-All-Administrators.csv"), read("exception-register.csv"), read("ca-policies.json")
	put := func(dir, name, text string) {
		d := filepath.Join(root, dir)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 4; i++ {
		// Each folder a tenant of its own: every row of a batch its file's.
		dir := fmt.Sprintf("tenant%d.onmicrosoft.com", i)
		own := func(s string) string { return strings.ReplaceAll(s, "contoso", fmt.Sprintf("tenant%d", i)) }
		u, m, a, r, c := own(users), own(mfa), own(admins), own(reg), strings.ReplaceAll(ca, "CA0", fmt.Sprintf("T%d-CA0", i))
		switch i {
		case 0:
			// The register kept as a workbook beside its CSV: the same lines.
			put(dir, "admins.csv", "") // made again below: the folder first
			writeRegisterXLSX(t, filepath.Join(root, dir, "register.xlsx"), r)
		case 1:
			// A line without an account, a date that is not one.
			r += ",Break-glass,none,none,CISO,2025-01-15,2026-01-15\n" +
				"x@tenant1.com,Service account,none,none,CISO,someday,2026-01-15\n"
			// A policy without an id: rejected with its record's text; the
			// file in UTF-16 (PowerShell's Out-File), read from its copy.
			c = string(utf16LE(strings.Replace(c, `"id": "0f000000-0000-4000-8000-000000000001"`, `"id": ""`, 1)))
		case 2:
			// The register kept as a workbook too, before its CSV.
			put(dir, "admins.csv", "")
			writeRegisterXLSX(t, filepath.Join(root, dir, "exceptions.xlsx"), r)
			// Day/month dates (15/01/2024): its own read in the batch.
			u = strings.ReplaceAll(u, "1/15/2024 9:00:00 AM", "15/01/2024 09:00:00")
			// A line with a cell too many.
			a = strings.Replace(a, `"Emergency Access 01",`, `"Emergency Access 01","extra",`, 1)
			// The policies as a bare array, the second not JSON (the first
			// tells the format).
			c = c[strings.Index(c, "[") : strings.LastIndex(c, "]")+1]
			c = strings.Replace(c, `"T2-CA002 Block legacy authentication"`, `"T2-CA002" "broken"`, 1)
		case 3:
			// The same users file twice, the register re-saved (CRLF),
			// and the MFA registration saved by Excel in Windows-1252, no
			// BOM (read from its UTF-8 copy).
			put(dir, "users-copy.csv", u)
			put(dir, "register-resaved.csv", strings.ReplaceAll(r, "\n", "\r\n"))
			m = strings.Replace(strings.TrimPrefix(m, "\ufeff"), "Alice Adams", "Ali\xe9 Adams", 1)
		}
		put(dir, "users.csv", u)
		put(dir, "mfa.csv", m)
		put(dir, "admins.csv", a)
		put(dir, "register.csv", r)
		put(dir, "ca-policies.json", c)
	}
	// Batched: users 5 files, MFA registration 4, administrators 4,
	// registers 7 (2 workbooks), CA exports 4.
	got := loadBothWays(t, &batching, &batchReads, 24, root)
	// Lanes that fill up (a few files each) load as they fill: the same
	// (19 of the 24 files still in batches, smaller ones).
	func() {
		defer func(old int64) { sideLaneMax = old }(sideLaneMax)
		sideLaneMax = 4000
		sameLoad(t, got, loadBothWays(t, &batching, &batchReads, 19, root))
	}()
	for _, want := range []string{
		"register_entries ", "users ", "mfa_registration ", "role_assignments ",
		"2024-01-15 09:00:00", // the day/month file read as such
		"no account",          // t1's rejected line
		"is not a date",
		"fields, the header has", // t2's line with a cell too many
		"ca_policies {'tenant_id': tenant3.onmicrosoft.com",
		"users {'tenant_id': tenant0.onmicrosoft.com",
		"Conditional Access policy has no id|{", // rejected, with its text
		"record 2 (line 19): invalid JSON",      // t2's broken record
		"'display_name': Alié Adams",            // t3's Windows-1252 MFA registration
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the load holds no %q", want)
		}
	}
	_, sum := load(t, Options{}, root)
	for _, tc := range []struct {
		path, note string
		dupes      int64
	}{
		{"tenant0.onmicrosoft.com/register.xlsx", "rows repeat those of", 5},
		{"tenant2.onmicrosoft.com/register.csv", "lines repeat those of", 5},
		{"tenant3.onmicrosoft.com/users.csv", "the same content as", 8},
		{"tenant3.onmicrosoft.com/register.csv", "lines repeat those of", 5},
	} {
		s := sourceOf(t, sum, tc.path)
		if s.Duplicates != tc.dupes || !strings.Contains(s.Note, tc.note) {
			t.Errorf("%s: %d duplicates, note %q; want %d and %q", tc.path, s.Duplicates, s.Note, tc.dupes, tc.note)
		}
	}
	if s := sourceOf(t, sum, "tenant1.onmicrosoft.com/register.csv"); s.Rejected != 2 || s.Loaded != 5 {
		t.Errorf("t1/register.csv: %d loaded, %d rejected", s.Loaded, s.Rejected)
	}
	if s := sourceOf(t, sum, "tenant3.onmicrosoft.com/mfa.csv"); !strings.Contains(s.Note, "Windows-1252") || s.Loaded == 0 {
		t.Errorf("t3/mfa.csv: %d loaded, note %q", s.Loaded, s.Note)
	}
	if s := sourceOf(t, sum, "tenant1.onmicrosoft.com/ca-policies.json"); s.Note != "transcoded from UTF-16LE" || s.Loaded != 1 || s.Rejected != 1 {
		t.Errorf("t1/ca-policies.json: %d loaded, %d rejected, note %q", s.Loaded, s.Rejected, s.Note)
	}
}

// writeRegisterXLSX writes the lines of a register CSV (no quoted commas)
// to a workbook's first sheet.
func writeRegisterXLSX(t *testing.T, path, csvText string) {
	t.Helper()
	f := excelize.NewFile()
	for i, line := range strings.Split(strings.TrimSpace(csvText), "\n") {
		var row []any
		for _, c := range strings.Split(strings.TrimRight(line, "\r"), ",") {
			row = append(row, c)
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}
