package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pcapreport/pcapreport/analyze"
)

// provenanceSource is one Summary merged into an overview: its JSON file
// and its report, slash-separated and relative to the overview's report
// ("" when it has none).
type provenanceSource struct {
	json, report string
}

// addProvenance sets sum.Provenance, which captures each row of the
// overview sum came from, by reading each merged Summary again, one at a
// time, once the merge has picked the rows: memory is the rows times
// analyze.ProvenanceCap, however many captures there are. overviewDir is
// the folder of the overview's report, to which the links of a merged
// overview's own provenance are rebased. A Summary that cannot be read
// again (removed meanwhile) is named on stderr and left out.
func addProvenance(sum *analyze.Summary, srcs []provenanceSource, overviewDir string, stderr io.Writer) {
	b := analyze.NewProvenanceBuilder(sum)
	for _, src := range srcs {
		s, err := readSummaryFile(src.json)
		if err != nil {
			printLine(stderr, "pcapreport: %s: warning: read again for the overview's provenance: %v", src.json, err)
			continue
		}
		if p := s.Provenance; p != nil {
			for i := range p.Captures {
				p.Captures[i].Report = rebaseLink(p.Captures[i].Report, filepath.Dir(src.json), overviewDir)
			}
		}
		b.Add(s, analyze.ProvenanceCapture{Path: s.Capture.Path, SHA256: s.Capture.SHA256, Report: src.report})
	}
	sum.Provenance = b.Result()
}

// rebaseLink makes link, relative to folder from, relative to folder to;
// "" when it is empty or cannot be.
func rebaseLink(link, from, to string) string {
	if link == "" {
		return ""
	}
	target := filepath.Join(from, filepath.FromSlash(link))
	return relLink(target, to)
}

// relLink is the file target as a slash-separated link relative to the
// folder dir, or "" when there is none.
func relLink(target, dir string) string {
	at, err1 := filepath.Abs(target)
	ad, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return ""
	}
	rel, err := filepath.Rel(ad, at)
	if err != nil {
		return ""
	}
	return filepath.ToSlash(rel)
}

// reportBeside is the report written beside a Summary file, as batch mode
// and the fan-out recipe name them (x.pcap.json, x.pcap.html), as a link
// relative to the folder dir; "" when there is no such file.
func reportBeside(summary, dir string) string {
	base := strings.TrimSuffix(strings.TrimSuffix(summary, ".gz"), ".json")
	if base == summary {
		return ""
	}
	html := base + ".html"
	if st, err := os.Stat(html); err != nil || !st.Mode().IsRegular() {
		return ""
	}
	return relLink(html, dir)
}
