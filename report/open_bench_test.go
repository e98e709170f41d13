package report_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/report"
)

// BenchmarkOpenReport measures how long a report takes to open and draw
// every chart in headless Chromium, from navigation to two painted frames
// after the last chart, with the network blocked. The capture is
// PCAPREPORT_BENCH_CAPTURE (default: testdata's ESPN capture); for the
// issue's target, generate a 1 GB capture with cmd/gencap and point the
// variable at it. It also reports the report's size.
func BenchmarkOpenReport(b *testing.B) {
	capture := os.Getenv("PCAPREPORT_BENCH_CAPTURE")
	if capture == "" {
		capture = "../testdata/http_espn_browsing.pcapng"
	}
	s, err := analyze.File(capture, analyze.Options{})
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(b.TempDir(), "report.html")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	if err := report.Write(f, s, report.Options{Top: 20, Version: "bench"}); err != nil {
		b.Fatal(err)
	}
	f.Close()
	st, _ := os.Stat(file)
	bctx := startBrowser(b)
	b.ResetTimer()
	var total float64
	for i := 0; i < b.N; i++ {
		ctx, run := openPage(b, bctx, file, "light")
		if err := waitCharts(ctx, 20*time.Second); err != nil {
			b.Fatalf("charts did not draw: %v", err)
		}
		// The page's own clock: milliseconds since navigation started, read
		// after the last chart drew and two frames were painted (the
		// polling adds up to 50 ms). Opening a tab is not counted.
		ms, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`performance.now()`))
		if err != nil {
			b.Fatal(err)
		}
		total += ms
		if _, _, problems := run.snapshot(); len(problems) > 0 {
			b.Fatalf("page problems: %q", problems)
		}
	}
	b.ReportMetric(total/float64(b.N), "ms-to-drawn")
	b.ReportMetric(float64(st.Size()), "report-bytes")
}
