package reports

import (
	"sort"

	"github.com/mfagap/mfagap/analyze"
)

// severityCount is the number of findings of one severity.
type severityCount struct {
	Severity string
	Count    int
}

// severityCounts counts findings by the severity of their check: every known
// severity in order (zeros included), then unknown ones alphabetically.
func severityCounts(r *analyze.Result) []severityCount {
	m := map[string]int{}
	for _, c := range r.Checks {
		m[c.Severity] += len(c.Findings)
	}
	out := make([]severityCount, 0, len(severities))
	for _, s := range severities {
		out = append(out, severityCount{s, m[s]})
		delete(m, s)
	}
	var other []string
	for s, n := range m {
		if n > 0 {
			other = append(other, s)
		}
	}
	sort.Strings(other)
	for _, s := range other {
		out = append(out, severityCount{s, m[s]})
	}
	return out
}

// statusCount is the number of checks with one status.
type statusCount struct {
	Status analyze.Status
	Count  int
}

// statuses lists the check statuses in the order reports show them.
var statuses = []analyze.Status{analyze.StatusAlarm, analyze.StatusError, analyze.StatusSkip, analyze.StatusOK}

// statusCounts counts checks by status, in the order of statuses, leaving
// out statuses no check has.
func statusCounts(r *analyze.Result) []statusCount {
	m := r.Counts()
	var out []statusCount
	for _, s := range statuses {
		if m[s] > 0 {
			out = append(out, statusCount{s, m[s]})
		}
	}
	return out
}
