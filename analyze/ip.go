package analyze

import (
	"encoding/binary"
	"net/netip"
)

// ipHeader is what the analysis needs from the outermost IP header.
type ipHeader struct {
	src, dst netip.Addr
	// length is the IP total length: the IPv4 total-length field, or 40 plus
	// the IPv6 payload length (or the jumbo payload length). For an IPv4
	// total length of 0 (segmentation offload) it is the length of the IP
	// packet present in the frame, as Wireshark reports with its TSO setting.
	// It is never more than the frame carried on the wire (see claimed).
	length int64
	// claimed is the length the header claims when it is more than the
	// bytes the frame carried after the link header on the wire (a 4 GB
	// jumbogram on a 100-byte frame); length then counts what the wire
	// carried. 0 when the header claims no more.
	claimed int64
	// proto is the transport protocol after any IPv6 extension headers.
	proto uint8
	// payload is the transport header and data present in the frame, nil when
	// the packet is a fragment (after the first) or its header is unusable.
	payload []byte
	// fragment is true for any IP fragment, the first included.
	fragment bool
	// ttl is the IPv4 TTL or the IPv6 hop limit.
	ttl uint8
}

// Reasons for IP decode errors. They are fixed strings so that counting them
// costs no allocation.
const (
	reasonIPv4Short      = "IPv4: header truncated (under 20 bytes)"
	reasonIPv4IHL        = "IPv4: header length field under 5"
	reasonIPv4TotalLen   = "IPv4: total length smaller than its header"
	reasonIPv4Version    = "IPv4: version field is not 4"
	reasonIPv6Short      = "IPv6: header truncated (under 40 bytes)"
	reasonIPv6Version    = "IPv6: version field is not 6"
	reasonIPv6ExtHdr     = "IPv6: extension header runs past the packet"
	reasonIPEmpty        = "IP: no bytes after the link header"
	reasonIPVersion      = "IP: version field is neither 4 nor 6"
	reasonIPv4Truncated  = "IPv4: header longer than the captured frame"
	reasonIPTransportCut = "transport: header truncated"
	// reasonIPOverWire is counted as a decode error. Its packets count the
	// bytes the wire carried, not the bytes the header claims.
	reasonIPOverWire = "IP: header claims more bytes than the frame carried on the wire"
)

// parseIP reads the outermost IP header of b. version is 4 or 6 when the
// link layer said which, 0 to take the first nibble. wire is how many bytes
// from the start of b the frame carried on the wire (its original length
// minus the link header): h.length is cut to it. ok reports whether the
// addresses could be read, which makes the frame an IP packet; reason is
// non-empty when some part of the header is malformed.
func parseIP(b []byte, version uint8, wire int) (h ipHeader, ok bool, reason string) {
	h, ok, reason = parseIPHeader(b, version)
	if w := int64(max(wire, len(b))); h.length > w {
		h.claimed, h.length = h.length, w
	}
	return h, ok, reason
}

// parseIPHeader is parseIP without the cut to the wire length.
func parseIPHeader(b []byte, version uint8) (h ipHeader, ok bool, reason string) {
	if len(b) == 0 {
		return h, false, reasonIPEmpty
	}
	v := b[0] >> 4
	switch {
	case version == 4 && v != 4:
		return h, false, reasonIPv4Version
	case version == 6 && v != 6:
		return h, false, reasonIPv6Version
	}
	switch v {
	case 4:
		return parseIPv4(b)
	case 6:
		return parseIPv6(b)
	}
	return h, false, reasonIPVersion
}

func parseIPv4(b []byte) (h ipHeader, ok bool, reason string) {
	if len(b) < 20 {
		return h, false, reasonIPv4Short
	}
	h.src = netip.AddrFrom4([4]byte(b[12:16]))
	h.dst = netip.AddrFrom4([4]byte(b[16:20]))
	total := int(binary.BigEndian.Uint16(b[2:4]))
	if total == 0 {
		total = len(b)
	}
	h.length = int64(total)
	h.proto = b[9]
	h.ttl = b[8]
	ihl := int(b[0]&0x0f) * 4
	flagsFrag := binary.BigEndian.Uint16(b[6:8])
	h.fragment = flagsFrag&0x3fff != 0 // MF set or a non-zero offset
	switch {
	case ihl < 20:
		return h, true, reasonIPv4IHL
	case total < ihl:
		return h, true, reasonIPv4TotalLen
	case ihl > len(b):
		return h, true, reasonIPv4Truncated
	}
	if flagsFrag&0x1fff != 0 { // not the first fragment: no transport header
		return h, true, ""
	}
	end := min(total, len(b))
	h.payload = b[ihl:end]
	return h, true, ""
}

// IPv6 extension headers that may come before the transport header.
const (
	ipv6HopByHop = 0
	ipv6Routing  = 43
	ipv6Fragment = 44
	ipv6AH       = 51
	ipv6DestOpts = 60
)

func parseIPv6(b []byte) (h ipHeader, ok bool, reason string) {
	if len(b) < 40 {
		return h, false, reasonIPv6Short
	}
	h.src = netip.AddrFrom16([16]byte(b[8:24]))
	h.dst = netip.AddrFrom16([16]byte(b[24:40]))
	payloadLen := int64(binary.BigEndian.Uint16(b[4:6]))
	h.length = 40 + payloadLen
	h.ttl = b[7]
	next := b[6]
	off := 40
	for {
		switch next {
		case ipv6HopByHop, ipv6Routing, ipv6Fragment, ipv6AH, ipv6DestOpts:
		default:
			h.proto = next
			end := len(b)
			if payloadLen != 0 {
				end = min(end, 40+int(payloadLen))
			}
			if off <= end && !h.fragment {
				h.payload = b[off:end]
			}
			return h, true, ""
		}
		if off+8 > len(b) {
			h.proto = next
			return h, true, reasonIPv6ExtHdr
		}
		var hl int
		switch next {
		case ipv6Fragment:
			hl = 8
			h.fragment = true
			if binary.BigEndian.Uint16(b[off+2:off+4])&0xfff8 != 0 {
				// Not the first fragment: no transport header.
				h.proto = b[off]
				return h, true, ""
			}
		case ipv6AH:
			hl = (int(b[off+1]) + 2) * 4
		default:
			hl = (int(b[off+1]) + 1) * 8
		}
		if off+hl > len(b) {
			h.proto = next
			return h, true, reasonIPv6ExtHdr
		}
		if next == ipv6HopByHop && payloadLen == 0 {
			if j, found := jumboLength(b[off+2 : off+hl]); found {
				h.length = 40 + j
				payloadLen = j
			}
		}
		next = b[off]
		off += hl
	}
}

// jumboLength finds the Jumbo Payload option (RFC 2675, type 0xC2) among
// hop-by-hop options; its value is the payload length when the header's
// payload length is 0, as with Linux BIG TCP.
func jumboLength(opts []byte) (int64, bool) {
	for len(opts) > 0 {
		t := opts[0]
		if t == 0 { // Pad1
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 || len(opts) < 2+int(opts[1]) {
			return 0, false
		}
		if t == 0xc2 && opts[1] == 4 {
			return int64(binary.BigEndian.Uint32(opts[2:6])), true
		}
		opts = opts[2+int(opts[1]):]
	}
	return 0, false
}

// IP protocol numbers of the transports the analysis reads.
const (
	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoICMPv6 = 58
)

// transport reads the ports and payload of a TCP or UDP header.
func transport(proto uint8, b []byte) (sport, dport uint16, payload []byte, reason string) {
	switch proto {
	case protoUDP:
		if len(b) < 8 {
			return 0, 0, nil, reasonIPTransportCut
		}
		return binary.BigEndian.Uint16(b[0:2]), binary.BigEndian.Uint16(b[2:4]), b[8:], ""
	case protoTCP:
		if len(b) < 20 {
			return 0, 0, nil, reasonIPTransportCut
		}
		off := int(b[12]>>4) * 4
		if off < 20 || off > len(b) {
			return binary.BigEndian.Uint16(b[0:2]), binary.BigEndian.Uint16(b[2:4]), nil, "TCP: data offset out of range"
		}
		return binary.BigEndian.Uint16(b[0:2]), binary.BigEndian.Uint16(b[2:4]), b[off:], ""
	}
	return 0, 0, nil, ""
}
