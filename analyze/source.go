package analyze

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pcapreport/pcapreport/internal/show"
	"github.com/ulikunitz/xz"
)

// readBufferSize is the buffer between the input (read in chunks by
// onceReader) and the decompressors and the record readers. Records that
// fit in it are returned from it without a copy. 64 KiB runs as fast as
// 1 MiB here.
const readBufferSize = 64 << 10

// maxRecordLen is the longest packet record the readers take: libpcap's
// MAXIMUM_SNAPLEN, more than any link carries. A longer record is skipped
// (counted, with a decode error), never allocated, so no length read from
// the capture decides alone how much memory the readers take.
const maxRecordLen = 262144

// Limits on what a compressed capture may make the decompressor keep, a
// window it fills as it decompresses: with the analysis's own 64 MiB or so,
// the run stays well under 256 MiB. zstd levels 1 to 19 use windows of at
// most 8 MiB and --ultra -21 64 MiB; -22 and --long (128 MiB) are refused,
// with a message saying how to read such a file. xz -9 uses a 64 MiB
// dictionary. gzip (32 KiB) and bzip2 (900 KB blocks) need no limit.
const (
	maxZstdWindow = 64 << 20
	maxXzDict     = 64 << 20
)

// decompressError is an error of a decompressor: the compressed data is
// damaged, or asks for more memory than allowed.
type decompressError struct {
	format string
	err    error
}

func (e *decompressError) Error() string {
	switch {
	case errors.Is(e.err, zstd.ErrWindowSizeExceeded) || errors.Is(e.err, zstd.ErrDecoderSizeExceeded):
		return fmt.Sprintf("zstd: a frame asks for a window larger than the %s this reader allows (decompress it first: zstd -d --long=31 -c FILE | pcapreport report -)", mib(maxZstdWindow))
	case e.err == io.ErrUnexpectedEOF:
		return fmt.Sprintf("the %s data ends early", e.format)
	}
	// The packages' errors often start with their name already.
	msg := strings.TrimPrefix(e.err.Error(), e.format+": ")
	msg = strings.TrimPrefix(msg, "bzip2 data invalid: ")
	return fmt.Sprintf("damaged %s data: %s", e.format, msg)
}

func (e *decompressError) Unwrap() error { return e.err }

// decompressReader marks the errors of a decompressor as such.
type decompressReader struct {
	r      io.Reader
	format string
}

func (d *decompressReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		if _, ok := err.(*decompressError); !ok {
			err = &decompressError{d.format, err}
		}
	}
	return n, err
}

func mib(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}

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
			return nil, "", noop, &decompressError{"gzip", err}
		}
		return &decompressReader{zr, "gzip"}, "gzip", func() { zr.Close() }, nil
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		// A frame's window is what the decoder keeps: the first frame's
		// is checked here to name it, any later one's by the decoder.
		var h zstd.Header
		if head, _ := br.Peek(zstd.HeaderMaxSize); h.Decode(head) == nil {
			window := h.WindowSize
			if h.SingleSegment {
				window = h.FrameContentSize // the whole frame is its window
			}
			if window > maxZstdWindow {
				return nil, "", noop, fmt.Errorf("zstd: the first frame asks for a %s window, more than the %s this reader allows (decompress it first: zstd -d --long=31 -c FILE | pcapreport report -)", mib(int64(min(window, 1<<62))), mib(maxZstdWindow))
			}
		}
		// One decoding goroutine is enough next to the analysis.
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxZstdWindow))
		if err != nil {
			return nil, "", noop, &decompressError{"zstd", err}
		}
		return &decompressReader{zr, "zstd"}, "zstd", zr.Close, nil
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}):
		head, _ := br.Peek(12 + 1024) // stream header, longest block header
		if dict, ok := xzDictSize(head); ok && dict > maxXzDict {
			return nil, "", noop, fmt.Errorf("xz: the stream asks for a %s dictionary, more than the %s this reader allows (xz -9 uses 64 MiB; decompress it first: xz -dc FILE | pcapreport report -)", mib(dict), mib(maxXzDict))
		}
		zr, err := xz.NewReader(br)
		if err != nil {
			return nil, "", noop, &decompressError{"xz", err}
		}
		return &decompressReader{zr, "xz"}, "xz", noop, nil
	case bytes.HasPrefix(magic, []byte("BZh")) && len(magic) >= 4 && magic[3] >= '1' && magic[3] <= '9':
		return &decompressReader{bzip2.NewReader(br), "bzip2"}, "bzip2", noop, nil
	}
	return br, "", noop, nil
}

// xzDictSize reads the LZMA2 dictionary size from the first block header
// of an xz stream that starts with head, which the xz package would
// allocate whatever its size.
func xzDictSize(head []byte) (int64, bool) {
	const streamHeader = 12
	if len(head) < streamHeader+2 || head[streamHeader] == 0 { // no block: the index
		return 0, false
	}
	hsize := (int(head[streamHeader]) + 1) * 4
	if len(head) < streamHeader+hsize {
		return 0, false
	}
	h := head[streamHeader+1 : streamHeader+hsize]
	flags := h[0]
	p := h[1:]
	uvarint := func() (uint64, bool) {
		var v uint64
		for i := 0; i < 9 && i < len(p); i++ {
			v |= uint64(p[i]&0x7f) << (7 * i)
			if p[i]&0x80 == 0 {
				p = p[i+1:]
				return v, true
			}
		}
		return 0, false
	}
	if flags&0x40 != 0 {
		if _, ok := uvarint(); !ok {
			return 0, false
		}
	}
	if flags&0x80 != 0 {
		if _, ok := uvarint(); !ok {
			return 0, false
		}
	}
	for n := int(flags&3) + 1; n > 0; n-- {
		id, ok1 := uvarint()
		size, ok2 := uvarint()
		if !ok1 || !ok2 || size > uint64(len(p)) {
			return 0, false
		}
		if id == 0x21 && size == 1 {
			c := p[0]
			switch {
			case c > 40:
				return 0, false
			case c == 40:
				return 1<<32 - 1, true
			}
			return int64(2|c&1) << (c/2 + 11), true
		}
		p = p[size:]
	}
	return 0, false
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
//
// next may return, instead of a packet or the end, a *recordProblem: a
// record that counts as a packet but could not be read as one (skipped,
// data nil) or was read but is inconsistent (data set). Any other error
// ends the capture early: io.ErrUnexpectedEOF or a *cutShort when the file
// ends inside a record, a *formatError when its framing cannot be trusted,
// or the input's or decompressor's error.
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

// recordProblem is a packet record that the reader could not or should
// not take as it stands. It counts as a packet with a decode error.
type recordProblem struct {
	reason  string // the decode error reason: a fixed text
	detail  string
	skipped bool // the record's data was not read; else data is the record's
}

func (p *recordProblem) Error() string { return p.reason + ": " + p.detail }

// cutShort is the file ending inside a record or block.
type cutShort struct{ msg string }

func (e *cutShort) Error() string { return e.msg }
func (e *cutShort) Unwrap() error { return io.ErrUnexpectedEOF }

// formatError is framing that cannot be trusted to find the next record.
type formatError struct{ msg string }

func (e *formatError) Error() string { return e.msg }

// openSource reads the capture's file header and returns a packetSource.
func openSource(r *bufio.Reader) (packetSource, error) {
	magic, err := r.Peek(4)
	switch {
	case err != nil && err != io.EOF:
		return nil, err // the input's or the decompressor's
	case len(magic) == 0:
		return nil, errors.New("empty file")
	case err != nil:
		return nil, fmt.Errorf("not a pcap or pcapng file (only %s)", show.Plural(int64(len(magic)), "byte"))
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

// discardN discards n bytes of r, a few buffers at a time, and returns how
// many it discarded: a long record is skipped, never held.
func discardN(r *bufio.Reader, n int64) (int64, error) {
	var done int64
	for done < n {
		step := int(min(n-done, 1<<30))
		m, err := r.Discard(step)
		done += int64(m)
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}

// hasHave is "1 packet has", "2 packets have".
func hasHave(n int64) string {
	if n == 1 {
		return "1 packet has"
	}
	return show.Plural(n, "packet") + " have"
}
