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

// TestHTTPObjectsHostileStrings puts capture strings that are markup,
// script ends, go-echarts' function marker, control bytes and invalid
// UTF-8 into the transaction and object lists: the page shows them as
// text in the tables and gains no element.
func TestHTTPObjectsHostileStrings(t *testing.T) {
	s, err := analyze.File("../testdata/wifi_radiotap_http.pcap", analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.HTTP.Transactions) == 0 || len(s.HTTP.Objects) == 0 {
		t.Fatal("no transactions or objects")
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
	tx := &s.HTTP.Transactions[0]
	tx.Method, tx.Host, tx.Target, tx.ContentType, tx.Referer, tx.UserAgent = hostile[4], hostile[0], "/"+hostile[1], hostile[2], hostile[3], hostile[0]
	o := &s.HTTP.Objects[0]
	o.ContentType, o.SniffedType, o.Encoding, o.Undecoded = hostile[1], hostile[2], hostile[3], true
	doc := render()
	if got := count(doc); got["script"] != plain["script"] || got["img"] != 0 || got["b"] != plain["b"] {
		t.Errorf("elements: %d scripts (want %d), %d img, %d b (want %d)", got["script"], plain["script"], got["img"], got["b"], plain["b"])
	}
	rows := tableRows(t, doc, "http-files", "Method", "URL", "Content-Type", "Referer", "User-Agent")
	want := []string{show.Printable(tx.Method, 30), show.Printable("http://"+tx.Host+tx.Target, 300), show.Printable(tx.ContentType, 80),
		show.Printable(tx.Referer, 120), show.Printable(tx.UserAgent, 120)}
	if len(rows) == 0 || strings.Join(rows[0], "|") != strings.Join(want, "|") {
		t.Errorf("first row %q, want %q", rows, want)
	}
	var objects *html.Node
	for n := range doc.Descendants() {
		if v, _ := attr(n, "id"); n.Type == html.ElementNode && n.Data == "table" && v == "http-objects" {
			objects = n
		}
	}
	if objects == nil {
		t.Fatal("no table with id http-objects (the finding's anchor)")
	}
	text := textOf(objects)
	for _, w := range []string{show.Printable(o.ContentType, 80), show.Printable(o.SniffedType, 80), show.Printable(o.Encoding, 30)} {
		if !strings.Contains(text, w) {
			t.Errorf("objects table does not show %q", w)
		}
	}
}
