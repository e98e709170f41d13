package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

// mergeCaptures are the captures the merge tests put in one batch: IPv4 and
// IPv6, DNS, HTTP, TLS, ARP, a cut-short file, and different link types.
var mergeCaptures = []string{
	"testdata/arp_poison_http_dns.pcapng",
	"testdata/cut_short_vlan_qinqinq_http.pcap",
	"testdata/dns_edns_tcp_ipv6.pcap",
	"testdata/http_espn_browsing.pcapng",
	"testdata/linux_sll2_tls_sni.pcap",
	"testdata/windows_lan_dns_llmnr_smb.pcap",
}

// batchOf runs a batch over the merge captures (copied into a folder of
// their own) with extra flags, and returns the output folder.
func batchOf(t *testing.T, flags ...string) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range mergeCaptures {
		b, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(in, filepath.Base(c)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "out")
	args := append([]string{"report", in, "-o", out, "--quiet"}, flags...)
	if _, stderr, err := runCLI(t, t.TempDir(), nil, args...); err != nil {
		t.Fatalf("batch: %v\n%s", err, stderr)
	}
	return out
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mergeTo runs pcapreport merge on inputs and returns the overview's
// report and JSON.
func mergeTo(t *testing.T, inputs ...string) (html, js []byte) {
	t.Helper()
	return mergeIn(t, t.TempDir(), "m", inputs...)
}

// mergeIn runs pcapreport merge on inputs, writing dir/name.html and
// dir/name.json, and returns them. The overview's links to the captures'
// reports are relative to its folder: written in a batch's output folder,
// it is the batch's overview byte for byte.
func mergeIn(t *testing.T, dir, name string, inputs ...string) (html, js []byte) {
	t.Helper()
	h, j := filepath.Join(dir, name+".html"), filepath.Join(dir, name+".json")
	args := append([]string{"merge", "-o", h, "--json", j}, inputs...)
	if _, stderr, err := runCLI(t, t.TempDir(), nil, args...); err != nil {
		t.Fatalf("merge %v: %v\n%s", inputs, err, stderr)
	}
	return readFile(t, h), readFile(t, j)
}

// TestMergeEqualsBatch: merging the Summaries a batch wrote, given as its
// folder or as files in any order, writes the batch's overview report and
// JSON byte for byte; with exact lists and with estimated ones (--keys 5).
func TestMergeEqualsBatch(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	for _, flags := range [][]string{nil, {"--keys", "5"}} {
		out := batchOf(t, flags...)
		wantHTML := readFile(t, filepath.Join(out, overviewName))
		wantJSON := readFile(t, filepath.Join(out, overviewJSONName))
		var files []string
		for _, c := range mergeCaptures {
			files = append(files, filepath.Join(out, filepath.Base(c)+".json"))
		}
		reversed := make([]string, len(files))
		for i, f := range files {
			reversed[len(files)-1-i] = f
		}
		for name, inputs := range map[string][]string{"folder": {out}, "files": files, "reversed": reversed} {
			// Written where the batch wrote its overview (the folder
			// leaves out overview.json), so that the links are the same.
			html, js := mergeIn(t, out, "overview", inputs...)
			if !bytes.Equal(js, wantJSON) {
				t.Errorf("%v %s: the merged JSON differs from the batch's overview.json", flags, name)
			}
			if !bytes.Equal(html, wantHTML) {
				t.Errorf("%v %s: the merged report differs from the batch's overview.html", flags, name)
			}
		}
		// The overview is of all the captures, with the counts of each.
		s, err := analyze.ReadJSON(bytes.NewReader(wantJSON))
		if err != nil {
			t.Fatal(err)
		}
		var packets int64
		for _, f := range files {
			one, err := analyze.ReadJSON(bytes.NewReader(readFile(t, f)))
			if err != nil {
				t.Fatal(err)
			}
			packets += one.Capture.Packets
		}
		if s.Capture.Path != "6 captures" || s.Capture.Packets != packets || packets == 0 {
			t.Errorf("%v: the overview covers %q, %d packets; want 6 captures, %d packets", flags, s.Capture.Path, s.Capture.Packets, packets)
		}
	}
}

// TestMergeIsAssociative: merge(merge(A,B),C) = merge(A,merge(B,C)) = the
// batch's overview, for the JSON, with exact and with estimated lists.
func TestMergeIsAssociative(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	for _, flags := range [][]string{nil, {"--keys", "5"}} {
		out := batchOf(t, flags...)
		want := readFile(t, filepath.Join(out, overviewJSONName))
		f := func(i int) string { return filepath.Join(out, filepath.Base(mergeCaptures[i])+".json") }
		// The partial overviews are written beside their reports, in a
		// folder of their own: their provenance's links are rebased from
		// there to the final overview's folder, the batch's.
		part := t.TempDir()
		mergeIn(t, part, "ab", f(0), f(1), f(2))
		mergeIn(t, part, "cd", f(3), f(4), f(5))
		_, left := mergeIn(t, out, "left", filepath.Join(part, "ab.json"), filepath.Join(part, "cd.json"))
		mergeIn(t, part, "bc", f(1), f(2), f(3), f(4))
		_, right := mergeIn(t, out, "right", f(0), filepath.Join(part, "bc.json"), f(5))
		if !bytes.Equal(left, want) {
			t.Errorf("%v: merge(merge(A,B,C), merge(D,E,F)) differs from the batch's overview", flags)
		}
		if !bytes.Equal(right, want) {
			t.Errorf("%v: merge(A, merge(B,C,D,E), F) differs from the batch's overview", flags)
		}
	}
}

// TestMergeBadInputs: a file that is not a Summary, a truncated one, one
// of another format version, an empty one and a missing one each get one
// line naming the file; the good ones are still merged, gzip-compressed
// or not; the same capture given twice is merged once; the exit status is 1.
func TestMergeBadInputs(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	out := batchOf(t)
	dir := t.TempDir()
	good := filepath.Join(out, "http_espn_browsing.pcapng.json")
	goodJSON := readFile(t, good)
	other := readFile(t, filepath.Join(out, "dns_edns_tcp_ipv6.pcap.json"))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(other)
	zw.Close()
	formatField := fmt.Appendf(nil, `"format": %d,`, analyze.FormatVersion)
	if !bytes.Contains(goodJSON, formatField) {
		t.Fatalf("%s has no %s", good, formatField)
	}
	files := map[string][]byte{
		"other.json.gz":    gz.Bytes(),
		"truncated.json":   goodJSON[:len(goodJSON)/2],
		"notsummary.json":  []byte(`{"hello": "world"}`),
		"oldformat.json":   bytes.Replace(goodJSON, formatField, []byte(``), 1),
		"newformat.json":   bytes.Replace(goodJSON, formatField, []byte(`"format": 99,`), 1),
		"format2.json":     bytes.Replace(goodJSON, formatField, []byte(`"format": 2,`), 1),
		"empty.json":       nil,
		"again-espn.json":  goodJSON,
		"two-objects.json": append(append([]byte{}, goodJSON...), goodJSON...),
	}
	var paths []string
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	missing := filepath.Join(dir, "missing.json")
	args := append([]string{"merge", "-o", filepath.Join(dir, "m.html"), "--json", filepath.Join(dir, "m.json"), good, missing}, paths...)
	_, stderr, err := runCLI(t, dir, nil, args...)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "8 of 11 Summary files could not be merged") {
		t.Errorf("merge with bad inputs: %v (exit %d), want 8 of 11 failed, exit 1", err, exitCode(err))
	}
	for name, want := range map[string]string{
		"missing.json":     "no such file or directory",
		"truncated.json":   "cut short: the JSON ends before the Summary does",
		"notsummary.json":  "not a Summary written by pcapreport report --json",
		"oldformat.json":   "a Summary of format 1, from an older pcapreport",
		"newformat.json":   fmt.Sprintf("a Summary of format 99; this pcapreport reads format %d", analyze.FormatVersion),
		"format2.json":     fmt.Sprintf("a Summary of format 2; this pcapreport reads format %d", analyze.FormatVersion),
		"empty.json":       "empty file: not a Summary",
		"again-espn.json":  "warning: the same capture (SHA-256 ",
		"two-objects.json": "not a Summary: more follows the JSON object",
	} {
		line := "pcapreport: " + filepath.Join(dir, name) + ": " + want
		if !strings.Contains(stderr, line) {
			t.Errorf("stderr has no line %q:\n%s", line, stderr)
		}
	}
	if n := strings.Count(stderr, "\n"); n != 9 {
		t.Errorf("stderr has %d lines, want 9 (one per bad file):\n%s", n, stderr)
	}
	s, err := analyze.ReadJSON(bytes.NewReader(readFile(t, filepath.Join(dir, "m.json"))))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := analyze.ReadJSON(bytes.NewReader(goodJSON))
	b, _ := analyze.ReadJSON(bytes.NewReader(other))
	if s.Capture.Path != "2 captures" || s.Capture.Packets != a.Capture.Packets+b.Capture.Packets {
		t.Errorf("the overview covers %q, %d packets; want 2 captures, %d packets", s.Capture.Path, s.Capture.Packets, a.Capture.Packets+b.Capture.Packets)
	}
}

// TestMergeUsage: merge without inputs or without -o is a usage error.
func TestMergeUsage(t *testing.T) {
	for _, args := range [][]string{{"merge"}, {"merge", "x.json"}} {
		_, _, err := runCLI(t, t.TempDir(), nil, args...)
		if err == nil || exitCode(err) != 2 {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}

// TestREADMEFanOutRecipe runs the README's fan-out recipe (xargs -P, then
// pcapreport merge) with the real binary on the merge captures, and
// checks that it gives the batch's overview.
func TestREADMEFanOutRecipe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	for _, tool := range []string{"sh", "find", "xargs"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	readme := string(readFile(t, "README.md"))
	_, after, ok := strings.Cut(readme, "Fan-out on one machine")
	block, _, ok2 := strings.Cut(after, "```\n\n")
	_, recipe, ok3 := strings.Cut(block, "```sh\n")
	if !ok || !ok2 || !ok3 || !strings.Contains(recipe, "pcapreport merge") {
		t.Fatalf("no fan-out recipe in README.md")
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	bin := buildCommand(t)
	dir := t.TempDir()
	caps := filepath.Join(dir, "captures")
	os.Mkdir(caps, 0o755)
	for _, c := range mergeCaptures {
		os.WriteFile(filepath.Join(caps, filepath.Base(c)), readFile(t, c), 0o644)
	}
	// A batch over the same folder: warnings in the overview name each
	// capture by the path it was read from.
	out := filepath.Join(t.TempDir(), "out")
	if _, stderr, err := runCLI(t, dir, nil, "report", caps, "-o", out, "--quiet"); err != nil {
		t.Fatalf("batch: %v\n%s", err, stderr)
	}
	script := strings.ReplaceAll(recipe, "/captures", caps)
	script = strings.ReplaceAll(script, "pcapreport ", bin+" ")
	cmd := exec.Command("sh", "-ec", script)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the recipe failed: %v\n%s\n%s", err, script, b)
	}
	// The same but for the links to the captures' reports, which are in
	// sums/ beside the overview rather than beside it: every one is
	// rewritten, and leads to a report that is there.
	js := readFile(t, filepath.Join(dir, "overview.json"))
	if n := bytes.Count(js, []byte(`"report": "sums/`)); n != len(mergeCaptures) {
		t.Errorf("the recipe's overview links %d reports in sums/, want %d", n, len(mergeCaptures))
	}
	for _, c := range mergeCaptures {
		if _, err := os.Stat(filepath.Join(dir, "sums", filepath.Base(c)+".html")); err != nil {
			t.Error(err)
		}
	}
	js = bytes.ReplaceAll(js, []byte(`"report": "sums/`), []byte(`"report": "`))
	if !bytes.Equal(js, readFile(t, filepath.Join(out, overviewJSONName))) {
		t.Error("the recipe's overview.json differs from the batch's")
	}
	// The batch's overview names its input folder nowhere, so the report
	// is the same too.
	page := bytes.ReplaceAll(readFile(t, filepath.Join(dir, "overview.html")), []byte(`href="./sums/`), []byte(`href="./`))
	if !bytes.Equal(page, readFile(t, filepath.Join(out, overviewName))) {
		t.Error("the recipe's overview.html differs from the batch's")
	}
}
