package ingest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
)

// Bytes of DuckDB's in-memory tables per byte of input, by kind of file
// (issue 5, measured on mfagap gen exports): 10 M portal CSV sign-ins are
// 8.5 GB on disk and about 13 GB in uncompressed tables; Parquet is
// compressed about tenfold. 1 M Graph JSON sign-ins are 4.7 GB, most of it
// JSON syntax and nested text that goes to the stage database (on disk
// whatever the storage); their sign-ins (1.3 GB), authentication steps and
// CA policy results (a row per policy per sign-in) fit a 3 GiB limit (peak
// RSS 2.9 GB in memory). Both ways cost about the same there: a plain
// ingest, interleaved, 40.5 and 45.3 s in memory against 49.3 and 41.9 s in
// a file (1.2 GB). 0.6 estimates what stays in memory, and keeps 1 M
// (2.8 GB estimated) there while 10 M (28 GB) goes to a file. (Since the
// policy results are kept once each, signin_ca_policies a view, 1 M Graph or
// diagnostic sign-ins peak at 1.9-2.0 GB in memory; the factors stay, on
// the safe side.)
//
// Diagnostic-settings records wrap each sign-in in an envelope (category,
// resourceId, operationName, callerIpAddress, …) that stays behind: the same
// 1 M sign-ins are 5.52 GB as diagnostic NDJSON against 4.95 GB as Graph JSON,
// so such a file counts at 0.6 × 4.95 / 5.52 = 0.54. 1 M of them then load in
// memory (peak RSS 2.8-2.9 GB, 23.8-24.5 s) instead of a file (1.2-1.3 GB,
// 26.6-28.8 s, interleaved). A file is taken for one when its first 4 KiB
// name both "category" and "properties"; a wrong guess only moves the choice
// between memory and disk.
//
// A Log Analytics export to CSV (a header naming TimeGenerated) is mostly
// JSON in its cells (authentication details, policy results, device and
// location), which stays in the stage as the JSON exports' syntax does: 1 M
// sign-ins are 3.56 GB and peak at 1.84-1.88 GB loaded in memory, so such a
// file counts as JSON does (0.6), and 1 M of them load in memory (41.9,
// 48.9, 53.0 s) instead of a file (49.2, 56.2, 59.8 s; alternated, the VM
// slowing) at 1.2 GB.
const (
	csvTableFactor     = 1.5
	jsonTableFactor    = 0.6
	laCSVTableFactor   = jsonTableFactor
	diagTableFactor    = 0.54
	parquetTableFactor = 10
	gzipRatio          = 8 // text exports compress about eightfold (gzip; bzip2 and Zstandard, taken alike, more)
)

// EstimateTableBytes estimates the memory the inputs at paths take once
// loaded into uncompressed in-memory tables, from their sizes and names
// (nothing is expanded; of a plain JSON file the first 4 KiB are read to
// tell diagnostic records): folders are walked, .zip members counted at
// their uncompressed size, compressed files (.gz, .bz2, .zst) at gzipRatio
// times theirs, Parquet files (a folder written by WriteParquet too) at
// parquetTableFactor. Paths that cannot be read count as 0; the loader
// reports them.
func EstimateTableBytes(paths []string) int64 {
	var total float64
	for _, p := range paths {
		filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if info, err := d.Info(); err == nil && info.Mode().IsRegular() {
				total += fileTableBytes(path, info.Size())
			}
			return nil
		})
	}
	return int64(total)
}

// fileTableBytes estimates one file of the given size by its name.
func fileTableBytes(path string, size int64) float64 {
	lower := strings.ToLower(path)
	switch {
	case strings.HasSuffix(lower, ".zip"):
		zr, err := zip.OpenReader(path)
		if err != nil {
			return 0
		}
		defer zr.Close()
		var t float64
		for _, m := range zr.File {
			if !m.FileInfo().IsDir() {
				t += nameFactor(m.Name) * float64(m.UncompressedSize64)
			}
		}
		return t
	}
	if c, inner := containerByName(lower); c != nil && c.open != nil {
		return nameFactor(inner) * float64(size) * gzipRatio
	}
	f := nameFactor(lower)
	switch {
	case f == jsonTableFactor && diagnosticEnvelope(fileHead(path)):
		f = diagTableFactor
	case f == csvTableFactor && logAnalyticsHeader(fileHead(path)):
		f = laCSVTableFactor
	}
	return f * float64(size)
}

// fileHead is the first 4 KiB of the file at path (less when it is
// shorter; nothing when it cannot be read).
func fileHead(path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	return head[:n]
}

// diagnosticEnvelope says whether a JSON file's head starts like Azure
// Monitor's diagnostic records: "category" and "properties" in it.
func diagnosticEnvelope(head []byte) bool {
	return bytes.Contains(head, []byte(`"category"`)) && bytes.Contains(head, []byte(`"properties"`))
}

// logAnalyticsHeader says whether a CSV file's head starts like a Log
// Analytics export: its first line names TimeGenerated (in any case, as
// the la-csv format's detection takes it). The first line must end within
// the head.
func logAnalyticsHeader(head []byte) bool {
	line, _, found := bytes.Cut(head, []byte("\n"))
	return found && bytes.Contains(bytes.ToLower(line), []byte("timegenerated"))
}

func nameFactor(name string) float64 {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".tsv":
		return csvTableFactor
	case ".parquet":
		return parquetTableFactor
	case ".xlsx":
		return 1
	}
	return jsonTableFactor
}

// ParseBytes reads a memory size as DuckDB's memory_limit takes it: a
// number and a unit, B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB,
// TiB (powers of 1024), case-insensitive, spaces allowed ("2.5GB",
// "3 GiB"). A bare number is bytes.
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return !unicode.IsDigit(r) && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("memory size %q: expected a number and a unit such as 4GB or 3GiB", s)
	}
	mult := map[string]float64{
		"": 1, "b": 1, "byte": 1, "bytes": 1,
		"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
		"k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
	}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("memory size %q: unknown unit %q (expected B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)", s, unit)
	}
	return int64(v * mult), nil
}
