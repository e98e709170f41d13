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
)

// maxErrorExamples is how many decode errors are kept with their packet numbers.
const maxErrorExamples = 20

// analyzer accumulates one capture. Maps stay in here; summary() turns
// them into sorted slices.
type analyzer struct {
	interval int64 // bin width in nanoseconds

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

	decodeErrors   int64
	errorReasons   map[string]int64
	errorExamples  []PacketError
	otherProtocols map[string]int64

	src, dst map[netip.Addr]*endpointCount

	dns dnsCounter

	timeline timeline

	stopErr    error
	stopOffset int64
}

type endpointCount struct{ packets, bytes int64 }

func newAnalyzer(opts Options) *analyzer {
	iv := opts.Interval
	if iv <= 0 {
		iv = DefaultInterval
	}
	return &analyzer{
		interval:       int64(iv),
		links:          map[layers.LinkType]*linkDecoder{},
		errorReasons:   map[string]int64{},
		otherProtocols: map[string]int64{},
		src:            map[netip.Addr]*endpointCount{},
		dst:            map[netip.Addr]*endpointCount{},
		dns:            newDNSCounter(),
		timeline:       newTimeline(int64(iv)),
	}
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
	} else {
		a.untimed++
	}

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
		a.otherProtocols[lr.other]++
		return
	}

	h, ok, reason := parseIP(lr.ip, lr.version)
	if !ok {
		a.classify(&a.undecodable)
		a.decodeError(offset, reason, "")
		return
	}
	a.classify(&a.ipPackets)
	a.ipBytes += h.length
	addEndpoint(a.src, h.src, h.length)
	addEndpoint(a.dst, h.dst, h.length)
	if timed {
		a.timeline.add(ts.UnixNano(), h.length)
	}
	if reason != "" {
		a.decodeError(offset, reason, "")
		return
	}
	if h.payload == nil || h.fragment {
		return
	}
	sport, dport, payload, reason := transport(h.proto, h.payload)
	if reason != "" {
		a.decodeError(offset, reason, "")
		return
	}
	if sport == 53 || dport == 53 {
		if detail := a.dns.message(h.proto, payload); detail != "" {
			a.decodeError(offset, "DNS: malformed message", detail)
		}
	}
}

func (a *analyzer) classify(counter *int64) {
	*counter++
	a.classified = true
}

func addEndpoint(m map[netip.Addr]*endpointCount, ip netip.Addr, n int64) {
	e := m[ip]
	if e == nil {
		e = &endpointCount{}
		m[ip] = e
	}
	e.packets++
	e.bytes += n
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
			Packet: a.packetNo, Offset: offset, Reason: reason, Detail: Printable(detail, 200),
		})
	}
}

// summary builds the sorted, JSON-ready Summary.
func (a *analyzer) summary() *Summary {
	s := &Summary{}
	c := &s.Capture
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
		c.DurationSeconds = a.last.Sub(a.first).Seconds()
	}
	c.DecodeErrors = a.decodeErrors
	c.DecodeErrorReasons = sortedCounts(a.errorReasons)
	c.DecodeErrorExamples = append([]PacketError{}, a.errorExamples...)
	c.OtherProtocols = sortedCounts(a.otherProtocols)
	c.Warnings = []string{}
	if a.untimed > 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%d packets have no timestamp (pcapng Simple Packet Blocks): they are counted everywhere but in the first and last times and the time line", a.untimed))
	}

	s.Sources = sortedEndpoints(a.src)
	s.Destinations = sortedEndpoints(a.dst)
	s.DNS = a.dns.summary()
	s.Timeline = a.timeline.summary()
	return s
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

// sortedEndpoints orders endpoints by packets desc, then by address.
func sortedEndpoints(m map[netip.Addr]*endpointCount) []Endpoint {
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
		out[i] = Endpoint{IP: e.ip.String(), Packets: e.c.packets, Bytes: e.c.bytes}
	}
	return out
}

// formatTime formats t in UTC as RFC 3339 with exactly digits fractional digits.
func formatTime(t time.Time, digits int) string {
	layout := "2006-01-02T15:04:05"
	if digits > 0 {
		layout += "." + strings.Repeat("0", digits)
	}
	return t.UTC().Format(layout + "Z07:00")
}
