package main

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

// unfamiliarFindings runs the unfamiliar-location check over its IPv6 fixture
// with extra flags and returns "subject country" per finding.
func unfamiliarFindings(t *testing.T, flags ...string) (int, []string, string) {
	t.Helper()
	args := append([]string{"analyze", "--json", "-", "--as-of", "2025-06-01T00:00:00Z", "--tenant", "contoso.onmicrosoft.com",
		"--check", "unfamiliar-location-single-factor",
		"../../queries/testdata/unfamiliar-location-single-factor/trusted-ip-ranges-ipv6"}, flags...)
	code, out, stderr := runCLI(t, args...)
	if code != 0 {
		return code, nil, stderr
	}
	var r struct {
		Checks []struct {
			Findings []struct {
				Subject string
				Details struct{ Country string }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range r.Checks {
		for _, f := range c.Findings {
			got = append(got, f.Subject+" "+f.Details.Country)
		}
	}
	sort.Strings(got)
	return code, got, stderr
}

func TestTrustedCountryAndIPFlags(t *testing.T) {
	_, base, _ := unfamiliarFindings(t)
	// Without the fixture's location.trusted_ips, the US and JP sign-ins of
	// alice are unfamiliar too; her BR sign-in inside the trusted IPv6 named
	// location is not.
	want := []string{"alice@contoso.com BR", "alice@contoso.com JP", "alice@contoso.com US", "carl@contoso.com NL"}
	if strings.Join(base, "|") != strings.Join(want, "|") {
		t.Fatalf("no flags: %v, want %v", base, want)
	}
	_, got, _ := unfamiliarFindings(t, "--trusted-ip", "198.51.100.64/26", "--trusted-ip", "2001:db8:ff00::/40", "--trusted-country", "nl")
	// BR stays: 2001:db8:2::7 is in neither range, and the BR sign-in from the
	// named location does not make BR trusted.
	if strings.Join(got, "|") != "alice@contoso.com BR" {
		t.Errorf("with --trusted-ip and --trusted-country: %v", got)
	}
	_, got, _ = unfamiliarFindings(t, "--trusted-ip", "2001:db8::/32", "--set", "location.trusted_countries=NL")
	if strings.Join(got, "|") != "alice@contoso.com US" {
		t.Errorf("with a /32 over every IPv6 address of the fixture: %v", got)
	}
	code, _, stderr := unfamiliarFindings(t, "--trusted-ip", "198.51.100.0/33")
	if code != 2 || !strings.Contains(stderr, "198.51.100.0/33") {
		t.Errorf("bad range: exit %d, stderr %q", code, stderr)
	}
}
