package analyze

import (
	"math/rand/v2"
	"testing"
	"time"
)

// binsAt counts times into bins of width w seconds, the plain way: the
// independent answer the time line must give once it has coarsened to w.
func binsAt(times []time.Time, w int64) map[int64]int64 {
	m := map[int64]int64{}
	for _, ts := range times {
		m[floorDiv(ts.Unix(), w)]++
	}
	return m
}

// TestTimelineCoarsens feeds a time line more non-empty 2-second bins than
// MaxBins, in time order and shuffled: it must end at the same width, the
// finest of the ladder at which the packets fit in MaxBins bins, with
// every bin's count exact.
func TestTimelineCoarsens(t *testing.T) {
	const n = 30_000
	times := make([]time.Time, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range times {
		// Mostly 2 s apart, with a few long pauses.
		times[i] = time.Unix(1_600_000_000+int64(2*i)+int64(i/5000)*86400, int64(r.IntN(1e9)))
	}
	// The width the ladder must reach: 2 s, 10 s, 30 s, 1 min...
	want := int64(2)
	for _, w := range []int64{2, 10, 30, 60, 120, 600, 1800, 3600} {
		if len(binsAt(times, w)) <= MaxBins {
			want = w
			break
		}
	}
	if want == 2 {
		t.Fatal("the test's packets fit in MaxBins 2-second bins; it checks nothing")
	}
	var summaries []Timeline
	for _, shuffle := range []bool{false, true} {
		ts := append([]time.Time{}, times...)
		if shuffle {
			r.Shuffle(len(ts), func(i, j int) { ts[i], ts[j] = ts[j], ts[i] })
		}
		tl := newTimeline(int64(2 * time.Second))
		for _, x := range ts {
			tl.add(x, 100, appDNS)
			if len(tl.bins) > MaxBins {
				t.Fatalf("%d bins in memory, more than MaxBins", len(tl.bins))
			}
		}
		s := tl.summary()
		if s.BinSeconds != float64(want) || s.IntervalSeconds != 2 {
			t.Errorf("shuffled %v: bins of %g s (interval %g), want %d s (interval 2)", shuffle, s.BinSeconds, s.IntervalSeconds, want)
		}
		if len(s.Bins) > MaxBins {
			t.Errorf("%d bins listed", len(s.Bins))
		}
		wantBins := binsAt(times, want)
		var sum int64
		for _, b := range s.Bins {
			start, err := ParseTime(b.Start)
			if err != nil {
				t.Fatal(err)
			}
			if start.Unix()%want != 0 || b.Packets != wantBins[start.Unix()/want] || b.Bytes != 100*b.Packets {
				t.Fatalf("bin %+v: want %d packets at a multiple of %d s", b, wantBins[start.Unix()/want], want)
			}
			sum += b.Packets
		}
		if sum != n {
			t.Errorf("bins hold %d packets, want %d", sum, n)
		}
		if len(s.Series) != 1 || s.Series[0].Name != "DNS" {
			t.Errorf("series %+v", s.Series)
		}
		summaries = append(summaries, s)
	}
	if len(summaries[0].Bins) != len(summaries[1].Bins) || summaries[0].Sparse != summaries[1].Sparse {
		t.Errorf("order changed the time line: %d bins (sparse %v) vs %d (sparse %v)",
			len(summaries[0].Bins), summaries[0].Sparse, len(summaries[1].Bins), summaries[1].Sparse)
	}
}

// TestTimelineCoarsensPast292Years spreads packets over more than MaxBins
// 292-year bins (the widest an int64 of nanoseconds holds): the bins are
// then grouped, still at most MaxBins, with every packet counted and the
// bins in time order.
func TestTimelineCoarsensPast292Years(t *testing.T) {
	tl := newTimeline(int64(2 * time.Second))
	const n = 3 * MaxBins
	for i := range n {
		tl.add(time.Unix(int64(i)<<44, 0), 1, appNone) // 2^44 s: 557,000 years apart
	}
	if len(tl.bins) > MaxBins || tl.group == 1 {
		t.Fatalf("%d bins in memory, group %d", len(tl.bins), tl.group)
	}
	s := tl.summary()
	var sum int64
	var prev time.Time
	for i, b := range s.Bins {
		start, err := ParseTime(b.Start)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 && !start.After(prev) {
			t.Fatalf("bin %d starts %s, not after %s", i, b.Start, prev)
		}
		prev = start
		sum += b.Packets
	}
	if sum != n || len(s.Bins) > MaxBins || s.BinSeconds < float64(1<<44) {
		t.Errorf("%d packets in %d bins of %g s, want %d in at most %d bins of at least 2^44 s", sum, len(s.Bins), s.BinSeconds, n, MaxBins)
	}
}

func TestCoarserIsAMultiple(t *testing.T) {
	for _, w := range []time.Duration{time.Nanosecond, 3 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 7 * time.Second, time.Minute, 24 * time.Hour} {
		got := []int64{int64(w)}
		for x := int64(w); ; {
			next := coarser(x)
			if next == x {
				break
			}
			if next%x != 0 || next < 2*x {
				t.Fatalf("coarser(%s) = %s: not a multiple of at least 2", time.Duration(x), time.Duration(next))
			}
			x = next
			got = append(got, x)
		}
		if len(got) < 10 {
			t.Errorf("ladder from %s stops after %d widths", w, len(got))
		}
	}
	from2 := []time.Duration{}
	for x := int64(2 * time.Second); len(from2) < 13; x = coarser(x) {
		from2 = append(from2, time.Duration(x))
	}
	want := []time.Duration{2 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 10 * time.Minute,
		30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 48 * time.Hour}
	for i := range want {
		if from2[i] != want[i] {
			t.Fatalf("ladder from 2 s: %v, want %v", from2, want)
		}
	}
}

// TestSpanHistBulk checks the bulk rule on times with a known answer.
func TestSpanHistBulk(t *testing.T) {
	day := int64(86400)
	t0 := int64(1_700_000_000)
	cases := []struct {
		name        string
		secs        []int64
		first, last int64 // the bulk's, in secs
		outlying    []int64
	}{
		{"one cluster", []int64{t0, t0 + 10, t0 + 20*day}, t0, t0 + 20*day, nil},
		{"1970 clock", []int64{5, t0, t0 + 1, 6, t0 + 2, t0 + 3, t0 + 4, t0 + 5, t0 + 6, t0 + 7, t0 + 8, t0 + 9}, t0, t0 + 9, []int64{1, 4}},
		// Many packets of 1970 are still a clock not set.
		{"1970 half", []int64{5, t0, 6, t0 + 1, 7}, t0, t0 + 1, []int64{1, 3, 5}},
		// A cluster a quarter the size of the largest is part of the bulk.
		{"quarter", []int64{t0 - 3650*day, t0, t0 + 1, t0 - 3650*day + 1, t0 + 2, t0 + 3, t0 + 4, t0 + 5, t0 + 6, t0 + 7}, t0 - 3650*day, t0 + 7, nil},
		{"only 1970", []int64{5, 6, 7}, 5, 7, nil},
		{"year 586524", []int64{t0, 18446744073204, t0 + 1, 18446744073205, 18446744073206}, t0, t0 + 1, []int64{2, 4, 5}},
		// Two sessions of comparable size a year apart: both are the bulk.
		{"two sessions", []int64{t0, t0 + 1, t0 + 2, t0 + 365*day, t0 + 365*day + 1}, t0, t0 + 365*day + 1, nil},
		// A small session far from a large one is outlying.
		{"small session", []int64{t0, t0 + 1, t0 + 2, t0 + 3, t0 + 4, t0 + 365*day}, t0, t0 + 4, []int64{6}},
	}
	for _, c := range cases {
		h := newSpanHist()
		for i, s := range c.secs {
			h.add(time.Unix(s, 0), int64(i+1))
		}
		b := h.bulk()
		if b.first.Unix() != c.first || b.last.Unix() != c.last || b.outlying != int64(len(c.outlying)) || len(b.examples) != len(c.outlying) {
			t.Errorf("%s: bulk %d to %d, %d outlying %v; want %d to %d, %v", c.name, b.first.Unix(), b.last.Unix(), b.outlying, b.examples, c.first, c.last, c.outlying)
			continue
		}
		for i := range c.outlying {
			if b.examples[i] != c.outlying[i] {
				t.Errorf("%s: outlying %v, want %v", c.name, b.examples, c.outlying)
				break
			}
		}
	}
}

// TestSpanHistBounded: a year of traffic in more than MaxBins distinct
// hours, with outliers at both ends, keeps at most MaxBins bins and still
// names the outliers, the first ones by number.
func TestSpanHistBounded(t *testing.T) {
	h := newSpanHist()
	no := int64(0)
	add := func(sec int64) {
		no++
		h.add(time.Unix(sec, 0), no)
		if len(h.bins) > MaxBins {
			t.Fatalf("%d bins", len(h.bins))
		}
	}
	add(1) // packet 1: 1970
	for i := range int64(2 * MaxBins) {
		add(1_700_000_000 + i*3600)
	}
	for range 20 {
		add(1 << 44) // packets 2*MaxBins+2...: year 557,000
	}
	b := h.bulk()
	if b.outlying != 21 || len(b.examples) != maxOutlierExamples || b.examples[0] != 1 || b.examples[1] != 2*MaxBins+2 {
		t.Errorf("%d outlying %v; want 21, packet 1 then %d...", b.outlying, b.examples, 2*MaxBins+2)
	}
	if b.first.Unix() != 1_700_000_000 || b.last.Unix() != 1_700_000_000+(2*MaxBins-1)*3600 {
		t.Errorf("bulk %s to %s", b.first, b.last)
	}
}

// benchTimes are a million packet times 1 ms apart, as in a capture.
func benchTimes() []time.Time {
	ts := make([]time.Time, 1<<20)
	t0 := time.Unix(1_700_000_000, 0)
	for i := range ts {
		ts[i] = t0.Add(time.Duration(i) * time.Millisecond)
	}
	return ts
}

// BenchmarkSpanAdd is the per-packet cost of the bulk histogram: most
// packets stay in the current hour's bin.
func BenchmarkSpanAdd(b *testing.B) {
	ts := benchTimes()
	h := newSpanHist()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		h.add(ts[i&(1<<20-1)], int64(i+1))
	}
}

// BenchmarkTimelineAdd is the per-packet cost of the time line: a new
// 2-second bin every 2,000 packets.
func BenchmarkTimelineAdd(b *testing.B) {
	ts := benchTimes()
	tl := newTimeline(int64(2 * time.Second))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		tl.add(ts[i&(1<<20-1)], 100, appDNS)
	}
}
