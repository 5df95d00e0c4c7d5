package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/mfagap/mfagap/progress"
)

// typeName is what PowerShell's ConvertTo-Json writes for an object nested
// deeper than its -Depth (2 unless given): the object's ToString(), a .NET
// type name ("Microsoft.Graph.PowerShell.Models.MicrosoftGraphSignInStatus",
// the AzureAD module's "Microsoft.Open.MSGraph.Model.…",
// "System.Collections.Hashtable", "System.Object[]") or, in Windows
// PowerShell 5.1, a custom object's "@{ErrorCode=0; FailureReason=}". The
// names are those of types, not of apps ("Microsoft.Azure.SyncFabric").
var typeName = regexp.MustCompile(`^(?:Microsoft\.Graph\.(?:PowerShell\.)?Models\.\w+` +
	`|Microsoft\.Open\.[\w.]+\.Models?\.\w+` +
	"|System\\.(?:Object\\[\\]|String\\[\\]|Collections\\.[\\w.`\\[\\],]+|Management\\.Automation\\.PSCustomObject)" +
	`|@\{\w+=.*\})$`)

// shallowMembers returns, as dotted paths, the members of a JSON file's
// first records (those whole in its sniffed head, up to shallowRecords, and
// the objects and arrays in them, three levels down) that hold such a type
// name instead of their content: the file was written with too small a
// -Depth, and what those members held is not in it. The loader reads such a
// file all the same (its other members are sound) and says so, as a
// warning: a sign-in's status, MFA steps or policy results, or a policy's
// conditions, missing from every record make the checks wrong without a
// word. More than the first record: one whose policy results are an empty
// list shows nothing, where the next one's hold "System.Object[]". Empty
// when none does. later false reads the first record only: Azure writes
// diagnostic settings archives, never PowerShell, and a month of them is
// 720 hourly files.
func shallowMembers(sn *sniff, later bool) []string {
	if !sn.isJSON || len(sn.keys) == 0 {
		return nil
	}
	var hits []string
	seen := map[string]bool{}
	budget := shallowNodes
	var walk func(path, key string, v json.RawMessage, depth int)
	walk = func(path, key string, v json.RawMessage, depth int) {
		if len(hits) >= 50 || budget <= 0 {
			return
		}
		budget--
		t := strings.TrimSpace(string(v))
		switch {
		case strings.HasPrefix(t, `"`):
			var s string
			if !seen[path] && objectMembers[strings.ToLower(key)] && json.Unmarshal(v, &s) == nil && typeName.MatchString(s) {
				seen[path] = true
				hits = append(hits, path)
			}
		case depth >= 3:
		case strings.HasPrefix(t, "{"):
			var m map[string]json.RawMessage
			if json.Unmarshal(v, &m) == nil {
				for _, k := range slices.Sorted(maps.Keys(m)) {
					walk(path+"."+k, k, m[k], depth+1)
				}
			}
		case strings.HasPrefix(t, "["):
			var a []json.RawMessage
			if json.Unmarshal(v, &a) == nil {
				for _, e := range a {
					walk(path+"[]", key, e, depth+1)
				}
			}
		}
	}
	record := func(m map[string]json.RawMessage) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			walk(k, k, m[k], 0)
		}
	}
	record(sn.keys)
	if !later || !mayHoldTypeName(sn.head) {
		return hits
	}
	n := 0
	each := func(raw []byte) bool {
		if n++; n == 1 { // the first is sn.keys
			return true
		}
		var m map[string]json.RawMessage
		if mayHoldTypeName(raw) && json.Unmarshal(raw, &m) == nil {
			record(m)
		}
		return n < shallowRecords && budget > 0
	}
	if sn.ndjson {
		for _, line := range bytes.Split(sn.head, []byte("\n")) {
			if line = bytes.TrimSpace(line); len(line) > 0 && !each(line) {
				break
			}
		}
		return hits
	}
	stop := errors.New("stop")
	splitJSON(bytes.NewReader(sn.head), false, func(r jsonRecord) error {
		if r.Err != "" || !each(r.Raw) {
			return stop
		}
		return nil
	})
	return hits
}

// mayHoldTypeName says whether b may hold one of typeName's names: walking
// every record of a 1 MiB head of diagnostic records took 49 ms, 35 s over
// a month of hourly files, where this look takes 0.24 ms.
func mayHoldTypeName(b []byte) bool {
	for _, p := range typeNamePrefixes {
		if bytes.Contains(b, p) {
			return true
		}
	}
	return false
}

var typeNamePrefixes = [][]byte{[]byte("Microsoft.Graph."), []byte("Microsoft.Open."), []byte("System."), []byte("@{")}

// shallowRecords and shallowNodes bound what shallowMembers reads: the
// records, and the values walked in all of them. Walking a 5 KB record
// costs a quarter of a millisecond; only records that hold one of
// typeNamePrefixes are walked.
const (
	shallowRecords = 20
	shallowNodes   = 20_000
)

// objectMembers are the members (lower-case) of the exports mfagap reads
// whose values are objects or arrays, or arrays' elements. Only they count:
// a user agent, a display name or a failure reason is free text an attacker
// writes, and "System.Object[]" there must not cast doubt on a sound export.
var objectMembers = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range strings.Fields(`status location devicedetail authenticationdetails
		appliedconditionalaccesspolicies additionalproperties networklocationdetails mfadetail
		authenticationprocessingdetails appliedeventlisteners authenticationappdetail
		privatelinkdetails tokenprotectionstatusdetails sessionlifetimepolicies signineventtypes
		authenticationmethodsused geocoordinates properties conditions grantcontrols sessioncontrols
		users applications clientapplications platforms locations devices userriskLevels
		signinrisklevels clientapptypes includeusers excludeusers includegroups excludegroups
		includeroles excluderoles includeguestsorexternalusers excludeguestsorexternalusers
		includeapplications excludeapplications includeuseractions includelocations excludelocations
		includeplatforms excludeplatforms builtincontrols customauthenticationfactors
		termsofuse authenticationstrength enforcedgrantcontrols enforcedsessioncontrols
		conditionsnotsatisfied conditionssatisfied includerulessatisfied excluderulessatisfied
		ipranges countriesandregions methodsregistered value records`) {
		m[strings.ToLower(k)] = true
	}
	return m
}()

// listHits names the members shallowMembers found, the first five of more
// than six.
func listHits(hits []string) string {
	if len(hits) > 6 {
		hits = append(hits[:5:5], fmt.Sprintf("%d more", len(hits)-5))
	}
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = progress.Truncate(h, 80) // member names are the file's: any length
	}
	return strings.Join(out, ", ")
}

// shallowWarning is the note on a file shallowMembers finds members in.
func shallowWarning(hits []string) string {
	n := len(hits)
	return fmt.Sprintf("warning: written by PowerShell's ConvertTo-Json with too small a -Depth: %s in the first records %s a .NET type name instead of its content, so what %s is missing and the checks that need it are wrong for this file. Export it again with ConvertTo-Json -Depth 10",
		listHits(hits), plural(int64(n), "holds", "hold"), plural(int64(n), "it held", "they held"))
}

// NoteWarning returns the first warning in a source's note (the text after
// "warning: ", up to the next note), or "". A warning is a note that makes
// the checks wrong for the file, not an assumption made while reading it:
// the CLI prints it and the reports call it out above the findings.
func NoteWarning(note string) string {
	_, w, ok := strings.Cut(note, "warning: ")
	if !ok {
		return ""
	}
	w, _, _ = strings.Cut(w, "; ")
	return w
}
