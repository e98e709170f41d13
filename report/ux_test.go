package report_test

// Browser tests of what report.js adds for the reader: sortable, filterable,
// paged tables with CSV export; a chart bar that finds its table row; the
// dark theme and its contrast; keyboard use; a phone-sized window; and
// printing. They use the helpers of browser_test.go: one headless Chromium
// for the whole test, the network cut off, and every page checked for
// console errors and CSP violations.

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/report"
)

// bigRows is how many rows the synthetic big table has.
const bigRows = 100_000

// formulaNames are DNS query names of the synthetic capture that a
// spreadsheet would run as formulas, with quotes and commas that CSV must
// quote. The first has the most queries, so it is the DNS table's first row.
var formulaNames = []string{
	`=HYPERLINK("http://192.0.2.1/x","click, me")`,
	`+1+2`,
	`-3-4`,
	`@SUM(1)`,
	`say "hi", bye`,
	`plain.example`,
}

// syntheticSummary is a capture that never was: six DNS names that are
// spreadsheet formulas, and rows names answered NXDOMAIN.
func syntheticSummary(rows int) *analyze.Summary {
	s := &analyze.Summary{}
	s.Capture = analyze.Capture{
		Path: "synthetic.pcap", Size: 1234, SHA256: strings.Repeat("5a", 32), Format: "pcap",
		LinkTypes: []string{"Ethernet"}, Packets: 2 * bigRows, IPPackets: 2 * bigRows,
		First: "2024-01-01T00:00:00Z", Last: "2024-01-01T01:00:00Z", DurationSeconds: 3600,
	}
	for i, name := range formulaNames {
		n := int64(60 - 10*i)
		s.DNS.Queries = append(s.DNS.Queries, analyze.DNSQuery{Name: name, Count: n,
			Clients: []analyze.IPCount{{IP: "192.0.2.10", Count: n}}, ClientsTotal: 1})
		s.DNS.TotalQueries += n
	}
	s.DNS.NXDomain = make([]analyze.Count, rows)
	for i := range s.DNS.NXDomain {
		// Counts fall from 1,000 to 1, so that a numeric sort and a text
		// sort differ (1,000 sorts before 999 only as a number).
		s.DNS.NXDomain[i] = analyze.Count{Name: fmt.Sprintf("host-%06d.example.test", i), Count: int64(1000 - i/100)}
	}
	return s
}

// writeSynthetic renders the synthetic capture with every row (--top 0).
func writeSynthetic(t *testing.T, dir string, rows int) string {
	t.Helper()
	var buf bytes.Buffer
	if err := report.Write(&buf, syntheticSummary(rows), report.Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, fmt.Sprintf("synthetic-%d.html", rows))
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// eval runs js in the page and decodes its value into T, failing the test
// on an error.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %.120q: %v", js, err)
	}
	return v
}

// tableJS finds the data table of a section by its caption.
func tableJS(caption string) string {
	return fmt.Sprintf(`Array.from(document.querySelectorAll("table.data")).find(function (t) { return t.caption && t.caption.textContent.trim() === %s; })`,
		strconv.Quote(caption))
}

// shownRows returns the text of the cells of the rows in the table's body.
func shownRows(t *testing.T, ctx context.Context, caption string) [][]string {
	t.Helper()
	return eval[[][]string](t, ctx, `(function () { var t = `+tableJS(caption)+`;
  return Array.from(t.tBodies[0].rows).map(function (r) { return Array.from(r.cells).map(function (c) { return c.textContent.trim(); }); }); })()`)
}

func headers(t *testing.T, ctx context.Context, caption string) []string {
	t.Helper()
	return eval[[]string](t, ctx, `Array.from(`+tableJS(caption)+`.tHead.rows[0].cells).map(function (c) { return c.textContent.trim(); })`)
}

// click clicks a button of a table's tools, pager or heading, found by its text.
func click(t *testing.T, ctx context.Context, caption, scope, text string) {
	t.Helper()
	js := fmt.Sprintf(`(function () {
  var t = %s, root;
  switch (%q) {
  case "head": root = t.tHead; break;
  case "tools": root = t.parentNode.previousElementSibling; break;
  case "pager": root = t.parentNode.nextElementSibling; break;
  }
  var b = Array.from(root.querySelectorAll("button")).find(function (b) { return b.textContent.trim() === %q; });
  if (!b) { return false; }
  b.click();
  return true;
})()`, tableJS(caption), scope, text)
	if !eval[bool](t, ctx, js) {
		t.Fatalf("no %s button %q for the table %q", scope, text, caption)
	}
}

func column(rows [][]string, i int) []string {
	out := make([]string, len(rows))
	for k, r := range rows {
		if i < len(r) {
			out[k] = r[i]
		}
	}
	return out
}

func numbers(t *testing.T, xs []string) []int64 {
	t.Helper()
	out := make([]int64, len(xs))
	for i, x := range xs {
		n, err := strconv.ParseInt(strings.ReplaceAll(x, ",", ""), 10, 64)
		if err != nil {
			t.Fatalf("cell %q is not a number", x)
		}
		out[i] = n
	}
	return out
}

// pressKeys types keys into whatever has the focus, as a reader would.
func pressKeys(t *testing.T, ctx context.Context, keys string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.KeyEvent(keys)); err != nil {
		t.Fatalf("typing %q: %v", keys, err)
	}
}

func TestReportUX(t *testing.T) {
	bctx := startBrowser(t)
	dir := t.TempDir()
	espn, espnSummary, _ := writeReport(t, dir, "../testdata/http_espn_browsing.pcapng")
	ctx, run := openPage(t, bctx, espn, "light")
	if err := waitCharts(ctx, renderWait); err != nil {
		t.Fatalf("charts did not render: %v", err)
	}
	const sources = "Top source IPs by packets"

	t.Run("sort numeric column", func(t *testing.T) {
		hs := headers(t, ctx, sources)
		bytesCol := slices.Index(hs, "Bytes")
		if bytesCol < 0 {
			t.Fatalf("no Bytes column in %q", hs)
		}
		before := numbers(t, column(shownRows(t, ctx, sources), bytesCol))
		// The test means something only if text order and number order differ.
		digits := map[int]bool{}
		for _, n := range before {
			digits[len(strconv.FormatInt(n, 10))] = true
		}
		if len(digits) < 2 {
			t.Fatalf("the byte counts %v all have the same number of digits", before)
		}
		click(t, ctx, sources, "head", "Bytes")
		desc := numbers(t, column(shownRows(t, ctx, sources), bytesCol))
		if !slices.IsSortedFunc(desc, func(a, b int64) int { return int(b - a) }) {
			t.Errorf("after one click on Bytes the rows are not largest first: %v", desc)
		}
		click(t, ctx, sources, "head", "Bytes")
		asc := numbers(t, column(shownRows(t, ctx, sources), bytesCol))
		if !slices.IsSorted(asc) {
			t.Errorf("after two clicks on Bytes the rows are not smallest first: %v", asc)
		}
		if got := eval[string](t, ctx, tableJS(sources)+`.tHead.rows[0].cells[`+strconv.Itoa(bytesCol)+`].getAttribute("aria-sort")`); got != "ascending" {
			t.Errorf("aria-sort is %q, want ascending", got)
		}
		sorted := slices.Sorted(slices.Values(before))
		if !slices.Equal(asc, sorted) {
			t.Errorf("sorting lost or changed rows: %v, want %v", asc, sorted)
		}
	})

	t.Run("sort text column", func(t *testing.T) {
		const dns = "DNS query names by queries"
		col := slices.Index(headers(t, ctx, dns), "Name")
		click(t, ctx, dns, "head", "Name")
		asc := column(shownRows(t, ctx, dns), col)
		want := eval[[]string](t, ctx, fmt.Sprintf(`%s.slice().sort(new Intl.Collator("en", {numeric: true, sensitivity: "base"}).compare)`, jsStrings(asc)))
		if len(asc) < 5 || !slices.Equal(asc, want) {
			t.Errorf("after a click on Name the names are %q, want A to Z %q", asc, want)
		}
		click(t, ctx, dns, "head", "Name")
		desc := column(shownRows(t, ctx, dns), col)
		slices.Reverse(want)
		if !slices.Equal(desc, want) {
			t.Errorf("after two clicks on Name the names are %q, want Z to A %q", desc, want)
		}
		ths := eval[[]string](t, ctx, `Array.from(`+tableJS(dns)+`.tHead.rows[0].cells).map(function (c) { return c.getAttribute("aria-sort") || ""; })`)
		if ths[col] != "descending" || slices.ContainsFunc(slices.Delete(slices.Clone(ths), col, col+1), func(s string) bool { return s != "" }) {
			t.Errorf("aria-sort of the headings is %q, want descending on Name only", ths)
		}
	})

	t.Run("filter", func(t *testing.T) {
		// Each row's "#" and its text, hover text included (a shortened
		// cell's title has all the names of the address).
		type row struct {
			Key  string `json:"key"`
			Text string `json:"text"`
		}
		all := eval[[]row](t, ctx, `Array.from(`+tableJS(sources)+`.tBodies[0].rows).map(function (r) {
  return {key: r.cells[0].textContent, text: r.textContent + " " + Array.from(r.querySelectorAll("[title]")).map(function (c) { return c.title; }).join(" ")}; })`)
		var want []string
		for _, r := range all {
			if strings.Contains(strings.ToLower(r.Text), "akamai") {
				want = append(want, r.Key)
			}
		}
		if len(want) == 0 || len(want) == len(all) {
			t.Fatalf("%d of %d rows mention akamai: a filter for it would show nothing or everything", len(want), len(all))
		}
		eval[bool](t, ctx, tableJS(sources)+`.parentNode.previousElementSibling.querySelector("input").focus(); true`)
		pressKeys(t, ctx, "AkaMai")
		if got := column(shownRows(t, ctx, sources), 0); !slices.Equal(got, want) {
			t.Errorf("the filter AkaMai shows rows %q, want the rows that mention akamai, %q", got, want)
		}
		count := eval[string](t, ctx, tableJS(sources)+`.parentNode.previousElementSibling.querySelector(".count").textContent`)
		if wantCount := fmt.Sprintf("%d of %d rows match", len(want), len(all)); count != wantCount {
			t.Errorf("the count says %q, want %q", count, wantCount)
		}
		pressKeys(t, ctx, kb.Escape)
		if n := len(shownRows(t, ctx, sources)); n != len(all) {
			t.Errorf("after Escape the table shows %d rows, want all %d", n, len(all))
		}
	})

	t.Run("bar click highlights its row", func(t *testing.T) {
		for _, tc := range []struct{ chart, caption, column string }{
			{"chart-sources-bytes", sources, "IP address"},
			{"chart-dns", "DNS query names by queries", "Name"},
		} {
			// The second bar: its label, and where it is on the screen.
			type bar struct {
				Label string  `json:"label"`
				X     float64 `json:"x"`
				Y     float64 `json:"y"`
			}
			b := eval[bar](t, ctx, fmt.Sprintf(`(function () {
  var el = document.getElementById(%q);
  el.scrollIntoView({block: "center"});
  var inst = echarts.getInstanceByDom(el), opt = inst.getOption();
  var v = opt.series[0].data[1];
  v = typeof v === "object" ? v.value : v;
  var p = inst.convertToPixel({seriesIndex: 0}, [v / 2, 1]);
  var r = el.getBoundingClientRect();
  return {label: String(opt.yAxis[0].data[1]), x: r.left + p[0], y: r.top + p[1]};
})()`, tc.chart))
			if err := chromedp.Do(ctx, chromedp.MouseEvent(chromedp.MouseMoved, b.X, b.Y), chromedp.MouseClickXY(b.X, b.Y)); err != nil {
				t.Fatal(err)
			}
			type hl struct {
				Rows    int      `json:"rows"`
				Cells   []string `json:"cells"`
				Visible bool     `json:"visible"`
			}
			got := eval[hl](t, ctx, `(function () {
  var rows = document.querySelectorAll("table.data tr.hl");
  if (rows.length !== 1) { return {rows: rows.length, cells: [], visible: false}; }
  var r = rows[0].getBoundingClientRect();
  return {rows: 1, cells: Array.from(rows[0].cells).map(function (c) { return c.textContent.trim(); }),
    visible: r.top >= 0 && r.bottom <= innerHeight && rows[0].closest("table").caption.textContent.trim() === `+strconv.Quote(tc.caption)+`};
})()`)
			col := slices.Index(headers(t, ctx, tc.caption), tc.column)
			want := strings.SplitN(b.Label, " (", 2)[0]
			if got.Rows != 1 || col < 0 || col >= len(got.Cells) || got.Cells[col] != want || !got.Visible {
				t.Errorf("clicking the bar %q of %s highlighted %d rows (%q, in view and in the table %q: %v), want the row whose %s is %q",
					b.Label, tc.chart, got.Rows, got.Cells, tc.caption, got.Visible, tc.column, want)
			}
		}
	})

	t.Run("charts have text equivalents", func(t *testing.T) {
		type chartText struct {
			ID      string `json:"id"`
			Role    string `json:"role"`
			Label   string `json:"label"`
			Caption string `json:"caption"`
			Tables  int    `json:"tables"`
		}
		got := eval[[]chartText](t, ctx, `Array.from(document.querySelectorAll("[data-chart]")).map(function (el) {
  var fig = el.closest("figure"), cap = fig && fig.querySelector("figcaption");
  return {id: el.id, role: el.getAttribute("role") || "", label: el.getAttribute("aria-label") || "",
    caption: cap ? cap.firstChild.textContent : "", tables: el.closest("section").querySelectorAll("table.data").length};
})`)
		if len(got) < 5 {
			t.Fatalf("the page has %d charts", len(got))
		}
		for _, c := range got {
			if c.Role != "img" || c.Label == "" || c.Caption != c.Label || c.Tables == 0 {
				t.Errorf("chart %s: role %q, aria-label %q, caption %q, %d tables in its section; want an image named by its caption, with a table of the numbers",
					c.ID, c.Role, c.Label, c.Caption, c.Tables)
			}
		}
	})

	t.Run("keyboard", func(t *testing.T) {
		// Start from the top of the page, as after loading it.
		eval[bool](t, ctx, `window.scrollTo(0, 0); document.body.tabIndex = -1; document.body.focus(); document.body.removeAttribute("tabindex"); true`)
		pressKeys(t, ctx, kb.Tab)
		skip := eval[string](t, ctx, `document.activeElement.className + " " + document.activeElement.getAttribute("href") + " " + (document.activeElement.getBoundingClientRect().top >= 0)`)
		if skip != "skip #main true" {
			t.Errorf("the first Tab focuses %q, want the skip link, shown", skip)
		}
		pressKeys(t, ctx, kb.Enter)
		if id := eval[string](t, ctx, `document.activeElement.id`); id != "main" {
			t.Errorf("the skip link moved the focus to %q, want main", id)
		}
		var reached string
		for range 60 {
			pressKeys(t, ctx, kb.Tab)
			reached = eval[string](t, ctx, `document.activeElement.matches("table.data th button.sort") ? document.activeElement.textContent.trim() : ""`)
			if reached != "" {
				break
			}
		}
		if reached == "" {
			t.Fatalf("60 Tabs did not reach a sortable heading")
		}
		type focus struct {
			Outline string `json:"outline"`
			Sort    string `json:"sort"`
		}
		before := eval[focus](t, ctx, `({outline: getComputedStyle(document.activeElement).outlineStyle, sort: document.activeElement.closest("th").getAttribute("aria-sort") || ""})`)
		pressKeys(t, ctx, kb.Enter)
		after := eval[focus](t, ctx, `({outline: getComputedStyle(document.activeElement).outlineStyle, sort: document.activeElement.closest("th").getAttribute("aria-sort") || ""})`)
		if before.Outline == "none" || before.Outline == "" {
			t.Errorf("the focused heading %q has no visible outline", reached)
		}
		if before.Sort != "" || (after.Sort != "ascending" && after.Sort != "descending") {
			t.Errorf("Enter on the heading %q: aria-sort %q before, %q after; want it sorted", reached, before.Sort, after.Sort)
		}
	})

	t.Run("phone width", func(t *testing.T) {
		if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
			Width: 390, Height: 844, DeviceScaleFactor: 1, Mobile: true}); err != nil {
			t.Fatal(err)
		}
		defer chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
		type widths struct {
			Page     int      `json:"page"`
			Window   int      `json:"window"`
			Scrolled int      `json:"scrolled"`
			Wide     []string `json:"wide"`
		}
		w := eval[widths](t, ctx, `new Promise(function (done) { setTimeout(function () {
  var de = document.documentElement, wide = [];
  document.querySelectorAll("body *").forEach(function (e) {
    // A chart's drawing is clipped to its SVG root, which is checked
    // itself: what ECharts places inside it (an axis label's box, a
    // scrolled legend's hidden items) may reach past it unseen.
    if (e.closest(".table-wrap, nav.toc") || e.ownerSVGElement) { return; }
    var r = e.getBoundingClientRect();
    if (r.width > 0 && r.right > de.clientWidth + 1) { wide.push(e.tagName + "." + e.className); }
  });
  var scrolled = Array.from(document.querySelectorAll(".table-wrap")).filter(function (w) { return w.scrollWidth > w.clientWidth; }).length;
  done({page: de.scrollWidth, window: de.clientWidth, scrolled: scrolled, wide: wide.slice(0, 10)});
}, 300); })`)
		if w.Window != 390 || w.Page > w.Window || len(w.Wide) > 0 {
			t.Errorf("at 390 px the page is %d px wide in a %d px window; too wide: %q", w.Page, w.Window, w.Wide)
		}
		if w.Scrolled == 0 {
			t.Errorf("no table scrolls inside its box at 390 px: the wide tables must have been squeezed")
		}
	})

	t.Run("copy as CSV", func(t *testing.T) {
		checkCopy(t, ctx, sources)
	})

	t.Run("print to PDF", func(t *testing.T) {
		checkPrint(t, ctx, espnSummary.Capture.SHA256)
	})

	t.Run("light theme contrast", func(t *testing.T) {
		checkContrast(t, ctx, "light")
	})
	t.Run("dark theme", func(t *testing.T) {
		// The reader's system turns dark while the page is open: the page
		// and its charts follow.
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`Array.from(document.querySelectorAll("[data-chart]")).every(function (el) { return el.getAttribute("data-theme") === "dark"; })`,
			chromedp.WithPollingTimeout(renderWait))); err != nil {
			t.Fatalf("the charts did not turn dark: %v", err)
		}
		type theme struct {
			Background []float64 `json:"background"`
			Themes     []string  `json:"themes"`
			Legend     string    `json:"legend"`
		}
		th := eval[theme](t, ctx, `(function () {
  var bg = getComputedStyle(document.body).backgroundColor.match(/[\d.]+/g).map(Number);
  var themes = Array.from(document.querySelectorAll("[data-chart]")).map(function (el) {
    var inst = echarts.getInstanceByDom(el);
    return el.getAttribute("data-theme") + "/" + (inst && inst.getModel().get("darkMode") === true ? "dark" : "light");
  });
  var legend = echarts.getInstanceByDom(document.getElementById("chart-timeline")).getModel().getComponent("legend", 0).get(["textStyle", "color"]);
  return {background: bg, themes: themes, legend: String(legend)};
})()`)
		if len(th.Background) < 3 || luminance(th.Background) > 0.05 {
			t.Errorf("the body's background is %v in the dark theme", th.Background)
		}
		for _, x := range th.Themes {
			if x != "dark/dark" {
				t.Errorf("a chart is drawn with theme %q (page attribute / ECharts darkMode), want dark/dark", x)
			}
		}
		if c := hexColor(th.Legend); c == nil || luminance(c) < 0.3 {
			t.Errorf("the time line's legend text is %q: too dark on a dark page", th.Legend)
		}
		checkContrast(t, ctx, "dark")
		if err := waitCharts(ctx, renderWait); err != nil {
			t.Errorf("charts did not render: %v", err)
		}
		checkChartsDrew(t, ctx, len(th.Themes))
	})

	checkQuietPage(t, ctx, run)

	t.Run("synthetic", func(t *testing.T) {
		file := writeSynthetic(t, dir, bigRows)
		ctx, run := openPage(t, bctx, file, "light")
		if err := waitCharts(ctx, renderWait); err != nil {
			t.Fatalf("charts did not render: %v", err)
		}
		t.Run("100,000 rows in pages", func(t *testing.T) { checkBigTable(t, ctx) })
		t.Run("download CSV", func(t *testing.T) { checkDownload(t, ctx, t.TempDir()) })
		checkQuietPage(t, ctx, run)
	})

	t.Run("no JavaScript", func(t *testing.T) { checkNoScript(t, bctx, writeSynthetic(t, dir, 250)) })
}

func jsStrings(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(x)
	}
	return "[" + strings.Join(q, ",") + "]"
}

// luminance is the WCAG relative luminance of an sRGB colour (0–255).
func luminance(c []float64) float64 {
	lin := func(v float64) float64 {
		v /= 255
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c[0]) + 0.7152*lin(c[1]) + 0.0722*lin(c[2])
}

func hexColor(s string) []float64 {
	if len(s) != 7 || s[0] != '#' {
		return nil
	}
	var out []float64
	for i := 1; i < 7; i += 2 {
		v, err := strconv.ParseUint(s[i:i+2], 16, 8)
		if err != nil {
			return nil
		}
		out = append(out, float64(v))
	}
	return out
}

// contrastJS measures, for text the reader must read, the contrast of its
// colour with the background it is drawn on (the first opaque one up the
// tree), as WCAG 2 defines it.
const contrastJS = `(function () {
  function rgba(s) { var m = s.match(/[\d.]+/g).map(Number); return {c: m.slice(0, 3), a: m.length > 3 ? m[3] : 1}; }
  function lum(c) { return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]); }
  function lin(v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
  function background(el) {
    for (; el; el = el.parentElement) {
      var b = rgba(getComputedStyle(el).backgroundColor);
      if (b.a > 0.5) { return b.c; }
    }
    return [255, 255, 255];
  }
  var hl = document.querySelector("table.data tbody tr");
  hl.classList.add("hl");
  var picks = {
    "body text": "main p, main td",
    "intro": ".intro",
    "kicker": ".kicker",
    "identity label": "dl.identity dt",
    "card label": ".card .k",
    "card value": ".card .v",
    "contents link": "nav.toc a",
    "table title": ".table-tools .table-title",
    "row count": ".table-tools .count",
    "filter box": ".table-tools input",
    "button": ".table-tools button",
    "pager text": ".pager .page-info",
    "sort heading": "table.data th button.sort",
    "highlighted row": "table.data tr.hl td",
    "figure caption": "figcaption",
    "footer": "footer p"
  };
  var out = [];
  Object.keys(picks).forEach(function (name) {
    var el = document.querySelector(picks[name]);
    if (!el) { out.push({name: name, ratio: 0, missing: true}); return; }
    var fg = rgba(getComputedStyle(el).color).c, bg = background(el);
    var a = lum(fg), b = lum(bg);
    out.push({name: name, ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), fg: fg, bg: bg});
  });
  hl.classList.remove("hl");
  return out;
})()`

func checkContrast(t *testing.T, ctx context.Context, scheme string) {
	t.Helper()
	type pair struct {
		Name    string    `json:"name"`
		Ratio   float64   `json:"ratio"`
		Missing bool      `json:"missing"`
		FG      []float64 `json:"fg"`
		BG      []float64 `json:"bg"`
	}
	for _, p := range eval[[]pair](t, ctx, contrastJS) {
		switch {
		case p.Missing && p.Name == "pager text":
			// Only a table of more than one page has a pager.
		case p.Missing:
			t.Errorf("%s theme: no element for %s", scheme, p.Name)
		case p.Ratio < 4.5:
			t.Errorf("%s theme: %s has contrast %.2f:1 (%v on %v), want at least 4.5:1 (WCAG AA)", scheme, p.Name, p.Ratio, p.FG, p.BG)
		}
	}
}

// checkCopy copies a table as CSV three ways: with the clipboard API, with
// the fallback (a selected text area and execCommand), and, when even that
// fails, by leaving the text area selected for the reader.
func checkCopy(t *testing.T, ctx context.Context, caption string) {
	t.Helper()
	want := strings.Join(headers(t, ctx, caption), ",")
	hook := `window.__copied = null;
navigator.clipboard.writeText = function (s) { window.__copied = s; return Promise.resolve(); }; true`
	eval[bool](t, ctx, hook)
	click(t, ctx, caption, "tools", "Copy as CSV")
	viaAPI := eval[string](t, ctx, `new Promise(function (r) { setTimeout(function () { r(String(window.__copied)); }, 50); })`)
	if !strings.HasPrefix(viaAPI, want+"\r\n") {
		t.Errorf("the clipboard got %.200q, want CSV starting with the headings %q", viaAPI, want)
	}
	rows := strings.Count(viaAPI, "\r\n") - 1
	if n := len(shownRows(t, ctx, caption)); rows != n {
		t.Errorf("the copied CSV has %d rows, the table %d", rows, n)
	}

	fallback := `window.__copied = null;
navigator.clipboard.writeText = function () { return Promise.reject(new Error("denied")); };
document.execCommand = function (c) {
  var el = document.activeElement;
  window.__copied = c === "copy" && el && el.tagName === "TEXTAREA" ? el.value.slice(el.selectionStart, el.selectionEnd) : null;
  return window.__copyWorks;
}; window.__copyWorks = true; true`
	eval[bool](t, ctx, fallback)
	click(t, ctx, caption, "tools", "Copy as CSV")
	viaTextarea := eval[string](t, ctx, `new Promise(function (r) { setTimeout(function () { r(String(window.__copied)); }, 50); })`)
	// A text area holds LF line ends; the copy event puts the CRLF ones on the clipboard.
	if viaTextarea != strings.ReplaceAll(viaAPI, "\r\n", "\n") {
		t.Errorf("the fallback copied %.200q, want what the clipboard API got", viaTextarea)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("textarea.csv-fallback").length`); n != 0 {
		t.Errorf("%d fallback text areas are left after a copy that worked", n)
	}

	eval[bool](t, ctx, `window.__copyWorks = false; true`)
	click(t, ctx, caption, "tools", "Copy as CSV")
	type left struct {
		Value    string `json:"value"`
		Selected bool   `json:"selected"`
		Status   string `json:"status"`
	}
	l := eval[left](t, ctx, `new Promise(function (r) { setTimeout(function () {
  var ta = document.querySelector("textarea.csv-fallback");
  r({value: ta ? ta.value : "", selected: !!ta && document.activeElement === ta && ta.selectionEnd - ta.selectionStart === ta.value.length,
    status: `+tableJS(caption)+`.parentNode.previousElementSibling.querySelector(".count").textContent});
}, 50); })`)
	if l.Value != strings.ReplaceAll(viaAPI, "\r\n", "\n") || !l.Selected || !strings.Contains(l.Status, "copy") {
		t.Errorf("when copying fails the page shows a text area with %.80q (selected: %v) and says %q; want the CSV, selected, and a hint",
			l.Value, l.Selected, l.Status)
	}
	eval[bool](t, ctx, `document.querySelectorAll("textarea.csv-fallback").forEach(function (e) { e.remove(); }); true`)
}

// checkBigTable checks the table of bigRows rows: its first page is shown
// soon, the pager counts the pages, and paging, sorting, filtering and
// printing work on all the rows.
func checkBigTable(t *testing.T, ctx context.Context) {
	const caption = "Names answered NXDOMAIN (no such name)"
	type timing struct {
		Start  float64 `json:"start"`
		Tables float64 `json:"tables"`
	}
	tm := eval[timing](t, ctx, `({start: performance.getEntriesByName("pcapreport:start")[0].startTime,
  tables: performance.getEntriesByName("pcapreport:tables")[0].startTime})`)
	t.Logf("%d rows: report.js started %.0f ms after navigation, and the first page of every table was rendered %.0f ms later (%.0f ms after navigation)",
		bigRows, tm.Start, tm.Tables-tm.Start, tm.Tables)
	// How quickly is BenchmarkOpenReport's to measure, not a test's: a
	// busy machine must not fail the suite. What is checked here is that
	// the marks exist and come in order.
	if tm.Start <= 0 || tm.Tables < tm.Start {
		t.Errorf("the page's marks are out of order: start %.0f ms, tables %.0f ms", tm.Start, tm.Tables)
	}
	type state struct {
		Rendered string `json:"rendered"`
		Pages    string `json:"pages"`
		Rows     int    `json:"rows"`
		Info     string `json:"info"`
		Count    string `json:"count"`
	}
	read := func() state {
		return eval[state](t, ctx, `(function () { var t = `+tableJS(caption)+`, tools = t.parentNode.previousElementSibling, pager = t.parentNode.nextElementSibling;
  return {rendered: t.getAttribute("data-rendered"), pages: t.getAttribute("data-pages"), rows: t.tBodies[0].rows.length,
    info: pager.hidden ? "" : pager.querySelector(".page-info").textContent, count: tools.querySelector(".count").textContent}; })()`)
	}
	st := read()
	want := state{"true", "500", 200, "Page 1 of 500 (rows 1–200)", "100,000 rows"}
	if st != want {
		t.Errorf("the big table shows %+v, want %+v", st, want)
	}
	first := shownRows(t, ctx, caption)
	if len(first) == 0 || first[0][0] != "host-000000.example.test" || first[len(first)-1][0] != "host-000199.example.test" {
		t.Errorf("page 1 runs from %q to %q", first[0], first[len(first)-1])
	}
	click(t, ctx, caption, "pager", "Next ›")
	if rows := shownRows(t, ctx, caption); rows[0][0] != "host-000200.example.test" || read().Info != "Page 2 of 500 (rows 201–400)" {
		t.Errorf("after Next the page starts with %q and the pager says %q", rows[0], read().Info)
	}
	click(t, ctx, caption, "pager", "Last »")
	if rows := shownRows(t, ctx, caption); rows[len(rows)-1][0] != "host-099999.example.test" || read().Info != "Page 500 of 500 (rows 99,801–100,000)" {
		t.Errorf("the last page ends with %q and the pager says %q", rows[len(rows)-1], read().Info)
	}

	// Sorting sorts all the rows, smallest first on the second click.
	click(t, ctx, caption, "head", "Responses")
	click(t, ctx, caption, "head", "Responses")
	rows := shownRows(t, ctx, caption)
	if rows[0][1] != "1" || rows[0][0] != "host-099900.example.test" || read().Info != "Page 1 of 500 (rows 1–200)" {
		t.Errorf("sorted smallest first, the big table starts with %q (pager %q)", rows[0], read().Info)
	}

	// A filter searches every row, not only the page.
	eval[bool](t, ctx, tableJS(caption)+`.parentNode.previousElementSibling.querySelector("input").focus(); true`)
	pressKeys(t, ctx, "host-0123")
	var st2 state
	for range 40 {
		if st2 = read(); strings.Contains(st2.Count, "match") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st2.Count != "100 of 100,000 rows match" || st2.Rows != 100 || st2.Info != "" {
		t.Errorf("filtered for host-0123 the table shows %+v, want 100 rows on one page", st2)
	}
	pressKeys(t, ctx, kb.Escape)

	// On paper every row is printed; after printing the page is paged again.
	// (Both in one go: a frame drawn with 100,000 rows would take seconds.)
	counts := eval[[]int](t, ctx, `(function () { var body = `+tableJS(caption)+`.tBodies[0], n = [];
  window.dispatchEvent(new Event("beforeprint")); n.push(body.rows.length);
  window.dispatchEvent(new Event("afterprint")); n.push(body.rows.length);
  return n; })()`)
	if printed, after := counts[0], counts[1]; printed != bigRows || after != 200 {
		t.Errorf("printing shows %d rows, and %d after, want %d and 200", printed, after, bigRows)
	}
}

// checkDownload saves the DNS table of the synthetic page with its
// Download CSV button and reads the file the browser wrote.
func checkDownload(t *testing.T, ctx context.Context, downloads string) {
	const caption = "DNS query names by queries"
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatalf("Browser.setDownloadBehavior: %v", err)
	}
	click(t, ctx, caption, "tools", "Download CSV")
	var file string
	for deadline := time.Now().Add(renderWait); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		m, _ := filepath.Glob(filepath.Join(downloads, "*.csv"))
		if len(m) == 1 {
			file = m[0]
			break
		}
	}
	if file == "" {
		entries, _ := os.ReadDir(downloads)
		t.Fatalf("no CSV file was downloaded into %s (it holds %v)", downloads, entries)
	}
	if base := filepath.Base(file); base != "synthetic-DNS_query_names_by_queries.csv" {
		t.Errorf("the download is named %q", base)
	}
	var data []byte
	for range 40 { // the file may still be being written
		data, _ = os.ReadFile(file)
		if bytes.HasSuffix(data, []byte("\r\n")) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	records, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("the download is not CSV: %v\n%s", err, data)
	}
	hs := headers(t, ctx, caption)
	rows := shownRows(t, ctx, caption)
	if len(records) != len(rows)+1 || !slices.Equal(records[0], hs) {
		t.Fatalf("the CSV has %d records, headings %q; the table %d rows, headings %q", len(records), records[0], len(rows), hs)
	}
	numeric := eval[[]bool](t, ctx, `Array.from(`+tableJS(caption)+`.tHead.rows[0].cells).map(function (c) { return c.classList.contains("num"); })`)
	for i, row := range rows {
		want := slices.Clone(row)
		for j, c := range want {
			if numeric[j] {
				want[j] = strings.ReplaceAll(c, ",", "")
			}
			if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
				want[j] = "'" + c
			}
		}
		if !slices.Equal(records[i+1], want) {
			t.Errorf("CSV row %d is %q, want %q", i+1, records[i+1], want)
		}
	}
	name := slices.Index(hs, "Name")
	if got := records[1][name]; got != "'"+formulaNames[0] {
		t.Errorf("the first name in the CSV is %q, want the formula defused: %q", got, "'"+formulaNames[0])
	}
	for _, r := range records[1:] {
		for _, f := range r {
			if f != "" && strings.ContainsRune("=+-@", rune(f[0])) {
				t.Errorf("the CSV has a field starting with %q: %q", f[:1], f)
			}
		}
	}
	// RFC 4180: CRLF line ends, and the quotes and comma of the first name quoted.
	if !bytes.Contains(data, []byte(`,"'=HYPERLINK(""http://192.0.2.1/x"",""click, me"")",`)) || bytes.Count(data, []byte("\r\n")) != len(records) {
		t.Errorf("the CSV is not quoted as RFC 4180 says:\n%s", data)
	}
}

// checkPrint prints the page to PDF: more than one page, no controls, and
// the capture's SHA-256 on every page (checked with pdftotext, when
// poppler-utils is installed); the charts are printed as pictures.
func checkPrint(t *testing.T, ctx context.Context, sha string) {
	t.Helper()
	// Before printing, each chart is drawn again, light, at the paper's
	// width, as a picture; the pixel counter of browser_test.go sees it drew.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](measureJS)); err != nil {
		t.Fatal(err)
	}
	type picture struct {
		Label   string `json:"label"`
		Width   int    `json:"width"`
		Painted int    `json:"painted"`
		Shown   bool   `json:"shown"`
	}
	pics := eval[[]picture](t, ctx, `(function () {
  window.dispatchEvent(new Event("beforeprint"));
  var out = Array.from(document.querySelectorAll("canvas.print-chart")).map(function (c) {
    return {label: c.getAttribute("aria-label"), width: c.width, painted: __measure(c, null, []).painted,
      shown: c.previousElementSibling && c.previousElementSibling.hasAttribute("data-chart")};
  });
  window.dispatchEvent(new Event("afterprint"));
  return out;
})()`)
	charts := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("[data-chart]")).map(function (el) { return el.getAttribute("aria-label"); })`)
	if len(pics) != len(charts) {
		t.Errorf("printing draws %d pictures for %d charts", len(pics), len(charts))
	}
	for i, p := range pics {
		if i < len(charts) && p.Label != charts[i] || p.Width != 1400 || p.Painted < 4*minPainted || !p.Shown {
			t.Errorf("print picture %d: %+v, want the chart %q drawn 1400 px wide after its chart", i, p, charts[min(i, len(charts)-1)])
		}
	}

	res, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (page.PrintToPDFResult, error) {
		return cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{})
	})
	if err != nil {
		t.Fatalf("Page.printToPDF: %v", err)
	}
	pdf := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(pdf, res.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	if after := eval[int](t, ctx, `document.querySelectorAll("canvas.print-chart").length`); after != 0 {
		t.Errorf("%d print pictures of charts are left in the page after printing", after)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Logf("pdftotext not found (Debian's poppler-utils): the PDF's text is not checked; %d bytes", len(res.Data))
		if !bytes.HasPrefix(res.Data, []byte("%PDF-")) {
			t.Errorf("Page.printToPDF returned no PDF")
		}
		return
	}
	out, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.TrimRight(string(out), "\f")
	sheets := strings.Split(text, "\f")
	t.Logf("the report prints on %d pages", len(sheets))
	if len(sheets) < 2 {
		t.Errorf("the report prints on %d page, want more (a section per page)", len(sheets))
	}
	for i, p := range sheets {
		if !strings.Contains(p, sha) {
			t.Errorf("printed page %d does not show the SHA-256 %s:\n%s", i+1, sha, p)
		}
		if !strings.Contains(p, fmt.Sprintf("Page %d of %d", i+1, len(sheets))) {
			t.Errorf("printed page %d has no page number", i+1)
		}
	}
	for _, control := range []string{"Download CSV", "Copy as CSV", "Filter rows", "Next ›", "Skip to the report"} {
		if strings.Contains(text, control) {
			t.Errorf("the printed report shows the control %q", control)
		}
	}
	if !strings.Contains(text, "Top source IPs by packets") || !strings.Contains(text, "Top source IPs by bytes") {
		t.Errorf("the printed report lacks a table caption or a chart caption")
	}

}

// checkNoScript opens a page with JavaScript off: it shows every row of
// every table (even past the first page of 200) and no controls.
func checkNoScript(t *testing.T, bctx context.Context, file string) {
	tctx, cancelTimeout := context.WithTimeout(bctx, pageTimeout)
	defer cancelTimeout()
	tab, cancelTab := chromedp.NewContext(tctx)
	defer cancelTab()
	off := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
	if err := chromedp.Do(tab, off, chromedp.Navigate((&url.URL{Scheme: "file", Path: file}).String())); err != nil {
		t.Fatal(err)
	}
	type view struct {
		Rows     int `json:"rows"`
		Shown    int `json:"shown"`
		Controls int `json:"controls"`
	}
	v := eval[view](t, tab, `(function () {
  var rows = Array.from(document.querySelectorAll("table.data tbody tr"));
  return {rows: rows.length, shown: rows.filter(function (r) { return r.getClientRects().length > 0; }).length,
    controls: document.querySelectorAll("button, input, textarea, select, .table-tools, .pager").length};
})()`)
	if v.Rows < 250 || v.Shown != v.Rows || v.Controls != 0 {
		t.Errorf("without JavaScript the page shows %d of its %d table rows and has %d controls; want all rows and no controls", v.Shown, v.Rows, v.Controls)
	}
}
