package ingest

import (
	"archive/tar"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// A container is what an input holds other inputs in: an archive (zip,
// tar) or a compressed stream (gzip, bzip2, Zstandard). Exports travel as
// a ZIP from Windows, and as a .tar.gz, a .json.bz2 or a .zst from the
// Linux machine an incident responder collected them on.
type container struct {
	name string
	// exts are the file name endings that say this container, each with
	// what the name of its content ends in instead (".tgz" holds a
	// ".tar").
	exts [][2]string
	// magic tells the container by its first bytes, for a name that says
	// nothing (standard input, a pipe, a renamed file).
	magic func(head []byte) bool
	// open returns the reader of a compressed stream's content; nil for
	// an archive or a container mfagap cannot read (why says what to do).
	open func(io.Reader) (io.ReadCloser, error)
	why  string
}

var containers = []container{
	{name: "zip", exts: [][2]string{{".zip", ""}}, magic: func(h []byte) bool {
		return bytes.HasPrefix(h, []byte("PK\x03\x04")) || bytes.HasPrefix(h, []byte("PK\x05\x06"))
	}},
	{name: "tar", exts: [][2]string{{".tar", ""}}, magic: func(h []byte) bool {
		return len(h) >= 262 && bytes.Equal(h[257:262], []byte("ustar"))
	}},
	{name: "gzip", exts: [][2]string{{".tgz", ".tar"}, {".gz", ""}}, magic: func(h []byte) bool {
		return bytes.HasPrefix(h, []byte{0x1f, 0x8b})
	}, open: func(r io.Reader) (io.ReadCloser, error) { return gzip.NewReader(r) }},
	{name: "bzip2", exts: [][2]string{{".tbz2", ".tar"}, {".tbz", ".tar"}, {".bz2", ""}}, magic: func(h []byte) bool {
		// "BZh", the block size, then a block's or the end's magic.
		return len(h) >= 10 && bytes.HasPrefix(h, []byte("BZh")) && h[3] >= '1' && h[3] <= '9' &&
			(bytes.Equal(h[4:10], []byte("1AY&SY")) || bytes.Equal(h[4:10], []byte{0x17, 0x72, 0x45, 0x38, 0x50, 0x90}))
	}, open: func(r io.Reader) (io.ReadCloser, error) { return io.NopCloser(bzip2.NewReader(r)), nil }},
	{name: "Zstandard", exts: [][2]string{{".tzst", ".tar"}, {".zst", ""}}, magic: func(h []byte) bool {
		return bytes.HasPrefix(h, []byte{0x28, 0xb5, 0x2f, 0xfd})
	}, open: func(r io.Reader) (io.ReadCloser, error) {
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	}},
	{name: "xz", exts: [][2]string{{".txz", ""}, {".xz", ""}}, magic: func(h []byte) bool {
		return bytes.HasPrefix(h, []byte{0xfd, '7', 'z', 'X', 'Z', 0})
	}, why: "an xz-compressed file, which mfagap cannot expand (it reads .zip, .tar, .gz, .bz2 and .zst); expand it (xz -d) and give the result"},
	{name: "7-Zip", exts: [][2]string{{".7z", ""}}, magic: func(h []byte) bool {
		return bytes.HasPrefix(h, []byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c})
	}, why: "a 7-Zip archive, which mfagap cannot expand (it reads .zip, .tar, .gz, .bz2 and .zst); extract it and give the folder, or save it as a .zip"},
	{name: "RAR", exts: [][2]string{{".rar", ""}}, magic: func(h []byte) bool {
		return bytes.HasPrefix(h, []byte("Rar!\x1a\x07"))
	}, why: "a RAR archive, which mfagap cannot expand (it reads .zip, .tar, .gz, .bz2 and .zst); extract it and give the folder, or save it as a .zip"},
}

// officeExts are zip files that are documents, not archives of exports
// (an XLSX exception register).
var officeExts = []string{".xlsx", ".xlsm", ".docx", ".pptx", ".ods"}

// containerOf returns the container display names by its ending, else the
// one disk's first bytes show, else nil; inner is what the content is to
// be called (the name without the container's ending).
func containerOf(display, disk string) (c *container, inner string) {
	if c, inner := containerByName(display); c != nil {
		return c, inner
	}
	lower := strings.ToLower(display)
	for _, e := range officeExts {
		if strings.HasSuffix(lower, e) {
			return nil, display
		}
	}
	head, err := readHead(disk, 512)
	if err != nil {
		return nil, display
	}
	for i := range containers {
		if containers[i].magic(head) {
			return &containers[i], display
		}
	}
	return nil, display
}

// containerByName is containerOf by the name's ending alone (nil when it
// names none), for the size estimate, which opens no file.
func containerByName(display string) (c *container, inner string) {
	lower := strings.ToLower(display)
	for i := range containers {
		for _, e := range containers[i].exts {
			if strings.HasSuffix(lower, e[0]) {
				return &containers[i], display[:len(display)-len(e[0])] + e[1]
			}
		}
	}
	return nil, display
}

// expandStream writes the content of compressed stream c at disk to the
// temporary folder, within the limits, and adds it as inner.
func (e *expander) expandStream(c *container, display, disk, inner, tenant string, depth int) {
	f, err := os.Open(disk)
	if err != nil {
		e.skip(display, fmt.Sprintf("cannot read: %v", unwrapPathErr(err)))
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		e.skip(display, fmt.Sprintf("cannot read: %v", unwrapPathErr(err)))
		return
	}
	rd := &watchedReader{r: f}
	zr, err := c.open(rd)
	if err != nil {
		e.skip(display, fmt.Sprintf("not a valid %s stream: %v", c.name, err))
		return
	}
	defer zr.Close()
	content := &watchedReader{r: zr}
	out, err := e.spill(inner, content, st.Size())
	switch {
	case err != nil && content.err != nil && !errors.Is(err, errBomb) && errors.Is(content.err, io.ErrUnexpectedEOF):
		e.skip(display, fmt.Sprintf("a %s file cut short: it ends in the middle of its stream; the download or copy did not finish: download it again", c.name))
	case err != nil && content.err != nil && !errors.Is(err, errBomb):
		e.skip(display, fmt.Sprintf("not a valid %s stream: %v", c.name, content.err))
	case err != nil:
		e.skip(display, err.Error())
	default:
		e.add(inner, out, tenant, depth)
	}
}

// untar adds the regular files of the tar archive at disk, as unzip adds a
// zip's.
func (e *expander) untar(display, disk, tenant string, depth int) {
	f, err := os.Open(disk)
	if err != nil {
		e.skip(display, fmt.Sprintf("cannot read: %v", unwrapPathErr(err)))
		return
	}
	defer f.Close()
	defer e.sayIfEmpty(display, emptyArchive)()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			e.skip(display, fmt.Sprintf("not a readable tar archive past its last good member: %v", err))
			return
		}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeGNUSparse:
		case tar.TypeSymlink, tar.TypeLink:
			if memberDisplay, _, ok := e.member(display, h.Name); ok {
				e.skip(memberDisplay, "archive member is a link; not followed")
			}
			continue
		default:
			continue // folders, devices, the archive's own headers
		}
		memberDisplay, clean, ok := e.member(display, h.Name)
		if !ok {
			continue
		}
		// A tar member is stored, not compressed: the run's budget bounds
		// it, the ratio limit (met by the stream it came in) does not.
		out, err := e.spill(memberDisplay, tr, h.Size)
		if err != nil {
			e.skip(memberDisplay, err.Error())
			continue
		}
		e.addMember(memberDisplay, out, clean, tenant, depth)
	}
}

// member vets an archive member's name: it says what the member is to be
// called and its clean path, or, for a path leaving the archive (skipped,
// with a word) or a hidden or macOS resource file (skipped silently), not
// ok.
func (e *expander) member(display, name string) (memberDisplay, clean string, ok bool) {
	memberDisplay = display + "!/" + name
	clean = path.Clean(strings.ReplaceAll(name, `\`, "/"))
	if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		e.skip(memberDisplay, "archive member path leaves the archive (zip slip); refused")
		return memberDisplay, clean, false
	}
	base := path.Base(clean)
	if strings.HasPrefix(base, ".") || strings.HasPrefix(clean, "__MACOSX/") {
		return memberDisplay, clean, false
	}
	return memberDisplay, clean, true
}

// addMember adds an expanded member, taking the tenant its path inside the
// archive names, if any.
func (e *expander) addMember(memberDisplay, disk, clean, tenant string, depth int) {
	if t := tenantFromPath(".", clean); t != "" {
		tenant = t
	}
	e.add(memberDisplay, disk, tenant, depth)
}
