package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
)

// writeFindings prints the findings of s, most severe first, one a line:
// the severity in capitals, the sentence and the rule in brackets. Every
// string goes through analyze.Printable. The lines hold no tab, so they
// leave the columns of a tabwriter around them alone.
func writeFindings(w io.Writer, s *analyze.Summary) {
	if len(s.Findings) == 0 {
		fmt.Fprintf(w, "\nFindings: none (no rule fired)\n")
		return
	}
	fmt.Fprintf(w, "\nFindings (%d)\n", len(s.Findings))
	for _, f := range s.Findings {
		fmt.Fprintf(w, "%-7s %s [%s]\n", strings.ToUpper(show.Printable(f.Severity, 10)),
			show.Printable(f.Title, 600), show.Printable(f.Rule, 60))
	}
}
