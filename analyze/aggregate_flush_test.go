package analyze

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// TestFlowsFlushToAddresses: packets counted in their flow reach the
// sources, destinations and IP pairs in batches (at a flow's first packet,
// every flushEvery packets, at the end); the lists must equal a count of
// every packet. The flows cross flushEvery, share a pair in both
// directions, and one pair is an address with itself (one flow, both
// ways).
func TestFlowsFlushToAddresses(t *testing.T) {
	type pkt struct {
		src, dst     string
		sport, dport uint16
		early        bool // out of time order: a second before the first
	}
	var stream []pkt
	for i := range 3*flushEvery + 5 {
		stream = append(stream, pkt{"10.0.0.1", "10.0.0.2", 5000, 53, false})
		if i%3 == 0 {
			stream = append(stream, pkt{"10.0.0.2", "10.0.0.1", 53, 5000, false})
		}
		if i%20 == 0 {
			stream = append(stream, pkt{"10.0.0.2", "10.0.0.1", 6000, 7000, false})
		}
		if i < flushEvery+9 {
			stream = append(stream, pkt{"10.0.0.3", "10.0.0.3", 1, 2, false})
		}
		if i%9 == 0 {
			stream = append(stream, pkt{"10.0.0.3", "10.0.0.3", 2, 1, false})
		}
	}
	// A new flow of a known pair, whose one packet is the pair's first.
	stream = append(stream, pkt{"10.0.0.2", "10.0.0.1", 6001, 7001, true})
	var pkts []testPacket
	type count struct{ packets, bytes int64 }
	src, dst := map[string]count{}, map[string]count{}
	type pairCount struct {
		ab, ba      count
		first, last time.Time
	}
	pairs := map[[2]string]*pairCount{}
	for i, p := range stream {
		payload := make([]byte, i%37)
		ts := t0.Add(time.Duration(i) * time.Millisecond)
		if p.early {
			ts = t0.Add(-time.Second)
		}
		pkts = append(pkts, testPacket{ts, udpFrame(t, p.src, p.dst, p.sport, p.dport, payload)})
		n := int64(28 + len(payload))
		src[p.src] = count{src[p.src].packets + 1, src[p.src].bytes + n}
		dst[p.dst] = count{dst[p.dst].packets + 1, dst[p.dst].bytes + n}
		a, b, ab := p.src, p.dst, true
		if netip.MustParseAddr(b).Less(netip.MustParseAddr(a)) {
			a, b, ab = b, a, false
		}
		pc := pairs[[2]string{a, b}]
		if pc == nil {
			pc = &pairCount{first: ts, last: ts}
			pairs[[2]string{a, b}] = pc
		}
		if ts.Before(pc.first) {
			pc.first = ts
		}
		if ts.After(pc.last) {
			pc.last = ts
		}
		c := &pc.ab
		if !ab {
			c = &pc.ba
		}
		c.packets++
		c.bytes += n
	}
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts), Options{})
	check := func(list string, got []Endpoint, want map[string]count) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: %d listed, want %d: %+v", list, len(got), len(want), got)
		}
		for _, e := range got {
			if w := want[e.IP]; e.Packets != w.packets || e.Bytes != w.bytes || e.PacketsError != 0 {
				t.Errorf("%s %s: %d packets %d bytes (error %d), want %d, %d", list, e.IP, e.Packets, e.Bytes, e.PacketsError, w.packets, w.bytes)
			}
		}
	}
	check("sources", s.Sources, src)
	check("destinations", s.Destinations, dst)
	if len(s.Conversations.IP) != len(pairs) {
		t.Errorf("%d IP conversations, want %d", len(s.Conversations.IP), len(pairs))
	}
	for _, c := range s.Conversations.IP {
		w := pairs[[2]string{c.A, c.B}]
		if w == nil {
			t.Errorf("unexpected pair %s %s", c.A, c.B)
			continue
		}
		first, err1 := time.Parse(time.RFC3339Nano, c.First)
		last, err2 := time.Parse(time.RFC3339Nano, c.Last)
		if c.PacketsAB != w.ab.packets || c.BytesAB != w.ab.bytes || c.PacketsBA != w.ba.packets || c.BytesBA != w.ba.bytes ||
			err1 != nil || err2 != nil || !first.Equal(w.first) || !last.Equal(w.last) {
			t.Errorf("pair %s %s: %+v, want %+v", c.A, c.B, c, *w)
		}
	}
	if want := 4; int(s.Conversations.TransportTotal) != want {
		t.Errorf("%d transport conversations, want %d", s.Conversations.TransportTotal, want)
	}
}
