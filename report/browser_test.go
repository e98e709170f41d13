package report_test

// Browser tests: reports are opened from file:// URLs in a real headless
// Chromium driven by chromedp, with every network request intercepted and
// failed. Each test checks that the page asks for nothing but itself, logs
// no error, throws nothing, violates no Content-Security-Policy directive,
// and that every chart really drew on its canvas.

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	_ "image/png"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/pcapreport/pcapreport/analyze"
)

// The browser tests' time limits guard against a hang; they are not speed
// tests (BenchmarkOpenReport measures speed). They are generous so that
// the suite passes on a busy 2-core machine: with two other CPU-bound
// processes running, pages took up to 3 times as long as on an idle one.
const (
	// pageTimeout bounds everything done with one page.
	pageTimeout = 3 * time.Minute
	// renderWait bounds the wait for a page's charts and tables.
	renderWait = time.Minute
	// browserLife bounds a browser's whole life: start-up, every page,
	// shutdown. It stays under go test's default 10-minute limit, so that
	// a hang reports which test hung.
	browserLife = 8 * time.Minute
)

// chromium returns the path of a Chromium or Chrome, or skips the test.
func chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium found: install Debian's chromium to run the browser tests")
	return ""
}

// startBrowser starts one headless Chromium for the test, with a fresh
// profile, and returns its context; each page gets its own tab.
func startBrowser(t testing.TB) context.Context {
	t.Helper()
	exe := chromium(t)
	profile := t.TempDir() // removed after the browser has stopped (cleanups run last-in, first-out)
	output := &lockedWriter{}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("force-device-scale-factor", "1"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(output),
	}
	// The browser's whole life is bounded too (browserLife).
	life, cancelLife := context.WithTimeout(context.Background(), browserLife)
	actx, cancelAlloc := chromedp.NewExecAllocator(life, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		stop, cancelStop := context.WithTimeout(bctx, 5*time.Second)
		_ = chromedp.Cancel(stop)
		cancelStop()
		cancelBrowser()
		cancelAlloc()
		cancelLife()
	})
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v\n%s", exe, err, output.String())
	}
	return bctx
}

// lockedWriter collects the browser's output, which it writes from
// another goroutine.
type lockedWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// pageRun is what happened while a page was open.
type pageRun struct {
	url      string
	mu       sync.Mutex
	urls     map[network.RequestID]string
	requests []string // the URL of every request the page made (Network.requestWillBeSent, webSocketCreated)
	blocked  []string // URLs failed by the Fetch interception or blocked by Network.setBlockedURLs
	problems []string // console errors and warnings, exceptions, browser log errors and warnings
}

func (r *pageRun) add(list *[]string, s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*list = append(*list, s)
}

func (r *pageRun) snapshot() (requests, blocked, problems []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.requests...), append([]string(nil), r.blocked...), append([]string(nil), r.problems...)
}

func remoteText(args []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		switch {
		case len(a.Value) > 0:
			parts = append(parts, string(a.Value))
		case a.Description != "":
			parts = append(parts, a.Description)
		default:
			parts = append(parts, string(a.Type))
		}
	}
	return strings.Join(parts, " ")
}

// watchScript runs in the page before any of its own scripts. Scripts
// added through the DevTools protocol are not subject to the page's CSP.
const watchScript = `
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
    " at " + e.sourceFile + ":" + e.lineNumber + " sample " + JSON.stringify(e.sample));
});
`

// openPage opens the file in a new tab of the browser with the network cut
// off, and waits until it has loaded. Each of scripts runs in the page
// before the page's own, after watchScript. The returned context is the
// tab's; it ends after pageTimeout.
func openPage(t testing.TB, bctx context.Context, file, colorScheme string, scripts ...string) (context.Context, *pageRun) {
	t.Helper()
	u := (&url.URL{Scheme: "file", Path: file}).String()
	run := &pageRun{url: u, urls: map[network.RequestID]string{}}
	tctx, cancelTimeout := context.WithTimeout(bctx, pageTimeout)
	tab, cancelTab := chromedp.NewContext(tctx)
	t.Cleanup(func() { cancelTab(); cancelTimeout() })

	if err := chromedp.Listen(tab, func(ev any) {
		// Runs in the tab's read loop: record and return.
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			run.add(&run.requests, ev.Request.URL)
			run.mu.Lock()
			run.urls[ev.RequestID] = ev.Request.URL
			run.mu.Unlock()
		case *network.EventWebSocketCreated:
			run.add(&run.requests, ev.URL)
		case *network.EventLoadingFailed:
			if ev.BlockedReason != "" || ev.ErrorText == "net::ERR_BLOCKED_BY_CLIENT" {
				run.mu.Lock()
				run.blocked = append(run.blocked, run.urls[ev.RequestID])
				run.mu.Unlock()
			}
		case *fetch.EventRequestPaused:
			go func() {
				var err error
				if ev.Request.URL == u {
					_, err = chromedp.Call(tab, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
				} else {
					run.add(&run.blocked, ev.Request.URL)
					_, err = chromedp.Call(tab, fetch.FailRequest, fetch.FailRequestParams{
						RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
				}
				if err != nil && tab.Err() == nil {
					run.add(&run.problems, fmt.Sprintf("handling the request for %s: %v", ev.Request.URL, err))
				}
			}()
		case *runtime.EventConsoleAPICalled:
			switch ev.Type {
			case runtime.ConsoleAPICalledTypeError, runtime.ConsoleAPICalledTypeWarning, runtime.ConsoleAPICalledTypeAssert:
				run.add(&run.problems, fmt.Sprintf("console.%s: %s", ev.Type, remoteText(ev.Args)))
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil {
				text += " " + d.Exception.Description
			}
			run.add(&run.problems, fmt.Sprintf("exception at %s:%d:%d: %s", d.URL, d.LineNumber+1, d.ColumnNumber+1, text))
		case *cdplog.EventEntryAdded:
			e := ev.Entry
			if e.Level == cdplog.EntryLevelError || e.Level == cdplog.EntryLevelWarning {
				run.add(&run.problems, fmt.Sprintf("log %s %s: %s (%s:%d)", e.Level, e.Source, e.Text, e.URL, e.LineNumber))
			}
		}
	}); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}

	setup := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		// Intercept every request; only the document itself may load.
		if _, err := cdp.Call(ctx, tg, fetch.Enable, fetch.EnableParams{
			Patterns: []*fetch.RequestPattern{{URLPattern: "*"}},
		}); err != nil {
			return fmt.Errorf("Fetch.enable: %w", err)
		}
		// Fetch does not see WebSockets; block them (and anything else) here too.
		var patterns []*network.BlockPattern
		for _, p := range []string{"http://*:*/*", "https://*:*/*", "ws://*:*/*", "wss://*:*/*"} {
			patterns = append(patterns, &network.BlockPattern{URLPattern: p, Block: true})
		}
		if _, err := cdp.Call(ctx, tg, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: patterns}); err != nil {
			return fmt.Errorf("Network.setBlockedURLs: %w", err)
		}
		for _, src := range append([]string{watchScript}, scripts...) {
			if _, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument,
				page.AddScriptToEvaluateOnNewDocumentParams{Source: src}); err != nil {
				return fmt.Errorf("Page.addScriptToEvaluateOnNewDocument: %w", err)
			}
		}
		if _, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: colorScheme}},
		}); err != nil {
			return fmt.Errorf("Emulation.setEmulatedMedia: %w", err)
		}
		return nil
	})
	if err := chromedp.Do(tab, setup, chromedp.Navigate(u)); err != nil {
		t.Fatalf("opening %s: %v", u, err)
	}
	return tab, run
}

// chartDrawing is what checkChartsDrew found for one chart: what ECharts
// says it drew (chartInfoJS), and what a screenshot of the chart shows.
type chartDrawing struct {
	ID       string      `json:"id"`
	Rendered string      `json:"rendered"`
	Drawings int         `json:"drawings"` // the chart's SVG roots
	Rect     []float64   `json:"rect"`     // the chart in the page, CSS pixels, after scrolling it into view
	Colors   [][]int     `json:"colors"`   // per series: its colour (RGB), or null
	PointsAt [][]float64 `json:"pointsAt"` // per series: its positive points (x, y, ...), CSS pixels in the chart, for line series
	DrawnAt  [][]float64 `json:"drawnAt"`  // per series: the vertices ECharts drew for it (x, y, ...), CSS pixels in the chart, for line series
	Width    int         `json:"-"`
	Height   int         `json:"-"`
	Painted  int         `json:"-"`        // pixels that differ from the background
	Series   []int       `json:"-"`        // per series: pixels of its colour inside the plot area
	Positive []int       `json:"positive"` // per series: data values > 0
	Names    []string    `json:"names"`    // per series: its name
	Types    []string    `json:"types"`    // per series: its type
	Points   []int       `json:"-"`        // per line series: positive points that are vertices ECharts drew, inside the plot area
	Grid     []float64   `json:"grid"`     // the plot area, CSS pixels in the chart (device pixels in the log)
	Legend   []float64   `json:"legend"`   // the legend's box, CSS pixels in the chart (device pixels in the log), if shown
	Error    string      `json:"error"`
}

// measureJS defines window.__measure(canvas, rect, colors): it reads every
// pixel of canvas and counts those that differ from the most common colour
// (the background, transparent for ECharts), and, inside rect (device
// pixels; null means the whole canvas), those of each colour in colors.
const measureJS = `
window.__pixels = function (c) {
  // Read a copy made for reading, so that the test itself does not make
  // Chrome warn about repeated readbacks of the chart's canvas.
  var copy = document.createElement("canvas");
  copy.width = c.width; copy.height = c.height;
  var ctx = copy.getContext("2d", {willReadFrequently: true});
  ctx.drawImage(c, 0, 0);
  return ctx.getImageData(0, 0, c.width, c.height).data;
};
window.__measure = function (c, rect, colors, px) {
  var w = c.width, h = c.height;
  px = px || __pixels(c);
  // The background is the most common colour; a sample finds it.
  var freq = new Map(), bg = 0, best = -1;
  for (var i = 0; i < px.length; i += 4 * 7) {
    var k = ((px[i] << 24) | (px[i+1] << 16) | (px[i+2] << 8) | px[i+3]) >>> 0;
    var n = (freq.get(k) || 0) + 1;
    freq.set(k, n);
    if (n > best) { best = n; bg = k; }
  }
  var b0 = bg >>> 24, b1 = (bg >>> 16) & 255, b2 = (bg >>> 8) & 255, b3 = bg & 255;
  var r = rect || {x: 0, y: 0, width: w, height: h};
  var painted = 0, counts = colors.map(function () { return 0; });
  for (var y = 0; y < h; y++) {
    var inY = y >= r.y && y < r.y + r.height;
    for (var x = 0, i = y * w * 4; x < w; x++, i += 4) {
      var d = Math.abs(px[i] - b0) + Math.abs(px[i+1] - b1) + Math.abs(px[i+2] - b2) + Math.abs(px[i+3] - b3);
      if (d < 24) continue;
      painted++;
      if (!inY || px[i+3] < 96 || x < r.x || x >= r.x + r.width) continue;
      for (var s = 0; s < colors.length; s++) {
        var col = colors[s];
        if (col && Math.abs(px[i] - col[0]) <= 12 && Math.abs(px[i+1] - col[1]) <= 12 && Math.abs(px[i+2] - col[2]) <= 12) {
          counts[s]++;
        }
      }
    }
  }
  return {painted: painted, counts: counts, width: w, height: h};
};
window.__rgbAny = function (c) {
  if (typeof c !== "string") { return null; }
  var m = /^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)/i.exec(c);
  return m ? [+m[1], +m[2], +m[3]] : __rgb(c);
};
window.__rgb = function (hex) {
  var m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(String(hex || ""));
  return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : null;
};
true;
`

// chartInfoJS scrolls the chart whose id is %q into the middle of the
// window and, once it is painted there, tells where it is, and asks
// ECharts what it drew in it: where the plot area, the legend and each
// line point are, and each series' colour. So that the screenshot shows
// the chart alone, the contents bar, which sticks to the window's top, is
// hidden until chartDoneJS.
const chartInfoJS = `new Promise(function (resolve) {
  function value(d) {
    var v = d && typeof d === "object" && !Array.isArray(d) ? d.value : d;
    return Array.isArray(v) ? v[1] : v;
  }
  var el = document.querySelector('[data-chart="' + %q + '"]');
  document.querySelectorAll("nav.toc").forEach(function (n) { n.style.visibility = "hidden"; });
  el.scrollIntoView({block: "center"});
  requestAnimationFrame(function () { requestAnimationFrame(function () { setTimeout(function () {
    var r = {id: el.getAttribute("data-chart"), rendered: el.getAttribute("data-rendered") || "", drawings: el.querySelectorAll("svg").length,
      rect: [], colors: [], pointsAt: [], names: [], types: [], positive: [], grid: [], legend: [], error: ""};
    try {
      var box = el.getBoundingClientRect();
      r.rect = [box.left + window.scrollX, box.top + window.scrollY, box.width, box.height];
      var inst = window.echarts && echarts.getInstanceByDom(el);
      if (!r.drawings || !inst) { r.error = "no SVG or no ECharts instance"; resolve(r); return; }
      var opt = inst.getOption();
      var palette = opt.color || [];
      var series = opt.series || [];
      r.colors = series.map(function (s, i) { return __rgb(palette[i %% palette.length]); });
      r.types = series.map(function (s) { return s.type; });
      r.names = series.map(function (s) { return String(s.name || ""); });
      r.positive = series.map(function (s) {
        return (s.data || []).filter(function (d) { var v = value(d); return typeof v === "number" && v > 0; }).length;
      });
      var model = inst.getModel();
      // A graph (the network map) has no axes: its plot is the whole chart
      // (ECharts still makes a default grid, which it does not use).
      var graph = series.length > 0 && series.every(function (s) { return s.type === "graph"; });
      var gc = model.getComponent("grid", 0);
      if (!graph && gc && gc.coordinateSystem) {
        var g = gc.coordinateSystem.getRect();
        r.grid = [g.x, g.y, g.width, g.height];
      }
      var lm = model.getComponent("legend", 0);
      if (lm && lm.get("show") !== false) {
        var group = inst.getViewOfComponentModel(lm).group;
        var b = group.getBoundingRect().clone();
        var m = group.getComputedTransform();
        if (m) { b.applyTransform(m); }
        if (b.width > 0 && b.height > 0) { r.legend = [b.x, b.y, b.width, b.height]; }
      }
      r.pointsAt = series.map(function (s, i) {
        var at = [];
        if (s.type !== "line") { return at; }
        (s.data || []).forEach(function (d, index) {
          var v = d && typeof d === "object" && !Array.isArray(d) ? d.value : d;
          if (!Array.isArray(v)) { v = [index, v]; } // on a category axis, x is the index
          if (typeof v[1] !== "number" || v[1] <= 0) { return; }
          var p = inst.convertToPixel({seriesIndex: i}, v);
          if (p) { at.push(p[0], p[1]); }
        });
        return at;
      });
      // What ECharts drew for each line series: the vertices of the
      // polylines in its display list (what its SVG renderer writes into
      // the page) whose stroke is the series' colour, in CSS pixels of the
      // chart. This is the chart's own state, not a browser's pixels, so it
      // holds across Chromium versions and font rasterizers.
      r.drawnAt = series.map(function () { return []; });
      inst.getZr().storage.getDisplayList(true).forEach(function (el) {
        var pts = el.shape && el.shape.points;
        if (!pts || el.invisible || el.ignore || !el.style) { return; }
        var rgb = __rgbAny(el.style.stroke);
        if (!rgb) { return; }
        var flat = [];
        for (var k = 0; k < pts.length; k++) {
          if (typeof pts[k] === "number") { flat.push(pts[k]); } else { flat.push(pts[k][0], pts[k][1]); }
        }
        var m = el.getComputedTransform && el.getComputedTransform();
        r.colors.forEach(function (col, i) {
          if (!col || r.types[i] !== "line" || col[0] !== rgb[0] || col[1] !== rgb[1] || col[2] !== rgb[2]) { return; }
          for (var k = 0; k + 1 < flat.length; k += 2) {
            var x = flat[k], y = flat[k + 1];
            if (m) { var x2 = m[0] * x + m[2] * y + m[4]; y = m[1] * x + m[3] * y + m[5]; x = x2; }
            r.drawnAt[i].push(x, y);
          }
        });
      });
    } catch (e) {
      r.error = String(e);
    }
    resolve(r);
  }, 0); }); });
})`

// chartDoneJS shows the contents bar again.
const chartDoneJS = `document.querySelectorAll("nav.toc").forEach(function (n) { n.style.visibility = ""; }); true`

// rgbaImage decodes a screenshot into RGBA bytes, row by row.
func rgbaImage(png []byte) ([]byte, int, int, error) {
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		return nil, 0, 0, err
	}
	b := img.Bounds()
	rgba := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Src)
	return rgba.Pix, b.Dx(), b.Dy(), nil
}

// measurePixels counts the pixels of an RGBA image (w×h) that differ from
// the background, and, inside rect (x, y, width, height in pixels; nil
// means the whole image), those of each colour in colors (nil entries
// count nothing). It is window.__measure in Go, for screenshots, but for
// the background: the most common colour outside rect (of the whole image
// when rect is nil or covers it), since bars may cover most of a plot.
func measurePixels(px []byte, w, h int, rect []int, colors [][]int) (painted int, counts []int) {
	abs := func(a int) int {
		if a < 0 {
			return -a
		}
		return a
	}
	r := rect
	if r == nil {
		r = []int{0, 0, w, h}
	}
	inside := func(x, y int) bool { return x >= r[0] && x < r[0]+r[2] && y >= r[1] && y < r[1]+r[3] }
	// A sample finds the most common colour.
	var bg [4]byte
	for _, outside := range []bool{true, false} {
		freq := map[[4]byte]int{}
		best := -1
		for i := 0; i+3 < len(px); i += 4 * 7 {
			if p := i / 4; outside && inside(p%w, p/w) {
				continue
			}
			k := [4]byte{px[i], px[i+1], px[i+2], px[i+3]}
			freq[k]++
			if freq[k] > best {
				best, bg = freq[k], k
			}
		}
		if best > 0 {
			break
		}
	}
	counts = make([]int, len(colors))
	for y := 0; y < h; y++ {
		inY := y >= r[1] && y < r[1]+r[3]
		for x := 0; x < w; x++ {
			i := (y*w + x) * 4
			d := abs(int(px[i])-int(bg[0])) + abs(int(px[i+1])-int(bg[1])) + abs(int(px[i+2])-int(bg[2])) + abs(int(px[i+3])-int(bg[3]))
			if d < 24 {
				continue
			}
			painted++
			if !inY || px[i+3] < 96 || x < r[0] || x >= r[0]+r[2] {
				continue
			}
			for s, col := range colors {
				if len(col) == 3 && abs(int(px[i])-col[0]) <= 12 && abs(int(px[i+1])-col[1]) <= 12 && abs(int(px[i+2])-col[2]) <= 12 {
					counts[s]++
				}
			}
		}
	}
	return painted, counts
}

// pointsDrawn counts the points (x, y, ... in CSS pixels) that ECharts
// drew as a vertex of the series' line (within half a pixel of one in
// drawn) inside the plot area plot (x, y, width, height; nil: anywhere).
// Lines that coincide may cover each other in the picture; the reader
// still sees the point, and its tooltip names both series.
func pointsDrawn(at, drawn, plot []float64) int {
	seen := 0
	for k := 0; k+1 < len(at); k += 2 {
		x, y := at[k], at[k+1]
		if len(plot) == 4 && (x < plot[0]-1 || x > plot[0]+plot[2]+1 || y < plot[1]-1 || y > plot[1]+plot[3]+1) {
			continue
		}
		for d := 0; d+1 < len(drawn); d += 2 {
			if math.Abs(drawn[d]-x) <= 0.5 && math.Abs(drawn[d+1]-y) <= 0.5 {
				seen++
				break
			}
		}
	}
	return seen
}

// blankCanvasJS measures canvases that must count as blank: the detector
// itself is tested, so that a chart that draws nothing cannot pass.
const blankCanvasJS = `(function () {
  var a = document.createElement("canvas"); a.width = 300; a.height = 150;
  var b = document.createElement("canvas"); b.width = 300; b.height = 150;
  var ctx = b.getContext("2d"); ctx.fillStyle = "#ffffff"; ctx.fillRect(0, 0, 300, 150);
  var blue = [[0x54, 0x70, 0xc6]];
  return [__measure(a, null, blue), __measure(b, null, blue)];
})()`

// Minimums for a chart to count as drawn, in device pixels at scale 1.
const (
	minPainted      = 800 // axes, labels and marks together
	minSeriesPixels = 40  // of a bar series' colour inside the plot area; line series are checked point by point
)

// waitCharts waits until report.js has set data-rendered on every chart
// element and has laid out every table (its mark pcapreport:done), and two
// frames have been painted after that.
func waitCharts(ctx context.Context, within time.Duration) error {
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`(function () {
  var n = document.querySelectorAll("[data-chart]");
  if (n.length === 0) { return false; }
  for (var i = 0; i < n.length; i++) { if (n[i].getAttribute("data-rendered") !== "true") { return false; } }
  return performance.getEntriesByName("pcapreport:done").length > 0;
})()`, chromedp.WithPollingTimeout(within), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		return err
	}
	return chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](
		`new Promise(function (r) { requestAnimationFrame(function () { requestAnimationFrame(function () { r(true); }); }); })`,
		chromedp.EvalAwaitPromise))
}

// checkQuietPage checks what every report must do in the browser: request
// nothing but itself, and log, throw and violate nothing.
func checkQuietPage(t *testing.T, ctx context.Context, run *pageRun) {
	t.Helper()
	csp, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__cspViolations || ["the violation listener did not run"]`))
	if err != nil {
		t.Errorf("reading CSP violations: %v", err)
	}
	requests, blocked, problems := run.snapshot()
	for _, v := range csp {
		t.Errorf("CSP violation: %s", v)
	}
	for _, p := range problems {
		t.Errorf("browser reported: %s", p)
	}
	for _, b := range blocked {
		t.Errorf("the page tried to fetch %s (blocked)", b)
	}
	if len(requests) != 1 || requests[0] != run.url {
		t.Errorf("the page made requests %q, want only the document %q", requests, run.url)
	}
}

// checkChartsDrew checks that every chart in the page drew on its canvas.
func checkChartsDrew(t *testing.T, ctx context.Context, wantCharts int) []chartDrawing {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](measureJS)); err != nil {
		t.Fatalf("installing the pixel counter: %v", err)
	}
	type measure struct {
		Painted int   `json:"painted"`
		Counts  []int `json:"counts"`
	}
	blank, err := chromedp.Run(ctx, chromedp.Evaluate[[]measure](blankCanvasJS))
	if err != nil || len(blank) != 2 {
		t.Fatalf("measuring blank canvases: %v %v", blank, err)
	}
	for i, b := range blank {
		if b.Painted != 0 || len(b.Counts) != 1 || b.Counts[0] != 0 {
			t.Fatalf("the pixel counter sees %d painted and %v series pixels on blank canvas %d", b.Painted, b.Counts, i)
		}
	}
	// The Go counter, which reads the screenshots, must see blank images
	// as blank too: transparent, and all white.
	for i, fill := range []byte{0, 255} {
		px := bytes.Repeat([]byte{fill}, 300*150*4)
		if painted, counts := measurePixels(px, 300, 150, nil, [][]int{{0x54, 0x70, 0xc6}}); painted != 0 || counts[0] != 0 {
			t.Fatalf("the screenshot pixel counter sees %d painted and %v series pixels on blank image %d", painted, counts, i)
		}
	}
	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("[data-chart]")).map(function (el) { return el.getAttribute("data-chart"); })`))
	if err != nil {
		t.Fatalf("listing the charts: %v", err)
	}
	var charts []chartDrawing
	beyond := true
	for _, id := range ids {
		c, err := chromedp.Run(ctx, chromedp.Evaluate[chartDrawing](fmt.Sprintf(chartInfoJS, id), chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("asking ECharts about chart %s: %v", id, err)
		}
		if c.Error == "" && len(c.Rect) == 4 && c.Rect[2] >= 1 && c.Rect[3] >= 1 {
			// What the reader sees: a screenshot of the chart where it is.
			shot, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
				Format: page.CaptureScreenshotFormatPng,
				Clip:   &page.Viewport{X: c.Rect[0], Y: c.Rect[1], Width: c.Rect[2], Height: c.Rect[3], Scale: 1},
				// A chart taller than the window is taken whole, and the
				// contents bar that sticks to the window's top covers none.
				CaptureBeyondViewport: &beyond,
			})
			if err != nil {
				t.Fatalf("taking a screenshot of chart %s: %v", id, err)
			}
			if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](chartDoneJS)); err != nil {
				t.Fatalf("showing the contents again: %v", err)
			}
			px, w, h, err := rgbaImage(shot.Data)
			if err != nil {
				t.Fatalf("decoding the screenshot of chart %s: %v", id, err)
			}
			scale := float64(w) / c.Rect[2]
			for _, box := range [][]float64{c.Grid, c.Legend} {
				for i := range box {
					box[i] *= scale
				}
			}
			var grid []int
			if len(c.Grid) == 4 {
				grid = []int{int(math.Floor(c.Grid[0])), int(math.Floor(c.Grid[1])), int(math.Ceil(c.Grid[2])) + 1, int(math.Ceil(c.Grid[3])) + 1}
			}
			c.Width, c.Height = w, h
			c.Painted, c.Series = measurePixels(px, w, h, grid, c.Colors)
			c.Points = make([]int, len(c.PointsAt))
			for i, at := range c.PointsAt {
				var drawn []float64
				if i < len(c.DrawnAt) {
					drawn = c.DrawnAt[i]
				}
				// Both in CSS pixels; the grid was scaled to the screenshot's.
				var plot []float64
				if len(c.Grid) == 4 {
					plot = []float64{c.Grid[0] / scale, c.Grid[1] / scale, c.Grid[2] / scale, c.Grid[3] / scale}
				}
				c.Points[i] = pointsDrawn(at, drawn, plot)
			}
		}
		charts = append(charts, c)
	}
	for _, c := range charts {
		t.Logf("%s: %dx%d screenshot, %d painted pixels, series pixels %v for %v positive values (%v line points seen), plot area %v, legend %v",
			c.ID, c.Width, c.Height, c.Painted, c.Series, c.Positive, c.Points, round(c.Grid), round(c.Legend))
		switch {
		case c.Error != "":
			t.Errorf("chart %s: %s", c.ID, c.Error)
		case c.Rendered != "true":
			t.Errorf("chart %s: data-rendered=%q", c.ID, c.Rendered)
		case c.Drawings != 1 || c.Width == 0 || c.Height == 0:
			t.Errorf("chart %s: %d SVG drawings, %dx%d", c.ID, c.Drawings, c.Width, c.Height)
		case c.Painted < minPainted && sum(c.Positive) > 0:
			t.Errorf("chart %s drew almost nothing: %d painted pixels on a %dx%d screenshot, want at least %d",
				c.ID, c.Painted, c.Width, c.Height, minPainted)
		}
		total := 0
		for i, n := range c.Series {
			if i >= len(c.Positive) {
				break
			}
			total += c.Positive[i]
			if c.Positive[i] > 0 && n < minSeriesPixels && !isLine(c, i) {
				t.Errorf("chart %s: series %d %q has %d positive values but drew %d pixels of its colour in the plot area, want at least %d",
					c.ID, i, seriesName(c, i), c.Positive[i], n, minSeriesPixels)
			}
			if isLine(c, i) && i < len(c.Points) {
				if c.Points[i] < c.Positive[i] {
					t.Errorf("chart %s: series %d %q shows %d of its %d points with a positive value; the others are invisible",
						c.ID, i, seriesName(c, i), c.Points[i], c.Positive[i])
				}
			}
		}
		if total == 0 && c.Error == "" {
			t.Errorf("chart %s has no value to draw: the page shows an empty chart frame", c.ID)
		}
		if len(c.Legend) == 4 && len(c.Grid) == 4 && overlaps(c.Legend, c.Grid) {
			t.Errorf("chart %s: the legend (box %v) is drawn over the plot area (%v)", c.ID, round(c.Legend), c.Grid)
		}
	}
	return charts
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

func seriesName(c chartDrawing, i int) string {
	if i < len(c.Names) {
		return c.Names[i]
	}
	return ""
}

func isLine(c chartDrawing, i int) bool { return i < len(c.Types) && c.Types[i] == "line" }

// overlaps reports whether boxes a and b ([x, y, width, height]) share
// more than a pixel's width.
func overlaps(a, b []float64) bool {
	return a[0]+a[2] > b[0]+1 && b[0]+b[2] > a[0]+1 && a[1]+a[3] > b[1]+1 && b[1]+b[3] > a[1]+1
}

func round(xs []float64) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = int(x + 0.5)
	}
	return out
}

// writeReport renders the capture at path into dir and returns the page's path.
func writeReport(t *testing.T, dir, path string) (string, *analyze.Summary, []byte) {
	t.Helper()
	s, page := renderFile(t, path)
	out := filepath.Join(dir, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))+".html")
	if err := os.WriteFile(out, page, 0o644); err != nil {
		t.Fatal(err)
	}
	return out, s, page
}

func TestBrowserRendersReports(t *testing.T) {
	bctx := startBrowser(t)
	dir := t.TempDir()
	hc := buildHostileCapture(t, t.TempDir())

	cases := []struct {
		name, capture, scheme string
	}{
		{"espn", "../testdata/http_espn_browsing.pcapng", "light"},
		{"espn dark", "../testdata/http_espn_browsing.pcapng", "dark"},
		{"sparse timeline", "../testdata/null_loopback_v4_v6.pcap", "light"},
		{"many DNS queries", "../testdata/dns_many_queries_mdns_llmnr.pcap", "light"},
		{"hostile", hc.path, "light"},
		{"1,000 hosts", buildManyHosts(t, t.TempDir(), 1000), "light"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file, _, page := writeReport(t, dir, tc.capture)
			wantCharts := strings.Count(string(page), " data-chart=")
			ctx, run := openPage(t, bctx, file, tc.scheme)
			if err := waitCharts(ctx, renderWait); err != nil {
				t.Errorf("charts did not render: %v", err)
			}
			checkChartsDrew(t, ctx, wantCharts)
			checkQuietPage(t, ctx, run)
			if tc.name == "hostile" {
				checkHostileInBrowser(t, ctx)
			}
		})
	}
}

// checkHostileInBrowser checks that no hostile name ran or became markup,
// and that the DNS table shows each one as text.
func checkHostileInBrowser(t *testing.T, ctx context.Context) {
	t.Helper()
	type state struct {
		Pwned  string   `json:"pwned"`
		Images int      `json:"images"`
		Title  string   `json:"title"`
		Table  string   `json:"table"`
		Rows   int      `json:"rows"`
		Cells  []string `json:"cells"`
	}
	st, err := chromedp.Run(ctx, chromedp.Evaluate[state](`(function () {
  var table = document.querySelector("#dns table.data");
  var cells = [];
  if (table) {
    var col = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) { return th.textContent.trim(); }).indexOf("Name");
    Array.prototype.forEach.call(table.tBodies[0].rows, function (tr) { if (col >= 0 && tr.cells[col]) { cells.push(tr.cells[col].textContent); } });
  }
  return {pwned: typeof window.__pwned, images: document.querySelectorAll("img").length,
    title: document.title, table: table ? table.innerText : "", rows: table ? table.tBodies[0].rows.length : 0, cells: cells};
})()`))
	if err != nil {
		t.Fatalf("reading the page: %v", err)
	}
	if st.Pwned != "undefined" {
		t.Errorf("window.__pwned is a %s: a hostile name ran as script", st.Pwned)
	}
	if st.Images != 0 {
		t.Errorf("the page has %d <img> elements", st.Images)
	}
	if want := hostileFileName + " – pcapreport"; st.Title != want {
		t.Errorf("document.title is %q, want %q", st.Title, want)
	}
	want := 0
	for _, q := range hostileQueries {
		if q.name == hostileLongName {
			continue
		}
		want++
		text := shown(lowerASCII(q.name), 0)
		if !strings.Contains(st.Table, text) {
			t.Errorf("the DNS table's innerText does not show %q", text)
		}
		found := false
		for _, c := range st.Cells {
			found = found || c == text
		}
		if !found {
			t.Errorf("no DNS table cell has the text %q", text)
		}
	}
	if st.Rows != want {
		t.Errorf("the DNS table has %d rows, want %d", st.Rows, want)
	}
}

// TestBrowserDetectorsWork shows that the checks above can fail: a console
// error and an uncaught exception are seen, a page whose script does not
// match its CSP hash reports a violation and draws nothing, and a page
// without a CSP that loads an image from the network shows the request,
// blocked.
func TestBrowserDetectorsWork(t *testing.T) {
	bctx := startBrowser(t)
	dir := t.TempDir()
	_, _, page := writeReport(t, dir, "../testdata/null_loopback_v4_v6.pcap")
	app := embedded(t, "report.js")

	change := func(page, old, new string) string {
		t.Helper()
		if !strings.Contains(page, old) {
			t.Fatalf("the page has no %q to change", old)
		}
		return strings.Replace(page, old, new, 1)
	}

	t.Run("console error and exception", func(t *testing.T) {
		file := filepath.Join(dir, "clean.html")
		if err := os.WriteFile(file, page, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, run := openPage(t, bctx, file, "light")
		if err := waitCharts(ctx, renderWait); err != nil {
			t.Errorf("charts did not render: %v", err)
		}
		if _, _, problems := run.snapshot(); len(problems) != 0 {
			t.Fatalf("problems before the probe: %q", problems)
		}
		err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`console.error("probe error");
setTimeout(function () { throw new Error("probe exception"); }, 0);
new Promise(function (r) { setTimeout(r, 50); })`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		_, _, problems := run.snapshot()
		joined := strings.Join(problems, "\n")
		if !strings.Contains(joined, "probe error") || !strings.Contains(joined, "probe exception") {
			t.Errorf("the listener saw %q, want the console error and the exception", problems)
		}
	})

	t.Run("line points not drawn", func(t *testing.T) {
		// The line check reads what ECharts drew: hiding a series through
		// its legend must leave none of its points drawn, and the other
		// series all of theirs.
		file := filepath.Join(dir, "lines.html")
		if err := os.WriteFile(file, page, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, _ := openPage(t, bctx, file, "light")
		if err := waitCharts(ctx, renderWait); err != nil {
			t.Fatalf("charts did not render: %v", err)
		}
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](measureJS)); err != nil {
			t.Fatal(err)
		}
		info := func() chartDrawing {
			t.Helper()
			c, err := chromedp.Run(ctx, chromedp.Evaluate[chartDrawing](fmt.Sprintf(chartInfoJS, "chart-timeline"), chromedp.EvalAwaitPromise))
			if err != nil || c.Error != "" || len(c.PointsAt) < 2 {
				t.Fatalf("asking ECharts about the time line: %v %q %d series", err, c.Error, len(c.PointsAt))
			}
			return c
		}
		before := info()
		for i := range 2 {
			if n := pointsDrawn(before.PointsAt[i], before.DrawnAt[i], before.Grid); n == 0 || n != before.Positive[i] {
				t.Fatalf("before hiding: series %d shows %d of %d points", i, n, before.Positive[i])
			}
		}
		err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(function () {
  var inst = echarts.getInstanceByDom(document.querySelector('[data-chart="chart-timeline"]'));
  inst.dispatchAction({type: "legendUnSelect", name: inst.getOption().series[0].name});
  return new Promise(function (r) { setTimeout(r, 600); });
})()`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		after := info()
		if n := pointsDrawn(after.PointsAt[0], after.DrawnAt[0], after.Grid); n != 0 {
			t.Errorf("a hidden series still counts %d drawn points", n)
		}
		if n := pointsDrawn(after.PointsAt[1], after.DrawnAt[1], after.Grid); n != after.Positive[1] {
			t.Errorf("the shown series counts %d of its %d points drawn", n, after.Positive[1])
		}
	})

	t.Run("script not matching the CSP", func(t *testing.T) {
		tampered := change(string(page), app, app+"\n// changed")
		file := filepath.Join(dir, "tampered.html")
		if err := os.WriteFile(file, []byte(tampered), 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, run := openPage(t, bctx, file, "light")
		if err := waitCharts(ctx, 1500*time.Millisecond); err == nil {
			t.Errorf("charts rendered although report.js was blocked")
		}
		csp, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__cspViolations`))
		if err != nil {
			t.Fatal(err)
		}
		_, _, problems := run.snapshot()
		if len(csp) == 0 {
			t.Errorf("no securitypolicyviolation event for the blocked script")
		}
		if len(problems) == 0 {
			t.Errorf("the browser log has no error for the blocked script")
		}
		t.Logf("violations %q, problems %q", csp, problems)
	})

	t.Run("request to the network", func(t *testing.T) {
		// A loopback address: were interception to fail, nothing leaves the machine.
		remote := "http://127.0.0.1:9/pixel.png"
		tampered := change(string(page), `<meta http-equiv="Content-Security-Policy"`, `<meta name="x"`)
		tampered = change(tampered, `<script type="application/json" id="chart-data">`, `<img src="`+remote+`" alt=""><script type="application/json" id="chart-data">`)
		file := filepath.Join(dir, "fetching.html")
		if err := os.WriteFile(file, []byte(tampered), 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, run := openPage(t, bctx, file, "light")
		if err := waitCharts(ctx, renderWait); err != nil {
			t.Errorf("charts did not render: %v", err)
		}
		requests, blocked, _ := run.snapshot()
		if !slices.Contains(requests, remote) || !slices.Contains(blocked, remote) {
			t.Errorf("requests %q, blocked %q: want %s in both", requests, blocked, remote)
		}
		loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("img").naturalWidth > 0`))
		if err != nil || loaded {
			t.Errorf("the image loaded (%v, %v)", loaded, err)
		}
	})
}
