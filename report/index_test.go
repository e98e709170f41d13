package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"html"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/templates"
)

// indexFixture is an index of four captures: plain, hostile names, cut
// short, and failed.
func indexFixture() *Index {
	return &Index{
		Entries: []IndexEntry{
			{Path: "caps/a.pcap", Report: "a.pcap.html", JSON: "a.pcap.json", Size: 2048, SHA256: strings.Repeat("ab", 32),
				First: "2024-01-02T03:04:05.000001Z", Last: "2024-01-02T03:05:00.5Z", Packets: 1500, IPBytes: 900000,
				TopSource: "10.0.0.9", TopSourcePackets: 700, DNSQueries: 12},
			{Path: `caps/<script>alert(1)</script>#?%20 javascript:x.pcap`, Report: `<script>alert(1)</script>#?%20 javascript:x.pcap.html`,
				JSON: `<script>alert(1)</script>#?%20 javascript:x.pcap.json`, Size: 10, SHA256: strings.Repeat("cd", 32),
				First: "2019-05-05T00:00:00Z", Last: "2019-05-05T00:00:01Z", Packets: 3, IPBytes: 180,
				TopSource: "2001:db8::1", TopSourcePackets: 3},
			{Path: "caps/cut.pcap", Report: "cut.pcap.html", JSON: "cut.pcap.json", Size: 6493, SHA256: strings.Repeat("ef", 32),
				First: "2013-03-07T21:42:06.869344Z", Last: "2013-03-07T21:42:07.080828Z", Packets: 13, IPBytes: 5839,
				TopSource: "10.0.0.10", TopSourcePackets: 7, DecodeErrors: 1,
				Warnings: []string{"capture cut short at byte offset 6409 (record 14)"}},
			{Path: "caps/bad.pcap", Size: 14, Error: "pcap file header cut short (14 of 24 bytes)"},
		},
		Skipped:        []SkippedFile{{Path: "caps/notes.txt", Reason: "not a pcap or pcapng file (starts with 68 65 6c 6c)"}},
		Overview:       &analyze.Summary{Capture: analyze.Capture{Path: "3 captures", Packets: 1516, IPBytes: 906019}},
		OverviewReport: "overview.html",
		OverviewJSON:   "overview.json",
	}
}

func writeIndexFixture(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteIndex(&buf, indexFixture(), Options{Version: "test", Generated: "2024-01-01 00:00:00 UTC"}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestIndexPage(t *testing.T) {
	page := string(writeIndexFixture(t))
	if strings.Contains(page, "<script>alert") {
		t.Error("a capture's name reached the page unescaped")
	}
	// Every link is relative and leads to the file it names.
	hrefs := regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(page, -1)
	var targets []string
	for _, h := range hrefs {
		if !strings.HasPrefix(h[1], "./") {
			t.Errorf("href %q is not relative", h[1])
			continue
		}
		u, err := url.Parse(html.UnescapeString(h[1]))
		if err != nil || u.Scheme != "" || u.Host != "" {
			t.Errorf("href %q: %v, scheme %q", h[1], err, u.Scheme)
			continue
		}
		targets = append(targets, strings.TrimPrefix(u.Path, "./"))
	}
	want := []string{"overview.html", "overview.json", "a.pcap.html", "a.pcap.json",
		`<script>alert(1)</script>#?%20 javascript:x.pcap.html`, `<script>alert(1)</script>#?%20 javascript:x.pcap.json`,
		"cut.pcap.html", "cut.pcap.json"}
	if !slices.Equal(targets, want) {
		t.Errorf("links lead to\n%q\nwant\n%q", targets, want)
	}
	if regexp.MustCompile(`\ssrc=`).MatchString(page) {
		t.Error("the index loads something by src")
	}
	for _, want := range []string{
		`data-sort="1500">1,500</td>`, "2.0 KB", "10.0.0.9<br><small>700 packets</small>",
		"2024-01-02 03:04:05.000001 UTC", `<tr class="warning">`, "warning: capture cut short at byte offset 6409",
		"1 packet with decode errors", `<tr class="error">`, "error: pcap file header cut short (14 of 24 bytes)",
		"Captures that failed", "caps/notes.txt", "4 (1 failed)", "Batch report: 4 captures", "2024-01-01 00:00:00 UTC",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the index lacks %q", want)
		}
	}
}

func TestIndexCSPAllowsOnlyIndexJS(t *testing.T) {
	page := string(writeIndexFixture(t))
	js, err := fs.ReadFile(templates.FS, "index.js")
	if err != nil {
		t.Fatal(err)
	}
	scripts := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllStringSubmatch(page, -1)
	if len(scripts) != 1 || scripts[0][1] != string(js) {
		t.Fatalf("the page has %d scripts; want index.js byte for byte", len(scripts))
	}
	sum := sha256.Sum256(js)
	csp := regexp.MustCompile(`content="(default-src[^"]*)"`).FindStringSubmatch(page)
	if csp == nil {
		t.Fatal("no Content-Security-Policy")
	}
	wantCSP := "default-src 'none'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "';"
	if got := html.UnescapeString(csp[1]); !strings.HasPrefix(got, wantCSP) {
		t.Errorf("CSP %q, want it to start %q", got, wantCSP)
	}
}

// TestIndexSortKeys checks that the keys index.js sorts by order as the
// values do.
func TestIndexSortKeys(t *testing.T) {
	times := []string{"1969-12-31T23:59:59.5Z", "1970-01-01T00:00:00Z", "2013-03-07T21:42:06.869344Z",
		"2013-03-07T21:42:06.869344001Z", "2013-03-07T21:42:07Z", "2025-12-22T00:05:26.167647291Z", "9999-12-31T23:59:59Z", "10000-01-01T00:00:00Z", "586524-01-19T07:53:24.126329Z"}
	var keys []string
	for _, s := range times {
		keys = append(keys, timeKey(s))
	}
	if !sort.StringsAreSorted(keys) {
		t.Errorf("time keys out of order: %q", keys)
	}
	addrs := []string{"9.9.9.9", "10.0.0.1", "10.0.0.10", "192.168.1.1", "::1", "2001:db8::1", "fe80::1"}
	keys = keys[:0]
	for _, a := range addrs {
		keys = append(keys, addrKey(a))
	}
	if !sort.StringsAreSorted(keys) {
		t.Errorf("address keys out of order: %q", keys)
	}
}

func TestIndexEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteIndex(&buf, &Index{}, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "No captures were found.") {
		t.Error("an empty index does not say so")
	}
}

// TestIndexSortsInBrowser opens the index in headless Chromium: its script
// runs under its CSP and sorts the table when a heading is clicked.
func TestIndexSortsInBrowser(t *testing.T) {
	var exe string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			exe = p
			break
		}
	}
	if exe == "" {
		t.Skip("no Chromium found: install Debian's chromium to run the browser tests")
	}
	file := filepath.Join(t.TempDir(), "index.html")
	if err := os.WriteFile(file, writeIndexFixture(t), 0o644); err != nil {
		t.Fatal(err)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute) // a guard against a hang, generous for a busy machine
	defer cancelTimeout()

	watch := `window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) { window.__violations.push(e.violatedDirective); });
window.addEventListener("error", function (e) { window.__violations.push("error: " + e.message); });`
	order := `Array.from(document.querySelectorAll("#captures tbody tr")).map(function (r) { return r.cells[0].getAttribute("data-sort"); })`
	clickPackets := `document.querySelectorAll("#captures thead th")[5].querySelector("button").click(); []`
	setup := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument,
			cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: watch})
		return err
	})
	if err := chromedp.Do(ctx, setup, chromedp.Navigate((&url.URL{Scheme: "file", Path: file}).String())); err != nil {
		t.Fatal(err)
	}
	run := func(js string) []string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	buttons, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#captures thead th button").length`))
	if err != nil {
		t.Fatal(err)
	}
	initial := run(order)
	run(clickPackets)
	ascending := run(order)
	ariaSort := run(`[document.querySelectorAll("#captures thead th")[5].getAttribute("aria-sort")]`)
	run(clickPackets)
	descending := run(order)
	violations := run(`window.__violations`)
	if len(violations) > 0 {
		t.Errorf("CSP violations or script errors: %q", violations)
	}
	if buttons != 10 {
		t.Errorf("%d sort buttons, want one per column (10): index.js did not run", buttons)
	}
	hostile := `caps/<script>alert(1)</script>#?%20 javascript:x.pcap`
	if want := []string{"caps/a.pcap", hostile, "caps/cut.pcap", "caps/bad.pcap"}; !slices.Equal(initial, want) {
		t.Errorf("initial order %q, want %q", initial, want)
	}
	// By packets: 3, 13, 1500, then the failed capture, which has none, last.
	if want := []string{hostile, "caps/cut.pcap", "caps/a.pcap", "caps/bad.pcap"}; !slices.Equal(ascending, want) {
		t.Errorf("ascending by packets %q, want %q", ascending, want)
	}
	if !slices.Equal(ariaSort, []string{"ascending"}) {
		t.Errorf("aria-sort %q after one click", ariaSort)
	}
	if want := []string{"caps/a.pcap", "caps/cut.pcap", hostile, "caps/bad.pcap"}; !slices.Equal(descending, want) {
		t.Errorf("descending by packets %q, want %q", descending, want)
	}
}
