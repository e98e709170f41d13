package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

// TestMergeKeys: merge's --keys means what batch's does. Three captures
// of 9,000 sources each of their own (27,000 in all, each capture exact)
// are batched with --keys 30000 and without; merging the captures' JSON
// with --keys 30000 writes the first batch's overview byte for byte, with
// every source and its packets as generated, and merging without it the
// second's, cut to the default 20,000 sources with an estimate.
func TestMergeKeys(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	const perCapture = 9000
	in := filepath.Join(t.TempDir(), "in")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{} // source -> packets
	for c := range 3 {
		var b bytes.Buffer
		w := newPcapWriter(&b)
		for i := range perCapture {
			src := [4]byte{10, byte(c), byte(i >> 8), byte(i)}
			n := 1 + i%3
			for k := range n {
				w.record(uint32(1_700_000_000+c*100+k), uint32(i), udpFrame(src, [4]byte{192, 0, 2, 1}, 40000, 9999, []byte("x")))
			}
			want[fmt.Sprintf("10.%d.%d.%d", c, byte(i>>8), byte(i))] = int64(n)
		}
		if w.err != nil {
			t.Fatal(w.err)
		}
		if err := os.WriteFile(filepath.Join(in, fmt.Sprintf("c%d.pcap", c)), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	batch := func(flags ...string) string {
		out := filepath.Join(t.TempDir(), "out")
		args := append([]string{"report", in, "-o", out, "--quiet"}, flags...)
		if _, stderr, err := runCLI(t, t.TempDir(), nil, args...); err != nil {
			t.Fatalf("batch %v: %v\n%s", flags, err, stderr)
		}
		return out
	}
	mergeWith := func(out string, flags ...string) []byte {
		j := filepath.Join(out, "overview.json")
		args := append([]string{"merge", "-o", filepath.Join(out, "overview.html"), "--json", j}, flags...)
		for c := range 3 {
			args = append(args, filepath.Join(out, fmt.Sprintf("c%d.pcap.json", c)))
		}
		want := readFile(t, j)
		if _, stderr, err := runCLI(t, t.TempDir(), nil, args...); err != nil {
			t.Fatalf("merge %v: %v\n%s", flags, err, stderr)
		}
		got := readFile(t, j)
		if !bytes.Equal(got, want) {
			t.Errorf("merge %v: the JSON differs from the batch's overview", flags)
		}
		return got
	}

	// --keys 30000: every source, exact.
	s, err := analyze.ReadJSON(bytes.NewReader(mergeWith(batch("--keys", "30000"), "--keys", "30000")))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Sources) != len(want) || len(s.Estimates) != 0 {
		t.Fatalf("--keys 30000: %d sources, estimates %+v; want %d, none", len(s.Sources), s.Estimates, len(want))
	}
	for _, e := range s.Sources {
		if want[e.IP] != e.Packets || e.PacketsError != 0 {
			t.Fatalf("--keys 30000: source %+v, want %d packets", e, want[e.IP])
		}
	}

	// The default: 20,000 sources, an estimate that says so.
	s, err = analyze.ReadJSON(bytes.NewReader(mergeWith(batch())))
	if err != nil {
		t.Fatal(err)
	}
	var est *analyze.Estimate
	for i := range s.Estimates {
		if s.Estimates[i].List == analyze.ListSources {
			est = &s.Estimates[i]
		}
	}
	if len(s.Sources) != analyze.DefaultKeys || est == nil || est.Tracked != analyze.DefaultKeys || est.Replaced < int64(len(want)-analyze.DefaultKeys) {
		t.Fatalf("default keys: %d sources, estimate %+v; want %d, tracked %d", len(s.Sources), est, analyze.DefaultKeys, analyze.DefaultKeys)
	}

	// A bad --keys is a usage error.
	if _, stderr, err := runCLI(t, t.TempDir(), nil, "merge", "--keys", "0", "-o", filepath.Join(t.TempDir(), "x.html"), in); err == nil {
		t.Errorf("merge --keys 0 succeeded: %s", stderr)
	}
}
