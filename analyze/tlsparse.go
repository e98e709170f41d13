package analyze

import "encoding/binary"

// TLS constants (RFC 8446, RFC 7301 for ALPN, RFC 6066 for server_name,
// draft-ietf-tls-esni for encrypted_client_hello).
const (
	tlsContentHandshake = 22
	tlsClientHello      = 1
	// tlsMaxFragment is the most plaintext one record may carry.
	tlsMaxFragment = 1 << 14

	tlsExtServerName        = 0
	tlsExtSupportedGroups   = 10
	tlsExtECPointFormats    = 11
	tlsExtSignatureAlgs     = 13
	tlsExtALPN              = 16
	tlsExtSupportedVersions = 43
	tlsExtECH               = 0xfe0d

	// helloMinBody is the shortest ClientHello body: legacy_version,
	// random, an empty session ID, an empty cipher-suite list and no
	// compression-method list; shorter is malformed.
	helloMinBody = 2 + 32 + 1 + 2 + 1
	// helloMaxBody is the longest ClientHello body its length fields allow.
	helloMaxBody = 2 + 32 + (1 + 32) + (2 + 65534) + (1 + 255) + (2 + 65535)

	// maxHelloALPN and maxHelloVersions are how many ALPN names and
	// supported_versions entries a clientHello keeps. Browsers send 2 or 3
	// names and up to 5 versions with GREASE.
	maxHelloALPN     = 8
	maxHelloVersions = 8
)

// Reasons a ClientHello is malformed. They are fixed strings so that
// counting them costs no allocation.
const (
	reasonTLSRecordType = "TLS: ClientHello continues in a record that is not a handshake record"
	reasonTLSRecordLen  = "TLS: handshake record longer than 16 KiB"
	reasonHelloLen      = "TLS: ClientHello length out of range"
	reasonHelloShort    = "TLS: ClientHello field runs past the end of the message"
	reasonHelloSession  = "TLS: ClientHello session ID longer than 32 bytes"
	reasonHelloExt      = "TLS: ClientHello extension runs past the extensions block"
	reasonHelloSNI      = "TLS: malformed server_name extension"
	reasonHelloALPN     = "TLS: malformed ALPN extension"
	reasonHelloVersions = "TLS: malformed supported_versions extension"
	reasonHelloGroups   = "TLS: malformed supported_groups extension"
	reasonHelloPoints   = "TLS: malformed ec_point_formats extension"
	reasonHelloSigAlgs  = "TLS: malformed signature_algorithms extension"
)

// clientHello is what the analysis reads from a TLS ClientHello. Every
// slice aliases the bytes given to parseClientHello (or the streamBuf it
// came from): callers copy what they keep.
type clientHello struct {
	// recordVersion is the version in the first record header, usually
	// 0x0301 whatever the client supports.
	recordVersion uint16
	// version is legacy_version: 0x0303 for TLS 1.2 and for TLS 1.3 (which
	// says so in supported_versions), 0x0301 for TLS 1.0.
	version uint16
	// sni is the first non-empty host_name of the server_name extension as
	// sent (not validated, not lower-cased), nil without one. With ECH it
	// is the outer, public name.
	sni []byte
	// alpn holds the first min(alpnCount, maxHelloALPN) protocol names of
	// the ALPN extension, e.g. "h2", "http/1.1".
	alpn      [maxHelloALPN][]byte
	alpnCount int
	// versions holds the first min(versionCount, maxHelloVersions) entries
	// of supported_versions, in the client's order, GREASE values included
	// (as tshark lists them; see isGREASE). Empty for clients older than
	// TLS 1.3.
	versions     [maxHelloVersions]uint16
	versionCount int
	// topVersion is the highest non-GREASE supported_versions entry, of
	// all of them (not only those kept), 0 without one.
	topVersion uint16
	// ech reports an encrypted_client_hello extension. Chrome and Firefox
	// send a GREASE one when they have no ECH key for the server, which
	// looks the same on the wire: ech does not mean the sni is a decoy.
	ech bool
	// records is the number of TLS records the hello came in: 1 but for
	// hellos over 16 KiB or clients that split records on purpose, for
	// instance to hide the server name from middleboxes.
	records int
	// malformed is the first problem found, "" for none. With parse
	// success it names an extension whose contents were skipped.
	malformed string
	// quic reports a ClientHello read from QUIC Initial packets (quic.go)
	// rather than from a TCP stream.
	quic bool

	// What the fingerprints (tlsfp.go) read, as sent, GREASE included.
	// ciphers is the cipher_suites list, 2 bytes a suite; exts is the
	// whole extensions block (type, length, data of each, in order), nil
	// without one; groups (supported_groups, 2 bytes each), points
	// (ec_point_formats, 1 byte each) and sigAlgs (signature_algorithms,
	// 2 bytes each) are the lists of the first such extension, nil without
	// one or when it is malformed. hasSNI reports a server_name extension,
	// even one without a host name.
	ciphers, exts           []byte
	groups, points, sigAlgs []byte
	hasSNI                  bool
}

// protocols returns the ALPN names kept.
func (h *clientHello) protocols() [][]byte { return h.alpn[:min(h.alpnCount, maxHelloALPN)] }

// supportedVersions returns the supported_versions entries kept.
func (h *clientHello) supportedVersions() []uint16 {
	return h.versions[:min(h.versionCount, maxHelloVersions)]
}

// maxVersion is the highest TLS version the client offers: the highest
// non-GREASE supported_versions entry, or else legacy_version.
// 0x0304 is TLS 1.3, 0x0303 TLS 1.2, 0x0301 TLS 1.0.
func (h *clientHello) maxVersion() uint16 {
	if h.topVersion == 0 {
		return h.version
	}
	return h.topVersion
}

// isGREASE reports whether v is one of the reserved values 0x0a0a, 0x1a1a,
// … 0xfafa that clients send to keep servers tolerant (RFC 8701).
func isGREASE(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

// parseClientHello reads a TLS ClientHello at the start of b, the first
// bytes of a TCP client-to-server stream: handshake records (content type
// 22, record version 0x0300 to 0x0304) carrying a handshake message of type
// 1. It never allocates and never panics; the slices in hello alias b.
//
// The results mean:
//
//	ok     need        meaning
//	true   <= len(b)   hello is read; need is the bytes it took
//	false  0           b does not start with a ClientHello, or with one
//	                   that is malformed (hello.malformed says why)
//	false  > len(b)    b is the start of a ClientHello; at least need bytes
//	                   are needed: exact once the 9 bytes of record and
//	                   handshake header are there and the message lies in
//	                   one record, else a lower bound (call again with more)
//	false  <= len(b)   all need bytes are there but the message is split
//	                   over several TLS records, so it cannot be read in
//	                   place: streamBuf.hello joins them in its own buffer
//
// Not handled: SSL 2.0-style ClientHellos (first byte with the high bit
// set). QUIC carries the ClientHello without TLS records: quic.go reads it.
func parseClientHello(b []byte) (hello clientHello, ok bool, need int) {
	msgLen, need, records, reason := helloExtent(b)
	switch {
	case need == 0:
		hello.malformed = reason
		return hello, false, 0
	case need > len(b) || records > 1:
		return hello, false, need
	}
	hello.recordVersion = binary.BigEndian.Uint16(b[1:3])
	hello.records = 1
	if !hello.parseBody(b[9 : 9+msgLen]) {
		return hello, false, 0
	}
	return hello, true, need
}

// parseFragmentedHello reads a ClientHello that b holds whole but split over
// several TLS records. It moves the fragments together in b, overwriting the
// record headers between them, so b must be the caller's own copy. The
// slices in hello alias b.
func parseFragmentedHello(b []byte) (hello clientHello, ok bool) {
	msgLen, need, records, reason := helloExtent(b)
	if need == 0 || need > len(b) {
		hello.malformed = reason
		return hello, false
	}
	b = b[:need]
	hello.recordVersion = binary.BigEndian.Uint16(b[1:3])
	hello.records = records
	w := 0
	for p := 0; p+5 <= len(b); {
		end := min(p+5+int(binary.BigEndian.Uint16(b[p+3:p+5])), len(b))
		w += copy(b[w:], b[p+5:end])
		p = end
	}
	// helloExtent checked that b holds the 4-byte header and msgLen bytes.
	if !hello.parseBody(b[4 : 4+msgLen]) {
		return hello, false
	}
	return hello, true
}

// helloExtent walks the records at the start of b that carry the first
// handshake message. need is 0 when b does not start with a ClientHello or
// its records are malformed (reason says which, "" when b is simply not a
// TLS handshake); otherwise need is the bytes up to the end of the message,
// a lower bound when more than len(b). msgLen is the ClientHello body length
// once its header has been read; records counts the records used.
func helloExtent(b []byte) (msgLen, need, records int, reason string) {
	var hdr [4]byte // the handshake header, which may itself be split
	got := 0        // handshake bytes in the complete records before p
	want := 4       // handshake bytes needed: the header, then 4+msgLen
	known := false  // whether the header has been read
	for p := 0; ; {
		if p+5 > len(b) {
			if !recordPrefixOK(b[p:]) {
				if p == 0 {
					return 0, 0, 0, ""
				}
				return 0, 0, 0, reasonTLSRecordType
			}
			return msgLen, p + 5 + want - got, records + 1, ""
		}
		if !recordPrefixOK(b[p : p+3]) {
			if p == 0 {
				return 0, 0, 0, ""
			}
			return 0, 0, 0, reasonTLSRecordType
		}
		r := int(binary.BigEndian.Uint16(b[p+3 : p+5]))
		if r > tlsMaxFragment {
			return 0, 0, 0, reasonTLSRecordLen
		}
		records++
		frag := b[p+5 : min(p+5+r, len(b))]
		if got == 0 && len(frag) > 0 && frag[0] != tlsClientHello {
			return 0, 0, 0, "" // another handshake message: not a client's first flight
		}
		if !known {
			i := 0
			for ; got+i < 4 && i < len(frag); i++ {
				hdr[got+i] = frag[i]
			}
			if got+i == 4 {
				msgLen = int(hdr[1])<<16 | int(hdr[2])<<8 | int(hdr[3])
				if msgLen < helloMinBody || msgLen > helloMaxBody {
					return 0, 0, 0, reasonHelloLen
				}
				want, known = 4+msgLen, true
			} else if got+r >= 4 {
				// The header ends in this record, past the bytes present.
				return msgLen, p + 5 + 4 - got, records, ""
			}
		}
		if known && got+r >= want {
			return msgLen, p + 5 + want - got, records, ""
		}
		if p+5+r > len(b) {
			// The message continues past this record, which is cut: assume
			// one more record for the rest.
			return msgLen, p + 5 + r + 5 + want - got - r, records + 1, ""
		}
		got += r
		p += 5 + r
	}
}

// recordPrefixOK reports whether b, up to 3 bytes of a record header, may
// start a handshake record of SSL 3.0 to TLS 1.3.
func recordPrefixOK(b []byte) bool {
	switch {
	case len(b) > 0 && b[0] != tlsContentHandshake,
		len(b) > 1 && b[1] != 3,
		len(b) > 2 && b[2] > 4:
		return false
	}
	return true
}

// parseBody reads a ClientHello body (after the 4-byte handshake header).
// It returns false when the fixed fields or the extension framing are
// malformed; a malformed extension of interest is skipped with h.malformed
// set.
func (h *clientHello) parseBody(body []byte) bool {
	if len(body) < 2+32+1 {
		h.malformed = reasonHelloShort
		return false
	}
	h.version = binary.BigEndian.Uint16(body)
	p := 2 + 32
	sid := int(body[p])
	p++
	if sid > 32 {
		h.malformed = reasonHelloSession
		return false
	}
	p += sid
	if p+2 > len(body) {
		h.malformed = reasonHelloShort
		return false
	}
	nc := int(binary.BigEndian.Uint16(body[p:])) // cipher suites
	if p+2+nc > len(body) {
		h.malformed = reasonHelloShort
		return false
	}
	h.ciphers = body[p+2 : p+2+nc]
	p += 2 + nc
	if p+1 > len(body) {
		h.malformed = reasonHelloShort
		return false
	}
	p += 1 + int(body[p]) // compression methods
	switch {
	case p == len(body):
		return true // no extensions, as from SSL 3.0 clients
	case p+2 > len(body):
		h.malformed = reasonHelloShort
		return false
	}
	n := int(binary.BigEndian.Uint16(body[p:]))
	p += 2
	if p+n > len(body) {
		h.malformed = reasonHelloShort
		return false
	}
	exts := body[p : p+n] // bytes after the block are ignored
	h.exts = exts
	var seen uint8 // extensions already read, to skip duplicates
	for len(exts) > 0 {
		if len(exts) < 4 {
			h.malformed = reasonHelloExt
			return false
		}
		typ := binary.BigEndian.Uint16(exts)
		l := int(binary.BigEndian.Uint16(exts[2:]))
		if 4+l > len(exts) {
			h.malformed = reasonHelloExt
			return false
		}
		data := exts[4 : 4+l]
		exts = exts[4+l:]
		switch {
		case typ == tlsExtServerName && seen&1 == 0:
			seen |= 1
			h.hasSNI = true
			h.serverName(data)
		case typ == tlsExtALPN && seen&2 == 0:
			seen |= 2
			h.alpnNames(data)
		case typ == tlsExtSupportedVersions && seen&4 == 0:
			seen |= 4
			h.versionList(data)
		case typ == tlsExtECH:
			h.ech = true
		case typ == tlsExtSupportedGroups && seen&8 == 0:
			seen |= 8
			h.groups = list16(data, reasonHelloGroups, h)
		case typ == tlsExtSignatureAlgs && seen&16 == 0:
			seen |= 16
			h.sigAlgs = list16(data, reasonHelloSigAlgs, h)
		case typ == tlsExtECPointFormats && seen&32 == 0:
			seen |= 32
			if len(data) < 1 || int(data[0]) != len(data)-1 {
				h.bad(reasonHelloPoints)
			} else {
				h.points = data[1:]
			}
		}
	}
	return true
}

// serverName reads the server_name extension: a 2-byte list length, then
// entries of a 1-byte name type (0 = host_name) and a 2-byte-length name.
func (h *clientHello) serverName(d []byte) {
	if len(d) < 2 || int(binary.BigEndian.Uint16(d)) != len(d)-2 {
		h.bad(reasonHelloSNI)
		return
	}
	for d = d[2:]; len(d) > 0; {
		if len(d) < 3 {
			h.bad(reasonHelloSNI)
			return
		}
		n := int(binary.BigEndian.Uint16(d[1:3]))
		if 3+n > len(d) {
			h.bad(reasonHelloSNI)
			return
		}
		if d[0] == 0 && n > 0 && h.sni == nil {
			h.sni = d[3 : 3+n]
		}
		d = d[3+n:]
	}
}

// alpnNames reads the ALPN extension: a 2-byte list length, then names
// each with a 1-byte length (never 0). Names before an error are kept.
func (h *clientHello) alpnNames(d []byte) {
	if len(d) < 2 || int(binary.BigEndian.Uint16(d)) != len(d)-2 {
		h.bad(reasonHelloALPN)
		return
	}
	for d = d[2:]; len(d) > 0; {
		n := int(d[0])
		if n == 0 || 1+n > len(d) {
			h.bad(reasonHelloALPN)
			return
		}
		if h.alpnCount < maxHelloALPN {
			h.alpn[h.alpnCount] = d[1 : 1+n]
		}
		h.alpnCount++
		d = d[1+n:]
	}
}

// versionList reads the ClientHello form of supported_versions: a 1-byte
// list length, then 2-byte versions.
func (h *clientHello) versionList(d []byte) {
	if len(d) < 1 || int(d[0]) != len(d)-1 || len(d)%2 != 1 {
		h.bad(reasonHelloVersions)
		return
	}
	for d = d[1:]; len(d) >= 2; d = d[2:] {
		v := binary.BigEndian.Uint16(d)
		if h.versionCount < maxHelloVersions {
			h.versions[h.versionCount] = v
		}
		h.versionCount++
		if !isGREASE(v) && v > h.topVersion {
			h.topVersion = v
		}
	}
}

// list16 returns the list of an extension that holds a 2-byte list length
// and 2-byte entries, nil (with reason recorded) when it is malformed.
func list16(d []byte, reason string, h *clientHello) []byte {
	if len(d) < 2 || int(binary.BigEndian.Uint16(d)) != len(d)-2 || len(d)%2 != 0 {
		h.bad(reason)
		return nil
	}
	return d[2:]
}

// bad records the first extension problem.
func (h *clientHello) bad(reason string) {
	if h.malformed == "" {
		h.malformed = reason
	}
}
