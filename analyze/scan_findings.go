package analyze

import (
	"cmp"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/pcapreport/pcapreport/internal/show"
)

// Thresholds of the scan and volume rules (see the README's "Findings").
const (
	// scanMinTargets: a source that opened TCP connections to at least
	// this many distinct (host, port) targets, scanFailedShare or more of
	// them failed (no answer, or rejected by RST), is scanning; from
	// scanHighTargets it is high.
	scanMinTargets  = 100
	scanFailedShare = 0.5
	scanHighTargets = 1000
	// scanDominant: when this share of a scanner's connections went to
	// one host, the scan is vertical (many ports of a host); to one port,
	// horizontal (a port on many hosts).
	scanDominant = 0.5
	// volumeOutBytes: an address pair with at least this many bytes from
	// a local address to a public one, and at least volumeOneWay times
	// what came back, is a large upload (medium). So is one of at least
	// volumeShareMin bytes that is volumeShare of the capture's IP bytes.
	volumeOutBytes = 100_000_000
	volumeShareMin = 10_000_000
	volumeShare    = 0.5
	volumeOneWay   = 10
	// longLivedSeconds: a TCP or UDP conversation that lasted this long
	// (an hour) is long-lived (low).
	longLivedSeconds = 3600
)

// scanFindings reports the sources that opened TCP connections to many
// targets, most of them failed (Conversations.Scanners).
func scanFindings(c *Conversations) []Finding {
	var out []Finding
	for _, sc := range c.Scanners {
		if sc.Targets < scanMinTargets || sc.Conversations == 0 || float64(sc.Failed) < scanFailedShare*float64(sc.Conversations) {
			continue
		}
		title := fmt.Sprintf("%s %s: %s of the %s connections it opened failed (no answer, RST or ICMP unreachable).",
			show.Printable(sc.Source, 60), scanWhat(&sc, "TCP", "connections"), percent(sc.Failed, sc.Conversations), show.Thousands(sc.Conversations))
		out = append(out, scanFinding("tcp-scan", &sc, scanHighTargets, "connections", title))
	}
	return capRule(out)
}

// scanFinding is the finding of a scan rule for sc: medium, high from
// highTargets targets, with its counts (probes names its probes) and the
// hosts it tried most as evidence.
func scanFinding(rule string, sc *Scanner, highTargets int64, probes, title string) Finding {
	f := Finding{Rule: rule, Severity: SeverityMedium, Anchor: "scanners", Title: title}
	if sc.Targets >= highTargets {
		f.Severity = SeverityHigh
	}
	f.Evidence.Hosts = []string{sc.Source}
	for _, h := range sc.TopHosts {
		f.Evidence.Hosts = append(f.Evidence.Hosts, h.IP)
	}
	f.Evidence.Counts = []Count{{probes, sc.Conversations}, {"failed", sc.Failed}, {"ICMP unreachable", sc.Unreachable},
		{"hosts", sc.Hosts}, {"ports", sc.Ports}, {"targets", sc.Targets}}
	return f
}

// scanWhat words what scanner sc probed over proto, its probes called
// noun: a vertical scan, a horizontal one, or many ports on many hosts.
func scanWhat(sc *Scanner, proto, noun string) string {
	switch {
	case len(sc.TopHosts) > 0 && float64(sc.TopHosts[0].Count) >= scanDominant*float64(sc.Conversations):
		return fmt.Sprintf("scanned about %s %s ports of %s (a vertical scan; %s of its %s went there)",
			show.Thousands(sc.Ports), proto, show.Printable(sc.TopHosts[0].IP, 60), percent(sc.TopHosts[0].Count, sc.Conversations), noun)
	case len(sc.TopPorts) > 0 && float64(sc.TopPorts[0].Count) >= scanDominant*float64(sc.Conversations):
		return fmt.Sprintf("probed %s port %d on about %s hosts (a horizontal scan; %s of its %s went to that port)",
			proto, sc.TopPorts[0].Port, show.Thousands(sc.Hosts), percent(sc.TopPorts[0].Count, sc.Conversations), noun)
	}
	return fmt.Sprintf("probed about %s %s ports on about %s hosts (%s host and port pairs)", show.Thousands(sc.Ports), proto,
		show.Thousands(sc.Hosts), show.Thousands(sc.Targets))
}

// localAddr reports whether a is a private (RFC 1918, ULA) or link-local
// address; publicAddr whether it is a global unicast one that is not.
func localAddr(a netip.Addr) bool {
	return a.IsPrivate() || a.IsLinkLocalUnicast()
}

func publicAddr(a netip.Addr) bool {
	return a.IsGlobalUnicast() && !a.IsPrivate() && !a.IsLinkLocalUnicast()
}

// volumeFindings reports large one-way transfers from a local address to
// a public one (by IP pair) and long-lived TCP or UDP conversations.
func volumeFindings(s *Summary) []Finding {
	var out []Finding
	for _, cv := range s.Conversations.IP {
		a, errA := netip.ParseAddr(cv.A)
		b, errB := netip.ParseAddr(cv.B)
		if errA != nil || errB != nil {
			continue
		}
		from, to, out1, back := cv.A, cv.B, cv.BytesAB, cv.BytesBA
		switch {
		case localAddr(a) && publicAddr(b):
		case localAddr(b) && publicAddr(a):
			from, to, out1, back = cv.B, cv.A, cv.BytesBA, cv.BytesAB
		default:
			continue
		}
		big := out1 >= volumeOutBytes || out1 >= volumeShareMin && float64(out1) >= volumeShare*float64(s.Capture.IPBytes)
		if !big || out1 < volumeOneWay*back {
			continue
		}
		f := Finding{Rule: "volume-upload", Severity: SeverityMedium, Anchor: "conversations"}
		f.Title = fmt.Sprintf("%s sent %s to the public address %s and got %s back (%s of the capture's IP bytes): a large one-way transfer out of the local network.",
			from, megabytes(out1), to, megabytes(back), percent(out1, s.Capture.IPBytes))
		f.Evidence.Hosts = []string{from, to}
		f.Evidence.Counts = []Count{{"bytes out", out1}, {"bytes back", back}}
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(x, y Finding) int { return cmp.Compare(y.Evidence.Counts[0].Count, x.Evidence.Counts[0].Count) })
	out = capRule(out)

	var long []Conversation
	for _, cv := range s.Conversations.Transport {
		// A conversation longer than the bulk of the capture spans an
		// outlying timestamp (a clock set wrong), not a long connection.
		bulk := s.Capture.Bulk
		if cv.DurationSeconds >= longLivedSeconds && (bulk.OutlyingPackets == 0 || cv.DurationSeconds <= bulk.DurationSeconds) {
			long = append(long, cv)
		}
	}
	slices.SortStableFunc(long, func(x, y Conversation) int { return cmp.Compare(y.DurationSeconds, x.DurationSeconds) })
	var ll []Finding
	for _, cv := range long {
		f := Finding{Rule: "long-lived-connection", Severity: SeverityLow, Anchor: "transport"}
		client, server := show.Printable(cv.Client, 60), show.Printable(cv.Server, 60)
		f.Title = fmt.Sprintf("%s kept a %s conversation with %s port %d open for %s (%s both ways): a long-lived connection (a tunnel, a remote session, or a beacon's channel).",
			client, strings.ToUpper(show.Printable(cv.Proto, 8)), server, cv.ServerPort, hours(cv.DurationSeconds), megabytes(cv.BytesAB+cv.BytesBA))
		f.Evidence.Hosts = []string{cv.Client, cv.Server}
		f.Evidence.Counts = []Count{{"seconds", int64(cv.DurationSeconds)}, {"bytes", cv.BytesAB + cv.BytesBA}, {"port", int64(cv.ServerPort)}}
		ll = append(ll, f)
	}
	return append(out, capRule(ll)...)
}

// megabytes words a byte count in MB (10^6 bytes), with a decimal below
// 10, in bytes below 0.1 MB.
func megabytes(n int64) string {
	if n < 100_000 {
		return show.Thousands(n) + " bytes"
	}
	mb := float64(n) / 1e6
	if mb < 10 {
		return strconv.FormatFloat(math.Round(mb*10)/10, 'f', -1, 64) + " MB"
	}
	return show.Thousands(int64(math.Round(mb))) + " MB"
}

// hours words a span of seconds in hours, or days from two days.
func hours(s float64) string {
	if s >= 2*86400 {
		return spell(s)
	}
	return strconv.FormatFloat(math.Round(s/360)/10, 'f', -1, 64) + " hours"
}
