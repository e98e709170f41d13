package analyze

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// pcapRecord is a classic pcap record header (little-endian) and data.
func pcapRecord(caplen, wire uint32, data []byte) []byte {
	var h [16]byte
	binary.LittleEndian.PutUint32(h[0:], 1527000000)
	binary.LittleEndian.PutUint32(h[8:], caplen)
	binary.LittleEndian.PutUint32(h[12:], wire)
	return append(h[:], data...)
}

// pcapRecordEnds returns the offset just past each record of a
// little-endian classic pcap file.
func pcapRecordEnds(t *testing.T, b []byte) []int {
	t.Helper()
	if !bytes.HasPrefix(b, magicPcapLE) {
		t.Fatalf("not a little-endian microsecond pcap")
	}
	var ends []int
	for off := 24; off+16 <= len(b); {
		off += 16 + int(binary.LittleEndian.Uint32(b[off+8:]))
		ends = append(ends, off)
	}
	return ends
}

// capinfosPackets is capinfos's packet count of the file, or a skip.
func capinfosPackets(t *testing.T, path string) int64 {
	t.Helper()
	if _, err := exec.LookPath("capinfos"); err != nil {
		t.Skip("capinfos not installed")
	}
	out, err := exec.Command("capinfos", "-c", "-M", path).CombinedOutput()
	m := regexp.MustCompile(`Number of packets:\s*(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("capinfos %s: %v\n%s", path, err, out)
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}

// TestCaplenOverOriginalLengthReadsOn inserts, after record 100 of real
// captures, a record whose captured length exceeds its original length.
// libpcap, tcpdump and Wireshark read on; so must the analysis, with the
// same packet count as capinfos and the record listed as a decode error.
func TestCaplenOverOriginalLengthReadsOn(t *testing.T) {
	for _, name := range []string{"../testdata/windows_lan_dns_llmnr_smb.pcap", "../../shared/captures/http_browsing_dns_2013.pcap"} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			b, err := os.ReadFile(name)
			if errors.Is(err, os.ErrNotExist) {
				t.Skipf("%s not present", name)
			} else if err != nil {
				t.Fatal(err)
			}
			ends := pcapRecordEnds(t, b)
			at := ends[99] // after record 100
			rec := b[ends[98]:at]
			data := rec[16:]
			bad := pcapRecord(uint32(len(data)), uint32(len(data))-10, data)
			var f []byte
			f = append(f, b[:at]...)
			f = append(f, bad...)
			f = append(f, b[at:]...)
			path := filepath.Join(t.TempDir(), "caplen_over_len.pcap")
			if err := os.WriteFile(path, f, 0o644); err != nil {
				t.Fatal(err)
			}
			want := capinfosPackets(t, path)
			s, err := File(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkAccounting(t, s)
			if s.Capture.Packets != want || want != int64(len(ends)+1) {
				t.Errorf("%d packets, capinfos says %d (the original has %d)", s.Capture.Packets, want, len(ends))
			}
			if len(s.Capture.Warnings) != 0 {
				t.Errorf("warnings %q, want none", s.Capture.Warnings)
			}
			found := false
			for _, e := range s.Capture.DecodeErrorExamples {
				if e.Reason == "pcap record: captured length over original length" {
					found = true
					if e.Packet != 101 || e.Offset != int64(at) {
						t.Errorf("anomaly listed as packet %d at offset %d, want 101 at %d", e.Packet, e.Offset, at)
					}
				}
			}
			if !found {
				t.Errorf("the record is not listed among the decode errors: %+v", s.Capture.DecodeErrorExamples)
			}
		})
	}
}

// TestPcapLongRecords checks records around the limits: one longer than
// the read buffer (copied, analysed), one longer than maxRecordLen
// (skipped, counted, and the capture read on), and a file that ends inside
// such a record (a capture cut short).
func TestPcapLongRecords(t *testing.T) {
	frame := udpFrame(t, "10.0.0.1", "10.0.0.2", 1000, 53, dnsMessage("long.example", false))
	long := append(append([]byte(nil), frame...), make([]byte, 100_000-len(frame))...) // an Ethernet trailer
	head := pcapBytes(t, layers.LinkTypeEthernet, nil)
	head[0], head[1], head[2], head[3] = 0xd4, 0xc3, 0xb2, 0xa1 // microseconds
	var f []byte
	f = append(f, head...)
	f = append(f, pcapRecord(uint32(len(frame)), uint32(len(frame)), frame)...)
	f = append(f, pcapRecord(uint32(len(long)), uint32(len(long)), long)...)
	skipAt := len(f)
	f = append(f, pcapRecord(maxRecordLen+1, maxRecordLen+1, make([]byte, maxRecordLen+1))...)
	f = append(f, pcapRecord(uint32(len(frame)), uint32(len(frame)), frame)...)

	s := analyzeBytes(t, f, Options{})
	c := s.Capture
	if c.Packets != 4 || c.IPPackets != 3 || c.UndecodablePackets != 1 || c.DecodeErrors != 1 || len(c.Warnings) != 0 {
		t.Fatalf("capture = %+v", c)
	}
	if e := c.DecodeErrorExamples[0]; e.Packet != 3 || e.Offset != int64(skipAt) || e.Reason != "pcap record: longer than 262144 bytes" {
		t.Errorf("decode error %+v, want packet 3 at offset %d", e, skipAt)
	}
	if n := s.DNS.TotalQueries; n != 3 {
		t.Errorf("%d DNS queries, want 3 (the long record's too)", n)
	}

	// The file ends inside the long record: 2 packets and a warning.
	s = analyzeBytes(t, f[:skipAt+1000], Options{})
	c = s.Capture
	want := "capture cut short at byte offset " + strconv.Itoa(skipAt) + " (record 3): the file ends inside a record that claims 262145 bytes"
	if c.Packets != 2 || len(c.Warnings) != 1 || !strings.HasPrefix(c.Warnings[0], want) {
		t.Errorf("packets %d, warnings %q; want 2 and %q", c.Packets, c.Warnings, want)
	}
}

// ngBuilder writes a little-endian pcapng file block by block and
// remembers where each block starts.
type ngBuilder struct{ b []byte }

func (w *ngBuilder) block(typ uint32, body []byte) int {
	at := len(w.b)
	body = append(body, make([]byte, (4-len(body)%4)%4)...)
	n := uint32(12 + len(body))
	w.b = binary.LittleEndian.AppendUint32(w.b, typ)
	w.b = binary.LittleEndian.AppendUint32(w.b, n)
	w.b = append(w.b, body...)
	w.b = binary.LittleEndian.AppendUint32(w.b, n)
	return at
}

func (w *ngBuilder) shb() int {
	return w.block(ngSHB, []byte{0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
}

func (w *ngBuilder) idb(lt layers.LinkType, opts ...[]byte) int {
	body := binary.LittleEndian.AppendUint16(nil, uint16(lt))
	body = append(body, 0, 0)
	body = binary.LittleEndian.AppendUint32(body, 0)
	for _, o := range opts {
		body = append(body, o...)
	}
	return w.block(ngIDB, body)
}

// epb writes an enhanced packet block with caplen claimed for data.
func (w *ngBuilder) epb(iface, caplen uint32, data []byte) int {
	body := binary.LittleEndian.AppendUint32(nil, iface)
	ts := uint64(time.Date(2018, 5, 22, 14, 22, 24, 0, time.UTC).UnixMicro())
	body = binary.LittleEndian.AppendUint32(body, uint32(ts>>32))
	body = binary.LittleEndian.AppendUint32(body, uint32(ts))
	body = binary.LittleEndian.AppendUint32(body, caplen)
	body = binary.LittleEndian.AppendUint32(body, uint32(len(data)))
	return w.block(ngEPB, append(body, data...))
}

// TestPcapngBadRecords checks that packets the pcapng reader cannot take
// are counted as decode errors at their block's offset, and that the
// packets around them are read.
func TestPcapngBadRecords(t *testing.T) {
	frame := udpFrame(t, "10.0.0.1", "10.0.0.2", 1000, 53, dnsMessage("ng.example", false))
	long := append(append([]byte(nil), frame...), make([]byte, 100_000-len(frame))...)
	var w ngBuilder
	w.shb()
	w.idb(layers.LinkTypeEthernet)
	w.epb(0, uint32(len(frame)), frame)
	overBlock := w.epb(0, uint32(len(frame))+100, frame) // claims more than its block holds
	noIface := w.epb(7, uint32(len(frame)), frame)       // the section describes one interface
	w.epb(0, uint32(len(long)), long)                    // longer than the read buffer
	tooLong := w.epb(0, maxRecordLen+4, make([]byte, maxRecordLen+4))
	w.block(0x00000004, make([]byte, 5000)) // a name-resolution block, skipped
	w.epb(0, uint32(len(frame)), frame)

	s := analyzeBytes(t, w.b, Options{})
	c := s.Capture
	if c.Packets != 6 || c.IPPackets != 3 || c.DecodeErrors != 3 || len(c.Warnings) != 0 || s.DNS.TotalQueries != 3 {
		t.Fatalf("capture = %+v, %d queries", c, s.DNS.TotalQueries)
	}
	want := []PacketError{
		{Packet: 2, Offset: int64(overBlock), Reason: "pcapng packet: longer than its block"},
		{Packet: 3, Offset: int64(noIface), Reason: "pcapng packet: interface not described"},
		{Packet: 5, Offset: int64(tooLong), Reason: "pcapng packet: longer than 262144 bytes"},
	}
	for i, e := range c.DecodeErrorExamples {
		if e.Packet != want[i].Packet || e.Offset != want[i].Offset || e.Reason != want[i].Reason {
			t.Errorf("decode error %d = %+v, want %+v", i, e, want[i])
		}
	}
}

// TestPcapngBadFraming checks the warnings for blocks whose lengths cannot
// be trusted, and for a file that ends inside a block that claims 1 GiB.
func TestPcapngBadFraming(t *testing.T) {
	frame := udpFrame(t, "10.0.0.1", "10.0.0.2", 1000, 53, dnsMessage("ng.example", false))
	var w ngBuilder
	w.shb()
	w.idb(layers.LinkTypeEthernet)
	w.epb(0, uint32(len(frame)), frame)
	good := w.b
	at := len(good)

	odd := append([]byte(nil), good...)
	odd = binary.LittleEndian.AppendUint32(odd, ngEPB)
	odd = binary.LittleEndian.AppendUint32(odd, 10)
	odd = append(odd, make([]byte, 40)...)

	var w2 ngBuilder
	w2.b = append([]byte(nil), good...)
	w2.epb(0, uint32(len(frame)), frame)
	differ := w2.b
	binary.LittleEndian.PutUint32(differ[len(differ)-4:], 8)

	huge := append([]byte(nil), good...)
	huge = binary.LittleEndian.AppendUint32(huge, ngEPB)
	huge = binary.LittleEndian.AppendUint32(huge, 1<<30+32)
	huge = append(huge, make([]byte, 28+5000)...)
	binary.LittleEndian.PutUint32(huge[at+20:], 1<<30)
	binary.LittleEndian.PutUint32(huge[at+24:], 1<<30)

	pos := strconv.Itoa(at)
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"length not a multiple of 4", odd, "capture damaged at byte offset " + pos + " (record 2): pcapng enhanced packet block has a bad length of 10 bytes (it needs a multiple of 4, at least 12); the report covers the 1 packet before it"},
		{"lengths differ", differ, "capture damaged at byte offset " + pos + " (record 2): pcapng block's length fields differ"},
		{"1 GiB block cut short", huge, "capture cut short at byte offset " + pos + " (record 2): the file ends in the middle of a pcapng packet block of 1073741856 bytes; the report covers the 1 packet before it"},
	} {
		s := analyzeBytes(t, c.b, Options{})
		if s.Capture.Packets != 1 || len(s.Capture.Warnings) != 1 || !strings.HasPrefix(s.Capture.Warnings[0], c.want) {
			t.Errorf("%s: %d packets, warnings %q; want 1 and %q", c.name, s.Capture.Packets, s.Capture.Warnings, c.want)
		}
	}
}

// TestPcapngInterfaces checks what the reader keeps of interfaces: the
// link type and timestamp options of each, past megabytes of other
// options, and no more than maxInterfaces per section, each section
// starting afresh.
func TestPcapngInterfaces(t *testing.T) {
	frame := udpFrame(t, "10.0.0.1", "10.0.0.2", 1000, 53, dnsMessage("ng.example", false))
	opt := func(code uint16, v []byte) []byte {
		b := binary.LittleEndian.AppendUint16(nil, code)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(v)))
		b = append(b, v...)
		return append(b, make([]byte, (4-len(v)%4)%4)...)
	}
	big := opt(2, bytes.Repeat([]byte("n"), 65532)) // if_name
	var w ngBuilder
	w.shb()
	for range maxInterfaces + 2 {
		w.idb(layers.LinkTypeNull)
	}
	w.epb(maxInterfaces+1, uint32(len(frame)), frame) // described, but past those kept
	w.shb()
	// 2^-10 s units, and 100 s later: if_tsresol and if_tsoffset after
	// five 64 KiB options.
	w.idb(layers.LinkTypeEthernet, big, big, big, big, big, opt(9, []byte{0x8a}), opt(14, binary.LittleEndian.AppendUint64(nil, 100)))
	body := binary.LittleEndian.AppendUint32(nil, 0)
	body = binary.LittleEndian.AppendUint32(body, 0)
	body = binary.LittleEndian.AppendUint32(body, 1024*5+512) // 5.5 s
	body = binary.LittleEndian.AppendUint32(body, uint32(len(frame)))
	body = binary.LittleEndian.AppendUint32(body, uint32(len(frame)))
	w.block(ngEPB, append(body, frame...))

	s := analyzeBytes(t, w.b, Options{})
	c := s.Capture
	if c.Packets != 2 || c.IPPackets != 1 || c.DecodeErrors != 1 || c.DecodeErrorExamples[0].Reason != "pcapng packet: interface past those kept" {
		t.Fatalf("capture = %+v", c)
	}
	if c.First != "1970-01-01T00:01:45.5000Z" || strings.Join(c.LinkTypes, ",") != "Ethernet" {
		t.Errorf("first %q link types %q, want 1970-01-01T00:01:45.5000Z (105.5 s, 4 digits for 2^-10) and Ethernet", c.First, c.LinkTypes)
	}
}

// TestCompressionMessages checks the one-line messages for damaged or too
// demanding compressed captures: none of them may say "empty file" or
// repeat the format's name.
func TestCompressionMessages(t *testing.T) {
	frame := udpFrame(t, "10.0.0.1", "10.0.0.2", 1000, 53, dnsMessage("z.example", false))
	var pkts []testPacket
	for i := range 2000 {
		pkts = append(pkts, testPacket{t0.Add(time.Duration(i) * time.Millisecond), frame})
	}
	plain := pcapBytes(t, layers.LinkTypeEthernet, pkts)

	gz := gzipBytes(t, plain)
	damaged := append([]byte(nil), gz...)
	for i := 20; i < 60; i++ {
		damaged[i] ^= 0x55
	}

	var xzBuf bytes.Buffer
	xw, err := xz.NewWriter(&xzBuf)
	if err != nil {
		t.Fatal(err)
	}
	xw.Write(plain)
	xw.Close()
	xzDamaged := append([]byte(nil), xzBuf.Bytes()...)
	for i := 40; i < 80; i++ {
		xzDamaged[i] ^= 0x55
	}

	var xzBig bytes.Buffer
	xbw, err := xz.WriterConfig{DictCap: 128 << 20}.NewWriter(&xzBig)
	if err != nil {
		t.Fatal(err)
	}
	xbw.Write(plain)
	xbw.Close()

	// A zstd frame whose header asks for a 256 MiB window, then one RLE
	// block of 100 zero bytes: a window descriptor of 18<<3 is 2^(10+18).
	bigWindow := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 18 << 3}
	bh := uint32(1 | 1<<1 | 100<<3) // last block, RLE, 100 bytes
	bigWindow = append(bigWindow, byte(bh), byte(bh>>8), byte(bh>>16), 0)
	// The same, after a first frame that holds the capture: the second
	// frame stops the reading, with a warning.
	zw, _ := zstd.NewWriter(nil)
	second := append(zw.EncodeAll(plain, nil), bigWindow...)

	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"damaged gzip", damaged, "damaged gzip data: "},
		{"gzip cut short", gz[:len(gz)/2], "the gzip data ends early"},
		{"damaged xz", xzDamaged, "damaged xz data: "},
		{"xz dictionary", xzBig.Bytes(), "xz: the stream asks for a 128 MiB dictionary, more than the 64 MiB this reader allows"},
		{"zstd window", bigWindow, "zstd: the first frame asks for a 256 MiB window, more than the 64 MiB this reader allows"},
		{"zstd window, second frame", second, "zstd: a frame asks for a window larger than the 64 MiB this reader allows"},
	}
	for _, c := range cases {
		s, err := Read("c", bytes.NewReader(c.b), Options{})
		msg := ""
		if err != nil {
			msg = err.Error()
		} else if len(s.Capture.Warnings) > 0 {
			msg = s.Capture.Warnings[0]
		}
		if !strings.Contains(msg, c.want) || strings.Contains(msg, "empty file") || strings.Contains(msg, "xz: xz") || strings.Contains(msg, "\n") {
			t.Errorf("%s: %q, want one line with %q", c.name, msg, c.want)
		}
	}
}

// TestReadersAllocateNothingPerRecord reads records of both formats,
// short ones (returned from the read buffer) and long ones (copied into
// the reader's buffer), and checks that no record costs an allocation once
// the long-record buffer exists.
func TestReadersAllocateNothingPerRecord(t *testing.T) {
	frame := udpFrame(t, "10.0.0.1", "10.0.0.2", 1000, 53, dnsMessage("alloc.example", false))
	long := append(append([]byte(nil), frame...), make([]byte, 100_000-len(frame))...)
	head := pcapBytes(t, layers.LinkTypeEthernet, nil)
	head[0], head[1], head[2], head[3] = 0xd4, 0xc3, 0xb2, 0xa1
	pcap := append([]byte(nil), head...)
	var ng ngBuilder
	ng.shb()
	ng.idb(layers.LinkTypeEthernet)
	for i := range 1100 {
		f := frame
		if i%50 == 0 {
			f = long
		}
		pcap = append(pcap, pcapRecord(uint32(len(f)), uint32(len(f)), f)...)
		ng.epb(0, uint32(len(f)), f)
	}
	for name, b := range map[string][]byte{"pcap": pcap, "pcapng": ng.b} {
		src, err := openSource(bufio.NewReaderSize(bytes.NewReader(b), readBufferSize))
		if err != nil {
			t.Fatal(err)
		}
		var n int
		allocs := testing.AllocsPerRun(1000, func() {
			data, _, _, err := src.next()
			if err != nil || len(data) < len(frame) {
				t.Fatalf("%s: record %d: %d bytes, %v", name, n, len(data), err)
			}
			n++
		})
		if allocs != 0 {
			t.Errorf("%s: %.2f allocations per record, want 0", name, allocs)
		}
	}
}

// TestPcapngSectionHeaderErrors checks the messages for a capture whose
// first section header cannot be read.
func TestPcapngSectionHeaderErrors(t *testing.T) {
	var w ngBuilder
	w.shb()
	shb := w.b
	claims := append([]byte(nil), shb...)
	binary.LittleEndian.PutUint32(claims[4:], 1<<30)
	badMagic := append([]byte(nil), shb...)
	copy(badMagic[8:], "abcd")
	short := append([]byte(nil), shb...)
	binary.LittleEndian.PutUint32(short[4:], 20)
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"cut short", shb[:10], "c: pcapng section header cut short"},
		{"claims 1 GiB", claims, "c: pcapng section header cut short (it claims 1073741824 bytes)"},
		{"byte-order magic", badMagic, "c: pcapng section header with an unknown byte-order magic 61 62 63 64"},
		{"too short", short, "c: pcapng section header has a bad length of 20 bytes (it needs a multiple of 4, at least 28)"},
	} {
		_, err := Read("c", bytes.NewReader(c.b), Options{})
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// TestPcapngObsoletePacketBlock reads a packet block (type 2), which
// pcapng's first writers used before the enhanced packet block: a 16-bit
// interface and a drops count where the EPB has a 32-bit interface.
func TestPcapngObsoletePacketBlock(t *testing.T) {
	frame := udpFrame(t, "10.0.0.1", "10.0.0.2", 1000, 53, dnsMessage("pb.example", false))
	var w ngBuilder
	w.shb()
	w.idb(layers.LinkTypeNull)
	w.idb(layers.LinkTypeEthernet)
	body := binary.LittleEndian.AppendUint16(nil, 1) // interface 1
	body = binary.LittleEndian.AppendUint16(body, 7) // drops
	ts := uint64(time.Date(2018, 5, 22, 14, 22, 24, 0, time.UTC).UnixMicro())
	body = binary.LittleEndian.AppendUint32(body, uint32(ts>>32))
	body = binary.LittleEndian.AppendUint32(body, uint32(ts))
	body = binary.LittleEndian.AppendUint32(body, uint32(len(frame)))
	body = binary.LittleEndian.AppendUint32(body, uint32(len(frame)))
	w.block(ngPB, append(body, frame...))
	s := analyzeBytes(t, w.b, Options{})
	c := s.Capture
	if c.Packets != 1 || c.IPPackets != 1 || c.First != "2018-05-22T14:22:24.000000Z" || strings.Join(c.LinkTypes, ",") != "Ethernet" {
		t.Errorf("capture = %+v", c)
	}
}
