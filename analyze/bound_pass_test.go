package analyze

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// TestPassWarnsARPBounds: one capture past the ARP bounds lists what they
// hold and says in a warning how many packets it left out (the overview
// says the same of its merge, TestOverviewBounds*). The capture is made
// here, so the answer is known: maxKeys+7 replies, each from its own
// address and so its own binding, the first maxGratuitous+3 of them
// gratuitous (the sender asks for itself).
func TestPassWarnsARPBounds(t *testing.T) {
	const extra, extraGrat = 7, 3
	n := maxKeys + extra
	tmpl := arpFrame(t, 2, "02:00:00:00:00:01", "10.0.0.1", "10.255.255.254")
	pkts := make([]testPacket, n)
	for i := range n {
		f := slices.Clone(tmpl)
		ip := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).As4()
		copy(f[14+14:14+18], ip[:]) // sender protocol address
		if i < maxGratuitous+extraGrat {
			copy(f[14+24:14+28], ip[:]) // target: itself
		}
		pkts[i] = testPacket{at: t0.Add(time.Duration(i) * time.Microsecond), data: f}
	}
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts), Options{})
	if len(s.ARP.Pairs) != maxKeys || len(s.ARP.Replies) != maxKeys || len(s.ARP.Gratuitous) != maxGratuitous {
		t.Errorf("listed %d bindings, %d repliers, %d gratuitous senders; want %d, %d, %d",
			len(s.ARP.Pairs), len(s.ARP.Replies), len(s.ARP.Gratuitous), maxKeys, maxKeys, maxGratuitous)
	}
	for _, p := range s.ARP.Pairs {
		if p.Packets != 1 {
			t.Fatalf("binding %+v: %d packets, want 1", p, p.Packets)
		}
	}
	want := fmt.Sprintf("more than %d ARP addresses of requests or replies, or %d address-to-MAC bindings, or %d senders of gratuitous ARP: %d, %d and %d of their packets are not listed",
		maxKeys, maxKeys, maxGratuitous, extra, extra, extraGrat)
	if !slices.Contains(s.Capture.Warnings, want) {
		t.Errorf("warnings %q, want one %q", s.Capture.Warnings, want)
	}

	// Within the bounds: no warning.
	s = analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts[:maxGratuitous]), Options{})
	for _, w := range s.Capture.Warnings {
		if strings.Contains(w, "ARP") {
			t.Errorf("warning within the bounds: %q", w)
		}
	}
}

// TestPassWarnsUnexpectedBound: past maxUnexpected services on unexpected
// ports (HTTP to SSH's port of as many servers), one capture lists
// maxUnexpected of them and says how many flows it left out.
func TestPassWarnsUnexpectedBound(t *testing.T) {
	const extra = 4
	get := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	var fs [][]byte
	for i := range maxUnexpected + extra {
		fs = append(fs, tcpFrame(t, "10.0.0.1", fmt.Sprintf("10.1.%d.%d", i>>8, i&0xff), 40000, 22, get))
	}
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, frames(fs...)), Options{})
	if len(s.Ports.Unexpected) != maxUnexpected {
		t.Errorf("listed %d services on unexpected ports, want %d", len(s.Ports.Unexpected), maxUnexpected)
	}
	want := fmt.Sprintf("more than %d services on unexpected ports: %d of their flows are not listed", maxUnexpected, extra)
	if !slices.Contains(s.Capture.Warnings, want) {
		t.Errorf("warnings %q, want one %q", s.Capture.Warnings, want)
	}
	s = analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, frames(fs[:maxUnexpected]...)), Options{})
	for _, w := range s.Capture.Warnings {
		if strings.Contains(w, "unexpected") {
			t.Errorf("warning within the bound: %q", w)
		}
	}
}
