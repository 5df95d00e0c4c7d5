package ingest

import (
	"archive/zip"
	"fmt"
	"io/fs"
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
// (2.8 GB estimated) there while 10 M (28 GB) goes to a file.
const (
	csvTableFactor     = 1.5
	jsonTableFactor    = 0.6
	parquetTableFactor = 10
	gzipRatio          = 8 // text exports compress about eightfold
)

// EstimateTableBytes estimates the memory the inputs at paths take once
// loaded into uncompressed in-memory tables, from their sizes and names
// alone (nothing is read or expanded): folders are walked, .zip members
// counted at their uncompressed size, .gz files at gzipRatio times theirs,
// Parquet files (a folder written by WriteParquet too) at parquetTableFactor. Paths
// that cannot be read count as 0; the loader reports them.
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
	case strings.HasSuffix(lower, ".gz"):
		return nameFactor(strings.TrimSuffix(lower, ".gz")) * float64(size) * gzipRatio
	}
	return nameFactor(lower) * float64(size)
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
