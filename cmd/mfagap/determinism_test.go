package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSameInputsAnyOrder passes the same inputs (sample exports, the hostile
// corpus, and two files holding the same sign-ins) in three orders: the
// findings JSON must be byte-identical and the HTML identical apart from the
// generation time (issue 6).
func TestSameInputsAnyOrder(t *testing.T) {
	var inputs []string
	for _, dir := range []string{"../../testdata/exports/contoso", "../../ingest/testdata/dedup"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			inputs = append(inputs, filepath.Join(dir, e.Name()))
		}
	}
	inputs = append(inputs, "../../testdata/hostile")
	n := len(inputs)
	orders := [][]string{inputs, make([]string, n), append(append([]string{}, inputs[n/2:]...), inputs[:n/2]...)}
	for i := range inputs {
		orders[1][n-1-i] = inputs[i]
	}

	var firstJSON, firstHTML string
	for i, order := range orders {
		out := t.TempDir()
		html, js := filepath.Join(out, "r.html"), filepath.Join(out, "f.json")
		code, _, stderr := runCLI(t, append([]string{"report", "-q", "-o", html, "--json", js}, order...)...)
		if code != 0 {
			t.Fatalf("order %d: exit %d\n%s", i, code, stderr)
		}
		j, _ := os.ReadFile(js)
		h, _ := os.ReadFile(html)
		if i == 0 {
			firstJSON, firstHTML = string(j), string(h)
			continue
		}
		if string(j) != firstJSON {
			t.Errorf("order %d: findings JSON differs:\n%s", i, firstDiff(firstJSON, string(j)))
		}
		if d := firstDiff(firstHTML, string(h)); d != "" && !onlyGenerationTime(firstHTML, string(h)) {
			t.Errorf("order %d: HTML differs beyond the generation time:\n%s", i, d)
		}
	}
}

// onlyGenerationTime reports whether a and b differ only in lines that print
// the generation time.
func onlyGenerationTime(a, b string) bool {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(la) != len(lb) {
		return false
	}
	for i := range la {
		if la[i] != lb[i] && !strings.Contains(strings.ToLower(la[i]), "generated") {
			return false
		}
	}
	return true
}

// firstDiff shows the first differing line of a and b, or "" when equal.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return "line " + strconv.Itoa(i+1) + ":\n- " + clip(x) + "\n+ " + clip(y)
		}
	}
	return ""
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
