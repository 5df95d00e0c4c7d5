package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mfagap/mfagap/gen"
)

// scanCases are records for scanRecord: valid and not, each near a rule of
// the JSON grammar as encoding/json reads it.
var scanCases = []string{
	`{}`, ` { } `, "{\t\"a\"\r\n:\n1 }", `{"a":1}`, `{"a":1,}`, `{"a":1 "b":2}`, `{"a" 1}`, `{a:1}`, `{"a":}`, `{"a":1}x`, `{"a":1}}`,
	`{"a":[]}`, `{"a":[1,]}`, `{"a":[,1]}`, `{"a":[1 2]}`, `{"a":[[[]]]}`, `{"a":{"b":{"c":null}}}`, `{"a":{"b":}}`,
	`{"a":0}`, `{"a":-0}`, `{"a":01}`, `{"a":-}`, `{"a":1.}`, `{"a":.5}`, `{"a":1.5e}`, `{"a":1.5e+}`, `{"a":1e5}`, `{"a":1E-05}`,
	`{"a":-12.50e+3}`, `{"a":+1}`, `{"a":NaN}`, `{"a":Infinity}`, `{"a":true}`, `{"a":tru}`, `{"a":falsey}`, `{"a":nul}`, `{"a":null}`,
	`{"a":"\u00e9"}`, `{"a":"\u00e"}`, `{"a":"\ud800"}`, `{"a":"\x"}`, `{"a":"\/\b\f\n\r\t\"\\"}`, "{\"a\":\"tab\there\"}",
	"{\"a\":\"\x00\"}", "{\"a\":\"\x1f\"}", "{\"a\":\"\x7f\"}", `{"a":"é"}`, "{\"a\":\"\xff\"}", `{"a":"unterminated}`,
	`{"a\u0062":1}`, `{"a":1,"a":2}`, `{"Operation":"X","Operation":"UserLoggedIn"}`, `{"a":"\\"}`, `{"a":"\\\""}`,
	`[]`, `[{}]`, `"x"`, `null`, `1`, ``, ` `, `{`, `}`, `{"a":1`, `{"a":[}`, `{"a":{]}`,
	strings.Repeat(`{"a":`, maxJSONDepth-1) + `1` + strings.Repeat(`}`, maxJSONDepth-1),
	strings.Repeat(`{"a":`, maxJSONDepth) + `1` + strings.Repeat(`}`, maxJSONDepth),
	`{"a":` + strings.Repeat(`[`, maxJSONDepth+1) + strings.Repeat(`]`, maxJSONDepth+1) + `}`,
}

// checkScan holds scanRecord to the careful path's checks of one record:
// when it says yes, json.Valid does, the nesting is within maxJSONDepth and
// the members are topMembers'; when the careful checks pass and no name
// holds an escape, it says yes too.
func checkScan(t *testing.T, b []byte) {
	t.Helper()
	got := map[string]json.RawMessage{}
	ok, high := scanRecordPlain(b, func(name, v []byte, plain bool) {
		got[string(name)] = v
		if want := v[0] == '"' && !bytes.Contains(v, []byte(`\`)); plain != want {
			t.Errorf("%q: member %q plain %v", b, name, plain)
		}
	})
	trimmed := bytes.TrimSpace(b)
	careful := json.Valid(b) && len(trimmed) > 0 && trimmed[0] == '{' && depthOf(b) <= maxJSONDepth
	if ok && !careful {
		t.Fatalf("%q: scanRecord takes it, the careful path does not", b)
	}
	if !careful {
		return
	}
	if !ok {
		if !bytes.Contains(b, []byte(`\`)) && utf8.Valid(b) {
			t.Fatalf("%q: valid UTF-8 without an escape, scanRecord refuses it", b)
		}
		return
	}
	want, _ := topMembers(b)
	if !maps.EqualFunc(got, want, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) {
		t.Fatalf("%q: members %q, topMembers %q", b, got, want)
	}
	if high != bytes.ContainsFunc(b, func(r rune) bool { return r >= 0x80 }) {
		t.Fatalf("%q: high %v", b, high)
	}
}

// TestScanRecord: scanRecord agrees with json.Valid, depthOf and
// topMembers on records near each rule of the grammar, and on the audit
// records the tests load.
func TestScanRecord(t *testing.T) {
	yes := 0
	for _, c := range append(append([]string{}, scanCases...), ualCleanRecords(t)...) {
		checkScan(t, []byte(c))
		if ok, _ := scanRecord([]byte(c), func(_, _ []byte) {}); ok {
			yes++
		}
	}
	if yes < 20 {
		t.Errorf("scanRecord took %d of the cases", yes)
	}
	// The grammar's refusals, each of which json.Valid shares.
	for _, c := range []string{`{"a":1,}`, `{"a":01}`, `{"a":1.}`, `{"a":NaN}`, `{"a":"\x"}`, "{\"a\":\"\x1f\"}", `{"a":1}x`} {
		if ok, _ := scanRecord([]byte(c), func(_, _ []byte) {}); ok {
			t.Errorf("%q: taken", c)
		}
	}
	// The scan skips eight bytes at a time (plainRun): each byte that
	// stops it or is not ASCII, at each place in a long string and in a
	// long name, on either side of a word's end.
	for _, odd := range []string{`"`, `\\`, `\"`, `\u00e9`, `\x`, "\\", "\x01", "\x1f", "é", "\xff", " ", "\x7f"} {
		for at := 0; at <= 19; at++ {
			str := strings.Repeat("x", at) + odd + strings.Repeat("y", 19-at)
			checkScan(t, []byte(`{"a":"`+str+`","b":1}`))
			checkScan(t, []byte(`{"`+str+`":"z"}`))
		}
	}
	// Too deep for the careful path, whatever json.Valid says.
	deep := strings.Repeat(`{"a":`, maxJSONDepth+1) + `1` + strings.Repeat(`}`, maxJSONDepth+1)
	if ok, _ := scanRecord([]byte(deep), func(_, _ []byte) {}); ok {
		t.Error("a record nested deeper than maxJSONDepth is taken")
	}
}

func FuzzScanRecord(f *testing.F) {
	for _, c := range scanCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkScan(t, b) })
}

var nameValueCases = []string{
	`[]`, ` [ ] `, `[{"Name":"OS","Value":"Windows10"},{"Name":"BrowserType","Value":"Edge 122.0.0"}]`,
	`[ {"Name" : "a" , "Value" : "b"} , {"Value":"d","Name":"C"} ]`, `[{"Name":"a","Value":"1"},{"Name":"A","Value":"2"}]`,
	`[{"Name":"a"}]`, `[{"Value":"x"}]`, `[{"Name":"a","Value":"b","Other":"c"}]`, `[{"name":"a","value":"b"}]`,
	`[{"Name":"a","Value":1}]`, `[{"Name":"a","Value":null}]`, `[null]`, `[{"Name":"a","Name":"b"}]`, `[{"Name":"K\u212a","Value":"x"}]`,
	`[{"Name":"é","Value":"ü"}]`, `[{"Name":"a\"b","Value":"c"}]`, `{"Name":"a","Value":"b"}`, `"[]"`, `null`, ``, `[1]`, `[[]]`,
	`[{"Name":"a","Value":"b"}`, `[{"Name":"a","Value":"b"},]`,
}

// TestNameValuesPlain: the plain reading of a {Name, Value} list gives what
// decoding it gives, and takes the lists Purview writes.
func TestNameValuesPlain(t *testing.T) {
	for _, c := range nameValueCases {
		checkNameValues(t, []byte(c))
	}
	for _, c := range nameValueCases[:5] {
		if !nameValuesPlain([]byte(strings.TrimSpace(c)), func(_, _ []byte) {}) {
			t.Errorf("%s: not read plainly", c)
		}
	}
	if got := nameValues([]byte(nameValueCases[3]), "c", "a", "os"); !slices.Equal(got, []string{"d", "b", ""}) {
		t.Errorf("picked %q", got)
	}
}

// checkNameValues holds nameValues to nameValuesDecoded on the list b, for
// each name the decoded map has and one it lacks.
func checkNameValues(t *testing.T, b []byte) {
	t.Helper()
	if !json.Valid(b) {
		return // nameValues is handed a valid member's bytes
	}
	want := nameValuesDecoded(b)
	names := append(slices.Sorted(maps.Keys(want)), "no such name")
	got := nameValues(b, names...)
	for i, n := range names {
		if got[i] != want[n] {
			t.Fatalf("%s: %q is %q, decoded %q", b, n, got[i], want[n])
		}
	}
}

func FuzzNameValues(f *testing.F) {
	for _, c := range nameValueCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkNameValues(t, bytes.TrimSpace(b)) })
}

// TestUALGoBlocks: records cut across the Go path's blocks (a block of a
// few bytes, lines longer than it), blank lines, CRLF endings and a file
// without a final line end load as the careful path loads them, numbered
// alike; a record the careful path rejects, in any block, sends the file
// the careful way.
func TestUALGoBlocks(t *testing.T) {
	paths, err := gen.WriteFiles(t.TempDir(), "ual-json", gen.Options{Rows: 400, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	// A stretch of blank lines longer than a block: a block of them
	// holds no record, and the read goes on past it.
	blank := strings.Repeat(" \t \n", 40)
	odd := blank + strings.Join(lines[:100], "\r\n") + "\r\n\r\n   \n" + blank + strings.Join(lines[100:], "\n\n")
	for _, block := range []int{4 << 20, 1000, 7} {
		t.Run(fmt.Sprint("block ", block), func(t *testing.T) {
			old := ualGoBlock
			ualGoBlock = block
			defer func() { ualGoBlock = old }()
			for name, text := range map[string]string{"lines": string(data), "odd": odd} {
				path := filepath.Join(t.TempDir(), name+".json")
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				before := ualGoReads.Load()
				loadBothWays(t, &ualFast, &ualFastReads, 1, path)
				if ualGoReads.Load()-before != 1 {
					t.Errorf("%s: not read by the Go path", name)
				}
			}
			bad := strings.Join(lines[:250], "\n") + "\n" + strings.Replace(lines[250], `"CreationTime":"`, `"CreationTime":"x`, 1) + "\n" + strings.Join(lines[251:], "\n")
			path := filepath.Join(t.TempDir(), "bad.json")
			if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
				t.Fatal(err)
			}
			got := loadBothWays(t, &ualFast, &ualFastReads, 0, path)
			if !strings.Contains(got, "record 251") {
				t.Errorf("the rejected record is not named as record 251:\n%.2000s", got)
			}
		})
	}
}

// TestUALGoSigninsOrNot: a file of JSON lines with no sign-in at all, or
// with nothing else, loads through the Go path (straight into signins) as
// the careful path loads it, its records counted; the insert of a file that
// held none leaves nothing behind for the next file.
func TestUALGoSigninsOrNot(t *testing.T) {
	var signins, others []string
	for i := range 30 {
		signins = append(signins, ualAudit(t, i, nil))
		others = append(others, ualAudit(t, 100+i, map[string]any{"Operation": "FileAccessed"}))
	}
	dir := t.TempDir()
	var paths []string
	for name, recs := range map[string][]string{"only-others": others, "only-signins": signins} {
		path := writeLAJSON(t, filepath.Join(dir, name+".json"), false, recs...)
		before := ualGoReads.Load()
		got := loadBothWays(t, &ualFast, &ualFastReads, 1, path)
		if ualGoReads.Load()-before != 1 {
			t.Errorf("%s: not read by the Go path", name)
		}
		if !strings.Contains(got, "|30|") {
			t.Errorf("%s: the 30 records are not counted as read:\n%.2000s", name, got)
		}
		paths = append(paths, path)
	}
	// Both in one load, the file without sign-ins first.
	slices.Sort(paths)
	loadBothWays(t, &ualFast, &ualFastReads, 2, paths...)
}

// TestUALGoHash: the Go path takes a big file's SHA-256 from the blocks it
// reads (readerHashes), BOM included, and leaves it to the background when
// the read halts; sources holds the file's own digest either way.
func TestUALGoHash(t *testing.T) {
	oldMin, oldBlock := splitGraphMin, ualGoBlock
	splitGraphMin, ualGoBlock = 1, 1000
	t.Cleanup(func() { splitGraphMin, ualGoBlock = oldMin, oldBlock })
	var recs []string
	for i := range 40 {
		recs = append(recs, ualAudit(t, i, nil))
	}
	lines := strings.Join(recs, "\n") + "\n"
	bad := strings.Replace(lines, `"CreationTime":"`, `"CreationTime":"x`, 1)
	csvText := ualCSVText(t, recs)
	laText := laGoText(t)
	laJSON := strings.Join(laJSONCleanRecords(), "\n") + "\n"
	for _, tc := range []struct {
		name, text string
		hashed     int64
	}{
		{"lines", lines, 1},
		{"bom", "\xef\xbb\xbf" + lines, 1},
		{"halted", bad, 0},
		// The audit CSV: its header is read before the blocks.
		{"csv", csvText, 1},
		{"csv bom", "\xef\xbb\xbf" + csvText, 1},
		{"csv halted", strings.Replace(csvText, `""CreationTime"":""`, `""CreationTime"":""x`, 1), 0},
		// The Log Analytics CSV's Go reader (lago.go) takes it alike.
		{"la", laText, 1},
		{"la bom", "\xef\xbb\xbf" + laText, 1},
		{"la left to DuckDB", strings.Replace(laText, ",Browser,", `,Bro"wser,`, 1), 0},
		{"la json", laJSON, 1},
		{"la json bom", "\xef\xbb\xbf" + laJSON, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "audit.json"
			switch {
			case strings.HasPrefix(tc.name, "csv"):
				name = "audit.csv"
			case strings.HasPrefix(tc.name, "la json"):
				name = "SigninLogs.json"
			case strings.HasPrefix(tc.name, "la"):
				name = "SigninLogs_export.csv"
			}
			path := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			before := ualGoHashed.Load()
			db, _ := load(t, Options{TempDir: t.TempDir()}, path)
			if got := ualGoHashed.Load() - before; got != tc.hashed {
				t.Errorf("the Go path hashed %d files, want %d", got, tc.hashed)
			}
			sum := queryStrings(t, db, "select sha256 from sources")
			if want, err := sha256File(path); err != nil || len(sum) != 1 || sum[0] != want {
				t.Errorf("sha256 %v, want %s (%v)", sum, want, err)
			}
		})
	}
}

// TestUALCell: a CSV cell may hold the AuditData object as a JSON string,
// as the careful path's auditObject reads it; the text a JSON array's read
// gives must be the object itself. A sign-in without an ISO CreationTime
// halts (the careful path reads it with the file's CreationDate or day
// order); a record that is not a sign-in does not need one.
func TestUALCell(t *testing.T) {
	audit := ualAudit(t, 1, nil)
	quoted := string(mustJSONString(audit))
	for _, c := range []struct {
		text        string
		quoted      bool
		other, halt bool
	}{
		{audit, false, false, false},
		{audit, true, false, false},
		{" " + quoted, true, false, false},
		{quoted, false, false, true},
		{"null", true, false, true},
		{"", true, false, true},
		{ualAudit(t, 1, map[string]any{"CreationTime": nil}), true, false, true},
		{ualAudit(t, 1, map[string]any{"CreationTime": "3/4/2025 2:05:00 PM"}), true, false, true},
		{ualAudit(t, 1, map[string]any{"CreationTime": nil, "Operation": "FileAccessed"}), false, true, false},
	} {
		other, s, halt := ualCell([]byte(c.text), c.quoted)
		if (other != "") != c.other || (halt != "") != c.halt {
			t.Errorf("%.60q quoted %v: other %q, halt %q", c.text, c.quoted, other, halt)
		}
		if !c.other && !c.halt && (s.id != "ual-001" || s.created != "2025-03-04T14:01:00Z") {
			t.Errorf("%.60q: read %+v", c.text, s)
		}
	}
}

// TestUALGoCanceled: a load canceled while the Go path reads (its job
// registered) stops with the context's error and leaves no job behind.
func TestUALGoCanceled(t *testing.T) {
	paths, err := gen.WriteFiles(t.TempDir(), "ual-json", gen.Options{Rows: 20000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
			running := false
			ualGoJobs.Range(func(_, _ any) bool { running = true; return false })
			if running {
				cancel()
				return
			}
		}
	}()
	_, err = Files(ctx, memDB(t), paths, Options{TempDir: t.TempDir()})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("the load returned %v, want the context's error", err)
	}
	ualGoJobs.Range(func(k, _ any) bool {
		t.Errorf("job %v left behind", k)
		return true
	})
}
