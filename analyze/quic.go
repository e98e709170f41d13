package analyze

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"net/netip"
	"slices"
)

// QUIC (RFC 9000) carries the TLS ClientHello in CRYPTO frames of the
// client's Initial packets, encrypted with keys anyone can derive from the
// packet's Destination Connection ID (RFC 9001 section 5.2). The analysis
// removes the header protection, decrypts the packets with AES-128-GCM,
// reassembles the CRYPTO stream of each connection up to its ClientHello and
// counts that hello as a TLS one, marked as QUIC.

// QUIC counts what the analysis read from QUIC Initial packets.
type QUIC struct {
	// Initials counts the long-header Initial packets of a known QUIC
	// version (1, 2, drafts 29 to 32) in UDP datagrams not sent from port
	// 443 nor by the server of a connection seen: those a client sends. A client's Initials after its ClientHello
	// was read are counted but not decrypted.
	Initials int64 `json:"initials"`
	// Decrypted counts the Initials decrypted with the client keys.
	Decrypted int64 `json:"decrypted"`
	// ClientHellos counts the ClientHellos read from Initials; they are
	// counted in TLS.ClientHellos, ServerNames and ALPN too.
	ClientHellos int64 `json:"client_hellos"`
	// Versions counts the decrypted Initials by QUIC version ("1", "2",
	// "draft-29").
	Versions []Count `json:"versions"`
	// ServerNames counts the QUIC ClientHellos by server name, lower-cased
	// and cut as in TLS.ServerNames (at most 5,000 names).
	ServerNames []Count `json:"server_names"`
	// ALPN counts the application protocols the QUIC ClientHellos offer
	// (at most 5,000 names).
	ALPN []Count `json:"alpn"`
	// Failures counts, by reason, the Initials or connections whose
	// ClientHello could not be read.
	Failures []Count `json:"failures"`
}

// Bounds on the QUIC analysis.
const (
	// quicMaxHello is how many bytes of a connection's CRYPTO stream are
	// kept: a ClientHello must fit (Chrome's with a post-quantum key share
	// is about 1.8 KB; tshark has no limit).
	quicMaxHello = 16 << 10
	// maxQUICPending is how many connections may wait for the rest of
	// their ClientHello at once, each with a buffer of about 18 KiB (9 MiB
	// in all). A new one takes the place of the one waiting longest.
	maxQUICPending = 512
	// maxQUICConns is how many connections are remembered (waiting, or
	// with their ClientHello read, so that a retransmitted Initial is not
	// counted twice): about 100 bytes each.
	maxQUICConns = 16_384
	// maxQUICNames bounds QUIC.ServerNames and QUIC.ALPN.
	maxQUICNames = 5_000
	// maxQUICCoalesced is how many packets of one datagram are looked at.
	maxQUICCoalesced = 8
	// quicMaxCID is the longest connection ID of QUIC version 1 and 2.
	quicMaxCID = 20
)

// Reasons a QUIC ClientHello could not be read. Fixed strings, so that
// counting them costs no allocation.
const (
	reasonQUICHeader     = "QUIC: Initial header runs past the datagram"
	reasonQUICCID        = "QUIC: connection ID longer than 20 bytes"
	reasonQUICShort      = "QUIC: Initial too short to remove header protection"
	reasonQUICDecrypt    = "QUIC: Initial does not decrypt with the client keys of its connection ID"
	reasonQUICFrame      = "QUIC: malformed frame"
	reasonQUICOtherFrame = "QUIC: frame other than PADDING, PING, ACK and CRYPTO (rest of packet skipped)"
	reasonQUICNotHello   = "QUIC: CRYPTO stream does not start with a ClientHello"
	reasonQUICLong       = "QUIC: ClientHello longer than 16 KiB"
	reasonQUICMalformed  = "QUIC: malformed ClientHello"
	reasonQUICConns      = "QUIC: too many connections to remember"
	reasonQUICEvicted    = "QUIC: ClientHello incomplete, dropped for a newer connection"
	reasonQUICIncomplete = "QUIC: ClientHello incomplete at the end of the capture"
)

// quicVersion describes how a QUIC version derives its Initial keys.
type quicVersion struct {
	name        string
	salt        []byte
	key, iv, hp string // HKDF labels
	initialType byte   // long packet type of Initial packets
	retryType   byte   // long packet type of Retry packets (no Length field)
}

var (
	quicV1 = quicVersion{"1", []byte{0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
		0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a}, "quic key", "quic iv", "quic hp", 0, 3}
	// RFC 9369 section 3.3.
	quicV2 = quicVersion{"2", []byte{0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
		0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9}, "quicv2 key", "quicv2 iv", "quicv2 hp", 1, 0}
	// draft-ietf-quic-tls-29 section 5.2, used by drafts 29 to 32.
	quicDraft29 = quicVersion{"draft-29", []byte{0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
		0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99}, "quic key", "quic iv", "quic hp", 0, 3}
)

// lookupQUICVersion returns the version with that number, nil for one whose
// Initial keys are not known here (or version negotiation, 0).
func lookupQUICVersion(v uint32) *quicVersion {
	switch {
	case v == 1:
		return &quicV1
	case v == 0x6b3343cf:
		return &quicV2
	case 0xff00001d <= v && v <= 0xff000020:
		return &quicDraft29
	}
	return nil
}

// quicKeys are the client Initial keys of a connection.
type quicKeys struct {
	aead cipher.AEAD
	hp   cipher.Block
	iv   [12]byte
}

// quicClientKeys derives the client Initial keys for a Destination
// Connection ID (RFC 9001 section 5.2, RFC 9369 section 3.3).
func quicClientKeys(v *quicVersion, dcid []byte) (quicKeys, error) {
	var k quicKeys
	initial, err := hkdf.Extract(sha256.New, dcid, v.salt)
	if err != nil {
		return k, err
	}
	client, err := hkdfExpandLabel(initial, "client in", sha256.Size)
	if err != nil {
		return k, err
	}
	key, err := hkdfExpandLabel(client, v.key, 16)
	if err != nil {
		return k, err
	}
	iv, err := hkdfExpandLabel(client, v.iv, 12)
	if err != nil {
		return k, err
	}
	hp, err := hkdfExpandLabel(client, v.hp, 16)
	if err != nil {
		return k, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return k, err
	}
	if k.aead, err = cipher.NewGCM(block); err != nil {
		return k, err
	}
	if k.hp, err = aes.NewCipher(hp); err != nil {
		return k, err
	}
	copy(k.iv[:], iv)
	return k, nil
}

// hkdfExpandLabel is TLS 1.3's HKDF-Expand-Label (RFC 8446 section 7.1)
// with SHA-256 and an empty context.
func hkdfExpandLabel(secret []byte, label string, length int) ([]byte, error) {
	info := make([]byte, 0, 4+6+len(label))
	info = binary.BigEndian.AppendUint16(info, uint16(length))
	info = append(info, byte(6+len(label)))
	info = append(info, "tls13 "...)
	info = append(info, label...)
	info = append(info, 0)
	return hkdf.Expand(sha256.New, secret, string(info), length)
}

// quicVarint reads a variable-length integer (RFC 9000 section 16).
func quicVarint(b []byte) (v uint64, n int, ok bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	n = 1 << (b[0] >> 6)
	if len(b) < n {
		return 0, 0, false
	}
	v = uint64(b[0] & 0x3f)
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
	}
	return v, n, true
}

// quicKey identifies a QUIC connection by the client's and server's
// addresses and ports.
type quicKey struct {
	client, server netip.Addr
	cport, sport   uint16
}

// quicConn follows one connection's Initials up to its ClientHello.
type quicConn struct {
	scid    [quicMaxCID]byte // the client's Source Connection ID: another one is a new connection
	scidLen uint8
	done    bool // the ClientHello was read, or cannot be: nothing more to do
	dcid    [quicMaxCID]byte
	dcidLen uint8
	keys    *quicKeys // derived from dcid; nil once done
	largest int64     // largest packet number decrypted
	buf     *quicBuf  // the CRYPTO stream so far; nil once done
	seq     uint64    // order of creation, to drop the oldest waiting
}

// quicBuf holds the start of a connection's CRYPTO stream.
type quicBuf struct {
	data   [quicMaxHello]byte
	have   [quicMaxHello / 8]byte // bit i: byte i of data was received
	contig int                    // bytes received from offset 0 without a gap
}

// quicState is the QUIC part of the web analysis.
type quicState struct {
	conns   map[quicKey]*quicConn
	pending []*quicConn // connections with a buf
	spare   []*quicBuf
	seq     uint64
	pkt     []byte // scratch: a packet being decrypted

	initials, decrypted, hellos int64
	versions                    map[string]int64
	names, alpn                 nameCounts
	failures                    map[string]int64
}

// quicCandidate reports whether a UDP payload may start with a QUIC long
// header packet of a version whose Initial keys are known. It is cheap:
// the per-packet path calls it on every UDP packet.
func quicCandidate(p []byte) bool {
	return len(p) >= 7 && p[0]&0x80 != 0 && lookupQUICVersion(binary.BigEndian.Uint32(p[1:5])) != nil
}

func (q *quicState) fail(reason string) {
	if q.failures == nil {
		q.failures = map[string]int64{}
	}
	q.failures[reason]++
}

// failIf counts reason when initial holds: a broken packet of another
// type is no failure to read a ClientHello.
func (q *quicState) failIf(initial bool, reason string) {
	if initial {
		q.fail(reason)
	}
}

// quicDatagram looks for client Initial packets in a UDP payload from src
// to dst; quicCandidate(payload) must hold.
func (w *web) quicDatagram(payload []byte, src, dst netip.Addr, sport, dport uint16) {
	if sport == 443 && dport != 443 {
		return // from a server
	}
	q := &w.quic
	if _, ok := q.conns[quicKey{dst, src, dport, sport}]; ok {
		return // from the server of a connection seen
	}
	key := quicKey{src, dst, sport, dport}
	for range maxQUICCoalesced {
		if len(payload) < 7 || payload[0]&0x80 == 0 {
			return // nothing more, or a short header packet
		}
		v := lookupQUICVersion(binary.BigEndian.Uint32(payload[1:5]))
		if v == nil {
			return
		}
		typ := payload[0] >> 4 & 3
		initial := typ == v.initialType
		if initial {
			q.initials++
		}
		p := 5
		dcidLen := int(payload[p])
		p++
		if dcidLen > quicMaxCID {
			q.failIf(initial, reasonQUICCID)
			return
		}
		if p+dcidLen+1 > len(payload) {
			q.failIf(initial, reasonQUICHeader)
			return
		}
		dcid := payload[p : p+dcidLen]
		p += dcidLen
		scidLen := int(payload[p])
		p++
		if scidLen > quicMaxCID {
			q.failIf(initial, reasonQUICCID)
			return
		}
		if p+scidLen > len(payload) {
			q.failIf(initial, reasonQUICHeader)
			return
		}
		scid := payload[p : p+scidLen]
		p += scidLen
		if typ == v.retryType {
			return // a Retry fills the rest of the datagram
		}
		if initial {
			tl, n, ok := quicVarint(payload[p:])
			if !ok || tl > uint64(len(payload)-p-n) {
				q.failIf(initial, reasonQUICHeader)
				return
			}
			p += n + int(tl)
		}
		length, n, ok := quicVarint(payload[p:])
		if !ok || length > uint64(len(payload)-p-n) {
			q.failIf(initial, reasonQUICHeader)
			return
		}
		pnOffset := p + n
		end := pnOffset + int(length)
		if initial {
			w.quicInitial(key, v, payload[:end], pnOffset, dcid, scid)
		}
		payload = payload[end:]
	}
}

// quicInitial handles one client Initial packet, pkt, whose packet number
// starts at pnOffset.
func (w *web) quicInitial(key quicKey, v *quicVersion, pkt []byte, pnOffset int, dcid, scid []byte) {
	q := &w.quic
	c := q.conns[key]
	if c != nil && string(c.scid[:c.scidLen]) != string(scid) {
		c = nil // the same ports, another connection
	}
	if c != nil && c.done {
		return
	}
	if pnOffset+4+16 > len(pkt) {
		q.fail(reasonQUICShort)
		return
	}
	largest := int64(-1)
	if c != nil {
		largest = c.largest
	}
	// After its first Initial the client sends to the connection ID the
	// server chose, but keeps the keys of the first (RFC 9001 section
	// 5.2); after a Retry it derives new ones from the Retry's.
	var plain []byte
	var pn int64
	var keys *quicKeys
	if c != nil && c.keys != nil {
		if plain, pn = q.open(c.keys, pkt, pnOffset, largest); plain != nil {
			keys = c.keys
		}
	}
	if plain == nil && (c == nil || c.keys == nil || string(c.dcid[:c.dcidLen]) != string(dcid)) {
		k, err := quicClientKeys(v, dcid)
		if err == nil {
			if plain, pn = q.open(&k, pkt, pnOffset, largest); plain != nil {
				keys = &k
			}
		}
	}
	if plain == nil {
		q.fail(reasonQUICDecrypt)
		return
	}
	q.decrypted++
	if q.versions == nil {
		q.versions = map[string]int64{}
	}
	q.versions[v.name]++
	if c == nil {
		if c = q.conn(key); c == nil {
			return
		}
		c.scidLen = uint8(copy(c.scid[:], scid))
	}
	if c.keys != keys {
		c.keys = keys
		c.dcidLen = uint8(copy(c.dcid[:], dcid))
	}
	c.largest = max(c.largest, pn)
	if c.buf == nil && !q.attach(c) {
		return
	}
	w.quicFrames(c, plain, key)
}

// open removes the header protection of a copy of pkt and decrypts it with
// k, returning the plaintext payload and the packet number; nil when the
// packet does not decrypt.
func (q *quicState) open(k *quicKeys, pkt []byte, pnOffset int, largest int64) ([]byte, int64) {
	q.pkt = append(q.pkt[:0], pkt...)
	b := q.pkt
	var mask [16]byte
	k.hp.Encrypt(mask[:], b[pnOffset+4:pnOffset+4+16])
	b[0] ^= mask[0] & 0x0f
	pnLen := int(b[0]&3) + 1
	var truncated uint64
	for i := range pnLen {
		b[pnOffset+i] ^= mask[1+i]
		truncated = truncated<<8 | uint64(b[pnOffset+i])
	}
	pn := decodePacketNumber(largest, truncated, pnLen*8)
	var nonce [12]byte
	nonce = k.iv
	var pnb [8]byte
	binary.BigEndian.PutUint64(pnb[:], uint64(pn))
	for i := range 8 {
		nonce[4+i] ^= pnb[i]
	}
	hdr := b[:pnOffset+pnLen]
	ct := b[pnOffset+pnLen:]
	if len(ct) < k.aead.Overhead() {
		return nil, 0
	}
	plain, err := k.aead.Open(ct[:0], nonce[:], ct, hdr)
	if err != nil {
		return nil, 0
	}
	return plain, pn
}

// decodePacketNumber recovers a full packet number from its truncated
// form (RFC 9000 appendix A.3).
func decodePacketNumber(largest int64, truncated uint64, bits int) int64 {
	expected := largest + 1
	win := int64(1) << bits
	hwin := win / 2
	mask := win - 1
	candidate := expected&^mask | int64(truncated)
	switch {
	case candidate <= expected-hwin && candidate < 1<<62-win:
		return candidate + win
	case candidate > expected+hwin && candidate >= win:
		return candidate - win
	}
	return candidate
}

// conn remembers a new connection, nil when there is no room.
func (q *quicState) conn(key quicKey) *quicConn {
	if q.conns == nil {
		q.conns = map[quicKey]*quicConn{}
	}
	if old := q.conns[key]; old != nil {
		// Replaced by a new connection on the same ports.
		if old.done {
			q.finish(old, "")
		} else {
			q.finish(old, reasonQUICEvicted)
		}
	} else if len(q.conns) >= maxQUICConns {
		for k, c := range q.conns {
			if c.done {
				delete(q.conns, k)
			}
		}
		if len(q.conns) >= maxQUICConns {
			q.fail(reasonQUICConns)
			return nil
		}
	}
	q.seq++
	c := &quicConn{largest: -1, seq: q.seq}
	q.conns[key] = c
	return c
}

// attach gives c a buffer for its CRYPTO stream, taking the one of the
// connection waiting longest when maxQUICPending wait.
func (q *quicState) attach(c *quicConn) bool {
	if len(q.pending) >= maxQUICPending {
		oldest := 0
		for i, p := range q.pending {
			if p.seq < q.pending[oldest].seq {
				oldest = i
			}
		}
		q.finish(q.pending[oldest], reasonQUICEvicted)
	}
	if n := len(q.spare); n > 0 {
		c.buf = q.spare[n-1]
		q.spare = q.spare[:n-1]
		clear(c.buf.have[:])
		c.buf.contig = 0
	} else {
		c.buf = &quicBuf{}
	}
	q.pending = append(q.pending, c)
	return true
}

// finish marks c done, gives back its buffer and counts reason when not "".
func (q *quicState) finish(c *quicConn, reason string) {
	if reason != "" {
		q.fail(reason)
	}
	c.done, c.keys = true, nil
	if c.buf != nil {
		q.spare = append(q.spare, c.buf)
		c.buf = nil
		if i := slices.Index(q.pending, c); i >= 0 {
			q.pending = slices.Delete(q.pending, i, i+1)
		}
	}
}

// quicFrames reads the frames of a decrypted Initial of c, keeping the
// CRYPTO data, and counts the ClientHello once it is whole.
func (w *web) quicFrames(c *quicConn, p []byte, key quicKey) {
	q := &w.quic
	for len(p) > 0 {
		switch p[0] {
		case 0x00: // PADDING
			i := 1
			for i < len(p) && p[i] == 0 {
				i++
			}
			p = p[i:]
		case 0x01: // PING
			p = p[1:]
		case 0x02, 0x03: // ACK, ACK with ECN counts
			fields := 4 // largest, delay, range count, first range
			ecn := p[0] == 0x03
			p = p[1:]
			var ranges uint64
			for i := 0; i < fields; i++ {
				v, n, ok := quicVarint(p)
				if !ok {
					q.fail(reasonQUICFrame)
					return
				}
				p = p[n:]
				if i == 2 {
					ranges = v
				}
			}
			// Each range is two varints of at least a byte.
			if ranges > uint64(len(p))/2 {
				q.fail(reasonQUICFrame)
				return
			}
			extra := 2 * int(ranges)
			if ecn {
				extra += 3
			}
			for range extra {
				_, n, ok := quicVarint(p)
				if !ok {
					q.fail(reasonQUICFrame)
					return
				}
				p = p[n:]
			}
		case 0x06: // CRYPTO
			off, n, ok := quicVarint(p[1:])
			if !ok {
				q.fail(reasonQUICFrame)
				return
			}
			l, m, ok := quicVarint(p[1+n:])
			if !ok || l > uint64(len(p)-1-n-m) {
				q.fail(reasonQUICFrame)
				return
			}
			data := p[1+n+m : 1+n+m+int(l)]
			p = p[1+n+m+int(l):]
			c.buf.add(off, data)
		default:
			q.fail(reasonQUICOtherFrame)
			p = nil
		}
	}
	w.quicHello(c, key)
}

// add keeps the CRYPTO data at offset off, as far as it fits.
func (b *quicBuf) add(off uint64, data []byte) {
	if off >= quicMaxHello {
		return
	}
	end := min(off+uint64(len(data)), quicMaxHello)
	copy(b.data[off:end], data)
	for i := off; i < end; i++ {
		b.have[i/8] |= 1 << (i % 8)
	}
	for b.contig < quicMaxHello && b.have[b.contig/8]&(1<<(b.contig%8)) != 0 {
		b.contig++
	}
}

// quicHello reads c's ClientHello once the CRYPTO stream holds it whole.
func (w *web) quicHello(c *quicConn, key quicKey) {
	q := &w.quic
	b := c.buf
	if b.contig < 4 {
		return
	}
	if b.data[0] != tlsClientHello {
		q.finish(c, reasonQUICNotHello)
		return
	}
	msgLen := int(b.data[1])<<16 | int(b.data[2])<<8 | int(b.data[3])
	switch {
	case 4+msgLen > quicMaxHello:
		q.finish(c, reasonQUICLong)
		return
	case msgLen < helloMinBody:
		q.finish(c, reasonQUICMalformed)
		return
	case b.contig < 4+msgLen:
		return
	}
	var h clientHello
	if !h.parseBody(b.data[4 : 4+msgLen]) {
		q.finish(c, reasonQUICMalformed)
		return
	}
	h.quic = true
	q.hellos++
	if q.names == nil {
		q.names, q.alpn = nameCounts{}, nameCounts{}
	}
	if len(h.sni) > 0 {
		var cut bool
		w.cut, cut = appendCut(w.cut[:0], h.sni, MaxNameLen)
		_ = cut // counted by w.hello
		w.lower = lowerASCII(w.lower[:0], w.cut)
		q.names.add(w.lower, maxQUICNames)
	}
	for _, p := range h.protocols() {
		q.alpn.add(p, maxQUICNames)
	}
	w.helloOver(&h, key.client, key.server, ja4QUIC)
	q.finish(c, "")
}

// summary returns the QUIC counts, counting the connections still waiting
// for the rest of their ClientHello as failures.
func (q *quicState) summary() QUIC {
	for len(q.pending) > 0 {
		q.finish(q.pending[0], reasonQUICIncomplete)
	}
	return QUIC{
		Initials: q.initials, Decrypted: q.decrypted, ClientHellos: q.hellos,
		Versions: sortedCounts(q.versions), ServerNames: q.names.sorted(), ALPN: q.alpn.sorted(),
		Failures: sortedCounts(q.failures),
	}
}
