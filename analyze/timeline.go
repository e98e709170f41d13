package analyze

import (
	"slices"
	"time"
)

// timeline counts IP packets and bytes per bin. Bins live in a map keyed by
// bin number (Unix time divided by the interval), so a capture that spans
// years costs a map entry per non-empty bin, never one per empty interval.
// Packets mostly arrive in time order, so the current bin is cached and the
// map is only touched when the bin changes.
type timeline struct {
	interval int64 // nanoseconds
	bins     map[int64]*binCount
	curKey   int64
	cur      *binCount
}

type binCount struct{ packets, bytes int64 }

func newTimeline(interval int64) timeline {
	return timeline{interval: interval, bins: map[int64]*binCount{}}
}

// binKey is the number of the bin holding Unix time ns: bins start at whole
// multiples of the interval since the epoch, also before 1970.
func (t *timeline) binKey(ns int64) int64 {
	k := ns / t.interval
	if ns%t.interval < 0 {
		k--
	}
	return k
}

func (t *timeline) add(ns, bytes int64) {
	k := t.binKey(ns)
	if t.cur == nil || k != t.curKey {
		b := t.bins[k]
		if b == nil {
			b = &binCount{}
			t.bins[k] = b
		}
		t.cur, t.curKey = b, k
	}
	t.cur.packets++
	t.cur.bytes += bytes
}

func (t *timeline) summary() Timeline {
	out := Timeline{IntervalSeconds: time.Duration(t.interval).Seconds(), Bins: []Bin{}}
	if len(t.bins) == 0 {
		return out
	}
	keys := make([]int64, 0, len(t.bins))
	for k := range t.bins {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	lo, hi := keys[0], keys[len(keys)-1]
	start := func(k int64) string {
		return formatTime(time.Unix(0, k*t.interval), fracDigitsOf(t.interval))
	}
	if uint64(hi-lo) >= MaxDenseBins {
		out.Sparse = true
		out.Bins = make([]Bin, 0, len(keys))
		for _, k := range keys {
			b := t.bins[k]
			out.Bins = append(out.Bins, Bin{Start: start(k), Packets: b.packets, Bytes: b.bytes})
		}
		return out
	}
	out.Bins = make([]Bin, 0, hi-lo+1)
	for k := lo; k <= hi; k++ {
		bin := Bin{Start: start(k)}
		if b := t.bins[k]; b != nil {
			bin.Packets, bin.Bytes = b.packets, b.bytes
		}
		out.Bins = append(out.Bins, bin)
	}
	return out
}

// fracDigitsOf is the number of fractional digits needed to write the start
// of bins of width interval nanoseconds (0 for whole seconds).
func fracDigitsOf(interval int64) int {
	d := 0
	for interval%int64(time.Second) != 0 && d < 9 {
		interval *= 10
		d++
	}
	return d
}
