package report_test

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/report"
)

// TestNXBurstTableHostile: the NXDOMAIN-by-client table shows a burst's
// hostile names as text, cut as the page cuts names, and the
// dns-nxdomain-burst finding's link lands on it.
func TestNXBurstTableHostile(t *testing.T) {
	s, err := analyze.File("../testdata/dns_lab_ptr_nxdomain.pcapng", analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, q := range hostileQueries[:3] {
		names = append(names, lowerASCII(q.name))
	}
	names = append(names, hostileMaxName)
	s.DNS.NXBursts = analyze.DNSNXBursts{Unfollowed: 7, Clients: []analyze.DNSNXClient{
		{Client: "10.9.9.9", NXDomain: 400, Peak60s: 300, PeakStart: "2017-03-31T14:45:00.000Z", PeakReverse: 2,
			PeakNames: names, PeakNamesMore: true},
		{Client: "172.16.16.170", NXDomain: 1, Peak60s: 1, PeakStart: "2017-03-31T14:45:00.000Z", PeakNames: []string{"test.chrissanders.org"}},
	}}
	s.Findings = analyze.Findings(s)
	var buf bytes.Buffer
	if err := report.Write(&buf, s, report.Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	pv := checkPage(t, buf.Bytes(), emptyCharts(s))
	var shownNames []string
	for _, n := range names {
		shownNames = append(shownNames, shown(n, 80))
	}
	want := [][]string{
		{"10.9.9.9", "400", "300", "2017-03-31 14:45:00", "2", strings.Join(shownNames, ", ") + ", …"},
		{"172.16.16.170", "1", "1", "2017-03-31 14:45:00", "0", "test.chrissanders.org"},
	}
	got := webRows(t, pv.doc, "dns", "NXDOMAIN answers by client, most within one minute", "Client", "NXDOMAIN answers", "Most in one minute",
		"Minute from", "Reverse lookups in it", "Names in it")
	for i := range got {
		if len(got[i]) > 3 {
			got[i][3] = strings.TrimSuffix(strings.TrimSuffix(got[i][3], " UTC"), ".000")
		}
	}
	webCompareRows(t, "the NXDOMAIN-by-client table", got, want)
	tbl := webTable(t, pv.doc, "dns", "NXDOMAIN answers by client, most within one minute")
	if id, _ := attr(tbl, "id"); id != "dns-nxdomain-burst" {
		t.Errorf("the table's id is %q, want dns-nxdomain-burst", id)
	}
	if n := findElement(tbl, func(n *html.Node) bool { return n.Data == "script" || n.Data == "img" }); n != nil {
		t.Errorf("the table holds a <%s> element", n.Data)
	}
	if !strings.Contains(textOf(pv.doc), "7 NXDOMAIN answers went to clients past the 4,096 followed.") {
		t.Error("the table does not say how many answers were not followed")
	}
	var burst *analyze.Finding
	for i := range s.Findings {
		if s.Findings[i].Rule == "dns-nxdomain-burst" {
			burst = &s.Findings[i]
		}
	}
	if burst == nil || burst.Severity != "medium" || burst.Evidence.Hosts[0] != "10.9.9.9" {
		t.Fatalf("findings %+v, want dns-nxdomain-burst (medium) for 10.9.9.9", s.Findings)
	}
	panel := findElement(pv.doc, func(n *html.Node) bool { id, _ := attr(n, "id"); return id == "findings" })
	link := findElement(panel, func(n *html.Node) bool {
		href, _ := attr(n, "href")
		return n.Data == "a" && href == "#dns-nxdomain-burst"
	})
	if link == nil {
		t.Error("no link from the findings panel to #dns-nxdomain-burst")
	}
}
