package ingest

import "strings"

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
