package ingest

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/iotest"
)

// mayHoldSlashDate never misses a value the date vote would count (it may
// find more): every string value of each document, decoded as the vote
// decodes it, is compared with what the scan says of the document, also read
// one byte at a time and with the date straddling the scan's chunk edge.
func TestMayHoldSlashDate(t *testing.T) {
	values := []string{
		`"2025-03-14T13:45:17.287Z"`, `"3/14/2025, 1:45:17.287 PM"`, `"14.03.2025 13:45:17"`,
		`" 3/14/2025 1:45 PM"`, "\"\u00a03/14/2025 1:45 PM\"", `"3\/14\/2025 1:45 PM"`,
		`"\u0033/14/2025 1:45 PM"`, `"\t3/14/2025 1:45 PM"`, `"Windows NT 10.0.22631"`,
		`"/tenants/0000/providers/1/2/2025"`, `"123/4/2025 1:00"`, `"1/2/202 1:00"`, `"12/31/2025"`,
		`"10.0.19045.3803 1:00"`, `"1\u0032/3/2025 1:00"`, `"12\/3\/2025 1:00"`, `"\u00203/4/2025 1:00"`, `"Mozilla/5.0 (Windows NT 10.0; Win64; x64)"`, `"a \"3/14/2025 1:45 PM\""`,
	}
	for _, v := range values {
		doc := `[{"Id":"x","TimeGenerated":` + v + `,"UserAgent":"curl/8"}]`
		var s string
		if err := json.Unmarshal([]byte(v), &s); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		var vote dateVote
		vote.observe(s)
		counted := vote.dayFirst || vote.monthFirst || vote.ambiguous > 0
		pattern := slashDate.MatchString(strings.TrimSpace(s))
		type input struct{ name, doc string }
		inputs := []input{{"whole", doc}}
		for _, pad := range []int{1<<20 - 40, 1<<20 + 20, 1<<20 + 40, 1<<20 + 63} {
			inputs = append(inputs, input{"padded", strings.Repeat(" ", pad) + doc})
		}
		for _, r := range inputs {
			may, err := mayHoldSlashDate(iotest.OneByteReader(strings.NewReader(r.doc)))
			if err != nil {
				t.Fatal(err)
			}
			if pattern && !may {
				t.Errorf("%s, %s: a date the vote reads (counted %t) was not found", v, r.name, counted)
			}
		}
	}
	for _, doc := range []string{
		`[{"TimeGenerated":"2025-03-14T13:45:17Z","ResourceId":"/tenants/4b2462a4/providers/x","UserAgent":"Windows NT 10.0.22631"}]`,
		`[{"DeviceDetail":"{\"deviceId\":\"x\",\"browser\":\"Edge 117.0.2045\"}","Status":"{\"errorCode\":0}","X":"{\"a\":\"\",\"b\":\"\\\\x\"}"}]`,
		`{"a":"1/2"} {"b":"12.12.12"}`,
	} {
		if may, _ := mayHoldSlashDate(strings.NewReader(doc)); may {
			t.Errorf("%s: found a slash date where there is none", doc)
		}
	}
}
