package analyze

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// sameLinkResult reports whether a and b are identical: the same fields,
// and ip and payload nil together or pointing at the same bytes of the
// same frame (equal length and capacity of sub-slices of one frame means
// an equal start).
func sameLinkResult(a, b linkResult) bool {
	sameSlice := func(x, y []byte) bool {
		return (x == nil) == (y == nil) && len(x) == len(y) && cap(x) == cap(y) && bytes.Equal(x, y)
	}
	return sameSlice(a.ip, b.ip) && a.version == b.version && a.other == b.other && a.arp == b.arp &&
		sameSlice(a.payload, b.payload) && a.errLayer == b.errLayer && a.err == b.err
}

// describeLinkResult prints lr for test failures.
func describeLinkResult(lr linkResult) string {
	return fmt.Sprintf("{ip: %d bytes (nil %v, cap %d), version %d, other %q, arp %v, payload %d bytes, errLayer %q, err %v}",
		len(lr.ip), lr.ip == nil, cap(lr.ip), lr.version, lr.other, lr.arp, len(lr.payload), lr.errLayer, lr.err)
}

// forEachFrame calls fn with every frame of every capture matching the
// patterns (compressed ones included), with its link type. The frame is
// only valid during the call.
func forEachFrame(t testing.TB, patterns []string, fn func(name string, i int, lt layers.LinkType, data []byte)) {
	for _, pat := range patterns {
		names, _ := filepath.Glob(pat)
		for _, name := range names {
			raw, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(bytes.NewReader(raw))
			dr, compression, release, err := decompress(br)
			if err != nil {
				continue
			}
			if compression != "" {
				br = bufio.NewReader(dr)
			}
			src, err := openSource(br)
			if err != nil {
				release()
				continue // not a capture, or a header the tests of source.go cover
			}
			for i := 0; ; i++ {
				data, _, lt, err := src.next()
				if err != nil {
					break
				}
				fn(filepath.Base(name), i, lt, data)
			}
			release()
		}
	}
}

// fastpathCaptures are the captures the equivalence test reads: testdata and,
// when present, the shared corpus.
var fastpathCaptures = []string{
	"../testdata/*.pcap*", "../testdata/malformed/*.pcap*",
	"../../shared/captures/*.pcap*", "../../shared/captures/malformed/*.pcap*",
}

// TestFastEthernetCaptures runs every Ethernet frame of every capture
// through both the parser and the fast path.
func TestFastEthernetCaptures(t *testing.T) {
	ld := newLinkDecoder(layers.LinkTypeEthernet)
	var frames, fast, tagged int
	forEachFrame(t, fastpathCaptures, func(name string, i int, lt layers.LinkType, data []byte) {
		if lt != layers.LinkTypeEthernet {
			return
		}
		frames++
		got, ok := fastLinkResult(data)
		want := ld.decode(data)
		if !ok {
			return
		}
		fast++
		if len(data) >= 14 && (data[12] == 0x81 || data[12] == 0x88) {
			tagged++
		}
		if !sameLinkResult(got, want) {
			t.Errorf("%s packet %d: fast path %s, parser %s", name, i+1, describeLinkResult(got), describeLinkResult(want))
		}
	})
	t.Logf("%d of %d Ethernet frames took the fast path (%d of them tagged)", fast, frames, tagged)
	if fast == 0 || tagged == 0 {
		t.Errorf("%d frames took the fast path, %d of them tagged; want some of each", fast, tagged)
	}
}

// fastEthernetCases are crafted frames at the edges of the fast path.
var fastEthernetCases = []struct {
	name  string
	frame []byte
	fast  bool // whether the fast path takes it
}{
	{"empty", nil, false},
	{"13 bytes", make([]byte, 13), false},
	{"IPv4, no payload", ethFrame(0x0800), true},
	{"IPv6, no payload", ethFrame(0x86dd), true},
	{"IPv4", ethFrame(0x0800, 0x45, 0, 0, 20), true},
	{"IPv6", ethFrame(0x86dd, 0x60, 0, 0, 0), true},
	{"ARP", ethFrame(0x0806, 0, 1, 8, 0, 6, 4, 0, 1), false},
	{"802.3 length", ethFrame(0x0005, 0xaa, 0xaa, 3, 0, 0), false},
	{"EtherType 0x0600", ethFrame(0x0600, 1, 2), false},
	{"MPLS", ethFrame(0x8847, 0, 0, 0x11, 64, 0x45), false},
	{"tag, nothing after", ethFrame(0x8100), false},
	{"tag cut at 1 byte", ethFrame(0x8100, 0), false},
	{"tag cut at 3 bytes", ethFrame(0x8100, 0, 5, 8), false},
	{"tag, IPv4, no payload", ethFrame(0x8100, 0, 5, 8, 0), true},
	{"tag, IPv4", ethFrame(0x8100, 0x20, 5, 8, 0, 0x45, 0), true},
	{"tag, IPv6", ethFrame(0x8100, 0xff, 0xff, 0x86, 0xdd, 0x60), true},
	{"tag, 802.3 length", ethFrame(0x8100, 0, 5, 0, 3, 0xaa, 0xaa, 3), false},
	{"tag, ARP", ethFrame(0x8100, 0, 5, 8, 6, 0, 1), false},
	{"S-tag, IPv4", ethFrame(0x88a8, 0, 5, 8, 0, 0x45), true},
	{"QinQ, IPv4", ethFrame(0x88a8, 0, 5, 0x81, 0, 0, 6, 8, 0, 0x45), true},
	{"QinQ, IPv6", ethFrame(0x8100, 0, 5, 0x81, 0, 0, 6, 0x86, 0xdd, 0x60), true},
	{"QinQ, inner tag cut", ethFrame(0x88a8, 0, 5, 0x81, 0, 0, 6, 8), false},
	{"QinQ, no payload", ethFrame(0x88a8, 0, 5, 0x81, 0, 0, 6, 0x86, 0xdd), true},
	{"three tags", ethFrame(0x88a8, 0, 5, 0x81, 0, 0, 6, 0x81, 0, 0, 7, 8, 0, 0x45), false},
	{"tag, then 0x9100", ethFrame(0x8100, 0, 5, 0x91, 0, 0, 6, 8, 0, 0x45), false},
}

// ethFrame builds an Ethernet frame with the given EtherType and payload.
func ethFrame(etype uint16, payload ...byte) []byte {
	b := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, byte(etype >> 8), byte(etype)}
	return append(b, payload...)
}

func TestFastEthernetCrafted(t *testing.T) {
	ld := newLinkDecoder(layers.LinkTypeEthernet)
	for _, c := range fastEthernetCases {
		got, ok := fastLinkResult(c.frame)
		want := ld.decode(c.frame)
		if ok != c.fast {
			t.Errorf("%s: fast path ok=%v, want %v (parser: %s)", c.name, ok, c.fast, describeLinkResult(want))
		}
		if ok && !sameLinkResult(got, want) {
			t.Errorf("%s: fast path %s, parser %s", c.name, describeLinkResult(got), describeLinkResult(want))
		}
	}
}

// FuzzFastEthernet compares the fast path with the parser on arbitrary
// frames: whenever the fast path takes a frame, both must agree.
func FuzzFastEthernet(f *testing.F) {
	for _, c := range fastEthernetCases {
		f.Add(c.frame)
	}
	n := 0
	forEachFrame(f, fastpathCaptures[:2], func(_ string, _ int, lt layers.LinkType, data []byte) {
		if lt == layers.LinkTypeEthernet && n < 500 {
			n++
			f.Add(append([]byte(nil), data[:min(len(data), 80)]...))
		}
	})
	ld := newLinkDecoder(layers.LinkTypeEthernet)
	f.Fuzz(func(t *testing.T, frame []byte) {
		got, ok := fastLinkResult(frame)
		want := ld.decode(frame)
		if ok && !sameLinkResult(got, want) {
			t.Fatalf("fast path %s, parser %s", describeLinkResult(got), describeLinkResult(want))
		}
		if want.ip != nil && !ok && fastCandidate(frame) {
			t.Fatalf("fast path declined a frame it should take; parser %s", describeLinkResult(want))
		}
	})
}

// fastCandidate reports, the slow way, whether frame is Ethernet with at
// most two complete tags and then IPv4 or IPv6.
func fastCandidate(frame []byte) bool {
	if len(frame) < 14 {
		return false
	}
	rest, etype := frame[14:], uint16(frame[12])<<8|uint16(frame[13])
	for tags := 0; tags <= 2; tags++ {
		switch etype {
		case 0x0800, 0x86dd:
			return true
		case 0x8100, 0x88a8:
			if tags == 2 || len(rest) < 4 {
				return false
			}
			etype, rest = uint16(rest[2])<<8|uint16(rest[3]), rest[4:]
		default:
			return false
		}
	}
	return false
}

// BenchmarkLinkDecode compares the parser with the fast path on the
// Ethernet frames of testdata and the shared corpus, 4096 of them sampled
// evenly. Only the first 128 bytes of each are kept, packed together
// (512 KB), so that the frames sit in the cache as a just-read frame does
// in the real loop; the link layer never looks further.
func BenchmarkLinkDecode(b *testing.B) {
	var all [][]byte
	forEachFrame(b, fastpathCaptures, func(_ string, _ int, lt layers.LinkType, data []byte) {
		if lt == layers.LinkTypeEthernet {
			all = append(all, append([]byte(nil), data[:min(len(data), 128)]...))
		}
	})
	const sample = 4096
	var buf []byte
	var lens []int
	for i := 0; i < min(sample, len(all)); i++ {
		fr := all[i*len(all)/min(sample, len(all))]
		buf = append(buf, fr...)
		lens = append(lens, len(fr))
	}
	frames := make([][]byte, len(lens))
	off := 0
	for i, n := range lens {
		frames[i] = buf[off : off+n : off+n]
		off += n
	}
	fast := 0
	for _, fr := range frames {
		if _, _, ok := fastEthernet(fr); ok {
			fast++
		}
	}
	b.Logf("%d Ethernet frames, %d on the fast path", len(frames), fast)
	ld := newLinkDecoder(layers.LinkTypeEthernet)
	perFrame := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(frames)), "ns/frame")
	}
	// Each variant is its own loop, as the decoding loop would call it;
	// sink keeps the results alive.
	var sink int
	b.Run("impl=parser", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			for _, fr := range frames {
				lr := ld.decode(fr)
				sink += len(lr.ip)
			}
		}
		perFrame(b)
	})
	b.Run("impl=fast", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			for _, fr := range frames {
				ip, _, _ := fastEthernet(fr)
				sink += len(ip)
			}
		}
		perFrame(b)
	})
	b.Run("impl=fast+fallback", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			for _, fr := range frames {
				ip, _, ok := fastEthernet(fr)
				if !ok {
					ip = ld.decode(fr).ip
				}
				sink += len(ip)
			}
		}
		perFrame(b)
	})
	_ = sink
}

// fastLinkResult is fastEthernet's result as decode's linkResult.
func fastLinkResult(frame []byte) (linkResult, bool) {
	ip, version, ok := fastEthernet(frame)
	return linkResult{ip: ip, version: version}, ok
}
