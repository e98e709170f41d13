package analyze_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

// TestProvenanceBuilder: captures added in any order give the same
// provenance: each row lists the first ProvenanceCap captures by path
// that hold it, and the count of all; rows past ProvenanceMaxRows have
// none, and the list says it was cut; a merged overview's provenance
// counts as its captures.
func TestProvenanceBuilder(t *testing.T) {
	n := analyze.ProvenanceMaxRows + 3
	over := &analyze.Summary{}
	for i := range n {
		over.Sources = append(over.Sources, analyze.Endpoint{IP: fmt.Sprintf("10.%d.%d.%d", i>>16, i>>8&255, i&255)})
	}
	// Capture k holds the sources i with i%(k+1) == 0: source 0 is in all 9,
	// source 6 in captures 0, 1, 2, 5 (k+1 divides 6).
	caps := make([]*analyze.Summary, 9)
	for k := range caps {
		s := &analyze.Summary{}
		for i := 0; i < n; i += k + 1 {
			s.Sources = append(s.Sources, over.Sources[i])
		}
		s.Capture.Path = fmt.Sprintf("c%d.pcap", k)
		caps[k] = s
	}
	id := func(k int) analyze.ProvenanceCapture {
		return analyze.ProvenanceCapture{Path: fmt.Sprintf("c%d.pcap", k), Report: fmt.Sprintf("c%d.pcap.html", k)}
	}
	build := func(order []int) *analyze.Provenance {
		b := analyze.NewProvenanceBuilder(over)
		for _, k := range order {
			b.Add(caps[k], id(k))
		}
		return b.Result()
	}
	want := build([]int{0, 1, 2, 3, 4, 5, 6, 7, 8})
	rows := want.Lists[0].Rows
	if want.Lists[0].List != "sources" || len(rows) != analyze.ProvenanceMaxRows || !want.Lists[0].Truncated {
		t.Fatalf("sources: %d rows, truncated %v; want %d, true", len(rows), want.Lists[0].Truncated, analyze.ProvenanceMaxRows)
	}
	paths := func(r analyze.ProvenanceRow) []string {
		var ps []string
		for _, c := range r.Captures {
			ps = append(ps, want.Captures[c].Path)
		}
		return ps
	}
	if r := rows[0]; r.Total != 9 || !slices.Equal(paths(r), []string{"c0.pcap", "c1.pcap", "c2.pcap", "c3.pcap", "c4.pcap"}) {
		t.Errorf("source 0: %q of %d, want c0 to c4 of 9", paths(r), r.Total)
	}
	if r := rows[6]; r.Total != 4 || !slices.Equal(paths(r), []string{"c0.pcap", "c1.pcap", "c2.pcap", "c5.pcap"}) {
		t.Errorf("source 6: %q of %d, want c0 c1 c2 c5 of 4", paths(r), r.Total)
	}
	if r := rows[7]; r.Total != 2 || !slices.Equal(paths(r), []string{"c0.pcap", "c6.pcap"}) {
		t.Errorf("source 7: %q of %d, want c0 c6 of 2", paths(r), r.Total)
	}
	for range 5 {
		order := rand.Perm(9)
		if got := build(order); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("order %v gives another provenance", order)
		}
	}
	// Two partial overviews, each with its provenance, give the same.
	part := func(ks ...int) *analyze.Summary {
		b := analyze.NewProvenanceBuilder(over)
		for _, k := range ks {
			b.Add(caps[k], id(k))
		}
		return &analyze.Summary{Provenance: b.Result()}
	}
	b := analyze.NewProvenanceBuilder(over)
	b.Add(part(8, 1, 3, 5), analyze.ProvenanceCapture{Path: "left"})
	b.Add(part(0, 2, 4, 6, 7), analyze.ProvenanceCapture{Path: "right"})
	if got := b.Result(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("merged partial overviews give another provenance")
	}
}
