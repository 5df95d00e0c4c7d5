package ingest

import "testing"

// TestIPInMacro pins mfagap_ip_in, the range test behind trusted IP ranges
// and named locations, for IPv4 and IPv6 (no inet extension available).
func TestIPInMacro(t *testing.T) {
	db := memDB(t)
	cases := []struct {
		ip, cidr string
		want     bool
	}{
		{"203.0.113.7", "203.0.113.0/24", true},
		{"203.0.114.7", "203.0.113.0/24", false},
		{"203.0.113.7", "203.0.113.7", true},
		{"203.0.113.8", "203.0.113.7", false},
		{"10.1.2.3", "10.0.0.0/8", true},
		{"11.1.2.3", "10.0.0.0/8", false},
		{"10.1.2.3", "0.0.0.0/0", true},
		{" 10.1.2.3 ", "10.0.0.0/8 ", true},
		{"10.1.2.3", "10.0.0.0/33", false},
		{"10.1.2.3", "10.0.0.0/-1", false},
		{"256.1.2.3", "0.0.0.0/0", false},
		{"2001:db8::1", "2001:db8::/32", true},
		{"2001:DB8:0:0:0:0:0:1", "2001:db8::/32", true},
		{"2001:db9::1", "2001:db8::/32", false},
		{"2001:db8:abcd:12::5", "2001:db8:abcd:10::/60", true},
		{"2001:db8:abcd:20::5", "2001:db8:abcd:10::/60", false},
		{"fe80::1%eth0", "fe80::/10", true},
		{"::1", "::1", true},
		{"::1", "::/0", true},
		{"2001:db8::1", "10.0.0.0/8", false},
		{"10.1.2.3", "2001:db8::/32", false},
		{"::ffff:10.1.2.3", "10.0.0.0/8", false}, // dotted tail: not parsed, never trusted
		{"2001:db8::1::2", "::/0", false},
		{"1:2:3:4:5:6:7:8:9", "::/0", false},
		{"12345::", "::/0", false},
		{"not an ip", "0.0.0.0/0", false},
		{"'; drop table signins; --", "0.0.0.0/0", false},
		{"", "0.0.0.0/0", false},
		{"10.1.2.3", "", false},
		// IPv6 forms the pattern check (mfagap_ip6_hex) must take and refuse
		// as the group lists it replaced did.
		{"1:2:3:4::5:6:7:8", "1:2:3:4:5:6:7:8", true}, // "::" standing for no group
		{"1:2:3:4:5:6:7:8::", "::/0", true},
		{"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0", true},
		{"::2:3:4:5:6:7:8", "0:2::/32", true},
		{"1::", "1::/16", true},
		{"::ffff:a00:1", "10.0.0.0/8", true}, // the hex form of a mapped IPv4 address
		{":1::", "::/0", false},
		{"1:::2", "::/0", false},
		{"1:2:3:4:5:6:7:", "::/0", false},
		{"00001::", "::/0", false},
	}
	for _, c := range cases {
		// The unfamiliar-location check's shape: the arguments are
		// columns of tables named s and t, s's from outside a subquery.
		var got, alone bool
		if err := db.QueryRow(`select exists (select 1 from (select ? as cidr) t where mfagap_ip_in(s.ip_address, t.cidr))
from (select ? as ip_address) s`, c.cidr, c.ip).Scan(&got); err != nil {
			t.Fatalf("%q in %q: %v", c.ip, c.cidr, err)
		}
		if err := db.QueryRow("select mfagap_ip_in(?, ?)", c.ip, c.cidr).Scan(&alone); err != nil {
			t.Fatalf("%q in %q: %v", c.ip, c.cidr, err)
		}
		if got != c.want || alone != c.want {
			t.Errorf("%q in %q = %v (as columns), %v (as values), want %v", c.ip, c.cidr, got, alone, c.want)
		}
	}
	var null bool
	if err := db.QueryRow("select mfagap_ip_in(null, '0.0.0.0/0') = false and mfagap_ip_in('1.2.3.4', null) = false").Scan(&null); err != nil || !null {
		t.Errorf("NULL inputs: %v %v", null, err)
	}
}
