package ingest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
)

// csvRows hands each kept row's non-empty cells keyed by normalised header,
// numbers lines around the rejected ones, lets the later of two headers that
// normalise alike win, and reads only the columns want picks.
func TestCSVRows(t *testing.T) {
	ctx := context.Background()
	db := memDB(t)
	if _, err := db.Exec(`create temp table csv_rows as select * from (values
  ('2025-03-01T10:00:00Z', 'curl/8', 'imap', ''),
  ('2025-03-02T10:00:00Z', 'Mozilla "5"', NULL, 'x'),
  (NULL, '=cmd|'' /c calc''!A1', 'pop', NULL)
) v("TimeGenerated [UTC]", "User  Agent", "user agent", "Empty")`); err != nil {
		t.Fatal(err)
	}
	l := &loader{db: db}
	collect := func(want func(string) bool) []string {
		var got []string
		err := l.csvRows(ctx, map[int64]bool{3: true}, want, func(line int64, row map[string]string) error {
			got = append(got, fmt.Sprintf("%d %v", line, row))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	all := []string{
		"2 map[timegenerated [utc]:2025-03-01T10:00:00Z user agent:imap]",
		"4 map[empty:x timegenerated [utc]:2025-03-02T10:00:00Z user agent:Mozilla \"5\"]",
		"5 map[user agent:pop]",
	}
	if got := collect(nil); !reflect.DeepEqual(got, all) {
		t.Errorf("all columns:\n got %q\nwant %q", got, all)
	}
	times := []string{
		"2 map[timegenerated [utc]:2025-03-01T10:00:00Z]",
		"4 map[timegenerated [utc]:2025-03-02T10:00:00Z]",
		"5 map[]",
	}
	if got := collect(func(k string) bool { return k == "timegenerated [utc]" }); !reflect.DeepEqual(got, times) {
		t.Errorf("time column only:\n got %q\nwant %q", got, times)
	}
	none := []string{"2 map[]", "4 map[]", "5 map[]"}
	if got := collect(func(string) bool { return false }); !reflect.DeepEqual(got, none) {
		t.Errorf("no column:\n got %q\nwant %q", got, none)
	}
}
