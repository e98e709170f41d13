package main

import (
	"fmt"
	"io"
	"strconv"
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

// writeCredentials prints the cleartext credentials of s, one a line:
// time, protocol, client, server, user and the secret (masked unless
// --show-secrets), every string through show.Printable.
func writeCredentials(w io.Writer, s *analyze.Summary) {
	if len(s.Credentials) == 0 {
		return
	}
	fmt.Fprintf(w, "\nCleartext credentials (%d)\n", len(s.Credentials))
	for _, c := range s.Credentials {
		fmt.Fprintf(w, "%s  %s %s  %s -> %s  user %s  secret %s  (packet %d)\n", show.Printable(c.Time, 40),
			show.Printable(c.Protocol, 10), show.Printable(c.Mechanism, 20), show.Printable(c.Client, 50),
			show.Printable(c.Server, 60), strconv.Quote(show.Printable(c.User, 200)), show.Printable(c.Secret, 200), c.Packet)
	}
}
