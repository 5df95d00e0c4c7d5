// Package queries holds the checks: one SQL file per check under checks/,
// with a metadata header of "-- key: value" comment lines, embedded in the
// binary. A check queries only the canonical tables that package ingest fills.
package queries
