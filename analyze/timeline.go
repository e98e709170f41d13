package analyze

import (
	"cmp"
	"math"
	"math/bits"
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

// binCount is one bin: IP packets and bytes, and bytes per application.
type binCount struct {
	packets, bytes int64
	apps           [numApps]int64
}

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

// Unix seconds within which a time's nanoseconds fit in an int64 (1678 to 2262).
const nanoSafeSeconds int64 = math.MaxInt64/1_000_000_000 - 1

// keyOf is binKey of ts, also for timestamps past 2262, whose nanoseconds
// since 1970 overflow an int64 (a real capture in the corpus has packets
// stamped in the year 586524): those are divided in 128 bits.
func (t *timeline) keyOf(ts time.Time) int64 {
	sec := ts.Unix()
	if sec > -nanoSafeSeconds && sec < nanoSafeSeconds {
		return t.binKey(ts.UnixNano())
	}
	if sec < 0 {
		return math.MinInt64 // before 1678: no capture format can say so
	}
	hi, lo := bits.Mul64(uint64(sec), 1e9)
	lo, carry := bits.Add64(lo, uint64(ts.Nanosecond()), 0)
	hi += carry
	if hi >= uint64(t.interval) {
		return math.MaxInt64 // the bin number itself would overflow
	}
	q, _ := bits.Div64(hi, lo, uint64(t.interval))
	return int64(min(q, math.MaxInt64))
}

// startOf is the start time of bin k.
func (t *timeline) startOf(k int64) time.Time {
	neg := k < 0
	u := uint64(k)
	if neg {
		u = uint64(-(k + 1)) + 1 // |k|, also for math.MinInt64
	}
	hi, lo := bits.Mul64(u, uint64(t.interval))
	if hi == 0 && lo <= math.MaxInt64 {
		return time.Unix(0, k*t.interval)
	}
	// k * interval nanoseconds does not fit in an int64: split into seconds.
	if hi >= 1e9 {
		hi = 1e9 - 1 // beyond any representable time; clamp rather than panic
	}
	sec, nsec := bits.Div64(hi, lo, 1e9)
	if neg {
		return time.Unix(-int64(sec), -int64(nsec))
	}
	return time.Unix(int64(sec), int64(nsec))
}

func (t *timeline) add(ts time.Time, bytes int64, a app) {
	k := t.keyOf(ts)
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
	t.cur.apps[a] += bytes
}

// maxSeries is how many application protocols get a line of their own.
const maxSeries = 5

// series returns, for the applications with the most bytes, their bytes
// in each of the given bins (aligned with the Summary's bins).
func (t *timeline) series(keys []int64) []Series {
	var total [numApps]int64
	for _, b := range t.bins {
		for i, v := range b.apps {
			total[i] += v
		}
	}
	order := make([]app, 0, numApps)
	for a := app(0); a < numApps; a++ {
		if total[a] > 0 && a != appNone {
			order = append(order, a)
		}
	}
	slices.SortStableFunc(order, func(x, y app) int { return cmp.Compare(total[y], total[x]) })
	order = order[:min(len(order), maxSeries)]
	out := make([]Series, len(order))
	for i, a := range order {
		out[i] = Series{Name: a.String(), Bytes: make([]int64, len(keys))}
		for j, k := range keys {
			if b := t.bins[k]; b != nil {
				out[i].Bytes[j] = b.apps[a]
			}
		}
	}
	return out
}

func (t *timeline) summary() Timeline {
	out := Timeline{IntervalSeconds: time.Duration(t.interval).Seconds(), Bins: []Bin{}, Series: []Series{}}
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
		return formatTime(t.startOf(k), fracDigitsOf(t.interval))
	}
	if uint64(hi-lo) >= MaxDenseBins {
		out.Sparse = true
		out.Bins = make([]Bin, 0, len(keys))
		for _, k := range keys {
			b := t.bins[k]
			out.Bins = append(out.Bins, Bin{Start: start(k), Packets: b.packets, Bytes: b.bytes})
		}
		out.Series = t.series(keys)
		return out
	}
	out.Bins = make([]Bin, 0, hi-lo+1)
	all := make([]int64, 0, hi-lo+1)
	for k := lo; k <= hi; k++ {
		all = append(all, k)
		bin := Bin{Start: start(k)}
		if b := t.bins[k]; b != nil {
			bin.Packets, bin.Bytes = b.packets, b.bytes
		}
		out.Bins = append(out.Bins, bin)
	}
	out.Series = t.series(all)
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
