package main

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/pcapreport/pcapreport/analyze"
)

// provenanceBatch writes the input folder of the provenance tests: the
// merge captures, seven copies of one DNS capture (a row held by more
// captures than a row lists), and copies of an HTTP capture under hostile
// names. It returns the folder.
func provenanceBatch(t *testing.T) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in")
	copyTo := func(src, name string) {
		b := readFile(t, src)
		p := filepath.Join(in, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range mergeCaptures {
		copyTo(c, filepath.Base(c))
	}
	for i := 1; i <= 7; i++ {
		copyTo("testdata/rawip_dlt228_ipv4_dns.pcap", "dup/copy"+strconv.Itoa(i)+".pcap")
	}
	for _, name := range []string{`x"><img src=x onerror=alert(1)>.pcap`, "javascript:alert(1).pcap", "a#b?c%d &amp; e.pcap"} {
		copyTo("testdata/nanosec_bigendian_http.pcap", "hostile/"+name)
	}
	return in
}

// tsharkKeys returns, for one capture, the keys tshark sees for the
// lists the test checks: the first (outermost) IP source and destination
// of each packet, DNS query names (queries on port 53, lower-cased), HTTP
// Host headers of requests on TCP (lower-cased) and TLS server names. One
// tshark run per distinct content.
func tsharkKeys(t *testing.T, capture string, cache map[string]map[string]map[string]bool) map[string]map[string]bool {
	t.Helper()
	b := readFile(t, capture)
	if k, ok := cache[string(b)]; ok {
		return k
	}
	fields := []string{"frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
		"dns.flags.response", "udp.srcport", "udp.dstport", "tcp.srcport", "tcp.dstport", "dns.qry.name", "http.request", "http.host",
		"tls.handshake.type", "tls.handshake.extensions_server_name"}
	args := []string{"-r", capture, "-T", "fields", "-E", "occurrence=f"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	out, err := exec.Command("tshark", args...).Output()
	// Status 2: a file cut short, read as far as it goes (as pcapreport does).
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 2 && strings.Contains(string(ee.Stderr), "cut short") {
		err = nil
	}
	if err != nil {
		t.Fatalf("tshark %v: %v", args, err)
	}
	keys := map[string]map[string]bool{}
	add := func(list, k string) {
		if k == "" {
			return
		}
		if keys[list] == nil {
			keys[list] = map[string]bool{}
		}
		keys[list][k] = true
	}
	for l := range strings.SplitSeq(strings.TrimRight(string(out), "\n"), "\n") {
		r := strings.Split(l, "\t")
		if len(r) != len(fields) {
			t.Fatalf("tshark: %d fields in %q, want %d", len(r), l, len(fields))
		}
		f := func(name string) string { return r[slices.Index(fields, name)] }
		// The outermost IP header: the one frame.protocols names first.
		p := ":" + f("frame.protocols") + ":"
		i4, i6 := strings.Index(p, ":ip:"), strings.Index(p, ":ipv6:")
		switch {
		case i4 >= 0 && (i6 < 0 || i4 < i6):
			add("sources", f("ip.src"))
			add("destinations", f("ip.dst"))
		case i6 >= 0:
			add("sources", f("ipv6.src"))
			add("destinations", f("ipv6.dst"))
		}
		if f("dns.flags.response") == "False" || f("dns.flags.response") == "0" {
			if slices.Contains([]string{f("udp.srcport"), f("udp.dstport"), f("tcp.srcport"), f("tcp.dstport")}, "53") {
				add("dns.queries", strings.ToLower(f("dns.qry.name")))
			}
		}
		if f("http.request") != "" && f("tcp.srcport") != "" {
			add("http.hosts", strings.ToLower(f("http.host")))
		}
		if f("tls.handshake.type") == "1" {
			add("tls.server_names", f("tls.handshake.extensions_server_name"))
		}
	}
	cache[string(b)] = keys
	return keys
}

// TestBatchProvenance: every row of the overview's sources, destinations,
// DNS query names, HTTP hosts and TLS server names lists exactly the
// captures tshark finds the address or name in (the first 5 by path) and
// how many in all; the links go to the reports, which exist, and a hostile
// capture name neither breaks out of its attribute nor links elsewhere.
func TestBatchProvenance(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark is not installed")
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	in := provenanceBatch(t)
	out := filepath.Join(t.TempDir(), "out")
	if _, stderr, err := runCLI(t, t.TempDir(), nil, "report", in, "-o", out, "--quiet"); err != nil {
		t.Fatalf("batch: %v\n%s", err, stderr)
	}
	sum, err := analyze.ReadJSON(bytes.NewReader(readFile(t, filepath.Join(out, overviewJSONName))))
	if err != nil {
		t.Fatal(err)
	}
	p := sum.Provenance
	if p == nil || p.Cap != 5 {
		t.Fatalf("the overview's provenance is %+v, want one with cap 5", p)
	}

	// The reference: which captures tshark sees each key in.
	var paths []string
	filepath.WalkDir(in, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, path)
		}
		return nil
	})
	slices.Sort(paths)
	ref := map[string]map[string][]string{} // list -> key -> capture paths, sorted
	cache := map[string]map[string]map[string]bool{}
	for _, c := range paths {
		for list, ks := range tsharkKeys(t, c, cache) {
			if ref[list] == nil {
				ref[list] = map[string][]string{}
			}
			for k := range ks {
				ref[list][k] = append(ref[list][k], c)
			}
		}
	}

	lists := map[string]analyze.ProvenanceList{}
	for _, l := range p.Lists {
		lists[l.List] = l
	}
	if got, want := len(p.Lists), len(analyze.ProvenanceLists()); got != want {
		t.Errorf("%d lists have a provenance, want %d", got, want)
	}
	checked := map[string]int{}
	for _, list := range []string{"sources", "destinations", "dns.queries", "http.hosts", "tls.server_names"} {
		keys := analyze.ProvenanceKeys(sum, list)
		rows := lists[list].Rows
		if len(rows) != len(keys) || len(keys) == 0 {
			t.Fatalf("%s: %d provenance rows for %d rows", list, len(rows), len(keys))
		}
		// Every key tshark saw is a row of the overview.
		for k := range ref[list] {
			if !slices.Contains(keys, k) {
				t.Errorf("%s: tshark sees %q, the overview has no such row", list, k)
			}
		}
		for i, k := range keys {
			r := rows[i]
			want := ref[list][k]
			var got []string
			for _, c := range r.Captures {
				got = append(got, p.Captures[c].Path)
			}
			if r.Key != k || r.Total != int64(len(want)) || !slices.Equal(got, want[:min(len(want), 5)]) {
				t.Errorf("%s %q: captures %q of %d (key %q), want %q of %d", list, k, got, r.Total, r.Key, want[:min(len(want), 5)], len(want))
			}
			checked[list]++
		}
	}
	t.Logf("rows checked against tshark: %v", checked)

	// The DNS capture copied 7 times: its rows list 5 copies, of 7.
	dup := false
	for _, r := range lists["dns.queries"].Rows {
		if r.Key == "www.ynet.co.il" {
			dup = r.Total == 7 && len(r.Captures) == 5 && strings.HasSuffix(p.Captures[r.Captures[4]].Path, "copy5.pcap")
		}
	}
	if !dup {
		t.Errorf("www.ynet.co.il (7 copies of one capture): want 5 captures listed, copy1 to copy5, of 7")
	}

	// Every capture listed links to its report, which exists.
	for _, c := range p.Captures {
		rel, err := filepath.Rel(in, c.Path)
		if err != nil || c.Report != filepath.ToSlash(rel)+".html" {
			t.Errorf("%s: report %q, want %q", c.Path, c.Report, filepath.ToSlash(rel)+".html")
		}
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(c.Report))); err != nil {
			t.Errorf("%s: its report: %v", c.Path, err)
		}
	}

	// The page: the captures table links each capture by a relative link
	// that opens its report; no hostile name made markup or a link of its own.
	page := readFile(t, filepath.Join(out, overviewName))
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var links [][2]string // href, text, in the captures section
	var walk func(n *html.Node, inCaptures bool)
	imgs := 0
	walk = func(n *html.Node, inCaptures bool) {
		if n.Type == html.ElementNode {
			if n.Data == "img" {
				imgs++
			}
			if n.Data == "section" && attr(n, "id") == "overview-captures" {
				inCaptures = true
			}
			if n.Data == "a" {
				href := attr(n, "href")
				if strings.Contains(strings.ToLower(href), "javascript:") && !strings.HasPrefix(href, "./") {
					t.Errorf("a link to %q", href)
				}
				if inCaptures {
					links = append(links, [2]string{href, text(n)})
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inCaptures)
		}
	}
	walk(doc, false)
	if imgs != 0 {
		t.Errorf("the overview has %d img elements: a capture's name became markup", imgs)
	}
	if len(links) != len(p.Captures) {
		t.Fatalf("the captures table has %d links, want %d", len(links), len(p.Captures))
	}
	hostile := 0
	for i, l := range links {
		href, name := l[0], l[1]
		if !strings.HasPrefix(href, "./") {
			t.Errorf("link %q: want a relative link starting ./", href)
		}
		target, err := url.PathUnescape(strings.TrimPrefix(href, "./"))
		if err != nil || strings.ContainsAny(target, "?#") && !strings.Contains(name, "?") {
			t.Errorf("link %q: not a plain path (%v)", href, err)
		}
		if u, err := url.Parse(href); err != nil || u.Scheme != "" || u.RawQuery != "" || u.Fragment != "" {
			t.Errorf("link %q parses as %+v (%v): want a path alone", href, u, err)
		}
		if target != p.Captures[i].Report || name != p.Captures[i].Path {
			t.Errorf("link %d: %q to %q, want %q to %q", i, name, target, p.Captures[i].Path, p.Captures[i].Report)
		}
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(target))); err != nil {
			t.Errorf("link %q: %v", href, err)
		}
		if strings.Contains(name, "hostile") {
			hostile++
		}
	}
	if hostile != 3 {
		t.Errorf("%d hostile names linked, want 3", hostile)
	}

	// The tables' Captures column says, for the HTML rows, what the JSON says.
	want := map[string]string{}
	for i, k := range analyze.ProvenanceKeys(sum, "sources") {
		r := lists["sources"].Rows[i]
		var nums []string
		for _, c := range r.Captures {
			nums = append(nums, strconv.Itoa(c+1))
		}
		s := strings.Join(nums, ", ")
		if more := r.Total - int64(len(nums)); more > 0 {
			s += fmt.Sprintf(" and %d more", more)
		}
		want[k] = s
	}
	rows := tableRows(doc, "Top source IPs by packets")
	if len(rows) < 2 || rows[0][len(rows[0])-1] != "Captures" {
		t.Fatalf("the sources table has no Captures column: %q", rows)
	}
	for _, r := range rows[1:] {
		if got := r[len(r)-1]; got != want[r[1]] {
			t.Errorf("sources %s: Captures %q, want %q", r[1], got, want[r[1]])
		}
	}
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	var f func(*html.Node)
	f = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			f(c)
		}
	}
	f(n)
	return b.String()
}

// tableRows is the text of the cells of the table whose caption is
// caption: the header row, then the body's rows.
func tableRows(doc *html.Node, caption string) [][]string {
	var found *html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		if found != nil {
			return
		}
		if n.Type == html.ElementNode && n.Data == "caption" && strings.TrimSpace(text(n)) == caption {
			found = n.Parent
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	var rows [][]string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "tr" {
			var cells []string
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && (c.Data == "td" || c.Data == "th") {
					cells = append(cells, strings.TrimSpace(text(c)))
				}
			}
			rows = append(rows, cells)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	if found != nil {
		walk(found)
	}
	return rows
}
