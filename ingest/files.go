package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Limits bound what archives may expand to (zip bombs).
type Limits struct {
	// MaxExpandedBytes caps the bytes written when expanding archives in one run.
	MaxExpandedBytes int64
	// MaxRatio caps expanded size / compressed size for one archive member.
	MaxRatio int64
	// MaxDepth caps archives nested inside archives.
	MaxDepth int
}

// DefaultLimits are generous for real exports and still stop a zip bomb.
var DefaultLimits = Limits{MaxExpandedBytes: 64 << 30, MaxRatio: 1000, MaxDepth: 4}

// inputFile is one file to detect and load.
type inputFile struct {
	display string // what the user sees: the path given, or archive.zip!/member
	disk    string // where its bytes are on disk (a temp file for archive members)
	tenant  string // tenant hint from a folder-per-tenant layout, if any
}

// skipped is an input that was not loaded, with the reason a user can act on.
type skipped struct {
	display string
	reason  string
}

type expander struct {
	tmp      string
	limits   Limits
	expanded int64
	files    []inputFile
	skipped  []skipped
	seq      int
}

// expand turns the command-line paths into files: folders are walked
// recursively, .zip archives are read in place (nested ones too) and .gz files
// are decompressed to the temp directory.
func expand(paths []string, tmp string, limits Limits) ([]inputFile, []skipped) {
	e := &expander{tmp: tmp, limits: limits}
	for _, p := range paths {
		if p == "-" {
			e.stream(StdinName, os.Stdin)
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			e.skip(p, fmt.Sprintf("cannot read: %v", unwrapPathErr(err)))
			continue
		}
		switch {
		case info.IsDir():
			e.walk(p)
		case !info.Mode().IsRegular():
			// A pipe or a device given by name: a shell's process
			// substitution (<(unzip -p export.zip)), /dev/stdin.
			f, err := os.Open(p)
			if err != nil {
				e.skip(p, fmt.Sprintf("cannot read: %v", unwrapPathErr(err)))
				continue
			}
			e.stream(p, f)
			f.Close()
		default:
			e.add(p, p, "", 0)
		}
	}
	sort.SliceStable(e.files, func(i, j int) bool { return e.files[i].display < e.files[j].display })
	sort.SliceStable(e.skipped, func(i, j int) bool { return e.skipped[i].display < e.skipped[j].display })
	return e.files, e.skipped
}

func (e *expander) skip(display, reason string) {
	e.skipped = append(e.skipped, skipped{display: validUTF8(display), reason: validUTF8(reason)})
}

// validUTF8 makes a file or member name fit for the database: names are
// bytes on Linux and in zip archives, and DuckDB refuses a string that is not
// UTF-8, which stopped the whole run (found by FuzzTimeMacro, issue 6).
func validUTF8(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// parquetInside is the skip reason of a Parquet folder mfagap wrote met
// while walking an input folder (ingest --parquet into the engagement
// folder). Reading it there would add an earlier load's tables to the
// exports it may have come from; it is read only when given by name.
const parquetInside = "a Parquet folder mfagap wrote (ingest --parquet), met inside an input folder: not read there; give it as an input of its own to read its tables"

func (e *expander) walk(root string) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		e.skip(root, fmt.Sprintf("cannot read: %v", unwrapPathErr(err)))
		return
	}
	before := len(e.files) + len(e.skipped)
	defer func() {
		if len(e.files)+len(e.skipped) == before {
			e.skip(root, "empty folder: no files to load (hidden files and folders are not read); check the path")
		}
	}()
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			e.skip(p, fmt.Sprintf("cannot read: %v", unwrapPathErr(err)))
			return nil
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			if p != root && IsParquetDir(p) {
				e.skip(p, parquetInside)
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := filepath.EvalSymlinks(p)
			if err != nil {
				e.skip(p, "broken symbolic link")
				return nil
			}
			if rel, err := filepath.Rel(realRoot, target); err != nil || strings.HasPrefix(rel, "..") {
				e.skip(p, "symbolic link points outside the input folder; not followed")
				return nil
			}
			if info, err := os.Stat(target); err != nil || !info.Mode().IsRegular() {
				e.skip(p, "symbolic link to something that is not a regular file; not followed")
				return nil
			}
		} else if !d.Type().IsRegular() {
			e.skip(p, "not a regular file")
			return nil
		}
		e.add(p, p, tenantFromPath(root, p), 0)
		return nil
	})
}

// tenantFromPath reads a folder-per-tenant layout: root/<tenant>/... where
// <tenant> looks like a tenant id (GUID) or a domain.
func tenantFromPath(root, p string) string {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return ""
	}
	parts := strings.Split(filepath.ToSlash(rel), "/")
	for _, part := range parts[:len(parts)-1] {
		if looksLikeTenant(part) {
			return strings.ToLower(part)
		}
	}
	return ""
}

func looksLikeTenant(s string) bool {
	if isGUID(s) {
		return true
	}
	ls := strings.ToLower(s)
	return strings.HasSuffix(ls, ".onmicrosoft.com")
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}

func (e *expander) add(display, disk, tenant string, depth int) {
	lower := strings.ToLower(display)
	switch {
	case strings.HasSuffix(lower, ".zip"):
		if depth >= e.limits.MaxDepth {
			e.skip(display, fmt.Sprintf("archive nested more than %d levels deep; not expanded", e.limits.MaxDepth))
			return
		}
		e.unzip(display, disk, tenant, depth+1)
	case strings.HasSuffix(lower, ".gz"):
		f, err := os.Open(disk)
		if err != nil {
			e.skip(display, fmt.Sprintf("cannot read: %v", unwrapPathErr(err)))
			return
		}
		defer f.Close()
		st, _ := f.Stat()
		zr, err := gzip.NewReader(f)
		if err != nil {
			e.skip(display, fmt.Sprintf("not a valid gzip file: %v", err))
			return
		}
		inner := strings.TrimSuffix(display, display[len(display)-3:])
		out, err := e.spill(inner, zr, st.Size())
		if err != nil {
			e.skip(display, err.Error())
			return
		}
		e.add(inner, out, tenant, depth)
	default:
		e.files = append(e.files, inputFile{display: validUTF8(display), disk: disk, tenant: validUTF8(tenant)})
	}
}

func (e *expander) unzip(display, disk, tenant string, depth int) {
	zr, err := zip.OpenReader(disk)
	if err != nil {
		e.skip(display, fmt.Sprintf("not a readable zip archive: %v", err))
		return
	}
	defer zr.Close()
	for _, m := range zr.File {
		name := m.Name
		if m.FileInfo().IsDir() {
			continue
		}
		memberDisplay := display + "!/" + name
		clean := path.Clean(strings.ReplaceAll(name, `\`, "/"))
		if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
			e.skip(memberDisplay, "archive member path leaves the archive (zip slip); refused")
			continue
		}
		if m.Mode()&fs.ModeSymlink != 0 {
			e.skip(memberDisplay, "archive member is a symbolic link; not followed")
			continue
		}
		base := path.Base(clean)
		if strings.HasPrefix(base, ".") || strings.HasPrefix(clean, "__MACOSX/") {
			continue
		}
		rc, err := m.Open()
		if err != nil {
			e.skip(memberDisplay, fmt.Sprintf("cannot read archive member: %v", err))
			continue
		}
		out, err := e.spill(memberDisplay, rc, int64(m.CompressedSize64))
		rc.Close()
		if err != nil {
			e.skip(memberDisplay, err.Error())
			continue
		}
		memberTenant := tenant
		if t := tenantFromPath(".", clean); t != "" {
			memberTenant = t
		}
		e.add(memberDisplay, out, memberTenant, depth)
	}
}

var errBomb = errors.New("expansion limit")

// spill copies an archive member to the temp folder within the limits.
func (e *expander) spill(display string, r io.Reader, compressed int64) (string, error) {
	e.seq++
	name := filepath.Join(e.tmp, fmt.Sprintf("member-%06d%s", e.seq, safeExt(display)))
	f, err := os.Create(name)
	if err != nil {
		return "", fmt.Errorf("cannot expand archive member: %v", err)
	}
	defer f.Close()
	limit := max(e.limits.MaxExpandedBytes-e.expanded, 0)
	why := fmt.Sprintf("the %d bytes left of the run's expansion limit (%d bytes)", limit, e.limits.MaxExpandedBytes)
	if e.limits.MaxRatio > 0 {
		if byRatio := (compressed + 1024) * e.limits.MaxRatio; byRatio < limit {
			limit = byRatio
			why = fmt.Sprintf("%d bytes, %d times its compressed size (compression ratio limit)", limit, e.limits.MaxRatio)
		}
	}
	n, err := io.Copy(f, io.LimitReader(r, limit+1))
	e.expanded += n
	if err != nil {
		return "", fmt.Errorf("cannot expand archive member: %v", err)
	}
	if n > limit {
		// A refused member does not use up the budget of the members after it.
		e.expanded -= n
		f.Truncate(0)
		return "", fmt.Errorf("archive member expands beyond %s; possible zip bomb, not loaded — raise the limit only for a trusted archive", why)
	}
	return name, nil
}

// StdinName is how the input "-" (standard input) is named.
const StdinName = "(standard input)"

// stream copies an input that can be read only once (standard input, a
// pipe) into a file of the run's temporary folder, and adds that file: the
// load reads each file several times (detection, DuckDB's read, the
// digest), and a pipe read a second time is empty, which left such an input
// loaded with nothing and no word said. A stream that starts as a gzip
// file is expanded on the way; one that starts as a zip archive is read as
// one.
func (e *expander) stream(display string, r io.Reader) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, _ := br.Peek(4)
	var src io.Reader = br
	zipped := bytes.HasPrefix(magic, []byte("PK\x03\x04"))
	gzipped := bytes.HasPrefix(magic, []byte{0x1f, 0x8b})
	if gzipped {
		zr, err := gzip.NewReader(br)
		if err != nil {
			e.skip(display, fmt.Sprintf("not a valid gzip stream: %v", err))
			return
		}
		src = zr
	}
	e.seq++
	name := filepath.Join(e.tmp, fmt.Sprintf("stream-%06d", e.seq))
	if zipped {
		name += ".zip"
	}
	f, err := os.Create(name)
	if err != nil {
		e.skip(display, fmt.Sprintf("cannot copy it to the temporary folder: %v", err))
		return
	}
	rd := &watchedReader{r: src}
	_, err = io.Copy(f, rd)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil && rd.err != nil && gzipped: // reading, not writing, failed
		e.skip(display, fmt.Sprintf("not a valid gzip stream: %v", err))
	case err != nil:
		e.skip(display, fmt.Sprintf("cannot read it whole into the temporary folder: %v", err))
	case zipped:
		e.unzip(display, name, "", 1)
	default:
		e.files = append(e.files, inputFile{display: validUTF8(display), disk: name})
	}
}

func safeExt(display string) string {
	ext := strings.ToLower(path.Ext(display))
	if len(ext) > 8 || strings.ContainsAny(ext, `/\'" `) {
		return ""
	}
	return ext
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
