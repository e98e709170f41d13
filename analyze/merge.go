package analyze

import (
	"cmp"
	"fmt"
	"math"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
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
// order are kept), the timeline's per-application series (only the
// applications a capture charted) and the decode-error examples (the
// first few by packet number; packet numbers are per capture, so each
// example names its capture).
type Overview struct {
	interval int64 // bin width in nanoseconds; 0 until known
	captures int
	digits   int // the most fractional digits of any capture's times

	size, packets, ipPackets, otherPackets, undecodable, ipBytes, decodeErrors int64

	first, last   time.Time
	firstS, lastS string // as the Summaries wrote them
	// The overview's bulk spans the captures' bulks that lie between 1971
	// and 2262 (bulkPlausible), or all of them when none does (bulkAll).
	// outlying counts the packets outside each capture's bulk, and
	// implausible the packets in the bulks left out of bulkPlausible.
	bulkAll, bulkPlausible spanUnion
	outlying, implausible  int64

	formats, linkTypes           map[string]bool
	errorReasons, otherProtocols map[string]int64
	examples                     []PacketError
	quality                      Quality
	unexpected                   map[unexpectedMergeKey]*Unexpected
	warnings                     []string

	src, dst map[netip.Addr]*endpointCount
	dns      mergedDNS
	web      mergedWeb
	timeline timeline

	pairs              map[pairKey]*mergedConv
	flows              map[flowKey]*mergedConv
	tcpPorts, udpPorts map[uint16]*portCount
	estimates          map[string]*Estimate
	// flowsUnlisted counts transport conversations that the merged
	// Summaries counted in TransportTotal but did not list.
	flowsUnlisted int64
	protocols     [4]map[string]protoCount // link, network, transport, application
	icmp          map[icmpKey]int64
	arp           arpCounter
	names         map[netip.Addr]map[string]struct{}
	namesCut      bool // a merged Summary's NamesTruncated
}

// mergedDNS is DNS merged across captures.
type mergedDNS struct {
	queries                              map[string]*mergedQuery
	total, responses                     int64
	types, rcodes, nxdomain, mdns, llmnr map[string]int64
	cut                                  map[string]int64 // DNS.StringsCut
	answers                              map[answerKey]int64
	answersTruncated                     bool
	clients, servers                     map[netip.Addr]int64
}

type mergedQuery struct {
	count    int64
	clients  map[netip.Addr]int64
	unlisted int64 // clients counted in ClientsTotal but not listed
	err      int64 // queries it may miss, from estimated lists
	seen     int64 // the max_error of the estimated lists that listed it
}

type answerKey struct{ name, typ, data string }

// NewOverview returns an empty Overview for Summaries made with opts.
func NewOverview(opts Options) *Overview {
	iv := opts.Interval
	if iv <= 0 {
		iv = DefaultInterval
	}
	o := &Overview{}
	o.init(int64(iv))
	return o
}

func (o *Overview) init(interval int64) {
	o.interval = interval
	o.formats, o.linkTypes = map[string]bool{}, map[string]bool{}
	o.errorReasons, o.otherProtocols = map[string]int64{}, map[string]int64{}
	o.src, o.dst = map[netip.Addr]*endpointCount{}, map[netip.Addr]*endpointCount{}
	o.dns = mergedDNS{
		queries: map[string]*mergedQuery{},
		types:   map[string]int64{}, rcodes: map[string]int64{}, nxdomain: map[string]int64{},
		mdns: map[string]int64{}, llmnr: map[string]int64{}, cut: map[string]int64{},
		answers: map[answerKey]int64{},
		clients: map[netip.Addr]int64{}, servers: map[netip.Addr]int64{},
	}
	o.web = newMergedWeb()
	o.timeline = newTimeline(interval)
	o.pairs, o.flows = map[pairKey]*mergedConv{}, map[flowKey]*mergedConv{}
	o.tcpPorts, o.udpPorts = map[uint16]*portCount{}, map[uint16]*portCount{}
	o.estimates = map[string]*Estimate{}
	for i := range o.protocols {
		o.protocols[i] = map[string]protoCount{}
	}
	o.icmp = map[icmpKey]int64{}
	o.arp = newARPCounter()
	o.names = map[netip.Addr]map[string]struct{}{}
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
//   - the warnings and decode-error examples of a single capture (one with
//     a SHA-256) are tagged with its path.
//
// s may itself be an overview ("N captures"). Add fails on a Summary it
// cannot read (a bad address or time, a different interval), which can
// only come from a damaged JSON file; the overview is then partly updated
// and should be dropped: check such a Summary on a fresh Overview first.
func (o *Overview) Add(s *Summary) error {
	c := &s.Capture
	fail := func(what string, err error) error { return fmt.Errorf("%s: %s: %w", c.Path, what, err) }
	if c.Captures < 0 || c.Captures == 0 && (c.Path != "" || c.Packets != 0) {
		return fmt.Errorf("%s: says it covers %d captures", c.Path, c.Captures)
	}
	var iv int64
	if s.Timeline.IntervalSeconds != 0 {
		f := s.Timeline.IntervalSeconds * float64(time.Second)
		if !(f >= 1 && f < math.MaxInt64/2) {
			return fmt.Errorf("%s: bad timeline interval %g s", c.Path, s.Timeline.IntervalSeconds)
		}
		iv = int64(math.Round(f))
		if o.interval != 0 && iv != o.interval {
			return fmt.Errorf("%s: timeline interval %s differs from the overview's %s",
				c.Path, time.Duration(iv), time.Duration(o.interval))
		}
	} else if len(s.Timeline.Bins) > 0 {
		return fmt.Errorf("%s: timeline has bins but no interval", c.Path)
	}
	if o.formats == nil {
		o.init(iv) // a zero Overview takes the first interval it sees
	}
	if o.interval == 0 && iv != 0 {
		o.interval, o.timeline = iv, newTimeline(iv)
	}

	if err := o.addCapture(s); err != nil {
		return err
	}
	bound := map[string]Estimate{}
	for _, e := range s.Estimates {
		bound[e.List] = e
	}
	if err := addEndpoints(o.src, s.Sources, bound["sources"]); err != nil {
		return fail("sources", err)
	}
	if err := addEndpoints(o.dst, s.Destinations, bound["destinations"]); err != nil {
		return fail("destinations", err)
	}
	if err := o.dns.add(&s.DNS, bound["dns.queries"].MaxError); err != nil {
		return fail("dns", err)
	}
	if err := o.web.add(&s.HTTP, &s.TLS); err != nil {
		return fail("http/tls", err)
	}
	if err := o.addTimeline(&s.Timeline); err != nil {
		return fail("timeline", err)
	}
	if err := o.addConversations(&s.Conversations, bound); err != nil {
		return fail("conversations", err)
	}
	addPorts(o.tcpPorts, s.Ports.TCP)
	addPorts(o.udpPorts, s.Ports.UDP)
	if o.unexpected == nil {
		o.unexpected = map[unexpectedMergeKey]*Unexpected{}
	}
	mergeUnexpected(o.unexpected, s.Ports.Unexpected)
	o.addEstimates(s.Estimates)
	for i, layer := range [][]ProtocolCount{s.Protocols.Link, s.Protocols.Network, s.Protocols.Transport, s.Protocols.Application} {
		for _, p := range layer {
			pc := o.protocols[i][p.Name]
			pc.packets += p.Packets
			pc.bytes += p.Bytes
			o.protocols[i][p.Name] = pc
		}
	}
	for _, ic := range s.ICMP {
		if ic.Version < 0 || ic.Version > math.MaxUint8 {
			return fail("icmp", fmt.Errorf("bad version %d", ic.Version))
		}
		o.icmp[icmpKey{uint8(ic.Version), ic.Type, ic.Code}] += ic.Packets
	}
	if err := o.addARP(&s.ARP); err != nil {
		return fail("arp", err)
	}
	for _, n := range s.Names {
		ip, err := netip.ParseAddr(n.IP)
		if err != nil {
			return fail("names", err)
		}
		set := o.names[ip]
		if set == nil {
			set = map[string]struct{}{}
			o.names[ip] = set
		}
		for _, name := range n.Names {
			set[name] = struct{}{}
		}
	}
	o.namesCut = o.namesCut || s.NamesTruncated
	return nil
}

func (o *Overview) addCapture(s *Summary) error {
	c := &s.Capture
	if c.First != "" || c.Last != "" {
		first, err := ParseTime(c.First)
		if err != nil {
			return fmt.Errorf("%s: first packet time: %w", c.Path, err)
		}
		last, err := ParseTime(c.Last)
		if err != nil {
			return fmt.Errorf("%s: last packet time: %w", c.Path, err)
		}
		// On a tie the smaller string wins, whatever the order of adding.
		if o.firstS == "" || first.Before(o.first) || first.Equal(o.first) && c.First < o.firstS {
			o.first, o.firstS = first, c.First
		}
		if o.lastS == "" || last.After(o.last) || last.Equal(o.last) && c.Last < o.lastS {
			o.last, o.lastS = last, c.Last
		}
		o.digits = max(o.digits, FracDigits(c.First))
		// A Summary written before Capture.Bulk existed: all of it is bulk.
		bfS, blS := c.Bulk.First, c.Bulk.Last
		if bfS == "" {
			bfS, blS = c.First, c.Last
		}
		bf, err := ParseTime(bfS)
		if err != nil {
			return fmt.Errorf("%s: bulk first time: %w", c.Path, err)
		}
		bl, err := ParseTime(blS)
		if err != nil {
			return fmt.Errorf("%s: bulk last time: %w", c.Path, err)
		}
		o.bulkAll.add(bf, bfS, bl, blS)
		if plausibleSpan(bf, bl) {
			o.bulkPlausible.add(bf, bfS, bl, blS)
		} else {
			o.implausible += c.Packets - c.Bulk.OutlyingPackets
		}
	}
	o.outlying += c.Bulk.OutlyingPackets
	o.captures += capturesIn(s)
	o.size += c.Size
	o.packets += c.Packets
	o.ipPackets += c.IPPackets
	o.otherPackets += c.OtherPackets
	o.undecodable += c.UndecodablePackets
	o.ipBytes += c.IPBytes
	o.decodeErrors += c.DecodeErrors
	mergeQuality(&o.quality, &c.Quality)
	addSet(o.formats, strings.Split(c.Format, ", "))
	addSet(o.linkTypes, c.LinkTypes)
	addCounts(o.errorReasons, c.DecodeErrorReasons)
	addCounts(o.otherProtocols, c.OtherProtocols)

	// A capture's warnings and packet numbers mean nothing in an overview
	// without its name.
	single := !c.Overview
	for _, w := range c.Warnings {
		if single {
			w = c.Path + ": " + w
		}
		o.warnings = append(o.warnings, w)
	}
	for _, e := range c.DecodeErrorExamples {
		if single {
			if e.Detail == "" {
				e.Detail = "in " + c.Path
			} else {
				e.Detail += " (in " + c.Path + ")"
			}
		}
		o.examples = append(o.examples, e)
	}
	if len(o.examples) > maxErrorExamples {
		slices.SortFunc(o.examples, comparePacketErrors)
		o.examples = slices.Clip(o.examples[:maxErrorExamples])
	}
	return nil
}

// add merges s; maxError is the max_error of s's estimated query list, 0
// when it is exact.
func (d *mergedDNS) add(s *DNS, maxError int64) error {
	for _, q := range s.Queries {
		mq := d.queries[q.Name]
		if mq == nil {
			mq = &mergedQuery{clients: map[netip.Addr]int64{}}
			d.queries[q.Name] = mq
		}
		mq.count += q.Count
		mq.err += q.CountError
		mq.seen += maxError
		for _, ic := range q.Clients {
			ip, err := netip.ParseAddr(ic.IP)
			if err != nil {
				return err
			}
			mq.clients[ip] += ic.Count
		}
		mq.unlisted += max(0, q.ClientsTotal-int64(len(q.Clients)))
	}
	d.total += s.TotalQueries
	d.responses += s.Responses
	addCounts(d.types, s.Types)
	addCounts(d.rcodes, s.Rcodes)
	addCounts(d.nxdomain, s.NXDomain)
	addCounts(d.mdns, s.MDNS)
	addCounts(d.llmnr, s.LLMNR)
	addCounts(d.cut, s.StringsCut)
	for _, a := range s.Answers {
		d.answers[answerKey{a.Name, a.Type, a.Data}] += a.Count
	}
	d.answersTruncated = d.answersTruncated || s.AnswersTruncated
	if err := addIPCounts(d.clients, s.Clients); err != nil {
		return err
	}
	return addIPCounts(d.servers, s.Servers)
}

func (d *mergedDNS) summary(e *Estimate) DNS {
	out := DNS{TotalQueries: d.total, Responses: d.responses}
	out.Queries = make([]DNSQuery, 0, len(d.queries))
	for name, mq := range d.queries {
		clients := ipCounts(mq.clients)
		q := DNSQuery{Name: name, Count: mq.count, ClientsTotal: int64(len(clients)) + mq.unlisted, CountError: mq.err}
		if e != nil {
			q.CountError += e.MaxError - mq.seen
		}
		q.Clients = clients[:min(len(clients), maxClientsPerName)]
		out.Queries = append(out.Queries, q)
	}
	sortNamedCounts(out.Queries)
	out.Types = sortedCounts(d.types)
	out.Rcodes = sortedCounts(d.rcodes)
	out.NXDomain = sortedCounts(d.nxdomain)
	out.MDNS = sortedCounts(d.mdns)
	out.LLMNR = sortedCounts(d.llmnr)
	out.StringsCut = sortedCounts(d.cut)
	out.Clients = ipCounts(d.clients)
	out.Servers = ipCounts(d.servers)
	keys := make([]answerKey, 0, len(d.answers))
	for k := range d.answers {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y answerKey) int {
		return cmp.Or(strings.Compare(x.name, y.name), strings.Compare(x.typ, y.typ), strings.Compare(x.data, y.data))
	})
	keys = keys[:min(len(keys), maxAnswers)]
	out.Answers = make([]DNSAnswer, len(keys))
	for i, k := range keys {
		out.Answers[i] = DNSAnswer{Name: k.name, Type: k.typ, Data: k.data, Count: d.answers[k]}
	}
	out.AnswersTruncated = d.answersTruncated || len(d.answers) >= maxAnswers
	return out
}

// addTimeline adds the bins of tl, with the bytes of each charted
// application, to the overview's timeline, whose summary then lists them
// densely or sparsely by the same MaxBins rule as one capture's. Bins of
// different widths of one ladder (see coarser) merge at the coarser
// width, and the overview coarsens further as one capture does, so its
// width does not depend on the order of adding.
func (o *Overview) addTimeline(tl *Timeline) error {
	t := &o.timeline
	if len(tl.Bins) > 0 {
		width := tl.BinSeconds
		if width == 0 {
			width = tl.IntervalSeconds // written before bin_seconds existed
		}
		if probe := newTimeline(t.interval); !probe.widenTo(width) {
			return fmt.Errorf("bin width %g s is not one the interval %g s coarsens to", width, time.Duration(t.interval).Seconds())
		}
		if width > t.binSeconds() {
			t.widenTo(width)
		}
	}
	apps := make([]app, len(tl.Series))
	for i, se := range tl.Series {
		a, ok := appNamed(se.Name)
		if !ok {
			return fmt.Errorf("series %q: not an application protocol", se.Name)
		}
		if len(se.Bytes) != len(tl.Bins) {
			return fmt.Errorf("series %q has %d values for %d bins", se.Name, len(se.Bytes), len(tl.Bins))
		}
		apps[i] = a
	}
	for i, b := range tl.Bins {
		if b.Packets == 0 && b.Bytes == 0 {
			continue // an empty bin of a dense timeline; summary() puts it back
		}
		start, err := ParseTime(b.Start)
		if err != nil {
			return fmt.Errorf("bin %d: %w", i, err)
		}
		bc := t.binAt(start)
		bc.packets += b.Packets
		bc.bytes += b.Bytes
		for j, a := range apps {
			bc.apps[a] += tl.Series[j].Bytes[i]
		}
	}
	return nil
}

func appNamed(name string) (app, bool) {
	for a := app(0); a < numApps; a++ {
		if a != appNone && a.String() == name {
			return a, true
		}
	}
	return 0, false
}

func (o *Overview) addConversations(cs *Conversations, bound map[string]Estimate) error {
	for _, cv := range cs.IP {
		// Conversation times carry the most digits of the captures merged.
		o.digits = max(o.digits, FracDigits(cv.First))
		a, b, err := parsePair(cv.A, cv.B)
		if err != nil {
			return err
		}
		if err := addConversation(o.pairs, pairKey{a, b}, &cv, bound["conversations.ip"]); err != nil {
			return err
		}
	}
	for _, cv := range cs.Transport {
		a, b, err := parsePair(cv.A, cv.B)
		if err != nil {
			return err
		}
		k := flowKey{a: a, b: b, aPort: cv.APort, bPort: cv.BPort, proto: protoUDP}
		switch cv.Proto {
		case "tcp":
			k.proto = protoTCP
		case "udp":
		default:
			return fmt.Errorf("transport conversation with protocol %q", cv.Proto)
		}
		if err := addConversation(o.flows, k, &cv, bound["conversations.transport"]); err != nil {
			return err
		}
	}
	o.flowsUnlisted += max(0, cs.TransportTotal-int64(len(cs.Transport)))
	return nil
}

// mergedConv is a conversation merged across captures, with what it may
// miss from captures whose lists were estimated (see estimateBound).
type mergedConv struct {
	convCount
	bounds
}

// bounds is what a merged key may miss: the errors of the lists that
// listed it, plus, in seen, the max_error of those lists. A key is missing
// from an estimated list of another capture may still have had up to that
// list's max_error there, so Summary adds the overview's total max_error
// minus seen.
type bounds struct {
	perr, berr   int64
	seen, seenBy int64 // max_error and max_error_bytes of the estimated lists that listed the key
}

func (b *bounds) add(perr, berr int64, e Estimate) {
	b.perr += perr
	b.berr += berr
	b.seen += e.MaxError
	b.seenBy += e.MaxErrorBytes
}

// errors returns the key's packet and byte errors in the overview whose
// merged estimate of the list is e (zero when no capture estimated it).
func (b *bounds) errors(e *Estimate) (int64, int64) {
	if e == nil {
		return b.perr, b.berr
	}
	return b.perr + e.MaxError - b.seen, b.berr + e.MaxErrorBytes - b.seenBy
}

func addConversation[K comparable](m map[K]*mergedConv, k K, cv *Conversation, e Estimate) error {
	mc := m[k]
	if mc == nil {
		mc = &mergedConv{}
		m[k] = mc
	}
	mc.bounds.add(cv.PacketsError, cv.BytesError, e)
	cc := &mc.convCount
	cc.packetsAB += cv.PacketsAB
	cc.bytesAB += cv.BytesAB
	cc.packetsBA += cv.PacketsBA
	cc.bytesBA += cv.BytesBA
	if cv.First == "" {
		return nil
	}
	first, err := ParseTime(cv.First)
	if err != nil {
		return err
	}
	last, err := ParseTime(cv.Last)
	if err != nil {
		return err
	}
	cc.widen(first, last)
	return nil
}

func mergedRows[K comparable](m map[K]*mergedConv, e *Estimate) []convRow[K] {
	out := make([]convRow[K], 0, len(m))
	for k, mc := range m {
		perr, berr := mc.errors(e)
		out = append(out, convRow[K]{k, &mc.convCount, perr, berr})
	}
	return out
}

// addEstimates merges estimates: a key missing from every capture's list
// may have up to the sum of their MaxErrors.
func (o *Overview) addEstimates(es []Estimate) {
	for _, e := range es {
		m := o.estimates[e.List]
		if m == nil {
			m = &Estimate{List: e.List, Unit: e.Unit}
			o.estimates[e.List] = m
		}
		m.Tracked = max(m.Tracked, e.Tracked)
		m.Replaced += e.Replaced
		m.MaxError += e.MaxError
		m.MaxErrorBytes += e.MaxErrorBytes
	}
}

func parsePair(a, b string) (netip.Addr, netip.Addr, error) {
	x, err := netip.ParseAddr(a)
	if err != nil {
		return x, x, err
	}
	y, err := netip.ParseAddr(b)
	return x, y, err
}

func addPorts(m map[uint16]*portCount, ports []Port) {
	for _, p := range ports {
		pc := m[p.Port]
		if pc == nil {
			pc = &portCount{}
			m[p.Port] = pc
		}
		pc.srcPackets += p.SrcPackets
		pc.srcBytes += p.SrcBytes
		pc.dstPackets += p.DstPackets
		pc.dstBytes += p.DstBytes
	}
}

func (o *Overview) addARP(a *ARP) error {
	if err := addIPCounts(o.arp.requests, a.Requests); err != nil {
		return err
	}
	if err := addIPCounts(o.arp.replies, a.Replies); err != nil {
		return err
	}
	for _, p := range a.Pairs {
		ip, err := netip.ParseAddr(p.IP)
		if err != nil {
			return err
		}
		mac, err := net.ParseMAC(p.MAC)
		if err != nil || len(mac) != 6 {
			return fmt.Errorf("%q is not an Ethernet address", p.MAC)
		}
		o.arp.pairs[arpKey{ip, [6]byte(mac)}] += p.Packets
	}
	return nil // Conflicts and SharedMACs follow from the pairs
}

// Summary returns the overview as a Summary, sorted as analyze sorts one
// capture's: Path is "N captures" and SHA256 is empty. The timeline lists
// every bin from the first to the last non-empty one, or only the non-empty
// ones when that would be more than MaxBins, as for one capture.
func (o *Overview) Summary() *Summary {
	if o.formats == nil {
		o.init(0)
	}
	if o.interval == 0 {
		o.interval, o.timeline = int64(DefaultInterval), newTimeline(int64(DefaultInterval))
	}
	s := &Summary{}
	c := &s.Capture
	c.Path = capturesName(o.captures)
	c.Captures = o.captures
	c.Overview = true
	c.Size = o.size
	c.Format = strings.Join(sortedSet(o.formats), ", ")
	c.LinkTypes = sortedSet(o.linkTypes)
	c.Packets = o.packets
	c.IPPackets = o.ipPackets
	c.OtherPackets = o.otherPackets
	c.UndecodablePackets = o.undecodable
	c.IPBytes = o.ipBytes
	c.First, c.Last = o.firstS, o.lastS
	if o.firstS != "" {
		c.DurationSeconds = seconds(o.first, o.last)
	}
	bulk, outlying := o.bulkAll, o.outlying
	if o.bulkPlausible.firstS != "" {
		bulk, outlying = o.bulkPlausible, o.outlying+o.implausible
	}
	c.Bulk = Bulk{First: bulk.firstS, Last: bulk.lastS, OutlyingPackets: outlying, OutlyingExamples: []int64{}}
	if bulk.firstS != "" {
		c.Bulk.DurationSeconds = seconds(bulk.first, bulk.last)
	}
	c.DecodeErrors = o.decodeErrors
	c.DecodeErrorReasons = sortedCounts(o.errorReasons)
	c.DecodeErrorExamples = append([]PacketError{}, o.examples...)
	slices.SortFunc(c.DecodeErrorExamples, comparePacketErrors)
	c.OtherProtocols = sortedCounts(o.otherProtocols)
	c.Warnings = append([]string{}, o.warnings...)
	slices.Sort(c.Warnings)
	c.Quality = o.quality

	s.Sources = sortedEndpoints(o.src, o.estimates["sources"])
	s.Destinations = sortedEndpoints(o.dst, o.estimates["destinations"])
	s.DNS = o.dns.summary(o.estimates["dns.queries"])
	s.Timeline = o.timeline.summary()
	s.Conversations = conversationLists(mergedRows(o.pairs, o.estimates["conversations.ip"]), mergedRows(o.flows, o.estimates["conversations.transport"]), o.digits)
	s.Conversations.TransportTotal += o.flowsUnlisted
	s.Ports = Ports{TCP: sortedPorts(o.tcpPorts, "tcp"), UDP: sortedPorts(o.udpPorts, "udp"), Unexpected: unexpectedList(o.unexpected)}
	s.Estimates = []Estimate{}
	for _, e := range o.estimates {
		s.Estimates = append(s.Estimates, *e)
	}
	slices.SortFunc(s.Estimates, func(x, y Estimate) int { return strings.Compare(x.List, y.List) })
	s.Protocols = Protocols{
		Link:        sortedProtocols(o.protocols[0]),
		Network:     sortedProtocols(o.protocols[1]),
		Transport:   sortedProtocols(o.protocols[2]),
		Application: sortedProtocols(o.protocols[3]),
	}
	s.HTTP, s.TLS = o.web.summary()
	s.ICMP = icmpSummary(o.icmp)
	s.ARP = o.arp.summary()
	s.Names, s.NamesTruncated = o.namesSummary(), o.namesCut
	s.Findings = Findings(s)
	return s
}

// namesSummary lists each address's names, sorted, keeping the first
// MaxNamesPerIP: unlike one capture's first seen, an order that does not
// depend on the order of adding.
func (o *Overview) namesSummary() []Name {
	ips := make([]netip.Addr, 0, len(o.names))
	for ip := range o.names {
		ips = append(ips, ip)
	}
	slices.SortFunc(ips, netip.Addr.Compare)
	out := make([]Name, len(ips))
	for i, ip := range ips {
		names := make([]string, 0, len(o.names[ip]))
		for n := range o.names[ip] {
			names = append(names, n)
		}
		slices.Sort(names)
		out[i] = Name{IP: ip.String(), Names: slices.Clip(names[:min(len(names), MaxNamesPerIP)])}
	}
	return out
}

// capturesIn is how many captures s covers: Capture.Captures, or 0 for a
// zero Summary.
func capturesIn(s *Summary) int {
	return s.Capture.Captures
}

func capturesName(n int) string {
	if n == 1 {
		return "1 capture"
	}
	return strconv.Itoa(n) + " captures"
}

// endpointCount is an address's packets and bytes in an Overview, with
// what they may miss when a capture's list was estimated.
type endpointCount struct {
	packets, bytes int64
	bounds
}

// sortedEndpoints orders endpoints by packets desc, then by address.
func sortedEndpoints(m map[netip.Addr]*endpointCount, est *Estimate) []Endpoint {
	type kv struct {
		ip netip.Addr
		c  *endpointCount
	}
	tmp := make([]kv, 0, len(m))
	for ip, c := range m {
		tmp = append(tmp, kv{ip, c})
	}
	slices.SortFunc(tmp, func(x, y kv) int {
		if c := cmp.Compare(y.c.packets, x.c.packets); c != 0 {
			return c
		}
		return x.ip.Compare(y.ip)
	})
	out := make([]Endpoint, len(tmp))
	for i, e := range tmp {
		perr, berr := e.c.errors(est)
		out[i] = Endpoint{IP: e.ip.String(), Packets: e.c.packets, Bytes: e.c.bytes, PacketsError: perr, BytesError: berr}
	}
	return out
}

func addEndpoints(m map[netip.Addr]*endpointCount, eps []Endpoint, e Estimate) error {
	for _, ep := range eps {
		ip, err := netip.ParseAddr(ep.IP)
		if err != nil {
			return err
		}
		c := m[ip]
		if c == nil {
			c = &endpointCount{}
			m[ip] = c
		}
		c.packets += ep.Packets
		c.bytes += ep.Bytes
		c.bounds.add(ep.PacketsError, ep.BytesError, e)
	}
	return nil
}

func addIPCounts(m map[netip.Addr]int64, cs []IPCount) error {
	for _, c := range cs {
		ip, err := netip.ParseAddr(c.IP)
		if err != nil {
			return err
		}
		m[ip] += c.Count
	}
	return nil
}

func addCounts(m map[string]int64, cs []Count) {
	for _, c := range cs {
		m[c.Name] += c.Count
	}
}

func addSet(m map[string]bool, names []string) {
	for _, n := range names {
		if n != "" {
			m[n] = true
		}
	}
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func comparePacketErrors(a, b PacketError) int {
	return cmp.Or(cmp.Compare(a.Packet, b.Packet), cmp.Compare(a.Offset, b.Offset),
		strings.Compare(a.Reason, b.Reason), strings.Compare(a.Detail, b.Detail))
}

// spanUnion is the earliest first and latest last time of several spans,
// with the strings the Summaries wrote them as; on a tie the smaller
// string wins, whatever the order of adding.
type spanUnion struct {
	first, last   time.Time
	firstS, lastS string
}

func (u *spanUnion) add(first time.Time, firstS string, last time.Time, lastS string) {
	if u.firstS == "" || first.Before(u.first) || first.Equal(u.first) && firstS < u.firstS {
		u.first, u.firstS = first, firstS
	}
	if u.lastS == "" || last.After(u.last) || last.Equal(u.last) && lastS < u.lastS {
		u.last, u.lastS = last, lastS
	}
}
