package analyze

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"net"
	"net/netip"
	"slices"
	"time"
)

type icmpKey struct{ version, typ, code uint8 }

// icmpName names common ICMP and ICMPv6 types and codes.
func icmpName(k icmpKey) string {
	if k.version == 4 {
		switch k.typ {
		case 0:
			return "echo reply"
		case 3:
			codes := []string{"network unreachable", "host unreachable", "protocol unreachable", "port unreachable",
				"fragmentation needed", "source route failed", "destination network unknown", "destination host unknown",
				"source host isolated", "network administratively prohibited", "host administratively prohibited",
				"network unreachable for TOS", "host unreachable for TOS", "communication administratively prohibited"}
			if int(k.code) < len(codes) {
				return "destination unreachable: " + codes[k.code]
			}
			return "destination unreachable"
		case 4:
			return "source quench"
		case 5:
			return "redirect"
		case 8:
			return "echo request"
		case 9:
			return "router advertisement"
		case 10:
			return "router solicitation"
		case 11:
			if k.code == 1 {
				return "time exceeded: fragment reassembly"
			}
			return "time exceeded: TTL expired in transit"
		case 12:
			return "parameter problem"
		case 13:
			return "timestamp request"
		case 14:
			return "timestamp reply"
		}
		return fmt.Sprintf("type %d", k.typ)
	}
	switch k.typ {
	case 1:
		codes := []string{"no route", "administratively prohibited", "beyond scope of source address",
			"address unreachable", "port unreachable", "source address failed policy", "reject route"}
		if int(k.code) < len(codes) {
			return "destination unreachable: " + codes[k.code]
		}
		return "destination unreachable"
	case 2:
		return "packet too big"
	case 3:
		if k.code == 1 {
			return "time exceeded: fragment reassembly"
		}
		return "time exceeded: hop limit exceeded in transit"
	case 4:
		return "parameter problem"
	case 128:
		return "echo request"
	case 129:
		return "echo reply"
	case 130, 131, 132, 143:
		return "multicast listener"
	case 133:
		return "router solicitation"
	case 134:
		return "router advertisement"
	case 135:
		return "neighbor solicitation"
	case 136:
		return "neighbor advertisement"
	case 137:
		return "redirect"
	}
	return fmt.Sprintf("type %d", k.typ)
}

func icmpSummary(m map[icmpKey]int64) []ICMPCount {
	out := make([]ICMPCount, 0, len(m))
	for k, n := range m {
		out = append(out, ICMPCount{Version: int(k.version), Type: k.typ, Code: k.code, Name: icmpName(k), Packets: n})
	}
	slices.SortFunc(out, func(x, y ICMPCount) int {
		if c := cmp.Compare(y.Packets, x.Packets); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Version, y.Version); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Type, y.Type); c != 0 {
			return c
		}
		return cmp.Compare(x.Code, y.Code)
	})
	return out
}

// mergeICMP adds the counts of a Summary's ICMP list to m, an overview's
// counts, which icmpSummary then lists.
func mergeICMP(m map[icmpKey]int64, xs []ICMPCount) error {
	for _, ic := range xs {
		if ic.Version < 0 || ic.Version > math.MaxUint8 {
			return fmt.Errorf("bad version %d", ic.Version)
		}
		m[icmpKey{uint8(ic.Version), ic.Type, ic.Code}] += ic.Packets
	}
	return nil
}

// arpKey is an IPv4-to-MAC binding claimed by an ARP sender.
type arpKey struct {
	ip  netip.Addr
	mac [6]byte
}

// arpCounter accumulates ARP requests, replies and bindings.
type arpCounter struct {
	requests map[netip.Addr]int64 // who-has, by target IP
	replies  map[netip.Addr]int64 // is-at, by sender IP
	pairs    map[arpKey]int64
	grat     map[netip.Addr]*gratCount // gratuitous ARP by sender, at most maxGratuitous
	// The packets of the addresses, bindings and gratuitous senders past
	// the bounds, not listed (one capture's, or an overview's merge).
	untracked, cutPairs, cutGrat int64
}

// maxGratuitous bounds the senders of gratuitous ARP followed.
const maxGratuitous = 10_000

// gratCount counts one sender's gratuitous ARP, and the most in one
// 10-second window.
type gratCount struct {
	n, window, inWindow, peak int64
}

func (g *gratCount) add(ts time.Time) {
	g.n++
	if ts.IsZero() {
		return
	}
	if w := ts.Unix() / 10; w != g.window || g.inWindow == 0 {
		g.window, g.inWindow = w, 0
	}
	g.inWindow++
	g.peak = max(g.peak, g.inWindow)
}

func newARPCounter() arpCounter {
	return arpCounter{requests: map[netip.Addr]int64{}, replies: map[netip.Addr]int64{}, pairs: map[arpKey]int64{},
		grat: map[netip.Addr]*gratCount{}}
}

// packet reads an Ethernet/IPv4 ARP message seen at ts. It reports
// whether it could.
func (a *arpCounter) packet(b []byte, ts time.Time) bool {
	// hardware type, protocol type, hardware size 6, protocol size 4, opcode
	if len(b) < 28 || b[4] != 6 || b[5] != 4 || binary.BigEndian.Uint16(b[2:4]) != 0x0800 {
		return false
	}
	op := binary.BigEndian.Uint16(b[6:8])
	sender := netip.AddrFrom4([4]byte(b[14:18]))
	target := netip.AddrFrom4([4]byte(b[24:28]))
	switch op {
	case 1:
		if !countCapped(a.requests, target) {
			a.untracked++
		}
	case 2:
		if !countCapped(a.replies, sender) {
			a.untracked++
		}
	}
	if !sender.IsUnspecified() { // 0.0.0.0 is an address probe, not a claim
		k := arpKey{sender, [6]byte(b[8:14])}
		if _, ok := a.pairs[k]; ok || len(a.pairs) < maxKeys {
			a.pairs[k]++
		} else {
			a.cutPairs++
		}
		if sender == target && (op == 1 || op == 2) {
			g := a.grat[sender]
			if g == nil && len(a.grat) < maxGratuitous {
				g = &gratCount{}
				a.grat[sender] = g
			}
			if g != nil {
				g.add(ts)
			} else {
				a.cutGrat++
			}
		}
	}
	return true
}

// countCapped counts one for ip unless ip is new and m has maxKeys keys,
// and reports whether it did.
func countCapped(m map[netip.Addr]int64, ip netip.Addr) bool {
	if _, ok := m[ip]; ok || len(m) < maxKeys {
		m[ip]++
		return true
	}
	return false
}

// warning says what the bounds left out, or "" when nothing; where is
// appended to the bounds (an overview's " in the captures merged").
func (a *arpCounter) warning(where string) string {
	if a.untracked+a.cutPairs+a.cutGrat == 0 {
		return ""
	}
	return fmt.Sprintf("more than %d ARP addresses of requests or replies, or %d address-to-MAC bindings, or %d senders of gratuitous ARP%s: %d, %d and %d of their packets are not listed",
		maxKeys, maxKeys, maxGratuitous, where, a.untracked, a.cutPairs, a.cutGrat)
}

func (a *arpCounter) summary() ARP {
	out := ARP{Requests: ipCounts(a.requests), Replies: ipCounts(a.replies), Conflicts: []ARPConflict{}}
	keys := make([]arpKey, 0, len(a.pairs))
	for k := range a.pairs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareARPKeys)
	out.Pairs = make([]ARPPair, len(keys))
	for i, k := range keys {
		out.Pairs[i] = ARPPair{IP: k.ip.String(), MAC: net.HardwareAddr(k.mac[:]).String(), Packets: a.pairs[k]}
		if i > 0 && keys[i-1].ip == k.ip {
			if n := len(out.Conflicts); n > 0 && out.Conflicts[n-1].IP == out.Pairs[i].IP {
				out.Conflicts[n-1].MACs = append(out.Conflicts[n-1].MACs, out.Pairs[i].MAC)
			} else {
				out.Conflicts = append(out.Conflicts, ARPConflict{IP: out.Pairs[i].IP, MACs: []string{out.Pairs[i-1].MAC, out.Pairs[i].MAC}})
			}
		}
	}
	byMAC := map[string][]string{}
	for _, p := range out.Pairs {
		byMAC[p.MAC] = append(byMAC[p.MAC], p.IP) // Pairs are in address order
	}
	macs := make([]string, 0, len(byMAC))
	for mac, ips := range byMAC {
		if len(ips) > 1 {
			macs = append(macs, mac)
		}
	}
	slices.Sort(macs)
	out.SharedMACs = make([]MACClaims, len(macs))
	for i, mac := range macs {
		out.SharedMACs[i] = MACClaims{MAC: mac, IPs: byMAC[mac]}
	}
	type ipGrat struct {
		ip netip.Addr
		g  *gratCount
	}
	gs := make([]ipGrat, 0, len(a.grat))
	for ip, g := range a.grat {
		gs = append(gs, ipGrat{ip, g})
	}
	slices.SortFunc(gs, func(x, y ipGrat) int {
		return cmp.Or(cmp.Compare(y.g.peak, x.g.peak), cmp.Compare(y.g.n, x.g.n), x.ip.Compare(y.ip))
	})
	out.Gratuitous = make([]ARPGratuitous, len(gs))
	for i, e := range gs {
		out.Gratuitous[i] = ARPGratuitous{IP: e.ip.String(), Packets: e.g.n, Peak10s: e.g.peak}
	}
	return out
}

func compareARPKeys(x, y arpKey) int {
	return cmp.Or(x.ip.Compare(y.ip), slices.Compare(x.mac[:], y.mac[:]))
}

// merge adds a Summary's ARP to a, an overview's counter, within one
// capture's bounds: maxKeys requests and replies addresses (the first
// come, as countCapped), maxKeys bindings and maxGratuitous gratuitous
// senders. Of those two, the first in address (then MAC) order are kept,
// whatever the order of adding: one cut has as many before it, which stay,
// so it is cut for good and the counts kept are those of the union. The
// packets of what is cut are counted for a warning. Conflicts and
// SharedMACs follow from the pairs, in summary.
func (a *arpCounter) merge(s *ARP) error {
	n, err := addIPCounts(a.requests, s.Requests)
	a.untracked += n
	if err != nil {
		return err
	}
	n, err = addIPCounts(a.replies, s.Replies)
	a.untracked += n
	if err != nil {
		return err
	}
	for _, p := range s.Pairs {
		ip, err := netip.ParseAddr(p.IP)
		if err != nil {
			return err
		}
		mac, err := net.ParseMAC(p.MAC)
		if err != nil || len(mac) != 6 {
			return fmt.Errorf("%q is not an Ethernet address", p.MAC)
		}
		a.pairs[arpKey{ip, [6]byte(mac)}] += p.Packets
	}
	for _, g := range s.Gratuitous {
		ip, err := netip.ParseAddr(g.IP)
		if err != nil {
			return err
		}
		c := a.grat[ip]
		if c == nil {
			c = &gratCount{}
			a.grat[ip] = c
		}
		c.n += g.Packets
		c.peak = max(c.peak, g.Peak10s)
	}
	if len(a.pairs) > maxKeys {
		for _, k := range slices.SortedFunc(maps.Keys(a.pairs), compareARPKeys)[maxKeys:] {
			a.cutPairs += a.pairs[k]
			delete(a.pairs, k)
		}
	}
	if len(a.grat) > maxGratuitous {
		for _, ip := range slices.SortedFunc(maps.Keys(a.grat), netip.Addr.Compare)[maxGratuitous:] {
			a.cutGrat += a.grat[ip].n
			delete(a.grat, ip)
		}
	}
	return nil
}
