package ingest

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

//go:embed side_register.sql
var sideRegisterSQL string

func init() {
	register(&format{
		id:       "register-csv",
		why:      "CSV with an account column and at least two exception-register columns (type, approval, justification, review date, policy)",
		kind:     "register",
		priority: 40,
		detect:   func(s *sniff) bool { return !s.isJSON && isRegisterHeader(s.header) },
		side:     registerCSV,
	})
	register(&format{
		id:       "register-xlsx",
		why:      "Excel workbook with a sheet whose header has an account column and exception-register columns",
		kind:     "register",
		priority: 1,
		detect:   isXLSX,
		side:     registerCSV, // its rows take the CSV's path (rewriteXLSX)
	})
}

// oleMagic starts a Compound File: an encrypted (password-protected) OOXML
// workbook, or an old binary .xls.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

func isXLSX(s *sniff) bool {
	if !strings.HasSuffix(s.name, ".xlsx") && !strings.HasSuffix(s.name, ".xlsm") {
		return false
	}
	// Neither magic looks like UTF-16 to the sniffer, so head is the file's.
	return bytes.HasPrefix(s.head, []byte("PK\x03\x04")) || bytes.HasPrefix(s.head, oleMagic)
}

// registerCSV loads exception registers, CSV and XLSX.
var registerCSV = &sideCSV{layout: "register", sql: sideRegisterSQL, main: "register_entries",
	dateFields: []string{"approved_on", "review_on"},
	vars: func(header []string, xlsx bool) string {
		return fmt.Sprintf("set variable register_layout = %s; set variable rec_label = %s",
			quote(registerLayout(header)), quote(registerLabel(xlsx)))
	},
	after: func(ctx context.Context, l *loader, f sideFile) error {
		return l.registerRepeats(ctx, f.src, registerLabel(f.xlsx))
	},
}

// registerLayout is "msp" for a governance register (a tenant and a policy
// column, or an "excluded …" account column), else "account".
func registerLayout(header []string) string {
	got, _ := headerFields("register", header)
	if i, ok := got["account"]; ok && strings.HasPrefix(squash(header[i]), "excluded") {
		return "msp"
	} else if _, ok := got["tenant"]; ok {
		if _, ok := got["policy"]; ok {
			return "msp"
		}
	}
	return "account"
}

// registerLabel names a register's records: CSV lines or worksheet rows.
func registerLabel(xlsx bool) string {
	if xlsx {
		return "row"
	}
	return "line"
}

// registerRepeats drops the lines of src's register that an earlier register
// of this run holds already (same tenant, account, exception, policy,
// control, justification, approver, dates and notes) and counts them as
// duplicates: the register kept as .xlsx and saved as .csv beside it, or
// re-saved by Excel (other bytes, so not the same content by SHA-256), gave
// every register finding twice. A line of several accounts is a repeat when
// all of them are.
func (l *loader) registerRepeats(ctx context.Context, src *source, label string) error {
	var first *string
	if err := l.db.QueryRowContext(ctx, `select min(s.path) from register_entries r
join register_entries e on `+registerSame+`
join sources s on s.source_id = e.source_id
where r.source_id = ?`, src.id).Scan(&first); err != nil || first == nil {
		return err
	}
	before := src.loaded
	if _, err := l.db.ExecContext(ctx, `delete from register_entries r where r.source_id = ?
and exists (select 1 from register_entries e where `+registerSame+`)`, src.id); err != nil {
		return err
	}
	if err := l.db.QueryRowContext(ctx, "select count(distinct source_record) from register_entries where source_id = ?", src.id).Scan(&src.loaded); err != nil {
		return err
	}
	if n := before - src.loaded; n > 0 {
		src.dupes += n
		src.note("%d %s of %s (same account, exception, approver and dates): counted as duplicates", n, plural(n, label+" repeats one", label+"s repeat those"), *first)
	}
	return nil
}

// registerSame holds when register entry e, of an earlier source, is the
// same exception as r.
const registerSame = `e.source_id < r.source_id
  and e.tenant_id = r.tenant_id and e.layout = r.layout and e.account = r.account
  and e.exception_type is not distinct from r.exception_type and e.policy is not distinct from r.policy
  and e.approved_solution is not distinct from r.approved_solution and e.justification is not distinct from r.justification
  and e.approved_by is not distinct from r.approved_by and e.approved_on is not distinct from r.approved_on
  and e.review_on is not distinct from r.review_on and e.notes is not distinct from r.notes`

// rewriteXLSX rewrites, for s (the register), the rows of the first sheet
// of src's workbook whose first rows hold a register header (SharePoint list
// exports add Item Type, Path, Modified...), as rewriteCSV does a CSV's: the
// workbook then loads as a CSV register does, alone or in a batch of
// registers of either format.
func (l *loader) rewriteXLSX(ctx context.Context, s *sideCSV, src *source) (sideFile, error) {
	head, err := readHead(src.file.disk, 8)
	if err != nil {
		return sideFile{}, err
	}
	if bytes.Equal(head, oleMagic) {
		return sideFile{}, fmt.Errorf("%s is password-protected (encrypted) or an old .xls workbook; export it unprotected as .xlsx or CSV", src.file.display)
	}
	f, err := excelize.OpenFile(src.file.disk, excelize.Options{RawCellValue: true})
	if err != nil {
		return sideFile{}, fmt.Errorf("not a readable XLSX workbook: %w", err)
	}
	defer f.Close()
	for _, sheet := range f.GetSheetList() {
		all, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			return sideFile{}, fmt.Errorf("sheet %q: %w", sheet, err)
		}
		for i := 0; i < len(all) && i < 10; i++ {
			if isRegisterHeader(all[i]) {
				src.note("sheet %q, header on row %d", sheet, i+1)
				return l.writeSide(ctx, s, src, &sliceRows{rows: all, i: i + 1}, all[i], true)
			}
		}
	}
	return sideFile{}, fmt.Errorf("no sheet has an exception register header (an account column and exception type, approved solution, justification, approver or review date)")
}

// sliceRows yields XLSX rows with their 1-based row numbers.
type sliceRows struct {
	rows [][]string
	i    int
}

func (s *sliceRows) next() (int64, []string, error) {
	if s.i >= len(s.rows) {
		return 0, nil, io.EOF
	}
	s.i++
	return int64(s.i), s.rows[s.i-1], nil
}
