package analyze

import (
	"cmp"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pcapreport/pcapreport/internal/show"
)

// Finding is one thing in a capture that looks wrong or deserves a look,
// found by a rule over the Summary's aggregates after the analysis. The
// README's "Findings" section documents every rule: what it looks for,
// its thresholds and what it cannot see.
type Finding struct {
	// Rule names the rule that fired, e.g. "arp-ip-conflict".
	Rule string `json:"rule"`
	// Severity is "high", "medium", "low" or "info".
	Severity string `json:"severity"`
	// Title is one sentence naming the hosts, names and numbers involved.
	// Names in it come from the capture, shortened by Printable.
	Title string `json:"title"`
	// Anchor is the id of the report's section or table that shows the
	// evidence, e.g. "arp-bindings" (see the README).
	Anchor   string   `json:"anchor"`
	Evidence Evidence `json:"evidence"`
}

// Evidence is what a finding rests on, as data. Every slice is non-nil.
type Evidence struct {
	// Hosts are the IP addresses involved, the most involved first.
	Hosts []string `json:"hosts"`
	// MACs are the link-layer addresses involved (ARP rules).
	MACs []string `json:"macs"`
	// Names are DNS names, HTTP hosts or decode-error reasons involved,
	// raw as in the Summary.
	Names []string `json:"names"`
	// Counts are the numbers the title quotes, each with what it counts.
	Counts []Count `json:"counts"`
	// Packets are packet numbers (1-based, as Wireshark numbers frames)
	// that show the finding, when the Summary keeps them.
	Packets []int64 `json:"packets"`
}

// Severities, most severe first.
const (
	SeverityHigh   = "high"
	SeverityMedium = "medium"
	SeverityLow    = "low"
	SeverityInfo   = "info"
)

// SeverityRank orders severities: 0 for high up to 3 for info (4 for
// anything else).
func SeverityRank(s string) int {
	switch s {
	case SeverityHigh:
		return 0
	case SeverityMedium:
		return 1
	case SeverityLow:
		return 2
	case SeverityInfo:
		return 3
	}
	return 4
}

// Thresholds of the rules (see the README's "Findings" section).
const (
	// maxFindingsPerRule bounds the findings one rule gives (the most
	// telling first), so that a flood cannot bury the rest.
	maxFindingsPerRule = 10
	// maxEvidence bounds each evidence list.
	maxEvidence = 20
	// arpProxyClaims: a MAC that claims a gateway and more than this many
	// other addresses looks like a router's proxy ARP (medium), not a
	// host impersonating the gateway (high).
	arpProxyClaims = 3
	// arpTopTargetMin: the ARP target asked for most is a gateway when it
	// was asked for at least this often, and strictly more than any other.
	arpTopTargetMin = 3
	// arpStormPeak: a sender of this many gratuitous ARPs within one
	// 10-second window makes a low finding; arpStormFlood a medium one.
	// A host announces itself a few times when its link comes up.
	arpStormPeak  = 20
	arpStormFlood = 100
	// dnsUnansweredMin: the unanswered-query rule needs this many queries.
	dnsUnansweredMin = 20
	// dnsNXMin and dnsNXShare: a client with at least dnsNXMin queries for
	// names answered NXDOMAIN, a quarter or more of its queries.
	dnsNXMin   = 10
	dnsNXShare = 0.25
	// dnsLongLabel is the label length from which a name is suspicious
	// whatever its letters; dnsRandomLabel with at least dnsEntropy bits
	// per character. DNS allows 63.
	dnsLongLabel   = 40
	dnsRandomLabel = 20
	dnsEntropy     = 3.8
	// dnsTunnelNames: this many suspicious names under one domain make a
	// medium finding, fewer a low one.
	dnsTunnelNames = 10
	// dnsUnsolicitedMin: a server with this many responses to no query
	// seen, nine times its answered ones or more, makes a low finding;
	// dnsUnsolicitedFlood of them a medium one.
	dnsUnsolicitedMin   = 20
	dnsUnsolicitedFlood = 1000
	// dnsTXTMin and dnsTXTShare: this many TXT and NULL queries, and this
	// share of all queries, make a dns-txt-volume finding.
	dnsTXTMin   = 100
	dnsTXTShare = 0.25
	// timeGapSeconds: a stretch without IP traffic at least this long
	// (a day) makes a capture-time-gap finding.
	timeGapSeconds = 86400
)

// Findings runs every rule over s and returns the findings, most severe
// first, then by rule and title. The result is never nil.
func Findings(s *Summary) []Finding {
	out := []Finding{}
	out = append(out, arpFindings(&s.ARP)...)
	out = append(out, gratuitousFindings(&s.ARP)...)
	out = append(out, dnsFindings(&s.DNS)...)
	out = append(out, captureFindings(&s.Capture)...)
	out = append(out, timeGapFindings(&s.Timeline)...)
	out = append(out, httpFindings(&s.HTTP)...)
	out = append(out, downloadFindings(&s.HTTP)...)
	out = append(out, ftpDownloadFindings(&s.FTP)...)
	out = append(out, smtpAttachmentFindings(&s.SMTP)...)
	out = append(out, rarePostFindings(&s.HTTP)...)
	out = append(out, errorBurstFindings(&s.HTTP)...)
	out = append(out, unexpectedFindings(&s.Ports)...)
	out = append(out, certFindings(&s.TLS.Certificates)...)
	out = append(out, scanFindings(&s.Conversations)...)
	out = append(out, udpScanFindings(&s.Conversations)...)
	out = append(out, volumeFindings(s)...)
	out = append(out, beaconFindings(s.Beacons)...)
	out = append(out, credFindings(s.Credentials)...)
	for i := range out {
		e := &out[i].Evidence
		for _, l := range []*[]string{&e.Hosts, &e.MACs, &e.Names} {
			if *l == nil {
				*l = []string{}
			}
		}
		if e.Counts == nil {
			e.Counts = []Count{}
		}
		if e.Packets == nil {
			e.Packets = []int64{}
		}
	}
	slices.SortStableFunc(out, func(x, y Finding) int {
		if c := cmp.Compare(SeverityRank(x.Severity), SeverityRank(y.Severity)); c != 0 {
			return c
		}
		if c := strings.Compare(x.Rule, y.Rule); c != 0 {
			return c
		}
		return strings.Compare(x.Title, y.Title)
	})
	return out
}

// gateways guesses which IPv4 addresses of the ARP traffic are first-hop
// gateways: those ending in .1 or .254 (the usual router addresses), and
// the ARP target asked for most, when it was asked for at least
// arpTopTargetMin times and more than any other (every host asks for its
// gateway). The Summary keeps no MAC of IP traffic, so the address most
// used as next hop cannot be told.
func gateways(arp *ARP) map[string]bool {
	gw := map[string]bool{}
	see := func(ip string) {
		a, err := netip.ParseAddr(ip)
		if err != nil || !a.Is4() {
			return
		}
		if b := a.As4(); b[3] == 1 || b[3] == 254 {
			gw[ip] = true
		}
	}
	for _, p := range arp.Pairs {
		see(p.IP)
	}
	for _, r := range arp.Requests {
		see(r.IP)
	}
	if r := arp.Requests; len(r) > 0 && r[0].Count >= arpTopTargetMin && (len(r) == 1 || r[1].Count < r[0].Count) {
		gw[r[0].IP] = true
	}
	return gw
}

// gratuitousFindings finds senders of gratuitous-ARP storms: an address
// announced over and over within seconds, which a bridging loop, a
// misbehaving device or a flooding tool makes, and which updates every
// neighbour's ARP cache each time.
func gratuitousFindings(arp *ARP) []Finding {
	var out []Finding
	for _, g := range arp.Gratuitous {
		if g.Peak10s < arpStormPeak {
			break // sorted by peak
		}
		f := Finding{Rule: "arp-gratuitous-storm", Severity: SeverityLow, Anchor: "arp-gratuitous"}
		if g.Peak10s >= arpStormFlood {
			f.Severity = SeverityMedium
		}
		f.Title = fmt.Sprintf("%s sent %s gratuitous ARP announcements of itself, up to %s within 10 seconds: a bridging loop, a misbehaving device, or a flood overwriting its neighbours' ARP caches.",
			g.IP, show.Thousands(g.Packets), show.Thousands(g.Peak10s))
		f.Evidence.Hosts = []string{g.IP}
		f.Evidence.Counts = []Count{{"gratuitous ARP packets", g.Packets}, {"most in 10 seconds", g.Peak10s}}
		out = append(out, f)
	}
	return capRule(out)
}

func arpFindings(arp *ARP) []Finding {
	gw := gateways(arp)
	claims := map[string]int64{} // "ip mac" -> ARP packets
	for _, p := range arp.Pairs {
		claims[p.IP+" "+p.MAC] = p.Packets
	}
	var out []Finding
	conflicted := map[string]bool{}
	for _, c := range arp.Conflicts {
		conflicted[c.IP] = true
		f := Finding{Rule: "arp-ip-conflict", Severity: SeverityMedium, Anchor: "arp-bindings"}
		role := ""
		if gw[c.IP] {
			f.Severity, role = SeverityHigh, " (a likely gateway)"
		}
		f.Title = fmt.Sprintf("%s%s was claimed by %d MACs in ARP (%s): ARP spoofing, or a failover between them.",
			c.IP, role, len(c.MACs), strings.Join(c.MACs[:min(len(c.MACs), 4)], ", ")+more(len(c.MACs), 4))
		f.Evidence.Hosts = []string{c.IP}
		f.Evidence.MACs = clip(c.MACs)
		for _, m := range f.Evidence.MACs {
			f.Evidence.Counts = append(f.Evidence.Counts, Count{Name: "ARP packets from " + m, Count: claims[c.IP+" "+m]})
		}
		out = append(out, f)
	}
	for _, m := range arp.SharedMACs {
		var gws, others []string
		for _, ip := range m.IPs {
			if gw[ip] && !conflicted[ip] {
				gws = append(gws, ip)
			} else {
				others = append(others, ip)
			}
		}
		if len(gws) == 0 || len(others) == 0 {
			continue
		}
		f := Finding{Rule: "arp-gateway-impersonation", Severity: SeverityHigh, Anchor: "arp-bindings"}
		why := "a host impersonating the gateway (ARP poisoning), or the router's proxy ARP"
		if len(others) > arpProxyClaims {
			f.Severity = SeverityMedium
			why = "the router's proxy ARP, or a host impersonating the gateway (ARP poisoning)"
		}
		f.Title = fmt.Sprintf("MAC %s claimed the likely gateway %s and %d other address%s (%s): %s.",
			m.MAC, strings.Join(gws, ", "), len(others), suffixFor(len(others), "es"), strings.Join(others[:min(len(others), 4)], ", ")+more(len(others), 4), why)
		f.Evidence.Hosts = clip(append(gws, others...))
		f.Evidence.MACs = []string{m.MAC}
		for _, ip := range f.Evidence.Hosts {
			f.Evidence.Counts = append(f.Evidence.Counts, Count{Name: "ARP packets claiming " + ip, Count: claims[ip+" "+m.MAC]})
		}
		out = append(out, f)
	}
	return capRule(out)
}

func dnsFindings(d *DNS) []Finding {
	var out []Finding
	if d.TotalQueries >= dnsUnansweredMin && d.Responses*2 < d.TotalQueries {
		f := Finding{Rule: "dns-unanswered", Severity: SeverityMedium, Anchor: "dns-servers"}
		servers := make([]string, 0, 3)
		for _, s := range d.Servers[:min(len(d.Servers), 3)] {
			servers = append(servers, s.IP)
		}
		to := ""
		if len(servers) > 0 {
			to = " to " + strings.Join(servers, ", ") + more(len(d.Servers), 3)
		}
		got := fmt.Sprintf("Only %d of %d DNS queries (%s) got a response", d.Responses, d.TotalQueries, percent(d.Responses, d.TotalQueries))
		if d.Responses == 0 {
			got = fmt.Sprintf("None of %d DNS queries got a response", d.TotalQueries)
		}
		f.Title = got + ": queries" + to + " went unanswered, or the capture saw one direction only."
		f.Evidence.Hosts = servers
		f.Evidence.Counts = []Count{{"queries", d.TotalQueries}, {"responses", d.Responses}}
		out = append(out, f)
	}
	nx := nxdomainFindings(d)
	out = append(out, nx...)
	out = append(out, nxBurstFindings(d, nx)...)
	out = append(out, labelFindings(d)...)
	out = append(out, unsolicitedFindings(&d.Timing)...)
	out = append(out, txtFindings(d)...)
	return out
}

// txtFindings finds a capture whose DNS queries are mostly for TXT or
// NULL records, the record types DNS tunnels (iodine, dnscat2, many
// malware families) carry their data in.
func txtFindings(d *DNS) []Finding {
	var txt, all int64
	for _, c := range d.Types {
		all += c.Count
		if c.Name == "TXT" || c.Name == "NULL" {
			txt += c.Count
		}
	}
	if txt < dnsTXTMin || float64(txt) < dnsTXTShare*float64(all) {
		return nil
	}
	f := Finding{Rule: "dns-txt-volume", Severity: SeverityMedium, Anchor: "dns-types"}
	f.Title = fmt.Sprintf("%s of %s DNS queries (%s) asked for TXT or NULL records, which DNS tunnels carry data in; mail servers checking SPF and DKIM also ask for TXT.",
		show.Thousands(txt), show.Thousands(all), percent(txt, all))
	f.Evidence.Counts = []Count{{"TXT and NULL queries", txt}, {"queries", all}}
	for _, c := range d.Clients[:min(len(d.Clients), 3)] {
		f.Evidence.Hosts = append(f.Evidence.Hosts, c.IP)
	}
	return []Finding{f}
}

// unsolicitedFindings finds DNS servers whose responses answer no query
// the capture holds: forged answers racing a real server, a reflection
// flood aimed at the capture's hosts, or a capture of one direction only.
func unsolicitedFindings(t *DNSTiming) []Finding {
	var out []Finding
	for _, s := range t.Servers {
		if s.Unsolicited < dnsUnsolicitedMin || s.Unsolicited < 9*s.Answered {
			continue
		}
		f := Finding{Rule: "dns-unsolicited", Severity: SeverityLow, Anchor: "dns-timing"}
		if s.Unsolicited >= dnsUnsolicitedFlood {
			f.Severity = SeverityMedium
		}
		f.Title = fmt.Sprintf("DNS server %s sent %s responses to no query in the capture (and answered %s that were): forged answers, a reflection flood, or a capture that sees one direction only.",
			s.Server, show.Thousands(s.Unsolicited), show.Thousands(s.Answered))
		f.Evidence.Hosts = []string{s.Server}
		f.Evidence.Counts = []Count{{"unsolicited responses", s.Unsolicited}, {"answered queries", s.Answered}}
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(x, y Finding) int {
		return cmp.Compare(countOf(y, "unsolicited responses"), countOf(x, "unsolicited responses"))
	})
	return capRule(out)
}

// countOf is the count named name in f's evidence, or -1.
func countOf(f Finding, name string) int64 {
	for _, c := range f.Evidence.Counts {
		if c.Name == name {
			return c.Count
		}
	}
	return -1
}

// nxdomainFindings finds clients whose queries were mostly for names that
// do not exist. A client's NXDOMAIN queries are its queries (from the
// names' client lists) for names answered NXDOMAIN at least once.
func nxdomainFindings(d *DNS) []Finding {
	nx := map[string]bool{}
	for _, n := range d.NXDomain {
		nx[n.Name] = true
	}
	type client struct {
		queries int64
		nnames  int64
		names   []Count // the first maxEvidence, in the order of d.Queries (most asked first)
	}
	clients := map[string]*client{}
	for _, q := range d.Queries {
		if !nx[q.Name] {
			continue
		}
		for _, c := range q.Clients {
			cl := clients[c.IP]
			if cl == nil {
				cl = &client{}
				clients[c.IP] = cl
			}
			cl.queries += c.Count
			cl.nnames++
			if len(cl.names) < maxEvidence { // bounded however many names a flood brings
				cl.names = append(cl.names, Count{q.Name, c.Count})
			}
		}
	}
	var out []Finding
	bursts := nxBurstIndex(d)
	for _, total := range d.Clients {
		cl := clients[total.IP]
		if cl == nil || cl.queries < dnsNXMin || float64(cl.queries) < dnsNXShare*float64(total.Count) {
			continue
		}
		slices.SortStableFunc(cl.names, func(x, y Count) int { return cmp.Compare(y.Count, x.Count) })
		f := Finding{Rule: "dns-nxdomain", Severity: SeverityMedium, Anchor: "dns-nxdomain"}
		f.Title = fmt.Sprintf("%s sent %d of its %d DNS queries (%s) for %d names that do not exist (NXDOMAIN), such as %s: generated domains (DGA malware), or a misconfigured search suffix.",
			total.IP, cl.queries, total.Count, percent(cl.queries, total.Count), cl.nnames, show.Printable(cl.names[0].Name, 80))
		f.Evidence.Hosts = []string{total.IP}
		for _, n := range cl.names {
			f.Evidence.Names = append(f.Evidence.Names, n.Name)
		}
		f.Evidence.Counts = []Count{{"queries", total.Count}, {"NXDOMAIN-name queries", cl.queries}, {"NXDOMAIN names", cl.nnames}}
		foldNXBurst(&f, bursts[total.IP]) // its peak minute (nxburst_findings.go)
		out = append(out, f)
	}
	return capRule(out)
}

// labelFindings finds query names with labels long or random enough for
// DNS tunnelling or generated domains, grouped by the domain under which
// they were asked (the last two labels).
func labelFindings(d *DNS) []Finding {
	type domain struct {
		names   []string
		longest int
		queries int64
	}
	domains := map[string]*domain{}
	var order []string
	for _, q := range d.Queries {
		if strings.HasSuffix(q.Name, ".arpa") {
			continue // reverse lookups: digits and hex by design
		}
		longest, odd := oddLabels(q.Name)
		if !odd {
			continue
		}
		base := baseDomain(q.Name)
		dm := domains[base]
		if dm == nil {
			dm = &domain{}
			domains[base] = dm
			order = append(order, base)
		}
		dm.names = append(dm.names, q.Name)
		dm.longest = max(dm.longest, longest)
		dm.queries += q.Count
	}
	slices.SortStableFunc(order, func(x, y string) int {
		if c := cmp.Compare(len(domains[y].names), len(domains[x].names)); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	})
	var out []Finding
	for _, base := range order {
		dm := domains[base]
		f := Finding{Rule: "dns-odd-labels", Severity: SeverityLow, Anchor: "dns-queries"}
		if len(dm.names) >= dnsTunnelNames {
			f.Severity = SeverityMedium
		}
		f.Title = fmt.Sprintf("%d query name%s under %s %s long or random-looking labels (longest %d characters), such as %s: DNS tunnelling and generated domains look like this.",
			len(dm.names), suffixFor(len(dm.names), "s"), show.Printable(base, 80), verb(len(dm.names), "has", "have"), dm.longest, show.Printable(dm.names[0], 100))
		f.Evidence.Names = clip(dm.names)
		f.Evidence.Counts = []Count{{"names", int64(len(dm.names))}, {"queries", dm.queries}, {"longest label", int64(dm.longest)}}
		out = append(out, f)
	}
	return capRule(out)
}

// oddLabels returns the length of name's longest label, and whether a
// label is at least dnsLongLabel long, or dnsRandomLabel long with an
// entropy of at least dnsEntropy bits per character.
func oddLabels(name string) (longest int, odd bool) {
	for label := range strings.SplitSeq(name, ".") {
		n := len(label)
		longest = max(longest, n)
		if n >= dnsLongLabel || n >= dnsRandomLabel && entropy(label) >= dnsEntropy {
			odd = true
		}
	}
	return longest, odd
}

// entropy is the Shannon entropy of s's bytes, in bits per byte.
func entropy(s string) float64 {
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	var h float64
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / float64(len(s))
			h -= p * math.Log2(p)
		}
	}
	return h
}

// baseDomain is the last two labels of name (the whole name when it has
// fewer). It does not know public suffixes: under "co.uk" every name
// shares one base.
func baseDomain(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 {
		return name
	}
	if j := strings.LastIndexByte(name[:i], '.'); j >= 0 {
		return name[j+1:]
	}
	return name
}

func captureFindings(c *Capture) []Finding {
	var out []Finding
	q := &c.Quality
	if q.CutShort {
		f := Finding{Rule: "capture-cut-short", Severity: SeverityMedium, Anchor: "warnings",
			Title: fmt.Sprintf("The capture file stops early, after packet %d (cut short or a corrupt record): the report covers only the packets before it.", c.Packets)}
		f.Evidence.Counts = []Count{{"packets read", c.Packets}}
		f.Evidence.Packets = []int64{c.Packets + 1}
		out = append(out, f)
	}
	if q.SnappedPackets > 0 {
		f := Finding{Rule: "capture-snaplen", Severity: SeverityLow, Anchor: "capture"}
		if q.SnappedPackets*10 >= c.Packets {
			f.Severity = SeverityMedium
		}
		f.Title = fmt.Sprintf("%d of %d packets (%s) were stored cut to at most %d bytes (the snap length): content past the cut is not seen, so HTTP, TLS and DNS counts may be short.",
			q.SnappedPackets, c.Packets, percent(q.SnappedPackets, c.Packets), q.SnapLength)
		f.Evidence.Counts = []Count{{"packets cut", q.SnappedPackets}, {"packets", c.Packets}, {"snap length", q.SnapLength}}
		if q.FirstSnapped > 0 {
			f.Evidence.Packets = []int64{q.FirstSnapped}
		}
		out = append(out, f)
	}
	if c.DecodeErrors > 0 {
		f := Finding{Rule: "capture-decode-errors", Severity: SeverityInfo, Anchor: "problems"}
		if c.DecodeErrors*100 >= c.Packets {
			f.Severity = SeverityLow
		}
		reason := ""
		if len(c.DecodeErrorReasons) > 0 {
			reason = ", most often " + show.Printable(c.DecodeErrorReasons[0].Name, 100)
		}
		first := ""
		if len(c.DecodeErrorExamples) > 0 {
			first = fmt.Sprintf(" (first: packet %d)", c.DecodeErrorExamples[0].Packet)
		}
		f.Title = fmt.Sprintf("%d of %d packets (%s) had a layer that failed to decode%s%s: malformed or crafted packets, or a protocol the decoder does not know.",
			c.DecodeErrors, c.Packets, percent(c.DecodeErrors, c.Packets), reason, first)
		for _, r := range c.DecodeErrorReasons[:min(len(c.DecodeErrorReasons), maxEvidence)] {
			f.Evidence.Names = append(f.Evidence.Names, r.Name)
			f.Evidence.Counts = append(f.Evidence.Counts, r)
		}
		for _, e := range c.DecodeErrorExamples[:min(len(c.DecodeErrorExamples), maxEvidence)] {
			f.Evidence.Packets = append(f.Evidence.Packets, e.Packet)
		}
		out = append(out, f)
	}
	if q.OutOfOrder > 0 {
		f := Finding{Rule: "capture-out-of-order", Severity: SeverityLow, Anchor: "capture"}
		first := ""
		if q.FirstOutOfOrder > 0 {
			first = fmt.Sprintf(" (first: packet %d)", q.FirstOutOfOrder)
			f.Evidence.Packets = []int64{q.FirstOutOfOrder}
		}
		f.Title = fmt.Sprintf("%d packet%s %s a timestamp earlier than the packet before%s: a merged or reordered capture, or a clock that stepped back.",
			q.OutOfOrder, suffixFor(int(min(q.OutOfOrder, 2)), "s"), verb(int(min(q.OutOfOrder, 2)), "has", "have"), first)
		f.Evidence.Counts = []Count{{"packets out of order", q.OutOfOrder}}
		out = append(out, f)
	}
	return out
}

// timeGapFindings finds the longest stretch without IP traffic, from the
// time line: in a dense one, the longest run of empty bins; in a sparse
// one, the longest step between listed bins. Its length is measured from
// bin start to bin start, so it is exact to one bin.
func timeGapFindings(tl *Timeline) []Finding {
	var gap float64 // seconds
	var from, to string
	width := tl.BinSeconds // the bins' width; coarser than the interval asked for past MaxBins
	if width <= 0 {
		width = tl.IntervalSeconds
	}
	if !tl.Sparse {
		last := -1 // the last bin with packets
		for i, b := range tl.Bins {
			if b.Packets == 0 {
				continue
			}
			if last >= 0 {
				if g := float64(i-last) * width; g > gap {
					gap, from, to = g, tl.Bins[last].Start, b.Start
				}
			}
			last = i
		}
	} else {
		var prev time.Time
		for _, b := range tl.Bins {
			t, err := ParseTime(b.Start) // years past 9999 too
			if err != nil || b.Packets == 0 {
				continue
			}
			// Seconds, not Sub: a step of 600,000 years (a broken
			// timestamp) overflows a Duration.
			if !prev.IsZero() {
				if g := float64(t.Unix() - prev.Unix()); g > gap {
					gap, from, to = g, prev.Format(time.RFC3339), b.Start
				}
			}
			prev = t
		}
	}
	if gap < timeGapSeconds {
		return nil
	}
	f := Finding{Rule: "capture-time-gap", Severity: SeverityLow, Anchor: "timeline"}
	f.Title = fmt.Sprintf("IP traffic stops for %s, from the %s bin to the %s bin: two captures merged, or a clock set wrong; the time line is mostly empty.",
		spell(gap), from, to)
	f.Evidence.Counts = []Count{{"seconds without IP traffic", int64(min(gap, math.MaxInt64/2))}}
	f.Evidence.Names = []string{from, to}
	return []Finding{f}
}

// spell words a span of seconds in its largest sensible unit: "3 days",
// "4.5 years".
func spell(s float64) string {
	const day, year = 86400, 365.25 * 86400
	if s >= year {
		return strconv.FormatFloat(math.Round(s/year*10)/10, 'f', -1, 64) + " years"
	}
	d := math.Round(s/day*10) / 10
	if d == 1 {
		return "1 day"
	}
	return strconv.FormatFloat(d, 'f', -1, 64) + " days"
}

func httpFindings(h *HTTP) []Finding {
	var hosts []string
	var requests int64
	for _, c := range h.Hosts {
		if hostIsIP(c.Name) {
			hosts = append(hosts, c.Name)
			requests += c.Count
		}
	}
	if len(hosts) == 0 {
		return nil
	}
	byIP := map[string]bool{}
	for _, x := range hosts {
		byIP[x] = true
	}
	clients := map[string]int64{}
	for _, r := range h.Requests {
		if byIP[strings.ToLower(r.Host)] {
			for _, c := range r.Clients {
				clients[c.IP] += c.Count
			}
		}
	}
	f := Finding{Rule: "http-ip-host", Severity: SeverityLow, Anchor: "http-hosts"}
	f.Title = fmt.Sprintf("%d HTTP request%s named a bare IP address as Host, not a name (%s): malware and scanners often do, and so do devices' admin pages.",
		requests, suffixFor(int(min(requests, 2)), "s"), show.Printable(strings.Join(hosts[:min(len(hosts), 4)], ", "), 120)+more(len(hosts), 4))
	f.Evidence.Names = clip(hosts)
	cs := make([]IPCount, 0, len(clients))
	for ip, n := range clients {
		cs = append(cs, IPCount{ip, n})
	}
	sortIPCounts(cs)
	for _, c := range cs[:min(len(cs), maxEvidence)] {
		f.Evidence.Hosts = append(f.Evidence.Hosts, c.IP)
	}
	f.Evidence.Counts = []Count{{"requests", requests}, {"hosts", int64(len(hosts))}}
	return []Finding{f}
}

// unexpectedFindings reports services found by content on the
// well-known port of another (see unexpectedOn for which count).
func unexpectedFindings(p *Ports) []Finding {
	var out []Finding
	for _, u := range p.Unexpected {
		f := Finding{Rule: "port-unexpected-protocol", Severity: SeverityMedium, Anchor: "ports-unexpected"}
		from := ""
		if len(u.Clients) > 0 {
			from = ", from " + strings.Join(u.Clients[:min(len(u.Clients), 3)], ", ") + more(len(u.Clients), 3)
		}
		f.Title = fmt.Sprintf("%s was spoken to %s on %s port %d, the port of %s, in %d flow%s%s: a service hidden on another's port, or a tunnel.",
			u.Seen, u.Server, strings.ToUpper(u.Proto), u.Port, show.Printable(u.Service, 30), u.Flows, suffixFor(int(min(u.Flows, 2)), "s"), from)
		f.Evidence.Hosts = clip(append([]string{u.Server}, u.Clients...))
		f.Evidence.Names = []string{u.Seen, u.Service}
		f.Evidence.Counts = []Count{{"flows", u.Flows}, {"port", int64(u.Port)}}
		out = append(out, f)
	}
	return capRule(out)
}

// hostIsIP reports whether an HTTP Host value is an IP address, with or
// without a port ("10.0.0.1", "10.0.0.1:8080", "[::1]:80").
func hostIsIP(host string) bool {
	if host == "" {
		return false
	}
	if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i > 0 {
			host = host[1:i]
		}
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.Count(host, ":") == 1 {
		if _, err := strconv.ParseUint(host[i+1:], 10, 16); err == nil {
			host = host[:i]
		}
	}
	_, err := netip.ParseAddr(host)
	return err == nil
}

// capRule keeps the first maxFindingsPerRule findings of one rule.
func capRule(fs []Finding) []Finding {
	return fs[:min(len(fs), maxFindingsPerRule)]
}

// clip copies at most maxEvidence strings.
func clip(xs []string) []string {
	return slices.Clone(xs[:min(len(xs), maxEvidence)])
}

// percent words part/whole as a percentage: "79%", "0.4%", "0%".
func percent(part, whole int64) string {
	if whole <= 0 {
		return "0%"
	}
	p := 100 * float64(part) / float64(whole)
	if p > 0 && p < 1 || p > 99 && part < whole {
		return strconv.FormatFloat(math.Floor(p*10)/10, 'f', 1, 64) + "%" // never "0%" or "100%" when not
	}
	return strconv.FormatFloat(math.Round(p), 'f', 0, 64) + "%"
}

// suffixFor is suffix unless n is 1 ("address" + suffixFor(n, "es")).
func suffixFor(n int, suffix string) string {
	if n == 1 {
		return ""
	}
	return suffix
}

func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// more is ", +N more" when n exceeds shown.
func more(n, shown int) string {
	if n > shown {
		return fmt.Sprintf(", +%d more", n-shown)
	}
	return ""
}
