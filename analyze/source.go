package analyze

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// readBufferSize is the buffer between the input (read in chunks by
// onceReader) and the decompressors and pcapgo's readers, which peek and
// read a few bytes at a time. 64 KiB runs as fast as 1 MiB here.
const readBufferSize = 64 << 10

// decompress recognises a compressed capture by its first bytes and returns
// a reader of the decompressed stream, the compression's name ("" for none)
// and a function that releases the decompressor.
func decompress(br *bufio.Reader) (io.Reader, string, func(), error) {
	magic, _ := br.Peek(6)
	noop := func() {}
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, "", noop, fmt.Errorf("gzip: %w", err)
		}
		return zr, "gzip", func() { zr.Close() }, nil
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		// One decoding goroutine is enough next to the analysis, and a
		// hostile frame may not claim more than a 256 MiB window (zstd
		// --long=28; the default limit would allow 512 MiB).
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(256<<20))
		if err != nil {
			return nil, "", noop, fmt.Errorf("zstd: %w", err)
		}
		return zr, "zstd", zr.Close, nil
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}):
		zr, err := xz.NewReader(br)
		if err != nil {
			return nil, "", noop, fmt.Errorf("xz: %w", err)
		}
		return zr, "xz", noop, nil
	case bytes.HasPrefix(magic, []byte("BZh")) && len(magic) >= 4 && magic[3] >= '1' && magic[3] <= '9':
		return bzip2.NewReader(br), "bzip2", noop, nil
	}
	return br, "", noop, nil
}

// Capture file magic numbers, as the first four bytes appear in the file.
var (
	magicPcapLE   = []byte{0xd4, 0xc3, 0xb2, 0xa1} // microseconds, little-endian
	magicPcapBE   = []byte{0xa1, 0xb2, 0xc3, 0xd4}
	magicPcapNsLE = []byte{0x4d, 0x3c, 0xb2, 0xa1} // nanoseconds
	magicPcapNsBE = []byte{0xa1, 0xb2, 0x3c, 0x4d}
	magicPcapng   = []byte{0x0a, 0x0d, 0x0d, 0x0a} // section header block type
)

// packetSource is a pcap or pcapng reader that also says which link type
// each packet has and where its record starts.
type packetSource interface {
	// next returns the next packet. data is owned by the reader and valid
	// only until the following call. A clean end of the capture is io.EOF.
	next() (data []byte, ci gopacket.CaptureInfo, lt layers.LinkType, err error)
	// offset is the byte offset of the record next returned, or -1 if unknown.
	offset() int64
	// fracDigits is the number of fractional second digits the capture's
	// timestamps carry.
	fracDigits() int
	format() string
}

// openSource reads the capture's file header and returns a packetSource.
func openSource(r *bufio.Reader) (packetSource, error) {
	magic, err := r.Peek(4)
	switch {
	case len(magic) == 0:
		return nil, errors.New("empty file")
	case err != nil:
		return nil, fmt.Errorf("not a pcap or pcapng file (only %d bytes)", len(magic))
	}
	switch {
	case bytes.Equal(magic, magicPcapng):
		return openPcapng(r)
	case bytes.Equal(magic, magicPcapLE), bytes.Equal(magic, magicPcapBE),
		bytes.Equal(magic, magicPcapNsLE), bytes.Equal(magic, magicPcapNsBE):
		return openPcap(r)
	}
	return nil, fmt.Errorf("not a pcap or pcapng file (starts with % x)", magic)
}

// pcapSource reads classic pcap with pcapgo.Reader.
type pcapSource struct {
	r      *pcapgo.Reader
	pos    int64 // offset of the next record header
	recPos int64 // offset of the record last returned
	digits int
	lt     layers.LinkType
}

func openPcap(r *bufio.Reader) (*pcapSource, error) {
	var hdr [24]byte
	peek, err := r.Peek(len(hdr))
	if err != nil {
		return nil, fmt.Errorf("pcap file header cut short (%d of 24 bytes)", len(peek))
	}
	copy(hdr[:], peek)
	order := binary.ByteOrder(binary.LittleEndian)
	if hdr[0] == 0xa1 {
		order = binary.BigEndian
	}
	// The link-type field's upper bits carry FCS information (libpcap's
	// LT_FCS_DATA_PRESENT); only the low 28 bits are the link type. pcapgo
	// takes all 32 bits, so mask them before it reads the header. Without
	// such bits pcapgo reads the file directly, not through a MultiReader
	// that every packet's two reads would pass.
	raw := order.Uint32(hdr[20:24])
	lt := raw & 0x0fffffff
	var in io.Reader = r
	if lt != raw {
		order.PutUint32(hdr[20:24], lt)
		if _, err := r.Discard(len(hdr)); err != nil {
			return nil, err
		}
		in = io.MultiReader(bytes.NewReader(hdr[:]), r)
	}
	pr, err := pcapgo.NewReader(in)
	if err != nil {
		return nil, fmt.Errorf("bad pcap file header: %s", lowerFirst(err.Error()))
	}
	digits := 6
	if hdr[0] == 0x4d || hdr[3] == 0x4d {
		digits = 9
	}
	return &pcapSource{r: pr, pos: 24, digits: digits, lt: layers.LinkType(lt)}, nil
}

func (s *pcapSource) next() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	s.recPos = s.pos
	data, ci, err := s.r.ZeroCopyReadPacketData()
	if err != nil {
		return nil, ci, s.lt, err
	}
	s.pos += 16 + int64(ci.CaptureLength)
	return data, ci, s.lt, nil
}

func (s *pcapSource) offset() int64   { return s.recPos }
func (s *pcapSource) fracDigits() int { return s.digits }
func (s *pcapSource) format() string  { return "pcap" }

// pcapngSource reads pcapng with pcapgo.NgReader, which by default drops
// packets whose interface's link type differs from the first interface's;
// WantMixedLinkType keeps them all.
type pcapngSource struct {
	r      *pcapgo.NgReader
	digits int
}

func openPcapng(r *bufio.Reader) (*pcapngSource, error) {
	nr, err := pcapgo.NewNgReader(r, pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: true})
	if err != nil {
		return nil, fmt.Errorf("bad pcapng section header: %s", lowerFirst(err.Error()))
	}
	return &pcapngSource{r: nr}, nil
}

func (s *pcapngSource) next() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	data, ci, err := s.r.ZeroCopyReadPacketData()
	if err != nil {
		return nil, ci, 0, err
	}
	// Interface indexes restart in each section, so the interface is looked
	// up for every packet; it is a copy of a small struct, no allocation.
	iface, err := s.r.Interface(ci.InterfaceIndex)
	if err != nil {
		return nil, ci, 0, err
	}
	if d := resolutionDigits(iface.TimestampResolution); d > s.digits {
		s.digits = d
	}
	return data, ci, iface.LinkType, nil
}

func (s *pcapngSource) offset() int64 { return -1 }
func (s *pcapngSource) fracDigits() int {
	if s.digits == 0 {
		return 6
	}
	return s.digits
}
func (s *pcapngSource) format() string { return "pcapng" }

// resolutionDigits is the number of decimal digits needed to show
// timestamps of a pcapng interface's resolution, at most 9 (Go's times are
// nanoseconds). A missing if_tsresol option means microseconds.
func resolutionDigits(res pcapgo.NgResolution) int {
	e := int(res.Exponent())
	switch {
	case res == 0:
		return 6
	case res.Binary():
		e = (e*30103 + 99999) / 100000 // ceil(e * log10(2))
	}
	return min(e, 9)
}

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}
