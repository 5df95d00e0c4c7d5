package ingest

import (
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/klauspost/compress/zstd"
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

// sayIfEmpty returns a function that, called when a folder or an archive
// has been read, skips it with why if it added no file and no skip: an
// empty archive was dropped without a word, and the folder holding it
// called empty.
func (e *expander) sayIfEmpty(display, why string) func() {
	before := len(e.files) + len(e.skipped)
	return func() {
		if len(e.files)+len(e.skipped) == before {
			e.skip(display, why)
		}
	}
}

const emptyArchive = "empty archive: no files in it (folders, hidden files and macOS resource files are not read)"

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
	defer e.sayIfEmpty(root, "empty folder: no files to load (hidden files and folders are not read); check the path")()
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			e.skip(p, fmt.Sprintf("cannot read: %v", unwrapPathErr(err)))
			return nil
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			if p != root && isTempFolder(p) {
				return fs.SkipDir // a run's own working folder: --temp-dir inside an input folder
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
	for i := range len(s) {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

func (e *expander) add(display, disk, tenant string, depth int) {
	c, inner := containerOf(display, disk)
	switch {
	case c == nil:
		e.files = append(e.files, inputFile{display: validUTF8(display), disk: disk, tenant: validUTF8(tenant)})
	case c.why != "":
		e.skip(display, c.why)
	case depth >= e.limits.MaxDepth:
		// Compressed streams count too: a gzip file can hold itself.
		e.skip(display, fmt.Sprintf("archive nested more than %d levels deep; not expanded", e.limits.MaxDepth))
	case c.open != nil:
		e.expandStream(c, display, disk, inner, tenant, depth+1)
	case c.name == "tar":
		e.untar(display, disk, tenant, depth+1)
	default:
		e.unzip(display, disk, tenant, depth+1)
	}
}

func (e *expander) unzip(display, disk, tenant string, depth int) {
	zr, err := zip.OpenReader(disk)
	if err != nil {
		why := fmt.Sprintf("not a readable zip archive: %v", err)
		if head, herr := readHead(disk, 4); herr == nil && bytes.HasPrefix(head, []byte("PK\x03\x04")) && errors.Is(err, zip.ErrFormat) {
			// Members up front, no table of contents at the end.
			why = "a zip archive cut short: it starts as one but its table of contents, written last, is missing; the download or copy did not finish: download it again"
		}
		e.skip(display, why)
		return
	}
	defer zr.Close()
	defer e.sayIfEmpty(display, emptyArchive)()
	zr.RegisterDecompressor(zipBzip2, func(r io.Reader) io.ReadCloser { return io.NopCloser(bzip2.NewReader(r)) })
	zr.RegisterDecompressor(zipZstd, zstd.ZipDecompressor(zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true)))
	for _, m := range zr.File {
		if m.FileInfo().IsDir() {
			continue
		}
		memberDisplay, clean, ok := e.member(display, m.Name)
		if !ok {
			continue
		}
		if m.Mode()&fs.ModeSymlink != 0 {
			e.skip(memberDisplay, "archive member is a symbolic link; not followed")
			continue
		}
		if why := unreadableMember(m); why != "" {
			e.skip(memberDisplay, why)
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
		e.addMember(memberDisplay, out, clean, tenant, depth)
	}
}

// Zip compression methods beyond Store and Deflate: the two read
// (7-Zip and WinZip offer them) and the others named when refused.
const (
	zipBzip2 = 12
	zipZstd  = 93
)

var zipMethods = map[uint16]string{9: "Deflate64", 14: "LZMA", 95: "XZ", 98: "PPMd", 99: "AES encryption"}

// unreadableMember says why an archive member cannot be read, before a read
// that would fail with a decompressor's message ("flate: corrupt input
// before offset 9" for a password-protected member), or "".
func unreadableMember(m *zip.File) string {
	if m.Flags&0x1 != 0 {
		return "archive member is encrypted (a password-protected zip); extract it with its password and give the folder"
	}
	switch m.Method {
	case zip.Store, zip.Deflate, zipBzip2, zipZstd:
		return ""
	}
	name := zipMethods[m.Method]
	if name == "" {
		name = fmt.Sprintf("method %d", m.Method)
	}
	return fmt.Sprintf("archive member is compressed with %s, which mfagap cannot expand (it reads Store, Deflate, bzip2 and Zstandard); extract the archive and give the folder, or zip it again with Deflate", name)
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
// loaded with nothing and no word said. Its first bytes then tell a
// compressed stream or an archive (containerOf), as they do for any file
// whose name does not.
func (e *expander) stream(display string, r io.Reader) {
	e.seq++
	name := filepath.Join(e.tmp, fmt.Sprintf("stream-%06d", e.seq))
	f, err := os.Create(name)
	if err != nil {
		e.skip(display, fmt.Sprintf("cannot copy it to the temporary folder: %v", err))
		return
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		e.skip(display, fmt.Sprintf("cannot read it whole into the temporary folder: %v", err))
		return
	}
	e.add(display, name, "", 0)
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
