package ingest

import (
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
)

// localizedHeader renders the 55-column portal header in lang, using the
// alias table; columns the table does not translate get a placeholder that
// no alias matches, as an unknown translated column would.
func localizedHeader(t *testing.T, lang string) string {
	t.Helper()
	byKey := map[string]string{}
	rows, err := csv.NewReader(strings.NewReader(portalHeadersCSV)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		if r[1] == lang {
			if _, ok := byKey[r[0]]; !ok {
				byKey[r[0]] = r[2]
			}
		}
	}
	var cells []string
	for i, h := range portalColumns {
		key := headerAliases[normHeader(h)]
		if v, ok := byKey[key]; ok && !(key == "date" && i > 0) {
			cells = append(cells, `"`+v+`"`)
			continue
		}
		cells = append(cells, fmt.Sprintf(`"%s-col-%d"`, lang, i+1))
	}
	return strings.Join(cells, ",")
}

// portalRequirements are the Authentication requirement values of each
// portal language: multifactor, then single factor.
var portalRequirements = map[string][2]string{
	"es": {"Autenticación multifactor", "Autenticación de un solo factor"},
	"fr": {"Authentification multifacteur", "Authentification à facteur unique"},
	"de": {"Mehrstufige Authentifizierung", "Einstufige Authentifizierung"},
	"pt": {"Autenticação multifator", "Autenticação de fator único"},
	"it": {"Autenticazione a più fattori", "Autenticazione a fattore singolo"},
	"nl": {"Meervoudige verificatie", "Verificatie met één factor"},
	"ja": {"多要素認証", "単一要素認証"},
}

func TestPortalCSVLanguages(t *testing.T) {
	for lang, req := range portalRequirements {
		t.Run(lang, func(t *testing.T) {
			body := localizedHeader(t, lang) + "\r\n" +
				portalSignIn("2025-03-04T08:19:41Z", "p1", "alice@contoso.com", "Browser", "0", req[0], "", "Madrid, Madrid, ES") + "\r\n" +
				portalSignIn("2025-03-04T09:19:41Z", "p2", "bob@contoso.com", "IMAP4", "0", req[1], "", "Madrid, Madrid, ES") + "\r\n"
			db, sum := load(t, Options{}, write(t, t.TempDir(), "InteractiveSignIns_2025-03-01_2025-03-31.csv", "\ufeff"+body))
			s := sum.Sources[0]
			if s.Format != "portal-csv" || s.Loaded != 2 {
				t.Fatalf("format %s loaded %d note %q", s.Format, s.Loaded, s.Note)
			}
			got := strings.Join(queryStrings(t, db, `select concat_ws('/', user_principal_name, authentication_requirement, client_app_used, country)
from signins order by request_id`), ",")
			if got != "alice@contoso.com/multi_factor/Browser/ES,bob@contoso.com/single_factor/IMAP4/ES" {
				t.Errorf("got %s", got)
			}
		})
	}
}

// TestPortalCSVLanguagesExcel: the same downloads re-saved by Excel in a
// European locale, as "CSV (Comma delimited)" writes them there: `;`,
// Windows-1252, no BOM. Their headers and values hold accents as single
// bytes; they are read as Windows-1252 (before, the header was not UTF-8 and
// the file was skipped as unknown).
func TestPortalCSVLanguagesExcel(t *testing.T) {
	semi := func(line string) string { return strings.ReplaceAll(line, `","`, `";"`) }
	for lang, req := range portalRequirements {
		if lang == "ja" {
			continue // Windows-1252 has no Japanese; Excel there saves in Shift JIS
		}
		t.Run(lang, func(t *testing.T) {
			body := semi(localizedHeader(t, lang)) + "\r\n" +
				semi(portalSignIn("2025-03-04T08:19:41Z", "p1", "alice@contoso.com", "Browser", "0", req[0], "", "Málaga, Andalucía, ES")) + "\r\n" +
				semi(portalSignIn("2025-03-04T09:19:41Z", "p2", "bob@contoso.com", "IMAP4", "0", req[1], "", "Málaga, Andalucía, ES")) + "\r\n"
			db, sum := load(t, Options{}, write(t, t.TempDir(), "InteractiveSignIns_2025-03-01_2025-03-31.csv", cp1252(t, body)))
			s := sum.Sources[0]
			if s.Format != "portal-csv" || s.Loaded != 2 || !strings.Contains(s.Note, "Windows-1252") {
				t.Fatalf("format %s loaded %d note %q", s.Format, s.Loaded, s.Note)
			}
			got := strings.Join(queryStrings(t, db, `select concat_ws('/', user_principal_name, authentication_requirement, client_app_used, city, state)
from signins order by request_id`), ",")
			if got != "alice@contoso.com/multi_factor/Browser/Málaga/Andalucía,bob@contoso.com/single_factor/IMAP4/Málaga/Andalucía" {
				t.Errorf("got %s", got)
			}
		})
	}
}

func TestPortalCSVUnknownLanguage(t *testing.T) {
	var cells []string
	for i := range portalColumns {
		cells = append(cells, fmt.Sprintf(`"Sütun %d"`, i+1))
	}
	row := portalSignIn("2025-03-04T08:19:41Z", "p1", "alice@contoso.com", "POP3", "0", "Tek faktörlü", "", "Ankara, Ankara, TR")
	// Same column count and a row that fits the portal layout: read by position.
	db, sum := load(t, Options{}, write(t, t.TempDir(), "InteractiveSignIns_tr.csv", strings.Join(cells, ",")+"\n"+row+"\n"))
	if s := sum.Sources[0]; s.Format != "portal-csv" || s.Loaded != 1 || !strings.Contains(s.Note, "mapped by the portal's 55-column order") {
		t.Fatalf("format %s loaded %d note %q", s.Format, s.Loaded, s.Note)
	}
	if got := queryStrings(t, db, "select client_app_used from signins"); got[0] != "POP3" {
		t.Errorf("client app %q", got)
	}
	// A header of another shape is not guessed: the file is skipped, naming its header.
	_, sum = load(t, Options{}, write(t, t.TempDir(), "x.csv", `"Tarih (UTC)","İstek Kimliği","Durum"`+"\n"+`"2025-03-04T08:19:41Z","p1","Başarılı"`+"\n"))
	if s := sum.Sources[0]; s.Kind != "skipped" || !strings.Contains(s.Note, "Tarih (UTC)") {
		t.Errorf("kind %s note %q", s.Kind, s.Note)
	}
}
