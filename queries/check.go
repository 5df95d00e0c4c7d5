package queries

import (
	"bufio"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Check is one check: its metadata and its SQL.
type Check struct {
	// ID is kebab-case, equal to the file stem, never reused.
	ID string
	// Title states the finding in at most 80 characters.
	Title string
	// Severity is one of info, low, medium, high, critical.
	Severity string
	// Sources lists the inputs the check needs; the check is skipped when one
	// is missing. An entry "a|b" is satisfied by either input.
	Sources []string
	// Description says what the query looks for.
	Description string
	// Risk says why it matters if true.
	Risk string
	// Remediation is the next concrete step for the analyst or admin.
	Remediation string
	// FalsePositives lists known benign causes, or "none known".
	FalsePositives string
	// References are URLs of the rules or documents the check mirrors.
	References []string
	// Status is stable, test, experimental or deprecated (optional).
	Status string
	// MITRE lists ATT&CK technique ids (optional).
	MITRE []string
	// Tags are lowercase hyphenated tags (optional).
	Tags []string
	// Params are the named thresholds with their defaults, e.g.
	// "spray.min_users" → "5"; the SQL reads them with getvariable('spray.min_users').
	Params map[string]string
	// SQL is the query, header included.
	SQL string
	// Path is the file the check came from.
	Path string
}

// Severities in increasing order.
var Severities = []string{"info", "low", "medium", "high", "critical"}

// SeverityRank orders severities: info 0 … critical 4, unknown -1.
func SeverityRank(s string) int {
	for i, v := range Severities {
		if v == s {
			return i
		}
	}
	return -1
}

// Sources a check may name. Each maps to a test of the loaded data made by
// package analyze.
var Sources = []string{
	"interactive", "noninteractive", "service_principal", "managed_identity", "signins",
	"ca_policies", "users", "mfa_registration", "register", "roles", "ca_signin_policies",
}

// Load reads every checks/*.sql file of fsys, sorted by id.
func Load(fsys fs.FS) ([]Check, error) {
	files, err := fs.Glob(fsys, "checks/*.sql")
	if err != nil {
		return nil, err
	}
	var out []Check
	seen := map[string]string{}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		c, err := Parse(f, string(b))
		if err != nil {
			return nil, err
		}
		if prev, ok := seen[c.ID]; ok {
			return nil, fmt.Errorf("%s: id %q already used by %s", f, c.ID, prev)
		}
		seen[c.ID] = f
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Parse reads the metadata header of one check file and validates it.
func Parse(file, sql string) (Check, error) {
	c := Check{SQL: sql, Path: file, Params: map[string]string{}}
	fields := map[string]*strings.Builder{}
	var order []string
	var last string
	sc := bufio.NewScanner(strings.NewReader(sql))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "--") {
			break
		}
		body := strings.TrimPrefix(line, "--")
		if strings.HasPrefix(body, "   ") && last != "" { // continuation
			fields[last].WriteString("\n" + strings.TrimSpace(body))
			continue
		}
		k, v, ok := strings.Cut(strings.TrimSpace(body), ":")
		if !ok || strings.ContainsAny(k, " \t") {
			last = ""
			continue
		}
		last = strings.TrimSpace(k)
		if _, dup := fields[last]; dup {
			return c, fmt.Errorf("%s: metadata key %q given twice", file, last)
		}
		fields[last] = &strings.Builder{}
		fields[last].WriteString(strings.TrimSpace(v))
		order = append(order, last)
	}
	get := func(k string) string {
		if b, ok := fields[k]; ok {
			return strings.TrimSpace(b.String())
		}
		return ""
	}
	list := func(k string, sep string) []string {
		var out []string
		for _, p := range strings.FieldsFunc(get(k), func(r rune) bool { return strings.ContainsRune(sep, r) }) {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	join := func(k string) string { return strings.Join(strings.Fields(get(k)), " ") }
	c.ID = get("id")
	c.Title = join("title")
	c.Severity = get("severity")
	c.Sources = list("sources", ",")
	c.Description = join("description")
	c.Risk = join("risk")
	c.Remediation = join("remediation")
	c.FalsePositives = join("false_positives")
	c.References = list("references", "\n ")
	c.Status = get("status")
	c.MITRE = list("mitre", ",")
	c.Tags = list("tags", ",")
	// A default may itself be a comma list (risk.levels=medium,high): a
	// segment without "=" continues the previous default.
	var lastParam string
	for _, p := range list("params", ",\n") {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			if lastParam == "" {
				return c, fmt.Errorf("%s: params: %q is not name=default", file, p)
			}
			c.Params[lastParam] += "," + strings.TrimSpace(p)
			continue
		}
		lastParam = strings.TrimSpace(k)
		if _, dup := c.Params[lastParam]; dup {
			return c, fmt.Errorf("%s: params: %q declared twice", file, lastParam)
		}
		c.Params[lastParam] = strings.TrimSpace(v)
	}
	return c, c.validate()
}

func (c Check) validate() error {
	stem := strings.TrimSuffix(path.Base(c.Path), ".sql")
	var problems []string
	if c.ID != stem {
		problems = append(problems, fmt.Sprintf("id %q differs from the file stem %q", c.ID, stem))
	}
	for k, v := range map[string]string{"title": c.Title, "severity": c.Severity, "description": c.Description,
		"risk": c.Risk, "remediation": c.Remediation, "false_positives": c.FalsePositives} {
		if v == "" {
			problems = append(problems, "missing "+k)
		}
	}
	if len(c.Title) > 80 {
		problems = append(problems, "title longer than 80 characters")
	}
	if strings.HasPrefix(strings.ToLower(c.Title), "ensure") {
		problems = append(problems, `title starts with "Ensure": state the finding`)
	}
	if SeverityRank(c.Severity) < 0 {
		problems = append(problems, fmt.Sprintf("severity %q not in %v", c.Severity, Severities))
	}
	if len(c.Sources) == 0 {
		problems = append(problems, "missing sources")
	}
	for _, s := range c.Sources {
		for _, alt := range strings.Split(s, "|") {
			if !contains(Sources, alt) {
				problems = append(problems, fmt.Sprintf("source %q not in %v", alt, Sources))
			}
		}
	}
	if len(c.References) == 0 {
		problems = append(problems, "missing references")
	}
	for _, r := range c.References {
		if !strings.HasPrefix(r, "https://") {
			problems = append(problems, fmt.Sprintf("reference %q is not an https URL", r))
		}
	}
	if c.Status != "" && !contains([]string{"stable", "test", "experimental", "deprecated"}, c.Status) {
		problems = append(problems, fmt.Sprintf("status %q unknown", c.Status))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: %s", c.Path, strings.Join(problems, "; "))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
