package ingest

import (
	_ "embed"
	"strings"
)

//go:embed side_ca.sql
var sideCASQL string

// sqlSection returns the part of an embedded SQL file after the line
// "-- section: name" up to the next section line.
func sqlSection(text, name string) string {
	var out strings.Builder
	in := false
	for _, line := range strings.SplitAfter(text, "\n") {
		if s, ok := strings.CutPrefix(strings.TrimSpace(line), "-- section:"); ok {
			in = strings.TrimSpace(s) == name
			continue
		}
		if in {
			out.WriteString(line)
		}
	}
	return out.String()
}

func init() {
	register(&format{
		id:       "ca-policies-json",
		why:      "JSON objects with conditions and grantControls (Graph Conditional Access policies)",
		kind:     "ca_policies",
		priority: 20,
		detect: func(s *sniff) bool {
			return s.isJSON && s.has("conditions") && (s.has("grantControls") || s.has("state")) && s.has("displayName")
		},
		side: newSideJSON(`id: 'VARCHAR', displayName: 'VARCHAR', state: 'VARCHAR', createdDateTime: 'VARCHAR',
modifiedDateTime: 'VARCHAR', templateId: 'VARCHAR', conditions: 'JSON', grantControls: 'JSON'`,
			sqlSection(sideCASQL, "graph")+sqlSection(sideCASQL, "policies"), "ca_policies"),
	})
	register(&format{
		id:       "ca-policies-mes-csv",
		why:      "CSV with DisplayName, State, IncludeUsers and ExcludeUsers (Microsoft-Extractor-Suite CA policy export)",
		kind:     "ca_policies",
		priority: 20,
		detect: func(s *sniff) bool {
			return !s.isJSON && hasFields("ca_mes", s.header, "policy_name", "policy_id", "state", "include_users", "built_in_controls")
		},
		side: newSideCSV("ca_mes", sqlSection(sideCASQL, "mes")+sqlSection(sideCASQL, "policies"), "ca_policies", "created_at", "modified_at"),
	})
	register(&format{
		id:       "ca-exclusions-csv",
		why:      "CSV with PolicyId and ExcludedUserId columns (multi-tenant CA exclusion export)",
		kind:     "ca_exclusions",
		priority: 20,
		detect: func(s *sniff) bool {
			return !s.isJSON && hasFields("ca_exclusions", s.header, "policy_id") &&
				(hasFields("ca_exclusions", s.header, "object_id") || hasFields("ca_exclusions", s.header, "upn"))
		},
		side: newSideCSV("ca_exclusions", sqlSection(sideCASQL, "exclusions"), "ca_exclusions"),
	})
	register(&format{
		id:       "named-locations-json",
		why:      "JSON objects typed as IP or country named locations",
		kind:     "named_locations",
		priority: 20,
		detect: func(s *sniff) bool {
			return s.isJSON && (s.has("ipRanges") || s.has("countriesAndRegions") ||
				strings.HasSuffix(strings.ToLower(s.str("@odata.type")), "namedlocation"))
		},
		side: newSideJSON(`id: 'VARCHAR', displayName: 'VARCHAR', "@odata.type": 'VARCHAR', isTrusted: 'BOOLEAN',
ipRanges: 'JSON', countriesAndRegions: 'VARCHAR[]', includeUnknownCountriesAndRegions: 'BOOLEAN'`,
			sqlSection(sideCASQL, "locations"), "named_locations"),
	})
}
