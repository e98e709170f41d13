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

// TestConversationCellsHostile renders a Summary whose client, server,
// outcome and scanner strings are hostile, as a doctored JSON file could
// carry them: each is shown as text in its table (client → server, TCP
// outcome, the scanners' table), never as markup, and a tcp-scan
// finding links to the scanners' table.
func TestConversationCellsHostile(t *testing.T) {
	s, err := analyze.File("../testdata/http_espn_browsing.pcapng", analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const bad = `</script><script>alert(1)</script>" onmouseover="x` + "\u202e\x00"
	cv := &s.Conversations.Transport[0]
	cv.Client, cv.Server, cv.Outcome, cv.OrientedBy = bad+"c", bad+"s", bad+"o", bad
	s.Conversations.Scanners = []analyze.Scanner{{Source: bad + "src", Conversations: 200, Failed: 190, Hosts: 1, Ports: 200,
		Targets: 200, TopHosts: []analyze.IPCount{{IP: bad + "h", Count: 200}}, TopPorts: []analyze.PortCount{{Port: 22, Count: 1}}}}
	s.Conversations.UDPScanners = []analyze.Scanner{{Source: bad + "usrc", Conversations: 300, Failed: 290, Unreachable: 250, Hosts: 300,
		Ports: 1, Targets: 300, TopHosts: []analyze.IPCount{{IP: bad + "uh", Count: 1}}, TopPorts: []analyze.PortCount{{Port: 161, Count: 300}}}}
	s.Findings = analyze.Findings(s)
	var buf bytes.Buffer
	if err := report.Write(&buf, s, report.Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	pv := checkPage(t, buf.Bytes(), emptyCharts(s))
	var texts []string
	for n := range pv.doc.Descendants() {
		if n.Type == html.ElementNode && (n.Data == "td" || n.Data == "th") {
			texts = append(texts, textOf(n))
		}
		if n.Type == html.ElementNode && n.Data == "script" && strings.Contains(textOf(n), "alert(1)") {
			t.Error("a script element holds the hostile text")
		}
	}
	for _, want := range []string{show.Printable(bad+"c", 60), show.Printable(bad+"s", 60), show.Printable(bad+"o", 60),
		show.Printable(bad+"src", 60), show.Printable(bad+"h (200)", 400), show.Printable(bad+"usrc", 60), show.Printable(bad+"uh (1)", 400)} {
		p := want
		found := false
		for _, tx := range texts {
			if strings.Contains(tx, p) {
				found = true
			}
		}
		if !found {
			t.Errorf("no table cell shows %q as text", p)
		}
	}
	scanners := findElement(pv.doc, func(n *html.Node) bool { id, _ := attr(n, "id"); return id == "scanners" })
	if scanners == nil {
		t.Error("the scanners' table has no id=scanners for the tcp-scan finding to land on")
	}
	found, udp := false, false
	for _, f := range s.Findings {
		found = found || f.Rule == "tcp-scan" && f.Anchor == "scanners"
		udp = udp || f.Rule == "udp-scan" && f.Anchor == "scanners" && strings.Contains(f.Title, "probed UDP port 161 on about 300 hosts")
	}
	if !found || !udp {
		t.Errorf("no tcp-scan finding for 200 targets, 95%% failed, or no udp-scan one for 300: %+v", s.Findings)
	}
	// The UDP scanner's row says so, after the TCP one.
	if scanners == nil {
		return
	}
	rows := 0
	for n := range scanners.Descendants() {
		if n.Type == html.ElementNode && n.Data == "tr" {
			var cells []string
			for c := range n.ChildNodes() {
				if c.Type == html.ElementNode && c.Data == "td" {
					cells = append(cells, textOf(c))
				}
			}
			if len(cells) > 4 {
				rows++
				if want := map[int]string{1: "TCP", 2: "UDP"}[rows]; cells[1] != want || rows == 2 && cells[4] != "250" {
					t.Errorf("scanners' row %d: %q, want protocol %s (and 250 ICMP unreachable for UDP)", rows, cells, want)
				}
			}
		}
	}
	if rows != 2 {
		t.Errorf("scanners' table has %d rows, want 2", rows)
	}
}
