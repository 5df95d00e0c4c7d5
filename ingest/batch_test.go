package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/gen"
)

// Small files of one shape load together (a batch) and leave exactly what
// loading them one by one leaves: each file's source, counts, time range,
// tenant and rejects, and the same repeats dropped from the same files
// (within a file, across files of the batch, against a file loaded before
// it). A file the batch cannot take loads on its own in its place; a record
// DuckDB cannot use makes the whole batch load file by file.
func TestBatchedFiles(t *testing.T) {
	var diag, graph bytes.Buffer
	if err := gen.Write(&diag, "diag-ndjson", gen.Options{Rows: 600, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	if err := gen.Write(&graph, "graph-json", gen.Options{Rows: 600, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(diag.String()), "\n")
	var recs []json.RawMessage
	if err := json.Unmarshal(graph.Bytes(), &recs); err != nil {
		t.Fatal(err)
	}
	if len(lines) < 500 || len(recs) < 500 {
		t.Fatalf("generator wrote %d diagnostic and %d Graph records", len(lines), len(recs))
	}
	root := t.TempDir()

	// A storage-account archive: one PT1H.json per hour, a record repeated
	// in its own file and in a later one, a file with no records.
	diagDir := filepath.Join(root, "diag")
	hour := func(i int) string {
		return filepath.Join("diag", fmt.Sprintf("y=2025/m=03/d=01/h=%02d/m=00/PT1H.json", i))
	}
	var diagFiles []string
	for i := 0; i*100 < len(lines); i++ {
		part := lines[i*100 : min(i*100+100, len(lines))]
		switch i {
		case 1:
			part = append(part, part[3]) // repeated in its own file
		case 2:
			part = append(part, lines[5]) // repeated from file 0
		}
		diagFiles = append(diagFiles, write(t, root, hour(i), strings.Join(part, "\n")+"\n"))
	}
	write(t, root, hour(20), "\n")
	otherCategory := strings.Replace(lines[7], `"category":"`, `"category":"AuditLogs`, 1)
	diagMixed := filepath.Join(root, "diagmixed")
	for i, f := range []string{strings.Join(lines[:50], "\n"), otherCategory + "\n" + strings.Join(lines[50:90], "\n")} {
		write(t, root, filepath.Join("diagmixed", fmt.Sprintf("h=%02d/PT1H.json", i)), f+"\n")
	}

	// Microsoft-Extractor-Suite pages: one array per file, two arrays back
	// to back, a bare object, a record repeated across files, records that
	// name no tenant, and a file that is not JSON at all in the middle.
	page := func(rs []json.RawMessage) string {
		b, _ := json.MarshalIndent(rs, "", "    ")
		return strings.ReplaceAll(string(b), "\n", "\r\n") + "\r\n"
	}
	noTenant := func(r json.RawMessage) json.RawMessage {
		var m map[string]any
		json.Unmarshal(r, &m)
		delete(m, "resourceTenantId")
		delete(m, "homeTenantId")
		b, _ := json.Marshal(m)
		return b
	}
	mesDir := filepath.Join(root, "mes")
	mes := func(i int, text string) {
		write(t, root, filepath.Join("mes", fmt.Sprintf("2025%04d-SignInLogs.json", i)), "\uFEFF"+text)
	}
	mes(1, page(recs[:100]))
	mes(2, page(recs[100:200])+page(recs[200:250]))
	single, _ := json.MarshalIndent(recs[250], "", "  ")
	mes(3, string(single))
	mes(4, page(append(append([]json.RawMessage(nil), recs[251:300]...), recs[10])))
	mes(5, page([]json.RawMessage{noTenant(recs[300]), noTenant(recs[301])}))
	mes(6, "[not json")
	mes(7, page(recs[302:400]))
	// A page with something after its array: detected as Graph JSON, not
	// joinable; it loads alone between the files before it and after it.
	write(t, root, filepath.Join("mes", "20250007b-SignInLogs.json"), page(recs[380:400])+"trailing text")
	mes(8, page(recs[400:500]))
	wrapper, _ := json.Marshal(map[string]any{"@odata.context": "https://graph.microsoft.com/beta/$metadata#auditLogs/signIns", "value": recs[500:]})
	mes(9, string(wrapper))  // a Graph page as returned: loads on its own
	mes(10, page(recs[:20])) // repeats of file 1

	// Untitled Goose: Graph NDJSON, a file per day; one line broken in
	// the second file of the other folder.
	gooseDir, gooseBad := filepath.Join(root, "goose"), filepath.Join(root, "goosebad")
	for i := 0; i*150 < len(recs); i++ {
		var lines []string
		for _, r := range recs[i*150 : min(i*150+150, len(recs))] {
			lines = append(lines, string(r))
		}
		name := fmt.Sprintf("signins_interactive_signin_log_2025-03-%02d.json", i+1)
		write(t, root, filepath.Join("goose", name), strings.Join(lines, "\n")+"\n")
		if i == 1 {
			lines[4] = `{"id": broken`
		}
		write(t, root, filepath.Join("goosebad", name), strings.Join(lines, "\n")+"\n")
	}

	// An MSP's folders, one per tenant: a Graph page beside side files (a
	// register, a CA export), which load while the batch waits (the
	// registers and the CA exports in batches of their own, sidebatch.go).
	register, err := os.ReadFile("../testdata/exports/contoso/exception-register.csv")
	if err != nil {
		t.Fatal(err)
	}
	policies, err := os.ReadFile("../testdata/exports/contoso/ca-policies.json")
	if err != nil {
		t.Fatal(err)
	}
	mspDir := filepath.Join(root, "msp")
	for i := 0; i < 3; i++ {
		tenant := fmt.Sprintf("tenant%d", i)
		write(t, root, filepath.Join("msp", tenant, "a-SignInLogs.json"), page(recs[i*100:i*100+100]))
		write(t, root, filepath.Join("msp", tenant, "exception-register.csv"), string(register))
		write(t, root, filepath.Join("msp", tenant, "z-ca-policies.json"), string(policies))
	}

	for _, tc := range []struct {
		name    string
		paths   []string
		batched int64 // files loaded in batches
	}{
		{"tenant folders with side files", []string{mspDir}, 9},
		{"diagnostic archive", []string{diagDir}, int64(len(diagFiles))}, // and an empty file, skipped
		// The file alone (a batch tells files apart by path), then again,
		// all its records repeats, with the rest in a batch.
		{"a file given twice", []string{diagFiles[0], diagDir}, int64(len(diagFiles))},
		{"a record of another category", []string{diagMixed}, 0},
		// 1-2 in a batch; 3 (a bare object) alone; 4, 5, 7 in a batch (6
		// is not JSON, skipped); 7b (not joinable) alone; 8 alone, before
		// 9 (a {"value"} page) alone; 10 alone.
		{"extractor pages", []string{mesDir}, 5},
		{"Graph NDJSON", []string{gooseDir}, 4},
		{"Graph NDJSON with a broken line", []string{gooseBad}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := loadBothWays(t, &batching, &batchReads, tc.batched, tc.paths...)
			if strings.Count(got, "\n") < 90 {
				t.Errorf("too little loaded to compare:\n%.600s", got)
			}
		})
	}
}
