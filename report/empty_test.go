package report_test

import (
	"regexp"
	"strings"
	"testing"
)

// TestEmptySectionsCollapse: a section with nothing to show is its heading
// and one line, with no table and no chart, and keeps its id for the
// contents' link; a section with rows is shown in full. The ARP-poisoning
// capture has DNS and HTTP but no TLS (tshark -Y tls: no frame).
func TestEmptySectionsCollapse(t *testing.T) {
	_, page := renderFile(t, "../testdata/arp_poison_http_dns.pcapng")
	html := string(page)
	sectionOf := func(id string) string {
		t.Helper()
		i := strings.Index(html, `<section id="`+id+`"`)
		if i < 0 {
			t.Fatalf("no section %s", id)
		}
		j := strings.Index(html[i:], "</section>")
		return html[i : i+j]
	}
	tls := sectionOf("tls")
	if !strings.Contains(tls, `class="empty-section"`) || !strings.Contains(tls, "No TLS in this capture.") ||
		strings.Contains(tls, "<table") || strings.Contains(tls, "data-chart") {
		t.Errorf("the TLS section is not collapsed to one line:\n%s", tls)
	}
	if lines := len(regexp.MustCompile(`<p `).FindAllString(tls, -1)); lines != 1 {
		t.Errorf("the collapsed TLS section has %d paragraphs, want 1", lines)
	}
	if !strings.Contains(html, `<a href="#tls">`) {
		t.Error("the contents no longer link the TLS section")
	}
	for _, id := range []string{"dns", "http", "sources", "timeline"} {
		if s := sectionOf(id); strings.Contains(s, "empty-section") || !strings.Contains(s, "<table") {
			t.Errorf("section %s, which has rows, is collapsed", id)
		}
	}
}
