package reports

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/mfagap/mfagap/analyze"
)

// csvHeader names the columns of WriteCSV.
var csvHeader = []string{"check_id", "severity", "tenant_id", "subject", "reason", "events", "first_seen", "last_seen", "details"}

// WriteCSV writes one row per finding, checks in id order, with a header
// row. details is the compact JSON of the finding's evidence columns. Cells
// that a spreadsheet would run as a formula get a leading ' (OWASP "CSV
// injection").
func WriteCSV(w io.Writer, r *analyze.Result) error {
	n := normalise(r)
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("write csv header: %w", err)
	}
	for _, c := range n.Checks {
		for _, f := range c.Findings {
			details, err := compactJSON(f.Details)
			if err != nil {
				return fmt.Errorf("csv details of %s %s: %w", c.ID, f.Subject, err)
			}
			row := []string{
				c.ID, c.Severity, f.TenantID, f.Subject, f.Reason,
				strconv.FormatInt(f.Events, 10),
				f.FirstSeen.Format(time.RFC3339Nano),
				f.LastSeen.Format(time.RFC3339Nano),
				details,
			}
			for i := range row {
				row[i] = csvCell(row[i])
			}
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("write csv row: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// csvCell prefixes ' to a cell that starts with a character spreadsheets
// treat as the start of a formula.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// compactJSON encodes v on one line without HTML escaping (the CSV is not
// HTML) and without the trailing newline.
func compactJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}
