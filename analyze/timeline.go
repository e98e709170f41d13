package analyze

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"time"
)

// timeline counts IP packets and bytes per bin. Bins live in a map keyed by
// bin number (Unix time divided by the bin width), so a capture that spans
// years costs a map entry per non-empty bin, never one per empty interval.
// Packets mostly arrive in time order, so the current bin is cached and the
// map is only touched when the bin changes.
//
// The map never holds more than MaxBins bins: when a packet would open one
// more, the bins are merged into coarser ones (see coarser) until it fits.
// Each coarser width is a whole multiple of the one before, so every bin
// falls in exactly one coarser bin and the counts stay exact; the width in
// the end is the finest of the ladder at which the capture's IP packets
// fill at most MaxBins bins, whatever the order they came in.
type timeline struct {
	interval int64 // the requested width, nanoseconds
	width    int64 // the width in use, nanoseconds: interval or a coarser one
	// group is 1, or the number of width-wide bins merged into one once the
	// width could grow no further in an int64 of nanoseconds (292 years).
	group  int64
	bins   map[int64]*binCount
	curKey int64
	cur    *binCount
}

// binCount is one bin: IP packets and bytes, and bytes per application.
type binCount struct {
	packets, bytes int64
	apps           [numApps]int64
}

func newTimeline(interval int64) timeline {
	return timeline{interval: interval, width: interval, group: 1, bins: map[int64]*binCount{}}
}

// niceWidths are the bin widths that coarsening prefers, so that a
// coarsened time line reads in round units: from 2 s it goes to 10 s, 30 s,
// 1 min, 2 min, 10 min, 30 min, 1 h, 2 h, 6 h, 12 h, 1 day, then doubles.
var niceWidths = [...]time.Duration{
	time.Microsecond, 2 * time.Microsecond, 5 * time.Microsecond,
	10 * time.Microsecond, 20 * time.Microsecond, 50 * time.Microsecond,
	100 * time.Microsecond, 200 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond,
	10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2 * time.Second, 10 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// coarser is the next width of the ladder after w nanoseconds: the first
// nice width at least twice w that is a multiple of w, else twice w. It
// returns w itself when twice w would overflow.
func coarser(w int64) int64 {
	for _, n := range niceWidths {
		if int64(n) >= 2*w && int64(n)%w == 0 {
			return int64(n)
		}
	}
	if w > math.MaxInt64/2 {
		return w
	}
	return 2 * w
}

// coarsen merges the bins into those of the next width of the ladder.
func (t *timeline) coarsen() {
	f := int64(2)
	if w := coarser(t.width); w != t.width {
		f = w / t.width
		t.width = w
	} else {
		t.group *= 2 // beyond 292 years: width is fixed, bins are grouped
	}
	t.regroup(f)
}

// regroup merges every f consecutive bins (aligned on multiples of f) into one.
func (t *timeline) regroup(f int64) {
	old := t.bins
	t.bins = make(map[int64]*binCount, len(old)/2+1)
	for k, b := range old {
		nk := floorDiv(k, f)
		if m := t.bins[nk]; m != nil {
			m.packets += b.packets
			m.bytes += b.bytes
			for i, v := range b.apps {
				m.apps[i] += v
			}
		} else {
			t.bins[nk] = b
		}
	}
	t.cur = nil
}

// binSeconds is the width of a bin in use, in seconds.
func (t *timeline) binSeconds() float64 {
	return float64(t.width) / 1e9 * float64(t.group)
}

// widenTo coarsens t until its bins are as wide as sec seconds, a width of
// its ladder (a time line built from the same interval). It reports
// whether sec is on the ladder.
func (t *timeline) widenTo(sec float64) bool {
	for {
		d := t.binSeconds()
		if math.Abs(d-sec) <= 1e-9*sec {
			return true
		}
		if d > sec || t.group > 1<<40 {
			return false
		}
		t.coarsen()
	}
}

// binAt returns the bin of time ts, making room for it when it is new.
func (t *timeline) binAt(ts time.Time) *binCount {
	for {
		k := t.keyOf(ts)
		if b := t.bins[k]; b != nil {
			t.cur, t.curKey = b, k
			return b
		}
		if len(t.bins) < MaxBins {
			b := &binCount{}
			t.bins[k] = b
			t.cur, t.curKey = b, k
			return b
		}
		t.coarsen()
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// binKey is the number of the width-wide bin holding Unix time ns: bins
// start at whole multiples of the width since the epoch, also before 1970.
func (t *timeline) binKey(ns int64) int64 {
	k := ns / t.width
	if ns%t.width < 0 {
		k--
	}
	return k
}

// Unix seconds within which a time's nanoseconds fit in an int64 (1678 to 2262).
const nanoSafeSeconds int64 = math.MaxInt64/1_000_000_000 - 1

// keyOf is the number of the bin holding ts.
func (t *timeline) keyOf(ts time.Time) int64 {
	k := t.rawKeyOf(ts)
	if t.group > 1 {
		k = floorDiv(k, t.group)
	}
	return k
}

// rawKeyOf is binKey of ts, also for timestamps past 2262, whose nanoseconds
// since 1970 overflow an int64 (a real capture in the corpus has packets
// stamped in the year 586524): those are divided in 128 bits.
func (t *timeline) rawKeyOf(ts time.Time) int64 {
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
	if hi >= uint64(t.width) {
		return math.MaxInt64 // the bin number itself would overflow
	}
	q, _ := bits.Div64(hi, lo, uint64(t.width))
	return int64(min(q, math.MaxInt64))
}

// startOf is the start time of bin k.
func (t *timeline) startOf(k int64) time.Time {
	k *= t.group // cannot overflow: |k| is at most |rawKeyOf| / group
	neg := k < 0
	u := uint64(k)
	if neg {
		u = uint64(-(k + 1)) + 1 // |k|, also for math.MinInt64
	}
	hi, lo := bits.Mul64(u, uint64(t.width))
	if hi == 0 && lo <= math.MaxInt64 {
		return time.Unix(0, k*t.width)
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
	if k := t.keyOf(ts); t.cur == nil || k != t.curKey {
		t.binAt(ts)
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

// summary lists the bins: every bin from the first non-empty one to the
// last when that is at most MaxBins bins (dense), else only the non-empty
// ones (sparse). Either way there are at most MaxBins.
func (t *timeline) summary() Timeline {
	out := Timeline{IntervalSeconds: time.Duration(t.interval).Seconds(), BinSeconds: t.binSeconds(), Bins: []Bin{}, Series: []Series{}}
	if len(t.bins) == 0 {
		return out
	}
	keys := make([]int64, 0, len(t.bins))
	for k := range t.bins {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	lo, hi := keys[0], keys[len(keys)-1]
	digits := fracDigitsOf(t.width)
	if uint64(hi)-uint64(lo) >= MaxBins {
		out.Sparse = true
	} else {
		keys = keys[:0]
		for k := lo; ; k++ {
			keys = append(keys, k)
			if k == hi {
				break
			}
		}
	}
	out.Bins = make([]Bin, 0, len(keys))
	for _, k := range keys {
		bin := Bin{Start: formatTime(t.startOf(k), digits)}
		if b := t.bins[k]; b != nil {
			bin.Packets, bin.Bytes = b.packets, b.bytes
		}
		out.Bins = append(out.Bins, bin)
	}
	out.Series = t.series(keys)
	return out
}

// Merging: an overview's time line is a timeline fed the bins of the
// Summaries added (merge), so it coarsens, and is listed, as one capture's.

// summaryInterval returns the interval of tl in nanoseconds: 0 when tl has
// none (a Summary with no IP packet may have none).
func summaryInterval(tl *Timeline) (int64, error) {
	if tl.IntervalSeconds == 0 {
		if len(tl.Bins) > 0 {
			return 0, fmt.Errorf("timeline has bins but no interval")
		}
		return 0, nil
	}
	f := tl.IntervalSeconds * float64(time.Second)
	if !(f >= 1 && f < math.MaxInt64/2) {
		return 0, fmt.Errorf("bad timeline interval %g s", tl.IntervalSeconds)
	}
	return int64(math.Round(f)), nil
}

// mergeInterval gives t, an overview's time line, the interval iv of a
// Summary to be merged (0: none): a time line without one takes it, one
// with another refuses it.
func (t *timeline) mergeInterval(iv int64) error {
	switch {
	case iv == 0 || iv == t.interval:
		return nil
	case t.interval == 0:
		*t = newTimeline(iv)
		return nil
	}
	return fmt.Errorf("timeline interval %s differs from the overview's %s", time.Duration(iv), time.Duration(t.interval))
}

// merge adds the bins of tl, with the bytes of each charted application,
// to t, whose summary then lists them densely or sparsely by the same
// MaxBins rule as one capture's. Bins of different widths of one ladder
// (see coarser) merge at the coarser width, and t coarsens further as one
// capture's does, so its width does not depend on the order of adding.
func (t *timeline) merge(tl *Timeline) error {
	if len(tl.Bins) > 0 {
		width := tl.BinSeconds
		if width == 0 {
			width = tl.IntervalSeconds // written before bin_seconds existed
		}
		if probe := newTimeline(t.interval); !probe.widenTo(width) {
			return fmt.Errorf("bin width %g s is not one the interval %g s coarsens to", width, time.Duration(t.interval).Seconds())
		}
		if width > t.binSeconds() {
			t.widenTo(width)
		}
	}
	apps := make([]app, len(tl.Series))
	for i, se := range tl.Series {
		a, ok := appNamed(se.Name)
		if !ok {
			return fmt.Errorf("series %q: not an application protocol", se.Name)
		}
		if len(se.Bytes) != len(tl.Bins) {
			return fmt.Errorf("series %q has %d values for %d bins", se.Name, len(se.Bytes), len(tl.Bins))
		}
		apps[i] = a
	}
	for i, b := range tl.Bins {
		if b.Packets == 0 && b.Bytes == 0 {
			continue // an empty bin of a dense timeline; summary() puts it back
		}
		start, err := ParseTime(b.Start)
		if err != nil {
			return fmt.Errorf("bin %d: %w", i, err)
		}
		bc := t.binAt(start)
		bc.packets += b.Packets
		bc.bytes += b.Bytes
		for j, a := range apps {
			bc.apps[a] += tl.Series[j].Bytes[i]
		}
	}
	return nil
}

// appNamed is the application that String names, other than appNone.
func appNamed(name string) (app, bool) {
	for a := app(0); a < numApps; a++ {
		if a != appNone && a.String() == name {
			return a, true
		}
	}
	return 0, false
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
