package report_test

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/report"
)

// TestQUICTables renders the QUIC part of the TLS section from a real
// capture (a Chrome QUIC ClientHello, read by decrypting its Initial),
// with hostile names put in its QUIC lists: each is shown as the text of a
// table cell, never as markup, and the counts are the analysis's.
func TestQUICTables(t *testing.T) {
	s, err := analyze.File("../testdata/quic/quic-tls-handshake.pcapng", analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := &s.TLS.QUIC
	if q.ClientHellos != 1 || len(q.ServerNames) != 1 || q.ServerNames[0].Name != "www.google.com" {
		t.Fatalf("QUIC %+v: want the ClientHello for www.google.com tshark finds", q)
	}
	hostile := []string{`</script><script>window.__pwned=1</script>`, `"'><img src=x onerror=alert(1)>`,
		`{{.}}__f__function(){alert(1)}`}
	for i, h := range hostile {
		q.ServerNames = append(q.ServerNames, analyze.Count{Name: h, Count: int64(i + 1)})
		q.ALPN = append(q.ALPN, analyze.Count{Name: h, Count: int64(i + 1)})
		q.Failures = append(q.Failures, analyze.Count{Name: h, Count: int64(i + 1)})
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, s, report.Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	pv := checkPage(t, buf.Bytes(), emptyCharts(s))
	if pv == nil {
		return
	}
	cells := map[string]int{}
	captions := map[string]bool{}
	for n := range pv.doc.Descendants() {
		switch {
		case n.Type == html.ElementNode && n.Data == "td":
			cells[textOf(n)]++
		case n.Type == html.ElementNode && n.Data == "caption":
			captions[textOf(n)] = true
		case n.Type == html.ElementNode && fetchingElements[n.Data]:
			t.Errorf("the page has a <%s> element", n.Data)
		}
	}
	for _, c := range []string{"Server names over QUIC", "Application protocols offered over QUIC (ALPN)",
		"QUIC versions of the Initials decrypted", "QUIC Initials or connections whose ClientHello was not read"} {
		if !captions[c] {
			t.Errorf("no table %q", c)
		}
	}
	for _, h := range hostile {
		// In the server names, ALPN and failures tables.
		if cells[h] != 3 {
			t.Errorf("%q is the text of %d cells, want 3", h, cells[h])
		}
	}
	tls := findElement(pv.doc, func(n *html.Node) bool {
		return n.Type == html.ElementNode && n.Data == "section" && quicAttrIs(n, "id", "tls")
	})
	if tls == nil || !strings.Contains(textOf(tls), "Of them, 1 came over QUIC (HTTP/3), in 1 client Initial packets: 1 decrypted") {
		t.Errorf("the TLS section does not say how many ClientHellos came over QUIC")
	}
}

func quicAttrIs(n *html.Node, key, val string) bool {
	v, ok := attr(n, key)
	return ok && v == val
}
