// Package ingest detects the format of Entra ID exports by their content and
// loads them into the canonical DuckDB tables described in docs/schema.md:
// signins, signin_auth_steps, signin_ca_policies, sources and rejected_rows.
//
// Every input row is accounted for: for each source,
// rows_read = rows_loaded + rows_rejected + rows_duplicate, and each rejected
// row is kept in rejected_rows with its record number, reason and raw text.
package ingest
