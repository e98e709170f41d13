package analyze

import (
	"slices"
	"time"
)

// The bulk of a capture in time. A capture's first and last timestamps are
// facts, but one packet stamped 1970 (a clock not yet set) or the year
// 586524 (a pcapng interface with a bad timestamp resolution) makes them
// useless as the capture's span. So the analysis also finds the span of
// the bulk of its packets, and names the packets outside it:
//
//   - every timed packet is counted in a histogram of hour-wide bins, each
//     with its exact earliest and latest time and its first few packet
//     numbers; past MaxBins bins the hours are merged two by two, so the
//     histogram's memory is bounded whatever the timestamps;
//   - the bins are cut into clusters wherever no packet falls for more than
//     spanGap (30 days);
//   - a cluster is plausible when it lies between 1971 and 2262: earlier is a
//     clock that was never set (counting from 1970-01-01 since boot), later
//     is past what an int64 of nanoseconds since 1970 holds, and no real
//     capture is stamped there. The bulk runs from the start of the earliest to the end
//     of the latest of the main clusters: the plausible cluster with the
//     most packets (the earliest on a tie), and every other plausible cluster
//     with at least a quarter as many. With no plausible cluster, the same
//     rule picks among all clusters;
//   - packets outside the bulk's span are outlying.
//
// A capture with no gap of 30 days has no outlying packet: its bulk is
// its first to last packet.

// spanGap is the silence that separates two clusters of a capture's times.
const spanGap = 30 * 24 * time.Hour

// maxOutlierExamples is how many outlying packets are named by number.
const maxOutlierExamples = 10

// spanHist is the histogram of a capture's timestamps.
type spanHist struct {
	width int64 // seconds
	bins  map[int64]*spanBin
	// cur is the bin of the last packet, which holds the Unix seconds
	// curLo to curHi, both included: most packets fall in it, and need
	// neither a division nor a map lookup.
	cur          *spanBin
	curLo, curHi int64
}

// stamp is a time as Unix seconds and nanoseconds, which compare faster
// than time.Time's.
type stamp struct {
	sec  int64
	nsec int32
}

func (a stamp) before(b stamp) bool { return a.sec < b.sec || a.sec == b.sec && a.nsec < b.nsec }
func (a stamp) time() time.Time     { return time.Unix(a.sec, int64(a.nsec)) }

// spanBin is one bin of the histogram.
type spanBin struct {
	packets     int64
	first, last stamp
	n           int                       // packet numbers kept in first
	numbers     [maxOutlierExamples]int64 // its first packets' numbers, ascending
}

func newSpanHist() spanHist {
	return spanHist{width: 3600, bins: map[int64]*spanBin{}}
}

// add counts the packet numbered no, stamped ts.
func (h *spanHist) add(ts time.Time, no int64) {
	st := stamp{ts.Unix(), int32(ts.Nanosecond())}
	if h.cur == nil || st.sec < h.curLo || st.sec > h.curHi {
		h.binAt(st.sec)
	}
	b := h.cur
	if b.packets == 0 || st.before(b.first) {
		b.first = st
	}
	if b.packets == 0 || b.last.before(st) {
		b.last = st
	}
	b.packets++
	if b.n < maxOutlierExamples {
		b.numbers[b.n] = no
		b.n++
	}
}

// binAt makes h.cur the bin of Unix second sec, merging bins when a new
// one would make more than MaxBins.
func (h *spanHist) binAt(sec int64) {
	for {
		k := floorDiv(sec, h.width)
		b := h.bins[k]
		if b == nil && (len(h.bins) < MaxBins || h.width > 1<<61) {
			b = &spanBin{}
			h.bins[k] = b
		}
		if b != nil {
			h.cur, h.curLo, h.curHi = b, k*h.width, k*h.width+(h.width-1)
			return
		}
		h.width *= 2
		old := h.bins
		h.bins = make(map[int64]*spanBin, len(old)/2+1)
		for k, b := range old {
			nk := floorDiv(k, 2)
			if m := h.bins[nk]; m != nil {
				m.merge(b)
			} else {
				h.bins[nk] = b
			}
		}
		h.cur = nil
	}
}

// merge adds bin o to b.
func (b *spanBin) merge(o *spanBin) {
	if o.first.before(b.first) {
		b.first = o.first
	}
	if b.last.before(o.last) {
		b.last = o.last
	}
	b.packets += o.packets
	nums := append(b.numbers[:b.n:b.n], o.numbers[:o.n]...)
	slices.Sort(nums)
	b.n = copy(b.numbers[:], nums)
}

// bulkSpan is what the histogram says about the capture's span.
type bulkSpan struct {
	first, last time.Time // the bulk's; zero without timed packets
	outlying    int64
	examples    []int64 // the first outlying packets' numbers, ascending
}

// bulk finds the bulk's span and the outlying packets (see the top of this file).
func (h *spanHist) bulk() bulkSpan {
	out := bulkSpan{examples: []int64{}}
	if len(h.bins) == 0 {
		return out
	}
	keys := make([]int64, 0, len(h.bins))
	for k := range h.bins {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	type cluster struct {
		first, last time.Time
		packets     int64
	}
	var cs []cluster
	for _, k := range keys {
		b := h.bins[k]
		first, last := b.first.time(), b.last.time()
		if n := len(cs); n > 0 && seconds(cs[n-1].last, first) <= spanGap.Seconds() {
			cs[n-1].last = last
			cs[n-1].packets += b.packets
			continue
		}
		cs = append(cs, cluster{first, last, b.packets})
	}
	plausible := func(c cluster) bool { return plausibleSpan(c.first, c.last) }
	anyPlausible := slices.ContainsFunc(cs, plausible)
	main := func(c cluster) bool { return !anyPlausible || plausible(c) }
	var top int64
	for _, c := range cs {
		if main(c) {
			top = max(top, c.packets)
		}
	}
	for _, c := range cs {
		if main(c) && 4*c.packets >= top {
			if out.first.IsZero() {
				out.first = c.first
			}
			out.last = c.last
		}
	}
	for _, k := range keys {
		b := h.bins[k]
		if !b.last.time().Before(out.first) && !b.first.time().After(out.last) {
			continue // clusters are whole bins: a bin is all in the bulk or all out
		}
		out.outlying += b.packets
		out.examples = append(out.examples, b.numbers[:b.n]...)
	}
	slices.Sort(out.examples)
	out.examples = out.examples[:min(len(out.examples), maxOutlierExamples)]
	return out
}

// plausibleFrom is 1971-01-01: earlier times are a clock never set.
const plausibleFrom = 365 * 86400

// plausibleSpan reports whether first to last lies between 1971 and 2262,
// where real capture times lie (see the top of this file).
func plausibleSpan(first, last time.Time) bool {
	return first.Unix() >= plausibleFrom && last.Unix() < nanoSafeSeconds
}
