package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/pcapreport/pcapreport/analyze"
)

// Bounds of the network map: past about 50 nodes and 150 edges a graph
// is a hairball; the table beside it holds the same edges.
const (
	mapNodes = 50
	mapEdges = 150
)

// netmapSection draws the busiest hosts (analyze.Summary.Hosts, in its
// order) and the IP conversations between them: a node's size grows with
// the bytes the host sent and received, an edge's width with the bytes of
// the conversation. The nodes sit on a circle, busiest first, so the
// picture is the same on every opening; hovering a node shows its edges.
func netmapSection(hs analyze.Hosts, convs []analyze.Conversation, nm namer) section {
	nodes := hs.List[:min(len(hs.List), mapNodes)]
	in := make(map[string]int, len(nodes))
	for i, h := range nodes {
		in[h.IP] = i
	}
	var edges []analyze.Conversation
	left := 0 // conversations with a host not drawn
	for _, cv := range convs {
		_, a := in[cv.A]
		_, b := in[cv.B]
		if a && b && cv.A != cv.B {
			edges = append(edges, cv)
		} else {
			left++
		}
	}
	// convs are by bytes already; keep that order, and cut.
	slices.SortStableFunc(edges, func(x, y analyze.Conversation) int {
		return cmp.Compare(y.BytesAB+y.BytesBA, x.BytesAB+x.BytesBA)
	})
	cut := len(edges) - min(len(edges), mapEdges)
	edges = edges[:len(edges)-cut]

	sec := section{ID: "netmap", Title: "Network map",
		Intro: "The busiest hosts and the IP conversations between them: a node's size grows with the bytes its host sent and received, " +
			"an edge's width with the bytes of the conversation (both ways). The table lists the same edges."}
	var omitted []string
	if n := int(hs.Total) - len(nodes); n > 0 {
		omitted = append(omitted, fmt.Sprintf("%s of %s hosts are drawn (the busiest); %s are left out",
			thousands(int64(len(nodes))), thousands(hs.Total), thousands(int64(n))))
	}
	if left > 0 {
		omitted = append(omitted, fmt.Sprintf("%s IP conversations with a host left out (or of a host with itself) are not drawn", thousands(int64(left))))
	}
	if cut > 0 {
		omitted = append(omitted, fmt.Sprintf("of the conversations between drawn hosts, the %s busiest are drawn and %s are left out",
			thousands(int64(len(edges))), thousands(int64(cut))))
	}
	if len(omitted) > 0 {
		sec.Notes = append(sec.Notes, "Left out: "+strings.Join(omitted, "; ")+". The hosts table and the conversations section list them.")
	}

	maxNode, maxEdge := int64(1), int64(1)
	for _, h := range nodes {
		maxNode = max(maxNode, h.BytesSent+h.BytesReceived)
	}
	for _, e := range edges {
		maxEdge = max(maxEdge, e.BytesAB+e.BytesBA)
	}
	// Node names must be unique in ECharts: the label (address and first
	// name), or the address alone where two labels would be alike.
	names := make([]string, len(nodes))
	seen := map[string]bool{}
	for i, h := range nodes {
		names[i] = nm.label(h.IP)
		if seen[names[i]] {
			names[i] = h.IP
		}
		seen[names[i]] = true
	}
	gnodes := make([]opts.GraphNode, len(nodes))
	for i, h := range nodes {
		b := h.BytesSent + h.BytesReceived
		gnodes[i] = opts.GraphNode{Name: names[i], Value: float32(b),
			SymbolSize: 8 + 32*math.Sqrt(float64(b)/float64(maxNode))}
	}
	links := make([]opts.GraphLink, len(edges))
	for i, e := range edges {
		b := e.BytesAB + e.BytesBA
		links[i] = opts.GraphLink{Source: names[in[e.A]], Target: names[in[e.B]], Value: float32(b),
			LineStyle: &opts.LineStyle{Width: float32(1 + 7*math.Sqrt(float64(b)/float64(maxEdge))), Opacity: opts.Float(0.6)}}
	}
	g := charts.NewGraph()
	g.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: "chart-netmap"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithAnimation(false),
	)
	g.AddSeries("hosts", gnodes, links, charts.WithGraphChartOpts(opts.GraphChart{Layout: "circular", Roam: opts.Bool(true)}),
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right"}),
		charts.WithEmphasisOpts(opts.Emphasis{Focus: "adjacency"}),
		// The palette's first colour, as the bar charts' series: ECharts'
		// dark theme has colours of its own for graphs.
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#5470c6"}))
	// The circle sits inside a margin, so that no node is cut at the
	// chart's edge, with room on the sides for the labels.
	g.MultiSeries[0].Top, g.MultiSeries[0].Bottom = "32", "32"
	g.MultiSeries[0].Left, g.MultiSeries[0].Right = "25%", "25%"
	g.Validate()
	opt := g.JSON()
	height := 420
	if len(nodes) > 20 {
		height = 640
	}
	sec.Charts = []chart{{ID: "chart-netmap", Label: fmt.Sprintf("Network map: the %s busiest hosts and the conversations between them", thousands(int64(len(nodes)))),
		Height: height, Unit: "bytes", Option: opt, empty: len(nodes) == 0}}

	t := &table{
		Caption: "Conversations drawn on the map, by bytes",
		Columns: []column{{"A", false}, {"B", false}, {"Packets A→B", true}, {"Bytes A→B", true},
			{"Packets B→A", true}, {"Bytes B→A", true}, {"Bytes", true}},
	}
	for _, e := range edges {
		t.Rows = append(t.Rows, []cell{nm.ipCell(e.A), nm.ipCell(e.B), num(e.PacketsAB), bytesCell(e.BytesAB),
			num(e.PacketsBA), bytesCell(e.BytesBA), bytesCell(e.BytesAB + e.BytesBA)})
	}
	sec.Tables = append(sec.Tables, t)
	return sec
}
