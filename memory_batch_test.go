package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

// TestBatchOfFloodsMemory runs batch mode over four 10 MB flood captures
// (gencap -cardinality high: 56,000 spoofed sources and 28,000 query
// names each, so every capture's lists are Space-Saving estimates of
// 20,000 keys): the overview cuts its lists to 20,000 keys rather than
// holding the union of the captures' lists, and two workers (-j 2, the
// default on two cores, given so that the test is the same on any
// machine) analyse these floods one at a time once the live heap passes
// 64 MiB (admission), so the batch stays well under the bound. Before,
// this test measured 354 MiB; it now measures 190-235 MiB. The overview counts
// every packet gencap wrote.
func TestBatchOfFloodsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses four 10 MB floods")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build cmd/gencap: %v", err)
	}
	root := t.TempDir()
	gencap := filepath.Join(root, "gencap")
	if out, err := exec.Command(goCmd, "build", "-o", gencap, "./cmd/gencap").CombinedOutput(); err != nil {
		t.Fatalf("build gencap: %v\n%s", err, out)
	}
	in := filepath.Join(root, "floods")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	wrote := regexp.MustCompile(`gencap: wrote (\d+) packets`)
	var packets int64
	const captures = 4
	for i := 1; i <= captures; i++ {
		out, err := exec.Command(gencap, "-size", "10MB", "-cardinality", "high", "-seed", strconv.Itoa(i),
			"-o", filepath.Join(in, fmt.Sprintf("flood%d.pcap", i))).CombinedOutput()
		if err != nil {
			t.Fatalf("gencap: %v\n%s", err, out)
		}
		m := wrote.FindSubmatch(out)
		if m == nil {
			t.Fatalf("gencap did not say how many packets it wrote:\n%s", out)
		}
		n, _ := strconv.ParseInt(string(m[1]), 10, 64)
		packets += n
	}
	outDir := filepath.Join(root, "out")
	m := runMeasured(t, nil, "report", in, "-o", outDir, "--quiet", "-j", "2")
	if m.exitCode != 0 {
		t.Fatalf("exit %d: %s", m.exitCode, m.stderr)
	}
	t.Logf("peak RSS %.1f MiB", float64(m.peakRSS)/(1<<20))
	if m.peakRSS > memoryBound {
		t.Errorf("peak RSS %d MiB, over the bound of %d MiB", m.peakRSS>>20, memoryBound>>20)
	}
	f, err := os.Open(filepath.Join(outDir, overviewJSONName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := analyze.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if s.Capture.Captures != captures || s.Capture.Packets != packets {
		t.Errorf("the overview covers %d captures and %d packets; gencap wrote %d and %d", s.Capture.Captures, s.Capture.Packets, captures, packets)
	}
	cut := map[string]analyze.Estimate{}
	for _, e := range s.Estimates {
		cut[e.List] = e
	}
	for list, n := range map[string]int{analyze.ListSources: len(s.Sources), analyze.ListDNSQueries: len(s.DNS.Queries),
		analyze.ListIPConversations: len(s.Conversations.IP)} {
		if e := cut[list]; n != analyze.DefaultKeys || e.Tracked != analyze.DefaultKeys || e.MaxError <= 0 {
			t.Errorf("%s: %d keys listed, estimate %+v; want %d keys, an estimate tracking them, with its max_error", list, n, e, analyze.DefaultKeys)
		}
	}
}
