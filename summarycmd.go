package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/gcpolicy"
	"github.com/pcapreport/pcapreport/internal/show"
)

func summaryCommand() *cli.Command {
	return &cli.Command{
		Name:      "summary",
		Usage:     "print the main tables of a capture as text, for a quick look over SSH",
		ArgsUsage: "CAPTURE",
		Description: "CAPTURE is as for the report command (a pcap or pcapng file, compressed or not, or - for\n" +
			"standard input). Nothing is written to disk.",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "top", Value: 10, Usage: "show at most `N` rows per table (0: all)"},
			intervalFlag("width of the time-line bins (for the busiest-bin line)"),
			keysFlag(),
			showSecretsFlag(),
		},
		OnUsageError: onUsageError,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef(c, "summary takes exactly one CAPTURE argument")
			}
			opts, err := analysisOptions(c)
			if err != nil {
				return err
			}
			defer gcpolicy.Hold()()
			s, err := analyzeCapture(c, c.Args().First(), opts)
			if err != nil {
				return err
			}
			for _, w := range s.Capture.Warnings {
				printLine(c.App.ErrWriter, "pcapreport: %s: warning: %s", s.Capture.Path, show.Printable(w, 500))
			}
			return writeSummary(c.App.Writer, s, c.Int("top"))
		},
	}
}

// writeSummary prints the main tables of s as aligned text. Every string
// from the capture goes through analyze.Printable, so control bytes cannot
// reach the terminal.
func writeSummary(w io.Writer, s *analyze.Summary, top int) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	c := s.Capture
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }
	text := func(x string) string { return show.Printable(x, 80) }
	rows := func(n int) int {
		if top > 0 && top < n {
			return top
		}
		return n
	}

	p("Capture\t%s\n", text(c.Path))
	p("Size\t%d bytes, SHA-256 %s\n", c.Size, c.SHA256)
	format := c.Format
	if c.Compression != "" {
		format += ", " + c.Compression + "-compressed"
	}
	p("Format\t%s; link types: %s\n", format, strings.Join(c.LinkTypes, ", "))
	p("Packets\t%d (%d IP, %d other, %d undecodable); %d with decode errors\n",
		c.Packets, c.IPPackets, c.OtherPackets, c.UndecodablePackets, c.DecodeErrors)
	p("Time\t%s to %s (%s s)\n", orDash(c.First), orDash(c.Last), strconv.FormatFloat(c.DurationSeconds, 'f', -1, 64))
	p("IP bytes\t%d\n", c.IPBytes)
	for _, wn := range c.Warnings {
		p("Warning\t%s\n", text(wn))
	}
	writeFindings(tw, s)
	writeCredentials(tw, s)

	table := func(title string, header string, n int, row func(i int) string) {
		p("\n%s\n%s\n", title, header)
		for i := 0; i < rows(n); i++ {
			p("%s\n", row(i))
		}
		if rows(n) < n {
			p("… %d more\n", n-rows(n))
		}
		if n == 0 {
			p("(none)\n")
		}
	}
	table("Top source IPs", "IP\tpackets\tbytes", len(s.Sources), func(i int) string {
		e := s.Sources[i]
		return fmt.Sprintf("%s\t%s\t%d", e.IP, upTo(e.Packets, e.PacketsError), e.Bytes)
	})
	table("Top destination IPs", "IP\tpackets\tbytes", len(s.Destinations), func(i int) string {
		e := s.Destinations[i]
		return fmt.Sprintf("%s\t%s\t%d", e.IP, upTo(e.Packets, e.PacketsError), e.Bytes)
	})
	table("Top IP conversations", "A\tB\tpackets\tbytes", len(s.Conversations.IP), func(i int) string {
		cv := s.Conversations.IP[i]
		return fmt.Sprintf("%s\t%s\t%s\t%d", cv.A, cv.B, upTo(cv.PacketsAB+cv.PacketsBA, cv.PacketsError), cv.BytesAB+cv.BytesBA)
	})
	type port struct {
		proto string
		analyze.Port
	}
	var ports []port
	// Only the ports a server had: the clients' are many and say little.
	for _, pt := range s.Ports.TCP {
		if pt.ServerPackets > 0 {
			ports = append(ports, port{"tcp", pt})
		}
	}
	for _, pt := range s.Ports.UDP {
		if pt.ServerPackets > 0 {
			ports = append(ports, port{"udp", pt})
		}
	}
	// Busiest server ports first: they name the services in use.
	slices.SortStableFunc(ports, func(a, b port) int { return cmp.Compare(b.ServerPackets, a.ServerPackets) })
	table("Server ports", "port\tservice\tconversations\tpackets\tbytes", len(ports), func(i int) string {
		pt := ports[i]
		return fmt.Sprintf("%s/%d\t%s\t%d\t%d\t%d", pt.proto, pt.Port.Port, pt.Service, pt.ServerConversations, pt.ServerPackets, pt.ServerBytes)
	})
	if o := s.Conversations.TCPOutcomes; o != (analyze.TCPOutcomes{}) {
		p("\nTCP outcomes: %d established, %d rejected, %d no answer, %d incomplete, %d begun before the capture\n",
			o.Established, o.Rejected, o.NoAnswer, o.Incomplete, o.MidStream)
	}
	table("Application protocols", "protocol\tpackets\tbytes", len(s.Protocols.Application), func(i int) string {
		pc := s.Protocols.Application[i]
		return fmt.Sprintf("%s\t%d\t%d", pc.Name, pc.Packets, pc.Bytes)
	})
	table(fmt.Sprintf("DNS queries (%d queries, %d responses)", s.DNS.TotalQueries, s.DNS.Responses), "name\tqueries", len(s.DNS.Queries), func(i int) string {
		q := s.DNS.Queries[i]
		return fmt.Sprintf("%s\t%s", text(q.Name), upTo(q.Count, q.CountError))
	})
	if s.HTTP.TotalRequests > 0 {
		table(fmt.Sprintf("HTTP requests (%d)", s.HTTP.TotalRequests), "method\turl\trequests", len(s.HTTP.Requests), func(i int) string {
			r := s.HTTP.Requests[i]
			return fmt.Sprintf("%s\t%s\t%d", text(r.Method), text(r.URL), r.Count)
		})
	}
	if s.TLS.ClientHellos > 0 {
		table(fmt.Sprintf("TLS server names (%d ClientHellos, %d without SNI)", s.TLS.ClientHellos, s.TLS.WithoutSNI), "name\thellos", len(s.TLS.ServerNames), func(i int) string {
			return fmt.Sprintf("%s\t%d", text(s.TLS.ServerNames[i].Name), s.TLS.ServerNames[i].Count)
		})
		table("TLS client fingerprints (JA4)", "ja4\thellos\tserver names", len(s.TLS.JA4), func(i int) string {
			f := s.TLS.JA4[i]
			names := make([]string, len(f.ServerNames))
			for j, n := range f.ServerNames {
				names[j] = text(n.Name)
			}
			return fmt.Sprintf("%s\t%d\t%s", text(f.Fingerprint), f.Count, strings.Join(names, ", "))
		})
	}
	if tm := s.DNS.Timing; len(tm.Servers) > 0 {
		table(fmt.Sprintf("DNS servers (%d queries: %d answered, median %s, worst %s; %d unanswered, %d retransmitted, %d unsolicited responses)",
			tm.Queries, tm.Answered, show.Millis(tm.MedianMS, tm.Answered), show.Millis(tm.WorstMS, tm.Answered), tm.Unanswered, tm.Retransmissions, tm.Unsolicited),
			"server\tqueries\tanswered\tmedian\tworst\tunanswered", len(tm.Servers), func(i int) string {
				r := tm.Servers[i]
				return fmt.Sprintf("%s\t%d\t%d\t%s\t%s\t%d", r.Server, r.Queries, r.Answered, show.Millis(r.MedianMS, r.Answered), show.Millis(r.WorstMS, r.Answered), r.Unanswered)
			})
	}
	if q := s.TLS.QUIC; q.Initials > 0 {
		table(fmt.Sprintf("QUIC server names (%d ClientHellos; %d client Initials, %d decrypted)", q.ClientHellos, q.Initials, q.Decrypted),
			"name\thellos", len(q.ServerNames), func(i int) string {
				return fmt.Sprintf("%s\t%d", text(q.ServerNames[i].Name), q.ServerNames[i].Count)
			})
	}
	if len(s.DNS.NXDomain) > 0 {
		table("NXDOMAIN names", "name\tresponses", len(s.DNS.NXDomain), func(i int) string {
			return fmt.Sprintf("%s\t%d", text(s.DNS.NXDomain[i].Name), s.DNS.NXDomain[i].Count)
		})
	}
	if b := s.DNS.NXBursts; len(b.Clients) > 0 {
		table("NXDOMAIN answers by client, most within one minute", "client\tanswers\tpeak 60s\tminute from\tnames in it", len(b.Clients), func(i int) string {
			c := b.Clients[i]
			names := make([]string, 0, len(c.PeakNames)+1)
			for _, n := range c.PeakNames {
				names = append(names, text(n))
			}
			if c.PeakNamesMore {
				names = append(names, "...")
			}
			return fmt.Sprintf("%s\t%d\t%d\t%s\t%s", c.Client, c.NXDomain, c.Peak60s, orDash(c.PeakStart), strings.Join(names, ", "))
		})
	}
	if len(s.Capture.DecodeErrorReasons) > 0 {
		table("Decode errors", "reason\tpackets", len(c.DecodeErrorReasons), func(i int) string {
			return fmt.Sprintf("%s\t%d", text(c.DecodeErrorReasons[i].Name), c.DecodeErrorReasons[i].Count)
		})
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// upTo writes a count of an estimated list with what it may miss:
// "12 (+3)" means between 12 and 15. An exact count is written alone.
func upTo(n, missing int64) string {
	if missing == 0 {
		return strconv.FormatInt(n, 10)
	}
	return fmt.Sprintf("%d (+%d)", n, missing)
}
