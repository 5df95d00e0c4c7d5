package gen

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

const bufSize = 256 << 10

// Write streams opts.Rows sign-ins to w in format ("portal-csv",
// "graph-json" or "diag-ndjson"). For portal-csv, w gets a single user
// sign-in CSV holding every event (service principal rows leave the user
// columns empty); WriteFiles splits them the way the portal does.
func Write(w io.Writer, format string, opts Options) error {
	g, err := newGenerator(opts)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, bufSize)
	var b []byte
	switch format {
	case "portal-csv":
		var c csvRow
		b = appendHeader(b, UserHeader)
		for e := g.event(); e != nil; e = g.event() {
			b = c.userRow(b, e)
			if b, err = flushIfFull(bw, b); err != nil {
				return err
			}
		}
	case "graph-json":
		j := jw{policies: map[policiesKey][]byte{}}
		b = append(b, '[')
		for n := 0; ; n++ {
			e := g.event()
			if e == nil {
				if n > 0 {
					b = append(b, '\n')
				}
				break
			}
			if n > 0 {
				b = append(b, ',')
			}
			b = append(b, '\n')
			j = jw{b: b, policies: j.policies}
			j.signIn(e, flavorGraph)
			if b, err = flushIfFull(bw, j.b); err != nil {
				return err
			}
		}
		b = append(b, ']', '\n')
	case "diag-ndjson":
		j := jw{policies: map[policiesKey][]byte{}}
		for e := g.event(); e != nil; e = g.event() {
			j = jw{b: b, policies: j.policies}
			j.diagRecord(e)
			if b, err = flushIfFull(bw, append(j.b, '\n')); err != nil {
				return err
			}
		}
	case "la-csv", "la-json":
		if err := writeLA(bw, g, format == "la-json"); err != nil {
			return err
		}
	case "ual-csv", "ual-json":
		if err := writeUAL(bw, g, format == "ual-json"); err != nil {
			return err
		}
	default:
		return fmt.Errorf("gen: unknown format %q (want one of %v)", format, Formats)
	}
	if _, err := bw.Write(b); err != nil {
		return fmt.Errorf("gen: write %s: %w", format, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("gen: write %s: %w", format, err)
	}
	return nil
}

// flushIfFull hands b to w once it has grown, and returns it emptied.
func flushIfFull(w *bufio.Writer, b []byte) ([]byte, error) {
	if len(b) < 64<<10 {
		return b, nil
	}
	if _, err := w.Write(b); err != nil {
		return b, fmt.Errorf("gen: write: %w", err)
	}
	return b[:0], nil
}

// span is the <start>_<end> part of portal file names (inclusive dates).
func span(o Options) string {
	end := o.Start.Add(time.Duration(o.Days)*24*time.Hour - time.Nanosecond)
	return o.Start.Format("2006-01-02") + "_" + end.Format("2006-01-02")
}

// WriteFiles writes the export into dir (which must exist) and returns the
// paths written, in a fixed order.
//
//	portal-csv:  InteractiveSignIns_<start>_<end>.csv, NonInteractiveSignIns_…,
//	             ApplicationSignIns_…, MSISignIns_…, InteractiveSignIns_AuthDetails_…,
//	             NonInteractiveSignIns_AuthDetails_… (each with a header, even if empty)
//	graph-json:  SignIns_<start>_<end>.json, one bare JSON array
//	diag-ndjson: PT1H.json, one diagnostic record per line
//	diag-archive: the same records, one PT1H.json per category and hour in
//	             a storage account's folder layout (ArchiveFormat)
func WriteFiles(dir string, format string, opts Options) ([]string, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	switch format {
	case "portal-csv":
		return writePortal(dir, opts)
	case ArchiveFormat:
		return writeArchive(dir, opts)
	case "graph-json", "diag-ndjson", "la-csv", "la-json", "ual-csv", "ual-json":
		name := "SignIns_" + span(o) + ".json"
		switch format {
		case "diag-ndjson":
			name = "PT1H.json"
		case "la-csv":
			name = "SigninLogs_" + span(o) + ".csv"
		case "la-json":
			name = "SigninLogs_" + span(o) + ".json"
		case "ual-csv":
			name = "AuditLog_" + span(o) + ".csv"
		case "ual-json":
			name = "AuditLog_" + span(o) + ".json"
		}
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			return nil, fmt.Errorf("gen: %w", err)
		}
		err = Write(f, format, opts)
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("gen: close %s: %w", path, cerr)
		}
		if err != nil {
			return nil, err
		}
		return []string{path}, nil
	}
	return nil, fmt.Errorf("gen: unknown format %q (want one of %v)", format, FileFormats)
}

// portalFile is one output file of the portal CSV download.
type portalFile struct {
	prefix string
	header []string
	f      *os.File
	w      *bufio.Writer
	b      []byte
}

// writePortal writes the portal-csv files. It takes the caller's Options:
// defaults are applied once, by newGenerator (a second pass would turn a
// negative share, made 0, into the default).
func writePortal(dir string, opts Options) (paths []string, err error) {
	g, err := newGenerator(opts)
	if err != nil {
		return nil, err
	}
	o := g.o
	files := []*portalFile{
		{prefix: "InteractiveSignIns_", header: UserHeader},
		{prefix: "NonInteractiveSignIns_", header: UserHeader},
		{prefix: "ApplicationSignIns_", header: AppHeader},
		{prefix: "MSISignIns_", header: MSIHeader},
		{prefix: "InteractiveSignIns_AuthDetails_", header: AuthDetailsHeader},
		{prefix: "NonInteractiveSignIns_AuthDetails_", header: AuthDetailsHeader},
	}
	interactive, nonInteractive, apps, msis, interactiveAuth, nonInteractiveAuth :=
		files[0], files[1], files[2], files[3], files[4], files[5]
	defer func() {
		for _, pf := range files {
			if pf.f == nil {
				continue
			}
			if cerr := pf.f.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("gen: close %s: %w", pf.f.Name(), cerr)
			}
		}
		if err != nil {
			paths = nil
		}
	}()
	for _, pf := range files {
		path := filepath.Join(dir, pf.prefix+span(o)+".csv")
		if pf.f, err = os.Create(path); err != nil {
			return nil, fmt.Errorf("gen: %w", err)
		}
		pf.w = bufio.NewWriterSize(pf.f, bufSize)
		pf.b = appendHeader(nil, pf.header)
		paths = append(paths, path)
	}
	var c csvRow
	for e := g.event(); e != nil; e = g.event() {
		var main, auth *portalFile
		switch e.kind {
		case kindInteractive:
			main, auth = interactive, interactiveAuth
			main.b = c.userRow(main.b, e)
		case kindNonInteractive:
			main, auth = nonInteractive, nonInteractiveAuth
			main.b = c.userRow(main.b, e)
		case kindServicePrincipal:
			main = apps
			main.b = c.appRow(main.b, e, false)
		case kindManagedIdentity:
			main = msis
			main.b = c.appRow(main.b, e, true)
		}
		if main.b, err = flushIfFull(main.w, main.b); err != nil {
			return nil, err
		}
		if auth != nil {
			auth.b = c.authRows(auth.b, e)
			if auth.b, err = flushIfFull(auth.w, auth.b); err != nil {
				return nil, err
			}
		}
	}
	for _, pf := range files {
		if _, err := pf.w.Write(pf.b); err != nil {
			return nil, fmt.Errorf("gen: write %s: %w", pf.f.Name(), err)
		}
		if err := pf.w.Flush(); err != nil {
			return nil, fmt.Errorf("gen: write %s: %w", pf.f.Name(), err)
		}
	}
	return paths, nil
}
