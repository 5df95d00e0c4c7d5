package gen

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// kind is what sort of sign-in an event is; it picks the output file and
// the diagnostic category.
type kind uint8

const (
	kindInteractive kind = iota
	kindNonInteractive
	kindServicePrincipal
	kindManagedIdentity
)

// guid is a GUID in its 36-character text form.
type guid [36]byte

const hexDigits = "0123456789abcdef"

// guidFrom formats two 64-bit words as a version-4-shaped GUID.
func guidFrom(hi, lo uint64) guid {
	hi = hi&^(0xf<<12) | 0x4<<12 // version nibble
	lo = lo&^(0x3<<62) | 0x2<<62 // variant bits
	var g guid
	j := 0
	for i := 0; i < 16; i++ {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			g[j] = '-'
			j++
		}
		var b byte
		if i < 8 {
			b = byte(hi >> (56 - 8*i))
		} else {
			b = byte(lo >> (56 - 8*(i-8)))
		}
		g[j] = hexDigits[b>>4]
		g[j+1] = hexDigits[b&0xf]
		j += 2
	}
	return g
}

func randomGUID(r *rand.Rand) guid { return guidFrom(r.Uint64(), r.Uint64()) }

// fakeID is an obviously fake directory object id: a repeated hex digit
// names the object type and n numbers it, e.g. cccccccc-cccc-cccc-cccc-000000000007.
func fakeID(digit byte, n int) string {
	p := strings.Repeat(string(digit), 8)
	q := p[:4]
	return fmt.Sprintf("%s-%s-%s-%s-%012x", p, q, q, q, n)
}

// place is a sign-in location as Graph reports it.
type place struct {
	city, state, country string
	lat, lon             float64
	csv                  string // "City, State, CC" as the portal CSV shows it
}

func newPlace(city, state, cc string, lat, lon float64) *place {
	return &place{city: city, state: state, country: cc, lat: lat, lon: lon, csv: city + ", " + state + ", " + cc}
}

var (
	homePlaces = []*place{
		newPlace("Seattle", "Washington", "US", 47.6062, -122.3321),
		newPlace("Redmond", "Washington", "US", 47.674, -122.1215),
		newPlace("New York", "New York", "US", 40.7128, -74.006),
		newPlace("Chicago", "Illinois", "US", 41.8781, -87.6298),
		newPlace("Austin", "Texas", "US", 30.2672, -97.7431),
		newPlace("London", "England", "GB", 51.5074, -0.1278),
		newPlace("Manchester", "England", "GB", 53.4808, -2.2426),
		newPlace("Dublin", "Dublin", "IE", 53.3498, -6.2603),
	}
	// foreignPlaces are where attacks and CA location blocks come from.
	foreignPlaces = []*place{
		newPlace("Amsterdam", "Noord-Holland", "NL", 52.3676, 4.9041),
		newPlace("Sao Paulo", "Sao Paulo", "BR", -23.5505, -46.6333),
		newPlace("Singapore", "Central Singapore", "SG", 1.3521, 103.8198),
		newPlace("Frankfurt am Main", "Hessen", "DE", 50.1109, 8.6821),
	}
)

// device is a client profile: what the user agent, OS and browser say.
type device struct {
	os, browser, userAgent, clientApp string
	mobile                            bool
}

// noDevice is the empty device of legacy clients and service principals.
var noDevice = &device{}

var desktops = []*device{
	{"Windows10", "Edge 122.0.0", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.0.0", "Browser", false},
	{"Windows10", "Chrome 122.0.0", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36", "Browser", false},
	{"MacOs", "Safari 17.3", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15", "Browser", false},
	{"Windows10", "Rich Client 5.2.9.0", "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)", "Mobile Apps and Desktop clients", false},
	{"Windows10", "Rich Client 5.2.9.0", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0 Teams/24033.813.2773.520", "Mobile Apps and Desktop clients", false},
}

var phones = []*device{
	{"Ios 17.3.1", "Mobile Safari", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 PKeyAuth/1.0", "Mobile Apps and Desktop clients", true},
	{"Android 14", "Chrome Mobile 122.0.6261", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.64 Mobile Safari/537.36", "Browser", true},
	{"Ios 17.3.1", "", "Outlook-iOS/2.0", "Mobile Apps and Desktop clients", true},
}

// app is an application or resource: display name and app id. The ids of
// first-party Microsoft apps are the public, well-known ones.
type app struct{ name, id string }

var (
	appOffice      = &app{"Office 365", "4765445b-32c6-49b0-83e6-1d93765276ca"}
	appTeams       = &app{"Microsoft Teams", "1fec8e78-bce4-4aaf-ab1b-5451cc387264"}
	appOutlookMob  = &app{"Outlook Mobile", "27922004-5251-4030-b22d-91ecd9a37ea4"}
	appAzurePortal = &app{"Azure Portal", "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"}
	appOfficeDesk  = &app{"Microsoft Office", "d3590ed6-52b3-4102-aeff-aad2292ab01c"}
	appOneDrive    = &app{"OneDrive SyncEngine", "ab9b8c07-8f02-4f72-87fa-80105867a763"}
	appBroker      = &app{"Microsoft Authentication Broker", "29d9ed98-a469-4536-ade2-f981bc1d605e"}
	appExchange    = &app{"Office 365 Exchange Online", "00000002-0000-0ff1-ce00-000000000000"}
	resGraph       = &app{"Microsoft Graph", "00000003-0000-0000-c000-000000000000"}
	resSharePoint  = &app{"Office 365 SharePoint Online", "00000003-0000-0ff1-ce00-000000000000"}
	resAzureMgmt   = &app{"Windows Azure Service Management API", "797f4846-ba00-4fd7-ba43-dac1f8f63013"}
	resTeams       = &app{"Microsoft Teams Services", "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe"}
)

// appPair is an application and the resource it asks a token for.
type appPair struct{ app, resource *app }

var (
	browserApps = []appPair{{appOffice, resGraph}, {appOffice, resSharePoint}, {appAzurePortal, resAzureMgmt}, {appOffice, appExchange}}
	clientApps  = []appPair{{appTeams, resTeams}, {appOfficeDesk, appExchange}, {appOutlookMob, appExchange}, {appOneDrive, resSharePoint}, {appBroker, resGraph}}
)

// legacyClients are the §9.3 legacy clientAppUsed values with weights and
// the user agent each usually shows.
var legacyClients = []struct {
	name, userAgent string
	weight          int
}{
	{"Exchange ActiveSync", "Apple-iPhone15C2/2102.55", 30},
	{"IMAP4", "BAV2ROPC", 15},
	{"Authenticated SMTP", "BAV2ROPC", 15},
	{"POP3", "BAV2ROPC", 8},
	{"Other clients", "BAV2ROPC", 8},
	{"MAPI Over HTTP", "Microsoft Office/15.0 (Windows NT 6.1; Microsoft Outlook 15.0.5579; Pro)", 8},
	{"Exchange Web Services", "ExchangeServicesClient/15.00.0913.015", 8},
	{"AutoDiscover", "Microsoft Office/15.0 (Windows NT 6.1; Microsoft Outlook 15.0.5579; Pro)", 5},
	{"Outlook Anywhere (RPC over HTTP)", "Microsoft Office/14.0 (Windows NT 6.1; Microsoft Outlook 14.0.7268; Pro)", 3},
}

// spApp is a tenant-owned service principal (or managed identity).
type spApp struct {
	app                                                *app
	name, appID, objectID, credType, keyID, thumbprint string
	msiType, associatedResource                        string
}

// tenant is one fictitious directory.
type tenant struct {
	id, name, domain string
	office           *place
	officeIPs        []string
	sps, mis         []*spApp
}

// exclusion says how a user is taken out of a CA policy's scope.
type exclusion uint8

const (
	notExcluded exclusion = iota
	excludedByUserID
	excludedByGroup
)

// user is one account with its usual device and network.
type user struct {
	idx                int
	id, upn, name      string
	userType           string // "Member" or "Guest"
	homeTenantID       string
	tenant             *tenant
	place              *place
	homeIP             string
	desktop, phone     *device
	deviceID           string
	compliant, managed bool
	mfaExcluded        exclusion // from CA001 (require MFA)
	legacyExcepted     bool      // in the exception group of CA002 (block legacy)
}

var firstNames = []string{"adele", "alex", "allan", "diego", "grady", "henrietta", "isaiah", "joni", "lee", "lidia", "lynne", "megan", "miriam", "nestor", "patti", "pradeep", "johanna", "irvin", "christie", "debra"}
var lastNames = []string{"vance", "wilber", "deyoung", "siciliani", "archie", "mueller", "langer", "sherman", "gu", "holloway", "robbins", "bowen", "graham", "wilke", "fernandez", "gupta", "lorenz", "sayers", "cline", "berger"}

func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// newTenants builds n tenants with their offices and service principals.
func newTenants(n int) []*tenant {
	ts := make([]*tenant, n)
	for k := range ts {
		t := &tenant{id: fakeID('1', k+1), name: "Contoso", domain: "contoso.com"}
		if k > 0 {
			t.name = fmt.Sprintf("Example %d", k+1)
			t.domain = fmt.Sprintf("t%d.example.com", k+1)
		}
		t.office = homePlaces[k%len(homePlaces)]
		for j := 0; j < 3; j++ {
			t.officeIPs = append(t.officeIPs, fmt.Sprintf("192.0.2.%d", 10+k*8+j))
		}
		for j, name := range []string{"HR Connector", "Backup Automation", "Invoice Sync", "Monitoring Agent"} {
			n := k*16 + j + 1
			cred := []string{"clientSecret", "certificate", "clientAssertion", "clientSecret"}[j]
			sp := &spApp{name: t.name + " " + name, appID: fakeID('a', n), objectID: fakeID('b', n), credType: cred, keyID: fakeID('f', n), msiType: "none"}
			if cred == "certificate" || cred == "clientAssertion" {
				sp.thumbprint = fmt.Sprintf("%040X", n)
			}
			sp.app = &app{sp.name, sp.appID}
			t.sps = append(t.sps, sp)
		}
		for j, name := range []string{"func-invoices", "vm-jumphost"} {
			n := k*16 + 8 + j
			msiType := []string{"systemAssigned", "userAssigned"}[j]
			mi := &spApp{
				name: name, appID: fakeID('a', n), objectID: fakeID('b', n), credType: "managedIdentity", msiType: msiType,
				associatedResource: "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg-contoso/providers/Microsoft.Web/sites/" + name,
			}
			mi.app = &app{mi.name, mi.appID}
			t.mis = append(t.mis, mi)
		}
		ts[k] = t
	}
	return ts
}

// newUsers builds n regular users spread over the tenants, then the special
// accounts of the planted scenarios (see specials.go).
func newUsers(r *rand.Rand, n int, ts []*tenant) []*user {
	us := make([]*user, 0, n+len(specialAccounts))
	for i := 0; i < n; i++ {
		t := ts[i%len(ts)]
		first := firstNames[r.IntN(len(firstNames))]
		last := lastNames[r.IntN(len(lastNames))]
		u := &user{
			idx: i, id: fakeID('c', i+1), name: title(first) + " " + title(last),
			upn: fmt.Sprintf("%s.%s%d@%s", first, last, i+1, t.domain), userType: "Member",
			homeTenantID: t.id, tenant: t, place: t.office,
			homeIP:  fmt.Sprintf("198.51.100.%d", 1+r.IntN(200)),
			desktop: desktops[r.IntN(len(desktops))], phone: phones[r.IntN(len(phones))],
		}
		if r.IntN(10) < 8 {
			u.deviceID = fakeID('d', i+1)
			u.managed = true
			u.compliant = r.IntN(10) < 9
		}
		if r.IntN(4) == 0 {
			u.place = homePlaces[r.IntN(len(homePlaces))]
		}
		if r.IntN(100) < 3 {
			// B2B guest from a partner directory.
			u.userType = "Guest"
			u.homeTenantID = fakeID('e', 1+r.IntN(5))
			u.upn = fmt.Sprintf("%s.%s%d_example.com#EXT#@%s", first, last, i+1, t.domain)
			u.deviceID, u.managed, u.compliant = "", false, false
		}
		us = append(us, u)
	}
	t := ts[0]
	for j, s := range specialAccounts {
		us = append(us, &user{
			idx: n + j, id: fakeID('c', 0xfff000+j), name: s.name, upn: s.local + "@" + t.domain,
			userType: "Member", homeTenantID: t.id, tenant: t, place: t.office, homeIP: t.officeIPs[0],
			desktop: desktops[0], phone: phones[0], mfaExcluded: s.mfaExcluded, legacyExcepted: s.legacyExcepted,
		})
	}
	return us
}

// codeInfo is how one Entra error code shows up.
type codeInfo struct {
	reason string
	status string // portal CSV Status
}

var codes = map[int]codeInfo{
	0:       {"", "Success"},
	50053:   {"Account is locked because user tried to sign in too many times with an incorrect user ID or password.", "Failure"},
	50055:   {"Invalid password, entered expired password.", "Failure"},
	50072:   {"User needs to enroll for second factor authentication (interactive).", "Interrupted"},
	50074:   {"Strong Authentication is required.", "Interrupted"},
	50076:   {"Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.", "Failure"},
	50125:   {"Sign-in was interrupted due to a password reset or password registration entry.", "Interrupted"},
	50126:   {"Error validating credentials due to invalid username or password.", "Failure"},
	50133:   {"Session is invalid due to expiration or recent password change.", "Failure"},
	50140:   {"This error occurred due to 'Keep me signed in' interrupt when the user was signing-in.", "Interrupted"},
	50173:   {"The provided grant has expired due to it being revoked, a fresh auth token is needed.", "Failure"},
	53003:   {"Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.", "Failure"},
	500121:  {"Authentication failed during strong authentication request.", "Failure"},
	700027:  {"Client assertion failed signature validation.", "Failure"},
	7000215: {"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.", "Failure"},
	7000222: {"The provided client secret keys for app are expired.", "Failure"},
}

// weighted is a cumulative-weight table over ints.
type weighted struct {
	vals []int
	cum  []int
}

func newWeighted(pairs ...int) weighted {
	var w weighted
	total := 0
	for i := 0; i < len(pairs); i += 2 {
		total += pairs[i+1]
		w.vals = append(w.vals, pairs[i])
		w.cum = append(w.cum, total)
	}
	return w
}

func (w weighted) pick(r *rand.Rand) int {
	x := r.IntN(w.cum[len(w.cum)-1])
	for i, c := range w.cum {
		if x < c {
			return w.vals[i]
		}
	}
	return w.vals[len(w.vals)-1]
}

var (
	interactiveFailures    = newWeighted(50126, 30, 50140, 18, 50074, 14, 50076, 8, 500121, 6, 53003, 6, 50053, 5, 50055, 4, 50125, 3, 50072, 3)
	legacyFailures         = newWeighted(50126, 80, 50053, 15, 50055, 5)
	nonInteractiveFailures = newWeighted(50173, 35, 50133, 25, 50076, 15, 50074, 10, 50126, 10, 53003, 5)
	spFailures             = newWeighted(7000215, 60, 7000222, 30, 700027, 10)
	legacyClientPick       weighted
	// hourWeights shapes the day: interactive traffic follows office hours
	// (UTC, so it suits the US and European offices roughly).
	businessHours = newWeighted(0, 2, 1, 1, 2, 1, 3, 1, 4, 1, 5, 2, 6, 4, 7, 8, 8, 12, 9, 14, 10, 14, 11, 13, 12, 12, 13, 13, 14, 14, 15, 14, 16, 12, 17, 9, 18, 6, 19, 4, 20, 3, 21, 3, 22, 2, 23, 2)
)

func init() {
	var pairs []int
	for i, c := range legacyClients {
		pairs = append(pairs, i, c.weight)
	}
	legacyClientPick = newWeighted(pairs...)
}
