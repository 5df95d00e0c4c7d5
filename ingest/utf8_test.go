package ingest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
)

// notUTF8 is a byte sequence that is not UTF-8 (a lead byte of four, then
// one that cannot follow it).
const notUTF8 = "\xf3\x86i"

func TestScanTextUTF8(t *testing.T) {
	edge := bytes.Repeat([]byte("a"), 4<<20) // scanText reads 4 MiB at a time
	for name, c := range map[string]struct {
		body []byte
		want bool
	}{
		"empty":                          {nil, true},
		"ASCII":                          {[]byte("a,b\n1,2\n"), true},
		"a BOM and accents":              {[]byte("\ufeffé,😀\n"), true},
		"an emoji across the read edge":  {append(append([]byte{}, edge[:len(edge)-2]...), "😀x"...), true},
		"an accent across the read edge": {append(append([]byte{}, edge[:len(edge)-1]...), "éx"...), true},
		"a cut emoji at the end":         {[]byte("a😀"[:3]), false},
		"a cut emoji at the read edge":   {append(append([]byte{}, edge[:len(edge)-2]...), "😀"[:2]...), false},
		"a lone continuation byte":       {[]byte("a\x80b"), false},
		"Latin-1":                        {[]byte("caf\xe9\n"), false},
		"an overlong slash":              {[]byte("\xc0\xaf"), false},
		"an encoded surrogate":           {[]byte("\xed\xa0\x80"), false},
		"bad bytes after the read edge":  {append(append([]byte{}, edge...), notUTF8...), false},
		"bad bytes before the read edge": {append([]byte(notUTF8), edge...), false},
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "f")
			if err := os.WriteFile(p, c.body, 0o644); err != nil {
				t.Fatal(err)
			}
			if got, err := scanText(p); err != nil || got.utf8 != c.want {
				t.Errorf("scanText = %+v, %v; want utf8 %v", got, err, c.want)
			}
		})
	}
	if _, err := scanText(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("no error for a missing file")
	}
}

// TestCSVNotUTF8: a line with bytes that are not UTF-8, in any column, is a
// rejected row naming its line, and the rest of the file loads. DuckDB 1.5
// invalidated the whole database instead when the read took fewer columns
// than the position of the bad one (validUTF8): the portal CSV's columns
// 35-38 and 50-51, any audit export, a Log Analytics CSV's later columns.
func TestCSVNotUTF8(t *testing.T) {
	t.Run("portal, every column", func(t *testing.T) {
		// Line 2 is clean; line k+3 has the bad bytes in column k.
		// The clean line holds a UTF-8 accent: the file is UTF-8 with bad
		// bytes, not Windows-1252 (TestWindows1252).
		lines := []string{portalHeader, portalSignIn("2025-03-04T08:00:00Z", "ok", "zoë@contoso.com", "Browser", "0", "", "", "")}
		for k := range 55 {
			cells := map[int]string{0: "2025-03-04T09:00:00Z", 1: fmt.Sprint("r", k), 6: "bob@contoso.com", 25: "Success", 26: "0"}
			cells[k] += notUTF8
			lines = append(lines, portalRow(cells))
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "InteractiveSignIns_2025-03-01_2025-03-08.csv")
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\r\n")+"\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		db, sum := load(t, Options{}, dir)
		if s := sum.Sources[0]; s.Read != 56 || s.Loaded != 1 || s.Rejected != 55 {
			t.Fatalf("read %d, loaded %d, rejected %d; want 56, 1, 55", s.Read, s.Loaded, s.Rejected)
		}
		reasons := rejectReasons(t, db)
		for k, r := range reasons {
			if want := fmt.Sprintf("line %d: invalid encoding", k+3); !strings.HasPrefix(r, want) {
				t.Errorf("rejected row %d: %q, want it to start %q", k, r, want)
			}
		}
		explained(t, path, "portal-csv", "utf-8", "the lines holding them are rejected")
	})
	t.Run("audit export", func(t *testing.T) {
		clean := ualCleanRecords(t)
		cells := append(append([]string{strings.Replace(clean[0], "ann@", "zoë@", 1)}, clean[1:3]...), strings.Replace(clean[3], "UserLoginFailed", "UserLogin"+notUTF8, 1), clean[4])
		got := loadBothWays(t, &ualFast, &ualFastReads, 0, writeUALCSV(t, filepath.Join(t.TempDir(), "audit.csv"), cells))
		if !strings.Contains(got, "|ual-csv|signins|") || !strings.Contains(got, "5|4|1|") || !strings.Contains(got, "5|line 5: invalid encoding") {
			t.Errorf("the bad line is not the one rejected row:\n%s", got)
		}
	})
	t.Run("Log Analytics", func(t *testing.T) {
		rows := [][]string{laTestRow(0, map[string]string{"UserDisplayName": "Zoë"}), laTestRow(1, map[string]string{"ServicePrincipalId": "sp" + notUTF8}), laTestRow(2, nil)}
		got := loadBothWays(t, &laFast, &laFastReads, 0, writeLACSV(t, filepath.Join(t.TempDir(), "SigninLogs_export.csv"), rows))
		if !strings.Contains(got, "|la-csv|signins|") || !strings.Contains(got, "3|2|1|") || !strings.Contains(got, "3|line 3: invalid encoding") {
			t.Errorf("the bad line is not the one rejected row:\n%s", got)
		}
	})
}

// TestJSONNotUTF8: in every JSON shape, a record holding bytes that are not
// UTF-8 loads with U+FFFD in their place, and the inputs table says how many
// records held them. (The Log Analytics and audit log JSON read by SQL go
// the careful way: DuckDB's reader refuses such a file.)
func TestJSONNotUTF8(t *testing.T) {
	for name, fixture := range map[string]string{
		"graph-json":      filepath.Join("..", "testdata", "exports", "contoso", "20250308120000-interactiveUser-nonInteractiveUser-SignInLogs.json"),
		"diagnostic-json": filepath.Join("testdata", "diagnostic", "PT1H.json"),
		"la-json":         filepath.Join("testdata", "la", "AADNonInteractive.json"),
		"ual-json":        filepath.Join("testdata", "ual", "UnifiedAuditLog.json"),
	} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(fixture)
			if err != nil {
				t.Fatal(err)
			}
			i := strings.Index(strings.ToLower(string(b)), "@contoso.com")
			if i < 0 {
				t.Fatal("no address to spoil")
			}
			// A character written in UTF-8 beside it says the file is
			// UTF-8 with a bad byte, not Windows-1252 (TestJSONWindows1252).
			bad := string(b[:i]) + notUTF8 + "é" + string(b[i:])
			path := filepath.Join(t.TempDir(), filepath.Base(fixture))
			if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
				t.Fatal(err)
			}
			_, want := load(t, Options{}, fixture)
			db, sum := load(t, Options{}, path)
			got, was := sum.Sources[0], want.Sources[0]
			if got.Format != name || got.Loaded != was.Loaded || got.Rejected != was.Rejected {
				t.Errorf("%s loaded %d, rejected %d; the file as it was: %s, %d, %d", got.Format, got.Loaded, got.Rejected, was.Format, was.Loaded, was.Rejected)
			}
			if !strings.Contains(got.Note, "1 record held invalid UTF-8; the bad bytes were replaced with U+FFFD") {
				t.Errorf("note %q", got.Note)
			}
			if n := query1[int64](t, db, "select count(*) from signins where contains(user_principal_name, '\uFFFD')"); n != 1 {
				t.Errorf("%d sign-ins hold U+FFFD in their user, want 1", n)
			}
			enc := "utf-8"
			if bytes.HasPrefix(b, []byte("\ufeff")) {
				enc = "utf-8-bom"
			}
			explained(t, path, name, enc, "the records holding them load with U+FFFD")
		})
	}
}

// explained fails t unless --explain (Explain) shows the file at path in
// format and encoding, with why in its reason, and returns what it showed.
func explained(t *testing.T, path, format, encoding, why string) Detection {
	t.Helper()
	ds, err := Explain([]string{path}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := ds[0]
	if d.Format != format || d.Encoding != encoding || !strings.Contains(d.Reason, why) {
		t.Errorf("explained as %s, %s: %s; want %s, %s, %q", d.Format, d.Encoding, d.Reason, format, encoding, why)
	}
	return d
}

func TestScanTextWindows1252(t *testing.T) {
	for body, want := range map[string]bool{"": true, "ascii,only\n": true, "caf\xe9": true, "caf\xc3\xa9": false,
		"caf\xe9 and caf\xc3\xa9": false, "\xef\xbf\xbd": false, "\xf3\x86i": true, "Z\x9Dz": false, "\x81": false,
		"\x93quoted\x94 \x80 5": true, "bytes\xff\xfe@": false, "\xfe\xff": false, "\xfe \xff": true, "\xff\xff\xfe": false} {
		p := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if got, err := scanText(p); err != nil || got.cp1252 != want {
			t.Errorf("%q: %v, %v; want %v", body, got, err, want)
		}
	}
}

// TestWindows1252: a CSV re-saved by Excel as "CSV (Comma delimited)" (or
// its semicolon form) is in Windows-1252; it is read as such, with a note,
// so its accents load and no line is rejected. A UTF-8 file with a bad
// byte stays UTF-8 (its line rejected); a binary file is not transcoded.
func TestWindows1252(t *testing.T) {
	const note = "not UTF-8: read as Windows-1252, the code page Excel saves CSV in"
	t.Run("portal, semicolons", func(t *testing.T) {
		row := func(req, user, loc string) string {
			return strings.ReplaceAll(portalRow(map[int]string{0: "2025-03-04T09:00:00Z", 1: req, 5: user, 6: "jose@contoso.com", 24: loc, 25: "Success", 26: "0"}), `","`, `";"`)
		}
		body := strings.ReplaceAll(portalHeader, `","`, `";"`) + "\r\n" + row("r1", "José Müller", "München, Bayern, DE") + "\r\n" + row("r2", "Zoë", "Besançon, Doubs, FR") + "\r\n"
		dir := t.TempDir()
		write(t, dir, "InteractiveSignIns_2025-03-01_2025-03-08.csv", cp1252(t, body))
		db, sum := load(t, Options{}, dir)
		if s := sum.Sources[0]; s.Format != "portal-csv" || s.Loaded != 2 || s.Rejected != 0 || !strings.Contains(s.Note, note) {
			t.Fatalf("%s: loaded %d, rejected %d, note %q", s.Format, s.Loaded, s.Rejected, s.Note)
		}
		got := strings.Join(queryStrings(t, db, "select user_display_name || '/' || city from signins order by request_id"), ", ")
		if got != "José Müller/München, Zoë/Besançon" {
			t.Errorf("got %s", got)
		}
	})
	t.Run("register", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, "register.csv", cp1252(t, "UPN;Exception type;Approver;Review date\r\nrené@contoso.com;BYOD;Directrice financière;2025-12-31\r\n"))
		db, sum := load(t, Options{Tenant: "contoso.onmicrosoft.com"}, dir)
		if s := sum.Sources[0]; s.Format != "register-csv" || s.Loaded != 1 || !strings.Contains(s.Note, note) {
			t.Fatalf("%s: loaded %d, note %q", s.Format, s.Loaded, s.Note)
		}
		if got := queryStrings(t, db, "select account || '/' || approved_by from register_entries"); len(got) != 1 || got[0] != "rené@contoso.com/Directrice financière" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("UTF-8 with a bad byte", func(t *testing.T) {
		body := portalHeader + "\r\n" + portalSignIn("2025-03-04T08:00:00Z", "r1", "zoë@contoso.com", "Browser", "0", "", "", "Besançon, Doubs, FR") + "\r\n" +
			portalSignIn("2025-03-04T08:00:00Z", "r2", "bob@contoso.com", "Browser", "0", "", "", "K\xf6ln, NRW, DE") + "\r\n"
		dir := t.TempDir()
		write(t, dir, "InteractiveSignIns_2025-03-01_2025-03-08.csv", body)
		db, sum := load(t, Options{}, dir)
		if s := sum.Sources[0]; s.Loaded != 1 || s.Rejected != 1 || strings.Contains(s.Note, "Windows-1252") {
			t.Fatalf("loaded %d, rejected %d, note %q", s.Loaded, s.Rejected, s.Note)
		}
		if got := queryStrings(t, db, "select city from signins"); len(got) != 1 || got[0] != "Besançon" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("binary", func(t *testing.T) {
		dir := t.TempDir()
		p := write(t, dir, "x.csv", "\x00\x01\xff\xfe,\x02\x80\n\x81")
		sn, err := sniffFile(inputFile{disk: p, display: p}, dir, 1)
		if err != nil || sn.encoding != "utf-8" || sn.disk != p {
			t.Errorf("sniff: %v, encoding %s, disk %s", err, sn.encoding, sn.disk)
		}
	})
}

// utf16Bytes writes units (UTF-16 code units, surrogates alone included) in
// the given byte order.
func utf16Bytes(bigEndian bool, units ...uint16) []byte {
	var b []byte
	for _, u := range units {
		if bigEndian {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return b
}

// decodeUTF16File runs transcodeUTF16 on in, written to a file in dir, and
// returns what it wrote and counted.
func decodeUTF16File(t *testing.T, dir string, in []byte, bigEndian bool) ([]byte, badUnits) {
	t.Helper()
	p := filepath.Join(dir, "in.json")
	if err := os.WriteFile(p, in, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.json")
	bad, err := transcodeUTF16(p, out, bigEndian)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return got, bad
}

func TestTranscodeUTF16(t *testing.T) {
	ascii := func(s string) []uint16 {
		var u []uint16
		for _, r := range s {
			u = append(u, uint16(r))
		}
		return u
	}
	cat := func(parts ...[]uint16) []uint16 {
		var u []uint16
		for _, p := range parts {
			u = append(u, p...)
		}
		return u
	}
	const hi, lo = 0xD83D, 0xDE00 // 😀
	for _, c := range []struct {
		name  string
		units []uint16
		odd   bool // a last lone byte
		want  string
		bad   int64
		line  int64
	}{
		{name: "plain", units: ascii("a,b\n1,2\n"), want: "a,b\n1,2\n"},
		{name: "BOM dropped", units: cat([]uint16{0xFEFF}, ascii("x")), want: "x"},
		{name: "a BOM later kept", units: cat(ascii("x"), []uint16{0xFEFF}), want: "x\ufeff"},
		{name: "accents and a pair", units: cat(ascii("Zo"), []uint16{0xEB, hi, lo}, ascii("!")), want: "Zoë😀!"},
		{name: "a high half alone before text", units: cat(ascii("a\nb\n"), []uint16{hi}, ascii("c")), want: "a\nb\n\ufffdc", bad: 1, line: 3},
		{name: "a low half alone", units: cat(ascii("a"), []uint16{lo, lo}), want: "a\ufffd\ufffd", bad: 2, line: 1},
		{name: "two high halves then a low one", units: []uint16{hi, hi, lo}, want: "\ufffd😀", bad: 1, line: 1},
		{name: "a high half at the end", units: cat(ascii("a\n"), []uint16{hi}), want: "a\n\ufffd", bad: 1, line: 2},
		{name: "lines of ASCII, four units at a time, then a half", units: cat(ascii(strings.Repeat("abc\n", 10)+"ab"), []uint16{lo}, ascii("\nxyzw\n")),
			want: strings.Repeat("abc\n", 10) + "ab\ufffd\nxyzw\n", bad: 1, line: 11},
		{name: "a pair after ASCII, at each offset", units: cat(ascii("abcdefg"), []uint16{hi, lo}, ascii("hijklmn"), []uint16{hi, lo}), want: "abcdefg😀hijklmn😀"},
		{name: "a last odd byte", units: ascii("ab"), odd: true, want: "ab\ufffd", bad: 1, line: 1},
		{name: "a high half then an odd byte", units: []uint16{hi}, odd: true, want: "\ufffd\ufffd", bad: 2, line: 1},
	} {
		for _, be := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/bigEndian=%v", c.name, be), func(t *testing.T) {
				dir := t.TempDir()
				in := utf16Bytes(be, c.units...)
				if c.odd {
					in = append(in, 'z')
				}
				got, bad := decodeUTF16File(t, dir, in, be)
				if string(got) != c.want || bad.n != c.bad || bad.line != c.line {
					t.Errorf("got %q, %d bad, first on line %d; want %q, %d, %d", got, bad.n, bad.line, c.want, c.bad, c.line)
				}
			})
		}
	}
	t.Run("long text against x/text", func(t *testing.T) {
		var sb strings.Builder
		for i := 0; i < 200000; i++ {
			fmt.Fprintf(&sb, "line %d: Zoë 😀 東京 \r\n", i)
		}
		dir := t.TempDir()
		in, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewEncoder().String(sb.String())
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "out.txt")
		bad, err := transcodeUTF16(write(t, dir, "in.txt", in), out, false)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(out); string(got) != sb.String() || bad.n != 0 {
			t.Errorf("%d bytes back, %d bad; want %d bytes, 0", len(got), bad.n, sb.Len())
		}
	})
}

// TestUTF16LoneSurrogate: a Graph export in UTF-16 with a display name cut
// between the halves of an emoji loads, and the inputs table says so.
func TestUTF16LoneSurrogate(t *testing.T) {
	for _, c := range []struct {
		name, note string
		halves     []uint16 // written where the display name has X
		want       string
	}{
		{"one", "1 code unit held no character (a surrogate without its pair, or a last odd byte) and was replaced with U+FFFD, on line 3", []uint16{0xD83D}, "Zoë \ufffd"},
		{"two", "2 code units held no character (a surrogate without its pair, or a last odd byte) and were replaced with U+FFFD, the first on line 3", []uint16{0xDE00, 0xD83D}, "Zoë \ufffd\ufffd"},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := "[\r\n{\"id\":\"s1\",\"createdDateTime\":\"2025-01-02T08:00:00Z\",\"userPrincipalName\":\"zoe@contoso.com\",\r\n\"userDisplayName\":\"Zoë X\"," +
				`"status":{"errorCode":0},"isInteractive":true}]`
			var units []uint16
			for _, r := range body {
				if r == 'X' {
					units = append(units, c.halves...) // halves of 😀, out of order
					continue
				}
				units = append(units, uint16(r))
			}
			dir := t.TempDir()
			write(t, dir, "signins.json", string(utf16Bytes(false, append([]uint16{0xFEFF}, units...)...)))
			db, sum := load(t, Options{Tenant: fxTenantA}, dir)
			s := sum.Sources[0]
			if s.Format != "graph-json" || s.Loaded != 1 || !strings.Contains(s.Note, "transcoded from UTF-16LE; "+c.note) {
				t.Fatalf("%s: loaded %d, note %q", s.Format, s.Loaded, s.Note)
			}
			if got := queryStrings(t, db, "select user_display_name from signins"); len(got) != 1 || got[0] != c.want {
				t.Errorf("got %q", got)
			}
		})
	}
}

// TestJSONWindows1252: JSON written by Windows PowerShell 5.1's Set-Content
// (ConvertTo-Json leaves accents as they are, Set-Content writes the ANSI
// code page) is read as Windows-1252, found in its first MiB or, past it,
// by a first load (nothing of which stays): its accents load, and the
// inputs table says so.
func TestJSONWindows1252(t *testing.T) {
	const note = "not UTF-8: read as Windows-1252, as Windows PowerShell's Set-Content writes JSON"
	const late = note + "; found on loading it: 1 record held bytes that are not UTF-8, the first past its first MiB"
	for _, c := range []struct {
		name, fixture, format, table, column string
		pad                                  bool          // the accent past the first MiB
		split                                bool          // a Graph array large enough to be cut in parts (graphsplit.go)
		fast                                 *atomic.Int64 // files read by DuckDB's reader, which takes the UTF-8 copy when it takes the file in UTF-8
	}{
		{"graph array", filepath.Join("..", "testdata", "exports", "contoso", "20250308120000-interactiveUser-nonInteractiveUser-SignInLogs.json"), "graph-json", "signins", "user_principal_name", false, false, &graphJoinReads},
		{"graph array, the accent past the first MiB", filepath.Join("..", "testdata", "exports", "contoso", "20250308120000-interactiveUser-nonInteractiveUser-SignInLogs.json"), "graph-json", "signins", "user_principal_name", true, false, &graphJoinReads},
		{"graph array cut in parts", filepath.Join("..", "testdata", "exports", "contoso", "20250308120000-interactiveUser-nonInteractiveUser-SignInLogs.json"), "graph-json", "signins", "user_principal_name", false, true, &graphSplitReads},
		{"diagnostic", filepath.Join("testdata", "diagnostic", "PT1H.json"), "diagnostic-json", "signins", "user_principal_name", false, false, &diagFastReads},
		{"log analytics", filepath.Join("testdata", "la", "AADNonInteractive.json"), "la-json", "signins", "user_principal_name", false, false, &laFastReads},
		{"audit", filepath.Join("testdata", "ual", "UnifiedAuditLog.json"), "ual-json", "signins", "user_principal_name", false, false, &ualFastReads},
		{"conditional access", filepath.Join("..", "testdata", "exports", "contoso", "ca-policies.json"), "ca-policies-json", "ca_policies", "policy_name", false, false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.split {
				oldMin, oldPart, oldThreads, oldWindow := splitGraphMin, splitGraphPart, graphSplitThreads, splitWindow
				splitGraphMin, splitGraphPart, graphSplitThreads, splitWindow = 1, 2000, 2, 4096
				t.Cleanup(func() {
					splitGraphMin, splitGraphPart, graphSplitThreads, splitWindow = oldMin, oldPart, oldThreads, oldWindow
				})
			}
			b, err := os.ReadFile(c.fixture)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.TrimPrefix(string(b), "\ufeff") // a BOM says UTF-8
			if c.split {
				// The fixture's two pages, back to back, as one array: the
				// cut path takes one array only.
				text = regexp.MustCompile(`\]\s*\[`).ReplaceAllString(text, ",")
			}
			at := strings.Index(strings.ToLower(text), "@contoso.com")
			if c.table == "ca_policies" {
				at = strings.Index(text, `"displayName": "`) + len(`"displayName": "`)
			}
			if at < len(`"displayName": "`) {
				t.Fatal("nowhere to put an accent")
			}
			text = text[:at] + "Zoë-Müller" + text[at:]
			if c.pad {
				// Space after the opening bracket, which JSON allows.
				text = "[" + strings.Repeat(" ", sniffBytes) + strings.TrimPrefix(text, "[")
			}
			dir := t.TempDir()
			path := write(t, dir, filepath.Base(c.fixture), cp1252(t, text))
			plain := write(t, t.TempDir(), filepath.Base(c.fixture), text)
			var fast int64
			if c.fast != nil {
				fast = c.fast.Load()
			}
			_, want := load(t, Options{Tenant: fxTenantA}, plain)
			plainFast := c.fast != nil && c.fast.Load() > fast
			if c.split && !plainFast {
				t.Error("the array in UTF-8 was not cut in parts")
			}
			if c.fast != nil {
				fast = c.fast.Load()
			}
			db, sum := load(t, Options{Tenant: fxTenantA}, path)
			if plainFast && c.fast.Load() == fast {
				t.Error("the file in UTF-8 was read by DuckDB's reader, its copy read as Windows-1252 was not")
			}
			got, was := sum.Sources[0], want.Sources[0]
			if got.Format != c.format || got.Read != was.Read || got.Loaded != was.Loaded || got.Rejected != was.Rejected || got.Ignored != was.Ignored {
				t.Errorf("%s read %d, loaded %d, rejected %d, ignored %d; in UTF-8: %s, %d, %d, %d, %d", got.Format, got.Read, got.Loaded, got.Rejected, got.Ignored,
					was.Format, was.Read, was.Loaded, was.Rejected, was.Ignored)
			}
			if !strings.HasPrefix(got.Note, note) || strings.Contains(got.Note, "U+FFFD") || strings.Contains(got.Note, late) != c.pad {
				t.Errorf("note %q", got.Note)
			}
			q := fmt.Sprintf("select count(*) filter (where contains(lower(%[1]s), 'zoë-müller')), count(*) filter (where contains(%[1]s, '\uFFFD')), count(*) from %[2]s", c.column, c.table)
			var accents, replaced, rows int64
			if err := db.QueryRow(q).Scan(&accents, &replaced, &rows); err != nil {
				t.Fatal(err)
			}
			if accents != 1 || replaced != 0 || rows != was.Loaded {
				t.Errorf("%d rows with the accents, %d with U+FFFD, %d in all; want 1, 0, %d", accents, replaced, rows, was.Loaded)
			}
			if n := query1[int64](t, db, "select count(*) from rejected_rows"); n != was.Rejected {
				t.Errorf("%d rejected rows kept, want %d", n, was.Rejected)
			}
			// --explain, which does not load, says what the load found.
			const found = "its load finds them, then reads the file again as Windows-1252"
			if d := explained(t, path, c.format, "windows-1252", ""); strings.Contains(d.Reason, found) != c.pad {
				t.Errorf("explained as %q; want %q in it: %v", d.Reason, found, c.pad)
			}
		})
	}
}

// cp1252 is s in Windows-1252.
func cp1252(t *testing.T, s string) string {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzTranscodeUTF16: transcodeUTF16 writes what unicode/utf16.Decode makes
// of the code units after a BOM (which gives the byte order), each
// surrogate without its pair as U+FFFD, and a last odd byte as U+FFFD; and
// counts exactly the U+FFFD it had to write. (x/text's decoder, used
// before, differs only in writing one U+FFFD for a second half followed by
// another.)
func FuzzTranscodeUTF16(f *testing.F) {
	for _, seed := range [][]byte{nil, {0xFF, 0xFE, 'a', 0}, {0x3D, 0xD8}, {0x3D, 0xD8, 0x00, 0xDE, 'x'}, {0xFE, 0xFF, 0, 'a', 0xDC, 0},
		[]byte("\xfd\xff\x00\xd8"), []byte("0\xdf0\xdd")} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, in []byte, bigEndian bool) {
		got, bad := decodeUTF16File(t, dir, in, bigEndian)
		body := in
		if len(body) >= 2 && (body[0] == 0xFE && body[1] == 0xFF || body[0] == 0xFF && body[1] == 0xFE) {
			bigEndian, body = body[0] == 0xFE, body[2:]
		}
		units := make([]uint16, len(body)/2)
		written := int64(0) // U+FFFD in the input itself, not counted
		for i := range units {
			units[i] = uint16(body[2*i+1])<<8 | uint16(body[2*i])
			if bigEndian {
				units[i] = uint16(body[2*i])<<8 | uint16(body[2*i+1])
			}
			if units[i] == 0xFFFD {
				written++
			}
		}
		want := string(utf16.Decode(units))
		if len(body)%2 == 1 {
			want += "\uFFFD"
		}
		if string(got) != want {
			t.Fatalf("got %q, want %q", got, want)
		}
		if n := int64(strings.Count(want, "\uFFFD")); n != bad.n+written {
			t.Fatalf("%d U+FFFD out, %d counted, %d in the input", n, bad.n, written)
		}
		if (bad.n == 0) != (bad.line == 0) {
			t.Fatalf("%d bad, first on line %d", bad.n, bad.line)
		}
	})
}

// TestUTF16FastPaths: a UTF-16 export is read from its UTF-8 copy by the
// same DuckDB readers as the file in UTF-8, and loads the same rows.
func TestUTF16FastPaths(t *testing.T) {
	for _, c := range []struct {
		name, fixture string
		fast          *atomic.Int64
	}{
		{"graph pages", filepath.Join("..", "testdata", "exports", "contoso", "20250308120000-interactiveUser-nonInteractiveUser-SignInLogs.json"), &graphJoinReads},
		{"audit", filepath.Join("testdata", "ual", "UnifiedAuditLog.json"), &ualFastReads},
	} {
		for _, order := range []xunicode.Endianness{xunicode.LittleEndian, xunicode.BigEndian} {
			t.Run(c.name+map[xunicode.Endianness]string{xunicode.LittleEndian: "/LE", xunicode.BigEndian: "/BE"}[order], func(t *testing.T) {
				b, err := os.ReadFile(c.fixture)
				if err != nil {
					t.Fatal(err)
				}
				text := strings.TrimPrefix(string(b), "\ufeff")
				u16, err := xunicode.UTF16(order, xunicode.UseBOM).NewEncoder().String(text)
				if err != nil {
					t.Fatal(err)
				}
				name := filepath.Base(c.fixture)
				before := c.fast.Load()
				db, _ := load(t, Options{Tenant: fxTenantA}, write(t, t.TempDir(), name, text))
				want := dumpLoaded(t, db)
				if c.fast.Load() == before {
					t.Fatal("the file in UTF-8 was not read by DuckDB's reader")
				}
				before = c.fast.Load()
				db, sum := load(t, Options{Tenant: fxTenantA}, write(t, t.TempDir(), name, u16))
				if c.fast.Load() == before {
					t.Error("the UTF-16 file was not read by DuckDB's reader")
				}
				if !strings.Contains(sum.Sources[0].Note, "transcoded from UTF-16") {
					t.Errorf("note %q", sum.Sources[0].Note)
				}
				// The sources row names the path and notes the encoding.
				_, want, _ = strings.Cut(want, "\n")
				_, got, _ := strings.Cut(dumpLoaded(t, db), "\n")
				sameLoad(t, want, got)
			})
		}
	}
}

func TestValidHead(t *testing.T) {
	for _, c := range []struct {
		head      string
		cut, want bool
	}{
		{"[{\"a\":\"é\"}", false, true},
		{"[{\"a\":\"😀"[:9], true, true},   // an emoji cut by the head's end
		{"[{\"a\":\"😀"[:9], false, false}, // the whole file: cut short
		{"[{\"a\":\"Jos\xe9 M", true, false},
		{"[{\"a\":\"Jos\xe9", true, true}, // might be a character cut by the head's end
		{"[{\"a\":\"Jos\xe9", false, false},
	} {
		if got := validHead([]byte(c.head), c.cut); got != c.want {
			t.Errorf("validHead(%q, %v) = %v, want %v", c.head, c.cut, got, c.want)
		}
	}
}

// FuzzWindows1252: transcodeWindows1252 writes what x/text's decoder
// writes, and scanText, which reads in pieces, decides as the rule read one
// character at a time and utf8.Valid do (pieces of 4 MiB: the input is repeated
// past a piece's end now and then).
func FuzzWindows1252(f *testing.F) {
	for _, seed := range []string{"", "José", "caf\xc3\xa9", "\x93q\x94 \x80", "\xff\xfe", "a\x81", "Jos\xe9 Mu\xf1oz\r\n", "\xf0\x9f\x98", "\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9"} {
		f.Add([]byte(seed), uint16(0))
		f.Add([]byte(seed), uint16(3))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, in []byte, pad uint16) {
		if pad%4 == 3 && len(in) > 0 {
			// Cross the 4 MiB piece with the input's bytes at its edge.
			in = append(bytes.Repeat([]byte("a"), 4<<20-int(pad%7)), in...)
		}
		p := filepath.Join(dir, "in")
		if err := os.WriteFile(p, in, 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "out")
		if _, err := transcodeWindows1252(p, out); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		want, err := charmap.Windows1252.NewDecoder().Bytes(in)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("got %q, x/text %q", got, want)
		}
		// The rule, one character at a time.
		rule := true
		var prev byte
		for s := in; len(s) > 0; {
			r, size := utf8.DecodeRune(s)
			c := s[0]
			s = s[size:]
			if size > 1 {
				rule = false
				break
			}
			if r != utf8.RuneError {
				prev = 0
				continue
			}
			if c == 0x81 || c == 0x8D || c == 0x8F || c == 0x90 || c == 0x9D || prev == 0xFF && c == 0xFE || prev == 0xFE && c == 0xFF {
				rule = false
				break
			}
			prev = c
		}
		if scan, err := scanText(p); err != nil || scan.cp1252 != rule || scan.utf8 != utf8.Valid(in) {
			t.Fatalf("scanText = %+v, %v; the rule says cp1252 %v, utf8.Valid %v", scan, err, rule, utf8.Valid(in))
		}
	})
}
