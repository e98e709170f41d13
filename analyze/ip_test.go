package analyze

import (
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
)

// hexBytes decodes a hex string with spaces and newlines for readability.
func hexBytes(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseIP(t *testing.T) {
	cases := []struct {
		name    string
		pkt     string
		version uint8
		ok      bool
		reason  string
		src     string
		dst     string
		length  int64
		proto   uint8
		payload int // transport bytes present, -1 for none
	}{{
		name: "ipv4 udp",
		pkt: `45 00 001c 0001 0000 40 11 0000  c0a80001 c0a80002
		      0035 0035 0008 0000`,
		ok: true, src: "192.168.0.1", dst: "192.168.0.2", length: 28, proto: 17, payload: 8,
	}, {
		name: "ipv4 total length 0 (segmentation offload) counts the bytes present",
		pkt: `45 00 0000 0001 0000 40 06 0000  0a000001 0a000002
		      0000000000000000000000000000000000000000 deadbeef`,
		ok: true, src: "10.0.0.1", dst: "10.0.0.2", length: 44, proto: 6, payload: 24,
	}, {
		name: "ipv4 ihl under 5 is an IP packet with a decode error",
		pkt:  `44 00 0020 0001 0000 40 11 0000  01020304 05060708 00000000 00000000`,
		ok:   true, reason: reasonIPv4IHL, src: "1.2.3.4", dst: "5.6.7.8", length: 32, proto: 17, payload: -1,
	}, {
		name: "ipv4 total length below header length",
		pkt:  `46 00 0014 0001 0000 40 11 0000  01020304 05060708 00000000`,
		ok:   true, reason: reasonIPv4TotalLen, src: "1.2.3.4", dst: "5.6.7.8", length: 20, proto: 17, payload: -1,
	}, {
		name: "ipv4 later fragment has no transport header",
		pkt:  `45 00 001c 0001 0010 40 11 0000  01020304 05060708  0035003500080000`,
		ok:   true, src: "1.2.3.4", dst: "5.6.7.8", length: 28, proto: 17, payload: -1,
	}, {
		name: "ipv4 shorter than 20 bytes is undecodable",
		pkt:  `45 00 001c 0001 0000 40 11 0000 0102`,
		ok:   false, reason: reasonIPv4Short, payload: -1,
	}, {
		name: "ipv4 link type with an IPv6 version nibble",
		pkt:  `65 00 001c 0001 0000 40 11 0000  c0a80001 c0a80002`, version: 4,
		ok: false, reason: reasonIPv4Version, payload: -1,
	}, {
		name: "ipv6 udp",
		pkt: `60000000 0008 11 40  20010db8000000000000000000000001 20010db8000000000000000000000002
		      0035 0035 0008 0000`,
		ok: true, src: "2001:db8::1", dst: "2001:db8::2", length: 48, proto: 17, payload: 8,
	}, {
		name: "ipv6 hop-by-hop then tcp",
		pkt: `60000000 001c 00 40  fe800000000000000000000000000001 ff020000000000000000000000000001
		      06 00 0000 00000000
		      0000000000000000000000000000000050000000 `,
		ok: true, src: "fe80::1", dst: "ff02::1", length: 68, proto: 6, payload: 20,
	}, {
		name: "ipv6 jumbogram: payload length 0 and a jumbo option, above 65535",
		pkt: `60000000 0000 00 40  00000000000000000000000000000001 00000000000000000000000000000002
		      3a 00 c2 04 00 01 86 a0`,
		ok: true, src: "::1", dst: "::2", length: 40 + 100000, proto: 58, payload: 0,
	}, {
		name: "ipv6 later fragment",
		pkt: `60000000 0010 2c 40  00000000000000000000000000000001 00000000000000000000000000000002
		      11 00 0008 00000001  0035003500080000`,
		ok: true, src: "::1", dst: "::2", length: 56, proto: 17, payload: -1,
	}, {
		name: "ipv6 extension header past the end",
		pkt: `60000000 0010 00 40  00000000000000000000000000000001 00000000000000000000000000000002
		      11 05 0000`,
		ok: true, reason: reasonIPv6ExtHdr, src: "::1", dst: "::2", length: 56, payload: -1,
	}, {
		name: "ipv6 header cut short",
		pkt:  `60000000 0010 11 40  00000000000000000000000000000001`,
		ok:   false, reason: reasonIPv6Short, payload: -1,
	}, {
		name: "version 5",
		pkt:  `55000000`,
		ok:   false, reason: reasonIPVersion, payload: -1,
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, ok, reason := parseIPHeader(hexBytes(t, c.pkt), c.version)
			if ok != c.ok || reason != c.reason {
				t.Fatalf("ok, reason = %v, %q; want %v, %q", ok, reason, c.ok, c.reason)
			}
			if !ok {
				return
			}
			if h.src != netip.MustParseAddr(c.src) || h.dst != netip.MustParseAddr(c.dst) {
				t.Errorf("src, dst = %v, %v; want %s, %s", h.src, h.dst, c.src, c.dst)
			}
			if h.length != c.length {
				t.Errorf("length = %d, want %d", h.length, c.length)
			}
			if c.payload >= 0 && h.proto != c.proto {
				t.Errorf("proto = %d, want %d", h.proto, c.proto)
			}
			got := len(h.payload)
			if h.payload == nil || h.fragment {
				got = -1
			}
			if c.payload == 0 && h.payload != nil {
				got = 0
			}
			if got != c.payload {
				t.Errorf("transport bytes = %d (fragment %v), want %d", got, h.fragment, c.payload)
			}
		})
	}
}

func TestTransport(t *testing.T) {
	udp := hexBytes(t, "d431 0035 000c 0000 01020304")
	sp, dp, pl, reason := transport(protoUDP, udp)
	if sp != 54321 || dp != 53 || len(pl) != 4 || reason != "" {
		t.Errorf("udp: %d %d %d %q", sp, dp, len(pl), reason)
	}
	tcp := hexBytes(t, "0035 c000 00000000 00000000 6000 0000 0000 0000 01020304 aabb")
	sp, dp, pl, reason = transport(protoTCP, tcp)
	if sp != 53 || dp != 49152 || len(pl) != 2 || reason != "" {
		t.Errorf("tcp with options: %d %d %d %q", sp, dp, len(pl), reason)
	}
	badOff := hexBytes(t, "0035 c000 00000000 00000000 f000 0000 0000 0000")
	if _, _, _, reason := transport(protoTCP, badOff); reason == "" {
		t.Error("tcp data offset past the segment: no reason")
	}
	if _, _, _, reason := transport(protoUDP, udp[:7]); reason != reasonIPTransportCut {
		t.Errorf("short udp: reason %q", reason)
	}
}
