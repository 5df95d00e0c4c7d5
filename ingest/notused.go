package ingest

import (
	"bytes"
	"encoding/json"
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
	var schema, format string
	_ = json.Unmarshal(sn.keys["schema"], &schema)
	_ = json.Unmarshal(sn.keys["format"], &format)
	head := bytes.TrimLeft(sn.head, " \t\r\n")
	lower := bytes.ToLower(head[:min(len(head), 4096)])
	const output = ": an output of mfagap, not an export; not read"
	switch {
	case strings.HasPrefix(schema, "mfagap/findings"):
		return "mfagap's own findings JSON (--json)" + output
	case format == "mfagap-parquet":
		return "the manifest of a Parquet folder mfagap wrote (ingest --parquet); give the folder itself as an input to read its tables"
	case len(sn.norm) >= 5 && strings.Join(sn.norm[:5], ",") == "check_id,severity,tenant_id,subject,reason":
		return "mfagap's own findings CSV (--csv)" + output
	case bytes.HasPrefix(head, []byte("# mfagap findings")):
		return "mfagap's own Markdown report (--md)" + output
	case bytes.HasPrefix(lower, []byte("<!doctype html")) || bytes.HasPrefix(lower, []byte("<html")):
		if bytes.Contains(lower, []byte(`<meta name="generator" content="mfagap`)) {
			return "mfagap's own HTML report" + output
		}
		return "an HTML page, not an export: the Entra admin center and Graph give sign-ins as CSV or JSON; not read"
	case bytes.HasPrefix(head, []byte("PAR1")):
		return "a Parquet file: mfagap reads Parquet only as a whole folder written by ingest --parquet (give the folder); not read"
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "a PDF document, not an export; not read"
	}
	return ""
}
