package analyze

import (
	"cmp"
	"net/netip"
	"slices"
	"time"
)

// pairKey is an unordered IP pair: a is the lower address.
type pairKey struct{ a, b netip.Addr }

// flowKey is an unordered transport 5-tuple: (a, aPort) is the lower end.
type flowKey struct {
	a, b         netip.Addr
	aPort, bPort uint16
	proto        uint8
}

// convCount is traffic between the two ends of a key, each way.
type convCount struct {
	packetsAB, bytesAB, packetsBA, bytesBA int64
	first, last                            time.Time // zero before a timed packet
	// app is the application recognised from the flow's content, sticky
	// once found so that a flow's bare ACKs count with it.
	app app
	// dir follows each direction (A to B, B to A) for HTTP and TLS messages.
	dir [2]dirState
}

func (c *convCount) add(forward bool, n int64, ts time.Time) {
	if forward {
		c.packetsAB++
		c.bytesAB += n
	} else {
		c.packetsBA++
		c.bytesBA += n
	}
	if !ts.IsZero() {
		if c.first.IsZero() || ts.Before(c.first) {
			c.first = ts
		}
		if ts.After(c.last) {
			c.last = ts
		}
	}
}

// conversations accumulates IP pairs, transport flows and ports.
type conversations struct {
	pairs    map[pairKey]*convCount
	flows    map[flowKey]*convCount
	tcpPorts map[uint16]*portCount
	udpPorts map[uint16]*portCount
	// Packets of pairs and flows past maxKeys, counted but not listed.
	untrackedPairs, untrackedFlows protoCount
	// spare is where the packets of an untracked flow are counted, so that
	// the caller always gets a direction state (a throwaway one).
	spare convCount
}

type portCount struct{ srcPackets, srcBytes, dstPackets, dstBytes int64 }

func newConversations() conversations {
	return conversations{
		pairs:    map[pairKey]*convCount{},
		flows:    map[flowKey]*convCount{},
		tcpPorts: map[uint16]*portCount{},
		udpPorts: map[uint16]*portCount{},
	}
}

// addIP counts an IP packet between src and dst. ts is zero for untimed packets.
func (c *conversations) addIP(src, dst netip.Addr, n int64, ts time.Time) {
	k, fwd := pairKey{src, dst}, true
	if dst.Less(src) {
		k, fwd = pairKey{dst, src}, false
	}
	cc := c.pairs[k]
	if cc == nil {
		if len(c.pairs) >= maxKeys {
			c.untrackedPairs.add(n)
			return
		}
		cc = &convCount{}
		c.pairs[k] = cc
	}
	cc.add(fwd, n, ts)
}

// addTransport counts a TCP or UDP packet and returns its application
// (recognised from the flow's content when it ever was, else by port) and
// the state of the packet's direction of the flow.
func (c *conversations) addTransport(proto uint8, src, dst netip.Addr, sport, dport uint16, n int64, ts time.Time, payload []byte) (app, *dirState) {
	k, fwd := flowKey{a: src, b: dst, aPort: sport, bPort: dport, proto: proto}, true
	if dst.Less(src) || (dst == src && dport < sport) {
		k, fwd = flowKey{a: dst, b: src, aPort: dport, bPort: sport, proto: proto}, false
	}
	cc := c.flows[k]
	if cc == nil {
		if len(c.flows) >= maxKeys {
			c.untrackedFlows.add(n)
			c.spare = convCount{}
			cc = &c.spare
		} else {
			cc = &convCount{}
			c.flows[k] = cc
		}
	}
	cc.add(fwd, n, ts)
	if cc.app == appNone {
		cc.app = appByContent(proto, sport, dport, payload)
	}
	kind := cc.app
	if kind == appNone {
		kind = appByPort(proto, sport, dport)
	}

	ports := c.udpPorts
	if proto == protoTCP {
		ports = c.tcpPorts
	}
	p := ports[sport]
	if p == nil {
		p = &portCount{}
		ports[sport] = p
	}
	p.srcPackets++
	p.srcBytes += n
	p = ports[dport]
	if p == nil {
		p = &portCount{}
		ports[dport] = p
	}
	p.dstPackets++
	p.dstBytes += n
	d := &cc.dir[0]
	if !fwd {
		d = &cc.dir[1]
	}
	return kind, d
}

func (c *conversations) summary(digits int) (Conversations, Ports) {
	conv := func(cc *convCount) Conversation {
		out := Conversation{PacketsAB: cc.packetsAB, BytesAB: cc.bytesAB, PacketsBA: cc.packetsBA, BytesBA: cc.bytesBA}
		if !cc.first.IsZero() {
			out.First = formatTime(cc.first, digits)
			out.Last = formatTime(cc.last, digits)
			out.DurationSeconds = seconds(cc.first, cc.last)
		}
		return out
	}
	byBytes := func(x, y Conversation) int {
		return cmp.Compare(y.BytesAB+y.BytesBA, x.BytesAB+x.BytesBA)
	}

	type pairRow struct {
		k pairKey
		c Conversation
	}
	pairs := make([]pairRow, 0, len(c.pairs))
	for k, cc := range c.pairs {
		r := pairRow{k, conv(cc)}
		r.c.A, r.c.B = k.a.String(), k.b.String()
		pairs = append(pairs, r)
	}
	slices.SortFunc(pairs, func(x, y pairRow) int {
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
		out.IP[i] = r.c
	}

	type flowRow struct {
		k flowKey
		c *convCount
	}
	flows := make([]flowRow, 0, len(c.flows))
	for k, cc := range c.flows {
		flows = append(flows, flowRow{k, cc})
	}
	slices.SortFunc(flows, func(x, y flowRow) int {
		if o := cmp.Compare(y.c.bytesAB+y.c.bytesBA, x.c.bytesAB+x.c.bytesBA); o != 0 {
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
		cv := conv(r.c)
		cv.Proto = "udp"
		if r.k.proto == protoTCP {
			cv.Proto = "tcp"
		}
		cv.A, cv.APort, cv.B, cv.BPort = r.k.a.String(), r.k.aPort, r.k.b.String(), r.k.bPort
		out.Transport = append(out.Transport, cv)
	}
	return out, Ports{TCP: sortedPorts(c.tcpPorts, "tcp"), UDP: sortedPorts(c.udpPorts, "udp")}
}

func sortedPorts(m map[uint16]*portCount, proto string) []Port {
	out := make([]Port, 0, len(m))
	for port, p := range m {
		out = append(out, Port{Port: port, Service: serviceName(proto, port),
			SrcPackets: p.srcPackets, SrcBytes: p.srcBytes, DstPackets: p.dstPackets, DstBytes: p.dstBytes})
	}
	slices.SortFunc(out, func(x, y Port) int {
		if o := cmp.Compare(y.SrcPackets+y.DstPackets, x.SrcPackets+x.DstPackets); o != 0 {
			return o
		}
		return cmp.Compare(x.Port, y.Port)
	})
	return out
}
