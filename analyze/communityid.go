package analyze

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
)

// Community ID, version 1 (github.com/corelight/community-id-spec): a
// flow's name that Zeek, Suricata, Arkime and Wireshark compute the same
// way, so a conversation in a report can be found in their logs. It is
// "1:" and the base64 of the SHA-1 of the seed (2 bytes), the two
// addresses and ports in a fixed order, the protocol and a zero byte.

// communityIDSeed is the seed the tools use unless told otherwise.
const communityIDSeed = 0

// CommunityID returns the Community ID v1 of a TCP, UDP or SCTP flow
// (proto is the IP protocol number) between a:ap and b:bp, with seed, in
// either direction: the endpoint with the lower address (then the lower
// port) goes first. Zero addresses or addresses of two families give "".
// hex selects the spec's unencoded form (hex digits) instead of base64.
func CommunityID(seed uint16, proto uint8, a netip.Addr, ap uint16, b netip.Addr, bp uint16, hex bool) string {
	if !a.IsValid() || !b.IsValid() || a.Is4() != b.Is4() {
		return ""
	}
	if c := a.Compare(b); c > 0 || c == 0 && ap > bp {
		a, b, ap, bp = b, a, bp, ap
	}
	var buf [2 + 16 + 16 + 2 + 4]byte
	m := binary.BigEndian.AppendUint16(buf[:0], seed)
	m = append(m, a.AsSlice()...)
	m = append(m, b.AsSlice()...)
	m = append(m, proto, 0)
	m = binary.BigEndian.AppendUint16(m, ap)
	m = binary.BigEndian.AppendUint16(m, bp)
	sum := sha1.Sum(m)
	if hex {
		const digits = "0123456789abcdef"
		out := make([]byte, 2, 2+2*len(sum))
		copy(out, "1:")
		for _, x := range sum {
			out = append(out, digits[x>>4], digits[x&15])
		}
		return string(out)
	}
	return "1:" + base64.StdEncoding.EncodeToString(sum[:])
}
