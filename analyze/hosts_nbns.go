package analyze

import (
	"encoding/binary"
	"net/netip"
)

// nbnsName learns the NetBIOS names that NetBIOS name service messages
// (RFC 1002, UDP port 137) bind to addresses: a registration or refresh
// (its additional record) and a positive answer (its answer record). Only
// unique names of a workstation (suffix 0x00) or a server (0x20) are
// learnt, without their suffix and padding; group names (a workgroup or
// domain, NB_FLAGS' G bit) name no host. Called once per UDP message to or
// from port 137.
func (a *analyzer) nbnsName(b []byte) {
	if len(b) < 12 {
		return
	}
	flags := binary.BigEndian.Uint16(b[2:4])
	response, opcode := flags&0x8000 != 0, (flags>>11)&0xf
	qd, an := int(binary.BigEndian.Uint16(b[4:6])), int(binary.BigEndian.Uint16(b[6:8]))
	ns, ar := int(binary.BigEndian.Uint16(b[8:10])), int(binary.BigEndian.Uint16(b[10:12]))
	var rrs int // the record that binds: the answer, or a registration's additional record
	switch {
	case response && opcode == 0 && flags&0xf == 0 && an >= 1:
		rrs = 1
	case !response && (opcode == 5 || opcode == 8 || opcode == 9) && qd == 1 && ar >= 1: // registration, refresh
		rrs = 2
	default:
		return
	}
	p := 12
	if rrs == 1 {
		for range qd { // a response's questions, if any
			if p = skipNBName(b, p); p < 0 || p+4 > len(b) {
				return
			}
			p += 4
		}
	}
	if rrs == 2 {
		// Skip the question: its name, type and class.
		if p = skipNBName(b, p); p < 0 || p+4 > len(b) {
			return
		}
		p += 4
		// Skip the authority records, if any.
		for range ns {
			if p = skipNBRecord(b, p); p < 0 {
				return
			}
		}
	}
	var name [16]byte
	n := decodeNBName(b, p, &name)
	if n < 0 {
		return
	}
	q := skipNBName(b, p)
	if q < 0 || q+10 > len(b) || binary.BigEndian.Uint16(b[q:q+2]) != 0x20 { // type NB
		return
	}
	rdlen := int(binary.BigEndian.Uint16(b[q+8 : q+10]))
	data := b[q+10:]
	if rdlen > len(data) {
		return
	}
	suffix := name[15]
	if suffix != 0x00 && suffix != 0x20 {
		return
	}
	host := name[:15]
	for len(host) > 0 && host[len(host)-1] == ' ' {
		host = host[:len(host)-1]
	}
	if len(host) == 0 {
		return
	}
	for d := data[:rdlen]; len(d) >= 6; d = d[6:] {
		if binary.BigEndian.Uint16(d[:2])&0x8000 != 0 {
			continue // a group name
		}
		if ip := netip.AddrFrom4([4]byte(d[2:6])); !ip.IsUnspecified() {
			a.names.add(ip, host)
		}
	}
}

// decodeNBName decodes the first-level encoded NetBIOS name at b[p:]
// (RFC 1001 section 14.1: 32 letters 'A' to 'P', two per byte) into name,
// following one compression pointer. It returns -1 when it cannot.
func decodeNBName(b []byte, p int, name *[16]byte) int {
	if p+2 <= len(b) && b[p]&0xc0 == 0xc0 {
		p = int(binary.BigEndian.Uint16(b[p:p+2]) & 0x3fff)
	}
	if p+33 > len(b) || b[p] != 32 {
		return -1
	}
	for i := range 16 {
		hi, lo := b[p+1+2*i]-'A', b[p+2+2*i]-'A'
		if hi > 15 || lo > 15 {
			return -1
		}
		name[i] = hi<<4 | lo
	}
	return 0
}

// skipNBName returns the offset after the (possibly compressed) name at
// b[p:], or -1.
func skipNBName(b []byte, p int) int {
	for p < len(b) {
		switch l := int(b[p]); {
		case l == 0:
			return p + 1
		case l&0xc0 == 0xc0:
			if p+2 > len(b) {
				return -1
			}
			return p + 2
		case l&0xc0 != 0:
			return -1
		default:
			p += 1 + l
		}
	}
	return -1
}

// skipNBRecord returns the offset after the resource record at b[p:], or -1.
func skipNBRecord(b []byte, p int) int {
	if p = skipNBName(b, p); p < 0 || p+10 > len(b) {
		return -1
	}
	p += 10 + int(binary.BigEndian.Uint16(b[p+8:p+10]))
	if p > len(b) {
		return -1
	}
	return p
}
