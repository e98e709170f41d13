package main

import (
	"fmt"
	"io"
	"net/netip"
)

// -mode udpscan adds to the background, one probe every scanEvery steps
// or so, until done:
//
//   - a UDP scan: the first client (10.0.1.10) probes ports 53, 123, 161
//     and 500 of the next -scan-hosts clients after the third (default 300;
//     every fifth host over IPv6, from the scanner's IPv6 address). Probe
//     i to host h is answered, by (i+h)%10: 0, a UDP reply (open); 1,
//     nothing (filtered); 7, an ICMP "communication administratively
//     prohibited" from a firewall (100.64.0.1; ICMPv6's code 1 from fd64::1);
//     else an ICMP or ICMPv6 port unreachable from the host.
//   - a traceroute, a near miss: the second client (10.0.1.11) traces the
//     route to four servers, UDP to ports 33434 and up, TTL 1 to 30, three
//     probes each: routers 100.64.1.1 to 100.64.1.5 answer the first five
//     hops by ICMP time exceeded, the rest go unanswered (a firewall).
//   - a resolver, a near miss: the third client (10.0.1.12) asks 400
//     servers one DNS question each; one in seven goes unanswered.
//
// gencap prints the counts when done.
type udpScanCounts struct {
	scan                         [2]udpScanOf // over IPv4, over IPv6
	tracer                       string
	traces, expired, traceSilent int
	resolver                     string
	queries, answered            int
}

// udpScanOf is what the UDP scan sent from one of the scanner's addresses.
type udpScanOf struct {
	scanner                                       string
	probes, portUnreach, prohibited, silent, open int
}

var udpScanPorts = [...]uint16{53, 123, 161, 500}

const (
	traceTargets = 4
	traceHops    = 30
	traceAnswers = 5 // hops that answer
	resolverAsks = 400
)

// udpProbe sends the next probe of -mode udpscan and what answers it, and
// reports whether there was one left.
func (g *gen) udpProbe() bool {
	u := &g.udpScan
	i := g.udpAt
	scanProbes := g.cfg.scanHosts * len(udpScanPorts)
	traceProbes := traceTargets * traceHops * 3
	switch {
	case i < scanProbes:
		g.udpScanProbe(i)
	case i < scanProbes+traceProbes:
		g.traceProbe(i - scanProbes)
	case i < scanProbes+traceProbes+resolverAsks:
		j := i - scanProbes - traceProbes
		c := &g.clients[2]
		p := g.newPath(c, &g.servers[j%len(g.servers)], false, true)
		u.resolver = fmt.Sprintf("%d.%d.%d.%d", c.v4[0], c.v4[1], c.v4[2], c.v4[3])
		u.queries++
		g.udpExchange(&p, uint16(20000+j), 53, j%7 != 3)
		if j%7 != 3 {
			u.answered++
		}
	default:
		return false
	}
	g.udpAt++
	return true
}

// udpExchange sends a UDP probe from p's client port cport to its server's
// port, a DNS query when that is 53, and, when answered, the reply (the
// query turned into a response; a few bytes for other ports). It returns
// the probe's IP header and UDP header and payload, for an ICMP error to
// quote.
func (g *gen) udpExchange(p *path, cport, sport uint16, answered bool) []byte {
	l4 := p.l4()
	b := g.frame[l4+8 : l4+8]
	if sport == 53 {
		b = appendQuery(b, uint16(g.r.Uint32()), "example.com", dnsA)
	} else {
		// 48 bytes: an NTP version 4 client request on port 123.
		b = append(b, 0xe3)
		b = append(b, make([]byte, 47)...)
	}
	n := len(b)
	udp(g.frame[l4:], cport, sport, true, n)
	g.sendIP(p, true, protoUDP, 8+n)
	l3 := l4 - 20
	if p.v6 {
		l3 = l4 - 40
	}
	probe := append([]byte(nil), g.frame[l3:l4+8+n]...)
	if answered {
		copy(g.frame[l4+8:], probe[l4-l3+8:])
		if sport == 53 {
			g.frame[l4+8+2], g.frame[l4+8+3] = 0x81, 0x80 // a response, no error
		}
		udp(g.frame[l4:], cport, sport, false, n)
		g.sendIP(p, false, protoUDP, 8+n)
	}
	return probe
}

// icmpError sends an ICMP (or ICMPv6, when p is) error of type typ and code
// quoting probe, from p's server to its client.
func (g *gen) icmpError(p *path, typ, code uint8, probe []byte) {
	l4 := p.l4()
	h := g.frame[l4:]
	h[0], h[1] = typ, code
	clear(h[2:8])
	n := copy(h[8:], probe)
	proto := uint8(protoICMP)
	if p.v6 {
		proto = protoICMPv6
	}
	g.sendIP(p, false, proto, 8+n)
}

func (g *gen) udpScanProbe(i int) {
	c := &g.clients[0]
	hostNo := i / len(udpScanPorts)
	t := &g.clients[3+hostNo]
	v6 := hostNo%5 == 0
	p := g.newPath(c, t, v6, false)
	p.sMAC = p.cMAC // the same LAN, not through the gateway
	u := &g.udpScan.scan[0]
	u.scanner = fmt.Sprintf("%d.%d.%d.%d", c.v4[0], c.v4[1], c.v4[2], c.v4[3])
	if v6 {
		u = &g.udpScan.scan[1]
		u.scanner = netip.AddrFrom16(c.v6).String()
	}
	u.probes++
	class := (i + hostNo) % 10
	probe := g.udpExchange(&p, 40000+uint16(hostNo%1000), udpScanPorts[i%len(udpScanPorts)], class == 0)
	switch class {
	case 0:
		u.open++
	case 1:
		u.silent++
	case 7:
		u.prohibited++
		fw := host{mac: c.mac, v4: [4]byte{100, 64, 0, 1}, ttl: 255}
		fw.v6 = [16]byte{0xfd, 0x64, 15: 1}
		q := g.newPath(c, &fw, v6, false)
		if v6 {
			g.icmpError(&q, 1, 1, probe)
		} else {
			g.icmpError(&q, 3, 13, probe)
		}
	default:
		u.portUnreach++
		if v6 {
			g.icmpError(&p, 1, 4, probe)
		} else {
			g.icmpError(&p, 3, 3, probe)
		}
	}
}

func (g *gen) traceProbe(i int) {
	u := &g.udpScan
	c := &g.clients[1]
	target := i / (traceHops * 3)
	seq := i % (traceHops * 3)
	hop := seq/3 + 1
	p := g.newPath(c, &g.servers[target%len(g.servers)], false, true)
	p.cTTL = uint8(hop)
	u.tracer = fmt.Sprintf("%d.%d.%d.%d", c.v4[0], c.v4[1], c.v4[2], c.v4[3])
	u.traces++
	probe := g.udpExchange(&p, uint16(50000+target), uint16(33434+seq), false)
	if hop > traceAnswers {
		u.traceSilent++
		return
	}
	u.expired++
	r := host{mac: g.gateway, v4: [4]byte{100, 64, 1, byte(hop)}, ttl: uint8(255 - hop)}
	q := g.newPath(c, &r, false, false)
	g.icmpError(&q, 11, 0, probe)
}

// printUDPScan prints what -mode udpscan sent.
func (g *gen) printUDPScan(w io.Writer) {
	u := &g.udpScan
	for _, s := range u.scan {
		fmt.Fprintf(w, "gencap: udp scan: %s probed %d targets: %d port unreachable, %d prohibited, %d no answer, %d open\n",
			s.scanner, s.probes, s.portUnreach, s.prohibited, s.silent, s.open)
	}
	fmt.Fprintf(w, "gencap: traceroute: %s sent %d probes: %d time exceeded, %d no answer\n", u.tracer, u.traces, u.expired, u.traceSilent)
	fmt.Fprintf(w, "gencap: resolver: %s asked %d servers: %d answered\n", u.resolver, u.queries, u.answered)
}
