package ingest

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
)

// notUsed lists exports that collection tools write beside the sign-in logs
// and that mfagap recognises but does not read, so the skip message says what
// the file is instead of "unknown format". Fields are matched
// case-insensitively, spaces ignored, against the CSV header or the members
// of the first JSON record.
var notUsed = []struct {
	what   string
	fields []string
}{
	{"an Identity Protection risk detections export (RiskyDetections): not read, sign-in risk comes from the sign-in logs' risk level during sign-in",
		[]string{"riskeventtype", "detecteddatetime", "risklevel", "userprincipalname"}},
	{"an Identity Protection risky users export (RiskyUsers): not read, sign-in risk comes from the sign-in logs' risk level during sign-in",
		[]string{"risklastupdateddatetime", "risklevel", "riskstate", "userprincipalname"}},
	{"a lookup table of sign-in error codes (ErrorCode, Status, Message, as Microsoft-Analyzer-Suite's Config/Status.csv): not an export, not read",
		[]string{"errorcode", "status", "message"}},
	{"a lookup table (a value and its description, as Microsoft-Analyzer-Suite's Config/UserType.csv and TrustType.csv): not an export, not read",
		[]string{"value", "description"}},
	{"Conditional Access per-policy results without their sign-ins (ConditionalAccessPolicies expanded one row per policy): not read; export the sign-ins with their ConditionalAccessPolicies column instead",
		[]string{"policyid", "result", "conditionssatisfied", "requestid"}},
}

// notUsedReason names a recognised export mfagap does not read, or "".
func notUsedReason(sn *sniff) string {
	have := map[string]bool{}
	for k := range sn.keys {
		have[foldField(k)] = true
	}
	for _, h := range sn.header {
		have[foldField(h)] = true
	}
	for _, n := range notUsed {
		all := true
		for _, f := range n.fields {
			all = all && have[f]
		}
		if all {
			return "recognised as " + n.what
		}
	}
	return ""
}

// foldField is normHeader without the spaces ("Risk Level" = "riskLevel").
func foldField(s string) string {
	return strings.ReplaceAll(normHeader(s), " ", "")
}

// ownOutputReason names a file mfagap itself writes (a report, findings, a
// Parquet folder's parts) or a kind of document no export is, by its
// content, or "". Consultants keep the report beside the exports, so the
// next run over that folder meets it: "CSV header \"<!DOCTYPE html>\"" said
// nothing useful.
func ownOutputReason(sn *sniff) string {
	if what := ownOutput(sn); what != "" {
		return "mfagap's own " + what + ": an output of mfagap, not an export; not read"
	}
	var format string
	_ = json.Unmarshal(sn.keys["format"], &format)
	head, lower := textHead(sn)
	switch {
	case format == "mfagap-parquet":
		return "the manifest of a Parquet folder mfagap wrote (ingest --parquet); give the folder itself as an input to read its tables"
	case htmlPage(lower):
		return "an HTML page, not an export: the Entra admin center and Graph give sign-ins as CSV or JSON; not read"
	case bytes.HasPrefix(head, []byte("PAR1")):
		return "a Parquet file: mfagap reads Parquet only as a whole folder written by ingest --parquet (give the folder); not read"
	}
	for _, d := range documents {
		if (len(d.magic) > 0 && bytes.HasPrefix(sn.head, d.magic)) || (d.ext != "" && strings.HasSuffix(sn.name, d.ext)) {
			return d.what + ", not an export; not read"
		}
	}
	return ""
}

// documents are files found beside exports (in a Downloads folder, an
// engagement folder) that are no export, by their first bytes or name.
var documents = []struct {
	magic []byte
	ext   string
	what  string
}{
	{[]byte("%PDF-"), ".pdf", "a PDF document"},
	{[]byte("\x89PNG\r\n\x1a\n"), ".png", "an image (PNG)"},
	{[]byte("\xff\xd8\xff"), ".jpg", "an image (JPEG)"},
	{[]byte("GIF8"), ".gif", "an image (GIF)"},
	{[]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), ".doc", "an Office 97-2003 document (Word, Excel .xls, Outlook .msg: save a register as .xlsx or CSV)"},
	{nil, ".docx", "a Word document"},
	{nil, ".pptx", "a PowerPoint presentation"},
	{nil, ".jpeg", "an image (JPEG)"},
}

// textHead is the sniffed head without leading white space, and its first
// 4 KiB lower-cased.
func textHead(sn *sniff) (head, lower []byte) {
	head = bytes.TrimLeft(sn.head, " \t\r\n")
	return head, bytes.ToLower(head[:min(len(head), 4096)])
}

// htmlPage says whether a lower-cased head starts an HTML page.
func htmlPage(lower []byte) bool {
	return bytes.HasPrefix(lower, []byte("<!doctype html")) || bytes.HasPrefix(lower, []byte("<html"))
}

// findingsHead is how the findings JSON starts, for one whose first object
// does not end in the first MiB sniffed (a large tenant's).
var findingsHead = regexp.MustCompile(`^\{\s*"schema"\s*:\s*"mfagap/findings`)

// ownOutput names the report or findings file of mfagap's that sn is
// ("HTML report", …), or "".
func ownOutput(sn *sniff) string {
	var schema string
	_ = json.Unmarshal(sn.keys["schema"], &schema)
	head, lower := textHead(sn)
	switch {
	case strings.HasPrefix(schema, "mfagap/findings") || findingsHead.Match(head):
		return "findings JSON (--json)"
	case len(sn.norm) >= 5 && strings.Join(sn.norm[:5], ",") == "check_id,severity,tenant_id,subject,reason":
		return "findings CSV (--csv)"
	case bytes.HasPrefix(head, []byte("# mfagap findings")):
		return "Markdown report (--md)"
	case htmlPage(lower) && bytes.Contains(lower, []byte(`<meta name="generator" content="mfagap`)):
		return "HTML report"
	}
	return ""
}

// OwnOutput names the report or findings file of mfagap's at path ("HTML
// report", …), or "" for any other file, read or not. The CLI asks it before
// writing an output over a file in an input folder.
func OwnOutput(path string) string {
	head, err := readHead(path, sniffBytes)
	if err != nil {
		return ""
	}
	s := &sniff{head: bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})}
	if t := bytes.TrimLeft(s.head, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		s.isJSON = true
		s.sniffJSON(t)
	} else {
		s.sniffCSV()
	}
	return ownOutput(s)
}
