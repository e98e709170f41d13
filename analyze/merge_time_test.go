package analyze_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pcapreport/pcapreport/analyze"
)

// timelineSummary is a Summary holding only a time line of the given bin
// width: one packet of 100 bytes at each of times (Unix seconds).
func timelineSummary(path string, binSeconds float64, times ...int64) *analyze.Summary {
	s := &analyze.Summary{
		Capture:  analyze.Capture{Path: path, SHA256: strings.Repeat("0", 64), Captures: 1},
		Timeline: analyze.Timeline{IntervalSeconds: 2, BinSeconds: binSeconds, Bins: []analyze.Bin{}, Series: []analyze.Series{}},
	}
	w := int64(binSeconds)
	var last int64 = -1
	for _, ts := range times {
		k := ts / w * w
		if k != last {
			s.Timeline.Bins = append(s.Timeline.Bins, analyze.Bin{Start: time.Unix(k, 0).UTC().Format(time.RFC3339)})
			last = k
		}
		b := &s.Timeline.Bins[len(s.Timeline.Bins)-1]
		b.Packets++
		b.Bytes += 100
		s.Capture.Packets++
		s.Capture.IPPackets++
		s.Capture.IPBytes += 100
	}
	s.Capture.First = time.Unix(times[0], 0).UTC().Format(time.RFC3339)
	s.Capture.Last = time.Unix(times[len(times)-1], 0).UTC().Format(time.RFC3339)
	s.Timeline.Sparse = true
	return s
}

// TestMergeTimelineWidths merges time lines coarsened to different widths
// of one ladder (2 s and 10 min): the overview takes the coarser, in any
// order, with every packet in the bin of its time.
func TestMergeTimelineWidths(t *testing.T) {
	const t0 = 1_600_000_200 // a multiple of 600
	fine := timelineSummary("fine.pcap", 2, t0+2, t0+4, t0+700)
	coarse := timelineSummary("coarse.pcap", 600, t0, t0+1, t0+1300)
	var results []string
	for _, order := range [][]*analyze.Summary{{fine, coarse}, {coarse, fine}} {
		var got analyze.Summary
		for _, s := range order {
			if err := analyze.Merge(&got, s); err != nil {
				t.Fatal(err)
			}
		}
		tl := got.Timeline
		if tl.BinSeconds != 600 || tl.IntervalSeconds != 2 {
			t.Errorf("bins of %g s (interval %g), want 600 (2)", tl.BinSeconds, tl.IntervalSeconds)
		}
		want := fmt.Sprint([]analyze.Bin{
			{Start: time.Unix(t0, 0).UTC().Format(time.RFC3339), Packets: 4, Bytes: 400},
			{Start: time.Unix(t0+600, 0).UTC().Format(time.RFC3339), Packets: 1, Bytes: 100},
			{Start: time.Unix(t0+1200, 0).UTC().Format(time.RFC3339), Packets: 1, Bytes: 100},
		})
		if fmt.Sprint(tl.Bins) != want {
			t.Errorf("bins %v, want %v", tl.Bins, want)
		}
		results = append(results, mergeJSON(t, &got))
	}
	if results[0] != results[1] {
		t.Error("the order of merging changed the overview")
	}
	// A width that the interval never coarsens to is refused.
	var got analyze.Summary
	if err := analyze.Merge(&got, timelineSummary("odd.pcap", 7, t0)); err == nil {
		t.Error("a 7-second bin of a 2-second interval was accepted")
	}
}

// TestMergeBulk: an overview's bulk spans its captures' bulks, and counts
// their outlying packets; packet numbers, being per capture, are not kept.
func TestMergeBulk(t *testing.T) {
	a, err := analyze.File("../testdata/pcapng_two_linktypes_eth_sll.pcapng", analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := analyze.File("../testdata/dns_lab_ptr_nxdomain.pcapng", analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got analyze.Summary
	for _, s := range []*analyze.Summary{a, b} {
		if err := analyze.Merge(&got, s); err != nil {
			t.Fatal(err)
		}
	}
	bulk := got.Capture.Bulk
	if bulk.First != a.Capture.Bulk.First || bulk.Last != b.Capture.Bulk.Last || bulk.OutlyingPackets != 101 || len(bulk.OutlyingExamples) != 0 {
		t.Errorf("bulk %+v; want %s to %s, 101 outlying, no numbers", bulk, a.Capture.Bulk.First, b.Capture.Bulk.Last)
	}
	if got.Capture.Last != a.Capture.Last {
		t.Errorf("last %s, want the true latest %s", got.Capture.Last, a.Capture.Last)
	}
	want := 2*365.25*86400 + 0.0 // 2015-01 to 2017-03: about two years
	if d := bulk.DurationSeconds; d < want || d > 2.3*365.25*86400 {
		t.Errorf("bulk duration %g s, want about two years", d)
	}
}

// TestMergeBulkLeavesOut1970: a capture stamped wholly in 1970 (a clock
// never set) is its own bulk, but an overview with captures of real dates
// leaves it out of its span and counts its packets as outlying, in any
// grouping of the merges.
func TestMergeBulkLeavesOut1970(t *testing.T) {
	var sums []*analyze.Summary
	for _, p := range []string{"../testdata/pcapng_two_linktypes_eth_sll.pcapng", "../testdata/ppp_quic_retry.pcap", "../testdata/dns_lab_ptr_nxdomain.pcapng"} {
		s, err := analyze.File(p, analyze.Options{})
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, s)
	}
	a, q, b := sums[0], sums[1], sums[2]
	if !strings.HasPrefix(q.Capture.Bulk.First, "1970-01-01") || q.Capture.Bulk.OutlyingPackets != 0 {
		t.Fatalf("ppp_quic_retry.pcap: bulk %+v, want all of it in 1970", q.Capture.Bulk)
	}
	merge := func(xs ...*analyze.Summary) *analyze.Summary {
		var o analyze.Summary
		for _, x := range xs {
			if err := analyze.Merge(&o, x); err != nil {
				t.Fatal(err)
			}
		}
		return &o
	}
	left := merge(merge(a, q), b)
	right := merge(a, merge(q, b))
	for _, got := range []*analyze.Summary{left, right} {
		bulk := got.Capture.Bulk
		if bulk.First != a.Capture.Bulk.First || bulk.Last != b.Capture.Bulk.Last || bulk.OutlyingPackets != 101+q.Capture.Packets {
			t.Errorf("bulk %+v; want %s to %s with %d outlying", bulk, a.Capture.Bulk.First, b.Capture.Bulk.Last, 101+q.Capture.Packets)
		}
	}
	if l, r := mergeJSON(t, left), mergeJSON(t, right); l != r {
		mergeDiff(t, "(a+q)+b vs a+(q+b)", l, r)
	}
	if only := merge(q, q); only.Capture.Bulk.First != q.Capture.Bulk.First || only.Capture.Bulk.OutlyingPackets != 0 {
		t.Errorf("two 1970 captures: bulk %+v, want theirs", only.Capture.Bulk)
	}
}
