package report_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
	"github.com/pcapreport/pcapreport/report"
	"github.com/pcapreport/pcapreport/templates"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/html/*.html with the current reports")

const htmlGoldenDir = "../testdata/golden/html"

// goldenPage is the report of the capture at rel (from the repository
// root) with fixed options, and the two inlined scripts and the style
// sheet, which do not depend on the capture, replaced by placeholders:
// what is left is what the capture decides.
func goldenPage(t *testing.T, rel string) []byte {
	t.Helper()
	s, err := analyze.File("../"+rel, analyze.Options{})
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	s.Capture.Path = rel
	var buf bytes.Buffer
	opts := report.Options{Version: "test", Generated: "2023-11-14 22:13:20 UTC", Location: time.UTC}
	if err := report.Write(&buf, s, opts); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	page := buf.String()
	for _, r := range []struct{ name, placeholder string }{
		{templates.ECharts, "/* the inlined ECharts build (templates/" + templates.ECharts + ") */"},
		{"report.js", "/* the inlined templates/report.js */"},
	} {
		js := embedded(t, r.name)
		if strings.Count(page, js) != 1 {
			t.Fatalf("%s: the page does not hold %s once", rel, r.name)
		}
		page = strings.Replace(page, js, r.placeholder, 1)
	}
	// The style sheet reaches the page through html/template, which drops
	// its comments, so it is found as the page's first <style> element.
	i := strings.Index(page, "<style>")
	j := strings.Index(page[max(i, 0):], "</style>")
	if i < 0 || j < 0 {
		t.Fatalf("%s: no <style> element", rel)
	}
	page = page[:i] + "<style>/* the inlined templates/report.css */" + page[i+j:]
	return []byte(page)
}

// TestGoldenHTML compares the report of every testdata capture with its
// golden file, so that a change to what a page shows is seen in review.
// go test ./report -run TestGoldenHTML -update rewrites them.
func TestGoldenHTML(t *testing.T) {
	var captures []string
	for _, pattern := range []string{"*.pcap", "*.pcapng"} {
		m, _ := filepath.Glob(filepath.Join("../testdata", pattern))
		for _, p := range m {
			captures = append(captures, strings.TrimPrefix(filepath.ToSlash(p), "../"))
		}
	}
	if len(captures) < 20 {
		t.Fatalf("only %d captures in ../testdata", len(captures))
	}
	if *update {
		if err := os.MkdirAll(htmlGoldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]bool{}
	for _, rel := range captures {
		name := filepath.Base(rel) + ".html"
		want[name] = true
		file := filepath.Join(htmlGoldenDir, name)
		got := goldenPage(t, rel)
		if *update {
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		exp, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("%s: %v (run: go test ./report -run TestGoldenHTML -update)", rel, err)
			continue
		}
		if !bytes.Equal(got, exp) {
			gl, el := strings.Split(string(got), "\n"), strings.Split(string(exp), "\n")
			line := 0
			for line < min(len(gl), len(el)) && gl[line] == el[line] {
				line++
			}
			show := func(ls []string) string {
				if line < len(ls) {
					return show.Printable(ls[line], 300)
				}
				return "(end of file)"
			}
			t.Errorf("%s: the report differs from %s from line %d:\n  golden: %s\n  now:    %s\nif the change is intended run: go test ./report -run TestGoldenHTML -update",
				rel, strings.TrimPrefix(file, "../"), line+1, show(el), show(gl))
		}
	}
	files, _ := filepath.Glob(filepath.Join(htmlGoldenDir, "*.html"))
	for _, f := range files {
		if !want[filepath.Base(f)] {
			if *update {
				os.Remove(f)
			} else {
				t.Errorf("%s has no capture in testdata: remove it (-update does)", f)
			}
		}
	}
}
