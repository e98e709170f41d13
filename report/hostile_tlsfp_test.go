package report_test

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/pcapreport/pcapreport/analyze"
)

// checkFingerprintTables checks the JA4 and JA3 tables of the hostile web
// capture's report against fingerprints computed here from what
// webClientHello writes: cipher suites 1301, 1302, c02f; extensions
// server_name (when there is a name), supported_versions (GREASE, TLS 1.3,
// 1.2) and ALPN with "h2" first; no signature algorithms, groups or point
// formats. The server names, hostile, must show as text: the four first
// seen, which are the four most frequent.
func checkFingerprintTables(t *testing.T, doc *html.Node) {
	hash12 := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:6]) }
	md5hex := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	withSNI, without := 0, 0
	var kept []string
	for _, h := range webHellos {
		if h.sni == "" {
			without += h.hellos
			continue
		}
		withSNI += h.hellos
		if len(kept) < 4 {
			kept = append(kept, shown(webCut(lowerASCII(h.sni), analyze.MaxNameLen), 0)+" ("+commas(h.hellos)+")")
		}
	}
	names := strings.Join(kept, ", ")
	clients := func(n int) string { return webClient.String() + " (" + commas(n) + ")" }
	ciphers := hash12("1301,1302,c02f")
	wantJA4 := [][]string{
		{"t13d0303h2_" + ciphers + "_" + hash12("002b"), commas(withSNI), names, clients(withSNI)},
		{"t13i0302h2_" + ciphers + "_" + hash12("002b"), commas(without), "", clients(without)},
	}
	webCompareRows(t, "the JA4 table", webRows(t, doc, "tls", "Client fingerprints (JA4)", "JA4", "ClientHellos", "Server names", "Clients"), wantJA4)
	cells := webCells(t, webTable(t, doc, "tls", "Client fingerprints (JA4)"), "JA4")
	if len(cells) > 0 {
		if title, _ := attr(cells[0][0], "title"); title != "t13d0303h2_1301,1302,c02f_002b" {
			t.Errorf("the first JA4's title (its JA4_r) is %q", title)
		}
	}
	j3 := "771,4865-4866-49199,0-43-16,,"
	j3n := "771,4865-4866-49199,43-16,,"
	wantJA3 := [][]string{
		{md5hex(j3), j3, commas(withSNI), names, clients(withSNI)},
		{md5hex(j3n), j3n, commas(without), "", clients(without)},
	}
	webCompareRows(t, "the JA3 table", webRows(t, doc, "tls", "Client fingerprints (JA3)", "JA3 (MD5)", "JA3 string", "ClientHellos", "Server names", "Clients"), wantJA3)
}
