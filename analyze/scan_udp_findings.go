package analyze

import (
	"fmt"

	"github.com/pcapreport/pcapreport/internal/show"
)

// Thresholds of the udp-scan rule (see the README's "Findings").
const (
	// udpScanMinTargets: a source that sent UDP to at least this many
	// distinct (host, port) targets, udpScanFailedShare or more of them
	// unanswered (no UDP back, or an ICMP unreachable), is scanning; from
	// udpScanHighTargets it is high. As for TCP, but a larger share must
	// fail: UDP has no handshake, and a peer-to-peer client (a DHT) or a
	// monitoring station polling devices is answered by most of its
	// targets but not all.
	udpScanMinTargets  = 100
	udpScanFailedShare = 0.8
	udpScanHighTargets = 1000
	// udpTraceShare: a source whose probes were answered by ICMP time
	// exceeded this often is tracing routes (traceroute, mtr), not
	// scanning, however many of its probes went unanswered.
	udpTraceShare = 0.1
)

// udpScanFindings reports the sources that sent UDP to many targets, most
// of them unanswered (Conversations.UDPScanners).
func udpScanFindings(c *Conversations) []Finding {
	var out []Finding
	for _, sc := range c.UDPScanners {
		n := float64(sc.Conversations)
		if sc.Targets < udpScanMinTargets || n == 0 || float64(sc.Failed) < udpScanFailedShare*n ||
			float64(sc.TimeExceeded) >= udpTraceShare*n {
			continue
		}
		title := fmt.Sprintf("%s %s: %s of the %s it sent got no UDP answer (%s of them an ICMP unreachable).",
			show.Printable(sc.Source, 60), scanWhat(&sc, "UDP", "probes"), percent(sc.Failed, sc.Conversations),
			probes(sc.Conversations), show.Thousands(sc.Unreachable))
		out = append(out, scanFinding("udp-scan", &sc, udpScanHighTargets, "probes", title))
	}
	return capRule(out)
}

// probes words a count of UDP probes (flows).
func probes(n int64) string {
	if n == 1 {
		return "1 probe"
	}
	return show.Thousands(n) + " probes"
}
