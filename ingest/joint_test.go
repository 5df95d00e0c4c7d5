package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/gen"
)

// An MSP's tenant folders, each with a Graph file beside portal CSVs that
// may hold the same sign-ins, load as one joint batch (joint.go) and leave
// exactly what loading the files one by one in file order leaves: the copy
// of a repeated sign-in kept is the one of the file first in file order,
// whichever shape it is, within a folder and across folders.
func TestJointBatch(t *testing.T) {
	gen3 := func(format string, seed int64) []byte {
		var b bytes.Buffer
		if err := gen.Write(&b, format, gen.Options{Rows: 80, Seed: seed}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	root := t.TempDir()
	dir := filepath.Join(root, "msp")
	for i := 0; i < 4; i++ {
		tenant := filepath.Join("msp", fmt.Sprintf("tenant%d", i))
		// The same sign-ins in both shapes (one seed): in tenant0 and
		// tenant2 the Graph file comes first, in the others the portal
		// CSV. tenant3's Graph file repeats tenant2's sign-ins, loaded
		// before it in another batch's file.
		graphName := "0-SignInLogs.json"
		if i%2 == 1 {
			graphName = "z-SignInLogs.json"
		}
		graph := gen3("graph-json", int64(20+i))
		if i == 3 { // tenant2's records, written another way
			var recs []json.RawMessage
			if err := json.Unmarshal(gen3("graph-json", 22), &recs); err != nil {
				t.Fatal(err)
			}
			graph, _ = json.MarshalIndent(recs, "", " ")
		}
		write(t, root, filepath.Join(tenant, graphName), string(graph))
		write(t, root, filepath.Join(tenant, "InteractiveSignIns_2025-03-01_2025-03-08.csv"), string(gen3("portal-csv", int64(20+i))))
		write(t, root, filepath.Join(tenant, "NonInteractiveSignIns_2025-03-01_2025-03-08.csv"), string(gen3("portal-csv", int64(30+i))))
	}
	// A folder whose Graph file is a {"value": […]} page, which loads on its
	// own: the batches before it load, then it, then the rest.
	var recs []json.RawMessage
	if err := json.Unmarshal(gen3("graph-json", 40), &recs); err != nil {
		t.Fatal(err)
	}
	page, _ := json.Marshal(map[string]any{"value": recs})
	write(t, root, filepath.Join("msp", "tenant1b", "a-SignInLogs.json"), string(page))
	write(t, root, filepath.Join("msp", "tenant1b", "InteractiveSignIns_2025-03-01_2025-03-08.csv"), string(gen3("portal-csv", 40)))

	// All but the page: 7 files, the page, 6 files.
	got := loadBothWays(t, &batching, &batchReads, 13, dir)
	if strings.Count(got, "\n") < 500 {
		t.Errorf("too little loaded to compare:\n%.600s", got)
	}
	// Repeats both ways: Graph copies dropped for a portal CSV before them,
	// portal copies for a Graph file before them.
	_, sum := load(t, Options{}, dir)
	for _, name := range []string{"tenant0/InteractiveSignIns_2025-03-01_2025-03-08.csv", "tenant1/z-SignInLogs.json", "tenant3/z-SignInLogs.json"} {
		if s := sourceOf(t, sum, name); s.Duplicates == 0 {
			t.Errorf("%s: no sign-in repeated, so the test shows nothing: %+v", name, s)
		}
	}
	for _, name := range []string{"tenant0/0-SignInLogs.json", "tenant1/InteractiveSignIns_2025-03-01_2025-03-08.csv"} {
		if s := sourceOf(t, sum, name); s.Duplicates != 0 || s.Loaded == 0 {
			t.Errorf("%s: first in file order, yet %+v", name, s)
		}
	}

	// A line DuckDB rejects (a cell too many) in one portal CSV: every file
	// of the joint batch loads on its own, in file order, where the line is
	// named.
	for i := 0; i < 2; i++ {
		tenant := filepath.Join("broken", fmt.Sprintf("tenant%d", i))
		write(t, root, filepath.Join(tenant, "0-SignInLogs.json"), string(gen3("graph-json", int64(50+i))))
		csv := string(gen3("portal-csv", int64(50+i)))
		if i == 1 {
			lines := strings.SplitN(csv, "\r\n", 4)
			lines[2] += ",extra"
			csv = strings.Join(lines, "\r\n")
		}
		write(t, root, filepath.Join(tenant, "InteractiveSignIns_2025-03-01_2025-03-08.csv"), csv)
	}
	loadBothWays(t, &batching, &batchReads, 0, filepath.Join(root, "broken"))
	_, sum = load(t, Options{}, filepath.Join(root, "broken"))
	if s := sourceOf(t, sum, "tenant1/InteractiveSignIns_2025-03-01_2025-03-08.csv"); s.Rejected != 1 || s.Duplicates == 0 {
		t.Errorf("the CSV with a broken line: %+v", s)
	}
}
