package gen

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ArchiveFormat is the diagnostic settings archive as a storage account
// keeps it: one PT1H.json (NDJSON) per category and hour, under
//
//	insights-logs-<category>/resourceId=/TENANTS/<TENANT>/PROVIDERS/MICROSOFT.AADIAM/
//	  y=YYYY/m=MM/d=DD/h=HH/m=00/PT1H.json
//
// a month of one category being 720 files. Only WriteFiles writes it.
const ArchiveFormat = "diag-archive"

// FileFormats lists the formats WriteFiles accepts.
var FileFormats = append(append([]string(nil), Formats...), ArchiveFormat)

// writeArchive writes the records of diag-ndjson into the archive layout and
// returns the files in path order. Events come in no time order, so every
// hour's file stays open until the end.
func writeArchive(dir string, opts Options) (paths []string, err error) {
	g, err := newGenerator(opts)
	if err != nil {
		return nil, err
	}
	type file struct {
		f *os.File
		w *bufio.Writer
	}
	files := map[string]*file{}
	defer func() {
		for _, f := range files {
			if ferr := f.w.Flush(); err == nil && ferr != nil {
				err = fmt.Errorf("gen: write %s: %w", f.f.Name(), ferr)
			}
			if cerr := f.f.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("gen: close %s: %w", f.f.Name(), cerr)
			}
		}
	}()
	j := jw{policies: map[policiesKey][]byte{}}
	var b []byte
	for e := g.event(); e != nil; e = g.event() {
		at := e.at.UTC()
		p := filepath.Join(dir, "insights-logs-"+strings.ToLower(categories[e.kind]),
			"resourceId=", "TENANTS", strings.ToUpper(e.tenant.id), "PROVIDERS", "MICROSOFT.AADIAM",
			fmt.Sprintf("y=%04d", at.Year()), fmt.Sprintf("m=%02d", int(at.Month())), fmt.Sprintf("d=%02d", at.Day()),
			fmt.Sprintf("h=%02d", at.Hour()), "m=00", "PT1H.json")
		f := files[p]
		if f == nil {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return nil, fmt.Errorf("gen: %w", err)
			}
			out, err := os.Create(p)
			if err != nil {
				return nil, fmt.Errorf("gen: %w", err)
			}
			f = &file{f: out, w: bufio.NewWriterSize(out, 16<<10)}
			files[p] = f
		}
		j = jw{b: b[:0], policies: j.policies}
		j.diagRecord(e)
		b = append(j.b, '\n')
		if _, err := f.w.Write(b); err != nil {
			return nil, fmt.Errorf("gen: write %s: %w", p, err)
		}
	}
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths, nil
}
