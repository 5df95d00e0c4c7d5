package gen

import "time"

// specialAccounts are the accounts of the planted scenarios, in the first
// tenant after the ordinary users.
var specialAccounts = []struct {
	local, name    string
	mfaExcluded    exclusion
	legacyExcepted bool
}{
	{"breakglass01", "Break Glass 01", excludedByUserID, false},
	{"svc-backup", "svc-backup", excludedByGroup, true},
	{"svc-sync", "svc-sync", excludedByGroup, false},
	{"helpdesk-mailbox", "Helpdesk Shared Mailbox", notExcluded, true},
	{"megan.bowen", "Megan Bowen", notExcluded, false},
}

// Addresses the planted attacks come from.
const (
	SprayIP   = "203.0.113.66"
	FatigueIP = "198.51.100.77"
	// HostileUserAgent appears on one svc-sync sign-in so that report
	// writers get a string that must be escaped in HTML and CSV.
	HostileUserAgent = `=cmd|' /C calc'!A0 <script>alert("x")</script>`
)

// plantScenarios builds the special events, most important first: when a
// tiny export cannot hold them all, the tail is dropped.
func (g *generator) plantScenarios() []*event {
	special := func(local string) *user {
		for j, s := range specialAccounts {
			if s.local == local {
				return g.users[g.regular+j]
			}
		}
		panic("gen: no special account " + local)
	}
	lastDay := g.o.Days - 1
	at := func(day, hour, minute int) time.Time {
		return g.o.Start.Add(time.Duration(min(day, lastDay))*24*time.Hour + time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
	}
	var out []*event
	newEvent := func(u *user, k kind, t time.Time) *event {
		e := &event{}
		g.userBase(e, u, k, t)
		out = append(out, e)
		return e
	}

	// Break-glass account: Azure portal, password only, excluded from MFA.
	bg := special("breakglass01")
	for _, t := range []time.Time{at(3, 14, 5), at(21, 9, 47)} {
		e := newEvent(bg, kindInteractive, t)
		e.device = desktops[0]
		e.clientApp, e.userAgent = e.device.clientApp, e.device.userAgent
		e.app, e.resource = appAzurePortal, resAzureMgmt
		e.addStep(stepPassword)
	}

	// Service accounts: SMTP relay over Basic auth, and an ROPC script.
	for i, d := range []int{1, 8, 15, 22} {
		e := newEvent(special("svc-backup"), kindInteractive, at(d, 1, 10+i))
		g.makeLegacy(e, legacyIndex("Authenticated SMTP"))
		e.ip, e.place, e.asn = e.tenant.officeIPs[0], e.tenant.office, 64500
		e.addStep(stepPassword)
	}
	for i, d := range []int{1, 8, 15, 22} {
		e := newEvent(special("svc-sync"), kindInteractive, at(d, 3, 30+i))
		e.device = noDevice
		e.clientApp, e.userAgent, e.protocol = "Mobile Apps and Desktop clients", "BAV2ROPC", "ropc"
		if i == 0 {
			e.userAgent = HostileUserAgent
		}
		e.app, e.resource = appOffice, resGraph
		e.ip, e.place, e.asn = e.tenant.officeIPs[1], e.tenant.office, 64500
		e.addStep(stepPassword)
	}

	// Shared mailbox read over IMAP4 by a helpdesk tool.
	for i, d := range []int{2, 6, 10, 14, 18, 26} {
		e := newEvent(special("helpdesk-mailbox"), kindInteractive, at(d, 7+i, 2*i))
		g.makeLegacy(e, legacyIndex("IMAP4"))
		e.ip, e.asn = "198.51.100.23", 64503
		e.addStep(stepPassword)
	}

	// MFA fatigue: twelve denied pushes in four minutes, then an approval.
	mb := special("megan.bowen")
	t0 := at(17, 23, 30)
	for i := 0; i <= 12; i++ {
		e := newEvent(mb, kindInteractive, t0.Add(time.Duration(20*i)*time.Second))
		e.device = desktops[1]
		e.clientApp, e.userAgent = e.device.clientApp, e.device.userAgent
		e.app, e.resource = appOffice, resGraph
		e.ip, e.place, e.asn, e.risk = FatigueIP, foreignPlaces[1], 64511, "medium"
		e.mfa = true
		e.mfaMethod = "Mobile app notification"
		e.addStep(stepPassword)
		if i < 12 {
			e.code = 500121
			e.addStep(stepPushDenied)
			e.details = detailDenied
			continue
		}
		e.addStep(step{"Mobile app notification", "", reqMFA, detailMFADone, true})
		e.details = detailMFADone
	}

	// Password spray: one address, 25 users, 40 seconds apart (16 minutes).
	// The last guess is right, and MFA stops it (50076).
	t0 = at(9, 2, 13)
	n := min(25, g.regular)
	for i := 0; i < n; i++ {
		u := g.users[i*g.regular/n]
		e := newEvent(u, kindInteractive, t0.Add(time.Duration(40*i)*time.Second))
		e.device = noDevice
		e.clientApp, e.userAgent, e.protocol = "Mobile Apps and Desktop clients", "BAV2ROPC", "ropc"
		e.app, e.resource = appOffice, resGraph
		e.ip, e.place, e.asn, e.risk = SprayIP, foreignPlaces[0], 64511, "high"
		switch {
		case i == n-1:
			e.code, e.mfa = 50076, true
			e.details = "MFA required in Azure AD"
			e.addStep(stepPassword)
		case i%6 == 5:
			e.code = 50053
			e.addStep(stepLocked)
		default:
			e.code = 50126
			e.addStep(stepBadPassword)
		}
	}
	return out
}

func legacyIndex(name string) int {
	for i, c := range legacyClients {
		if c.name == name {
			return i
		}
	}
	panic("gen: no legacy client " + name)
}
