package ingest

import (
	_ "embed"
)

//go:embed side_directory.sql
var sideDirectorySQL string

func init() {
	dir := func(name string) string { return sqlSection(sideDirectorySQL, name) }
	csv := func(s *sniff, layout string, fields ...string) bool {
		return !s.isJSON && hasFields(layout, s.header, fields...)
	}
	// Sign-in records also carry userPrincipalName and id: a user object is
	// one without the sign-in members. Tried before graph-json (priority 10).
	signinLike := func(s *sniff) bool {
		return s.has("appId") || s.has("ipAddress") || s.has("status") || s.has("clientAppUsed") || s.has("createdDateTime", "userId")
	}
	register(&format{
		id: "users-csv", why: "CSV with UserPrincipalName and object id columns, no sign-in columns (user export)",
		kind: "users", priority: 21,
		detect: func(s *sniff) bool {
			return csv(s, "users", "upn", "object_id") && (csv(s, "users", "account_enabled") || csv(s, "users", "user_type")) &&
				!csv(s, "mfa_registration", "is_mfa_registered") && !signinHeader(s.header)
		},
		side: newSideCSV("users", dir("users-csv"), "users",
			"created_at", "last_sign_in_at", "last_non_interactive_sign_in_at", "last_successful_sign_in_at", "last_password_change_at"),
	})
	register(&format{
		id: "users-json", why: "JSON user objects with userPrincipalName (Graph users, optionally with signInActivity)",
		kind: "users", priority: 5,
		detect: func(s *sniff) bool {
			return s.isJSON && s.has("userPrincipalName", "id") && !signinLike(s) && !s.has("isMfaRegistered") &&
				(s.has("accountEnabled") || s.has("signInActivity") || s.has("givenName") || s.has("mail") || s.has("userType") || s.has("jobTitle"))
		},
		side: newSideJSON(`id: 'VARCHAR', userPrincipalName: 'VARCHAR', displayName: 'VARCHAR', userType: 'VARCHAR',
accountEnabled: 'BOOLEAN', createdDateTime: 'VARCHAR', lastPasswordChangeDateTime: 'VARCHAR', department: 'VARCHAR',
jobTitle: 'VARCHAR', mail: 'VARCHAR', onPremisesSyncEnabled: 'BOOLEAN',
signInActivity: 'STRUCT(lastSignInDateTime VARCHAR, lastNonInteractiveSignInDateTime VARCHAR, lastSuccessfulSignInDateTime VARCHAR)'`,
			dir("users-json"), "users"),
	})
	register(&format{
		id: "mfa-registration-csv", why: "CSV with userPrincipalName and isMfaRegistered (user registration details)",
		kind: "mfa_registration", priority: 20,
		detect: func(s *sniff) bool { return csv(s, "mfa_registration", "upn", "is_mfa_registered") },
		side:   newSideCSV("mfa_registration", dir("mfa-csv"), "mfa_registration", "last_updated"),
	})
	register(&format{
		id: "mfa-registration-json", why: "JSON objects with userPrincipalName and isMfaRegistered (Graph userRegistrationDetails)",
		kind: "mfa_registration", priority: 5,
		detect: func(s *sniff) bool { return s.isJSON && s.has("isMfaRegistered") },
		side: newSideJSON(`id: 'VARCHAR', userPrincipalName: 'VARCHAR', userDisplayName: 'VARCHAR', userType: 'VARCHAR',
isAdmin: 'BOOLEAN', isMfaRegistered: 'BOOLEAN', isMfaCapable: 'BOOLEAN', isSsprRegistered: 'BOOLEAN',
isPasswordlessCapable: 'BOOLEAN', methodsRegistered: 'VARCHAR[]', userPreferredMethodForSecondaryAuthentication: 'VARCHAR',
lastUpdatedDateTime: 'VARCHAR'`, dir("mfa-json"), "mfa_registration"),
	})
	register(&format{
		id: "auth-methods-csv", why: "CSV with user and MFAstatus columns (Microsoft-Extractor-Suite authentication methods)",
		kind: "auth_methods", priority: 20,
		detect: func(s *sniff) bool { return csv(s, "auth_methods", "upn", "mfa_status", "password") },
		side:   newSideCSV("auth_methods", dir("methods-csv"), "auth_methods"),
	})
	register(&format{
		id: "roles-csv", why: "CSV with a user and a Role column (administrator or role export)",
		kind: "role_assignments", priority: 20,
		detect: func(s *sniff) bool { return csv(s, "role_assignments", "upn", "object_id", "role_name") },
		side:   newSideCSV("role_assignments", dir("roles-csv"), "role_assignments"),
	})
	register(&format{
		id: "roles-json", why: "JSON role assignments or directory roles",
		kind: "role_assignments", priority: 5,
		detect: func(s *sniff) bool { return s.isJSON && s.has("principalId", "roleDefinitionId") },
		side: newSideJSON(`principalId: 'VARCHAR', roleDefinitionId: 'VARCHAR', principal: 'JSON', roleDefinition: 'JSON'`,
			dir("roles-json"), "role_assignments"),
	})
	register(&format{
		id: "group-members-csv", why: "CSV with a group id and member columns",
		kind: "group_members", priority: 20,
		detect: func(s *sniff) bool { return csv(s, "group_members", "group_id", "member_id") },
		side:   newSideCSV("group_members", dir("members-csv"), "group_members"),
	})
	register(&format{
		id: "groups-json", why: "JSON group objects (with members when present)",
		kind: "groups", priority: 5,
		detect: func(s *sniff) bool {
			return s.isJSON && s.has("id", "displayName") && (s.has("securityEnabled") || s.has("groupTypes")) && !signinLike(s)
		},
		side: newSideJSON(`id: 'VARCHAR', displayName: 'VARCHAR', securityEnabled: 'BOOLEAN', membershipRule: 'VARCHAR', members: 'JSON'`,
			dir("groups-json"), "groups"),
	})
}

// signinHeader spots sign-in CSVs (Log Analytics, portal), which also have
// UserPrincipalName, Id and UserType columns.
func signinHeader(header []string) bool {
	for _, h := range header {
		switch squash(h) {
		case "timegenerated", "ipaddress", "correlationid", "clientappused", "resulttype", "appid", "requestid", "date(utc)":
			return true
		}
	}
	return false
}
