package analyze

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/pcapreport/pcapreport/internal/show"
)

// maxErrorExamples is how many decode errors are kept with their packet numbers.
const maxErrorExamples = 20

// analyzer accumulates one capture. Maps stay in here; summary() turns
// them into sorted slices.
type analyzer struct {
	interval int64  // bin width in nanoseconds
	tick     func() // Hooks.Tick, or nil

	links    map[layers.LinkType]*linkDecoder
	lastLT   layers.LinkType
	lastLink *linkDecoder
	linkSeen []layers.LinkType // in order of first appearance

	packets, ipPackets, otherPackets, undecodable int64
	ipBytes                                       int64
	untimed                                       int64     // packets without a timestamp
	first, last                                   time.Time // zero until a timed packet is seen
	digits                                        int

	// Per-packet state: whether the current packet is classified yet and
	// whether it already counts as a decode error.
	classified, hadError bool
	packetNo             int64

	decodeErrors  int64
	errorReasons  map[string]int64
	errorExamples []PacketError

	// src and dst count IP packets (the weight) and bytes (the value) by
	// address.
	src, dst hitters[netip.Addr, int64]
	maxLen   int64 // the longest IP packet, to bound byte errors

	dns       dnsCounter
	timeline  timeline
	span      spanHist
	conv      conversations
	unbatched bool // Options.unbatched
	// settled has a bit (1 sources, 2 destinations, 4 IP pairs) for each
	// list that has filled up and made every flow flush (settle).
	settled uint8
	arp     arpCounter
	quality qualityCounter
	icmp    map[icmpKey]int64
	names   passiveNames
	web     web
	certs   certs
	objs    httpObjs
	ftp     ftpObjs // FTP transfers (ftpobj.go)

	smtp smtpObjs // SMTP attachments (smtpobj.go)

	// Protocol counts by layer. Link counts are kept per link decoder.
	ipv4, ipv6 protoCount
	network    map[string]*protoCount // non-IP frames, by what they carried
	transport  [256]protoCount        // by IP protocol number
	apps       [numApps]protoCount

	stopErr    error
	stopOffset int64

	// hosts is what the analysis learns of addresses (hosts.go).
	hosts   hostCollector
	beacons beacons // connection starts per client and destination (beacon.go)
	creds   *creds  // cleartext credentials (creds.go)
}

// protoCount is packets and bytes of one protocol.
type protoCount struct{ packets, bytes int64 }

func (p *protoCount) add(n int64) {
	p.packets++
	p.bytes += n
}

func newAnalyzer(opts Options) *analyzer {
	iv := opts.Interval
	if iv <= 0 {
		iv = DefaultInterval
	}
	keys := opts.Keys
	if keys <= 0 {
		keys = DefaultKeys
	}
	hintBits := flowHintBits(keys)
	if opts.flowHintBits != 0 {
		hintBits = uint8(max(opts.flowHintBits, 0))
	}
	a := &analyzer{
		interval:     int64(iv),
		tick:         opts.Hooks.Tick,
		links:        map[layers.LinkType]*linkDecoder{},
		errorReasons: map[string]int64{},
		unbatched:    opts.unbatched,
		src:          newHitters[netip.Addr, int64](keys),
		dst:          newHitters[netip.Addr, int64](keys),
		dns:          newDNSCounter(keys),
		timeline:     newTimeline(int64(iv)),
		span:         newSpanHist(),
		conv:         newConversations(keys, hintBits),
		arp:          newARPCounter(),
		icmp:         map[icmpKey]int64{},
		names:        newPassiveNames(),
		network:      map[string]*protoCount{},
		hosts:        newHostCollector(),
		beacons:      newBeacons(),
	}
	a.dns.learn = a.names.add
	a.web = newWeb(&a.names)
	a.certs = newCerts()
	a.objs = newHTTPObjs(opts.Objects)
	a.ftp = newFTPObjs(opts.Objects)
	a.ftp.hasher = &a.objs.hasher
	a.smtp = newSMTPObjs(opts.Objects)
	a.smtp.hasher = &a.objs.hasher
	a.creds = newCreds(opts.ShowSecrets)
	a.web.creds = a.creds
	a.dns.names.onEvict = func(_ *string, c *clientCount) {
		c.reset()
		a.dns.spare = c.few
	}
	a.conv.flows.onEvict = func(k *flowKey, c *flowCount) {
		// A flow that loses its place counts what it has not yet passed
		// on, and gives back its stream buffers.
		a.flush(k, c, c.first, c.last)
		a.conv.done(k, c)
		a.beacons.flow(k, c)
		for i := range c.dir {
			if c.dir[i].buf != nil {
				a.web.release(&c.dir[i])
			}
		}
		a.certs.drop(c)
		if c.http != nil {
			a.objs.close(c.http, c.last)
		}
		if c.ftp != nil {
			a.ftp.close(c.ftp)
		}
		if len(a.smtp.sessions) > 0 {
			a.smtp.evict(k)
		}
	}
	return a
}

// packet analyses one packet. data is only valid during the call.
func (a *analyzer) packet(data []byte, ci *gopacket.CaptureInfo, lt layers.LinkType, offset int64) {
	a.classified, a.hadError = false, false
	a.packetNo = a.packets
	ts := ci.Timestamp
	timed := !ts.IsZero() // pcapng Simple Packet Blocks carry no timestamp
	if timed {
		if a.first.IsZero() || ts.Before(a.first) {
			a.first = ts
		}
		if a.last.IsZero() || ts.After(a.last) {
			a.last = ts
		}
		a.span.add(ts, a.packetNo)
	} else {
		a.untimed++
	}
	a.quality.packet(ci, a.packets, timed)

	ld := a.lastLink
	if ld == nil || lt != a.lastLT {
		ld = a.links[lt]
		if ld == nil {
			ld = newLinkDecoder(lt)
			a.links[lt] = ld
			a.linkSeen = append(a.linkSeen, lt)
		}
		a.lastLT, a.lastLink = lt, ld
	}

	ld.frames.add(int64(ci.Length))

	ip, version, ok := ld.fast(data)
	if !ok {
		lr := ld.decode(data)
		switch {
		case lr.err != nil:
			a.classify(&a.undecodable)
			if lr.err == errUnsupportedLink {
				a.decodeError(offset, lr.errLayer, "")
			} else {
				a.decodeError(offset, lr.errLayer, lr.err.Error())
			}
			return
		case lr.ip == nil:
			a.classify(&a.otherPackets)
			p := a.network[lr.other]
			if p == nil {
				p = &protoCount{}
				a.network[lr.other] = p
			}
			p.add(int64(ci.Length))
			if lr.arp && !a.arp.packet(lr.payload, ts) {
				a.decodeError(offset, "ARP: not an Ethernet/IPv4 ARP message", "")
			}
			return
		}
		ip, version = lr.ip, lr.version
	}

	// The IP packet's bytes on the wire: the frame's original length less
	// the link header (the bytes before ip).
	h, ok, reason := parseIP(ip, version, max(ci.Length, len(data))-(len(data)-len(ip)))
	if !ok {
		a.classify(&a.undecodable)
		a.decodeError(offset, reason, "")
		return
	}
	a.classify(&a.ipPackets)
	if h.claimed > 0 {
		a.overWire(offset, &h)
	}
	n := h.length
	a.ipBytes += n
	if h.src.Is4() {
		a.ipv4.add(n)
	} else {
		a.ipv6.add(n)
	}
	a.transport[h.proto].add(n)
	a.maxLen = max(a.maxLen, n)
	var kind app
	if reason == "" && h.payload != nil && !h.fragment && (h.proto == protoTCP || h.proto == protoUDP) {
		kind = a.flowPacket(&h, data, offset, ts)
	} else {
		a.countAddrs(&h, data, ts)
		kind = a.upper(&h, reason, offset)
	}
	if timed {
		a.timeline.add(ts, n, kind)
	}
}

// flowPacket counts a TCP or UDP packet in its flow (found through the
// hint table or the map, at once when it is the last packet's flow; see
// flowSlot), which passes it on to its addresses, address pair and ports
// in batches (flush).
//
// A TCP or UDP packet is counted in its flow, one slot that a burst of the
// flow's packets keeps in cache, and its addresses, pair and ports learn of
// it in batches: the flow's first packet each way at once (so that every
// address and pair takes its slot at its first packet, in the same order
// as without batches), then the rest when the flow loses its slot, when a
// list fills up (settle) and at the end (flushFlows): the only times the
// address and pair counts are read or compete for slots. Counting each
// packet in all four places took a quarter of the decoding pass, for the
// cache misses to reach them. (Flows also passed their packets on every
// 32 packets, which nothing read in between: without it the JSON is
// byte-identical and the pass about 3% faster on the uniform mix, the
// median of 10 alternating pairs.)
//
// Batches change no exact count. A heavy-hitter summary, though, would
// see a key with packets still in its flows as lighter than it is, and
// might evict it for a lighter one. So once the source, destination or
// pair list is full (settle), every packet is passed on at once, and the
// summaries see the packets one by one, in order, as if never batched.
func (a *analyzer) flowPacket(h *ipHeader, frame []byte, offset int64, ts time.Time) app {
	n := h.length
	sport, dport, payload, reason := transport(h.proto, h.payload)
	if reason != "" {
		a.countAddrs(h, frame, ts)
		a.decodeError(offset, reason, "")
		return appNone
	}
	fs, fwd := a.conv.flowSlot(h.proto, h.src, h.dst, sport, dport)
	a.connStart(h, fs, dport, ts)
	kind, dir := a.conv.addTransport(fs, fwd, h.proto, sport, dport, n, ts, payload)
	f := a.conv.flows.at(fs)
	c := &f.val
	d := 0
	if !fwd {
		d = 1
	}
	if h.proto == protoTCP {
		// The flags of the TCP header in hand: one load and an or.
		b := tcpSeen[h.payload[13]&tcpSeenMask]
		if len(payload) > 0 {
			b |= seenData
		}
		c.seen[d] |= b
	}
	first := c.packetsAB == 1 && fwd || c.packetsBA == 1 && !fwd
	if first && c.packetsAB+c.packetsBA == 1 {
		c.seen[d] |= seenFirst
	}
	// Every packet once a list is full, with its own time for the pair;
	// else the first packet each way.
	if a.settled != 0 {
		a.flush(&f.key, c, ts, ts)
	} else if first || a.unbatched {
		a.flush(&f.key, c, c.first, c.last)
	}
	if first {
		other := c.packetsAB
		if fwd {
			other = c.packetsBA
		}
		a.hostFlow(h, frame, sport, other)
	}
	if h.proto == protoTCP && (c.http != nil || len(payload) > 0 && !c.httpNo) {
		a.objs.segment(c, fwd, h.payload, payload, ts, h.src, h.dst, sport, dport)
	}
	if h.proto == protoTCP && (c.ftp != nil || c.packetsAB+c.packetsBA == 1 && a.ftp.wants(sport, dport)) {
		a.ftp.segment(c, fwd, c.packetsAB+c.packetsBA == 1, h.payload, payload, ts, h.src, h.dst, sport, dport)
	}
	if h.proto == protoTCP && (smtpPort(sport) || smtpPort(dport)) {
		a.smtp.segment(&f.key, c.packetsAB+c.packetsBA == 1, fwd, h.payload, payload, ts, h.src, h.dst, sport, dport)
	}
	if h.proto == protoTCP && len(payload) > 0 {
		a.creds.at(ts, a.packetNo, a.digits, dport)
		if credProtocol(dport) != "" {
			a.creds.segment(h.src, h.dst, sport, dport, payload)
		} else if sport == 23 {
			a.creds.telnetServer(h.dst, h.src, dport, payload)
		}
	}
	helloed := dir.helloed
	kind = a.application(h, kind, dir, sport, dport, payload, offset, ts)
	// Certificates: a handshake record, a server flight being read, or a
	// ClientHello just read (whose server name the flow keeps).
	if h.proto == protoTCP && len(payload) > 0 &&
		(payload[0] == tlsContentHandshake || dir.helloed != helloed || c.tls != nil && c.tls.buf != nil) {
		a.certs.segment(c, fwd, dir.helloed != helloed, &a.web, tcpSeq(h.payload), payload, h.src, sport, ts)
	}
	return kind
}

// flush passes on to the flow's addresses, IP pair and ports the packets
// and bytes it counted since it last did. first and last are the times of
// those packets for the pair: the flow's own first and last serve while
// the pair list is exact (the pair's times are the earliest and latest of
// its flows'); once it is full, packets are passed on one at a time with
// their own time, so that a pair that takes a slot starts from its first
// packet counted, as its counts do.
func (a *analyzer) flush(k *flowKey, c *flowCount, first, last time.Time) {
	a.settle()
	cc, fl := &c.convCount, &c.flushed
	pAB, bAB := cc.packetsAB-fl.packetsAB, cc.bytesAB-fl.bytesAB
	pBA, bBA := cc.packetsBA-fl.packetsBA, cc.bytesBA-fl.bytesBA
	if pAB+pBA == 0 {
		return
	}
	fresh := fl.packetsAB+fl.packetsBA == 0
	*fl = cc.counts
	a.conv.addPorts(k, c.seen, fresh, pAB, bAB, pBA, bBA)
	ca := &c.cache
	if pAB > 0 {
		addEndpoint(&a.src, a.src.cachedSlot(&ca.src[0], k.a), pAB, bAB)
		addEndpoint(&a.dst, a.dst.cachedSlot(&ca.dst[0], k.b), pAB, bAB)
	}
	if pBA > 0 {
		addEndpoint(&a.src, a.src.cachedSlot(&ca.src[1], k.b), pBA, bBA)
		addEndpoint(&a.dst, a.dst.cachedSlot(&ca.dst[1], k.a), pBA, bBA)
	}
	// The flow's ends are in the pair's order (the lower address first),
	// and a pair of an address with itself counts every packet from A to B,
	// as orderedPair does.
	ps := a.conv.pairs.cachedSlot(&ca.pair, pairKey{k.a, k.b})
	p := &a.conv.pairs.at(ps).val
	if k.a == k.b {
		p.packetsAB += pAB + pBA
		p.bytesAB += bAB + bBA
	} else {
		p.packetsAB += pAB
		p.bytesAB += bAB
		p.packetsBA += pBA
		p.bytesBA += bBA
	}
	p.widen(first, last)
	a.conv.pairs.addN(ps, pAB+pBA)
}

// settle flushes every flow when the source, destination or IP pair list
// has just become full, once for each, before the list's first eviction:
// from then on flowPacket passes every packet on at once, so the lists
// see the same updates, in the same order, as with no batching at all.
func (a *analyzer) settle() {
	var full uint8
	if a.src.len() >= a.src.capacity {
		full |= 1
	}
	if a.dst.len() >= a.dst.capacity {
		full |= 2
	}
	if a.conv.pairs.len() >= a.conv.pairs.capacity {
		full |= 4
	}
	if full&^a.settled != 0 {
		a.settled |= full
		a.flushFlows()
	}
}

// flushFlows flushes every flow: at the end of the pass, and when a list
// fills up (settle).
func (a *analyzer) flushFlows() {
	for _, e := range a.conv.flows.all() {
		a.flush(&e.key, &e.val, e.val.first, e.val.last)
	}
}

// countAddrs counts an IP packet for its source, destination and address
// pair by lookup: the way of packets that are not whole TCP or UDP ones.
func (a *analyzer) countAddrs(h *ipHeader, frame []byte, ts time.Time) {
	a.settle()
	a.hostPacket(h, frame)
	n := h.length
	addEndpoint(&a.src, a.src.slot(h.src), 1, n)
	addEndpoint(&a.dst, a.dst.slot(h.dst), 1, n)
	k, ab := orderedPair(h.src, h.dst)
	a.conv.addIP(a.conv.pairs.slot(k), ab, n, ts)
}

// upper analyses what an IP packet other than a whole TCP or UDP one
// carries (ICMP), and records the decode error of a broken IP header.
func (a *analyzer) upper(h *ipHeader, ipReason string, offset int64) app {
	if ipReason != "" {
		a.decodeError(offset, ipReason, "")
		return appNone
	}
	if h.payload == nil || h.fragment {
		return appNone
	}
	if h.proto == protoICMP || h.proto == protoICMPv6 {
		if len(h.payload) >= 2 {
			v := uint8(4)
			if h.proto == protoICMPv6 {
				v = 6
			}
			a.icmp[icmpKey{v, h.payload[0], h.payload[1]}]++
			a.conv.icmpAnswer(v, h.payload)
		}
	}
	// TCP and UDP, when their IP header is whole, go to flowPacket.
	return appNone
}

// application analyses the content of a TCP or UDP packet: HTTP and TLS
// messages, DNS.
func (a *analyzer) application(h *ipHeader, kind app, dir *dirState, sport, dport uint16, payload []byte, offset int64, ts time.Time) app {
	a.apps[kind].add(h.length)
	if h.proto == protoTCP && len(payload) > 0 {
		a.web.segment(dir, tcpSeq(h.payload), payload, h.src, h.dst)
	} else if h.proto == protoUDP && quicCandidate(payload) {
		a.web.quicDatagram(payload, h.src, h.dst, sport, dport)
	}
	var dk dnsKind
	switch {
	case sport == 53 || dport == 53:
		dk = kindDNS
	case h.proto == protoUDP && (sport == 5353 || dport == 5353):
		dk = kindMDNS
	case h.proto == protoUDP && (sport == 5355 || dport == 5355):
		dk = kindLLMNR
	case h.proto == protoUDP && (sport == 67 || sport == 68) && (dport == 67 || dport == 68):
		a.dhcpName(payload) // the host name of DHCP (hosts_dhcp.go)
		return kind
	case h.proto == protoUDP && (sport == 137 || dport == 137):
		a.nbnsName(payload) // NetBIOS names (hosts_nbns.go)
		return kind
	default:
		return kind
	}
	a.dns.now, a.dns.sport, a.dns.dport = ts, sport, dport
	if detail := a.dns.message(dk, h.proto, payload, h.src, h.dst); detail != "" {
		a.decodeError(offset, "DNS: malformed message", detail)
	}
	return kind
}

func (a *analyzer) classify(counter *int64) {
	*counter++
	a.classified = true
}

// maxKeys bounds the per-key maps that are not heavy-hitter summaries
// (DNS clients and servers, ARP pairs, learnt names): a capture of a flood
// from millions of spoofed sources must not exhaust memory. Past it, new
// keys are counted in the totals and in a warning but not listed; keys
// already listed keep exact counts.
const maxKeys = 100_000

// addEndpoint counts packets and bytes for the address in slot s.
func addEndpoint(h *hitters[netip.Addr, int64], s int32, packets, bytes int64) {
	h.at(s).val += bytes
	h.addN(s, packets)
}

// decodeError records that the current packet failed to decode for reason.
// A packet counts once however many of its layers fail; only its first
// reason is kept.
func (a *analyzer) decodeError(offset int64, reason, detail string) {
	if !a.classified {
		a.classify(&a.undecodable)
	}
	if a.hadError {
		return
	}
	a.hadError = true
	a.decodeErrors++
	a.errorReasons[reason]++
	if len(a.errorExamples) < maxErrorExamples {
		a.errorExamples = append(a.errorExamples, PacketError{
			Packet: a.packetNo, Offset: offset, Reason: reason, Detail: show.Printable(detail, 200),
		})
	}
}

// overWire records an IP header that claims more bytes than the wire
// carried as a decode error, with both lengths in the examples.
func (a *analyzer) overWire(offset int64, h *ipHeader) {
	detail := ""
	if !a.hadError && len(a.errorExamples) < maxErrorExamples {
		detail = fmt.Sprintf("the header claims %d bytes, the frame carried %d", h.claimed, h.length)
	}
	a.decodeError(offset, reasonIPOverWire, detail)
}

// summary builds the sorted, JSON-ready Summary.
func (a *analyzer) summary() *Summary {
	a.flushFlows()
	for _, e := range a.conv.flows.all() {
		a.beacons.flow(&e.key, &e.val)
	}
	s := &Summary{}
	c := &s.Capture
	c.Captures = 1
	c.LinkTypes = []string{}
	for _, lt := range a.linkSeen {
		c.LinkTypes = append(c.LinkTypes, linkTypeName(lt))
	}
	c.Packets = a.packets
	c.IPPackets = a.ipPackets
	c.OtherPackets = a.otherPackets
	c.UndecodablePackets = a.undecodable
	c.IPBytes = a.ipBytes
	if !a.first.IsZero() {
		c.First = formatTime(a.first, a.digits)
		c.Last = formatTime(a.last, a.digits)
		c.DurationSeconds = seconds(a.first, a.last)
	}
	c.Bulk = a.bulk()
	c.DecodeErrors = a.decodeErrors
	c.DecodeErrorReasons = sortedCounts(a.errorReasons)
	c.DecodeErrorExamples = append([]PacketError{}, a.errorExamples...)
	other := make(map[string]int64, len(a.network))
	for name, p := range a.network {
		other[name] = p.packets
	}
	c.OtherProtocols = sortedCounts(other)
	c.Quality = a.quality.Quality
	c.Warnings = []string{}
	if n := a.dns.untracked; n > 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("more than %d distinct DNS clients, servers or names of one kind (or 16 MiB of NXDOMAIN, mDNS and LLMNR names): %d of them are counted in the totals but not listed", maxKeys, n))
	}
	if a.untimed > 0 {
		they := "they are"
		if a.untimed == 1 {
			they = "it is"
		}
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s no timestamp (pcapng Simple Packet Blocks): %s counted everywhere but in the first and last times and the time line", hasHave(a.untimed), they))
	}

	s.Estimates = []Estimate{}
	addEstimate(&s.Estimates, ListSources, "packets", &a.src, a.maxLen)
	addEstimate(&s.Estimates, ListDestinations, "packets", &a.dst, a.maxLen)
	addEstimate(&s.Estimates, ListIPConversations, "packets", &a.conv.pairs, a.maxLen)
	addEstimate(&s.Estimates, ListTransportConversations, "packets", &a.conv.flows, a.maxLen)
	addEstimate(&s.Estimates, ListDNSQueries, "queries", &a.dns.names, 0)
	for _, e := range s.Estimates {
		c.Warnings = append(c.Warnings, estimateWarning(e))
	}
	s.Protocols = a.protocols()
	// Each part of the analysis is dropped once it is in the Summary, so
	// that the memory of the lists being built can reuse it: at the end of
	// a 10 GB capture the analysis holds about 27 MB and its Summary 20 MB.
	// The largest parts first.
	for _, e := range a.conv.flows.all() {
		if e.val.http != nil {
			a.objs.close(e.val.http, e.val.last)
			e.val.http = nil
		}
		if e.val.ftp != nil {
			a.ftp.close(e.val.ftp)
			e.val.ftp = nil
		}
	}
	a.smtp.closeAll() // its last attachments are queued to the hasher
	a.objs.applyHashes()
	a.ftp.applyHashes()
	a.smtp.applyHashes() // the hasher's error is objs.hashErr
	if a.objs.hashErr != "" {
		c.Warnings = append(c.Warnings, a.objs.hashErr)
	}
	if w := a.objs.warning(); w != "" {
		c.Warnings = append(c.Warnings, w)
	}
	if w := a.ftp.warning(); w != "" {
		c.Warnings = append(c.Warnings, w)
	}
	if w := a.smtp.warning(); w != "" {
		c.Warnings = append(c.Warnings, w)
	}
	if n := a.conv.unexpectedCut; n > 0 {
		c.Warnings = append(c.Warnings, unexpectedWarning("", n))
	}
	if w := a.arp.warning(""); w != "" {
		c.Warnings = append(c.Warnings, w)
	}
	s.Conversations, s.Ports = a.conv.summary(a.digits, a.maxLen)
	a.conv = conversations{}
	s.HTTP, s.TLS = a.web.summary()
	s.HTTP.Transactions, s.HTTP.Objects, s.HTTP.ObjectsSkipped = a.objs.summary(a.digits)
	s.HTTP.TransactionsTotal, s.HTTP.ObjectsTotal = a.objs.txTotal, a.objs.objTotal
	s.FTP = a.ftp.summary(a.digits)
	a.ftp = ftpObjs{}
	s.SMTP = a.smtp.summary(a.digits)
	a.smtp = smtpObjs{}
	a.web = web{}
	s.TLS.Certificates = a.certs.summary()
	a.certs = certs{}
	s.Sources = endpointList(&a.src, a.maxLen)
	a.src = hitters[netip.Addr, int64]{}
	s.Destinations = endpointList(&a.dst, a.maxLen)
	a.dst = hitters[netip.Addr, int64]{}
	s.DNS = a.dns.summary()
	a.dns = dnsCounter{}
	s.Timeline = a.timeline.summary()
	s.ICMP = icmpSummary(a.icmp)
	s.ARP = a.arp.summary()
	s.Names, s.NamesTruncated = a.names.summary(), a.names.full
	// From the lists above; they are well formed, so it cannot fail.
	s.Hosts, _ = a.hosts.summary(s)
	a.hosts = hostCollector{}
	s.Beacons = a.beacons.summary(c.Bulk.DurationSeconds, a.digits)
	if n := a.beacons.dropped; n > 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("more than %d client and destination pairs opened connections: %d connections were left out of the beacon analysis", maxBeaconPairs, n))
	}
	a.beacons = beacons{}
	s.Credentials = a.creds.summary()
	if n := a.creds.total - int64(len(s.Credentials)); n > 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("more than %d cleartext credentials: %d more were seen and not listed", MaxCredentials, n))
	}
	return s
}

// protocols builds the per-layer breakdown.
func (a *analyzer) protocols() Protocols {
	var p Protocols
	link := map[string]protoCount{}
	for _, lt := range a.linkSeen {
		c := link[linkTypeName(lt)]
		c.packets += a.links[lt].frames.packets
		c.bytes += a.links[lt].frames.bytes
		link[linkTypeName(lt)] = c
	}
	p.Link = sortedProtocols(link)
	network := map[string]protoCount{}
	if a.ipv4.packets > 0 {
		network["IPv4"] = a.ipv4
	}
	if a.ipv6.packets > 0 {
		network["IPv6"] = a.ipv6
	}
	for name, c := range a.network {
		network[name] = *c
	}
	p.Network = sortedProtocols(network)
	transport := map[string]protoCount{}
	for i, c := range a.transport {
		if c.packets > 0 {
			transport[ipProtoNames[i]] = c
		}
	}
	p.Transport = sortedProtocols(transport)
	apps := map[string]protoCount{}
	for i, c := range a.apps {
		if c.packets > 0 {
			apps[app(i).String()] = c
		}
	}
	p.Application = sortedProtocols(apps)
	return p
}

func sortedProtocols(m map[string]protoCount) []ProtocolCount {
	out := make([]ProtocolCount, 0, len(m))
	for name, c := range m {
		out = append(out, ProtocolCount{Name: name, Packets: c.packets, Bytes: c.bytes})
	}
	slices.SortFunc(out, func(x, y ProtocolCount) int {
		if c := cmp.Compare(y.Packets, x.Packets); c != 0 {
			return c
		}
		return strings.Compare(x.Name, y.Name)
	})
	return out
}

// protocolMerger merges the Protocols of Summaries, layer by layer
// (link, network, transport, application).
type protocolMerger [4]map[string]protoCount

func newProtocolMerger() protocolMerger {
	return protocolMerger{{}, {}, {}, {}}
}

func (m *protocolMerger) add(p *Protocols) {
	for i, layer := range [...][]ProtocolCount{p.Link, p.Network, p.Transport, p.Application} {
		for _, c := range layer {
			pc := m[i][c.Name]
			pc.packets += c.Packets
			pc.bytes += c.Bytes
			m[i][c.Name] = pc
		}
	}
}

func (m *protocolMerger) result() Protocols {
	return Protocols{Link: sortedProtocols(m[0]), Network: sortedProtocols(m[1]),
		Transport: sortedProtocols(m[2]), Application: sortedProtocols(m[3])}
}

// sortedCounts turns a count map into a slice, count desc then name asc.
func sortedCounts(m map[string]int64) []Count {
	out := make([]Count, 0, len(m))
	for k, v := range m {
		out = append(out, Count{Name: k, Count: v})
	}
	slices.SortFunc(out, func(x, y Count) int {
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		return strings.Compare(x.Name, y.Name)
	})
	return out
}

// addEstimate appends the Estimate of h to list when h is no longer exact.
// maxLen (0 when the list counts no bytes) bounds the bytes of a packet.
func addEstimate[K comparable, V any](list *[]Estimate, name, unit string, h *hitters[K, V], maxLen int64) {
	if h.exact() {
		return
	}
	e := h.maxError()
	*list = append(*list, Estimate{List: name, Unit: unit, Tracked: h.capacity, Replaced: h.evictions, MaxError: e, MaxErrorBytes: e * maxLen})
}

// estimateWarning words an Estimate for Capture.Warnings.
func estimateWarning(e Estimate) string {
	return fmt.Sprintf("%s: more distinct keys than the %s kept, so the list is a heavy-hitter estimate: %s keys took another's place; a listed count may miss up to %s %s, and no unlisted key has more than %s",
		e.List, show.Thousands(int64(e.Tracked)), show.Thousands(e.Replaced), show.Thousands(e.MaxError), e.Unit, show.Thousands(e.MaxError))
}

// endpointList lists the addresses of h, by packets desc, then by address.
func endpointList(h *hitters[netip.Addr, int64], maxLen int64) []Endpoint {
	out := make([]Endpoint, 0, h.len())
	for _, e := range h.sorted(netip.Addr.Compare) {
		out = append(out, Endpoint{IP: e.key.String(), Packets: e.lower(), Bytes: e.val, PacketsError: e.err, BytesError: e.err * maxLen})
	}
	return out
}

// bulk is the Capture.Bulk of the packets seen.
func (a *analyzer) bulk() Bulk {
	sp := a.span.bulk()
	b := Bulk{OutlyingPackets: sp.outlying, OutlyingExamples: sp.examples}
	if !sp.first.IsZero() {
		b.First, b.Last = formatTime(sp.first, a.digits), formatTime(sp.last, a.digits)
		b.DurationSeconds = seconds(sp.first, sp.last)
	}
	return b
}

// seconds is b minus a in seconds. Unlike time.Time.Sub it does not stop
// at 292 years: real captures carry timestamps as odd as the year 586524.
func seconds(a, b time.Time) float64 {
	if d := b.Unix() - a.Unix(); d > -nanoSafeSeconds && d < nanoSafeSeconds {
		return b.Sub(a).Seconds()
	}
	return float64(b.Unix()-a.Unix()) + float64(b.Nanosecond()-a.Nanosecond())/1e9
}

// formatTime formats t in UTC as RFC 3339 with exactly digits fractional digits.
func formatTime(t time.Time, digits int) string {
	if digits >= 0 && digits < len(timeLayouts) {
		return t.UTC().Format(timeLayouts[digits])
	}
	return t.UTC().Format(timeLayout(digits))
}

func timeLayout(digits int) string {
	layout := "2006-01-02T15:04:05"
	if digits > 0 {
		layout += "." + strings.Repeat("0", digits)
	}
	return layout + "Z07:00"
}

// timeLayouts are formatTime's layouts for 0 to 9 fractional digits,
// made once.
var timeLayouts = func() (l [10]string) {
	for d := range l {
		l[d] = timeLayout(d)
	}
	return l
}()
