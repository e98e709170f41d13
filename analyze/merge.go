package analyze

import (
	"fmt"
	"net/netip"
)

// Overview merges the Summaries of several captures into one: the incident
// overview of a batch. It keeps merged aggregates only (maps keyed by
// address, name, port and time bin), never the Summaries themselves, so a
// batch can add each Summary as soon as its capture is done and drop it.
//
// Adding is commutative and associative: the same Summaries give the same
// overview in any order, so parallel workers may finish in any order. The
// zero value is ready to use and takes its interval from the first Summary
// added. An Overview is not safe for concurrent use.
//
// What is exact and what is not: every count that a Summary lists in full
// merges exactly (packets, bytes, addresses, DNS names, ports, protocols,
// ICMP, ARP, IP conversations, the timeline's bins), so the overview of
// captures equals the analysis of their concatenation there. Lists that a
// Summary cuts short merge what they kept: the transport conversations
// (MaxTransportConversations per capture), the clients of a DNS name, the
// DNS answers, the names of an address (the MaxNamesPerIP first in sorted
// order are kept, of the maxKeys first addresses, within maxNameBytes:
// see passiveNames.merge), the timeline's per-application series (only the
// applications a capture charted) and the decode-error examples (the
// first few by packet number; packet numbers are per capture, so each
// example names its capture). The heavy-hitter lists (sources,
// destinations, conversations, DNS query names) keep at most as many keys
// as one capture's and the DNS maps one capture's bounds, so that memory
// does not grow with the captures merged; see keycap_merge.go for the cut
// and its error bounds. So do the learnt names, the ARP bindings and
// gratuitous senders, the clients of a name, request, server name or
// fingerprint (mergedQuery), the services on unexpected ports and the
// beacons: these keep the first in address (or the best) order, which
// does not depend on the order of adding, with the counts of all the
// Summaries; what they leave out is flagged (NamesTruncated) or counted in
// a warning (ARP, unexpected ports). The DNS timing's servers and the
// NXDOMAIN burst clients, ranked by sums, hold at most twice one
// capture's bound and are cut back to it by rank, exact up to it; the
// scanners follow one capture's scanSources sources, cut back to half by
// rank.
//
// Each part of a Summary is merged next to the code that builds it for one
// capture, by a merger with an add and a result, or by that code's own
// aggregate where it can hold an overview:
//
//	Capture                captureMerger       capture_merge.go
//	Sources, Destinations  endpointMerger      hitters_merge.go
//	Estimates              estimateMerger      hitters_merge.go
//	DNS                    dnsMerger           dns_merge.go
//	HTTP, TLS              webMerger           web_merge.go
//	TLS.JA4, JA3           fpMerger            tlsfp_merge.go
//	TLS.Certificates       certMerger          certs_merge.go
//	Timeline               timeline.merge      timeline.go
//	Conversations          convMerger          conv_merge.go
//	Ports                  portsMerger         conv.go, unexpected.go
//	Protocols              protocolMerger      aggregate.go
//	ICMP                   mergeICMP           icmparp.go
//	ARP                    arpCounter.merge    icmparp.go
//	Names, NamesTruncated  passiveNames.merge  names.go
//	Hosts                  hostCollector       hosts.go (rebuilt from the merged lists)
//	Beacons                beaconMerger        beacon_merge.go
//	Credentials            credMerger          creds.go
//
// Findings are computed from the merged rest; Format is WriteJSON's.
// A new Summary field is merged by its part's merger, and set in everyField
// (merge_fields_test.go): the tests there fail until both are done.
type Overview struct {
	ready     bool // the mergers are made
	capture   captureMerger
	estimates estimateMerger
	src, dst  endpointMerger
	dns       dnsMerger
	web       webMerger
	certs     certMerger
	timeline  timeline // no interval until a Summary with one is added
	conv      convMerger
	ports     portsMerger
	protocols protocolMerger
	icmp      map[icmpKey]int64
	arp       arpCounter
	names     passiveNames
	fp        fpMerger
	httpObjs  httpObjMerger
	hosts     hostCollector
	beacons   beaconMerger
	creds     credMerger
	ftpObjs   ftpObjMerger
	smtpObjs  smtpObjMerger
	// keys bounds the heavy-hitter lists, and caps says what was cut
	// from them (keycap_merge.go).
	keys int
	caps [numCaps]keyCap
}

// NewOverview returns an empty Overview for Summaries made with opts.
func NewOverview(opts Options) *Overview {
	iv := opts.Interval
	if iv <= 0 {
		iv = DefaultInterval
	}
	o := &Overview{}
	o.init()
	o.timeline = newTimeline(int64(iv))
	o.keys = max(opts.Keys, DefaultKeys)
	return o
}

func (o *Overview) init() {
	*o = Overview{
		ready:     true,
		capture:   newCaptureMerger(),
		estimates: estimateMerger{},
		src:       endpointMerger{}, dst: endpointMerger{},
		dns:       newDNSMerger(),
		web:       newWebMerger(),
		certs:     newCertMerger(),
		timeline:  newTimeline(0),
		conv:      newConvMerger(),
		ports:     portsMerger{unexpected: unexpectedMerger{}},
		protocols: newProtocolMerger(),
		icmp:      map[icmpKey]int64{},
		arp:       newARPCounter(),
		names:     newPassiveNames(),
		fp:        newFPMerger(),
		httpObjs:  newHTTPObjMerger(),
		hosts:     newHostCollector(),
		beacons:   beaconMerger{},
		ftpObjs:   newFTPObjMerger(),
		smtpObjs:  newSMTPObjMerger(),
		keys:      DefaultKeys,
	}
}

// Merge adds src to dst: dst becomes the overview of the captures of both,
// by the rules of Overview.Add. A zero dst is an empty overview. On error
// dst is unchanged. Merging a batch one Summary at a time re-sorts dst each
// time; an Overview sorts once, at the end.
func Merge(dst, src *Summary) error {
	var o Overview
	if err := o.Add(dst); err != nil {
		return err
	}
	if err := o.Add(src); err != nil {
		return err
	}
	*dst = *o.Summary()
	return nil
}

// Add merges s into the overview:
//   - counts add up, and so does Capture.Size;
//   - lists are merged by their key (address, name, port, address pair,
//     time bin...); timeline bins need s to have the overview's interval;
//   - First is the earliest, Last the latest;
//   - LinkTypes and Format become sorted unions ("pcap, pcapng"), since
//     merged captures have no single order of first appearance;
//     Compression, a fact of each file, is left empty;
//   - the warnings and decode-error examples of a single capture (one that
//     is not an overview) are tagged with its path.
//
// s may itself be an overview ("N captures"). Add fails on a Summary it
// cannot read (a bad address or time, a different interval), which can
// only come from a damaged JSON file; the overview is then partly updated
// and should be dropped: check such a Summary on a fresh Overview first.
func (o *Overview) Add(s *Summary) error {
	c := &s.Capture
	if c.Captures < 0 || c.Captures == 0 && (c.Path != "" || c.Packets != 0) {
		return fmt.Errorf("%s: says it covers %d captures", c.Path, c.Captures)
	}
	iv, err := summaryInterval(&s.Timeline)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Path, err)
	}
	if !o.ready {
		o.init()
	}
	if err := o.timeline.mergeInterval(iv); err != nil {
		return fmt.Errorf("%s: %w", c.Path, err)
	}
	if err := o.capture.add(c); err != nil {
		return err
	}
	fail := func(what string, err error) error { return fmt.Errorf("%s: %s: %w", c.Path, what, err) }
	est := byList(s.Estimates)
	if err := o.src.add(s.Sources, est[ListSources], o.caps[capSources].start()); err != nil {
		return fail("sources", err)
	}
	if err := o.dst.add(s.Destinations, est[ListDestinations], o.caps[capDestinations].start()); err != nil {
		return fail("destinations", err)
	}
	if err := o.dns.add(&s.DNS, est[ListDNSQueries], o.caps[capDNSQueries].start()); err != nil {
		return fail("dns", err)
	}
	if err := o.web.add(&s.HTTP, &s.TLS); err != nil {
		return fail("http/tls", err)
	}
	o.certs.add(&s.TLS.Certificates)
	o.httpObjs.add(&s.HTTP)
	if err := o.timeline.merge(&s.Timeline); err != nil {
		return fail("timeline", err)
	}
	if err := o.conv.add(&s.Conversations, FracDigits(c.First), est[ListIPConversations], est[ListTransportConversations],
		o.caps[capIPConversations].start(), o.caps[capTransportConversations].start()); err != nil {
		return fail("conversations", err)
	}
	o.ports.add(&s.Ports)
	o.estimates.add(s.Estimates)
	o.protocols.add(&s.Protocols)
	if err := mergeICMP(o.icmp, s.ICMP); err != nil {
		return fail("icmp", err)
	}
	if err := o.arp.merge(&s.ARP); err != nil {
		return fail("arp", err)
	}
	if err := o.names.merge(s.Names, s.NamesTruncated); err != nil {
		return fail("names", err)
	}
	if err := o.fp.add(&s.TLS); err != nil {
		return fail("tls fingerprints", err)
	}
	if err := o.hosts.merge(&s.Hosts); err != nil {
		return fail("hosts", err)
	}
	o.beacons.add(s.Beacons)
	o.creds.add(s.Credentials)
	o.ftpObjs.add(&s.FTP)
	o.smtpObjs.add(&s.SMTP)
	o.trim()
	return nil
}

// Summary returns the overview as a Summary, sorted as analyze sorts one
// capture's: Path is "N captures" and SHA256 is empty. The timeline lists
// every bin from the first to the last non-empty one, or only the non-empty
// ones when that would be more than MaxBins, as for one capture.
func (o *Overview) Summary() *Summary {
	if !o.ready {
		o.init()
	}
	if o.timeline.interval == 0 {
		o.timeline = newTimeline(int64(DefaultInterval))
	}
	e := o.estimates
	s := &Summary{Capture: o.capture.result()}
	s.Capture.Warnings = append(s.Capture.Warnings, o.overviewWarnings()...)
	s.Sources = o.src.result(e[ListSources])
	s.Destinations = o.dst.result(e[ListDestinations])
	s.DNS = o.dns.result(e[ListDNSQueries])
	s.Timeline = o.timeline.summary()
	s.Conversations = o.conv.result(e[ListIPConversations], e[ListTransportConversations])
	s.Ports = o.ports.result()
	s.Estimates = o.estimatesResult()
	s.Protocols = o.protocols.result()
	s.HTTP, s.TLS = o.web.result()
	s.TLS.JA4, s.TLS.JA3, s.TLS.FingerprintsTruncated = o.fp.result()
	s.TLS.Certificates = o.certs.result()
	o.httpObjs.result(&s.HTTP)
	s.ICMP = icmpSummary(o.icmp)
	s.ARP = o.arp.summary()
	s.Names, s.NamesTruncated = o.names.summary(), o.names.full
	// From the merged lists above, which the overview made well formed.
	s.Hosts, _ = o.hosts.summary(s)
	s.Beacons = o.beacons.result()
	s.Credentials = o.creds.result()
	o.ftpObjs.result(&s.FTP)
	o.smtpObjs.result(&s.SMTP)
	s.Findings = Findings(s)
	return s
}

// addCounts adds a Summary's counts by name to m.
func addCounts(m map[string]int64, cs []Count) {
	for _, c := range cs {
		m[c.Name] += c.Count
	}
}

// addIPCounts adds a Summary's counts by address to m, which keeps at
// most maxKeys addresses, as one capture's maps do (countCapped): the
// counts of addresses past that are returned, not listed.
func addIPCounts(m map[netip.Addr]int64, cs []IPCount) (untracked int64, err error) {
	for _, c := range cs {
		ip, err := netip.ParseAddr(c.IP)
		if err != nil {
			return untracked, err
		}
		if _, ok := m[ip]; ok || len(m) < maxKeys {
			m[ip] += c.Count
		} else {
			untracked += c.Count
		}
	}
	return untracked, nil
}
