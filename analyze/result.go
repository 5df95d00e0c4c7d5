package analyze

import "time"

// Schema is the version tag of the findings JSON contract. Fields may be added
// to it; existing fields never change meaning.
const Schema = "mfagap/findings/v1"

// Status is the outcome of one check (Powerpipe's set).
type Status string

// The four check statuses.
const (
	StatusAlarm Status = "alarm" // the check returned findings
	StatusOK    Status = "ok"    // the check ran and found nothing
	StatusSkip  Status = "skip"  // an input the check needs is absent
	StatusError Status = "error" // the check failed to run
)

// Result is everything one analysis produced. Marshalled with encoding/json it
// is the findings contract; the same inputs give byte-identical JSON.
type Result struct {
	// Schema is always Schema.
	Schema string `json:"schema"`
	// AsOf anchors every time window: the newest event, or --as-of.
	AsOf time.Time `json:"as_of"`
	// Window is the first and last sign-in event seen in the inputs.
	Window Window `json:"window"`
	// Inputs lists one entry per input file, sorted by path.
	Inputs []Input `json:"inputs"`
	// Checks lists one entry per check that was considered, sorted by id.
	Checks []CheckResult `json:"checks"`
	// Metrics are figures beside the findings (per-day counts and shares).
	Metrics Metrics `json:"metrics"`
}

// Window is the time range covered by the sign-in events.
type Window struct {
	First *time.Time `json:"first"`
	Last  *time.Time `json:"last"`
}

// Input describes one input file and how its rows were accounted for:
// Read = Loaded + Rejected + Duplicates + Ignored.
type Input struct {
	Path       string `json:"path"`
	Format     string `json:"format"`
	Kind       string `json:"kind"`
	TenantID   string `json:"tenant_id"`
	Read       int64  `json:"read"`
	Loaded     int64  `json:"loaded"`
	Rejected   int64  `json:"rejected"`
	Duplicates int64  `json:"duplicates"`
	// Ignored counts valid records that are not sign-ins (other audit-log
	// operations, other Log Analytics tables); Read = Loaded + Rejected +
	// Duplicates + Ignored.
	Ignored    int64      `json:"ignored"`
	SHA256     string     `json:"sha256"`
	FirstEvent *time.Time `json:"first_event,omitempty"`
	LastEvent  *time.Time `json:"last_event,omitempty"`
	// Note explains an assumption made while loading (e.g. event type taken
	// from the file name), empty when none was needed.
	Note string `json:"note,omitempty"`
}

// CheckResult is the outcome of one check with its findings.
type CheckResult struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Severity   string    `json:"severity"`
	Status     Status    `json:"status"`
	SkipReason string    `json:"skip_reason"`
	Error      string    `json:"error,omitempty"`
	Findings   []Finding `json:"findings"`

	// Documentation carried for the human-readable reports only.
	Description    string   `json:"-"`
	Risk           string   `json:"-"`
	Remediation    string   `json:"-"`
	FalsePositives string   `json:"-"`
	References     []string `json:"-"`
}

// Finding is one row a check returned: about one subject (a lower-case UPN,
// an IP address, or an object id) in one tenant.
type Finding struct {
	TenantID  string    `json:"tenant_id"`
	Subject   string    `json:"subject"`
	Reason    string    `json:"reason"`
	Events    int64     `json:"events"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// Details holds the evidence columns of the check, by column name. Values
	// are strings, numbers, booleans, RFC 3339 strings or lists of those.
	Details map[string]any `json:"details"`
}

// Metrics are figures computed beside the checks. Fields after Daily were
// added by issue 7; they are omitted when their input is absent.
type Metrics struct {
	// Daily has one entry per tenant and UTC day with sign-in events.
	Daily []DayMetric `json:"daily"`
	// Tenants has one entry per tenant with sign-in events, sorted by tenant.
	Tenants []TenantMetric `json:"tenants,omitempty"`
	// LegacyProtocols counts legacy-protocol sign-ins per tenant and client
	// app, sorted by tenant, then most sign-ins first.
	LegacyProtocols []ProtocolMetric `json:"legacy_protocols,omitempty"`
	// Registration is the MFA registration rate of active users per tenant,
	// present when an MFA registration report was loaded.
	Registration []RegistrationMetric `json:"registration,omitempty"`
	// AccountClasses counts accounts per tenant and class (break-glass,
	// service, shared-mailbox, ...), present when any account was classed.
	AccountClasses []ClassMetric `json:"account_classes,omitempty"`
}

// TenantMetric sums one tenant's sign-ins up to as_of.
type TenantMetric struct {
	TenantID string `json:"tenant_id"`
	// InteractiveSuccess counts successful interactive user sign-ins.
	InteractiveSuccess int64 `json:"interactive_success"`
	// InteractiveSuccessMFA counts those where MFA was performed or satisfied by claim.
	InteractiveSuccessMFA int64 `json:"interactive_success_mfa"`
	// MFAShare is InteractiveSuccessMFA / InteractiveSuccess, rounded to four
	// decimals; 0 when there is no successful interactive sign-in.
	MFAShare float64 `json:"mfa_share"`
	// LegacySuccess counts successful sign-ins over a legacy protocol.
	LegacySuccess int64 `json:"legacy_success"`
}

// ProtocolMetric counts the sign-ins of one legacy client app in one tenant.
type ProtocolMetric struct {
	TenantID string `json:"tenant_id"`
	// Protocol is the client app as the source wrote it (IMAP4, Authenticated SMTP, ...).
	Protocol string `json:"protocol"`
	// SignIns counts every sign-in over the protocol, Successes the successful ones.
	SignIns   int64 `json:"signins"`
	Successes int64 `json:"successes"`
	// Accounts counts distinct accounts that succeeded over the protocol.
	Accounts int64 `json:"accounts"`
}

// RegistrationMetric is the MFA registration rate of one tenant's active
// users: accounts with a successful user sign-in up to as_of that the
// registration report lists.
type RegistrationMetric struct {
	TenantID string `json:"tenant_id"`
	// ActiveUsers counts active accounts found in the registration report.
	ActiveUsers int64 `json:"active_users"`
	// Registered counts those with isMfaRegistered true.
	Registered int64 `json:"registered"`
	// Rate is Registered / ActiveUsers rounded to four decimals.
	Rate float64 `json:"rate"`
	// NotInReport counts active accounts the report does not list.
	NotInReport int64 `json:"not_in_report"`
}

// ClassMetric counts the accounts of one class in one tenant.
type ClassMetric struct {
	TenantID string `json:"tenant_id"`
	Class    string `json:"class"`
	// Accounts counts distinct accounts; Documented those classed by the
	// register or the directory rather than by naming convention alone.
	Accounts   int64 `json:"accounts"`
	Documented int64 `json:"documented"`
}

// DayMetric counts sign-ins of one tenant on one UTC day.
type DayMetric struct {
	TenantID string `json:"tenant_id"`
	// Day is YYYY-MM-DD (UTC).
	Day string `json:"day"`
	// SignIns counts every sign-in event of the day.
	SignIns int64 `json:"signins"`
	// Failures counts events whose error code is not 0.
	Failures int64 `json:"failures"`
	// InteractiveSuccess counts successful interactive user sign-ins.
	InteractiveSuccess int64 `json:"interactive_success"`
	// InteractiveSuccessMFA counts those where MFA was performed or satisfied by claim.
	InteractiveSuccessMFA int64 `json:"interactive_success_mfa"`
	// LegacySuccess counts successful sign-ins over a legacy protocol.
	LegacySuccess int64 `json:"legacy_success"`
}

// Counts returns the number of checks by status, for summaries.
func (r *Result) Counts() map[Status]int {
	m := map[Status]int{}
	for _, c := range r.Checks {
		m[c.Status]++
	}
	return m
}
