package analyze

import (
	"cmp"
	"math/bits"
	"net/netip"
	"slices"
	"time"
	"unsafe"
)

// pairKey is an unordered IP pair: a is the lower address.
type pairKey struct{ a, b netip.Addr }

// flowKey is an unordered transport 5-tuple: (a, aPort) is the lower end.
// pad, always zero, fills the struct to 56 bytes: a key without padding is
// plain memory, which Go's maps hash and compare as one block rather than
// field by field (a lookup among 20,000 keys: 50-70 ns without pad, 31-48
// ns with it, in a microbenchmark on this machine).
type flowKey struct {
	a, b         netip.Addr
	aPort, bPort uint16
	proto        uint8
	pad          [3]byte
}

// counts is packets and bytes each way between the two ends of a key.
type counts struct{ packetsAB, bytesAB, packetsBA, bytesBA int64 }

// convCount is traffic between the two ends of a key, each way.
type convCount struct {
	counts
	first, last time.Time // zero before a timed packet
}

// flowCount is a transport flow's traffic and what its content told.
type flowCount struct {
	convCount
	// flushed is the part of convCount already counted for the flow's
	// addresses and IP pair (analyzer.flush).
	flushed counts
	// dir follows each direction (A to B, B to A) for HTTP and TLS messages.
	dir [2]dirState
	// tls is the flow's TLS handshake, for certificates (certs.go); nil
	// until a ClientHello or ServerHello.
	tls *tlsFlow
	// cache holds where the flow's addresses and pair were last found.
	cache flowCache
	// app is the application recognised from the flow's content, sticky
	// once found so that a flow's bare ACKs count with it; portApp is the
	// one its ports name (appByPort, two map lookups), found at its first
	// packet. (Last, in the padding after cache: 20,000 flows are kept.)
	app, portApp app
	// seen holds, for each direction (0 A to B, 1 B to A), the seen* bits
	// of its packets: the TCP flags (tcpSeen) and whether the direction
	// carried the flow's first packet. From them orient tells the client
	// and outcome the TCP outcome. (Also in the padding.)
	seen [2]uint8
	// http follows the flow as an HTTP connection (httpobj.go); httpNo
	// says its first data was no HTTP request.
	http   *httpConn
	httpNo bool
	// ftp follows the flow as an FTP control or data connection (ftpobj.go).
	ftp *ftpFlow
}

// The seen bits of a direction of a flow.
const (
	seenSYN    = 1 << iota // a TCP SYN without ACK
	seenSYNACK             // a TCP SYN with ACK
	seenRST                // a TCP RST
	seenACK                // a TCP ACK without SYN
	seenData               // a TCP segment with payload
	seenFirst              // the flow's first packet
	// ICMP errors that quoted a packet of the other direction (an answer
	// on this direction's behalf, scan_icmp.go): a destination
	// unreachable, and a time exceeded.
	seenUnreach
	seenExpired
)

// tcpSeen maps a TCP header's flags byte, masked with tcpSeenMask
// (FIN, SYN, RST, ACK), to its seen bits: one load per TCP packet.
var tcpSeen = func() (t [tcpSeenMask + 1]uint8) {
	for f := range t {
		switch {
		case f&0x02 != 0 && f&0x10 == 0:
			t[f] |= seenSYN
		case f&0x02 != 0:
			t[f] |= seenSYNACK
		case f&0x10 != 0:
			t[f] |= seenACK
		}
		if f&0x04 != 0 {
			t[f] |= seenRST
		}
	}
	return t
}()

const tcpSeenMask = 0x17

// How a flow's client was told (orient), strongest first.
const (
	orientNone   = iota // nothing told: the lower port is the server's
	orientFirst         // the sender of the flow's first packet
	orientPort          // the one end on a well-known port is the server
	orientSYNACK        // the receiver of a SYN-ACK
	orientSYN           // the sender of a SYN without ACK
)

var orientNames = [...]string{orientNone: "lower-port", orientFirst: "first-packet", orientPort: "port",
	orientSYNACK: "syn-ack", orientSYN: "syn"}

// orient returns whether B is the client of flow k (the end that opened
// the connection), and how that was told: the sender of a TCP SYN without
// ACK; else the receiver of a SYN-ACK; else, when exactly one port is
// well known (below 1024 or named in the service table), the other end;
// else the sender of the first packet seen; else (no packet bits, as in a
// merged row) the end of the higher port. The port rule comes before the
// first packet because a flow that began before the capture is as likely
// to show the server's packet first.
func orient(k *flowKey, seen [2]uint8) (clientB bool, by uint8) {
	synA, synB := seen[0]&seenSYN != 0, seen[1]&seenSYN != 0
	switch {
	case synA && !synB:
		return false, orientSYN
	case synB && !synA:
		return true, orientSYN
	case synA && synB: // simultaneous open: the first sender
		return seen[1]&seenFirst != 0, orientSYN
	}
	sa, sb := seen[0]&seenSYNACK != 0, seen[1]&seenSYNACK != 0
	if sa != sb {
		return sa, orientSYNACK
	}
	t := &wellKnownPorts[0]
	if k.proto == protoTCP {
		t = &wellKnownPorts[1]
	}
	wa, wb := t[k.aPort>>3]&(1<<(k.aPort&7)) != 0, t[k.bPort>>3]&(1<<(k.bPort&7)) != 0
	if wa != wb {
		return wa, orientPort
	}
	if f := seen[0]&seenFirst != 0; f || seen[1]&seenFirst != 0 {
		return !f, orientFirst
	}
	return k.aPort < k.bPort, orientNone
}

// wellKnownPorts has a bit for each well-known port (below 1024 or named
// in the service table), UDP then TCP: orient runs at every packet once
// the lists are full (flush), where two map lookups would show.
var wellKnownPorts = func() (t [2][1 << 13]uint8) {
	for i, proto := range []string{"udp", "tcp"} {
		for p := range 1 << 16 {
			if p < 1024 || serviceName(proto, uint16(p)) != "" {
				t[i][p>>3] |= 1 << (p & 7)
			}
		}
	}
	return t
}()

// TCP outcomes of a flow (outcome).
const (
	outcomeNone        = iota // not TCP
	outcomeMidStream          // the client's SYN was not seen
	outcomeIncomplete         // a SYN answered, but neither established nor refused
	outcomeNoAnswer           // SYNs and nothing back
	outcomeRejected           // a SYN answered by RST or ICMP unreachable
	outcomeEstablished        // SYN, SYN-ACK and ACK, or data both ways
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"", "mid-stream", "incomplete", "no-answer", "rejected", "established"}

// outcome tells a TCP flow's outcome from the seen bits of its client's
// (c) and server's (s) packets and the packets the server sent.
func outcome(c, s uint8, serverPackets int64) uint8 {
	switch {
	case c&seenSYN == 0:
		return outcomeMidStream
	case s&seenSYNACK != 0 && c&(seenACK|seenData) != 0, c&seenData != 0 && s&seenData != 0:
		return outcomeEstablished
	case s&seenSYNACK == 0 && s&(seenRST|seenUnreach) != 0:
		return outcomeRejected
	case serverPackets == 0:
		return outcomeNoAnswer
	}
	return outcomeIncomplete
}

// oriented is a flow's orientation and outcome, as the JSON gives them.
type oriented struct {
	clientB bool
	by      uint8
	outcome uint8
}

func (f *flowCount) oriented(k *flowKey) oriented {
	o := oriented{}
	o.clientB, o.by = orient(k, f.seen)
	if k.proto == protoTCP {
		c, s, sp := f.seen[0], f.seen[1], f.packetsBA
		if o.clientB {
			c, s, sp = s, c, f.packetsAB
		}
		o.outcome = outcome(c, s, sp)
	}
	return o
}

// flowCache is where a flow's keys were last found in the address and
// pair hitters. Index 0 is for packets from A to B (A's slot among the
// sources, B's among the destinations), 1 for B to A. Every slot is
// checked against its key before use, so any value is safe.
type flowCache struct {
	src, dst [2]int32
	pair     int32
}

func (c *convCount) add(forward bool, n int64, ts time.Time) {
	if forward {
		c.packetsAB++
		c.bytesAB += n
	} else {
		c.packetsBA++
		c.bytesBA += n
	}
	c.widen(ts, ts)
}

// widen stretches c's first and last times to cover first and last, unless
// first is zero (untimed packets).
func (c *convCount) widen(first, last time.Time) {
	if first.IsZero() {
		return
	}
	if c.first.IsZero() || first.Before(c.first) {
		c.first = first
	}
	if last.After(c.last) {
		c.last = last
	}
}

// conversations accumulates IP pairs, transport flows and ports. Pairs
// and flows are ranked by packets (the hitters' weight).
type conversations struct {
	pairs    hitters[pairKey, convCount]
	flows    hitters[flowKey, flowCount]
	lastFlow int32 // slot of the last flow looked up
	// hint maps a hash of a flow's key (hintIndex) to the slot where the
	// flow was last found, plus one (0: none); see flowSlot. It is made
	// once the flows fill their first page of slots, with 1<<hintBits
	// entries (none when hintBits is 0).
	hint     []int32
	hintBits uint8
	tcpPorts portTable
	udpPorts portTable
	// unexpected collects flows whose content is not their port's;
	// unexpectedCut counts those past its bound.
	unexpected    unexpectedCounter
	unexpectedCut int64
	// outcomes counts TCP flows by outcome, and scans the sources that
	// opened them, each flow once, when it is evicted or at the end
	// (done).
	outcomes [numOutcomes]int64
	scans    scans
	// udpScans follows the sources that send UDP (scan_udp.go), and
	// icmpAnswers the ICMP errors that quote TCP or UDP (scan_icmp.go).
	udpScans    scans
	icmpAnswers ICMPAnswers
}

// done counts flow k's outcome, and its opening for the scans, when the
// flow is about to be forgotten: evicted from the list or at the end.
func (c *conversations) done(k *flowKey, f *flowCount) {
	if k.proto == protoUDP {
		c.udpDone(k, f)
		return
	}
	if k.proto != protoTCP {
		return
	}
	o := f.oriented(k)
	c.outcomes[o.outcome]++
	if o.by != orientSYN {
		return
	}
	client, server, port, answer := k.a, k.b, k.bPort, f.seen[1]
	if o.clientB {
		client, server, port, answer = k.b, k.a, k.aPort, f.seen[0]
	}
	c.scans.add(client, server, port, o.outcome == outcomeNoAnswer || o.outcome == outcomeRejected, answer)
}

// portCount is a port's packets and bytes as source and destination,
// and as the server's port of a flow: its flows and their packets and
// bytes both ways.
type portCount struct {
	srcPackets, srcBytes, dstPackets, dstBytes int64
	serverPackets, serverBytes, serverConvs    int64
}

// portTable counts by port in pages of 256 ports, allocated when a port
// of the page is first seen: a lookup is two loads, not a map access.
type portTable [256]*[256]portCount

func (t *portTable) at(port uint16) *portCount {
	p := t[port>>8]
	if p == nil {
		p = new([256]portCount)
		t[port>>8] = p
	}
	return &p[port&0xff]
}

// add counts packets and bytes sent from port from to port to; none when
// packets is 0.
func (t *portTable) add(from, to uint16, packets, bytes int64) {
	if packets <= 0 {
		return
	}
	p := t.at(from)
	p.srcPackets += packets
	p.srcBytes += bytes
	p = t.at(to)
	p.dstPackets += packets
	p.dstBytes += bytes
}

// list returns the ports seen, ordered by sortPorts.
func (t *portTable) list(proto string) []Port {
	out := []Port{}
	for hi, p := range t {
		if p == nil {
			continue
		}
		for lo := range p {
			c := &p[lo]
			if c.srcPackets+c.dstPackets == 0 {
				continue
			}
			port := uint16(hi<<8 | lo)
			out = append(out, Port{Port: port, Service: serviceName(proto, port),
				SrcPackets: c.srcPackets, SrcBytes: c.srcBytes, DstPackets: c.dstPackets, DstBytes: c.dstBytes,
				ServerConversations: c.serverConvs, ServerPackets: c.serverPackets, ServerBytes: c.serverBytes})
		}
	}
	sortPorts(out)
	return out
}

// portsMerger merges the Ports of Summaries into the tables that count
// one capture's (the ports' names come from the port numbers, as there).
type portsMerger struct {
	tcp, udp   portTable
	unexpected unexpectedMerger
	// unexpectedCut is the flows of the Unexpected entries past
	// maxUnexpected, not listed.
	unexpectedCut int64
}

func (m *portsMerger) add(p *Ports) {
	m.tcp.merge(p.TCP)
	m.udp.merge(p.UDP)
	m.unexpectedCut += m.unexpected.add(p.Unexpected)
}

func (m *portsMerger) result() Ports {
	return Ports{TCP: m.tcp.list("tcp"), UDP: m.udp.list("udp"), Unexpected: m.unexpected.result()}
}

// merge adds the counts of a Summary's list of ports.
func (t *portTable) merge(ports []Port) {
	for _, p := range ports {
		c := t.at(p.Port)
		c.srcPackets += p.SrcPackets
		c.srcBytes += p.SrcBytes
		c.dstPackets += p.DstPackets
		c.dstBytes += p.DstBytes
		c.serverConvs += p.ServerConversations
		c.serverPackets += p.ServerPackets
		c.serverBytes += p.ServerBytes
	}
}

// newConversations keeps capacity keys per list. The flows' hint table
// will have 1<<hintBits entries, none when hintBits is 0.
func newConversations(capacity int, hintBits uint8) conversations {
	return conversations{
		pairs:      newHitters[pairKey, convCount](capacity),
		flows:      newHitters[flowKey, flowCount](capacity),
		hintBits:   hintBits,
		unexpected: unexpectedCounter{},
		scans:      newScans(),
		udpScans:   newScans(),
	}
}

// flowHintBits sizes the flows' hint table for a capacity of keys: about
// three entries per key, so that few live flows share one, and at most
// 65,536 (256 KiB).
func flowHintBits(capacity int) uint8 {
	return uint8(min(bits.Len(uint(max(capacity, 1)*3)), 16))
}

// hintIndex hashes a flow's key to an index of a hint table of 1<<shift
// entries (shift > 0), read from the hash's top bits. It reads the key's
// memory as words: the addresses' 128 bits each, then the ports and
// protocol (the addresses' zone handles, which only tell IPv4 from IPv6,
// are left out). Going through netip's As4 and As16 instead cost the pass
// more than the table saved. The hash needs no seed: keys that an
// attacker makes collide only share entries, and each of them is then
// found through the map, which is seeded.
func hintIndex(k *flowKey, shift uint8) uint32 {
	w := (*[flowKeyWords]uint64)(unsafe.Pointer(k))
	h := w[0]*0x9e3779b97f4a7c15 ^ w[1]*0xc2b2ae3d27d4eb4f ^ w[3]*0x165667b19e3779f9 ^
		w[4]*0x27d4eb2f165667c5 ^ w[6]*0xff51afd7ed558ccd
	h ^= h >> 29
	return uint32((h * 0xd6e8feb86659fd93) >> (64 - shift))
}

// flowKeyWords is the size of a flowKey in words, which hintIndex reads
// (the arrays below fail to compile if the size is otherwise).
const flowKeyWords = 7

var (
	_ [unsafe.Sizeof(flowKey{}) - flowKeyWords*8]byte
	_ [flowKeyWords*8 - unsafe.Sizeof(flowKey{})]byte
)

// orderedPair returns the key of the pair of src and dst, and whether the
// packet goes from the pair's A to its B.
func orderedPair(src, dst netip.Addr) (pairKey, bool) {
	if dst.Less(src) {
		return pairKey{dst, src}, false
	}
	return pairKey{src, dst}, true
}

// addIP counts an IP packet of the pair in slot s, from A to B when ab.
// ts is zero for untimed packets.
func (c *conversations) addIP(s int32, ab bool, n int64, ts time.Time) {
	c.pairs.at(s).val.add(ab, n, ts)
	c.pairs.add(s)
}

// flowSlot returns the slot of a TCP or UDP packet's flow, and whether the
// packet goes from the flow's A to its B.
func (c *conversations) flowSlot(proto uint8, src, dst netip.Addr, sport, dport uint16) (int32, bool) {
	k, fwd := flowKey{a: src, b: dst, aPort: sport, bPort: dport, proto: proto}, true
	if dst.Less(src) || (dst == src && dport < sport) {
		k, fwd = flowKey{a: dst, b: src, aPort: dport, bPort: sport, proto: proto}, false
	}
	// Packets come in bursts of one flow: try the last flow first. (The
	// slot is checked, since an eviction may have given it to another key.)
	// This is hitters.cachedSlot written out: the generic one is too
	// costly for the compiler to inline, and through it the pass was 3%
	// slower with trains (1 of 6 alternating pairs faster).
	if s := c.lastFlow; int(s) < c.flows.len() && c.flows.at(s).key == k {
		return s, fwd
	}
	// Then the hint table: one load from a table of 256 KiB, against the
	// map's two cache misses (its control word, then the key's slot) among
	// 20,000 flows: 9% of the pass on the uniform 1 GB mix. Any entry is
	// safe, as the slot is checked against the key; a flow not found
	// through its entry is looked up in the map, and its entry updated.
	var e *int32
	if c.hint != nil {
		e = &c.hint[hintIndex(&k, c.hintBits)]
		if s := *e - 1; s >= 0 && int(s) < c.flows.len() && c.flows.at(s).key == k {
			c.lastFlow = s
			return s, fwd
		}
	} else if c.hintBits > 0 && c.flows.len() >= min(pageLen, c.flows.capacity) {
		// Until then the flows' map is small enough to stay in the caches
		// (and a short list gets its table early, for the tests).
		c.hint = make([]int32, 1<<c.hintBits)
	}
	s := c.flows.slot(k)
	if e != nil {
		*e = s + 1
	}
	c.lastFlow = s
	return s, fwd
}

// addTransport counts a TCP or UDP packet of the flow in slot s and
// returns its application (recognised from the flow's content when it
// ever was, else by port) and the state of the packet's direction of the
// flow.
func (c *conversations) addTransport(s int32, fwd bool, proto uint8, sport, dport uint16, n int64, ts time.Time, payload []byte) (app, *dirState) {
	cc := &c.flows.at(s).val
	cc.add(fwd, n, ts)
	c.flows.add(s)
	if cc.app == appNone {
		cc.app = appByContent(proto, sport, dport, payload)
		if cc.app != appNone { // once a flow
			if !c.unexpected.flow(&c.flows.at(s).key, cc.app) {
				c.unexpectedCut++
			}
		}
	}
	kind := cc.app
	if kind == appNone {
		if cc.portApp == appNone {
			cc.portApp = appByPort(proto, sport, dport)
		}
		kind = cc.portApp
	}
	d := &cc.dir[0]
	if !fwd {
		d = &cc.dir[1]
	}
	return kind, d
}

// addPorts counts for the ports of flow k the packets and bytes it passes
// on (analyzer.flush), from A to B and from B to A. Counting them there
// rather than at each packet saves the pass two table entries per packet,
// the one of a client's port a cache miss each on the uniform 1 GB mix.
//
// The server's port (orient) also counts them both ways as a server port,
// and counts the flow once when fresh (its first packets passed on).
func (c *conversations) addPorts(k *flowKey, seen [2]uint8, fresh bool, pAB, bAB, pBA, bBA int64) {
	ports := &c.udpPorts
	if k.proto == protoTCP {
		ports = &c.tcpPorts
	}
	ports.add(k.aPort, k.bPort, pAB, bAB)
	ports.add(k.bPort, k.aPort, pBA, bBA)
	server := k.bPort
	if clientB, _ := orient(k, seen); clientB {
		server = k.aPort
	}
	p := ports.at(server)
	p.serverPackets += pAB + pBA
	p.serverBytes += bAB + bBA
	if fresh {
		p.serverConvs++
	}
}

// convRow is a conversation with its key and, in an estimated list, how
// many packets and bytes it may miss.
type convRow[K any] struct {
	k          K
	c          *convCount
	perr, berr int64
	o          oriented // transport conversations
}

func (c *conversations) summary(digits int, maxLen int64) (Conversations, Ports) {
	pairs := make([]convRow[pairKey], c.pairs.len())
	for i, e := range c.pairs.all() {
		pairs[i] = convRow[pairKey]{e.key, &e.val, e.err, e.err * maxLen, oriented{}}
	}
	flows := make([]convRow[flowKey], c.flows.len())
	for i, e := range c.flows.all() {
		flows[i] = convRow[flowKey]{e.key, &e.val.convCount, e.err, e.err * maxLen, e.val.oriented(&e.key)}
		c.done(&e.key, &e.val)
	}
	out := conversationLists(pairs, flows, digits)
	out.TCPOutcomes = outcomeCounts(&c.outcomes)
	out.Scanners = c.scans.summary()
	out.UDPScanners, out.ICMPAnswers = c.udpScans.summary(), c.icmpAnswers
	// Each replacement brought a key that had no place: distinct then, if
	// perhaps not new to the capture.
	out.TransportTotal += c.flows.evictions
	return out, Ports{TCP: c.tcpPorts.list("tcp"), UDP: c.udpPorts.list("udp"), Unexpected: c.unexpected.summary()}
}

// conversationLists sorts and formats IP and transport conversations:
// bytes (both ways) desc, then by key. Only the first
// MaxTransportConversations flows are listed.
func conversationLists(pairs []convRow[pairKey], flows []convRow[flowKey], digits int) Conversations {
	conv := func(cc *convCount, perr, berr int64) Conversation {
		out := Conversation{PacketsAB: cc.packetsAB, BytesAB: cc.bytesAB, PacketsBA: cc.packetsBA, BytesBA: cc.bytesBA,
			PacketsError: perr, BytesError: berr, Packets: cc.packetsAB + cc.packetsBA, Bytes: cc.bytesAB + cc.bytesBA}
		if !cc.first.IsZero() {
			out.First = formatTime(cc.first, digits)
			out.Last = formatTime(cc.last, digits)
			out.DurationSeconds = seconds(cc.first, cc.last)
		}
		return out
	}
	byBytes := func(x, y *convCount) int {
		return cmp.Compare(y.bytesAB+y.bytesBA, x.bytesAB+x.bytesBA)
	}
	slices.SortFunc(pairs, func(x, y convRow[pairKey]) int {
		if o := byBytes(x.c, y.c); o != 0 {
			return o
		}
		if o := x.k.a.Compare(y.k.a); o != 0 {
			return o
		}
		return x.k.b.Compare(y.k.b)
	})
	var out Conversations
	out.IP = make([]Conversation, len(pairs))
	for i, r := range pairs {
		out.IP[i] = conv(r.c, r.perr, r.berr)
		out.IP[i].A, out.IP[i].B = r.k.a.String(), r.k.b.String()
	}

	slices.SortFunc(flows, func(x, y convRow[flowKey]) int {
		if o := byBytes(x.c, y.c); o != 0 {
			return o
		}
		if o := cmp.Compare(x.k.proto, y.k.proto); o != 0 {
			return o
		}
		if o := x.k.a.Compare(y.k.a); o != 0 {
			return o
		}
		if o := cmp.Compare(x.k.aPort, y.k.aPort); o != 0 {
			return o
		}
		if o := x.k.b.Compare(y.k.b); o != 0 {
			return o
		}
		return cmp.Compare(x.k.bPort, y.k.bPort)
	})
	out.TransportTotal = int64(len(flows))
	out.Transport = make([]Conversation, 0, min(len(flows), MaxTransportConversations))
	for _, r := range flows[:min(len(flows), MaxTransportConversations)] {
		cv := conv(r.c, r.perr, r.berr)
		cv.Proto = "udp"
		if r.k.proto == protoTCP {
			cv.Proto = "tcp"
		}
		cv.A, cv.APort, cv.B, cv.BPort = r.k.a.String(), r.k.aPort, r.k.b.String(), r.k.bPort
		proto := uint8(17)
		if r.k.proto == protoTCP {
			proto = 6
		}
		cv.CommunityID = CommunityID(communityIDSeed, proto, r.k.a, r.k.aPort, r.k.b, r.k.bPort, false)
		cv.Client, cv.ClientPort, cv.Server, cv.ServerPort = cv.A, cv.APort, cv.B, cv.BPort
		cv.PacketsToServer, cv.BytesToServer, cv.PacketsToClient, cv.BytesToClient = cv.PacketsAB, cv.BytesAB, cv.PacketsBA, cv.BytesBA
		if r.o.clientB {
			cv.Client, cv.ClientPort, cv.Server, cv.ServerPort = cv.B, cv.BPort, cv.A, cv.APort
			cv.PacketsToServer, cv.BytesToServer, cv.PacketsToClient, cv.BytesToClient = cv.PacketsBA, cv.BytesBA, cv.PacketsAB, cv.BytesAB
		}
		cv.OrientedBy = orientNames[r.o.by]
		cv.Outcome = outcomeNames[r.o.outcome]
		out.Transport = append(out.Transport, cv)
	}
	return out
}

// sortPorts orders ports by packets as a server's port desc, then by
// packets (source + destination) desc, then by port.
func sortPorts(out []Port) {
	slices.SortFunc(out, func(x, y Port) int {
		if o := cmp.Compare(y.ServerPackets, x.ServerPackets); o != 0 {
			return o
		}
		if o := cmp.Compare(y.SrcPackets+y.DstPackets, x.SrcPackets+x.DstPackets); o != 0 {
			return o
		}
		return cmp.Compare(x.Port, y.Port)
	})
}

func outcomeCounts(n *[numOutcomes]int64) TCPOutcomes {
	return TCPOutcomes{Established: n[outcomeEstablished], Rejected: n[outcomeRejected], NoAnswer: n[outcomeNoAnswer],
		Incomplete: n[outcomeIncomplete], MidStream: n[outcomeMidStream]}
}
