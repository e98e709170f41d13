package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"golang.org/x/net/html"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/report"
)

// batchFolder is a folder of captures made by a test, with what each
// capture's report should be named.
type batchFolder struct {
	dir      string            // the test's working directory, holding caps/
	captures map[string]string // path as shown (caps/...) -> output name in OUTDIR
	skipped  []string          // paths of the non-captures
}

// batchCopy copies testdata file src to dir/dst, gzip-compressed when zip is set.
func batchCopy(t testing.TB, src, dst string, zip bool) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if zip {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		b = buf.Bytes()
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// newBatchFolder makes caps/ with nested folders of captures: good ones,
// one cut short, a gzip-compressed one, one without an extension (named
// "index", which must not take the index's name), two with equal names in
// different folders, and two files that are not captures.
func newBatchFolder(t *testing.T) *batchFolder {
	t.Helper()
	dir := t.TempDir()
	f := &batchFolder{dir: dir, captures: map[string]string{}}
	for _, c := range []struct {
		src, dst, name string
		zip            bool
	}{
		{"http_espn_browsing.pcapng", "caps/sensor1/http.pcapng", "sensor1/http.pcapng", false},
		{"dns_many_queries_mdns_llmnr.pcap", "caps/sensor1/deep/dns.pcap", "sensor1/deep/dns.pcap", false},
		{"vlan_qinqinq_http.pcap", "caps/sensor2/http.pcapng", "sensor2/http.pcapng", false},
		{"cut_short_vlan_qinqinq_http.pcap", "caps/sensor2/cut.pcap", "sensor2/cut.pcap", false},
		{"dns_lab_ptr_nxdomain.pcapng", "caps/sensor2/lab.pcapng.gz", "sensor2/lab.pcapng.gz", true},
		{"nanosec_bigendian_http.pcap", "caps/index", "index~2", false},
		{"windows_lan_dns_llmnr_smb.pcap", "caps/sensor3/win.cap", "sensor3/win.cap", false},
		// The same traffic seen by a second sensor: its addresses add up.
		{"http_espn_browsing.pcapng", "caps/sensor3/espn-copy.pcapng", "sensor3/espn-copy.pcapng", false},
	} {
		batchCopy(t, filepath.Join("testdata", c.src), filepath.Join(dir, c.dst), c.zip)
		f.captures[c.dst] = c.name
	}
	for p, content := range map[string]string{
		"caps/notes.txt":         "notes from the incident\n",
		"caps/sensor1/page.html": "<!DOCTYPE html><html><body>not a capture</body></html>\n",
		"caps/sensor3/empty":     "", // an empty file named as a capture fails: TestBatchClaimedCaptures
	} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		f.skipped = append(f.skipped, p)
	}
	return f
}

// expected analyses every capture of f on its own with analyze.File.
func (f *batchFolder) expected(t *testing.T) map[string]*analyze.Summary {
	t.Helper()
	out := map[string]*analyze.Summary{}
	for p := range f.captures {
		s, err := analyze.File(filepath.Join(f.dir, p), analyze.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s.Capture.Path = p
		out[p] = s
	}
	return out
}

// indexRow is one row of the captures table of index.html.
type indexRow struct {
	class string
	href  string
	cells map[string]*html.Node // by the td's last class: path, size, packets...
	sort  map[string]string     // the td's data-sort, by the same class
}

func attrOf(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func isElement(tag string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == tag }
}

// readIndex parses index.html into its capture rows, by path, and the
// paths of the skipped files.
func readIndex(t *testing.T, path string) (rows map[string]*indexRow, skipped []string, doc *html.Node) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err = html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	rows = map[string]*indexRow{}
	tables := findAll(doc, func(n *html.Node) bool { return isElement("table")(n) && attrOf(n, "id") == "captures" })
	if len(tables) != 1 {
		t.Fatalf("%s: %d captures tables", path, len(tables))
	}
	for _, tbody := range findAll(tables[0], isElement("tbody")) {
		for _, tr := range findAll(tbody, isElement("tr")) {
			r := &indexRow{class: attrOf(tr, "class"), cells: map[string]*html.Node{}, sort: map[string]string{}}
			for _, td := range findAll(tr, isElement("td")) {
				classes := strings.Fields(attrOf(td, "class"))
				if len(classes) == 0 {
					continue
				}
				k := classes[len(classes)-1]
				r.cells[k], r.sort[k] = td, attrOf(td, "data-sort")
			}
			if td := r.cells["path"]; td != nil {
				if as := findAll(td, isElement("a")); len(as) > 0 {
					r.href = attrOf(as[0], "href")
				}
			}
			rows[r.sort["path"]] = r
		}
	}
	if sec := findAll(doc, func(n *html.Node) bool { return isElement("section")(n) && attrOf(n, "id") == "skipped" }); len(sec) == 1 {
		for _, tr := range findAll(sec[0], isElement("tr")) {
			if tds := findAll(tr, isElement("td")); len(tds) == 2 {
				skipped = append(skipped, textOf(tds[0]))
			}
		}
	}
	return rows, skipped, doc
}

// checkSelfContained checks the offline rules of a page: every script is
// inline and allowed by the CSP's hashes, and every link is relative.
func checkSelfContained(t *testing.T, name string, doc *html.Node) {
	t.Helper()
	var csp string
	for _, m := range findAll(doc, isElement("meta")) {
		if attrOf(m, "http-equiv") == "Content-Security-Policy" {
			csp = attrOf(m, "content")
		}
	}
	if !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("%s: CSP %q does not forbid fetches", name, csp)
	}
	for _, s := range findAll(doc, isElement("script")) {
		if attrOf(s, "src") != "" {
			t.Errorf("%s: a script with src", name)
		}
		sum := sha256.Sum256([]byte(textOf(s)))
		if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, h) {
			t.Errorf("%s: an inline script whose hash %s is not in the CSP", name, h)
		}
	}
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.Type == html.ElementNode }) {
		for _, a := range n.Attr {
			if a.Key == "src" || a.Key == "srcset" {
				t.Errorf("%s: <%s %s=%q>", name, n.Data, a.Key, a.Val)
			}
			if a.Key == "href" && !strings.HasPrefix(a.Val, "./") && !strings.HasPrefix(a.Val, "#") {
				t.Errorf("%s: <%s href=%q> is not a relative link", name, n.Data, a.Val)
			}
		}
	}
}

// noTempFiles fails if dir holds a temporary file of an output.
func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && (strings.HasSuffix(p, ".tmp") || strings.HasPrefix(d.Name(), ".")) {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

func TestBatchConvertsAFolder(t *testing.T) {
	f := newBatchFolder(t)
	want := f.expected(t)
	stdout, stderr, err := runCLI(t, f.dir, nil, "report", "caps", "-o", "out", "--top", "5")
	if err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout %q, want nothing", stdout)
	}
	out := filepath.Join(f.dir, "out")

	// Every capture: its report and a JSON equal to analyze.File's.
	for p, name := range f.captures {
		b, err := os.ReadFile(filepath.Join(out, name+".json"))
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		var got analyze.Summary
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if got.Format != analyze.FormatVersion {
			t.Errorf("%s: the batch's JSON has format %d, want %d", p, got.Format, analyze.FormatVersion)
		}
		got.Format = want[p].Format // analyze.File's Summary has not been written yet
		w, _ := json.Marshal(want[p])
		g, _ := json.Marshal(&got)
		if !bytes.Equal(g, w) {
			t.Errorf("%s: the batch's JSON differs from analyze.File's", p)
		}
		page, err := os.ReadFile(filepath.Join(out, name+".html"))
		if err != nil || !bytes.Contains(page, []byte(want[p].Capture.SHA256)) {
			t.Errorf("%s: report %s.html missing or without the capture's SHA-256 (%v)", p, name, err)
		}
	}

	// The index: one row per capture with its numbers and a working link.
	rows, skipped, doc := readIndex(t, filepath.Join(out, "index.html"))
	checkSelfContained(t, "index.html", doc)
	if len(rows) != len(f.captures) {
		t.Errorf("index lists %d captures, want %d", len(rows), len(f.captures))
	}
	for p, s := range want {
		r := rows[p]
		if r == nil {
			t.Errorf("index does not list %s", p)
			continue
		}
		c := s.Capture
		for k, v := range map[string]int64{"packets": c.Packets, "ipbytes": c.IPBytes, "size": c.Size, "dns": s.DNS.TotalQueries} {
			if r.sort[k] != fmt.Sprint(v) {
				t.Errorf("index, %s: %s = %q, want %d", p, k, r.sort[k], v)
			}
		}
		if got := textOf(r.cells["packets"]); got != thousandsOf(c.Packets) {
			t.Errorf("index, %s: packets shown as %q, want %q", p, got, thousandsOf(c.Packets))
		}
		if got := textOf(r.cells["hash"]); got != c.SHA256 {
			t.Errorf("index, %s: SHA-256 %q, want %q", p, got, c.SHA256)
		}
		if got := textOf(r.cells["talker"]); !strings.HasPrefix(got, s.Sources[0].IP) {
			t.Errorf("index, %s: top talker %q, want %s", p, got, s.Sources[0].IP)
		}
		if r.href != "./"+f.captures[p]+".html" {
			t.Errorf("index, %s: link %q, want ./%s.html", p, r.href, f.captures[p])
		}
		if !strings.Contains(textOf(r.cells["first"]), strings.Replace(c.First[:19], "T", " ", 1)) {
			t.Errorf("index, %s: first %q, want %s", p, textOf(r.cells["first"]), c.First)
		}
	}
	if r := rows["caps/sensor2/cut.pcap"]; r == nil || r.class != "warning" || !strings.Contains(textOf(r.cells["status"]), "capture cut short at byte offset 6409") {
		t.Error("index does not show the cut-short capture's warning")
	}
	slices.Sort(skipped)
	slices.Sort(f.skipped)
	if !slices.Equal(skipped, f.skipped) {
		t.Errorf("index lists skipped files %q, want %q", skipped, f.skipped)
	}
	for _, p := range f.skipped {
		if !strings.Contains(stderr, "pcapreport: "+p+": skipped: ") {
			t.Errorf("stderr does not note that %s was skipped:\n%s", p, stderr)
		}
	}
	if !strings.Contains(stderr, "pcapreport: caps/sensor2/cut.pcap: warning: capture cut short") {
		t.Errorf("stderr lacks the warning:\n%s", stderr)
	}

	// The overview: the sums, and top talkers added up across captures.
	b, err := os.ReadFile(filepath.Join(out, "overview.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ov analyze.Summary
	if err := json.Unmarshal(b, &ov); err != nil {
		t.Fatal(err)
	}
	var packets, ipBytes, queries int64
	sources := map[string]int64{}
	for _, s := range want {
		packets += s.Capture.Packets
		ipBytes += s.Capture.IPBytes
		queries += s.DNS.TotalQueries
		for _, e := range s.Sources {
			sources[e.IP] += e.Packets
		}
	}
	if ov.Capture.Packets != packets || ov.Capture.IPBytes != ipBytes || ov.DNS.TotalQueries != queries {
		t.Errorf("overview: packets %d, IP bytes %d, DNS queries %d; want the sums %d, %d, %d",
			ov.Capture.Packets, ov.Capture.IPBytes, ov.DNS.TotalQueries, packets, ipBytes, queries)
	}
	if ov.Capture.Path != fmt.Sprintf("%d captures", len(want)) || ov.Capture.SHA256 != "" {
		t.Errorf("overview path %q sha256 %q", ov.Capture.Path, ov.Capture.SHA256)
	}
	if len(ov.Sources) != len(sources) {
		t.Errorf("overview has %d source IPs, want %d", len(ov.Sources), len(sources))
	}
	for i, e := range ov.Sources {
		if e.Packets != sources[e.IP] {
			t.Errorf("overview source %s: %d packets, want the sum %d", e.IP, e.Packets, sources[e.IP])
		}
		if i > 0 {
			prev := ov.Sources[i-1]
			a, b := netip.MustParseAddr(prev.IP), netip.MustParseAddr(e.IP)
			if prev.Packets < e.Packets || prev.Packets == e.Packets && a.Compare(b) >= 0 {
				t.Errorf("overview sources out of order at %d: %+v then %+v", i, prev, e)
			}
		}
	}
	top := ov.Sources[0]
	var seen []int64
	for _, s := range want {
		for _, e := range s.Sources {
			if e.IP == top.IP {
				seen = append(seen, e.Packets)
			}
		}
	}
	if len(seen) < 2 {
		t.Errorf("the top source %s is in %d captures; the test wants one seen by several", top.IP, len(seen))
	}
	t.Logf("overview: %d packets; top source %s with %d packets = the sum of %v", ov.Capture.Packets, top.IP, top.Packets, seen)
	page, err := os.ReadFile(filepath.Join(out, "overview.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte(fmt.Sprintf("%d captures", len(want)))) || !bytes.Contains(page, []byte(thousandsOf(packets))) {
		t.Error("overview.html does not show the number of captures and the packets")
	}
	if len(findAll(doc, func(n *html.Node) bool { return isElement("a")(n) && attrOf(n, "href") == "./overview.html" })) != 1 {
		t.Error("index.html does not link to overview.html")
	}
	noTempFiles(t, out)
}

// thousandsOf writes n with commas, as the pages do.
func thousandsOf(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func TestBatchFailureDoesNotStopTheOthers(t *testing.T) {
	f := newBatchFolder(t)
	// pcap magic, then a file header cut short: a capture that fails.
	bad := append([]byte{0xd4, 0xc3, 0xb2, 0xa1}, make([]byte, 10)...)
	if err := os.WriteFile(filepath.Join(f.dir, "caps/sensor2/bad.pcap"), bad, 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := runCLI(t, f.dir, nil, "report", "caps", "-o", "out", "-j", "2")
	if err == nil || exitCode(err) != 1 {
		t.Fatalf("error %v, want exit status 1", err)
	}
	line := "pcapreport: caps/sensor2/bad.pcap: pcap file header cut short (14 of 24 bytes)\n"
	if !strings.Contains(stderr, line) {
		t.Errorf("stderr lacks %q:\n%s", line, stderr)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("1 of %d captures failed", len(f.captures)+1)) {
		t.Errorf("error %q", err)
	}
	out := filepath.Join(f.dir, "out")
	for _, name := range f.captures {
		if _, err := os.Stat(filepath.Join(out, name+".html")); err != nil {
			t.Errorf("a failed capture stopped another: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "sensor2/bad.pcap.html")); err == nil {
		t.Error("the failed capture has a report")
	}
	rows, _, _ := readIndex(t, filepath.Join(out, "index.html"))
	r := rows["caps/sensor2/bad.pcap"]
	if r == nil || r.class != "error" || !strings.Contains(textOf(r.cells["status"]), "pcap file header cut short") || r.href != "" {
		t.Error("the index does not list the failed capture with its error")
	}
	if len(rows) != len(f.captures)+1 {
		t.Errorf("index lists %d captures, want %d", len(rows), len(f.captures)+1)
	}
	b, _ := os.ReadFile(filepath.Join(out, "overview.json"))
	if !bytes.Contains(b, []byte("caps/sensor2/bad.pcap: not included: pcap file header cut short")) {
		t.Error("the overview does not warn that a capture is missing from it")
	}
	noTempFiles(t, out)
}

// TestBatchReproducible runs the same batch with one worker and with two:
// every file written must be the same bytes.
func TestBatchReproducible(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	f := newBatchFolder(t)
	// Many captures of different sizes, so that two workers finish out of order.
	matches, _ := filepath.Glob("testdata/*.pcap*")
	for _, m := range matches {
		batchCopy(t, m, filepath.Join(f.dir, "caps/all", filepath.Base(m)), false)
	}
	for _, j := range []string{"1", "2"} {
		if _, stderr, err := runCLI(t, f.dir, nil, "report", "caps", "-o", "out"+j, "-j", j); err != nil {
			t.Fatalf("-j %s: %v\n%s", j, err, stderr)
		}
	}
	files := func(root string) map[string][]byte {
		m := map[string][]byte{}
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(root, p)
				m[rel], _ = os.ReadFile(p)
			}
			return nil
		})
		return m
	}
	a, b := files(filepath.Join(f.dir, "out1")), files(filepath.Join(f.dir, "out2"))
	if len(a) != len(b) || len(a) < 2*len(matches) {
		t.Fatalf("-j 1 wrote %d files, -j 2 %d", len(a), len(b))
	}
	for name, content := range a {
		if !bytes.Equal(content, b[name]) {
			t.Errorf("%s differs between -j 1 and -j 2", name)
		}
	}
	if !bytes.Contains(a["index.html"], []byte("2023-11-14 22:13:20 UTC")) {
		t.Error("the index's generated-at time does not follow SOURCE_DATE_EPOCH")
	}
}

func TestBatchSkipExisting(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	f := newBatchFolder(t)
	hourAgo := time.Now().Add(-time.Hour)
	for p := range f.captures {
		if err := os.Chtimes(filepath.Join(f.dir, p), hourAgo, hourAgo); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(f.dir, "out")
	if _, stderr, err := runCLI(t, f.dir, nil, "report", "caps", "-o", "out"); err != nil {
		t.Fatal(err, stderr)
	}
	mtimes := func() map[string]time.Time {
		m := map[string]time.Time{}
		for _, name := range f.captures {
			for _, ext := range []string{".html", ".json"} {
				st, err := os.Stat(filepath.Join(out, name+ext))
				if err != nil {
					t.Fatal(err)
				}
				m[name+ext] = st.ModTime()
			}
		}
		return m
	}
	first := mtimes()
	index1, _ := os.ReadFile(filepath.Join(out, "index.html"))
	overview1, _ := os.ReadFile(filepath.Join(out, "overview.html"))
	time.Sleep(20 * time.Millisecond) // so that a rewrite would show in the mtimes

	if _, stderr, err := runCLI(t, f.dir, nil, "report", "caps", "-o", "out", "--skip-existing"); err != nil {
		t.Fatal(err, stderr)
	}
	for name, mt := range mtimes() {
		if !mt.Equal(first[name]) {
			t.Errorf("--skip-existing rewrote %s", name)
		}
	}
	index2, _ := os.ReadFile(filepath.Join(out, "index.html"))
	overview2, _ := os.ReadFile(filepath.Join(out, "overview.html"))
	if !bytes.Equal(index1, index2) || !bytes.Equal(overview1, overview2) {
		t.Error("--skip-existing gave a different index or overview")
	}

	// A capture newer than its report is done again, and so is one whose
	// JSON is damaged; the others are still kept.
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(f.dir, "caps/sensor2/cut.pcap"), future, future); err != nil {
		t.Fatal(err)
	}
	damaged := filepath.Join(out, "sensor1/deep/dns.pcap.json")
	if err := os.WriteFile(damaged, []byte(`{"capture": {"path": "caps/sensor1/deep/dns.pcap"`), 0o644); err != nil {
		t.Fatal(err)
	}
	before := mtimes()
	time.Sleep(20 * time.Millisecond)
	if _, stderr, err := runCLI(t, f.dir, nil, "report", "caps", "-o", "out", "--skip-existing"); err != nil {
		t.Fatal(err, stderr)
	}
	redone := map[string]bool{"sensor2/cut.pcap.html": true, "sensor2/cut.pcap.json": true,
		"sensor1/deep/dns.pcap.html": true, "sensor1/deep/dns.pcap.json": true}
	for name, mt := range mtimes() {
		if changed := !mt.Equal(before[name]); changed != redone[name] {
			t.Errorf("%s: rewritten %v, want %v", name, changed, redone[name])
		}
	}
	index3, _ := os.ReadFile(filepath.Join(out, "index.html"))
	if !bytes.Equal(index1, index3) {
		t.Error("the index changed after redoing two captures")
	}
}

func TestBatchOutputNames(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{
		"site1/caps/a.pcap", "site2/caps/a.pcap", // two arguments with equal base names
		"x/one.pcap", "y/one.pcap", // two files with equal names
		"site1/caps/B.pcap", "site1/caps/b.pcap", // names equal but for case
		"site1/caps/x", "site1/caps/x.html/y.pcap", // a report named like a folder
	} {
		batchCopy(t, "testdata/rawip_dlt228_ipv4_dns.pcap", filepath.Join(dir, p), false)
	}
	if _, stderr, err := runCLI(t, dir, nil, "report", "site1/caps", "site2/caps", "x/one.pcap", "y/one.pcap", "-o", "out"); err != nil {
		t.Fatal(err, stderr)
	}
	want := map[string]string{
		"site1/caps/B.pcap":        "caps/B.pcap",
		"site1/caps/a.pcap":        "caps/a.pcap",
		"site1/caps/b.pcap":        "caps/b.pcap~2",
		"site1/caps/x":             "caps/x",
		"site1/caps/x.html/y.pcap": "caps/x.html~2/y.pcap",
		"site2/caps/a.pcap":        "caps~2/a.pcap",
		"x/one.pcap":               "one.pcap",
		"y/one.pcap":               "one.pcap~2",
	}
	rows, _, _ := readIndex(t, filepath.Join(dir, "out/index.html"))
	for p, name := range want {
		r := rows[p]
		if r == nil || r.href != "./"+name+".html" {
			t.Errorf("%s: row %v, want a link to ./%s.html", p, r, name)
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, "out", name+".json"))
		if err != nil || !bytes.Contains(b, []byte(`"path": "`+p+`"`)) {
			t.Errorf("%s: %s.json is not its JSON (%v)", p, name, err)
		}
	}
}

func TestBatchCommandLine(t *testing.T) {
	dir := t.TempDir()
	batchCopy(t, "testdata/rawip_dlt228_ipv4_dns.pcap", filepath.Join(dir, "caps/a.pcap"), false)
	for _, c := range []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{"report", "caps/a.pcap", "caps/a.pcap"}, "-o OUTDIR", true},
		{[]string{"report", "caps", "-o", "out", "-j", "0"}, "--jobs must be 1 or more", true},
		{[]string{"report", "caps", "-", "-o", "out"}, "standard input", true},
		{[]string{"report", "caps/a.pcap", "--skip-existing"}, "batch mode only", true},
		{[]string{"report", "caps", "-o", "report.html"}, "names a folder", true},
		{[]string{"report", "caps", "-o", "caps/"}, "cannot be an input folder", true},
		{[]string{"report", "caps"}, "caps: is a directory", false},
		{[]string{"report", "caps", "missing", "-o", "out"}, "1 of 2 captures failed", false},
	} {
		_, _, err := runCLI(t, dir, nil, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
			continue
		}
		if _, isUsage := err.(usageError); isUsage != c.usage {
			t.Errorf("%v: usage error %v, want %v", c.args, isUsage, c.usage)
		}
	}
	// A named file is a capture even if it is not one: it fails, as alone.
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o644)
	_, stderr, err := runCLI(t, dir, nil, "report", "caps", "notes.txt", "-o", "out2", "--json", "-")
	if err == nil || !strings.Contains(stderr, "pcapreport: notes.txt: not a pcap or pcapng file (starts with 68 65 6c 6c)") {
		t.Errorf("a named non-capture: %v\n%s", err, stderr)
	}
	// The same file found twice is one capture.
	stdout, stderr, err := runCLI(t, dir, nil, "report", "caps", "caps/a.pcap", "-o", "out3", "--json", "-")
	if err != nil {
		t.Fatal(err, stderr)
	}
	var ov analyze.Summary
	if err := json.Unmarshal([]byte(stdout), &ov); err != nil || ov.Capture.Path != "1 capture" {
		t.Errorf("--json - in batch mode: %v, path %q, want the overview of 1 capture", err, ov.Capture.Path)
	}
}

// TestBatchProgress draws the progress bar into a buffer, as on a terminal.
func TestBatchProgress(t *testing.T) {
	f := newBatchFolder(t)
	var stderr bytes.Buffer
	cfg := &batchConfig{
		inputs: []string{filepath.Join(f.dir, "caps")}, outDir: filepath.Join(f.dir, "out"),
		jobs: 2, analysis: analyze.Options{Interval: analyze.DefaultInterval}, progress: true,
		stdout: io.Discard, stderr: &stderr,
	}
	if err := runBatch(cfg); err != nil {
		t.Fatal(err)
	}
	got := stderr.String()
	for _, want := range []string{fmt.Sprintf("0/%d captures", len(f.captures)), "\r",
		fmt.Sprintf("pcapreport: %d captures (0 reused, 0 failed), 3 files skipped: ", len(f.captures))} {
		if !strings.Contains(got, want) {
			t.Errorf("progress output lacks %q:\n%q", want, got)
		}
	}
	if regexp.MustCompile(`\x1b\[[0-9;]*m`).MatchString(got) {
		t.Error("the progress bar writes colour codes")
	}
}

// BenchmarkBatch converts a folder of four copies of every testdata capture
// with one worker and with two; compare the MB/s with benchstat
// (go test -run '^$' -bench Batch -count 10).
func BenchmarkBatch(b *testing.B) {
	dir := b.TempDir()
	srcs, _ := filepath.Glob("testdata/*.pcap*")
	var size int64
	n := 0
	for k := range 4 {
		for _, src := range srcs {
			dst := filepath.Join(dir, "caps", fmt.Sprintf("copy%d", k), filepath.Base(src))
			batchCopy(b, src, dst, false)
			st, _ := os.Stat(dst)
			size += st.Size()
			n++
		}
	}
	for _, jobs := range []int{1, 2} {
		b.Run(fmt.Sprintf("j=%d", jobs), func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				cfg := &batchConfig{
					inputs: []string{filepath.Join(dir, "caps")}, outDir: filepath.Join(dir, fmt.Sprintf("out%d", jobs)),
					jobs: jobs, analysis: analyze.Options{Interval: analyze.DefaultInterval}, report: report.Options{Top: 20},
					stdout: io.Discard, stderr: io.Discard,
				}
				if err := runBatch(cfg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "captures/s")
		})
	}
}

// TestBatchOwnOutputAndLinks writes the reports inside the folder read,
// twice: the second run must not take the first run's reports for inputs.
// A symbolic link to a capture is a capture; one to a folder is skipped.
func TestBatchOwnOutputAndLinks(t *testing.T) {
	dir := t.TempDir()
	batchCopy(t, "testdata/rawip_dlt228_ipv4_dns.pcap", filepath.Join(dir, "caps/a.pcap"), false)
	batchCopy(t, "testdata/nflog_http.pcap", filepath.Join(dir, "elsewhere/b.pcap"), false)
	if err := os.Symlink(filepath.Join(dir, "elsewhere/b.pcap"), filepath.Join(dir, "caps/link.pcap")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if err := os.Symlink(filepath.Join(dir, "elsewhere"), filepath.Join(dir, "caps/linked-folder")); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, stderr, err := runCLI(t, dir, nil, "report", "caps", "-o", "caps/reports")
		if err != nil {
			t.Fatal(err, stderr)
		}
		if strings.Contains(stderr, "caps/reports") {
			t.Errorf("the output folder was read as input:\n%s", stderr)
		}
		if !strings.Contains(stderr, "pcapreport: caps/linked-folder: skipped: a symbolic link to a folder, not followed") {
			t.Errorf("stderr:\n%s", stderr)
		}
	}
	rows, skipped, _ := readIndex(t, filepath.Join(dir, "caps/reports/index.html"))
	if len(rows) != 2 || rows["caps/link.pcap"] == nil || rows["caps/link.pcap"].sort["packets"] != "13" {
		t.Errorf("index rows %v: want caps/a.pcap and caps/link.pcap (13 packets)", rows)
	}
	if !slices.Equal(skipped, []string{"caps/linked-folder"}) {
		t.Errorf("skipped %q", skipped)
	}
}

// TestSniff recognises captures by content, through one layer of compression.
func TestSniff(t *testing.T) {
	capture, err := os.ReadFile("testdata/dns_lab_ptr_nxdomain.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	compress := func(kind string, b []byte) []byte {
		var buf bytes.Buffer
		var w io.WriteCloser
		switch kind {
		case "gzip":
			w = gzip.NewWriter(&buf)
		case "zstd":
			w, _ = zstd.NewWriter(&buf)
		case "xz":
			w, _ = xz.NewWriter(&buf)
		}
		w.Write(b)
		w.Close()
		return buf.Bytes()
	}
	pcapHeader := []byte{0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0, 4} // nanosecond, big-endian, cut short
	dir := t.TempDir()
	for _, c := range []struct {
		name    string
		content []byte
		why     string // "" for a capture
	}{
		{"pcapng", capture, ""},
		{"pcap-ns-be-cut-short", pcapHeader, ""},
		{"gzip", compress("gzip", capture), ""},
		{"zstd", compress("zstd", capture), ""},
		{"xz", compress("xz", capture), ""},
		{"gzip-text", compress("gzip", []byte("just text")), "gzip-compressed, but not a pcap or pcapng file inside (starts with 6a 75 73 74)"},
		{"gzip-broken", []byte{0x1f, 0x8b, 0x08, 0, 0, 0}, "gzip-compressed, but it cannot be decompressed (the gzip data ends early)"},
		// The analysis's limits: a window it would refuse is no capture here either.
		{"zstd-window-256MiB", zstdRLEFrame(28, pcapHeader, 1000), "zstd: the first frame asks for a 256 MiB window, more than the 64 MiB this reader allows (decompress it first: zstd -d --long=31 -c FILE | pcapreport report -)"},
		{"zstd-window-1MiB", zstdRLEFrame(20, pcapHeader, 1000), ""},
		{"text", []byte("hello"), "not a pcap or pcapng file (starts with 68 65 6c 6c)"},
		{"short", []byte{0xd4, 0xc3}, "not a pcap or pcapng file (starts with d4 c3)"},
		{"empty", nil, "an empty file"},
	} {
		p := filepath.Join(dir, c.name)
		os.WriteFile(p, c.content, 0o644)
		why, err := sniff(p)
		if err != nil || why != c.why {
			t.Errorf("%s: %q, %v; want %q", c.name, why, err, c.why)
		}
	}
	if _, err := sniff(filepath.Join(dir, "missing")); err == nil || !strings.HasSuffix(err.Error(), "missing: no such file or directory") {
		t.Errorf("a missing file: %v", err)
	}
}
