package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/report"
)

// TestDetectionsHostile: a user name, secret and server taken from a
// capture reach the credentials table and the findings as text: their
// markup is escaped, never markup of the page.
func TestDetectionsHostile(t *testing.T) {
	evil := `</script><script>alert(1)</script>"'<b>__f__`
	s := &analyze.Summary{Capture: analyze.Capture{Path: "x.pcap", Captures: 1}}
	s.Credentials = []analyze.Credential{{Protocol: "FTP", Mechanism: "USER/PASS", Client: "10.0.0.1", Server: "192.0.2.1:21",
		User: evil, Secret: evil, Time: "2024-05-01T12:00:00Z", Packet: 2}}
	s.Beacons = []analyze.Beacon{{Client: "10.0.0.1", Server: "192.0.2.1", Proto: "tcp", Port: 443, Connections: 60,
		First: "2024-05-01T12:00:00Z", Last: "2024-05-01T13:00:00Z", PeriodSeconds: 60, JitterSeconds: 1, Score: 0.95, TimeScore: 0.95, SizeScore: 0.95}}
	s.Findings = analyze.Findings(s)
	var buf bytes.Buffer
	if err := report.Write(&buf, s, report.Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if strings.Contains(page, "<script>alert(1)") || strings.Contains(page, "<b>__f__") {
		t.Error("a capture's string reached the page as markup")
	}
	if !strings.Contains(page, "&lt;/script&gt;&lt;script&gt;alert(1)") {
		t.Error("the hostile user name is not shown as escaped text")
	}
	for _, want := range []string{`id="credentials"`, `id="beacons"`, "Cleartext credentials", "Beacons (regular connections)", "192.0.2.1 tcp/443"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}
