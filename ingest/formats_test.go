package ingest

import (
	"path/filepath"
	"strings"
	"testing"
)

const (
	fxTenantA = "00000000-0000-0000-0000-00000000aaaa"
	fxTenantB = "00000000-0000-0000-0000-00000000bbbb"
)

// TestFormats loads each synthetic fixture alone and checks its accounting,
// format, tenant and a few mapped values (fixtures: testdata/mkfixtures.py).
func TestFormats(t *testing.T) {
	tests := []struct {
		name, path, format, tenant         string
		read, loaded, rejected, dup, ignor int64
		checks                             map[string]string // SQL → want
		note                               string
	}{
		{name: "diagnostic PT1H", path: "testdata/diagnostic/PT1H.json", format: "diagnostic-json", tenant: fxTenantA,
			read: 5, loaded: 4, rejected: 1, checks: map[string]string{
				"select string_agg(event_type, ',' order by request_id) from signins":                            "interactive,non_interactive,service_principal,managed_identity",
				"select strftime(created_at, '%Y-%m-%d %H:%M:%S.%f') from signins where request_id like '%0001'": "2025-01-02 08:04:05.123456",
				"select user_type from signins where request_id like '%0001'":                                    "member",
				"select reason from rejected_rows":                                                               "record 5: category AuditLogs is not a sign-in log",
			}},
		{name: "event hub capture", path: "testdata/diagnostic/eventhub-capture.json", format: "diagnostic-json", tenant: fxTenantB,
			read: 2, loaded: 2, checks: map[string]string{
				"select string_agg(event_type, ',' order by request_id) from signins": "service_principal,interactive",
			}},
		{name: "diagnostic audit logs only", path: "testdata/diagnostic/auditlogs-only.json", format: "diagnostic-json",
			read: 2, ignor: 2, note: "no sign-ins"},
		{name: "LA CSV", path: "testdata/la/SigninLogs_export.csv", format: "la-csv", tenant: fxTenantA,
			read: 4, loaded: 3, rejected: 1, checks: map[string]string{
				"select strftime(created_at, '%Y-%m-%d %H:%M:%S.%f') from signins where source_record = 2":                                                        "2025-03-14 13:45:17.287000",
				"select string_agg(event_type || ':' || succeeded || ':' || mfa_satisfied, ',' order by source_record) from signins":                              "interactive:true:performed,interactive:false:none,non_interactive:true:performed",
				"select user_principal_name || ' ' || ip_address || ' ' || conditional_access_status || ' ' || is_compliant from signins where source_record = 2": "bob@contoso.com 198.51.100.1 success true",
				"select policy_name || ':' || conditions_satisfied from signin_ca_policies limit 1":                                                               "CA001 Require MFA:3",
				"select source_record || ' ' || starts_with(reason, 'line 4: missing columns') from rejected_rows":                                                "4 true",
			}},
		{name: "LA CSV ambiguous dates", path: "testdata/la-ambiguous/SigninLogs_export.csv", format: "la-csv",
			read: 1, rejected: 1, note: "fit both day/month and month/day"},
		{name: "LA JSON", path: "testdata/la/AADNonInteractive.json", format: "la-json", tenant: fxTenantB,
			read: 3, loaded: 2, rejected: 1, checks: map[string]string{
				"select string_agg(event_type || ':' || error_code || ':' || conditional_access_status || ':' || mfa_satisfied, ',' order by source_record) from signins": "non_interactive:0:failure:claim,non_interactive:50076:failure:none",
				"select strftime(min(created_at), '%H:%M:%S.%f') from signins":                                                                                            "09:59:59.999999",
				"select exclude_rules_satisfied::varchar from signin_ca_policies limit 1":                                                                                 "['users:groupId']",
				"select country from signins limit 1":                                                                                                                     "DE",
			}},
		{name: "Purview audit CSV", path: "testdata/ual/purview-audit.csv", format: "ual-csv", tenant: fxTenantA,
			read: 3, loaded: 2, ignor: 1, checks: map[string]string{
				"select string_agg(succeeded || ':' || coalesce(error_code::varchar, '') || ':' || ip_address || ':' || mfa_satisfied, ',' order by source_record) from signins": "true:0:203.0.113.5:unknown,false:50126:203.0.113.5:unknown",
				"select count(*) from signins where authentication_requirement is null and client_app_used is null and conditional_access_status is null":                        "2",
				"select distinct user_principal_name || ' ' || user_agent || ' ' || event_type from signins":                                                                     "dave@contoso.com Mozilla/5.0 <b>ua</b> interactive",
			}},
		{name: "Search-UnifiedAuditLog CSV", path: "testdata/ual/Search-UnifiedAuditLog.csv", format: "ual-csv", tenant: fxTenantA,
			read: 2, loaded: 2, checks: map[string]string{
				"select string_agg(event_type || ' ' || strftime(created_at, '%Y-%m-%d %H:%M:%S'), ',' order by source_record) from signins": "non_interactive 2025-05-01 06:54:24,interactive 2025-05-13 19:22:01",
			}},
		{name: "AuditData NDJSON", path: "testdata/ual/UnifiedAuditLog.json", format: "ual-json", tenant: fxTenantA,
			read: 2, loaded: 1, ignor: 1, checks: map[string]string{"select ip_address from signins": "2001:db8::1"}},
		{name: "Goose", path: "testdata/tools/goose", format: "graph-json", tenant: fxTenantA, read: 2, loaded: 2,
			checks: map[string]string{"select string_agg(event_type, ',' order by source_record) from signins": "interactive,non_interactive"}},
		{name: "MES SOF-ELK", path: "testdata/tools/mes", format: "graph-json", tenant: fxTenantA, read: 1, loaded: 1,
			checks: map[string]string{"select strftime(created_at, '%S.%f') from signins": "00.123456"}},
		{name: "Hawk PS 5.1", path: "testdata/tools/hawk", format: "graph-json-pascal", tenant: fxTenantA, read: 1, loaded: 1,
			checks: map[string]string{
				"select created_at::varchar || ' ' || user_principal_name || ' ' || is_legacy_auth || ' ' || authentication_requirement from signins": "2025-01-02 08:00:00 erin@contoso.com true single_factor",
			}},
		{name: "UTF-8", path: "testdata/encodings/utf8.json", format: "graph-json", tenant: fxTenantA, read: 2, loaded: 2},
		{name: "UTF-8 BOM", path: "testdata/encodings/utf8-bom.json", format: "graph-json", tenant: fxTenantA, read: 2, loaded: 2},
		{name: "UTF-16LE CRLF", path: "testdata/encodings/utf16le.json", format: "graph-json", tenant: fxTenantA, read: 2, loaded: 2},
		{name: "UTF-16BE", path: "testdata/encodings/utf16be.json", format: "graph-json", tenant: fxTenantA, read: 2, loaded: 2},
		{name: "gzip", path: "testdata/containers/signins.json.gz", format: "graph-json", tenant: fxTenantA, read: 2, loaded: 2},
		{name: "nested zip", path: "testdata/containers/outer.zip", format: "graph-json", tenant: fxTenantA, read: 1, loaded: 1},
		{name: "bzip2", path: "testdata/containers/signins.json.bz2", format: "graph-json", tenant: fxTenantA, read: 2, loaded: 2},
		{name: "tar in gzip (.tgz), tenant from the member's folder", path: "testdata/containers/export.tgz", format: "graph-json", tenant: fxTenantB, read: 1, loaded: 1},
		{name: "tar in bzip2", path: "testdata/containers/export.tar.bz2", format: "graph-json", tenant: fxTenantA, read: 1, loaded: 1},
		{name: "zip member in bzip2", path: "testdata/containers/bzip2-member.zip", format: "graph-json", tenant: fxTenantA, read: 1, loaded: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, sum := load(t, Options{}, tc.path)
			if len(sum.Sources) != 1 {
				t.Fatalf("want 1 source, got %+v", sum.Sources)
			}
			s := sum.Sources[0]
			if s.Format != tc.format || s.TenantID != tc.tenant {
				t.Errorf("format %q tenant %q, want %q %q (note %q)", s.Format, s.TenantID, tc.format, tc.tenant, s.Note)
			}
			got := [5]int64{s.Read, s.Loaded, s.Rejected, s.Duplicates, s.Ignored}
			want := [5]int64{tc.read, tc.loaded, tc.rejected, tc.dup, tc.ignor}
			if got != want {
				t.Errorf("read/loaded/rejected/dup/ignored = %v, want %v; rejects %q", got, want, rejectReasons(t, db))
			}
			if !strings.Contains(s.Note, tc.note) {
				t.Errorf("note %q lacks %q", s.Note, tc.note)
			}
			for q, w := range tc.checks {
				if g := query1[string](t, db, q); g != w {
					t.Errorf("%s\n got %q\nwant %q", q, g, w)
				}
			}
		})
	}
}

// TestDedupAcrossShapes: the same sign-in in Graph JSON and a diagnostic
// archive loads once and the second copy counts as a duplicate.
func TestDedupAcrossShapes(t *testing.T) {
	db, sum := load(t, Options{}, "testdata/dedup")
	if n := query1[int64](t, db, "select count(*) from signins"); n != 2 {
		t.Errorf("signins = %d, want 2", n)
	}
	var dups int64
	for _, s := range sum.Sources {
		dups += s.Duplicates
	}
	if dups != 1 {
		t.Errorf("duplicates = %d, want 1: %+v", dups, sum.Sources)
	}
}

// TestTenantFallback: data names no tenant → --tenant, else the folder.
func TestTenantFallback(t *testing.T) {
	_, sum := load(t, Options{Tenant: "contoso.onmicrosoft.com"}, "testdata/tenants")
	want := map[string]string{"signins.json": ""}
	_ = want
	for _, s := range sum.Sources {
		dir := filepath.Base(filepath.Dir(s.Path))
		if s.TenantID != strings.ToLower(dir) {
			t.Errorf("%s: tenant %q, want the folder's %q", s.Path, s.TenantID, dir)
		}
	}
	_, sum = load(t, Options{Tenant: "Contoso.onmicrosoft.com"}, "testdata/tenants/"+fxTenantB+"/signins.json")
	if got := sum.Sources[0].TenantID; got != "contoso.onmicrosoft.com" {
		t.Errorf("tenant %q, want the --tenant value", got)
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		ord  dayOrder
		want string
	}{
		{"2025-01-02T03:04:05.1234567-05:00", orderUnknown, "2025-01-02T08:04:05.123456Z"},
		{"2026-01-24T06:54:24.0000000Z ", orderUnknown, "2026-01-24T06:54:24Z"},
		{"2023-09-26T01:51:13", orderUnknown, "2023-09-26T01:51:13Z"},
		{"/Date(1700000000000)/", orderUnknown, "2023-11-14T22:13:20Z"},
		{"9/19/2023, 1:45:17.287 PM", orderUnknown, "2023-09-19T13:45:17.287Z"},
		{"9/26/2023 12:51:13 AM", orderUnknown, "2023-09-26T00:51:13Z"},
		{"3/12/2025 7:22:01 AM", orderDayFirst, "2025-12-03T07:22:01Z"},
		{"3/12/2025 7:22:01 AM", orderMonthFirst, "2025-03-12T07:22:01Z"},
		{"3/12/2025 7:22:01 AM", orderUnknown, ""},
		{"26.09.2023 01:51:13", orderUnknown, "2023-09-26T01:51:13Z"},
		{"2/30/2025 1:00:00 AM", orderMonthFirst, ""},
	}
	for _, tc := range tests {
		got, err := parseTime(tc.in, tc.ord)
		g := ""
		if err == nil {
			g = isoTime(got)
		}
		if g != tc.want {
			t.Errorf("parseTime(%q, %v) = %q (%v), want %q", tc.in, tc.ord, g, err, tc.want)
		}
	}
	var v dateVote
	for _, s := range []string{"3/4/2025 1:00:00 AM", "3/14/2025 1:00:00 AM"} {
		v.observe(s)
	}
	if o, _ := v.order(); o != orderMonthFirst {
		t.Errorf("vote = %v, want month/day", o)
	}
}

func TestExplain(t *testing.T) {
	got, err := Explain([]string{"testdata/diagnostic/PT1H.json", "testdata/ual", "testdata/encodings/utf16le.json", "testdata/mkfixtures.py"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"PT1H.json": "diagnostic-json", "purview-audit.csv": "ual-csv", "UnifiedAuditLog.json": "ual-json",
		"Search-UnifiedAuditLog.csv": "ual-csv", "utf16le.json": "graph-json", "mkfixtures.py": "unknown",
	}
	for _, d := range got {
		if w := want[filepath.Base(d.Path)]; d.Format != w || d.Reason == "" {
			t.Errorf("%s: format %q (%s), want %q", d.Path, d.Format, d.Reason, w)
		}
		if filepath.Base(d.Path) == "utf16le.json" && d.Encoding != "utf-16le" {
			t.Errorf("encoding %q", d.Encoding)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d detections, want %d", len(got), len(want))
	}
}

// TestSamples loads every sign-in sample of ../shared/samples: nothing
// rejected, right format, event types and tenant.
func TestSamples(t *testing.T) {
	dir := samplesDir(t)
	tests := []struct{ path, format, tenant, events string }{
		{"elastic-integrations/test-signinlogs-raw.log", "diagnostic-json", "8a4de8b5-095c-47d0-a96f-a75130c61d53", "interactive,managed_identity,non_interactive,service_principal"},
		{"elastic-integrations/test-signinlogs-sample.log", "diagnostic-json", "4bbb79f7-5724-4c9e-95f3-de075f6ec090", "interactive"},
		{"ms-docs/azure-monitor-signinlogs-record-example.json", "diagnostic-json", "<tenant id>", "interactive"},
		{"la-export-signinlogs/SigninLogs_LogAnalytics_export_excerpt.csv", "la-csv", "4b2462a4-bbee-495a-a0e1-f23ae524cc9c", "interactive"},
		{"huntress2023-purview/purview.csv", "ual-csv", "df233d94-fed3-4436-bf9a-a799fb85a159", "interactive"},
		{"graph-beta-signins-securathesis/signins_beta_securathesis.json", "graph-json", "", "interactive"},
		{"invictus-mes/20250502132320-servicePrincipal-SignInLogs.json", "graph-json", "", "service_principal"},
		{"invictus-mes/20250502132321-managedIdentity-SignInLogs.json", "graph-json", "", "managed_identity"},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			db, sum := load(t, Options{}, filepath.Join(dir, tc.path))
			s := sum.Sources[0]
			if s.Format != tc.format || s.Rejected != 0 || s.Loaded == 0 {
				t.Errorf("%+v; rejects %q", s, rejectReasons(t, db))
			}
			if tc.tenant != "" && s.TenantID != tc.tenant {
				t.Errorf("tenant %q, want %q", s.TenantID, tc.tenant)
			}
			if ev := query1[string](t, db, "select string_agg(distinct event_type, ',' order by event_type) from signins"); ev != tc.events {
				t.Errorf("event types %q, want %q", ev, tc.events)
			}
		})
	}
	db, sum := load(t, Options{}, filepath.Join(dir, "huntress2023-purview/purview.csv"))
	if s := sum.Sources[0]; s.Read != 219 || s.Loaded != 21 || s.Ignored != 198 {
		t.Errorf("purview: %+v", s)
	}
	// 18 UserLoggedIn with ErrorNumber 0; 2 UserLoggedIn with 50140 (KMSI
	// interrupt) and 1 UserLoginFailed 50126 whose ResultStatus says Success.
	if n := query1[int64](t, db, "select count(*) from signins where succeeded"); n != 18 {
		t.Errorf("purview successful sign-ins = %d, want 18", n)
	}
}
