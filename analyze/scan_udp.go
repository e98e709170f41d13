package analyze

import (
	"encoding/binary"
	"net/netip"
)

// ICMPAnswers counts the ICMP and ICMPv6 errors that quote the IP header
// and the ports of a TCP or UDP packet: destination unreachables (of any
// code but fragmentation needed, which asks for smaller packets and ends
// nothing) and time exceeded in transit. The *Flows counts are those
// whose quoted packet is of a conversation the analysis still followed
// (not one that lost its place in the list, or began before the capture's
// first packet); each is an answer on the probed end's behalf, which the
// TCP outcome and the scan rules read.
type ICMPAnswers struct {
	Unreachable       int64 `json:"unreachable"`
	UnreachableFlows  int64 `json:"unreachable_flows"`
	TimeExceeded      int64 `json:"time_exceeded"`
	TimeExceededFlows int64 `json:"time_exceeded_flows"`
}

// icmpAnswer reads an ICMP (version 4) or ICMPv6 message, b, and when it
// is an error that quotes a TCP or UDP packet, counts it and marks the
// quoted packet's flow as answered: ICMP is rare, so this is one map
// lookup per message, none per TCP or UDP packet.
func (c *conversations) icmpAnswer(version uint8, b []byte) {
	if len(b) < 8 {
		return
	}
	var bit uint8
	switch t, code := b[0], b[1]; {
	case version == 4 && t == 3 && code != 4, version == 6 && t == 1:
		bit = seenUnreach
	case version == 4 && t == 11 && code == 0, version == 6 && t == 3 && code == 0:
		bit = seenExpired
	default:
		return
	}
	q := b[8:] // the quoted packet, from its IP header
	var src, dst netip.Addr
	var proto uint8
	switch {
	case version == 4 && len(q) >= 20 && q[0]>>4 == 4:
		// Fragments after the first carry no ports.
		if binary.BigEndian.Uint16(q[6:8])&0x1fff != 0 {
			return
		}
		hl := int(q[0]&0x0f) * 4
		if hl < 20 || len(q) < hl+4 {
			return
		}
		proto, src, dst = q[9], netip.AddrFrom4([4]byte(q[12:16])), netip.AddrFrom4([4]byte(q[16:20]))
		q = q[hl:]
	case version == 6 && len(q) >= 44 && q[0]>>4 == 6:
		// Extension headers are not followed: a probe rarely has them.
		proto, src, dst = q[6], netip.AddrFrom16([16]byte(q[8:24])), netip.AddrFrom16([16]byte(q[24:40]))
		q = q[40:]
	default:
		return
	}
	if proto != protoTCP && proto != protoUDP {
		return
	}
	sport, dport := binary.BigEndian.Uint16(q[0:2]), binary.BigEndian.Uint16(q[2:4])
	k, d := flowKey{a: src, b: dst, aPort: sport, bPort: dport, proto: proto}, 1
	if dst.Less(src) || (dst == src && dport < sport) {
		k, d = flowKey{a: dst, b: src, aPort: dport, bPort: sport, proto: proto}, 0
	}
	a := &c.icmpAnswers
	if bit == seenUnreach {
		a.Unreachable++
	} else {
		a.TimeExceeded++
	}
	s, ok := c.flows.index[k]
	if !ok {
		return
	}
	if bit == seenUnreach {
		a.UnreachableFlows++
	} else {
		a.TimeExceededFlows++
	}
	// d is the direction toward the quoted packet's destination: the end
	// whose behalf the error speaks on.
	c.flows.at(s).val.seen[d] |= bit
}

// udpDone counts UDP flow k for the UDP scans when it is about to be
// forgotten: a probe from its client (orient) to the server's (host,
// port), failed when the server sent nothing back and no router answered
// with a time exceeded. Flows to multicast and broadcast addresses (mDNS,
// SSDP, LLMNR, DHCP) are no probes, and neither is a flow whose client
// sent nothing (a one-way capture of a server's packets).
func (c *conversations) udpDone(k *flowKey, f *flowCount) {
	clientB, _ := orient(k, f.seen)
	client, server, port, answer, sent, back := k.a, k.b, k.bPort, f.seen[1], f.packetsAB, f.packetsBA
	if clientB {
		client, server, port, answer, sent, back = k.b, k.a, k.aPort, f.seen[0], f.packetsBA, f.packetsAB
	}
	if sent == 0 || server.IsMulticast() || server == netip.AddrFrom4([4]byte{255, 255, 255, 255}) || server.IsUnspecified() {
		return
	}
	c.udpScans.add(client, server, port, back == 0 && answer&seenExpired == 0, answer)
}

// merge adds a Summary's ICMPAnswers to a.
func (a *ICMPAnswers) merge(o *ICMPAnswers) {
	a.Unreachable += o.Unreachable
	a.UnreachableFlows += o.UnreachableFlows
	a.TimeExceeded += o.TimeExceeded
	a.TimeExceededFlows += o.TimeExceededFlows
}
