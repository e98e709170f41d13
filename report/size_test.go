package report_test

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// maxReportBytes is the size a report must stay under to be attached to a
// ticket: the report issue's 1.5 MB for the sample captures.
const maxReportBytes = 1_500_000

// TestReportSizeOfSampleCaptures renders the report of every capture in
// testdata, and of every one in ../shared/captures when it is there, and
// checks that each stays under maxReportBytes. The inlined ECharts bundle
// is about 600 KB of each; the rest grows with the capture's variety, up
// to the top lists' bounds.
func TestReportSizeOfSampleCaptures(t *testing.T) {
	var paths []string
	for _, dir := range []string{"../testdata", "../../shared/captures"} {
		for _, pat := range []string{"*.pcap", "*.pcapng", "*.pcap.gz", "*.pcapng.gz"} {
			m, err := filepath.Glob(filepath.Join(dir, pat))
			if err != nil {
				t.Fatal(err)
			}
			paths = append(paths, m...)
		}
	}
	if _, err := os.Stat("../../shared/captures"); errors.Is(err, os.ErrNotExist) {
		t.Log("../shared/captures is not here: testdata only")
	}
	if len(paths) < 20 {
		t.Fatalf("only %d sample captures found", len(paths))
	}
	sort.Strings(paths)
	largest, largestPath := 0, ""
	for _, p := range paths {
		_, page := renderFile(t, p)
		if len(page) >= maxReportBytes {
			t.Errorf("%s: report of %d bytes, want under %d", p, len(page), maxReportBytes)
		}
		if len(page) > largest {
			largest, largestPath = len(page), p
		}
	}
	t.Logf("%d captures; the largest report is %d bytes (%s)", len(paths), largest, largestPath)
}
