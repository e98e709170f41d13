package report_test

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/report"
)

// TestBrowserOverviewLinksCaptures: in an overview with a provenance, the
// script turns each capture number of a Captures cell into a link to that
// capture's report, for the rows shown first and for rows of the page's
// data (found by a search), with reports whose names are hostile; every
// link opens a file that exists, and no name runs as markup.
func TestBrowserOverviewLinksCaptures(t *testing.T) {
	bctx := startBrowser(t)
	dir := t.TempDir()
	inputs := []struct{ capture, report string }{
		{"../testdata/arp_poison_http_dns.pcapng", `caps/x"><img src=x onerror=window.__pwned=1>.pcapng.html`},
		{"../testdata/http_espn_browsing.pcapng", "caps/javascript:window.__pwned=2.pcapng.html"},
		{"../testdata/dns_edns_tcp_ipv6.pcap", "caps/c#d?e%41 f.pcap.html"},
	}
	o := analyze.NewOverview(analyze.Options{})
	var sums []*analyze.Summary
	for _, in := range inputs {
		s, page := renderFile(t, in.capture)
		p := filepath.Join(dir, filepath.FromSlash(in.report))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, page, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := o.Add(s); err != nil {
			t.Fatal(err)
		}
		sums = append(sums, s)
	}
	sum := o.Summary()
	b := analyze.NewProvenanceBuilder(sum)
	for i, s := range sums {
		b.Add(s, analyze.ProvenanceCapture{Path: strings.TrimSuffix(inputs[i].report, ".html"), SHA256: s.Capture.SHA256, Report: inputs[i].report})
	}
	sum.Provenance = b.Result()
	var buf bytes.Buffer
	if err := report.Write(&buf, sum, report.Options{Top: 5, Version: "test"}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "overview.html")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, run := openPage(t, bctx, file, "light")
	if err := waitCharts(ctx, renderWait); err != nil {
		t.Fatalf("charts did not render: %v", err)
	}

	// The captures of each source address, from the JSON, as paths.
	var rows []analyze.ProvenanceRow
	for _, l := range sum.Provenance.Lists {
		if l.List == "sources" {
			rows = l.Rows
		}
	}
	want := map[string][]string{}
	for i, k := range analyze.ProvenanceKeys(sum, "sources") {
		for _, c := range rows[i].Captures {
			want[k] = append(want[k], filepath.Join(dir, filepath.FromSlash(sum.Provenance.Captures[c].Report)))
		}
	}
	type link struct{ IP, Text, Href, Title string }
	const caption = "Top source IPs by packets"
	links := func() []link {
		return eval[[]link](t, ctx, `(function () { var t = `+tableJS(caption)+`, out = [];
  Array.from(t.tBodies[0].rows).forEach(function (r) {
    var cells = r.cells, last = cells[cells.length - 1];
    Array.from(last.querySelectorAll("a")).forEach(function (a) {
      out.push({ip: cells[1].textContent.trim(), text: a.textContent, href: a.href, title: a.title}); }); });
  return out; })()`)
	}
	check := func(what string, ls []link, wantRows int) {
		t.Helper()
		got := map[string][]string{}
		for _, l := range ls {
			u, err := url.Parse(l.Href)
			if err != nil || u.Scheme != "file" {
				t.Errorf("%s %s: link %q is not to a file (%v)", what, l.IP, l.Href, err)
				continue
			}
			n, _ := strconv.Atoi(l.Text)
			if n < 1 || n > len(sum.Provenance.Captures) || l.Title != sum.Provenance.Captures[n-1].Path {
				t.Errorf("%s %s: link %q titled %q", what, l.IP, l.Text, l.Title)
			}
			if _, err := os.Stat(u.Path); err != nil {
				t.Errorf("%s %s: link %q: %v", what, l.IP, l.Href, err)
			}
			got[l.IP] = append(got[l.IP], u.Path)
		}
		if len(got) != wantRows {
			t.Errorf("%s: %d rows with links, want %d", what, len(got), wantRows)
		}
		for ip, paths := range got {
			if fmt.Sprint(paths) != fmt.Sprint(want[ip]) {
				t.Errorf("%s %s: links to %q, want %q", what, ip, paths, want[ip])
			}
		}
	}
	shown := len(shownRows(t, ctx, caption))
	if shown < 5 {
		t.Fatalf("the sources table shows %d rows", shown)
	}
	check("shown rows", links(), shown)
	// A row of the page's data, past --top, found by a search.
	last := sum.Sources[len(sum.Sources)-1].IP
	eval[bool](t, ctx, `(function () { var f = `+tableJS(caption)+`.parentNode.previousElementSibling.querySelector("input");
  f.value = `+jsString(last)+`; f.dispatchEvent(new Event("input")); return true; })()`)
	found := links()
	check("searched row", found, 1)
	if len(found) == 0 || found[0].IP != last {
		t.Errorf("a search for %s shows links %+v", last, found)
	}
	if pwned := eval[bool](t, ctx, `window.__pwned !== undefined || document.querySelector("img[src=x]") !== null`); pwned {
		t.Error("a capture's name ran as markup or script")
	}
	checkQuietPage(t, ctx, run)
}
