package analyze

import (
	"cmp"
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// TLS client fingerprints: JA4 (github.com/FoxIO-LLC/ja4,
// technical_details/JA4.md; only JA4, none of the JA4+ family) and JA3
// (github.com/salesforce/ja3), computed once per ClientHello from the
// fields parseBody keeps.
//
// Bounds: each list keeps at most maxFingerprints distinct fingerprints,
// each with at most fewClients clients and fpNames server names; the text
// each list keeps (raw strings, cut to maxRawLen, and server names) is at
// most maxFingerprintBytes, so that Chrome's JA3s, one per connection,
// cannot crowd out the JA4s. Counts of the fingerprints kept stay exact.
const (
	maxFingerprints     = 10_000  // distinct JA4s, and distinct JA3s, kept
	fpNames             = 4       // server names kept per fingerprint
	maxRawLen           = 2048    // a JA4_r or JA3 string longer is kept cut (its hash is of the whole)
	maxFingerprintBytes = 2 << 20 // raw strings and server names kept, per list
)

// Transports, the first character of a JA4.
const (
	ja4TCP  = 't'
	ja4QUIC = 'q'
	ja4DTLS = 'd'
)

// fpScratch holds the buffers a fingerprint is computed in, reused from
// one ClientHello to the next so that computing one allocates nothing.
// After appendJA4, text holds the lists hashed: the cipher suites, then
// from split on the extensions and signature algorithms.
type fpScratch struct {
	vals  []uint16
	text  []byte
	split int
}

// ja4 returns the JA4 fingerprint of h, a ClientHello carried over
// transport: 't' (TCP), 'q' (QUIC) or 'd' (DTLS).
func ja4(h *clientHello, transport byte) string {
	var s fpScratch
	return string(s.appendJA4(nil, h, transport))
}

// ja3 returns the JA3 string of h and its MD5 in hex.
func ja3(h *clientHello) (raw, md5hex string) {
	b := appendJA3(nil, h)
	sum := md5.Sum(b)
	return string(b), hex.EncodeToString(sum[:])
}

// appendJA4 appends the JA4 of h to dst: the 10-character a part, then the
// truncated SHA-256 of the sorted cipher suites and of the sorted
// extensions (less server_name and ALPN) with the signature algorithms in
// their order, GREASE values left out everywhere.
func (s *fpScratch) appendJA4(dst []byte, h *clientHello, transport byte) []byte {
	dst = append(dst, transport)
	dst = append(dst, ja4Version(h.maxVersion())...)
	if h.hasSNI {
		dst = append(dst, 'd')
	} else {
		dst = append(dst, 'i')
	}

	// The cipher suites, sorted.
	s.vals = appendList16(s.vals[:0], h.ciphers)
	slices.Sort(s.vals)
	dst = appendCount2(dst, len(s.vals))
	ciphers := len(s.vals)

	// The extensions, counted with server_name and ALPN, hashed without.
	vals := s.vals
	exts := 0
	for e := h.exts; len(e) >= 4; {
		typ := binary.BigEndian.Uint16(e)
		e = e[min(len(e), 4+int(binary.BigEndian.Uint16(e[2:]))):]
		if isGREASE(typ) {
			continue
		}
		exts++
		if typ != tlsExtServerName && typ != tlsExtALPN {
			vals = append(vals, typ)
		}
	}
	s.vals = vals
	slices.Sort(vals[ciphers:])
	dst = appendCount2(dst, exts)
	dst = appendALPNChars(dst, h)

	s.text = s.text[:0]
	dst = append(dst, '_')
	dst = s.appendHash12(dst, vals[:ciphers], nil)
	s.split = len(s.text)
	dst = append(dst, '_')
	return s.appendHash12(dst, vals[ciphers:], h.sigAlgs)
}

// appendJA4Raw appends the JA4_r of the ClientHello appendJA4 last made
// ja4 of: its a part, then the lists it hashed.
func (s *fpScratch) appendJA4Raw(dst, ja4 []byte) []byte {
	dst = append(dst, ja4[:min(len(ja4), 10)]...)
	dst = append(dst, '_')
	dst = append(dst, s.text[:s.split]...)
	dst = append(dst, '_')
	return append(dst, s.text[s.split:]...)
}

// appendHash12 appends the first 12 hex digits of the SHA-256 of vals as
// comma-separated 4-digit hex, followed, when sigs holds a non-GREASE
// value, by "_" and those values in order; 12 zeros when vals is empty.
// The text hashed is appended to s.text (nothing when vals is empty).
func (s *fpScratch) appendHash12(dst []byte, vals []uint16, sigs []byte) []byte {
	if len(vals) == 0 {
		return append(dst, "000000000000"...)
	}
	start := len(s.text)
	t := s.text
	for i, v := range vals {
		if i > 0 {
			t = append(t, ',')
		}
		t = appendHex4(t, v)
	}
	sep := byte('_')
	for ; len(sigs) >= 2; sigs = sigs[2:] {
		v := binary.BigEndian.Uint16(sigs)
		if isGREASE(v) {
			continue
		}
		t = appendHex4(append(t, sep), v)
		sep = ','
	}
	s.text = t
	sum := sha256.Sum256(t[start:])
	return hex.AppendEncode(dst, sum[:6])
}

// ja4Version is the two characters of a JA4 for a TLS version.
func ja4Version(v uint16) string {
	switch v {
	case 0x0304:
		return "13"
	case 0x0303:
		return "12"
	case 0x0302:
		return "11"
	case 0x0301:
		return "10"
	case 0x0300:
		return "s3"
	case 0x0002:
		return "s2"
	case 0xfeff:
		return "d1"
	case 0xfefd:
		return "d2"
	case 0xfefc:
		return "d3"
	}
	return "00"
}

// appendALPNChars appends the first and last characters of the first ALPN
// name ("00" without one), or, when either is not an ASCII letter or digit,
// the first and last digits of the name in hex.
func appendALPNChars(dst []byte, h *clientHello) []byte {
	if h.alpnCount == 0 || len(h.alpn[0]) == 0 {
		return append(dst, "00"...)
	}
	a := h.alpn[0]
	first, last := a[0], a[len(a)-1]
	if isAlnum(first) && isAlnum(last) {
		return append(dst, first, last)
	}
	const digits = "0123456789abcdef"
	return append(dst, digits[first>>4], digits[last&0xf])
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}

// appendCount2 appends n as two digits, 99 for more.
func appendCount2(dst []byte, n int) []byte {
	n = min(n, 99)
	return append(dst, byte('0'+n/10), byte('0'+n%10))
}

func appendHex4(dst []byte, v uint16) []byte {
	const digits = "0123456789abcdef"
	return append(dst, digits[v>>12], digits[v>>8&0xf], digits[v>>4&0xf], digits[v&0xf])
}

// appendList16 appends the non-GREASE 2-byte values of b.
func appendList16(dst []uint16, b []byte) []uint16 {
	for ; len(b) >= 2; b = b[2:] {
		if v := binary.BigEndian.Uint16(b); !isGREASE(v) {
			dst = append(dst, v)
		}
	}
	return dst
}

// appendJA3 appends the JA3 string of h: legacy_version, cipher suites,
// extension types, supported groups and EC point formats, in decimal, the
// values of a field joined by "-" and the fields by ",", GREASE values
// left out.
func appendJA3(dst []byte, h *clientHello) []byte {
	dst = strconv.AppendUint(dst, uint64(h.version), 10)
	dst = append(dst, ',')
	dst = appendDecimal16(dst, h.ciphers)
	dst = append(dst, ',')
	sep := false
	for e := h.exts; len(e) >= 4; {
		typ := binary.BigEndian.Uint16(e)
		e = e[min(len(e), 4+int(binary.BigEndian.Uint16(e[2:]))):]
		if isGREASE(typ) {
			continue
		}
		if sep {
			dst = append(dst, '-')
		}
		dst = strconv.AppendUint(dst, uint64(typ), 10)
		sep = true
	}
	dst = append(dst, ',')
	dst = appendDecimal16(dst, h.groups)
	dst = append(dst, ',')
	for i, p := range h.points {
		if i > 0 {
			dst = append(dst, '-')
		}
		dst = strconv.AppendUint(dst, uint64(p), 10)
	}
	return dst
}

// appendDecimal16 appends the non-GREASE 2-byte values of b in decimal,
// joined by "-".
func appendDecimal16(dst []byte, b []byte) []byte {
	sep := false
	for ; len(b) >= 2; b = b[2:] {
		v := binary.BigEndian.Uint16(b)
		if isGREASE(v) {
			continue
		}
		if sep {
			dst = append(dst, '-')
		}
		dst = strconv.AppendUint(dst, uint64(v), 10)
		sep = true
	}
	return dst
}

// fingerprints counts ClientHellos by JA4 and by JA3.
type fingerprints struct {
	ja4, ja3 map[string]*fpCount // key: the JA4; the JA3's MD5 in hex
	bytes4   int64               // text kept for ja4: raw strings and server names
	bytes3   int64               // the same for ja3
	full     bool                // a new fingerprint or name was not kept
	cutRaw   int64               // raw strings kept cut to maxRawLen
	scratch  fpScratch
	buf, raw []byte // scratch: a fingerprint and its raw string
}

// fpCount is a fingerprint's ClientHellos with their first fewClients
// clients and first fpNames server names.
type fpCount struct {
	clientCount
	raw   string // the JA4_r or JA3 string, cut to maxRawLen
	names []fpName
}

type fpName struct {
	name string
	n    int64
}

func newFingerprints() fingerprints {
	return fingerprints{ja4: map[string]*fpCount{}, ja3: map[string]*fpCount{}}
}

// add counts the fingerprints of h, a ClientHello from client carried over
// transport, for the server name sni (lower-cased and cut, nil without
// one).
func (f *fingerprints) add(h *clientHello, transport byte, sni []byte, client netip.Addr) {
	if f.ja4 == nil {
		*f = newFingerprints()
	}
	f.buf = f.scratch.appendJA4(f.buf[:0], h, transport)
	f.raw = f.scratch.appendJA4Raw(f.raw[:0], f.buf)
	f.count(f.ja4, &f.bytes4, f.buf, f.raw, sni, client)

	// JA3 is defined for TLS over TCP: QUIC hellos have JA4's 'q' only,
	// as in tshark, which gives no tls.handshake.ja3 for them.
	if transport == ja4QUIC {
		return
	}
	f.buf = appendJA3(f.buf[:0], h)
	sum := md5.Sum(f.buf)
	var key [2 * md5.Size]byte
	hex.Encode(key[:], sum[:])
	f.count(f.ja3, &f.bytes3, key[:], f.buf, sni, client)
}

// count adds a ClientHello to the entry of key in m, making it (with its
// raw string) if the bounds allow; used is the text m keeps.
func (f *fingerprints) count(m map[string]*fpCount, used *int64, key, raw, sni []byte, client netip.Addr) {
	c := m[string(key)]
	if c == nil {
		size := int64(min(len(raw), maxRawLen))
		if len(m) >= maxFingerprints || *used+size > maxFingerprintBytes {
			f.full = true
			return
		}
		*used += size
		c = &fpCount{}
		if len(raw) > maxRawLen {
			f.cutRaw++
			raw = raw[:maxRawLen]
		}
		c.raw = string(raw)
		m[string(key)] = c
	}
	c.addFew(client)
	if len(sni) == 0 {
		return
	}
	for i := range c.names {
		if c.names[i].name == string(sni) {
			c.names[i].n++
			return
		}
	}
	if len(c.names) >= fpNames {
		return
	}
	if *used+int64(len(sni)) > maxFingerprintBytes {
		f.full = true
		return
	}
	*used += int64(len(sni))
	c.names = append(c.names, fpName{string(sni), 1})
}

// addFew is add for a list that keeps at most fewClients clients: past
// them, like add past maxClientsPerName, each ClientHello of a client not
// kept adds to clientsTotal.
func (c *clientCount) addFew(client netip.Addr) {
	c.count++
	if c.countFew(client) {
		return
	}
	c.clientsTotal++
	if len(c.few) < fewClients {
		c.few = append(c.few, ipCount{client, 1})
	}
}

// summary returns the fingerprints kept, most ClientHellos first.
func (f *fingerprints) summary() (ja4s, ja3s []TLSFingerprint) {
	return fpList(f.ja4), fpList(f.ja3)
}

func fpList(m map[string]*fpCount) []TLSFingerprint {
	out := make([]TLSFingerprint, 0, len(m))
	for k, c := range m {
		fp := TLSFingerprint{Fingerprint: k, Raw: c.raw, Count: c.count, Clients: c.clientList(), ClientsTotal: c.clientsTotal}
		fp.ServerNames = make([]Count, 0, len(c.names))
		for _, n := range c.names {
			fp.ServerNames = append(fp.ServerNames, Count{n.name, n.n})
		}
		sortCountList(fp.ServerNames)
		out = append(out, fp)
	}
	sortFingerprints(out)
	return out
}

// sortCountList orders counts as sortedCounts does.
func sortCountList(cs []Count) {
	slices.SortFunc(cs, func(x, y Count) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), strings.Compare(x.Name, y.Name))
	})
}

// sortFingerprints orders fingerprints by ClientHellos desc, then by
// fingerprint.
func sortFingerprints(xs []TLSFingerprint) {
	slices.SortFunc(xs, func(x, y TLSFingerprint) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), strings.Compare(x.Fingerprint, y.Fingerprint))
	})
}
