// Package bench measures mfagap against the DuckDB engine it is built on: the
// floor (DuckDB's own CREATE TABLE AS SELECT * FROM read_csv/read_json on the
// same file, same settings, fresh database), ingest, analyze and the full
// report. Each phase runs in its own child process so that its peak resident
// memory (VmHWM) is its own. See issue 5, the README's Performance section and docs/performance.md.
package bench
