package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

// TestSummaryFindings: pcapreport summary prints the findings under the
// capture's facts, or says there are none.
func TestSummaryFindings(t *testing.T) {
	stdout, _, err := runCLI(t, ".", nil, "summary", "testdata/arp_poison_http_dns.pcapng", "--top", "3")
	if err != nil {
		t.Fatal(err)
	}
	s, err := analyze.File("testdata/arp_poison_http_dns.pcapng", analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Findings) != 1 {
		t.Fatalf("want the one finding of the ARP poisoning, got %+v", s.Findings)
	}
	want := "HIGH    " + s.Findings[0].Title + " [arp-gateway-impersonation]\n"
	if i, j := strings.Index(stdout, "Findings (1)\n"+want), strings.Index(stdout, "Top source IPs"); i < 0 || j < i {
		t.Errorf("summary lacks %q before the tables:\n%s", want, stdout)
	}

	stdout, _, err = runCLI(t, ".", nil, "summary", "testdata/http_espn_browsing.pcapng", "--top", "3")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "\nFindings: none (no rule fired)\n") {
		t.Errorf("summary of a capture without findings:\n%s", stdout)
	}
}

// TestSummaryFindingsPrintable: a finding read back from a doctored JSON
// file cannot reach the terminal with control bytes.
func TestSummaryFindingsPrintable(t *testing.T) {
	var b bytes.Buffer
	writeFindings(&b, &analyze.Summary{Findings: []analyze.Finding{{Rule: "x\x1b]0;pwned\x07", Severity: "high\r", Title: "a\x1b[31mred\nline"}}})
	out := b.String()
	if strings.ContainsAny(out, "\x1b\x07\r") || strings.Count(out, "\n") != 3 {
		t.Errorf("raw control bytes or extra lines: %q", out)
	}
}
