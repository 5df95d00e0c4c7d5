package gen

import (
	"math/rand/v2"
	"time"
)

// step is one authenticationDetails entry.
type step struct {
	method, methodDetail, requirement, result string
	ok                                        bool
}

const (
	reqPrimary = "Primary authentication"
	reqMFA     = "Multi-factor authentication"

	detailClaimMFA   = "MFA requirement satisfied by claim in the token"
	detailClaimFirst = "First factor requirement satisfied by claim in the token"
	detailMFADone    = "MFA successfully completed"
	detailDenied     = "MFA denied; user declined the authentication"
	detailNoResponse = "MFA denied; user did not respond to mobile app notification"
)

var (
	stepPassword      = step{"Password", "Password Hash Sync", reqPrimary, "Correct password", true}
	stepBadPassword   = step{"Password", "Password Hash Sync", reqPrimary, "Invalid username or password or Invalid on-premise username or password.", false}
	stepLocked        = step{"Password", "Password Hash Sync", reqPrimary, "Account is locked", false}
	stepExpired       = step{"Password", "Password Hash Sync", reqPrimary, "User's password is expired", false}
	stepClaimFirst    = step{"Previously satisfied", "", reqPrimary, detailClaimFirst, true}
	stepClaimMFA      = step{"Previously satisfied", "", reqMFA, detailClaimMFA, true}
	stepPushDenied    = step{"Mobile app notification", "", reqMFA, detailDenied, false}
	stepPushNoReply   = step{"Mobile app notification", "", reqMFA, detailNoResponse, false}
	mfaMethods        = []string{"Mobile app notification", "Mobile app notification", "Mobile app notification", "Text message", "OATH verification code"}
	mfaMethodDetails  = []string{"", "", "", "+X XXXXXXXX00", ""}
	stepTokenRejected = step{"Previously satisfied", "", reqPrimary, "Token was rejected", false}
)

// event is one sign-in; the three renderers only read it.
type event struct {
	kind          kind
	at            time.Time
	requestID     guid
	correlationID guid
	sessionID     guid
	uti           [22]byte
	user          *user // nil for service principals and managed identities
	sp            *spApp
	tenant        *tenant
	app, resource *app
	ip            string
	place         *place
	asn           int
	device        *device
	clientApp     string
	legacy        bool
	protocol      string // Graph authenticationProtocol
	userAgent     string
	code          int
	mfa           bool   // authenticationRequirement is multiFactorAuthentication
	details       string // status.additionalDetails
	mfaMethod     string // mfaDetail.authMethod
	mfaDetail     string
	steps         [2]step
	nsteps        int
	latency       int
	risk          string // riskLevelDuringSignIn
	blockedByLoc  bool   // CA003 (location block) failed the sign-in
}

func (g guid) empty() bool { return g[0] == 0 }

func (e *event) authSteps() []step { return e.steps[:e.nsteps] }

func (e *event) addStep(s step) {
	e.steps[e.nsteps] = s
	e.nsteps++
}

const base64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// stamp fills the per-event ids from r.
func (e *event) stamp(r *rand.Rand) {
	e.requestID = randomGUID(r)
	e.correlationID = randomGUID(r)
	x := r.Uint64()
	y := r.Uint64()
	for i := range e.uti {
		if i < 11 {
			e.uti[i] = base64URL[x&63]
			x >>= 6
		} else {
			e.uti[i] = base64URL[y&63]
			y >>= 6
		}
	}
	e.latency = 40 + r.IntN(400)
}

// session gives a user the same session id for every sign-in of one day.
func session(seed int64, u *user, at time.Time) guid {
	h := splitmix(uint64(seed) ^ uint64(u.idx)<<24 ^ uint64(at.Unix()/86400))
	return guidFrom(h, splitmix(h))
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
