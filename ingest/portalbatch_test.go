package ingest

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Small portal CSVs of one layout load together (portalbatch.go) and leave
// exactly what loading them one by one leaves: each file's source, event
// type (from its name, or assumed with a note), tenant, record numbers,
// rows that are not sign-ins, repeats within a file, across the batch and
// against a file loaded before, and counts. A file of another layout or
// encoding starts another batch; a line DuckDB rejects makes its batch load
// file by file, where the line is named.
func TestPortalBatch(t *testing.T) {
	b, err := os.ReadFile("../testdata/exports/contoso/InteractiveSignIns_2025-03-01_2025-03-08.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header, body := rows[0], rows[1:]
	col := func(name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %q", name)
		return -1
	}
	rid, date := col("Request ID"), col("Date (UTC)")
	// file i: the sample's sign-ins with request ids of their own, but
	// every fourth repeats across files.
	file := func(i int, hdr []string, edit func([][]string) [][]string) []byte {
		var out [][]string
		for j, r := range body {
			r = append([]string(nil), r...)
			if j%4 != 0 {
				r[rid] = fmt.Sprintf("%08d%s", i, r[rid][8:])
			}
			out = append(out, r)
		}
		if edit != nil {
			out = edit(out)
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.UseCRLF = true
		w.Write(hdr)
		w.WriteAll(out)
		return buf.Bytes()
	}
	root := t.TempDir()
	put := func(dir, name string, b []byte, bom bool) {
		if bom {
			b = append([]byte("\ufeff"), b...)
		}
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	names := []string{"InteractiveSignIns_%02d.csv", "NonInteractiveSignIns_%02d.csv", "download_%02d.csv"}
	for i := 0; i < 6; i++ {
		var edit func([][]string) [][]string
		switch i {
		case 2: // a sign-in repeated in its own file, a row without a date
			edit = func(rs [][]string) [][]string {
				bad := append([]string(nil), rs[1]...)
				bad[date], bad[rid] = "", "ffffffff-0000-4000-8000-000000000001"
				return append(rs, rs[2], bad)
			}
		case 4: // only the header
			edit = func([][]string) [][]string { return nil }
		}
		put("clean", fmt.Sprintf(names[i%3], i), file(i, header, edit), true)
	}
	// Another layout (one column fewer) and another encoding (no BOM)
	// between files of the first: three batches of one event type, which
	// may hold the same sign-ins, loaded as one joint batch (joint.go).
	put("layouts", "InteractiveSignIns_1.csv", file(1, header, nil), true)
	short := header[:len(header)-1]
	put("layouts", "InteractiveSignIns_2.csv", file(2, short, func(rs [][]string) [][]string {
		for i := range rs {
			rs[i] = rs[i][:len(rs[i])-1]
		}
		return rs
	}), true)
	put("layouts", "InteractiveSignIns_3.csv", file(3, short, func(rs [][]string) [][]string {
		for i := range rs {
			rs[i] = rs[i][:len(rs[i])-1]
		}
		return rs
	}), true)
	put("layouts", "InteractiveSignIns_4.csv", file(4, header, nil), false)
	put("layouts", "InteractiveSignIns_5.csv", file(5, header, nil), false)
	// A line with a cell too many in the second of three files.
	for i := 0; i < 3; i++ {
		b := file(i, header, nil)
		if i == 1 {
			b = bytes.Replace(b, []byte("\r\n"), []byte(",extra\r\n"), 3)
			b = bytes.Replace(b, []byte(",extra\r\n"), []byte("\r\n"), 2)
		}
		put("broken", fmt.Sprintf([]string{"InteractiveSignIns_%d.csv", "download_%d.csv"}[i%2], i), b, true)
	}

	// An MSP's folders: per tenant an interactive, a non-interactive and
	// an application download (another layout); and folders alternating
	// two layouts of one event type, which load as one joint batch and keep
	// the copy of a sign-in file order keeps (t1's, not t2's).
	cut := func(rs [][]string) [][]string {
		for i := range rs {
			rs[i] = rs[i][:len(rs[i])-1]
		}
		return rs
	}
	for i := 0; i < 4; i++ {
		dir := filepath.Join("msp", fmt.Sprintf("t%d", i))
		put(dir, "ApplicationSignIns_1.csv", file(10+i, short, cut), true)
		put(dir, "InteractiveSignIns_1.csv", file(20+i, header, nil), true)
		put(dir, "NonInteractiveSignIns_1.csv", file(30+i, header, nil), true)
		switch {
		case i == 0: // none of the sign-ins the others share: t1 holds them first
			put(filepath.Join("mixed", "t0"), "InteractiveSignIns_1.csv", file(40, header, func(rs [][]string) [][]string {
				for j := range rs {
					rs[j][rid] = fmt.Sprintf("%08d%s", 99, rs[j][rid][8:])
				}
				return rs
			}), true)
		case i%2 == 0:
			put(filepath.Join("mixed", fmt.Sprintf("t%d", i)), "InteractiveSignIns_1.csv", file(40+i, header, nil), true)
		default:
			put(filepath.Join("mixed", fmt.Sprintf("t%d", i)), "InteractiveSignIns_1.csv", file(40+i, short, cut), true)
		}
	}

	// Tenant downloads with their AuthDetails: steps for the sign-ins of
	// file i (the request ids file() gives them), one row without a request
	// id, and one tenant's AuthDetails twice (a copy under another name).
	ad, err := os.ReadFile("../testdata/exports/contoso/InteractiveSignIns_AuthDetails_2025-03-01_2025-03-08.csv")
	if err != nil {
		t.Fatal(err)
	}
	adRows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(ad, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	details := func(i int, noID bool) []byte {
		ids := map[string]bool{}
		for j, r := range body {
			if j%4 != 0 {
				ids[r[rid]] = true
			}
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.UseCRLF = true
		w.Write(adRows[0])
		for _, r := range adRows[1:] {
			r = append([]string(nil), r...)
			if ids[r[0]] {
				r[0] = fmt.Sprintf("%08d%s", i, r[0][8:])
			}
			w.Write(r)
		}
		if noID {
			r := append([]string(nil), adRows[1]...)
			r[0] = ""
			w.Write(r)
		}
		w.Flush()
		return buf.Bytes()
	}
	for i := 0; i < 4; i++ {
		dir := filepath.Join("downloads", fmt.Sprintf("t%d", i))
		put(dir, "InteractiveSignIns_2025-03-01_2025-03-08.csv", file(50+i, header, nil), true)
		put(dir, "InteractiveSignIns_AuthDetails_2025-03-01_2025-03-08.csv", details(50+i, i == 2), true)
		if i == 3 {
			put(dir, "InteractiveSignIns_AuthDetails_copy.csv", details(50+i, false), true)
		}
	}

	for _, tc := range []struct {
		name    string
		paths   []string
		batched int64
	}{
		{"tenant downloads with AuthDetails", []string{filepath.Join(root, "downloads")}, 9},
		{"tenant folders, three event types", []string{filepath.Join(root, "msp")}, 12},
		{"two layouts of one event type alternating", []string{filepath.Join(root, "mixed")}, 4},
		{"names, repeats, a bad row, a header alone", []string{filepath.Join(root, "clean")}, 6},
		// An earlier load (the first file alone) then the batch: its
		// repeats are duplicates in the batch.
		{"after a file loaded before", []string{filepath.Join(root, "clean", "InteractiveSignIns_00.csv"), filepath.Join(root, "clean")}, 6},
		{"layouts and encodings", []string{filepath.Join(root, "layouts")}, 5},
		{"a rejected line", []string{filepath.Join(root, "broken")}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := loadBothWays(t, &batching, &batchReads, tc.batched, tc.paths...)
			if strings.Count(got, "\n") < 20 {
				t.Errorf("too little loaded to compare:\n%.600s", got)
			}
		})
	}
	_, sum := load(t, Options{}, filepath.Join(root, "clean"), filepath.Join(root, "broken"))
	if n := sourceOf(t, sum, "download_02.csv").Note; !strings.Contains(n, "assumed interactive") {
		t.Errorf("download_02.csv: note %q", n)
	}
	if s := sourceOf(t, sum, "clean/download_02.csv"); s.Rejected != 1 || s.Duplicates < 1 {
		t.Errorf("download_02.csv: %d rejected, %d duplicates", s.Rejected, s.Duplicates)
	}
	if s := sourceOf(t, sum, "broken/download_1.csv"); s.Rejected != 1 || strings.Count(s.Note, "assumed interactive") != 1 {
		t.Errorf("the broken file: %d rejected, note %q", s.Rejected, s.Note)
	}
}
