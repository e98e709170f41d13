package analyze

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// pcapReader reads classic pcap (libpcap's savefile format) straight from
// the read buffer: a record that fits in it is returned where it lies,
// without a copy, and skipped on the following call; a longer one, up to
// maxRecordLen, is copied into a buffer of the reader's own. pcapgo could
// do neither, nor skip a record too long to take and read on, as this
// reader does.
type pcapReader struct {
	r        *bufio.Reader
	endian         // the file's byte order
	nsFactor int64 // 1000 for microsecond timestamps, 1 for nanoseconds
	digits   int
	lt       layers.LinkType
	pos      int64 // offset of the next record
	recPos   int64 // offset of the record last returned
	pending  int   // bytes of the record last returned still in r
	buf      []byte
	prob     recordProblem
}

func openPcap(r *bufio.Reader) (*pcapReader, error) {
	hdr, err := r.Peek(24)
	if err != nil {
		if err != io.EOF {
			return nil, err
		}
		return nil, fmt.Errorf("pcap file header cut short (%d of 24 bytes)", len(hdr))
	}
	s := &pcapReader{r: r, endian: hdr[0] == 0xa1, nsFactor: 1000, digits: 6, pos: 24}
	if hdr[0] == 0x4d || hdr[3] == 0x4d {
		s.nsFactor, s.digits = 1, 9
	}
	if major := s.u16(hdr[4:6]); major != 2 {
		return nil, fmt.Errorf("bad pcap file header: unknown major version %d (2 is pcap's)", major)
	}
	// The link-type field's upper bits carry FCS information (libpcap's
	// LT_FCS_DATA_PRESENT); only the low 28 bits are the link type.
	s.lt = layers.LinkType(s.u32(hdr[20:24]) & 0x0fffffff)
	r.Discard(24)
	return s, nil
}

// endian reads a capture's integers in its byte order: big-endian when
// true. Both record readers embed it.
type endian bool

func (e endian) u16(b []byte) uint16 {
	if e {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (e endian) u32(b []byte) uint32 {
	if e {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (e endian) u64(b []byte) uint64 {
	if e {
		return binary.BigEndian.Uint64(b)
	}
	return binary.LittleEndian.Uint64(b)
}

func (s *pcapReader) next() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	var ci gopacket.CaptureInfo
	if s.pending > 0 {
		s.r.Discard(s.pending) // cannot fail: the bytes were peeked
		s.pending = 0
	}
	s.recPos = s.pos
	hdr, err := s.r.Peek(16)
	if len(hdr) < 16 {
		if err == io.EOF {
			if len(hdr) == 0 {
				return nil, ci, s.lt, io.EOF
			}
			err = &cutShort{"the file ends in the middle of a packet record"}
		}
		return nil, ci, s.lt, err
	}
	caplen, wire := s.u32(hdr[8:12]), s.u32(hdr[12:16])
	ci.Timestamp = time.Unix(int64(s.u32(hdr[0:4])), int64(s.u32(hdr[4:8]))*s.nsFactor).UTC()
	ci.CaptureLength, ci.Length = int(caplen), int(wire)
	if caplen > maxRecordLen {
		return s.skip(ci, caplen)
	}
	n := 16 + int(caplen)
	var data []byte
	if n <= s.r.Size() {
		b, err := s.r.Peek(n)
		if err != nil {
			return nil, ci, s.lt, s.dataErr(err)
		}
		data = b[16:]
		s.pending = n
	} else {
		s.r.Discard(16)
		if cap(s.buf) < int(caplen) {
			s.buf = make([]byte, caplen) // at most maxRecordLen
		}
		data = s.buf[:caplen]
		if _, err := io.ReadFull(s.r, data); err != nil {
			s.pos += 16
			return nil, ci, s.lt, s.dataErr(err)
		}
	}
	s.pos += int64(n)
	if caplen > wire {
		// libpcap, tcpdump and Wireshark read such a record as it is.
		s.prob = recordProblem{
			reason: "pcap record: captured length over original length",
			detail: fmt.Sprintf("%d bytes captured of a %d-byte packet", caplen, wire),
		}
		return data, ci, s.lt, &s.prob
	}
	return data, ci, s.lt, nil
}

// skip passes over a record longer than any link carries, whose data may
// not be allocated.
func (s *pcapReader) skip(ci gopacket.CaptureInfo, caplen uint32) ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	s.r.Discard(16)
	n, err := discardN(s.r, int64(caplen))
	s.pos += 16 + n
	if err != nil {
		if err == io.EOF {
			err = &cutShort{fmt.Sprintf("the file ends inside a record that claims %d bytes, over the %d of the longest packet (%d bytes of it are in the file)", caplen, maxRecordLen, n)}
		}
		return nil, ci, s.lt, err
	}
	s.prob = recordProblem{
		reason:  fmt.Sprintf("pcap record: longer than %d bytes", maxRecordLen),
		detail:  fmt.Sprintf("%d bytes captured, skipped", caplen),
		skipped: true,
	}
	return nil, ci, s.lt, &s.prob
}

func (s *pcapReader) dataErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return &cutShort{"the file ends in the middle of a packet record"}
	}
	return err
}

func (s *pcapReader) offset() int64   { return s.recPos }
func (s *pcapReader) fracDigits() int { return s.digits }
func (s *pcapReader) format() string  { return "pcap" }
