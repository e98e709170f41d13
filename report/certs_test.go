package report_test

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
	"github.com/pcapreport/pcapreport/report"
)

// TestCertificateTableHostile renders a real capture's Summary with a
// certificate whose every string is hostile (markup, quotes, control
// bytes, invalid UTF-8, go-echarts' __f__ marker, 5,000 bytes): the
// certificate table and the finding show each as text, as show.Printable
// makes it, and the page passes checkPage.
func TestCertificateTableHostile(t *testing.T) {
	s, err := analyze.File("../testdata/pcapng_two_linktypes_eth_sll.pcapng", analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	evil := "</script><script>alert(1)</script>\"'\x00\x1b[2J\xff\xfe__f__\u202e" + strings.Repeat("<b>", 1660)
	s.TLS.Certificates.List = append(s.TLS.Certificates.List, analyze.Certificate{
		SHA256: strings.Repeat("ef", 32), Count: 1, Subject: "CN=" + evil, Issuer: "CN=" + evil, DNSNames: []string{evil},
		IPAddresses: []string{}, Servers: []string{"10.0.0.1:443"}, ServerNames: []string{evil}, Leaf: true, SelfSigned: true,
		KeyType: evil, SignatureAlgorithm: evil, NotBefore: evil, NotAfter: evil,
	})
	s.Findings = analyze.Findings(s)
	var buf bytes.Buffer
	if err := report.Write(&buf, s, report.Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	pv := checkPage(t, buf.Bytes(), emptyCharts(s))
	if pv == nil {
		return
	}
	table := findElement(pv.doc, func(n *html.Node) bool { v, _ := attr(n, "id"); return n.Data == "table" && v == "tls-certificates" })
	if table == nil {
		t.Fatal("no certificate table")
	}
	var row []*html.Node
	for tr := range table.Descendants() {
		if tr.Type == html.ElementNode && tr.Data == "tr" && strings.Contains(textOf(tr), "efefef") {
			for td := range tr.ChildNodes() {
				if td.Type == html.ElementNode && td.Data == "td" {
					row = append(row, td)
				}
			}
		}
	}
	if len(row) != 10 {
		t.Fatalf("the hostile certificate's row has %d cells", len(row))
	}
	want := map[int]string{0: show.Printable("CN="+evil, 120), 1: show.Printable("CN="+evil, 120), 2: show.Printable(evil, 80),
		7: show.Printable(evil, 80), 5: "SELF-SIGNED, server's own", 4: show.Printable(evil+" 0", 60)}
	for i, w := range want {
		if got := textOf(row[i]); got != w {
			t.Errorf("cell %d shows %q, want %q", i, got, w)
		}
	}
	if title, _ := attr(row[0], "title"); title != show.Printable("CN="+evil, 0) {
		t.Errorf("subject title is %q", title)
	}
	found := false
	for n := range pv.doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == "li" && strings.Contains(textOf(n), "self-signed") &&
			strings.Contains(textOf(n), strings.TrimSuffix(show.Printable("CN="+evil, 40), "…")) {
			found = true
		}
	}
	if !found {
		t.Error("no finding shows the hostile subject as text")
	}
}
