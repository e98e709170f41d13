package report

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pcapreport/pcapreport/analyze"
)

// chartPackets adds up the "IP packets" series of a time-line chart's
// option, as the page hands it to ECharts, and counts its points.
func chartPackets(t *testing.T, ch chart) (sum int64, points int) {
	t.Helper()
	raw, err := json.Marshal(ch.Option)
	if err != nil {
		t.Fatal(err)
	}
	var opt struct {
		Series []struct {
			Name string `json:"name"`
			Data []struct {
				Value json.RawMessage `json:"value"`
			} `json:"data"`
		} `json:"series"`
	}
	if err := json.Unmarshal(raw, &opt); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, se := range opt.Series {
		if se.Name != "IP packets" {
			continue
		}
		found = true
		for _, d := range se.Data {
			var v any
			if err := json.Unmarshal(d.Value, &v); err != nil {
				t.Fatal(err)
			}
			if pair, ok := v.([]any); ok { // [time in ms, value] on a time axis
				v = pair[1]
			}
			switch x := v.(type) {
			case float64:
				sum += int64(x)
				points++
			case string:
				if x != "-" {
					t.Fatalf("point %q is neither a number nor a break", x)
				}
			default:
				t.Fatalf("point %v of type %T", v, v)
			}
		}
	}
	if !found {
		t.Fatal("no IP packets series in the chart")
	}
	return sum, points
}

// TestChartDrawsEveryIPPacket builds the time-line chart of every testdata
// capture and checks that its points hold all of the capture's timed IP
// packets, as tshark counted them (testdata/tshark): none is dropped, as
// the year-586524 bins of pcapng_two_linktypes_eth_sll.pcapng once were.
func TestChartDrawsEveryIPPacket(t *testing.T) {
	var paths []string
	for _, pattern := range []string{"*.pcap", "*.pcapng", "malformed/*"} {
		m, _ := filepath.Glob(filepath.Join("../testdata", pattern))
		paths = append(paths, m...)
	}
	if len(paths) < 20 {
		t.Fatalf("only %d captures in ../testdata", len(paths))
	}
	checked := 0
	for _, p := range paths {
		s, err := analyze.File(p, analyze.Options{})
		if err != nil {
			continue // a capture the analysis refuses has no chart
		}
		want := s.Capture.IPPackets
		name := strings.TrimPrefix(filepath.ToSlash(p), "../testdata/")
		if raw, err := os.ReadFile(filepath.Join("../testdata/tshark", filepath.Base(p)+".json")); err == nil {
			var ts struct {
				IPPackets int64 `json:"ip_packets"`
				UntimedIP struct {
					Packets int64 `json:"packets"`
				} `json:"untimed_ip"`
			}
			if err := json.Unmarshal(raw, &ts); err != nil {
				t.Fatal(err)
			}
			if ts.IPPackets != want {
				t.Errorf("%s: analyze counts %d IP packets, tshark %d", name, want, ts.IPPackets)
			}
			want = ts.IPPackets - ts.UntimedIP.Packets
			checked++
		}
		for _, loc := range []*time.Location{time.UTC, time.FixedZone("UTC+14", 14*3600)} {
			ch, notes := timelineChart(s.Timeline, loc)
			got, points := chartPackets(t, ch)
			if got != want {
				t.Errorf("%s (%s): the chart draws %d IP packets in %d points, want %d; notes %q", name, loc, got, points, want, notes)
			}
			nonEmpty := 0
			for _, b := range s.Timeline.Bins {
				if b.Packets > 0 {
					nonEmpty++
				}
			}
			if len(s.Timeline.Bins) <= maxTimelinePoints && points < nonEmpty {
				t.Errorf("%s: %d points for %d non-empty bins", name, points, nonEmpty)
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d captures had tshark counts", checked)
	}
}

// TestChartOfFarBins: a time line whose bins lie past what a JavaScript
// Date holds is drawn on a category axis, every bin with its packets.
func TestChartOfFarBins(t *testing.T) {
	tl := analyze.Timeline{IntervalSeconds: 2, BinSeconds: 2, Bins: []analyze.Bin{
		{Start: "586524-01-19T07:53:24Z", Packets: 3, Bytes: 300},
		{Start: "586524-01-19T07:53:26Z", Packets: 4, Bytes: 400},
	}, Series: []analyze.Series{}}
	ch, _ := timelineChart(tl, time.UTC)
	if got, _ := chartPackets(t, ch); got != 7 {
		t.Errorf("chart draws %d packets, want 7", got)
	}
	raw, _ := json.Marshal(ch.Option)
	if !strings.Contains(string(raw), `"type":"category"`) || !strings.Contains(string(raw), "586524-01-19 07:53:26") {
		t.Errorf("want a category axis labelled with the year 586524: %.300s", raw)
	}
	// A bin whose start is not a time (a damaged JSON file) is named in a note.
	tl.Bins[1].Start = "not a time"
	_, notes := timelineChart(tl, time.UTC)
	if !strings.Contains(strings.Join(notes, " "), "not a time (4 packets)") {
		t.Errorf("notes %q do not name the unreadable bin", notes)
	}
}

func TestBinWidthText(t *testing.T) {
	for sec, want := range map[float64]string{0.5: "0.5-second", 2: "2-second", 90: "90-second", 600: "10-minute", 7200: "2-hour", 86400: "1-day", 4 * 86400: "4-day"} {
		if got := binWidthText(sec); got != want {
			t.Errorf("binWidthText(%g) = %q, want %q", sec, got, want)
		}
	}
}

// TestTimelineDisplayBins: 4,000 two-second bins (the most analyze keeps)
// are drawn as 267 thirty-second bins (8,000 s / 360 points needs at
// least 22.2 s; 30 s is the narrowest nice multiple of 2 s past it), with
// every packet and byte, on five series at most, and the label names both
// widths. Two bins are drawn as they are.
func TestTimelineDisplayBins(t *testing.T) {
	const n = 4000
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	tl := analyze.Timeline{IntervalSeconds: 2, BinSeconds: 2}
	var wantPackets int64
	for i := range n {
		tl.Bins = append(tl.Bins, analyze.Bin{Start: start.Add(time.Duration(2*i) * time.Second).Format(time.RFC3339),
			Packets: int64(i % 7), Bytes: int64(100 * (i % 7))})
		wantPackets += int64(i % 7)
	}
	for j := range 5 {
		se := analyze.Series{Name: fmt.Sprintf("app%d", j), Bytes: make([]int64, n)}
		tl.Series = append(tl.Series, se)
	}
	ch, _ := timelineChart(tl, time.UTC)
	got, points := chartPackets(t, ch)
	if got != wantPackets || points != 267 {
		t.Errorf("drawn: %d packets in %d points, want %d in 267", got, points, wantPackets)
	}
	if !strings.Contains(ch.Label, "per 30-second bin (drawn; the table and the JSON have 2-second bins)") ||
		!strings.Contains(ch.Label, "top 3 application protocols") {
		t.Errorf("label %q", ch.Label)
	}
	raw, _ := json.Marshal(ch.Option)
	var opt struct {
		Series []json.RawMessage `json:"series"`
		Color  []string          `json:"color"`
	}
	if err := json.Unmarshal(raw, &opt); err != nil {
		t.Fatal(err)
	}
	if len(opt.Series) != 5 || len(opt.Color) != 5 {
		t.Errorf("%d series in %d colours, want 5 and 5", len(opt.Series), len(opt.Color))
	}
	// The first drawn bin starts at the first bin, on a 30-second boundary.
	if !strings.Contains(string(raw), fmt.Sprintf("[%d,", start.UnixMilli())) {
		t.Errorf("no point at %d ms", start.UnixMilli())
	}

	two := analyze.Timeline{IntervalSeconds: 2, BinSeconds: 2, Bins: tl.Bins[:2]}
	ch, _ = timelineChart(two, time.UTC)
	if got, points := chartPackets(t, ch); got != 1 || points != 2 || !strings.Contains(ch.Label, "per 2-second bin,") {
		t.Errorf("two bins: %d packets in %d points, label %q", got, points, ch.Label)
	}
}

func TestDisplayBin(t *testing.T) {
	for _, c := range []struct{ bin, need, want float64 }{
		{2, 22.2, 30}, {2, 0.5, 2}, {0.5, 1.2, 2}, {7, 100, 105}, {7, 3600, 3605}, {3600, 20000, 21600}, {86400, 1e9, 1e9 / 86400 * 86400},
	} {
		got := displayBin(c.bin, c.need)
		if c.bin == 86400 && c.need == 1e9 {
			c.want = math.Ceil(1e9/86400) * 86400
		}
		if got != c.want {
			t.Errorf("displayBin(%g, %g) = %g, want %g", c.bin, c.need, got, c.want)
		}
	}
}
