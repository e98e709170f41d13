package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
	"github.com/pcapreport/pcapreport/report"
	"golang.org/x/net/html"
)

// TestSMTPObjectsHostileStrings puts markup, script ends, go-echarts'
// function marker, control bytes and invalid UTF-8 into an SMTP
// attachment's sender, subject, file name, types and envelope: the page
// shows them as text in the SMTP table and gains no element.
func TestSMTPObjectsHostileStrings(t *testing.T) {
	s, err := analyze.File("../testdata/wifi_radiotap_http.pcap", analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	render := func() *html.Node {
		var buf bytes.Buffer
		if err := report.Write(&buf, s, report.Options{Top: 20}); err != nil {
			t.Fatal(err)
		}
		doc, err := html.Parse(&buf)
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	count := func(doc *html.Node) map[string]int {
		m := map[string]int{}
		for n := range doc.Descendants() {
			if n.Type == html.ElementNode {
				m[n.Data]++
			}
		}
		return m
	}
	plain := count(render())
	hostile := []string{"</script><script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "__f__function(){alert(1)}__f__",
		"a\x00b\x1b[31m\u202eexe.gnp", "\xff\xfe<b>bold</b>"}
	s.SMTP = analyze.SMTP{Messages: 1, ObjectsTotal: 1, Objects: []analyze.SMTPObject{{Time: s.Capture.First, Client: "10.0.0.5",
		ClientPort: 40000, Server: "192.0.2.25", ServerPort: 25, From: hostile[1], To: hostile[4], Subject: hostile[2] + hostile[0],
		Filename: hostile[0] + hostile[1] + hostile[3], DeclaredType: hostile[4], Encoding: hostile[0], Size: 10,
		SniffedType: hostile[2], Kind: hostile[1], SHA256: hostile[0],
		MailFrom: hostile[0] + hostile[2], RcptTo: []string{hostile[2], hostile[4], hostile[3]}, RcptTotal: 5}}}
	doc := render()
	if got := count(doc); got["script"] != plain["script"] || got["img"] != 0 || got["b"] != plain["b"] {
		t.Errorf("elements: %d scripts (want %d), %d img, %d b (want %d)", got["script"], plain["script"], got["img"], got["b"], plain["b"])
	}
	o := s.SMTP.Objects[0]
	rows := tableRows(t, doc, "smtp-files", "Envelope from", "Envelope to", "From", "To", "Subject", "File name", "Declared type", "Sniffed type", "Kind")
	want := []string{show.Printable("<"+hostile[0]+hostile[2]+">", 100),
		show.Printable(hostile[2]+", "+hostile[4]+", "+hostile[3]+" (5 recipients, 2 not listed)", 200), show.Printable(o.From, 100), show.Printable(o.To, 100), show.Printable(o.Subject, 150), show.Printable(o.Filename, 300),
		show.Printable(o.DeclaredType, 80), show.Printable(o.SniffedType, 80), show.Printable(o.Kind, 20)}
	if len(rows) != 1 || strings.Join(rows[0], "|") != strings.Join(want, "|") {
		t.Errorf("rows %q, want one: %q", rows, want)
	}
}
