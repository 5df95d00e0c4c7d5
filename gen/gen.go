package gen

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// Options shapes a generated export. Zero fields take the defaults noted;
// a negative share means none (0 would mean the default).
type Options struct {
	// Rows is the number of sign-in events, across all output files.
	Rows int
	// Seed makes output reproducible: the same Options give byte-identical files.
	Seed int64
	// Users is the number of ordinary users (default max(50, Rows/2000)). The
	// special accounts of the planted scenarios come on top.
	Users int
	// Tenants is the number of directories (default 1); ids are fake GUIDs.
	Tenants int
	// LegacyShare is the share of events over legacy protocols (default 0.03).
	LegacyShare float64
	// FailureShare is the share of events with a non-zero error code (default 0.08).
	FailureShare float64
	// NonInteractiveShare is the share of events that are non-interactive
	// user sign-ins (default 0.6).
	NonInteractiveShare float64
	// ServicePrincipalShare is the share of service principal and managed
	// identity sign-ins (default 0.05; a fifth of them are managed identities).
	ServicePrincipalShare float64
	// MFAShare is the share of successful interactive user sign-ins over
	// modern clients that meet an MFA requirement (default 0.85). Legacy
	// protocol sign-ins are always single-factor.
	MFAShare float64
	// Start is the first instant events may have (default 2025-03-01T00:00:00Z).
	Start time.Time
	// Days is the span of the events: all lie in [Start, Start+Days) (default 30).
	Days int
}

// Formats lists the format names Write and WriteFiles accept.
var Formats = []string{"portal-csv", "graph-json", "diag-ndjson", "la-csv", "la-json", "ual-csv", "ual-json"}

// withDefaults fills zero fields and turns negative shares into 0. Call it
// once per Options: a second pass would read those zeros as "default".
func (o Options) withDefaults() (Options, error) {
	if o.Rows < 0 {
		return o, errors.New("gen: rows must not be negative")
	}
	if o.Users <= 0 {
		o.Users = max(50, o.Rows/2000)
	}
	if o.Tenants <= 0 {
		o.Tenants = 1
	}
	for _, s := range []struct {
		v   *float64
		def float64
	}{
		{&o.LegacyShare, 0.03}, {&o.FailureShare, 0.08}, {&o.NonInteractiveShare, 0.6},
		{&o.ServicePrincipalShare, 0.05}, {&o.MFAShare, 0.85},
	} {
		switch {
		case *s.v == 0:
			*s.v = s.def
		case *s.v < 0:
			*s.v = 0
		}
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	}
	o.Start = o.Start.UTC()
	if o.Days <= 0 {
		o.Days = 30
	}
	for _, s := range []struct {
		name string
		v    float64
	}{{"legacy", o.LegacyShare}, {"failure", o.FailureShare}, {"non-interactive", o.NonInteractiveShare}, {"service principal", o.ServicePrincipalShare}, {"MFA", o.MFAShare}} {
		if s.v > 1 {
			return o, fmt.Errorf("gen: %s share %v is more than 1", s.name, s.v)
		}
	}
	if sum := o.LegacyShare + o.NonInteractiveShare + o.ServicePrincipalShare; sum > 1 {
		return o, fmt.Errorf("gen: legacy, non-interactive and service principal shares add up to %v, more than 1", sum)
	}
	return o, nil
}

// generator yields the event stream for one Options.
type generator struct {
	o        Options
	r        *rand.Rand
	tenants  []*tenant
	users    []*user // ordinary users first, then the special accounts
	regular  int     // number of ordinary users
	specials []*event
	stride   int // a special event is emitted every stride rows
	i        int // events emitted so far
	next     int // index of the next special event
	e        event
}

func newGenerator(o Options) (*generator, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	g := &generator{o: o, r: rand.New(rand.NewPCG(uint64(o.Seed), 0x6d66616761700001))}
	g.tenants = newTenants(o.Tenants)
	g.users = newUsers(g.r, o.Users, g.tenants)
	g.regular = o.Users
	g.specials = g.plantScenarios()
	// Keep the planted events to a quarter of a tiny export.
	if n := o.Rows / 4; len(g.specials) > n {
		g.specials = g.specials[:n]
	}
	if len(g.specials) > 0 {
		g.stride = o.Rows / len(g.specials)
	}
	return g, nil
}

// event returns the next event, or nil after Rows events. The pointer is
// only valid until the next call.
func (g *generator) event() *event {
	if g.i >= g.o.Rows {
		return nil
	}
	i := g.i
	g.i++
	if g.next < len(g.specials) && i == g.next*g.stride {
		g.next++
		return g.specials[g.next-1]
	}
	g.e = event{}
	g.background(&g.e)
	return &g.e
}

// randomTime draws an instant in [Start, Start+Days), following office
// hours when busy is set.
func (g *generator) randomTime(busy bool) time.Time {
	day := g.r.IntN(g.o.Days)
	var hour int
	if busy {
		hour = businessHours.pick(g.r)
	} else {
		hour = g.r.IntN(24)
	}
	ns := int64(g.r.IntN(3600))*1e9 + int64(g.r.IntN(1e7))*100
	return g.o.Start.Add(time.Duration(day)*24*time.Hour + time.Duration(hour)*time.Hour + time.Duration(ns))
}

// background fills e with one ordinary event drawn from the shares.
func (g *generator) background(e *event) {
	r := g.r
	x := r.Float64()
	switch {
	case x < g.o.ServicePrincipalShare:
		g.servicePrincipal(e)
	case x < g.o.ServicePrincipalShare+g.o.LegacyShare:
		g.legacyUser(e, g.users[g.pickUser()])
	case x < g.o.ServicePrincipalShare+g.o.LegacyShare+g.o.NonInteractiveShare:
		g.nonInteractive(e, g.users[g.pickUser()])
	default:
		g.interactive(e, g.users[g.pickUser()])
	}
}

// pickUser picks an ordinary user, favouring low indices a little so that
// activity is uneven.
func (g *generator) pickUser() int {
	a, b := g.r.IntN(g.regular), g.r.IntN(g.regular)
	return min(a, b+g.regular/4)
}

func (g *generator) failed() bool { return g.r.Float64() < g.o.FailureShare }

// userBase fills what every user sign-in has.
func (g *generator) userBase(e *event, u *user, k kind, at time.Time) {
	r := g.r
	e.kind = k
	e.at = at
	e.stamp(r)
	e.user = u
	e.tenant = u.tenant
	e.sessionID = session(g.o.Seed, u, at)
	e.place = u.place
	e.protocol = "none"
	e.risk = "none"
	switch p := r.IntN(20); {
	case p < 13:
		g.atOffice(e)
	case p < 19:
		e.ip = u.homeIP
		e.asn = 64501 + u.idx%4
	default:
		e.ip = "198.51.100." + strconv.Itoa(201+r.IntN(50))
		e.asn = 64510
	}
	e.device = u.desktop
	if r.IntN(4) == 0 {
		e.device = u.phone
	}
	e.clientApp = e.device.clientApp
	e.userAgent = e.device.userAgent
	pairs := browserApps
	if e.clientApp != "Browser" {
		pairs = clientApps
	}
	p := pairs[r.IntN(len(pairs))]
	e.app, e.resource = p.app, p.resource
}

// atOffice moves a single-factor sign-in to an office address: CA001
// excludes trusted locations, so only there may a user skip MFA.
func (g *generator) atOffice(e *event) {
	t := e.user.tenant
	e.ip = t.officeIPs[g.r.IntN(len(t.officeIPs))]
	e.place, e.asn = t.office, 64500
}

// interactive fills an interactive sign-in over a modern client.
func (g *generator) interactive(e *event, u *user) {
	r := g.r
	g.userBase(e, u, kindInteractive, g.randomTime(true))
	if g.failed() {
		g.interactiveFailure(e, interactiveFailures.pick(r))
		return
	}
	if u.mfaExcluded != notExcluded || r.Float64() >= g.o.MFAShare {
		g.atOffice(e)
		e.addStep(stepPassword)
		return
	}
	e.mfa = true
	if r.IntN(100) < 45 {
		e.addStep(stepPassword)
		e.addStep(stepClaimMFA)
		e.details = detailClaimMFA
		return
	}
	g.freshMFA(e)
}

// freshMFA adds a password step and a completed second factor.
func (g *generator) freshMFA(e *event) {
	m := g.r.IntN(len(mfaMethods))
	e.addStep(stepPassword)
	e.addStep(step{mfaMethods[m], mfaMethodDetails[m], reqMFA, detailMFADone, true})
	e.details = detailMFADone
	e.mfaMethod, e.mfaDetail = mfaMethods[m], mfaMethodDetails[m]
}

// interactiveFailure shapes e as a failed or interrupted sign-in with code.
func (g *generator) interactiveFailure(e *event, code int) {
	r := g.r
	e.code = code
	switch code {
	case 50126:
		e.addStep(stepBadPassword)
		if r.IntN(5) == 0 {
			e.risk = "low"
		}
	case 50053:
		e.addStep(stepLocked)
	case 50055:
		e.addStep(stepExpired)
	case 50074, 50076, 50072:
		e.mfa = true
		e.addStep(stepPassword)
		e.details = "MFA required in Azure AD"
	case 500121:
		e.mfa = true
		e.addStep(stepPassword)
		if r.IntN(10) < 7 {
			e.addStep(stepPushDenied)
			e.details = detailDenied
		} else {
			e.addStep(stepPushNoReply)
			e.details = detailNoResponse
		}
		e.mfaMethod = "Mobile app notification"
	case 53003:
		// Blocked by the location policy: the request came from abroad.
		e.mfa = true
		e.addStep(stepPassword)
		e.addStep(stepClaimMFA)
		e.details = detailClaimMFA
		e.place = foreignPlaces[r.IntN(len(foreignPlaces))]
		e.ip = "203.0.113." + strconv.Itoa(1+r.IntN(60))
		e.asn = 64505
		e.blockedByLoc = true
		e.risk = "medium"
	default: // 50140, 50125: interrupts after a good password
		e.mfa = r.Float64() < g.o.MFAShare
		e.addStep(stepPassword)
		if e.mfa {
			e.addStep(stepClaimMFA)
			e.details = detailClaimMFA
		} else {
			g.atOffice(e)
		}
	}
}

// legacyUser fills an interactive sign-in over a legacy protocol: always
// single-factor, Basic authentication.
func (g *generator) legacyUser(e *event, u *user) {
	g.userBase(e, u, kindInteractive, g.randomTime(false))
	g.makeLegacy(e, legacyClientPick.pick(g.r))
	if g.failed() {
		e.code = legacyFailures.pick(g.r)
		switch e.code {
		case 50126:
			e.addStep(stepBadPassword)
		case 50053:
			e.addStep(stepLocked)
		default:
			e.addStep(stepExpired)
		}
		return
	}
	e.addStep(stepPassword)
}

func (g *generator) makeLegacy(e *event, client int) {
	c := legacyClients[client]
	e.legacy = true
	e.clientApp = c.name
	e.userAgent = c.userAgent
	if c.userAgent == "BAV2ROPC" {
		e.protocol = "ropc"
	}
	e.app, e.resource = appExchange, appExchange
	e.device = noDevice
}

// nonInteractive fills a token refresh made by a client on the user's behalf.
func (g *generator) nonInteractive(e *event, u *user) {
	r := g.r
	g.userBase(e, u, kindNonInteractive, g.randomTime(true))
	if g.failed() {
		e.code = nonInteractiveFailures.pick(r)
		if e.code == 53003 {
			g.interactiveFailure(e, 53003)
			return
		}
		e.mfa = e.code == 50076 || e.code == 50074
		e.addStep(stepTokenRejected)
		return
	}
	e.addStep(stepClaimFirst)
	if r.IntN(10) < 7 {
		e.mfa = true
		e.addStep(stepClaimMFA)
		e.details = detailClaimMFA
		return
	}
	g.atOffice(e)
}

// servicePrincipal fills a service principal or managed identity sign-in.
func (g *generator) servicePrincipal(e *event) {
	r := g.r
	t := g.tenants[r.IntN(len(g.tenants))]
	e.at = g.randomTime(false)
	e.stamp(r)
	e.tenant = t
	e.protocol = "none"
	e.risk = "none"
	e.device = noDevice
	e.resource = resGraph
	e.place = t.office
	e.asn = 64502
	if r.IntN(5) == 0 {
		e.kind = kindManagedIdentity
		e.sp = t.mis[r.IntN(len(t.mis))]
		e.ip = "192.0.2.250"
		if g.failed() {
			e.code = 700027
		}
	} else {
		e.kind = kindServicePrincipal
		e.sp = t.sps[r.IntN(len(t.sps))]
		e.ip = "192.0.2." + strconv.Itoa(200+r.IntN(40))
		if g.failed() {
			e.code = spFailures.pick(r)
		}
	}
	e.app = e.sp.app
}
