package ingest

import (
	"fmt"
)

// Detection is what Explain found for one input file.
type Detection struct {
	// Path is the file as shown to the user (archive.zip!/member inside archives).
	Path string
	// Format is the detected format id, or "unknown".
	Format string
	// Kind is what the format holds (signins, …), or "skipped".
	Kind string
	// Encoding is utf-8, utf-8-bom, utf-16le, utf-16be or windows-1252 (a file
	// that is not UTF-8 and reads as Windows-1252, which its load reads it
	// as); empty when unread.
	Encoding string
	// Tenant is the tenant taken from the folder layout or Options.Tenant,
	// used for rows whose data names none.
	Tenant string
	// Reason says why the format matched, or why the file is skipped.
	Reason string
}

// Explain expands paths (folders, .zip, .gz) and detects the format of each
// file exactly as Files would, without loading anything.
func Explain(paths []string, opts Options) ([]Detection, error) {
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits
	}
	tmp, removeTmp, err := MakeTemp(opts.TempDir, "mfagap-explain-")
	if err != nil {
		return nil, fmt.Errorf("explain: temp folder: %w", err)
	}
	defer removeTmp()
	files, skips := expand(paths, tmp, opts.Limits)
	var bar *loadProgress
	if opts.Progress != nil {
		// Each file is read through once (a CSV by its detection, a JSON
		// file by explainEncoding): a large export takes a while.
		bar = newFileProgress(opts.Progress, "explain", 1, -1, files)
		defer bar.finish()
	}
	var out []Detection
	for _, s := range skips {
		out = append(out, Detection{Path: s.display, Format: "unknown", Kind: "skipped", Reason: s.reason})
	}
	for i, f := range files {
		if bar != nil {
			bar.startFile(i, f)
		}
		d := Detection{Path: f.display, Format: "unknown", Kind: "skipped", Tenant: f.tenant}
		if d.Tenant == "" && opts.Tenant != "" {
			d.Tenant = opts.Tenant
		}
		sn, err := sniffFile(f, tmp, i)
		if err == nil {
			err = sn.checkEncoding() // as the load would, whatever reads the file
		}
		switch {
		case err != nil:
			d.Reason = fmt.Sprintf("cannot read: %v", err)
		case len(bytesTrim(sn.head)) == 0:
			d.Encoding, d.Reason = sn.encoding, "empty file: nothing to load; export it again"
		default:
			d.Encoding = sn.encoding
			d.Reason = unknownReason(sn)
			if fm := detectFormat(sn); fm != nil {
				d.Format, d.Kind, d.Reason = fm.id, fm.kind, fm.why
				if d.Reason == "" {
					d.Reason = "matched the " + fm.id + " detector"
				}
				if err := explainEncoding(sn, &d); err != nil {
					d.Reason += fmt.Sprintf("; its encoding could not be checked: %v", err)
				}
			}
		}
		out = append(out, d)
		if bar != nil {
			bar.fileDone()
		}
	}
	return out, nil
}

// explainEncoding says in d what a load of a detected file would find of
// its bytes that are not UTF-8. A CSV was read through at detection
// (fromWindows1252); a JSON file only in its first MiB, so the rest is read
// here, once (a few tenths of a second per GB), for what its load finds
// (loader.asWindows1252): a file that reads as Windows-1252 is shown as
// such, and one that does not is said to load with U+FFFD.
func explainEncoding(sn *sniff, d *Detection) error {
	if sn.encoding != "utf-8" && sn.encoding != "utf-8-bom" {
		return nil
	}
	scan, err := sn.text()
	switch {
	case err != nil || scan.utf8:
		return err
	case sn.isJSON && scan.cp1252 && sn.encoding == "utf-8": // a BOM says UTF-8
		d.Encoding = "windows-1252"
		d.Reason += "; bytes that are not UTF-8 past its first MiB: its load finds them, then reads the file again as Windows-1252"
	case sn.isJSON:
		d.Reason += "; holds bytes that are not UTF-8: the records holding them load with U+FFFD in their place"
	default:
		d.Reason += "; holds bytes that are not UTF-8: the lines holding them are rejected"
	}
	return nil
}
