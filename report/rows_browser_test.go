package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
	"github.com/pcapreport/pcapreport/report"
)

// pastTopNames are DNS names of rowsSummary that come after the top 20:
// one an investigator searches for, and hostile ones that must stay text.
var pastTopNames = []string{
	"c2-beacon.evil.example",
	`</script><img src=x onerror="window.__pwned=1">`,
	`<!--<script>window.__pwned=2</script>`,
	"sep\u2028arator",
	`__f__function(){window.__pwned=3}`,
}

// rowsSummary is a capture with 36 DNS names, counts falling from 36;
// pastTopNames are rows 32 to 36.
func rowsSummary() *analyze.Summary {
	const n = 36
	s := &analyze.Summary{}
	s.Capture = analyze.Capture{Path: "rows.pcap", Size: 1000, SHA256: strings.Repeat("cd", 32), Format: "pcap",
		LinkTypes: []string{"Ethernet"}, Packets: n, IPPackets: n}
	for i := range n {
		name := fmt.Sprintf("name-%02d.example", i+1)
		if k := i - (n - len(pastTopNames)); k >= 0 {
			name = pastTopNames[k]
		}
		s.DNS.Queries = append(s.DNS.Queries, analyze.DNSQuery{Name: name, Count: int64(n - i),
			Clients: []analyze.IPCount{{IP: "192.0.2.7", Count: int64(n - i)}}, ClientsTotal: 1})
		s.DNS.TotalQueries += int64(n - i)
	}
	// 30 sources; the client of every query, 192.0.2.7, is the 25th, past
	// the top 20, and is named c2-beacon.evil.example.
	for i := range 30 {
		ip := fmt.Sprintf("198.51.100.%d", i+1)
		if i == 24 {
			ip = "192.0.2.7"
		}
		s.Sources = append(s.Sources, analyze.Endpoint{IP: ip, Packets: int64(100 - i), Bytes: int64(1000 - i)})
	}
	s.Names = []analyze.Name{{IP: "192.0.2.7", Names: []string{"c2-beacon.evil.example"}}}
	s.DNS.Clients = []analyze.IPCount{{IP: "192.0.2.7", Count: s.DNS.TotalQueries}}
	// A time line of 4,000 two-second bins, the most analyze keeps.
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	s.Timeline = analyze.Timeline{IntervalSeconds: 2, BinSeconds: 2, Series: []analyze.Series{}}
	for i := range 4000 {
		s.Timeline.Bins = append(s.Timeline.Bins, analyze.Bin{Start: start.Add(time.Duration(2*i) * time.Second).Format(time.RFC3339),
			Packets: int64(1 + i%5), Bytes: int64(100 * (1 + i%5))})
	}
	s.Capture.First, s.Capture.Last, s.Capture.DurationSeconds = s.Timeline.Bins[0].Start, s.Timeline.Bins[3999].Start, 7998
	return s
}

// TestBrowserSearchesEveryKeptRow opens a report made with --top 20 of a
// capture with 36 DNS names: the table shows 20, counts 36, a search for
// the name at row 32 finds it, the hostile names past the top are shown
// as text, and the CSV export holds all 36 rows in order.
func TestBrowserSearchesEveryKeptRow(t *testing.T) {
	bctx := startBrowser(t)
	dir := t.TempDir()
	s := rowsSummary()
	var buf bytes.Buffer
	if err := report.Write(&buf, s, report.Options{Top: 20, Version: "test"}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "rows.html")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, run := openPage(t, bctx, file, "light")
	if err := waitCharts(ctx, renderWait); err != nil {
		t.Fatalf("charts did not render: %v", err)
	}
	const caption = "DNS query names by queries"
	count := func() string {
		return eval[string](t, ctx, tableJS(caption)+`.parentNode.previousElementSibling.querySelector(".count").textContent`)
	}
	if rows := shownRows(t, ctx, caption); len(rows) != 20 || count() != "36 rows" {
		t.Errorf("the table shows %d rows and says %q, want 20 and \"36 rows\"", len(rows), count())
	}
	search := func(q string) [][]string {
		eval[bool](t, ctx, `(function () { var f = `+tableJS(caption)+`.parentNode.previousElementSibling.querySelector("input");
  f.value = `+jsString(q)+`; f.dispatchEvent(new Event("input")); return true; })()`)
		return shownRows(t, ctx, caption)
	}
	for i, name := range pastTopNames {
		rank := 36 - len(pastTopNames) + i + 1
		want := show.Printable(name, 0)
		rows := search(want)
		if len(rows) != 1 || rows[0][0] != fmt.Sprint(rank) || rows[0][1] != want || rows[0][2] != fmt.Sprint(36-rank+1) {
			t.Errorf("a search for %q shows %q, want row %d with that name", want, rows, rank)
		}
		if c := count(); c != "1 of 36 rows match" {
			t.Errorf("a search for %q says %q", want, c)
		}
	}
	if rows := search("name-"); len(rows) != 20 || count() != "31 of 36 rows match" {
		t.Errorf("a search for name- shows %d rows and says %q, want a page of 20 and 31 of 36", len(rows), count())
	}
	if pwned := eval[bool](t, ctx, `window.__pwned !== undefined || document.querySelector("img[src=x]") !== null`); pwned {
		t.Error("a name from the row data ran as markup or script")
	}
	search("")

	// The CSV export holds every row, in the report's order.
	downloads := filepath.Join(dir, "downloads")
	if err := os.Mkdir(downloads, 0o755); err != nil {
		t.Fatal(err)
	}
	records := downloadCSV(t, ctx, caption, downloads)
	if len(records) != 37 {
		t.Fatalf("the CSV has %d records, want a heading and 36 rows", len(records))
	}
	for i, q := range s.DNS.Queries {
		name := show.Printable(q.Name, 0)
		if strings.ContainsRune("=+-@", rune(name[0])) {
			name = "'" + name
		}
		want := []string{fmt.Sprint(i + 1), name, fmt.Sprint(q.Count), "192.0.2.7 (" + fmt.Sprint(q.Count) + ")"}
		if strings.Join(records[i+1], "|") != strings.Join(want, "|") {
			t.Errorf("CSV row %d is %q, want %q", i+1, records[i+1], want)
		}
	}

	// Pivots: the client in the DNS clients table links to its row in the
	// top sources (row 25, past the top 20), and back.
	const clients = "Top DNS clients (addresses sending queries)"
	const sources = "Top source IPs by packets"
	highlighted := func() (string, []string) {
		return eval[string](t, ctx, `(function () { var r = document.querySelector("tr.hl"); return r ? r.closest("table").caption.textContent.trim() : ""; })()`),
			eval[[]string](t, ctx, `(function () { var r = document.querySelector("tr.hl"); return r ? Array.from(r.cells).map(function (c) { return c.textContent.trim(); }) : []; })()`)
	}
	clickPivot := func(caption, text string) {
		t.Helper()
		ok := eval[bool](t, ctx, `(function () { var a = Array.from(`+tableJS(caption)+`.querySelectorAll("a.pivot")).find(function (a) { return a.textContent.trim() === `+jsString(text)+`; });
  if (!a) { return false; } a.click(); return true; })()`)
		if !ok {
			t.Fatalf("no pivot link %q in the table %q", text, caption)
		}
	}
	clickPivot(clients, "192.0.2.7 (c2-beacon.evil.example)")
	if tbl, row := highlighted(); tbl != sources || len(row) < 3 || row[0] != "25" || row[1] != "192.0.2.7" || row[2] != "c2-beacon.evil.example" {
		t.Errorf("the pivot from the DNS clients shows %q in %q, want row 25 of the sources, 192.0.2.7", row, tbl)
	}
	back := eval[bool](t, ctx, `(function () { var a = document.querySelector("a.pivot-back"); if (!a) { return false; } a.click(); return true; })()`)
	if tbl, row := highlighted(); !back || tbl != clients || len(row) != 2 || row[0] != "192.0.2.7 (c2-beacon.evil.example)" {
		t.Errorf("back (link there: %v) shows %q in %q, want the DNS client's row", back, row, tbl)
	}
	// A name in the DNS names table pivots to the address it names.
	search("c2-beacon")
	clickPivot("DNS query names by queries", "c2-beacon.evil.example")
	if tbl, row := highlighted(); tbl != sources || len(row) < 2 || row[1] != "192.0.2.7" {
		t.Errorf("the pivot from the name shows %q in %q, want 192.0.2.7 in the sources", row, tbl)
	}

	// At a phone's width the time line's axis labels do not overlap, and
	// there are at least three of them.
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: 390, Height: 844, DeviceScaleFactor: 1, Mobile: true}); err != nil {
		t.Fatal(err)
	}
	labels := eval[[]struct {
		Text  string  `json:"text"`
		Left  float64 `json:"left"`
		Right float64 `json:"right"`
	}](t, ctx, `new Promise(function (done) { setTimeout(function () {
  var el = document.getElementById("chart-timeline"), inst = echarts.getInstanceByDom(el);
  var grid = inst.getModel().getComponent("grid", 0).coordinateSystem.getRect(), box = el.getBoundingClientRect();
  var out = [];
  el.querySelectorAll("svg text").forEach(function (tx) {
    var r = tx.getBoundingClientRect(), y = (r.top + r.bottom) / 2 - box.top;
    if (r.width > 0 && y > grid.y + grid.height && y < grid.y + grid.height + 24) {
      out.push({text: tx.textContent, left: r.left, right: r.right});
    }
  });
  out.sort(function (a, b) { return a.left - b.left; });
  done(out);
}, 500); })`)
	_, _ = chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
	t.Logf("the time axis labels at 390 px: %v", labels)
	if len(labels) < 3 {
		t.Errorf("at 390 px the time axis has %d labels: %v", len(labels), labels)
	}
	for i := 1; i < len(labels); i++ {
		if labels[i].Left < labels[i-1].Right {
			t.Errorf("at 390 px the time axis labels %q and %q overlap", labels[i-1].Text, labels[i].Text)
		}
	}
	label := eval[string](t, ctx, `document.getElementById("chart-timeline").getAttribute("aria-label")`)
	if !strings.HasPrefix(label, "IP bytes and packets per 30-second bin (drawn; the table and the JSON have 2-second bins)") {
		t.Errorf("the time line is labelled %q", label)
	}
	if open := eval[bool](t, ctx, `document.querySelector("#timeline details").open`); open {
		t.Error("the per-bin table is not collapsed")
	}
	checkQuietPage(t, ctx, run)
}

func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		fmt.Fprintf(&b, "\\u%04x", r)
	}
	b.WriteByte('"')
	return b.String()
}

// downloadCSV clicks a table's Download CSV button and reads the file.
func downloadCSV(t *testing.T, ctx context.Context, caption, downloads string) [][]string {
	t.Helper()
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatalf("Browser.setDownloadBehavior: %v", err)
	}
	click(t, ctx, caption, "tools", "Download CSV")
	var data []byte
	for deadline := time.Now().Add(renderWait); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		m, _ := filepath.Glob(filepath.Join(downloads, "*.csv"))
		if len(m) == 1 {
			if data, _ = os.ReadFile(m[0]); bytes.HasSuffix(data, []byte("\r\n")) {
				break
			}
		}
	}
	records, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("the download is not CSV: %v\n%s", err, data)
	}
	return records
}
