package analyze

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestFloodAgainstTshark analyses a generated flood (cmd/gencap, 20 MB,
// high cardinality: 103,059 packets from as many spoofed sources, 51,737
// random query names) keeping 5,000 keys per list, and compares the top of
// the source and DNS-name lists with tshark's counts of the same file
// (testdata/tshark/gencap-20MB-high.txt, made by flood.sh): every one of
// tshark's top 40 sources and top 20 names that is heavier than the list's
// max_error is listed, with its true count within [count, count+error]
// (the Space-Saving guarantee), and the first five are in tshark's order.
func TestFloodAgainstTshark(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 20 MB capture")
	}
	want := readFloodCounts(t, "../testdata/tshark/gencap-20MB-high.txt")
	path := generatedCapture(t, "20MB", "high", "1")
	sum, err := sha256File(path)
	if err != nil {
		t.Fatal(err)
	}
	if sum != want.sha256 {
		t.Fatalf("%s has SHA-256 %s, but the tshark counts are of %s: cmd/gencap changed; run testdata/tshark/flood.sh", path, sum, want.sha256)
	}
	const keys = 5000
	s, err := File(path, Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]int64{}
	var order []string
	for _, e := range s.Sources {
		got["source "+e.IP] = [2]int64{e.Packets, e.PacketsError}
		order = append(order, "source "+e.IP)
	}
	var qorder []string
	for _, q := range s.DNS.Queries {
		got["query "+q.Name] = [2]int64{q.Count, q.CountError}
		qorder = append(qorder, "query "+q.Name)
	}
	est := map[string]Estimate{}
	for _, e := range s.Estimates {
		est[e.List] = e
	}
	if e := est["sources"]; e.Tracked != keys || e.Replaced < 90_000 {
		t.Errorf("sources estimate %+v", e)
	}
	if e := est["dns.queries"]; e.Tracked != keys || e.Replaced < 40_000 {
		t.Errorf("dns.queries estimate %+v", e)
	}
	checked := 0
	for _, w := range want.counts {
		bound := est["sources"].MaxError
		if strings.HasPrefix(w.key, "query ") {
			bound = est["dns.queries"].MaxError
		}
		g, ok := got[w.key]
		switch {
		case !ok && w.n > bound:
			t.Errorf("%s: tshark counts %d, over max_error %d, but it is not listed", w.key, w.n, bound)
		case ok && (w.n < g[0] || w.n > g[0]+g[1]):
			t.Errorf("%s: listed %d (+%d), tshark counts %d", w.key, g[0], g[1], w.n)
		case ok:
			checked++
		}
	}
	if checked < 30 {
		t.Errorf("only %d of tshark's counts could be checked", checked)
	}
	for i := range 5 {
		if order[i] != want.sources[i] {
			t.Errorf("source rank %d: %s, tshark's %s", i+1, order[i], want.sources[i])
		}
		if qorder[i] != want.queries[i] {
			t.Errorf("name rank %d: %s, tshark's %s", i+1, qorder[i], want.queries[i])
		}
	}
	t.Logf("sources: max_error %d; names: max_error %d; %d of tshark's top counts listed and within their error",
		est["sources"].MaxError, est["dns.queries"].MaxError, checked)
}

type floodCount struct {
	key string
	n   int64
}

type floodCounts struct {
	sha256           string
	counts           []floodCount
	sources, queries []string // keys in tshark's order
}

func readFloodCounts(t *testing.T, path string) floodCounts {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out floodCounts
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) == 2 && fields[0] == "sha256":
			out.sha256 = fields[1]
		case len(fields) == 3 && (fields[0] == "source" || fields[0] == "query"):
			n, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			key := fields[0] + " " + fields[2]
			out.counts = append(out.counts, floodCount{key, n})
			if fields[0] == "source" {
				out.sources = append(out.sources, key)
			} else {
				out.queries = append(out.queries, key)
			}
		}
	}
	if out.sha256 == "" || len(out.sources) != 40 || len(out.queries) != 20 {
		t.Fatalf("%s: %d sources, %d names, sha256 %q", path, len(out.sources), len(out.queries), out.sha256)
	}
	return out
}
