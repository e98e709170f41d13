package report

import (
	"encoding/json"
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
			if points < nonEmpty {
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
