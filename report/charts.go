package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
)

// chart is one chart in the page: a div the script fills from Option.
type chart struct {
	ID     string // fixed per chart, so pages are reproducible
	Label  string // accessible name and caption
	Height int    // pixels
	// Unit is "bytes" or "count": how report.js formats values. For a chart
	// with several series it is a comma-separated list, one per series.
	Unit   string
	Option map[string]any // go-echarts option tree, escaped by html/template
	// empty is set for a chart with nothing to draw; the page leaves it out
	// and the table below says "None in this capture."
	empty bool
}

// chartLabelRunes is how much of a name a chart axis shows; the table
// next to the chart has the full name.
const chartLabelRunes = 40

// barItem is one bar: a label (already made printable) and a value.
type barItem struct {
	label string
	value int64
}

// maxBars is the most bars a chart draws: past that a bar chart is
// unreadable and slow (--top 0 on a scan could ask for 100,000). The table
// next to the chart lists every row.
const maxBars = 50

// bars makes the first n items of xs into bars.
func bars[T any](xs []T, n int, bar func(T) barItem) []barItem {
	out := make([]barItem, min(n, len(xs)))
	for i := range out {
		out[i] = bar(xs[i])
	}
	return out
}

// nameBar is the bar of a named count: the name shortened for the axis.
func nameBar(name string, count int64) barItem {
	return barItem{show.Printable(name, chartLabelRunes), count}
}

// hbar builds a horizontal bar chart, largest bar on top.
func hbar(id, label, seriesName, unit string, items []barItem) chart {
	if len(items) > maxBars {
		items = items[:maxBars]
		label += " (top " + strconv.Itoa(maxBars) + ")"
	}
	bar := charts.NewBar()
	names := make([]string, len(items))
	data := make([]opts.BarData, len(items))
	for i, it := range items {
		names[i] = it.label
		data[i] = opts.BarData{Value: it.value}
	}
	bar.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: id}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "24", Top: "8", Bottom: "8", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true)}),
		charts.WithAnimation(false),
	)
	bar.SetXAxis(names).AddSeries(seriesName, data)
	bar.XYReversal()
	bar.Validate()
	return chart{ID: id, Label: label, Height: 40 + 24*max(len(items), 1), Unit: unit, Option: bar.JSON(), empty: len(items) == 0}
}

// jsDateMaxMillis is the largest time a JavaScript Date (and so an
// ECharts time axis) holds, in milliseconds either side of 1970.
const jsDateMaxMillis = 8_640_000_000_000_000

// timelineChart draws bytes and packets per bin on one time axis (bytes on
// the left axis, packets on the right). Times are shifted into loc and the
// axis is told to show UTC, so the axis reads in loc whatever the reader's
// own zone is. Every packet is drawn: a dense time line of more than
// maxTimelinePoints bins is drawn in wider bins (the label names the
// width drawn), and a sparse one bin by bin (analyze keeps at most
// analyze.MaxBins).
func timelineChart(tl analyze.Timeline, loc *time.Location) (chart, []string) {
	var notes []string
	type point struct {
		t              time.Time
		packets, bytes int64
		apps           []int64 // bytes per series
		gap            bool    // a break in a sparse timeline before this point
	}
	pts := make([]point, 0, len(tl.Bins))
	binSec := binSeconds(tl)
	var prev time.Time
	var unread []string
	for i, b := range tl.Bins {
		t, err := analyze.ParseTime(b.Start)
		if err != nil {
			// Not analyze's output (a damaged JSON file): say so rather than
			// draw it at a made-up time.
			unread = append(unread, fmt.Sprintf("%s (%s packets)", show.Printable(b.Start, 40), thousands(b.Packets)))
			continue
		}
		gap := tl.Sparse && len(pts) > 0 && float64(t.Unix()-prev.Unix()) > binSec
		apps := make([]int64, len(tl.Series))
		for j, se := range tl.Series {
			if i < len(se.Bytes) {
				apps[j] = se.Bytes[i]
			}
		}
		pts = append(pts, point{t: t, packets: b.Packets, bytes: b.Bytes, apps: apps, gap: gap})
		prev = t
	}
	if len(unread) > 0 {
		notes = append(notes, fmt.Sprintf("Not drawn, because the start of the bin is not a time (%s): %s.",
			show.Plural(int64(len(unread)), "bin"), strings.Join(unread[:min(len(unread), 5)], ", ")))
	}
	ms := func(t time.Time) int64 {
		_, off := t.In(loc).Zone()
		return t.UnixMilli() + int64(off)*1000
	}
	// A dense timeline is drawn on a time axis. A sparse one (its span needs
	// more than analyze.MaxBins bins) would be a few dots at the ends of a
	// long axis, so it is drawn on a broken axis instead: one category per
	// non-empty bin, with a labelled break wherever time was skipped. So is
	// a time line with a bin past what a JavaScript Date holds (year
	// 275760): a time axis could not place it.
	sparse := tl.Sparse
	for _, p := range pts {
		if m := ms(p.t); m > jsDateMaxMillis || m < -jsDateMaxMillis {
			sparse = true
		}
	}
	// A dense time line of more points than a chart can show apart is
	// drawn in wider bins: a "nice" whole multiple of the bin width. The
	// table and the JSON keep every bin.
	shownSec := binSec
	if !sparse && len(pts) > maxTimelinePoints && binSec > 0 {
		span := secondsOf(pts[len(pts)-1].t) - secondsOf(pts[0].t) + binSec
		shownSec = displayBin(binSec, span/maxTimelinePoints)
		merged := pts[:0:0]
		key := math.NaN()
		for _, p := range pts {
			k := math.Floor(secondsOf(p.t)/shownSec) * shownSec
			if len(merged) == 0 || k != key {
				whole := math.Floor(k)
				merged = append(merged, point{t: time.Unix(int64(whole), int64((k-whole)*1e9)).UTC(), apps: make([]int64, len(p.apps))})
				key = k
			}
			m := &merged[len(merged)-1]
			m.packets += p.packets
			m.bytes += p.bytes
			for j, v := range p.apps {
				m.apps[j] += v
			}
		}
		pts = merged
	}
	var cats []string
	datum := func(t time.Time, v any) opts.LineData {
		if sparse {
			return opts.LineData{Value: v}
		}
		return opts.LineData{Value: []any{ms(t), v}}
	}
	bytesData := make([]opts.LineData, 0, len(pts))
	pktData := make([]opts.LineData, 0, len(pts))
	series := tl.Series[:min(len(tl.Series), maxTimelineApps)]
	appData := make([][]opts.LineData, len(series))
	var prevT time.Time
	type gap struct {
		after time.Time
		sec   float64
	}
	var gaps []gap
	for _, p := range pts {
		if p.gap {
			gaps = append(gaps, gap{prevT, float64(p.t.Unix() - prevT.Unix())})
			// A "-" value breaks the line across the skipped stretch.
			gapAt := p.t.Add(-time.Millisecond)
			if sparse {
				cats = append(cats, "⋯ "+humanDuration(float64(p.t.Unix()-prevT.Unix()))+" later ⋯")
			}
			bytesData = append(bytesData, datum(gapAt, "-"))
			pktData = append(pktData, datum(gapAt, "-"))
			for j := range appData {
				appData[j] = append(appData[j], datum(gapAt, "-"))
			}
		}
		if sparse {
			cats = append(cats, p.t.In(loc).Format("2006-01-02 15:04:05"))
		}
		bytesData = append(bytesData, datum(p.t, p.bytes))
		pktData = append(pktData, datum(p.t, p.packets))
		for j := range appData {
			appData[j] = append(appData[j], datum(p.t, p.apps[j]))
		}
		prevT = p.t
	}
	if len(gaps) > 0 {
		slices.SortStableFunc(gaps, func(a, b gap) int { return cmp.Compare(b.sec, a.sec) })
		var parts []string
		for _, g := range gaps[:min(len(gaps), 5)] {
			parts = append(parts, humanDuration(g.sec)+" without IP traffic after the bin of "+g.after.In(loc).Format("2006-01-02 15:04:05 MST"))
		}
		more := ""
		if len(gaps) > 5 {
			more = fmt.Sprintf(" (and %d shorter gaps)", len(gaps)-5)
		}
		notes = append(notes, "The time axis is broken where time was skipped: "+strings.Join(parts, "; ")+more+".")
	}
	xAxis := opts.XAxis{Type: "time"}
	if sparse {
		xAxis = opts.XAxis{Type: "category", Data: cats}
	}
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: "chart-timeline"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true)}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "8", Top: "36", Bottom: "64", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(xAxis),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "bytes"}),
		charts.WithDataZoomOpts(opts.DataZoom{Type: "inside"}, opts.DataZoom{Type: "slider"}),
		charts.WithAnimation(false),
	)
	line.ExtendYAxis(opts.YAxis{Type: "value", Name: "packets", Position: "right"})
	// Points are marked when a line alone could not show them: a bin between
	// two gaps of a sparse time line, or a time line of a single bin.
	symbols := opts.Bool(sparse || len(pts) <= 100)
	line.AddSeries("IP bytes", bytesData, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: symbols, SymbolSize: 5}))
	line.AddSeries("IP packets", pktData, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: symbols, SymbolSize: 5, YAxisIndex: 1}))
	units := "bytes,count"
	for j, se := range series {
		line.AddSeries(se.Name+" bytes", appData[j], charts.WithLineChartOpts(opts.LineChart{ShowSymbol: symbols, SymbolSize: 5}),
			charts.WithLineStyleOpts(opts.LineStyle{Width: 1.5, Type: "dashed"}))
		units += ",bytes"
	}
	line.Validate()
	opt := line.JSON()
	opt["color"] = okabeIto
	if sparse {
		// Validate copies the (empty) SetXAxis data over the axis's own.
		if axes, ok := opt["xAxis"].([]opts.XAxis); ok && len(axes) > 0 {
			axes[0].Data = cats
		}
	}
	opt["useUTC"] = true
	zone := "UTC"
	if loc != nil && loc != time.UTC {
		zone = loc.String()
	}
	label := "IP bytes and packets per " + binWidthText(shownSec) + " bin"
	if shownSec != binSec {
		label += " (drawn; the table and the JSON have " + binWidthText(binSec) + " bins)"
	}
	label += ", with the bytes of the top " + show.Plural(int64(len(series)), "application protocol") + " (dashed), time in " + zone
	if len(series) == 0 {
		label = strings.Replace(label, ", with the bytes of the top 0 application protocols (dashed)", "", 1)
	}
	return chart{ID: "chart-timeline", Label: label, Height: 380, Unit: units, Option: opt, empty: len(pts) == 0}, notes
}

// maxTimelinePoints is the most points the time line draws per series: at
// a phone's width that is about one per pixel, and past it a line is
// slow to draw and no more readable. A longer dense time line is drawn in
// wider bins (displayBin).
const maxTimelinePoints = 360

// maxTimelineApps is how many application protocols the time line draws
// beside bytes and packets: five lines in all, which the okabeIto colours
// and the dashes keep apart.
const maxTimelineApps = 3

// okabeIto is the time line's palette: Okabe and Ito's colours that stay
// distinct for colour-blind readers (blue, vermillion, bluish green,
// orange, reddish purple), readable on light and dark backgrounds.
var okabeIto = []string{"#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7"}

// niceBins are the bin widths, in seconds, that a drawn time line may use.
var niceBins = []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
	86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400, 91 * 86400, 364 * 86400}

// displayBin is the drawn bin width for bins of binSec when each drawn bin
// must span at least need seconds: the least whole multiple of binSec
// past need, or the narrowest of niceBins that is a whole multiple of
// binSec when that is at most twice as wide.
func displayBin(binSec, need float64) float64 {
	least := math.Max(1, math.Ceil(need/binSec)) * binSec
	for _, w := range niceBins {
		if w >= least && w <= 2*least {
			if k := w / binSec; k == math.Trunc(k) {
				return w
			}
		}
	}
	return least
}

// secondsOf is t in seconds since the Unix epoch.
func secondsOf(t time.Time) float64 { return float64(t.Unix()) + float64(t.Nanosecond())/1e9 }

// binSeconds is the width of tl's bins, also in a JSON written before
// bin_seconds existed.
func binSeconds(tl analyze.Timeline) float64 {
	if tl.BinSeconds > 0 {
		return tl.BinSeconds
	}
	return tl.IntervalSeconds
}

// binWidthText is a bin width as an adjective: "2-second", "10-minute", "1-day".
func binWidthText(sec float64) string {
	for _, u := range []struct {
		sec  float64
		name string
	}{{86400, "day"}, {3600, "hour"}, {60, "minute"}} {
		if n := sec / u.sec; sec >= u.sec && n == math.Trunc(n) {
			return trimFloat(n) + "-" + u.name
		}
	}
	return trimFloat(sec) + "-second"
}
