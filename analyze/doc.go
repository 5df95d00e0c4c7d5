// Package analyze runs the embedded checks against the canonical tables that
// package ingest loaded, and builds the findings contract (mfagap/findings/v1)
// that every report writer renders.
package analyze
