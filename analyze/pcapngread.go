package analyze

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// pcapng block types.
const (
	ngIDB = 0x00000001 // interface description
	ngPB  = 0x00000002 // packet (obsolete)
	ngSPB = 0x00000003 // simple packet
	ngEPB = 0x00000006 // enhanced packet
	ngSHB = 0x0a0d0d0a // section header
)

// maxInterfaces is how many interfaces of one section the reader keeps
// (a few dozen bytes each). Real captures have a few, or a few hundred on
// a router; packets of interfaces past it are counted as decode errors.
const maxInterfaces = 1 << 16

// ngInterface is what the reader keeps of an interface description: what
// its packets need, nothing of its names, comments or filters.
type ngInterface struct {
	lt                 layers.LinkType
	snaplen            uint32
	unit               uint64 // timestamp units per second
	scaleUp, scaleDown uint64 // from units to nanoseconds
	tsOffset           uint64 // if_tsoffset, seconds
	shift              uint8  // for 2^-shift s units, else 0
	digits             int
}

// pcapngReader reads pcapng as pcapReader reads pcap: from the read
// buffer, a block that fits in it without a copy, any longer one streamed
// (options, name records and unknown blocks are discarded as they pass,
// never held). Unlike pcapgo it keeps no name-resolution records and no
// interface options, and skips a packet it cannot take and reads on.
type pcapngReader struct {
	r        *bufio.Reader
	endian        // the section's byte order
	skipping bool // in a section of a version it does not know
	ifaces   []ngInterface
	extra    int64 // interfaces of this section past maxInterfaces
	digits   int
	pos      int64  // offset of the next block
	recPos   int64  // offset of the block of the packet last returned
	pending  int    // bytes of the block last returned still in r
	blen     uint32 // length of the block being read, once known
	buf      []byte
	prob     recordProblem
}

func openPcapng(r *bufio.Reader) (*pcapngReader, error) {
	s := &pcapngReader{r: r}
	if err := s.sectionHeader(); err != nil {
		switch err.(type) {
		case *cutShort:
			if s.blen > 0 {
				return nil, fmt.Errorf("pcapng section header cut short (it claims %d bytes)", s.blen)
			}
			return nil, errors.New("pcapng section header cut short")
		}
		return nil, err // its framing, the input's or the decompressor's
	}
	return s, nil
}

// ended words the file ending inside the block at s.pos.
func (s *pcapngReader) ended(err error, what string) error {
	if err != io.EOF && err != io.ErrUnexpectedEOF {
		return err
	}
	if s.blen == 0 {
		return &cutShort{"the file ends in the middle of a pcapng " + what}
	}
	return &cutShort{fmt.Sprintf("the file ends in the middle of a pcapng %s of %d bytes", what, s.blen)}
}

// sectionHeader reads the section header block at s.pos, which sets the
// byte order of the blocks after it.
func (s *pcapngReader) sectionHeader() error {
	h, err := s.r.Peek(16)
	if len(h) < 16 {
		return s.ended(err, "section header")
	}
	switch {
	case binary.BigEndian.Uint32(h[8:12]) == 0x1a2b3c4d:
		s.endian = true
	case binary.LittleEndian.Uint32(h[8:12]) == 0x1a2b3c4d:
		s.endian = false
	default:
		return &formatError{fmt.Sprintf("pcapng section header with an unknown byte-order magic % x", h[8:12])}
	}
	blen := s.u32(h[4:8])
	if err := s.checkLength(ngSHB, blen, 28); err != nil {
		return err
	}
	s.blen = blen
	// Sections of another major version are skipped, as the format says;
	// libpcap reads minor versions 0 and 2 alike.
	major, minor := s.u16(h[12:14]), s.u16(h[14:16])
	s.skipping = major != 1 || (minor != 0 && minor != 2)
	s.ifaces, s.extra = s.ifaces[:0], 0
	return s.skipBlock(blen, 0, "section header")
}

// checkLength checks a block's total length: a multiple of 4, at least
// its fixed fields and the two length fields.
func (s *pcapngReader) checkLength(typ, blen, least uint32) error {
	if blen%4 == 0 && blen >= least {
		return nil
	}
	return &formatError{fmt.Sprintf("pcapng %s has a bad length of %d bytes (it needs a multiple of 4, at least %d)", blockName(typ), blen, least)}
}

func blockName(typ uint32) string {
	switch typ {
	case ngSHB:
		return "section header"
	case ngIDB:
		return "interface description block"
	case ngEPB:
		return "enhanced packet block"
	case ngSPB:
		return "simple packet block"
	case ngPB:
		return "packet block"
	}
	return fmt.Sprintf("block of type 0x%08x", typ)
}

// skipBlock discards the rest of a block of blen bytes of which done are
// read, checking that its trailing length repeats its leading one.
func (s *pcapngReader) skipBlock(blen uint32, done int, what string) error {
	n := int64(blen) - 4 - int64(done)
	m, err := discardN(s.r, n)
	if err != nil {
		s.pos += int64(done) + m
		return s.ended(err, what)
	}
	t, err := s.r.Peek(4)
	if len(t) < 4 {
		s.pos += int64(done) + m
		return s.ended(err, what)
	}
	if end := s.u32(t); end != blen {
		return s.lengthsDiffer(blen, end)
	}
	s.r.Discard(4)
	s.pos += int64(blen)
	return nil
}

func (s *pcapngReader) lengthsDiffer(blen, end uint32) error {
	return &formatError{fmt.Sprintf("pcapng block's length fields differ (%d bytes at its start, %d at its end)", blen, end)}
}

func (s *pcapngReader) next() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	var ci gopacket.CaptureInfo
	if s.pending > 0 {
		s.r.Discard(s.pending) // cannot fail: the bytes were peeked
		s.pending = 0
	}
	for {
		s.recPos, s.blen = s.pos, 0
		h, err := s.r.Peek(8)
		if len(h) < 8 {
			if err == io.EOF && len(h) == 0 {
				return nil, ci, 0, io.EOF
			}
			return nil, ci, 0, s.ended(err, "block header")
		}
		typ := s.u32(h[0:4])
		if typ == ngSHB {
			if err := s.sectionHeader(); err != nil {
				return nil, ci, 0, err
			}
			continue
		}
		blen := s.u32(h[4:8])
		if err := s.checkLength(typ, blen, 12); err != nil {
			return nil, ci, 0, err
		}
		s.blen = blen
		if s.skipping {
			if err := s.skipBlock(blen, 0, "block"); err != nil {
				return nil, ci, 0, err
			}
			continue
		}
		switch typ {
		case ngEPB, ngPB:
			return s.packetBlock(typ, blen)
		case ngSPB:
			return s.simplePacket(blen)
		case ngIDB:
			if err := s.interfaceBlock(blen); err != nil {
				return nil, ci, 0, err
			}
		default: // statistics, name resolution, secrets, custom, unknown
			if err := s.skipBlock(blen, 0, "block"); err != nil {
				return nil, ci, 0, err
			}
		}
	}
}

// packetBlock reads an enhanced or obsolete packet block: 28 bytes of
// fields, the data, padding, options and the trailing length.
func (s *pcapngReader) packetBlock(typ, blen uint32) ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	var ci gopacket.CaptureInfo
	if err := s.checkLength(typ, blen, 32); err != nil {
		return nil, ci, 0, err
	}
	var b []byte
	whole := int64(blen) <= int64(s.r.Size())
	if whole {
		var err error
		if b, err = s.r.Peek(int(blen)); err != nil {
			return nil, ci, 0, s.ended(err, "packet block")
		}
		if end := s.u32(b[blen-4:]); end != blen {
			return nil, ci, 0, s.lengthsDiffer(blen, end)
		}
	} else {
		var err error
		if b, err = s.r.Peek(28); err != nil {
			return nil, ci, 0, s.ended(err, "packet block")
		}
	}
	var ifid uint32
	if typ == ngEPB {
		ifid = s.u32(b[8:12])
	} else {
		ifid = uint32(s.u16(b[8:10]))
	}
	ts := uint64(s.u32(b[12:16]))<<32 | uint64(s.u32(b[16:20]))
	caplen, wire := s.u32(b[20:24]), s.u32(b[24:28])
	ci.CaptureLength, ci.Length, ci.InterfaceIndex = int(caplen), int(wire), int(ifid)
	var ifc *ngInterface
	switch {
	case caplen > blen-32:
		s.prob = recordProblem{reason: "pcapng packet: longer than its block",
			detail: fmt.Sprintf("%d bytes captured in a %d-byte block", caplen, blen)}
	case caplen > maxRecordLen:
		s.prob = recordProblem{reason: fmt.Sprintf("pcapng packet: longer than %d bytes", maxRecordLen),
			detail: fmt.Sprintf("%d bytes captured, skipped", caplen)}
	case ifid >= uint32(len(s.ifaces)):
		s.prob = s.noInterface(ifid)
	default:
		ifc = &s.ifaces[ifid]
	}
	if ifc == nil {
		s.prob.skipped = true
		if whole {
			s.pending = int(blen)
			s.pos += int64(blen)
		} else if err := s.skipBlock(blen, 0, "packet block"); err != nil {
			return nil, ci, 0, err
		}
		return nil, ci, 0, &s.prob
	}
	ci.Timestamp = ifc.time(ts)
	if ifc.digits > s.digits {
		s.digits = ifc.digits
	}
	if whole {
		s.pending = int(blen)
		s.pos += int64(blen)
		return b[28 : 28+caplen], ci, ifc.lt, nil
	}
	data, err := s.readLong(blen, 28, caplen, "packet block")
	return data, ci, ifc.lt, err
}

// readLong reads the caplen bytes of data after the hdr bytes of fields
// of a block too long for the read buffer, and discards the rest of it.
func (s *pcapngReader) readLong(blen, hdr, caplen uint32, what string) ([]byte, error) {
	s.r.Discard(int(hdr))
	if cap(s.buf) < int(caplen) {
		s.buf = make([]byte, caplen) // at most maxRecordLen
	}
	data := s.buf[:caplen]
	if n, err := io.ReadFull(s.r, data); err != nil {
		s.pos += int64(hdr) + int64(n)
		return nil, s.ended(err, what)
	}
	// skipBlock counts the whole block once it is read.
	if err := s.skipBlock(blen, int(hdr+caplen), what); err != nil {
		return nil, err
	}
	return data, nil
}

func (s *pcapngReader) noInterface(ifid uint32) recordProblem {
	if int64(ifid) < int64(len(s.ifaces))+s.extra {
		return recordProblem{reason: "pcapng packet: interface past those kept",
			detail: fmt.Sprintf("interface %d; the reader keeps %d per section", ifid, maxInterfaces)}
	}
	return recordProblem{reason: "pcapng packet: interface not described",
		detail: fmt.Sprintf("interface %d; the section describes %d", ifid, int64(len(s.ifaces))+s.extra)}
}

// simplePacket reads a simple packet block: the original length, the
// data (as much as the first interface's snap length and the block hold)
// and the trailing length. It has no timestamp.
func (s *pcapngReader) simplePacket(blen uint32) ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	var ci gopacket.CaptureInfo
	if err := s.checkLength(ngSPB, blen, 16); err != nil {
		return nil, ci, 0, err
	}
	h, err := s.r.Peek(12)
	if err != nil {
		return nil, ci, 0, s.ended(err, "simple packet block")
	}
	wire := s.u32(h[8:12])
	caplen := min(wire, blen-16)
	if len(s.ifaces) > 0 && s.ifaces[0].snaplen != 0 {
		caplen = min(caplen, s.ifaces[0].snaplen)
	}
	ci.CaptureLength, ci.Length = int(caplen), int(wire)
	switch {
	case len(s.ifaces) == 0:
		s.prob = s.noInterface(0)
	case caplen > maxRecordLen:
		s.prob = recordProblem{reason: fmt.Sprintf("pcapng packet: longer than %d bytes", maxRecordLen),
			detail: fmt.Sprintf("%d bytes captured, skipped", caplen)}
	default:
		ifc := &s.ifaces[0]
		if ifc.digits > s.digits {
			s.digits = ifc.digits
		}
		if int64(blen) <= int64(s.r.Size()) {
			b, err := s.r.Peek(int(blen))
			if err != nil {
				return nil, ci, 0, s.ended(err, "simple packet block")
			}
			if end := s.u32(b[blen-4:]); end != blen {
				return nil, ci, 0, s.lengthsDiffer(blen, end)
			}
			s.pending = int(blen)
			s.pos += int64(blen)
			return b[12 : 12+caplen], ci, ifc.lt, nil
		}
		data, err := s.readLong(blen, 12, caplen, "simple packet block")
		return data, ci, ifc.lt, err
	}
	s.prob.skipped = true
	if err := s.skipBlock(blen, 0, "simple packet block"); err != nil {
		return nil, ci, 0, err
	}
	return nil, ci, 0, &s.prob
}

// interfaceBlock reads an interface description block: link type and
// snap length, then its options one at a time, keeping only if_tsresol
// and if_tsoffset. Names, descriptions, filters and comments pass by.
func (s *pcapngReader) interfaceBlock(blen uint32) error {
	if err := s.checkLength(ngIDB, blen, 20); err != nil {
		return err
	}
	h, err := s.r.Peek(16)
	if err != nil {
		return s.ended(err, "interface description block")
	}
	ifc := ngInterface{lt: layers.LinkType(s.u16(h[8:10])), snaplen: s.u32(h[12:16])}
	var resol uint8
	s.r.Discard(16)
	done := uint32(16)
	for done+4 <= blen-4 {
		o, err := s.r.Peek(4)
		if err != nil {
			s.pos += int64(done)
			return s.ended(err, "interface description block")
		}
		code, olen := s.u16(o[0:2]), uint32(s.u16(o[2:4]))
		padded := (olen + 3) &^ 3
		if code == 0 || done+4+padded > blen-4 {
			break // end of options, or an option past the block: the rest is skipped
		}
		s.r.Discard(4)
		done += 4
		var want int
		switch {
		case code == 9 && olen >= 1: // if_tsresol
			want = 1
		case code == 14 && olen >= 8: // if_tsoffset
			want = 8
		}
		if want > 0 {
			v, err := s.r.Peek(want)
			if err != nil {
				s.pos += int64(done)
				return s.ended(err, "interface description block")
			}
			if want == 1 {
				resol = v[0]
			} else {
				ifc.tsOffset = s.u64(v)
			}
		}
		if m, err := discardN(s.r, int64(padded)); err != nil {
			s.pos += int64(done) + m
			return s.ended(err, "interface description block")
		}
		done += padded
	}
	if err := s.skipBlock(blen, int(done), "interface description block"); err != nil {
		return err
	}
	if err := ifc.setResolution(resol); err != nil {
		return err
	}
	if len(s.ifaces) >= maxInterfaces {
		s.extra++
		return nil
	}
	s.ifaces = append(s.ifaces, ifc)
	return nil
}

// setResolution sets the timestamp unit from if_tsresol (0: none, which
// means microseconds), as pcapgo did.
func (ifc *ngInterface) setResolution(resol uint8) error {
	if resol == 0 {
		resol = 6
	}
	e := resol & 0x7f
	if e > 63 {
		base := 10
		if resol&0x80 != 0 {
			base = 2
		}
		return &formatError{fmt.Sprintf("pcapng interface with a timestamp resolution of %d^-%d, finer than any clock", base, e)}
	}
	if resol&0x80 != 0 {
		ifc.unit, ifc.shift = 1<<e, e
		ifc.digits = min((int(e)*30103+99999)/100000, 9) // ceil(e * log10(2))
	} else {
		// 10^20 to 10^63 overflow; pcapgo took them so, and so does this.
		ifc.unit = 1
		for range e {
			ifc.unit *= 10
		}
		ifc.digits = min(int(e), 9)
	}
	ifc.scaleUp, ifc.scaleDown = 1, 1
	if ifc.unit < 1e9 {
		ifc.scaleUp = 1e9 / ifc.unit
	} else {
		ifc.scaleDown = ifc.unit / 1e9
	}
	return nil
}

// time converts a packet's timestamp in the interface's units, as pcapgo
// did (if_tsoffset in seconds added to the seconds), but for binary
// fractions, which pcapgo rounded to a whole number of nanoseconds per
// unit (2^-10 s units gave 976 ns).
func (ifc *ngInterface) time(ts uint64) time.Time {
	frac := ts % ifc.unit
	var ns uint64
	switch {
	case ifc.shift == 0:
		ns = frac * ifc.scaleUp / ifc.scaleDown
	case ifc.shift <= 30:
		ns = frac * 1e9 >> ifc.shift
	default:
		ns = (frac >> (ifc.shift - 30)) * 1e9 >> 30
	}
	return time.Unix(int64(ts/ifc.unit+ifc.tsOffset), int64(ns)).UTC()
}

func (s *pcapngReader) offset() int64 { return s.recPos }
func (s *pcapngReader) fracDigits() int {
	if s.digits == 0 {
		return 6
	}
	return s.digits
}
func (s *pcapngReader) format() string { return "pcapng" }
