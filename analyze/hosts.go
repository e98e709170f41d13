package analyze

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/pcapreport/pcapreport/internal/oui"
)

// Bounds of the host inventory (Summary.Hosts).
const (
	// MaxHosts bounds Hosts.List: the busiest addresses (bytes sent and
	// received) are listed.
	MaxHosts = 10_000
	// MaxMACsPerHost bounds Host.MACs (the first seen are kept).
	MaxMACsPerHost = 8
	// MaxServicesPerHost bounds Host.Services (the first seen are kept).
	MaxServicesPerHost = 64
	// maxHostExtras bounds the addresses whose MACs, TTL and services one
	// analysis (or overview) keeps: the first seen. At about 120 bytes each
	// with their services, 6 MB.
	maxHostExtras = 50_000
	// maxHostServices bounds the services kept over all addresses.
	maxHostServices = 100_000
)

// hostExtra is what the analysis learns of an address beyond its counts:
// the MACs of the frames it sent, the highest TTL of its packets to a
// unicast address, and how many services it offered.
type hostExtra struct {
	macs     [MaxMACsPerHost][6]byte
	nmacs    uint8
	ttl      uint8
	services uint8
}

type serviceKey struct {
	ip    netip.Addr
	port  uint16
	proto uint8
}

// hostCollector gathers the hostExtras of one capture, or of an overview.
type hostCollector struct {
	m        map[netip.Addr]*hostExtra
	services map[serviceKey]struct{}
	// full is true when an address, a MAC or a service was not kept for
	// a bound.
	full bool
}

func newHostCollector() hostCollector {
	return hostCollector{m: map[netip.Addr]*hostExtra{}, services: map[serviceKey]struct{}{}}
}

func (c *hostCollector) extra(ip netip.Addr) *hostExtra {
	e := c.m[ip]
	if e == nil {
		if len(c.m) >= maxHostExtras {
			c.full = true
			return nil
		}
		e = &hostExtra{}
		c.m[ip] = e
	}
	return e
}

func (e *hostExtra) addMAC(c *hostCollector, mac [6]byte) {
	for i := range e.nmacs {
		if e.macs[i] == mac {
			return
		}
	}
	if int(e.nmacs) >= MaxMACsPerHost {
		c.full = true
		return
	}
	e.macs[e.nmacs] = mac
	e.nmacs++
}

func (c *hostCollector) addService(ip netip.Addr, e *hostExtra, proto uint8, port uint16) {
	k := serviceKey{ip, port, proto}
	if _, ok := c.services[k]; ok {
		return
	}
	if int(e.services) >= MaxServicesPerHost || len(c.services) >= maxHostServices {
		c.full = true
		return
	}
	c.services[k] = struct{}{}
	e.services++
}

// unicast reports whether ip may be one host's address: not multicast
// and not the IPv4 limited broadcast. (Packets to groups are sent with
// TTLs of their own: mDNS always 255, LLMNR and SSDP often 1 or 4.)
// TTLs are only read from packets to unicast addresses.
func unicast(ip netip.Addr) bool {
	return !ip.IsMulticast() && ip != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// hostPacket learns what a packet tells of its source: the MAC it was
// sent from (on Ethernet links) and its TTL. Called for the first packet
// each way of a TCP or UDP flow (hostFlow), and for every IP packet that
// is not a whole TCP or UDP one: work per flow, not per packet.
func (a *analyzer) hostPacket(h *ipHeader, frame []byte) *hostExtra {
	e := a.hosts.extra(h.src)
	if e == nil {
		return nil
	}
	if a.lastLT == layers.LinkTypeEthernet && len(frame) >= 14 {
		e.addMAC(&a.hosts, [6]byte(frame[6:12]))
	}
	if h.ttl > e.ttl && unicast(h.dst) && !neighborDiscovery(h) {
		e.ttl = h.ttl
	}
	return e
}

// neighborDiscovery reports an ICMPv6 router or neighbour solicitation or
// advertisement, or a redirect (types 133-137), which every system sends
// with a hop limit of 255 (RFC 4861).
func neighborDiscovery(h *ipHeader) bool {
	return h.proto == protoICMPv6 && len(h.payload) > 0 && h.payload[0] >= 133 && h.payload[0] <= 137
}

// hostFlow is hostPacket for the first packet one way of a TCP or UDP
// flow, which also tells the services the source offers: the TCP ports
// it answered a SYN on with a SYN-ACK, the UDP ports it replied from
// (other counts the flow's packets the other way: a reply follows them).
func (a *analyzer) hostFlow(h *ipHeader, frame []byte, sport uint16, other int64) {
	e := a.hostPacket(h, frame)
	if e == nil {
		return
	}
	switch h.proto {
	case protoTCP:
		if len(h.payload) >= 14 && h.payload[13]&0x12 == 0x12 { // SYN and ACK
			a.hosts.addService(h.src, e, protoTCP, sport)
		}
	case protoUDP:
		if other > 0 {
			a.hosts.addService(h.src, e, protoUDP, sport)
		}
	}
}

// osHint names the systems that send with the initial TTL that ttl, the
// highest TTL seen from an address, most likely started from: the next
// of 64, 128 and 255 (routers on the way only lower it).
func osHint(ttl int) (initial int, hint string) {
	switch {
	case ttl <= 0:
		return 0, ""
	case ttl <= 64:
		return 64, "Linux, macOS, BSD, iOS or Android"
	case ttl <= 128:
		return 128, "Windows"
	}
	return 255, "network device, Solaris or AIX"
}

// merge adds the MACs, TTL and services of a Summary's hosts.
func (c *hostCollector) merge(hs *Hosts) error {
	c.full = c.full || hs.Truncated
	for i := range hs.List {
		h := &hs.List[i]
		ip, err := netip.ParseAddr(h.IP)
		if err != nil {
			return err
		}
		if len(h.MACs) == 0 && h.TTL == 0 && len(h.Services) == 0 {
			continue
		}
		e := c.extra(ip)
		if e == nil {
			continue
		}
		for _, m := range h.MACs {
			mac, err := parseMAC(m.MAC)
			if err != nil {
				return err
			}
			e.addMAC(c, mac)
		}
		if h.TTL < 0 || h.TTL > 255 {
			return fmt.Errorf("host %s: TTL %d", h.IP, h.TTL)
		}
		e.ttl = max(e.ttl, uint8(h.TTL))
		for _, s := range h.Services {
			switch s.Proto {
			case "tcp":
				c.addService(ip, e, protoTCP, s.Port)
			case "udp":
				c.addService(ip, e, protoUDP, s.Port)
			default:
				return fmt.Errorf("host %s: service protocol %q", h.IP, s.Proto)
			}
		}
	}
	return nil
}

func parseMAC(s string) ([6]byte, error) {
	var m [6]byte
	if len(s) != 17 {
		return m, fmt.Errorf("bad MAC address %q", s)
	}
	for i := range 6 {
		if i > 0 && s[3*i-1] != ':' {
			return m, fmt.Errorf("bad MAC address %q", s)
		}
		for _, c := range []byte(s[3*i : 3*i+2]) {
			var v byte
			switch {
			case c >= '0' && c <= '9':
				v = c - '0'
			case c >= 'a' && c <= 'f':
				v = c - 'a' + 10
			default:
				return m, fmt.Errorf("bad MAC address %q", s)
			}
			m[i] = m[i]<<4 | v
		}
	}
	return m, nil
}

func formatMAC(m [6]byte) string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// hostRow is one address while the inventory is built.
type hostRow struct {
	ip          netip.Addr
	h           Host
	peers       int64
	first, last time.Time
}

// summary builds the inventory of s, a Summary whose Sources,
// Destinations, Conversations.IP and Names are set: one host per address
// of Sources and Destinations, with its counts there, its peers and times
// from the IP conversations, its names from Names and the rest from c.
// Built from the Summary's lists, it costs the decoding pass nothing, and
// an overview's inventory is built the same way from the merged lists.
func (c *hostCollector) summary(s *Summary) (Hosts, error) {
	rows := map[netip.Addr]*hostRow{}
	row := func(ipText string) (*hostRow, error) {
		ip, err := netip.ParseAddr(ipText)
		if err != nil {
			return nil, err
		}
		r := rows[ip]
		if r == nil {
			r = &hostRow{ip: ip}
			rows[ip] = r
		}
		return r, nil
	}
	for _, e := range s.Sources {
		r, err := row(e.IP)
		if err != nil {
			return Hosts{}, err
		}
		r.h.PacketsSent, r.h.BytesSent = e.Packets, e.Bytes
	}
	for _, e := range s.Destinations {
		r, err := row(e.IP)
		if err != nil {
			return Hosts{}, err
		}
		r.h.PacketsReceived, r.h.BytesReceived = e.Packets, e.Bytes
	}
	digits := 0
	for i := range s.Conversations.IP {
		cv := &s.Conversations.IP[i]
		var first, last time.Time
		if cv.First != "" {
			var err error
			if first, err = ParseTime(cv.First); err != nil {
				return Hosts{}, err
			}
			if last, err = ParseTime(cv.Last); err != nil {
				return Hosts{}, err
			}
			digits = max(digits, FracDigits(cv.First), FracDigits(cv.Last))
		}
		for j, ipText := range []string{cv.A, cv.B} {
			ip, err := netip.ParseAddr(ipText)
			if err != nil {
				return Hosts{}, err
			}
			r := rows[ip]
			if r == nil {
				continue // not in the endpoint lists (estimated ones)
			}
			if j == 0 || cv.A != cv.B {
				r.peers++
			}
			if !first.IsZero() {
				if r.first.IsZero() || first.Before(r.first) {
					r.first = first
				}
				if last.After(r.last) {
					r.last = last
				}
			}
		}
	}
	list := make([]*hostRow, 0, len(rows))
	for _, r := range rows {
		list = append(list, r)
	}
	slices.SortFunc(list, func(x, y *hostRow) int {
		if o := cmp.Compare(y.h.BytesSent+y.h.BytesReceived, x.h.BytesSent+x.h.BytesReceived); o != 0 {
			return o
		}
		return x.ip.Compare(y.ip)
	})
	out := Hosts{List: make([]Host, 0, min(len(list), MaxHosts)), Total: int64(len(list)), Truncated: c.full}
	names := make(map[string][]string, len(s.Names))
	for _, n := range s.Names {
		names[n.IP] = n.Names
	}
	for _, r := range list[:min(len(list), MaxHosts)] {
		h := r.h
		h.IP = r.ip.String()
		h.Peers = r.peers
		if !r.first.IsZero() {
			h.First, h.Last = formatTime(r.first, digits), formatTime(r.last, digits)
		}
		h.Names = append([]string{}, names[h.IP]...)
		h.MACs = []HostMAC{}
		h.Services = []Service{}
		if e := c.m[r.ip]; e != nil {
			for _, m := range e.macs[:e.nmacs] {
				h.MACs = append(h.MACs, HostMAC{MAC: formatMAC(m), Vendor: oui.Vendor(m)})
			}
			slices.SortFunc(h.MACs, func(x, y HostMAC) int { return strings.Compare(x.MAC, y.MAC) })
			h.TTL = int(e.ttl)
			h.InitialTTL, h.OSHint = osHint(h.TTL)
		}
		out.List = append(out.List, h)
	}
	// Services, by address then protocol and port.
	at := make(map[netip.Addr]int, len(out.List))
	for i := range out.List {
		ip, _ := netip.ParseAddr(out.List[i].IP)
		at[ip] = i
	}
	for k := range c.services {
		i, ok := at[k.ip]
		if !ok {
			continue
		}
		proto := "udp"
		if k.proto == protoTCP {
			proto = "tcp"
		}
		out.List[i].Services = append(out.List[i].Services, Service{Proto: proto, Port: k.port, Name: serviceName(proto, k.port)})
	}
	for i := range out.List {
		slices.SortFunc(out.List[i].Services, func(x, y Service) int {
			if o := strings.Compare(x.Proto, y.Proto); o != 0 {
				return o
			}
			return cmp.Compare(x.Port, y.Port)
		})
	}
	return out, nil
}
