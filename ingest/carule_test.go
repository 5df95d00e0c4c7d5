package ingest

import (
	"database/sql"
	"testing"
)

// ca_rule_text reads a rule given as text: an object's members as
// 'condition:rule' (a member that is not a string as its JSON), and ':' for
// text that is not JSON, JSON that is not an object, and NULL.
func TestCARuleText(t *testing.T) {
	db := memDB(t)
	for _, tc := range []struct {
		in   any
		want string
	}{
		{`{"conditionalAccessCondition":"users","ruleSatisfied":"allUsers"}`, "users:allUsers"},
		{` {"ruleSatisfied":"z"} `, ":z"},
		{`{"conditionalAccessCondition":"a","ruleSatisfied":{"x":1}}`, `a:{"x":1}`},
		{`{"conditionalAccessCondition":"a","conditionalAccessCondition":"b"}`, "a:"},
		{`"x"`, ":"},
		{`[1]`, ":"},
		{`null`, ":"},
		{`{bad`, ":"},
		{``, ":"},
		{`{"ruleSatisfied":"z"} x`, ":"},
		{nil, ":"},
	} {
		var got sql.NullString
		if err := db.QueryRow("select ca_rule_text(?::varchar)", tc.in).Scan(&got); err != nil {
			t.Fatalf("%v: %v", tc.in, err)
		}
		if got.String != tc.want {
			t.Errorf("ca_rule_text(%v) = %q, want %q", tc.in, got.String, tc.want)
		}
	}
}
