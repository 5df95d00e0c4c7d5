package queries

import "embed"

// FS holds the embedded checks.
//
//go:embed checks/*.sql
var FS embed.FS
