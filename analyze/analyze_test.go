package analyze

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// testPacket is one packet of a capture built by a test.
type testPacket struct {
	at   time.Time
	data []byte
}

// pcapBytes writes packets as a classic pcap file with link type lt.
func pcapBytes(t testing.TB, lt layers.LinkType, pkts []testPacket) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriterNanos(&buf)
	if err := w.WriteFileHeader(262144, lt); err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts {
		ci := gopacket.CaptureInfo{Timestamp: p.at, CaptureLength: len(p.data), Length: len(p.data)}
		if err := w.WritePacket(ci, p.data); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// udpFrame builds an Ethernet/IPv4/UDP frame with payload.
func udpFrame(t testing.TB, src, dst string, sport, dport uint16, payload []byte) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 1, 2, 3, 4, 5}, DstMAC: net.HardwareAddr{0, 1, 2, 3, 4, 6}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	udp.SetNetworkLayerForChecksum(ip)
	return serialize(t, eth, ip, udp, gopacket.Payload(payload))
}

// tcpFrame builds an Ethernet/IPv4/TCP frame with payload.
func tcpFrame(t testing.TB, src, dst string, sport, dport uint16, payload []byte) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 1, 2, 3, 4, 5}, DstMAC: net.HardwareAddr{0, 1, 2, 3, 4, 6}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), ACK: true, PSH: true, Window: 1000}
	tcp.SetNetworkLayerForChecksum(ip)
	return serialize(t, eth, ip, tcp, gopacket.Payload(payload))
}

func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// dnsMessage encodes a DNS message with one question. name is given in
// dotted form; each label is written as is (any bytes).
func dnsMessage(name string, response bool) []byte {
	b := []byte{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}
	if response {
		b[2] |= 0x80
	}
	if name != "." {
		for _, l := range strings.Split(strings.TrimSuffix(name, "."), ".") {
			b = append(b, byte(len(l)))
			b = append(b, l...)
		}
	}
	return append(b, 0, 0, 1, 0, 1)
}

func analyzeBytes(t testing.TB, capture []byte, opts Options) *Summary {
	t.Helper()
	s, err := Read("test.pcap", bytes.NewReader(capture), opts)
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, s)
	return s
}

// checkAccounting checks the invariant every Summary keeps: each packet is
// IP, other or undecodable, exactly once.
func checkAccounting(t testing.TB, s *Summary) {
	t.Helper()
	c := s.Capture
	if c.IPPackets+c.OtherPackets+c.UndecodablePackets != c.Packets {
		t.Errorf("%s: ip %d + other %d + undecodable %d != packets %d", c.Path, c.IPPackets, c.OtherPackets, c.UndecodablePackets, c.Packets)
	}
	var reasons int64
	for _, r := range c.DecodeErrorReasons {
		reasons += r.Count
	}
	if reasons != c.DecodeErrors {
		t.Errorf("%s: decode error reasons add up to %d, decode_errors is %d", c.Path, reasons, c.DecodeErrors)
	}
}

var t0 = time.Date(2018, 5, 22, 14, 22, 24, 123456000, time.UTC)

func TestDNSQueryCounting(t *testing.T) {
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Millisecond) }
	twoInOne := append(append([]byte{0, 0}, dnsMessage("tcp-one.example", false)...), append([]byte{0, 0}, dnsMessage("tcp-two.example", false)...)...)
	binary.BigEndian.PutUint16(twoInOne[0:], uint16(len(dnsMessage("tcp-one.example", false))))
	binary.BigEndian.PutUint16(twoInOne[2+len(dnsMessage("tcp-one.example", false)):], uint16(len(dnsMessage("tcp-two.example", false))))
	split := append([]byte{0, 200}, dnsMessage("split.example", false)...) // says 200 bytes, has fewer
	pkts := []testPacket{
		{at(0), udpFrame(t, "10.0.0.1", "10.0.0.53", 40000, 53, dnsMessage("Example.COM.", false))},
		{at(1), udpFrame(t, "10.0.0.2", "10.0.0.53", 40001, 53, dnsMessage("example.com", false))},
		{at(2), udpFrame(t, "10.0.0.53", "10.0.0.1", 53, 40000, dnsMessage("example.com", true))}, // a response
		{at(3), udpFrame(t, "10.0.0.1", "10.0.0.53", 40002, 53, dnsMessage(".", false))},          // the root
		{at(4), udpFrame(t, "10.0.0.1", "224.0.0.251", 5353, 5353, dnsMessage("mdns.local", false))},
		{at(5), udpFrame(t, "10.0.0.1", "224.0.0.252", 40003, 5355, dnsMessage("llmnr-host", false))},
		{at(6), tcpFrame(t, "10.0.0.1", "10.0.0.53", 40004, 53, twoInOne)},
		{at(7), tcpFrame(t, "10.0.0.1", "10.0.0.53", 40005, 53, split)},
		{at(8), udpFrame(t, "10.0.0.1", "10.0.0.53", 40006, 53, []byte{0x12, 0x34, 0x01, 0x00, 0xff, 0xff, 0, 0, 0, 0, 0, 0})}, // qdcount 65535, no questions
	}
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts), Options{})
	want := []Count{{"example.com", 2}, {".", 1}, {"tcp-one.example", 1}, {"tcp-two.example", 1}}
	if !equalCounts(queryCounts(s.DNS.Queries), want) {
		t.Errorf("queries = %v, want %v", s.DNS.Queries, want)
	}
	if s.DNS.TotalQueries != 6 || s.DNS.Responses != 1 {
		t.Errorf("total queries %d, responses %d; want 6 and 1", s.DNS.TotalQueries, s.DNS.Responses)
	}
	if s.Capture.DecodeErrors != 1 || len(s.Capture.DecodeErrorExamples) != 1 || s.Capture.DecodeErrorExamples[0].Packet != 9 {
		t.Errorf("decode errors %d %+v; want 1, at packet 9", s.Capture.DecodeErrors, s.Capture.DecodeErrorExamples)
	}
	if s.Capture.IPPackets != 9 {
		t.Errorf("ip packets %d, want 9 (a malformed DNS message is still an IP packet)", s.Capture.IPPackets)
	}
}

func queryCounts(qs []DNSQuery) []Count {
	out := make([]Count, len(qs))
	for i, q := range qs {
		out[i] = Count{q.Name, q.Count}
	}
	return out
}

func equalCounts(a, b []Count) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestEndpointsOrderAndBytes(t *testing.T) {
	p := func(src, dst string, n int) testPacket {
		return testPacket{t0, udpFrame(t, src, dst, 1000, 2000, make([]byte, n))}
	}
	pkts := []testPacket{
		p("10.0.0.9", "10.0.0.1", 10), p("10.0.0.9", "10.0.0.1", 10),
		p("10.0.0.10", "10.0.0.1", 100), p("10.0.0.10", "10.0.0.2", 0),
		p("10.0.0.2", "10.0.0.1", 0),
	}
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts), Options{})
	// Ties on packets are broken by address, numerically: 10.0.0.9 before 10.0.0.10.
	want := []Endpoint{{IP: "10.0.0.9", Packets: 2, Bytes: 2 * 38}, {IP: "10.0.0.10", Packets: 2, Bytes: 128 + 28}, {IP: "10.0.0.2", Packets: 1, Bytes: 28}}
	if len(s.Sources) != len(want) {
		t.Fatalf("sources = %+v", s.Sources)
	}
	for i := range want {
		if s.Sources[i] != want[i] {
			t.Errorf("sources[%d] = %+v, want %+v", i, s.Sources[i], want[i])
		}
	}
	if s.Destinations[0] != (Endpoint{IP: "10.0.0.1", Packets: 4, Bytes: 38 + 38 + 128 + 28}) {
		t.Errorf("destinations[0] = %+v", s.Destinations[0])
	}
	if s.Capture.IPBytes != 2*38+128+28+28 {
		t.Errorf("ip bytes = %d", s.Capture.IPBytes)
	}
}

func TestTimelineDense(t *testing.T) {
	base := time.Date(2020, 1, 1, 0, 0, 1, 500_000_000, time.UTC) // 1.5 s into a 2 s bin
	pkts := []testPacket{
		{base, udpFrame(t, "10.0.0.1", "10.0.0.2", 1, 2, nil)},                                    // bin 00:00:00
		{base.Add(600 * time.Millisecond), udpFrame(t, "10.0.0.1", "10.0.0.2", 1, 2, nil)},        // 2.1 s: bin 00:00:02
		{base.Add(6400 * time.Millisecond), udpFrame(t, "10.0.0.1", "10.0.0.2", 1, 2, []byte{1})}, // 7.9 s: bin 00:00:06
	}
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts), Options{})
	want := []Bin{
		{"2020-01-01T00:00:00Z", 1, 28}, {"2020-01-01T00:00:02Z", 1, 28},
		{"2020-01-01T00:00:04Z", 0, 0}, {"2020-01-01T00:00:06Z", 1, 29},
	}
	if s.Timeline.Sparse || s.Timeline.IntervalSeconds != 2 || len(s.Timeline.Bins) != len(want) {
		t.Fatalf("timeline = %+v", s.Timeline)
	}
	for i := range want {
		if s.Timeline.Bins[i] != want[i] {
			t.Errorf("bin %d = %+v, want %+v", i, s.Timeline.Bins[i], want[i])
		}
	}
	if s.Capture.First != "2020-01-01T00:00:01.500000000Z" || s.Capture.Last != "2020-01-01T00:00:07.900000000Z" {
		t.Errorf("first, last = %s, %s (nanosecond capture: 9 digits)", s.Capture.First, s.Capture.Last)
	}

	half := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts[:2]), Options{Interval: 500 * time.Millisecond})
	if got := half.Timeline.Bins[0].Start; got != "2020-01-01T00:00:01.5Z" {
		t.Errorf("500ms bin start = %s", got)
	}
	if len(half.Timeline.Bins) != 2 || half.Timeline.Bins[1].Start != "2020-01-01T00:00:02.0Z" {
		t.Errorf("500ms bins = %+v", half.Timeline.Bins)
	}
}

func TestTimelineSparse(t *testing.T) {
	a := time.Date(2010, 3, 1, 12, 0, 0, 0, time.UTC)
	b := time.Date(2015, 9, 1, 12, 0, 1, 0, time.UTC) // about 85 million 2-second bins later
	pkts := []testPacket{
		{a, udpFrame(t, "10.0.0.1", "10.0.0.2", 1, 2, nil)},
		{a.Add(time.Second), udpFrame(t, "10.0.0.1", "10.0.0.2", 1, 2, nil)},
		{b, udpFrame(t, "10.0.0.1", "10.0.0.2", 1, 2, nil)},
	}
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts), Options{})
	want := []Bin{{"2010-03-01T12:00:00Z", 2, 56}, {"2015-09-01T12:00:00Z", 1, 28}}
	if !s.Timeline.Sparse || len(s.Timeline.Bins) != 2 || s.Timeline.Bins[0] != want[0] || s.Timeline.Bins[1] != want[1] {
		t.Errorf("timeline = %+v, want sparse %+v", s.Timeline, want)
	}
}

func TestTimelineBinKeyBeforeEpoch(t *testing.T) {
	tl := newTimeline(int64(2 * time.Second))
	if k := tl.binKey(-1); k != -1 {
		t.Errorf("binKey(-1ns) = %d, want -1 (bins start at multiples of the interval)", k)
	}
	if k := tl.binKey(int64(-2 * time.Second)); k != -1 {
		t.Errorf("binKey(-2s) = %d, want -1", k)
	}
}

// TestNoAllocsPerPacket checks the steady state of the per-packet step: a
// packet whose addresses, bin and DNS name were seen before allocates nothing.
func TestNoAllocsPerPacket(t *testing.T) {
	frames := [][]byte{
		udpFrame(t, "10.0.0.1", "10.0.0.53", 40000, 53, dnsMessage("www.Example.com", false)),
		tcpFrame(t, "10.0.0.1", "10.0.0.80", 40000, 80, []byte("GET /index.html HTTP/1.1\r\nHost: www.Example.com\r\nUser-Agent: test\r\n\r\n")),
	}
	for _, frame := range frames {
		a := newAnalyzer(Options{})
		ci := gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(frame), Length: len(frame)}
		a.packets = 1
		a.packet(frame, &ci, layers.LinkTypeEthernet, 24)
		allocs := testing.AllocsPerRun(1000, func() {
			a.packets++
			// A new TCP sequence number each time, so that the HTTP request
			// is parsed and counted again rather than skipped as a retransmission.
			binary.BigEndian.PutUint32(frame[38:42], uint32(a.packets))
			a.packet(frame, &ci, layers.LinkTypeEthernet, 24)
		})
		if allocs != 0 {
			t.Errorf("%d allocations per known packet, want 0", int(allocs))
		}
		s := a.summary()
		if s.DNS.TotalQueries+s.HTTP.TotalRequests != a.packets {
			t.Errorf("%d DNS queries and %d HTTP requests counted in %d packets: the loop did not exercise the decoders", s.DNS.TotalQueries, s.HTTP.TotalRequests, a.packets)
		}
	}
}

func TestLinkTypeFCSBitsMasked(t *testing.T) {
	c := pcapBytes(t, layers.LinkTypeEthernet, []testPacket{{t0, udpFrame(t, "10.0.0.1", "10.0.0.2", 1, 2, nil)}})
	// LT_FCS_LENGTH_PRESENT with a 4-byte FCS in the upper bits of the link type.
	binary.LittleEndian.PutUint32(c[20:24], 1|0x04000000|4<<28)
	s := analyzeBytes(t, c, Options{})
	if s.Capture.IPPackets != 1 || len(s.Capture.LinkTypes) != 1 || s.Capture.LinkTypes[0] != "Ethernet" {
		t.Errorf("capture = %+v", s.Capture)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		path string
		want string
	}{
		{write("page.pcap", []byte("<html><body>not a capture</body></html>")), "page.pcap: not a pcap or pcapng file (starts with 3c 68 74 6d)"},
		{write("empty.pcap", nil), "empty.pcap: empty file"},
		{write("tiny.pcap", []byte{0xd4, 0xc3}), "tiny.pcap: not a pcap or pcapng file (only 2 bytes)"},
		{write("half-header.pcap", []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0}), "half-header.pcap: pcap file header cut short (8 of 24 bytes)"},
		{write("text.gz", gzipBytes(t, []byte("hello"))), "text.gz: gzip-compressed, but not a pcap or pcapng file (starts with 68 65 6c 6c)"},
		{filepath.Join(dir, "missing.pcap"), "missing.pcap: no such file or directory"},
		{dir, "is a directory"},
	}
	for _, c := range cases {
		_, err := File(c.path, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("File(%s) error = %v, want it to contain %q", filepath.Base(c.path), err, c.want)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("File(%s) error has several lines: %q", filepath.Base(c.path), err)
		}
	}
}

func TestHeaderOnlyCapture(t *testing.T) {
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, nil), Options{})
	if s.Capture.Packets != 0 || s.Capture.First != "" || len(s.Timeline.Bins) != 0 || len(s.Capture.Warnings) != 0 {
		t.Errorf("header-only capture: %+v", s.Capture)
	}
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCompressedCaptures checks that gzip, zstd and xz captures, recognised
// by content, give the same analysis as the plain file, and that the hash
// and size are those of the compressed bytes.
func TestCompressedCaptures(t *testing.T) {
	plain, err := os.ReadFile("../testdata/dns_many_queries_mdns_llmnr.pcap")
	if err != nil {
		t.Fatal(err)
	}
	var zs, xs bytes.Buffer
	zw, _ := zstd.NewWriter(&zs)
	zw.Write(plain)
	zw.Close()
	xw, _ := xz.NewWriter(&xs)
	xw.Write(plain)
	xw.Close()
	want := analyzeBytes(t, plain, Options{})
	for name, c := range map[string][]byte{"gzip": gzipBytes(t, plain), "zstd": zs.Bytes(), "xz": xs.Bytes()} {
		got := analyzeBytes(t, c, Options{})
		sum := sha256.Sum256(c)
		if got.Capture.Compression != name || got.Capture.SHA256 != hex.EncodeToString(sum[:]) || got.Capture.Size != int64(len(c)) {
			t.Errorf("%s: compression %q sha %s size %d", name, got.Capture.Compression, got.Capture.SHA256, got.Capture.Size)
		}
		if got.Capture.Packets != want.Capture.Packets || got.DNS.TotalQueries != want.DNS.TotalQueries ||
			len(got.Sources) != len(want.Sources) || len(got.Timeline.Bins) != len(want.Timeline.Bins) {
			t.Errorf("%s: analysis differs from the plain file: %d packets, %d queries", name, got.Capture.Packets, got.DNS.TotalQueries)
		}
	}
}

func TestCutShortCapture(t *testing.T) {
	s, err := File("../testdata/cut_short_vlan_qinqinq_http.pcap", Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, s)
	if s.Capture.Packets != 13 || len(s.Capture.Warnings) != 1 {
		t.Fatalf("packets %d, warnings %q; want 13 and one warning", s.Capture.Packets, s.Capture.Warnings)
	}
	if w := s.Capture.Warnings[0]; !strings.Contains(w, "byte offset 6409 (record 14)") {
		t.Errorf("warning %q does not give the record's offset", w)
	}
	b, _ := os.ReadFile("../testdata/cut_short_vlan_qinqinq_http.pcap")
	sum := sha256.Sum256(b)
	if s.Capture.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("sha256 %s is not the file's", s.Capture.SHA256)
	}
}

func TestCorruptRecordHeader(t *testing.T) {
	s, err := File("../testdata/smtp_corrupt_record_header.pcap", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Capture.Packets != 18 || len(s.Capture.Warnings) != 1 || !strings.Contains(s.Capture.Warnings[0], "byte offset 3695 (record 19)") {
		t.Errorf("packets %d, warnings %q", s.Capture.Packets, s.Capture.Warnings)
	}
}

func TestStdinHashesEveryByte(t *testing.T) {
	b, err := os.ReadFile("../testdata/smtp_corrupt_record_header.pcap")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Read("stdin", bytes.NewReader(b), Options{})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if s.Capture.Path != "stdin" || s.Capture.Size != int64(len(b)) || s.Capture.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("stdin: path %q size %d sha %s; want the whole stream's", s.Capture.Path, s.Capture.Size, s.Capture.SHA256)
	}
}

// TestPcapngBlocks reads a pcapng file written out byte by byte: a section
// header, an Ethernet interface, a Simple Packet Block (no timestamp), a
// block of an unknown type that must be skipped, and an Enhanced Packet Block.
func TestPcapngBlocks(t *testing.T) {
	frame := udpFrame(t, "10.0.0.1", "10.0.0.2", 1000, 53, dnsMessage("spb.example", false)) // 57 bytes
	pad := func(b []byte) []byte { return append(b, make([]byte, (4-len(b)%4)%4)...) }
	le32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	block := func(typ uint32, body []byte) []byte {
		body = pad(body)
		n := uint32(12 + len(body))
		b := append(le32(typ), le32(n)...)
		b = append(b, body...)
		return append(b, le32(n)...)
	}
	var f []byte
	f = append(f, block(0x0a0d0d0a, hexBytes(t, `4d3c2b1a 0100 0000 ffffffffffffffff`))...) // SHB: byte-order magic, v1.0, unknown section length
	f = append(f, block(0x00000001, hexBytes(t, `0100 0000 00000400`))...)                  // IDB: Ethernet, reserved, snaplen 262144
	f = append(f, block(0x00000003, append(le32(uint32(len(frame))), frame...))...)         // SPB: original length, frame
	f = append(f, block(0x00000bad, []byte("an unknown block type"))...)                    // skipped
	epb := append(le32(0), le32(0x00056ccc)...)                                             // EPB: interface 0, timestamp high
	epb = append(epb, le32(0x25a12800)...)                                                  // timestamp low (µs): 2018-05-22T14:22:24Z
	epb = append(epb, le32(uint32(len(frame)))...)
	epb = append(epb, le32(uint32(len(frame)))...)
	f = append(f, block(0x00000006, append(epb, frame...))...)

	s := analyzeBytes(t, f, Options{})
	if s.Capture.Format != "pcapng" || s.Capture.Packets != 2 || s.Capture.IPPackets != 2 {
		t.Fatalf("capture = %+v", s.Capture)
	}
	if len(s.DNS.Queries) != 1 || queryCounts(s.DNS.Queries)[0] != (Count{"spb.example", 2}) {
		t.Errorf("queries = %+v", s.DNS.Queries)
	}
	// The SPB packet has no time: it counts, but not in the span or the time line.
	if s.Capture.First != "2018-05-22T14:22:24.000000Z" || s.Capture.First != s.Capture.Last {
		t.Errorf("first, last = %q, %q", s.Capture.First, s.Capture.Last)
	}
	if len(s.Timeline.Bins) != 1 || s.Timeline.Bins[0].Packets != 1 {
		t.Errorf("timeline = %+v", s.Timeline)
	}
	if len(s.Capture.Warnings) != 1 || !strings.Contains(s.Capture.Warnings[0], "1 packet has no timestamp (pcapng Simple Packet Blocks): it is counted") {
		t.Errorf("warnings = %q", s.Capture.Warnings)
	}
}

// TestDecoderPanicIsRecovered makes a decoder panic (a link decoder without
// its parser) and checks that only that packet is affected.
func TestDecoderPanicIsRecovered(t *testing.T) {
	a := newAnalyzer(Options{})
	a.links[layers.LinkTypeEthernet] = &linkDecoder{linkType: layers.LinkTypeEthernet, kind: linkParsed}
	frame := udpFrame(t, "10.0.0.1", "10.0.0.2", 1, 2, nil)
	frame[12], frame[13] = 0x88, 0xcc // LLDP: not for the IP fast path, so the (missing) parser runs
	ci := gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(frame), Length: len(frame)}
	a.packets = 1
	a.safePacket(frame, &ci, layers.LinkTypeEthernet, 24)
	a.packets = 2
	a.safePacket(frame, &ci, layers.LinkTypeRaw, 100) // not Ethernet: fine, though undecodable as raw IP
	s := a.summary()
	checkAccounting(t, s)
	if s.Capture.DecodeErrors < 1 || s.Capture.DecodeErrorExamples[0].Reason != "decoder panic" || s.Capture.DecodeErrorExamples[0].Packet != 1 {
		t.Errorf("decode errors = %+v", s.Capture.DecodeErrorExamples)
	}
	if s.Capture.UndecodablePackets+s.Capture.IPPackets+s.Capture.OtherPackets != 2 {
		t.Errorf("packets after a panic: %+v", s.Capture)
	}
}

// TestFloodKeepsHeavyHitters floods the analysis with many more distinct
// sources, conversations and DNS names than it keeps (a capacity of 500
// here, DefaultKeys in use), hiding a few heavy keys among them, and checks
// every list against the true counts the test keeps itself: each listed
// count within its stated error, no unlisted key heavier than the
// estimate's MaxError, the heavy keys first and in their true order, and
// the totals exact.
func TestFloodKeepsHeavyHitters(t *testing.T) {
	const keys = 500

	type counts struct{ packets, bytes int64 }
	truth := map[string]map[string]*counts{"sources": {}, "destinations": {}, "conversations.ip": {}, "dns.queries": {}}
	count := func(list, key string, bytes int64) {
		c := truth[list][key]
		if c == nil {
			c = &counts{}
			truth[list][key] = c
		}
		c.packets++
		c.bytes += bytes
	}
	r := rand.New(rand.NewPCG(7, 8))
	var pkts []testPacket
	var ipBytes, maxLen int64
	add := func(src, dst, name string, payload int) {
		msg := dnsMessage(name, false)
		f := udpFrame(t, src, dst, 40000, 53, append(msg, make([]byte, payload)...))
		n := int64(len(f) - 14)
		pkts = append(pkts, testPacket{t0.Add(time.Duration(len(pkts)) * time.Millisecond), f})
		ipBytes += n
		maxLen = max(maxLen, n)
		count("sources", src, n)
		count("destinations", dst, n)
		a, b := src, dst
		if netip.MustParseAddr(b).Less(netip.MustParseAddr(a)) {
			a, b = b, a
		}
		count("conversations.ip", a+" "+b, n)
		count("dns.queries", name, 0)
	}
	// Five heavy sources, each with its own resolver and name, sending
	// 400, 320, 240, 160 and 80 queries, spread through 20,000 queries
	// from spoofed sources for random names.
	var heavy []int
	for h := range 5 {
		for range 400 - 80*h {
			heavy = append(heavy, h)
		}
	}
	spoofed := 20_000
	order := r.Perm(len(heavy) + spoofed)
	for _, i := range order {
		if i < len(heavy) {
			h := heavy[i]
			add(fmt.Sprintf("10.0.0.%d", h+1), fmt.Sprintf("192.0.2.%d", h+1), fmt.Sprintf("heavy%d.example", h), 100*h)
			continue
		}
		v := r.Uint32()
		add(netip.AddrFrom4([4]byte{100, byte(v >> 16), byte(v >> 8), byte(v)}).String(),
			netip.AddrFrom4([4]byte{198, 51, byte(v >> 24), byte(v)}).String(),
			fmt.Sprintf("%08x.victim.example", v), int(v%200))
	}
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts), Options{Keys: keys})
	if s.Capture.IPPackets != int64(len(pkts)) || s.Capture.IPBytes != ipBytes || s.DNS.TotalQueries != int64(len(pkts)) {
		t.Errorf("totals: %d packets, %d bytes, %d queries; want %d, %d, %d", s.Capture.IPPackets, s.Capture.IPBytes, s.DNS.TotalQueries, len(pkts), ipBytes, len(pkts))
	}

	type row struct {
		key                  string
		packets, bytes       int64
		packetsErr, bytesErr int64
	}
	lists := map[string][]row{}
	for _, e := range s.Sources {
		lists["sources"] = append(lists["sources"], row{e.IP, e.Packets, e.Bytes, e.PacketsError, e.BytesError})
	}
	for _, e := range s.Destinations {
		lists["destinations"] = append(lists["destinations"], row{e.IP, e.Packets, e.Bytes, e.PacketsError, e.BytesError})
	}
	for _, c := range s.Conversations.IP {
		lists["conversations.ip"] = append(lists["conversations.ip"], row{c.A + " " + c.B, c.PacketsAB + c.PacketsBA, c.BytesAB + c.BytesBA, c.PacketsError, c.BytesError})
	}
	for _, q := range s.DNS.Queries {
		lists["dns.queries"] = append(lists["dns.queries"], row{q.Name, q.Count, 0, q.CountError, 0})
	}
	estimates := map[string]Estimate{}
	for _, e := range s.Estimates {
		estimates[e.List] = e
	}
	for list, want := range truth {
		e, ok := estimates[list]
		if !ok {
			t.Errorf("%s: no estimate, with %d distinct keys kept in %d", list, len(want), keys)
			continue
		}
		if e.Tracked != keys || e.MaxError <= 0 || e.Replaced < int64(len(want)-keys) {
			t.Errorf("%s: estimate %+v with %d distinct keys", list, e, len(want))
		}
		got := lists[list]
		if len(got) != keys {
			t.Errorf("%s: %d listed, want %d", list, len(got), keys)
		}
		listed := map[string]bool{}
		var sum int64
		for _, g := range got {
			listed[g.key] = true
			w := want[g.key]
			if w == nil {
				t.Errorf("%s: %q listed but never sent", list, g.key)
				continue
			}
			sum += g.packets + g.packetsErr
			if w.packets < g.packets || w.packets > g.packets+g.packetsErr || g.packetsErr > e.MaxError {
				t.Errorf("%s: %s listed with %d (+%d), truly %d; MaxError %d", list, g.key, g.packets, g.packetsErr, w.packets, e.MaxError)
			}
			if list != "dns.queries" && (w.bytes < g.bytes || w.bytes > g.bytes+g.bytesErr || g.bytesErr != g.packetsErr*maxLen) {
				t.Errorf("%s: %s listed with %d bytes (+%d), truly %d", list, g.key, g.bytes, g.bytesErr, w.bytes)
			}
		}
		if sum != int64(len(pkts)) {
			t.Errorf("%s: listed counts and errors add up to %d, want every packet (%d)", list, sum, len(pkts))
		}
		for k, w := range want {
			if !listed[k] && w.packets > e.MaxError {
				t.Errorf("%s: %s has %d, over MaxError %d, but is not listed", list, k, w.packets, e.MaxError)
			}
		}
		// The five heavy keys lead, heaviest first (by bytes for
		// conversations, which are listed by bytes), their counts within
		// MaxError of the truth.
		var top []string
		for k, w := range want {
			if w.packets >= 80 {
				top = append(top, k)
			}
		}
		slices.SortFunc(top, func(x, y string) int {
			if list == "conversations.ip" {
				return cmp.Compare(want[y].bytes, want[x].bytes)
			}
			return cmp.Compare(want[y].packets, want[x].packets)
		})
		if len(top) != 5 {
			t.Fatalf("%s: heavy keys %q", list, top)
		}
		for h, key := range top {
			if got[h].key != key {
				t.Errorf("%s: rank %d is %s (%d +%d), want %s (%d)", list, h+1, got[h].key, got[h].packets, got[h].packetsErr, key, want[key].packets)
			}
		}
		t.Logf("%s: %d distinct, %d kept, MaxError %d, top %s %d (+%d), truly %d", list, len(want), e.Tracked, e.MaxError, got[0].key, got[0].packets, got[0].packetsErr, want[got[0].key].packets)
	}
	if _, ok := estimates["conversations.transport"]; !ok || s.Conversations.TransportTotal < 20_000 {
		t.Errorf("transport conversations: total %d, estimates %+v", s.Conversations.TransportTotal, s.Estimates)
	}
	warned := 0
	for _, w := range s.Capture.Warnings {
		if strings.Contains(w, "heavy-hitter estimate") {
			warned++
		}
	}
	if warned != 5 {
		t.Errorf("%d heavy-hitter warnings, want 5: %q", warned, s.Capture.Warnings)
	}
}

// TestExactBelowCapacity: a list with no more keys than it keeps is exact,
// with no estimate and no errors.
func TestExactBelowCapacity(t *testing.T) {
	pkts := []testPacket{
		{t0, udpFrame(t, "10.0.0.1", "10.0.0.9", 1, 2, nil)},
		{t0, udpFrame(t, "10.0.0.2", "10.0.0.9", 1, 2, nil)},
		{t0, udpFrame(t, "10.0.0.3", "10.0.0.9", 1, 2, nil)},
		{t0, udpFrame(t, "10.0.0.3", "10.0.0.9", 1, 2, nil)},
		{t0, udpFrame(t, "10.0.0.2", "10.0.0.9", 1, 2, nil)},
	}
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts), Options{Keys: 3})
	if len(s.Estimates) != 0 || len(s.Sources) != 3 || s.Sources[0] != (Endpoint{IP: "10.0.0.2", Packets: 2, Bytes: 56}) {
		t.Errorf("estimates %+v, sources %+v", s.Estimates, s.Sources)
	}
	pkts = append(pkts, testPacket{t0, udpFrame(t, "10.0.0.4", "10.0.0.9", 1, 2, nil)})
	s = analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts), Options{Keys: 3})
	// The fourth source takes the place of the lightest (10.0.0.1, one
	// packet): listed with one packet of its own and an error of one.
	want := []Endpoint{{IP: "10.0.0.2", Packets: 2, Bytes: 56}, {IP: "10.0.0.3", Packets: 2, Bytes: 56}, {IP: "10.0.0.4", Packets: 1, Bytes: 28, PacketsError: 1, BytesError: 28}}
	if !slices.Equal(s.Sources, want) || len(s.Estimates) != 3 || s.Estimates[0] != (Estimate{List: "sources", Unit: "packets", Tracked: 3, Replaced: 1, MaxError: 2, MaxErrorBytes: 56}) {
		t.Errorf("sources %+v\nestimates %+v", s.Sources, s.Estimates)
	}
}

// TestHooks: the caller's Tick runs once per TickEvery packets and
// BuildSummary once around the Summary, and the analysis itself changes
// no process-wide setting of the garbage collector.
func TestHooks(t *testing.T) {
	frame := udpFrame(t, "10.0.0.1", "10.0.0.2", 1000, 53, []byte("x"))
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	n := 2*TickEvery + 5
	pkts := make([]testPacket, n)
	for i := range pkts {
		pkts[i] = testPacket{at: t0.Add(time.Duration(i) * time.Millisecond), data: frame}
	}
	capture := pcapBytes(t, layers.LinkTypeEthernet, pkts)
	var ticks, builds, dones int
	opts := Options{Hooks: Hooks{
		Tick:         func() { ticks++ },
		BuildSummary: func() func() { builds++; return func() { dones++ } },
	}}
	gcBefore := debug.SetGCPercent(100)
	limitBefore := debug.SetMemoryLimit(-1)
	defer debug.SetGCPercent(gcBefore)
	s := analyzeBytes(t, capture, opts)
	if s.Capture.Packets != int64(n) || ticks != 2 || builds != 1 || dones != 1 {
		t.Errorf("%d packets: %d ticks, %d builds, %d dones; want %d packets, 2 ticks, 1 of each", s.Capture.Packets, ticks, builds, dones, n)
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("the analysis left GOGC at %d", got)
	}
	if got := debug.SetMemoryLimit(-1); got != limitBefore {
		t.Errorf("the analysis left the memory limit at %d, was %d", got, limitBefore)
	}
	if s := analyzeBytes(t, capture, Options{}); s.Capture.Packets != int64(n) {
		t.Errorf("without hooks: %d packets", s.Capture.Packets)
	}
}
