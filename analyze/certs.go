package analyze

import (
	"bytes"
	"cmp"
	"crypto/dsa" //nolint:staticcheck // DSA keys are still found in old certificates
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Bounds on the certificates read from TLS handshakes. A capture can hold
// any number of server flights and certificates; these cap what is kept.
// The worst case is maxCertStreams buffers of certStreamLimit bytes (8 MiB)
// plus maxCertBytes of text and about 300 bytes per certificate kept.
const (
	// maxCertificates is how many distinct certificates (by SHA-256) are
	// listed; later ones are counted in Unlisted.
	maxCertificates = 5_000
	// maxCertBytes bounds the text kept of the certificates listed
	// (subjects, issuers, SANs, serials, errors, server names).
	maxCertBytes = 4 << 20
	// maxCertStreams is how many server flights are assembled at once.
	maxCertStreams = 128
	// certStreamLimit is how many bytes of a server's first flight are
	// kept: ServerHello, then the Certificate message, usually 2 to 8 KiB.
	certStreamLimit = 64 << 10
	// certStalls is how many segments that do not extend a server flight
	// (lost data, retransmissions) are taken before it is given up.
	certStalls = 64
	// maxCertsPerMessage is how many certificates of one Certificate
	// message are read; chains are 2 to 4 long.
	maxCertsPerMessage = 16
	// maxCertSANs is how many DNS names and IP addresses of one
	// certificate's subjectAltName are kept.
	maxCertSANs = 32
	// maxCertServers is how many server addresses and server names are
	// kept per certificate.
	maxCertServers = 16
	// maxCertTextLen cuts subjects, issuers and errors (as appendCut does);
	// maxSerialLen the serial number in hex (20 bytes is the most RFC 5280
	// allows, 40 digits).
	maxCertTextLen = 1024
	maxSerialLen   = 128

	tlsCertificate      = 11
	tlsServerHelloDone  = 14
	tlsServerHello      = 2
	tlsMaxRecordPayload = tlsMaxFragment + 2048 // with a cipher's expansion
)

// TLSCertificates is what the Certificate messages of TLS 1.0 to 1.2
// handshakes held (TLS 1.3 encrypts them): the server's first flight of a
// TCP flow is reassembled, up to 64 KiB, to read it.
type TLSCertificates struct {
	// Messages counts the Certificate messages read; Seen the certificates
	// in them, each time it was sent.
	Messages int64 `json:"messages"`
	Seen     int64 `json:"seen"`
	// Unlisted counts the certificates sent but not listed: past 5,000
	// distinct ones or 4 MiB of their text.
	Unlisted int64 `json:"unlisted"`
	// Malformed counts server flights that were not well-formed handshake
	// records or held a malformed Certificate message; Incomplete those
	// given up because the message was longer than 64 KiB, data was
	// missing (64 segments that did not extend the flight), or the flight
	// was the oldest of 128 being read when another began. Neither is read
	// further.
	Malformed  int64 `json:"malformed"`
	Incomplete int64 `json:"incomplete"`
	// ParseErrors counts the certificates sent that crypto/x509 refused
	// (listed with their SHA-256 and Error).
	ParseErrors int64 `json:"parse_errors"`
	// Skipped counts the certificates past the 16th of a message, not read.
	Skipped int64 `json:"skipped"`
	// List holds the distinct certificates, by SHA-256 of their DER bytes,
	// the most sent first, then by SHA-256.
	List []Certificate `json:"list"`
}

// Certificate is one distinct certificate that servers sent. Its strings
// come from the capture: subject, issuer and errors are cut at 1,024
// bytes, SANs and server names at MaxNameLen, as appendCut does.
type Certificate struct {
	SHA256 string `json:"sha256"` // of the DER bytes, lower-case hex
	Count  int64  `json:"count"`  // times sent
	Size   int    `json:"size"`   // DER bytes
	// Subject and Issuer are distinguished names as RFC 2253 writes them
	// ("CN=example.com,O=Example").
	Subject string `json:"subject"`
	Issuer  string `json:"issuer"`
	// DNSNames and IPAddresses are the subjectAltName entries, at most 32
	// of both together; SANsCut says there were more.
	DNSNames    []string `json:"dns_names"`
	IPAddresses []string `json:"ip_addresses"`
	SANsCut     bool     `json:"sans_cut"`
	// NotBefore and NotAfter bound the validity, RFC 3339 in UTC.
	NotBefore string `json:"not_before"`
	NotAfter  string `json:"not_after"`
	// KeyType is "RSA", "ECDSA", "Ed25519", "DSA" or what crypto/x509
	// calls another; KeyBits its size (RSA/DSA modulus, ECDSA curve).
	KeyType            string `json:"key_type"`
	KeyBits            int    `json:"key_bits"`
	SignatureAlgorithm string `json:"signature_algorithm"`
	Serial             string `json:"serial"` // hex
	// CA says the basicConstraints extension makes it a CA. Leaf says it
	// was sent first in a chain at least once (the server's own).
	CA   bool `json:"ca"`
	Leaf bool `json:"leaf"`
	// SelfSigned: its issuer is its subject and its signature verifies with
	// its own key (or uses an algorithm that cannot be checked, MD5, DSA).
	SelfSigned bool `json:"self_signed"`
	// Expired and NotYetValid say it was sent at least once after its
	// NotAfter or before its NotBefore (the packet's time).
	Expired     bool `json:"expired"`
	NotYetValid bool `json:"not_yet_valid"`
	// Servers are the "address:port"s that sent it, sorted, at most 16;
	// ServerNames the server names (SNI, lower-cased) the clients asked
	// for in those flows, at most 16. The ...Cut flags say there were more.
	Servers        []string `json:"servers"`
	ServersCut     bool     `json:"servers_cut"`
	ServerNames    []string `json:"server_names"`
	ServerNamesCut bool     `json:"server_names_cut"`
	// Error is why crypto/x509 refused it; the fields of its contents are
	// then empty.
	Error string `json:"error,omitempty"`
}

// tlsFlow is what a TCP flow's TLS handshake told so far: the server name
// its client asked for, and the server's first flight being assembled to
// find the Certificate message. One per flow with a ClientHello or a
// ServerHello, made once.
type tlsFlow struct {
	sni []byte // the ClientHello's server name, cut and lower-cased; nil without
	// buf holds the server's flight from its ServerHello, nil when none is
	// being read. Complete records are moved together in place: the
	// handshake messages are buf.data[:w], the next record header at p,
	// the next handshake message at h.
	buf     *streamBuf
	w, p, h int
	stalls  int
	server  uint8 // direction index (flowCount.dir) of the server's flight
	done    bool  // the server's flight was read or given up
}

// certEntry is one distinct certificate, as certs keeps it.
type certEntry struct {
	c             Certificate
	notBefore     time.Time
	notAfter      time.Time
	servers       []netip.AddrPort
	names         [][]byte
	parsed        bool
	expired, fut  bool
	leaf          bool
	bytes         int
	serversCut    bool
	serverNameCut bool
}

// certs collects the certificates that servers send in TLS 1.0 to 1.2
// handshakes (TLS 1.3 encrypts them).
type certs struct {
	list     map[[32]byte]*certEntry
	bytes    int        // text kept, against maxCertBytes
	open     int        // server flights being assembled
	flights  []*tlsFlow // those flights, the oldest first
	spare    []*streamBuf
	messages int64 // Certificate messages read
	seen     int64 // certificates in them
	unlisted int64 // certificates not listed: over maxCertificates or maxCertBytes
	// The counts of TLSCertificates.
	malformed, incomplete, parseErrors, skipped int64
	cut                                         []byte // scratch
}

func newCerts() certs { return certs{list: map[[32]byte]*certEntry{}} }

// segment looks at a TCP segment of a flow c whose payload starts a TLS
// handshake record, of a flow with a server flight being read, or that
// has just had its ClientHello read (helloed; w.helloSNI is its name).
// fwd says the segment's direction (A to B), src and sport its sender.
func (cs *certs) segment(c *flowCount, fwd, helloed bool, w *web, seq uint32, payload []byte, src netip.Addr, sport uint16, ts time.Time) {
	d := uint8(0)
	if !fwd {
		d = 1
	}
	t := c.tls
	if helloed {
		if t == nil {
			t = &tlsFlow{server: 2}
			c.tls = t
		}
		if len(w.helloSNI) > 0 && t.sni == nil {
			cut, _ := appendCut(cs.cut[:0], w.helloSNI, MaxNameLen)
			cs.cut = cut
			t.sni = lowerASCII(nil, cut)
		}
		return
	}
	if t != nil && t.buf != nil && t.server == d {
		cs.add(t, seq, payload, src, sport, ts)
		return
	}
	// A server's first flight starts with a ServerHello record.
	if len(payload) < 6 || payload[0] != tlsContentHandshake || payload[1] != 3 || payload[5] != tlsServerHello {
		return
	}
	if t == nil {
		t = &tlsFlow{server: 2}
		c.tls = t
	}
	if t.done || t.buf != nil {
		return
	}
	if cs.open >= maxCertStreams {
		// The oldest flight gives way: real flights end within a few
		// segments, so one that lingers is likely stuck (data lost) or
		// an attacker's way to hold every slot.
		cs.incomplete++
		cs.finish(cs.flights[0])
	}
	if n := len(cs.spare); n > 0 {
		t.buf = cs.spare[n-1]
		cs.spare = cs.spare[:n-1]
		t.buf.reset(seq, certStreamLimit)
	} else {
		t.buf = newStreamBuf(seq, certStreamLimit)
	}
	cs.open++
	cs.flights = append(cs.flights, t)
	t.server, t.w, t.p, t.h, t.stalls = d, 0, 0, 0, 0
	cs.add(t, seq, payload, src, sport, ts)
}

// add adds a segment of the server's flight and reads what it completes.
func (cs *certs) add(t *tlsFlow, seq uint32, payload []byte, src netip.Addr, sport uint16, ts time.Time) {
	if !t.buf.add(seq, payload) {
		if t.stalls++; t.stalls > certStalls {
			cs.incomplete++
			cs.finish(t)
		}
		return
	}
	if cs.scan(t, netip.AddrPortFrom(src, sport), ts) {
		cs.finish(t)
	}
}

// finish ends the reading of t's server flight and frees its buffer.
func (cs *certs) finish(t *tlsFlow) {
	t.done = true
	if t.buf != nil {
		cs.spare = append(cs.spare, t.buf)
		t.buf = nil
		cs.open--
		if i := slices.Index(cs.flights, t); i >= 0 {
			cs.flights = slices.Delete(cs.flights, i, i+1)
		}
	}
}

// drop frees the buffer of a flow that loses its place in the flow table.
func (cs *certs) drop(c *flowCount) {
	if c.tls != nil {
		cs.finish(c.tls)
	}
}

// scan reads the complete records of t's flight: it joins their handshake
// fragments at the start of the buffer, each byte moved once, and reads
// the handshake messages they complete. It reports whether the flight is
// over: a Certificate or ServerHelloDone message read, a record that is
// not a handshake one (TLS 1.3's ChangeCipherSpec or encrypted records,
// an abbreviated handshake), something malformed or too long.
func (cs *certs) scan(t *tlsFlow, server netip.AddrPort, ts time.Time) bool {
	b := t.buf.bytes()
	for t.p+5 <= len(b) {
		if b[t.p] != tlsContentHandshake {
			return true
		}
		r := int(binary.BigEndian.Uint16(b[t.p+3:]))
		if b[t.p+1] != 3 || r > tlsMaxRecordPayload {
			cs.malformed++
			return true
		}
		if t.p+5+r > len(b) {
			break
		}
		// t.w <= t.p: the fragment moves down over bytes already read.
		t.w += copy(b[t.w:], b[t.p+5:t.p+5+r])
		t.p += 5 + r
		for t.h+4 <= t.w {
			typ := b[t.h]
			l := int(b[t.h+1])<<16 | int(b[t.h+2])<<8 | int(b[t.h+3])
			if t.h+4+l > t.w {
				if t.h+4+l > certStreamLimit {
					cs.incomplete++ // longer than can be held
					return true
				}
				break
			}
			msg := b[t.h+4 : t.h+4+l]
			t.h += 4 + l
			switch typ {
			case tlsCertificate:
				cs.message(msg, t.sni, server, ts)
				return true
			case tlsServerHelloDone:
				return true
			}
		}
	}
	if t.buf.full() {
		cs.incomplete++
		return true
	}
	return false
}

// message reads a TLS 1.0-1.2 Certificate message body: a 3-byte length of
// the list, then certificates each with a 3-byte length.
func (cs *certs) message(msg []byte, sni []byte, server netip.AddrPort, ts time.Time) {
	if len(msg) < 3 || int(msg[0])<<16|int(msg[1])<<8|int(msg[2]) != len(msg)-3 {
		cs.malformed++
		return
	}
	cs.messages++
	for i, d := 0, msg[3:]; len(d) > 0; i++ {
		if len(d) < 3 {
			cs.malformed++
			return
		}
		l := int(d[0])<<16 | int(d[1])<<8 | int(d[2])
		if 3+l > len(d) {
			cs.malformed++
			return
		}
		if i >= maxCertsPerMessage {
			cs.skipped++
		} else {
			cs.certificate(d[3:3+l], i == 0, sni, server, ts)
		}
		d = d[3+l:]
	}
}

// certificate counts one certificate sent by server (first in its chain
// when leaf) at time ts, to a client that asked for sni.
func (cs *certs) certificate(der []byte, leaf bool, sni []byte, server netip.AddrPort, ts time.Time) {
	cs.seen++
	sum := sha256.Sum256(der)
	e := cs.list[sum]
	if e == nil {
		if len(cs.list) >= maxCertificates || cs.bytes >= maxCertBytes {
			cs.unlisted++
			return
		}
		e = newCertEntry(der, sum)
		if !e.parsed {
			cs.parseErrors++
		}
		cs.list[sum] = e
		cs.bytes += e.bytes
	} else if !e.parsed {
		cs.parseErrors++
	}
	e.c.Count++
	e.leaf = e.leaf || leaf
	if e.parsed && !ts.IsZero() {
		e.expired = e.expired || ts.After(e.notAfter)
		e.fut = e.fut || ts.Before(e.notBefore)
	}
	if !slices.Contains(e.servers, server) {
		if len(e.servers) < maxCertServers {
			e.servers = append(e.servers, server)
		} else {
			e.serversCut = true
		}
	}
	if len(sni) > 0 && !slices.ContainsFunc(e.names, func(n []byte) bool { return bytes.Equal(n, sni) }) {
		if len(e.names) < maxCertServers && cs.bytes+len(sni) <= maxCertBytes {
			e.names = append(e.names, sni) // sni is the flow's own copy, never changed
			cs.bytes += len(sni)
		} else {
			e.serverNameCut = true
		}
	}
}

// newCertEntry parses a certificate with crypto/x509. A certificate it
// refuses is kept with its SHA-256 and the reason.
func newCertEntry(der []byte, sum [32]byte) *certEntry {
	e := &certEntry{}
	c := &e.c
	c.SHA256 = hex.EncodeToString(sum[:])
	c.Size = len(der)
	c.DNSNames, c.IPAddresses = []string{}, []string{}
	x, err := x509.ParseCertificate(der)
	if err != nil {
		c.Error = certText(err.Error(), maxCertTextLen)
		e.bytes = len(c.Error)
		return e
	}
	e.parsed = true
	c.Subject = certText(x.Subject.String(), maxCertTextLen)
	c.Issuer = certText(x.Issuer.String(), maxCertTextLen)
	n := 0
	for _, d := range x.DNSNames {
		if n++; n > maxCertSANs {
			c.SANsCut = true
			break
		}
		c.DNSNames = append(c.DNSNames, certText(d, MaxNameLen))
	}
	for _, ip := range x.IPAddresses {
		if n++; n > maxCertSANs {
			c.SANsCut = true
			break
		}
		if a, ok := netip.AddrFromSlice(ip); ok {
			c.IPAddresses = append(c.IPAddresses, a.Unmap().String())
		}
	}
	e.notBefore, e.notAfter = x.NotBefore.UTC(), x.NotAfter.UTC()
	c.NotBefore, c.NotAfter = formatTime(e.notBefore, 0), formatTime(e.notAfter, 0)
	c.KeyType, c.KeyBits = keyType(x)
	c.SignatureAlgorithm = x.SignatureAlgorithm.String()
	if x.SerialNumber != nil {
		c.Serial = certText(x.SerialNumber.Text(16), maxSerialLen)
	}
	c.CA = x.BasicConstraintsValid && x.IsCA
	c.SelfSigned = selfSigned(x)
	e.bytes = len(c.Subject) + len(c.Issuer) + len(c.Serial)
	for _, s := range c.DNSNames {
		e.bytes += len(s)
	}
	for _, s := range c.IPAddresses {
		e.bytes += len(s)
	}
	return e
}

// certText cuts s to limit bytes as appendCut does.
func certText(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	b, _ := appendCut(nil, []byte(s), limit)
	return string(b)
}

// keyType names the certificate's public key algorithm and its size in
// bits (the modulus for RSA and DSA, the curve for ECDSA).
func keyType(x *x509.Certificate) (string, int) {
	switch k := x.PublicKey.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		return "ECDSA", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return "Ed25519", 256
	case *dsa.PublicKey:
		return "DSA", k.P.BitLen()
	}
	return x.PublicKeyAlgorithm.String(), 0
}

// selfSigned reports whether x names itself as issuer and its signature
// verifies with its own key, or cannot be checked (an algorithm
// crypto/x509 does not verify, such as MD5 or DSA): a CA re-issued under
// the same name by another key is not self-signed.
func selfSigned(x *x509.Certificate) bool {
	if !bytes.Equal(x.RawSubject, x.RawIssuer) {
		return false
	}
	err := x.CheckSignature(x.SignatureAlgorithm, x.RawTBSCertificate, x.Signature)
	var insecure x509.InsecureAlgorithmError
	return err == nil || errors.Is(err, x509.ErrUnsupportedAlgorithm) || errors.As(err, &insecure)
}

// summary lists the certificates, the most presented first.
func (cs *certs) summary() TLSCertificates {
	out := TLSCertificates{Messages: cs.messages, Seen: cs.seen, Unlisted: cs.unlisted,
		Malformed: cs.malformed, Incomplete: cs.incomplete, ParseErrors: cs.parseErrors, Skipped: cs.skipped}
	out.List = make([]Certificate, 0, len(cs.list))
	for _, e := range cs.list {
		c := e.c
		c.Leaf, c.Expired, c.NotYetValid = e.leaf, e.expired, e.fut
		c.ServersCut, c.ServerNamesCut = e.serversCut, e.serverNameCut
		c.Servers = make([]string, 0, len(e.servers))
		for _, s := range e.servers {
			c.Servers = append(c.Servers, s.String())
		}
		c.ServerNames = make([]string, 0, len(e.names))
		for _, n := range e.names {
			c.ServerNames = append(c.ServerNames, string(n))
		}
		slices.Sort(c.Servers)
		slices.Sort(c.ServerNames)
		out.List = append(out.List, c)
	}
	sortCertificates(out.List)
	return out
}

// sortCertificates orders certificates by count desc, then SHA-256.
func sortCertificates(xs []Certificate) {
	slices.SortFunc(xs, func(x, y Certificate) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), strings.Compare(x.SHA256, y.SHA256))
	})
}
