package ingest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// Exports come compressed and archived in the shapes Linux and 7-Zip
// write, not only as .zip and .gz; each is read, by its name or, where
// the name says nothing, by its first bytes, and what cannot be read is
// named with what to do.
func TestContainers(t *testing.T) {
	rec := func(id string) []byte { return []byte("[" + graphRecord(id, "") + "]") }
	good := rec("c0")
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.MkdirAll(in, 0o755)
	put := func(name string, b []byte) string {
		p := filepath.Join(in, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	zst := func(b []byte) []byte {
		w, err := zstd.NewWriter(nil)
		if err != nil {
			t.Fatal(err)
		}
		return w.EncodeAll(b, nil)
	}
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	}
	tarball := func(id string) []byte {
		var tb bytes.Buffer
		tw := tar.NewWriter(&tb)
		for _, m := range []struct {
			name string
			body []byte
			link string
		}{
			{name: "export/signins.json", body: rec(id)},
			{name: "../../escape.json", body: good},
			{name: "export/._signins.json", body: []byte("resource fork")},
			{name: "export/link.json", link: "/etc/passwd"},
		} {
			h := &tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.body)), Typeflag: tar.TypeReg}
			if m.link != "" {
				h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, m.link, 0
			}
			tw.WriteHeader(h)
			tw.Write(m.body)
		}
		tw.Close()
		return tb.Bytes()
	}

	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	zw.RegisterCompressor(zipZstd, zstd.ZipCompressor())
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "zstd.json", Method: zipZstd})
	w.Write(rec("c4"))
	// A password-protected member: the flag set, its bytes not Deflate.
	w, _ = zw.CreateRaw(&zip.FileHeader{Name: "secret.json", Method: zip.Deflate, Flags: 0x1,
		CRC32: crc32.ChecksumIEEE(good), CompressedSize64: 12, UncompressedSize64: uint64(len(good))})
	w.Write([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b"))
	zw.Close()

	// A gzip stream holding a gzip stream… five deep: each layer counts
	// towards the nesting limit, so a gzip file holding itself ends.
	deep := good
	for i := 0; i < 5; i++ {
		deep = gz(deep)
	}

	var empty bytes.Buffer
	zip.NewWriter(&empty).Close()
	var onlyDirs bytes.Buffer
	zw = zip.NewWriter(&onlyDirs)
	zw.Create("export/")
	zw.Create("__MACOSX/._signins.json")
	zw.Close()
	var emptyTar bytes.Buffer
	tar.NewWriter(&emptyTar).Close()
	sub := filepath.Join(in, "sub")
	os.MkdirAll(sub, 0o755)
	os.WriteFile(filepath.Join(sub, "nothing.zip"), empty.Bytes(), 0o644)

	paths := []string{
		put("empty.zip", empty.Bytes()),
		put("folders.zip", onlyDirs.Bytes()),
		put("empty.tar", emptyTar.Bytes()),
		sub,
		put("signins.json.zst", zst(rec("c1"))),
		put("export.tar", tarball("c2")),
		put("zexport.tar.zst", zst(tarball("c3"))),
		put("members.zip", zb.Bytes()),
		put("noext", gz(tarball("c5"))), // told by its bytes
		put("deep.json.gz", deep),
		put("cut.json.bz2", []byte("BZh91AY&SY\x01\x02\x03")),
		put("bad.json.bz2", append([]byte("BZh91AY&SY"), bytes.Repeat([]byte{0xff}, 200)...)),
		put("short.json.gz", gz(tarball("c6"))[:200]),
		put("export.7z", []byte("7z\xbc\xaf\x27\x1c\x00\x04rest")),
		put("signins.json.xz", []byte("\xfd7zXZ\x00rest")),
		put("renamed.dat", []byte("Rar!\x1a\x07\x01\x00rest")),
		filepath.Join("testdata", "containers", "lzma-member.zip"),
	}
	db, sum := load(t, Options{TempDir: dir, Limits: Limits{MaxExpandedBytes: 1 << 30, MaxRatio: 1000, MaxDepth: 3}}, paths...)
	checkAccounting(t, db, sum)
	for _, name := range []string{"in/signins.json", "in/export.tar!/export/signins.json", "zexport.tar!/export/signins.json",
		"members.zip!/zstd.json", "noext!/export/signins.json"} {
		if s := sourceOf(t, sum, name); s.Loaded != 1 {
			t.Errorf("%s: loaded %d, want 1 (%s: %s)", name, s.Loaded, s.Kind, s.Note)
		}
	}
	for name, want := range map[string]string{
		"export.tar!/../../escape.json": "zip slip",
		"export.tar!/export/link.json":  "is a link; not followed",
		"members.zip!/secret.json":      "encrypted (a password-protected zip)",
		"deep.json":                     "nested more than 3 levels",
		"cut.json.bz2":                  "a bzip2 file cut short",
		"bad.json.bz2":                  "not a valid bzip2 stream",
		"short.json.gz":                 "a gzip file cut short",
		"export.7z":                     "a 7-Zip archive",
		"signins.json.xz":               "an xz-compressed file",
		"renamed.dat":                   "a RAR archive",
		"lzma-member.zip!/signins.json": "compressed with LZMA",
		"in/empty.zip":                  "empty archive",
		"in/folders.zip":                "empty archive",
		"in/empty.tar":                  "empty archive",
		"sub/nothing.zip":               "empty archive",
	} {
		if n := skipNote(t, sum, name); !strings.Contains(n, want) {
			t.Errorf("%s: note %q, want %q", name, n, want)
		}
	}
	for _, s := range sum.Sources {
		if strings.HasSuffix(s.Path, "sub") {
			t.Errorf("a folder holding an empty archive was called %q", s.Note)
		}
		if strings.Contains(s.Path, "._signins") {
			t.Errorf("a macOS resource file was listed: %s", s.Path)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "escape.json")); err == nil {
		t.Error("a tar member was written outside the temporary folder")
	}
}
