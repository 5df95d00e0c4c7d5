// Package gen writes seeded, synthetic Entra ID sign-in exports in the shapes
// mfagap ingests: the portal CSV download (with its _AuthDetails_ companions),
// a Graph beta JSON array, and diagnostic-settings NDJSON (PT1H.json).
//
// The same Options always give byte-identical output, in every format: one
// event stream is drawn from a PCG generator and only the rendering differs.
// Output is streamed, so memory does not grow with Options.Rows.
//
// All data is fictitious: users live in contoso.com (further tenants in
// tN.example.com), addresses come from the RFC 5737 documentation ranges,
// autonomous system numbers from the RFC 5398 documentation range, and
// directory object ids are patterned fake GUIDs (11111111-1111-… for
// tenants, cccccccc-cccc-… for users). Only per-event ids (request,
// correlation) look random; they are drawn from the seeded generator.
//
// Besides the background traffic shaped by Options, every output of at
// least a few hundred rows contains the same planted scenarios, so that each
// check has something to find: a break-glass account (breakglass01@…)
// signing in without MFA, service accounts (svc-…) using legacy protocols and
// ROPC, a shared mailbox over IMAP4, a password spray from 203.0.113.66
// against many users within 20 minutes, and an MFA fatigue burst of 500121
// denials followed by a success.
package gen
