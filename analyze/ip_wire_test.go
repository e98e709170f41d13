package analyze

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
)

// wireFrame is a frame as a test writes it: the bytes captured and the
// length on the wire.
type wireFrame struct {
	data []byte
	wire int
}

// ethIPv4 is an Ethernet frame with an IPv4 header of total length total
// and pad bytes of UDP after it.
func ethIPv4(total uint16, pad int) []byte {
	b := []byte{0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00,
		0x45, 0, byte(total >> 8), byte(total), 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2}
	return append(b, make([]byte, pad)...)
}

// ethJumbo is an Ethernet frame with an IPv6 header of payload length 0, a
// hop-by-hop header with a Jumbo Payload option of jumbo, and pad bytes.
func ethJumbo(jumbo uint32, pad int) []byte {
	b := []byte{0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x86, 0xdd, 0x60, 0, 0, 0, 0, 0, 0, 64}
	b = append(b, netipBytes("2001:db8::1")...)
	b = append(b, netipBytes("2001:db8::2")...)
	b = append(b, 59, 0, 0xc2, 4) // no next header; Jumbo Payload option
	b = binary.BigEndian.AppendUint32(b, jumbo)
	return append(b, make([]byte, pad)...)
}

func netipBytes(s string) []byte {
	a := netip.MustParseAddr(s).As16()
	return a[:]
}

func writeWireCapture(t *testing.T, frames []wireFrame) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(262144, 1); err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(f.data), Length: f.wire}
		if err := w.WritePacket(ci, f.data); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// TestIPLengthOverWire writes IP headers that claim more than their frame
// carried on the wire, next to ordinary ones, and checks the bytes counted
// against tshark's frame lengths: an IP packet counts min(the length its
// header claims, the frame's length on the wire less the 14-byte Ethernet
// header), and every packet whose header claims more is a decode error
// with its number. (tshark does not read a Jumbo Payload longer than the
// frame at all, so the claimed lengths are the ones written.)
func TestIPLengthOverWire(t *testing.T) {
	frames := []wireFrame{
		{ethIPv4(60, 40), 74},            // 1: ordinary
		{ethJumbo(0xffff_fff0, 38), 100}, // 2: a 4 GB jumbogram on a 100-byte frame
		{ethIPv4(1500, 40), 74},          // 3: total length 1500 on a 74-byte frame
		{ethIPv4(0, 40), 74},             // 4: total length 0 (segmentation offload): the 60 bytes present
		{ethIPv4(1500, 40), 1514},        // 5: cut to a snap length: the wire carried 1514
		{ethJumbo(70_000, 46), 70_054},   // 6: a jumbogram the wire carried whole (BIG TCP), captured in part
		{ethJumbo(70_000, 46), 70_053},   // 7: the same, one byte short on the wire
		{ethIPv4(60, 40)[:42], 74},       // 8: snap length 42, ordinary
	}
	claimed := []int64{60, 40 + 0xffff_fff0, 1500, 60, 1500, 70_040, 70_040, 60}
	wantOver := []int64{2, 3, 7}
	capture := writeWireCapture(t, frames)
	s := analyzeBytes(t, capture, Options{})
	lens := make([]int64, len(frames))
	for i, f := range frames {
		lens[i] = int64(f.wire)
	}
	if _, err := exec.LookPath("tshark"); err == nil {
		path := filepath.Join(t.TempDir(), "wire.pcap")
		if err := os.WriteFile(path, capture, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("tshark", "-n", "-r", path, "-T", "fields", "-e", "frame.len").Output()
		if err != nil {
			t.Fatalf("tshark: %v", err)
		}
		lens = lens[:0]
		for _, f := range strings.Fields(string(out)) {
			n, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			lens = append(lens, n)
		}
	} else {
		t.Log("no tshark: using the frame lengths written")
	}
	if len(lens) != len(frames) {
		t.Fatalf("tshark read %d frames, want %d", len(lens), len(frames))
	}
	var sum int64
	var over []int64
	for i, l := range lens {
		sum += min(claimed[i], l-14)
		if claimed[i] > l-14 {
			over = append(over, int64(i+1))
		}
	}
	if !slices.Equal(over, wantOver) {
		t.Fatalf("frame lengths put packets %v over the wire, the test means %v", over, wantOver)
	}
	if s.Capture.IPBytes != sum || s.Capture.IPPackets != int64(len(frames)) {
		t.Errorf("%d IP packets, %d bytes; want %d and %d", s.Capture.IPPackets, s.Capture.IPBytes, len(frames), sum)
	}
	over = over[:0]
	for _, e := range s.Capture.DecodeErrorExamples {
		if e.Reason == reasonIPOverWire {
			over = append(over, e.Packet)
		}
	}
	if !slices.Equal(over, wantOver) || !equalCounts(s.Capture.DecodeErrorReasons, []Count{{reasonIPOverWire, 3}}) {
		t.Errorf("over-wire packets %v, reasons %v; want %v", over, s.Capture.DecodeErrorReasons, wantOver)
	}
	// Sources, protocols and the timeline count the same bytes.
	var src, proto int64
	for _, e := range s.Sources {
		src += e.Bytes
	}
	for _, p := range s.Protocols.Network {
		proto += p.Bytes
	}
	if src != sum || proto != sum {
		t.Errorf("sources count %d bytes, network protocols %d; want %d", src, proto, sum)
	}
}

// TestJumbogramInvalidLength reads a fuzzed capture whose jumbogram claims
// one byte more than its frame: tshark says "IPv6 payload length exceeds
// framing length (65536 bytes)" for the 65,590-byte frame.
func TestJumbogramInvalidLength(t *testing.T) {
	s, err := File("../testdata/malformed/ipv6_jumbogram_invalid_length.pcap", Options{})
	if err != nil {
		t.Fatal(err)
	}
	const frame = 65590 // tshark's frame.len
	if s.Capture.IPBytes != frame-14 || len(s.Capture.DecodeErrorExamples) != 1 ||
		s.Capture.DecodeErrorExamples[0].Reason != reasonIPOverWire || s.Capture.DecodeErrorExamples[0].Packet != 1 {
		t.Errorf("IP bytes %d, decode errors %+v; want %d and packet 1 over the wire", s.Capture.IPBytes, s.Capture.DecodeErrorExamples, frame-14)
	}
}
