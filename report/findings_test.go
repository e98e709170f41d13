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

// TestFindingsPanelHostile renders findings whose every string is hostile,
// as a Summary read back from a doctored JSON file could carry: the page
// stays one self-contained document (checkPage), each title is shown as
// text, an unknown anchor links to the capture facts, and an unknown
// severity is shown as info.
func TestFindingsPanelHostile(t *testing.T) {
	s, err := analyze.File("../testdata/arp_poison_http_dns.pcapng", analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hostile := []string{
		`</script><script>alert(1)</script>`,
		`{{.Title}} __f__function(){alert(1)}__f__`,
		"bidi \u202e and \x00\x1b[31m control bytes and \xff invalid UTF-8",
		`" onmouseover="alert(1)`,
	}
	s.Findings = nil
	for i, h := range hostile {
		s.Findings = append(s.Findings, analyze.Finding{
			Rule: h, Severity: []string{"high", `"><b>x`, "medium", "javascript:alert(1)"}[i], Title: h,
			Anchor: []string{"arp-bindings", "javascript:alert(1)", `"><img src=x>`, "dns-queries"}[i],
		})
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, s, report.Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	pv := checkPage(t, buf.Bytes(), emptyCharts(s))
	panel := findElement(pv.doc, func(n *html.Node) bool { id, _ := attr(n, "id"); return id == "findings" })
	if panel == nil {
		t.Fatal("no findings panel")
	}
	var items []*html.Node
	for n := range panel.Descendants() {
		if n.Type == html.ElementNode && n.Data == "li" {
			items = append(items, n)
		}
	}
	if len(items) != len(hostile) {
		t.Fatalf("%d items in the panel, want %d", len(items), len(hostile))
	}
	want := []struct{ class, label, href string }{
		{"sev-high", "High", "#arp-bindings"},
		{"sev-info", "Info", "#capture"},
		{"sev-medium", "Medium", "#capture"},
		{"sev-info", "Info", "#dns-queries"},
	}
	for i, li := range items {
		what := findElement(li, func(n *html.Node) bool { return hasClass(n, "what") })
		sev := findElement(li, func(n *html.Node) bool { return hasClass(n, "sev") })
		a := findElement(li, func(n *html.Node) bool { return n.Data == "a" })
		if what == nil || sev == nil || a == nil {
			t.Fatalf("item %d lacks its parts", i)
		}
		if got, w := textOf(what), show.Printable(hostile[i], 600); got != w {
			t.Errorf("item %d shows %q, want the text %q", i, got, w)
		}
		if href, _ := attr(a, "href"); !hasClass(li, want[i].class) || textOf(sev) != want[i].label || href != want[i].href {
			t.Errorf("item %d: class %v, label %q, link %q; want %+v", i, li.Attr, textOf(sev), href, want[i])
		}
		if n := findElement(li, func(n *html.Node) bool { return n.Data == "script" || n.Data == "b" || n.Data == "img" }); n != nil {
			t.Errorf("item %d holds a <%s> element", i, n.Data)
		}
	}
	// Every link of the panel points at an element of the page.
	for _, li := range items {
		a := findElement(li, func(n *html.Node) bool { return n.Data == "a" })
		href, _ := attr(a, "href")
		if findElement(pv.doc, func(n *html.Node) bool { id, _ := attr(n, "id"); return "#"+id == href }) == nil {
			t.Errorf("the link %q leads nowhere", href)
		}
	}
	if !strings.Contains(textOf(panel), "4 findings: 1 high, 1 medium, 2 info.") {
		t.Errorf("panel tally: %q", textOf(panel))
	}
}

// TestFindingsPanelOldJSON: a Summary without a findings list, as read
// back from the JSON of a pcapreport before findings, gets them computed.
func TestFindingsPanelOldJSON(t *testing.T) {
	s, err := analyze.File("../testdata/arp_poison_http_dns.pcapng", analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := s.Findings[0].Title
	s.Findings = nil
	var buf bytes.Buffer
	if err := report.Write(&buf, s, report.Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	what := findElement(doc, func(n *html.Node) bool { return hasClass(n, "what") })
	if what == nil || textOf(what) != want {
		t.Errorf("want the finding %q in the panel", want)
	}
}
