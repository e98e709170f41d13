package analyze

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"strconv"
	"time"
)

// HTTP transactions and the objects (message bodies) they carry.
//
// A TCP connection is followed from its first data segment when that is
// the start of an HTTP/1.x request; its two directions are reassembled in
// sequence-number order (httpDir) and parsed as a stream of messages:
// head, then body framed by Content-Length, chunked coding or the close
// of the connection. Requests and responses pair in order (HTTP/1.1
// pipelining). A body streams through its decoder (gzip, deflate) into
// SHA-256, MD5 and SHA-1 and, with Options.Objects, into a file; it is
// never held whole.
//
// gopacket's reassembly package was not used: it wants a decoded
// layers.TCP per packet (the fast path reads raw headers and decodes no
// layers), keeps its own connection table beside the conversations'
// (which already evicts and bounds flows), and copies every segment into
// its pages before handing it on. Here an in-order segment, the common
// case, goes to the parser from the packet buffer without a copy; only
// out-of-order data is copied, within maxHeldPerDir and maxHeldBytes.
const (
	maxHTTPTransactions = 20_000   // transactions listed
	maxTransactionBytes = 8 << 20  // text of the transactions listed
	maxHTTPObjects      = 10_000   // objects listed
	maxHTTPConns        = 1_024    // connections followed at once
	maxHeadBytes        = 16 << 10 // a message head longer is not parsed: the connection is left
	maxHeldPerDir       = 256 << 10
	maxHeldBytes        = 4 << 20 // out-of-order bytes held, all connections
	maxHeadTotal        = 4 << 20 // bytes of message heads being collected, all connections
	maxPendingRequests  = 64      // requests waiting for their response, per connection
	maxDecoders         = 64      // bodies being decompressed at once
	maxExtracting       = 128     // objects being written at once (open files)
	// maxObjectBytes bounds the bytes of one object after decoding; a
	// decoded body also stops at objectRatio times its coded bytes plus
	// objectRatioSlack, so that a compression bomb costs at most about
	// 100 times its size to hash. Either marks the object truncated.
	maxObjectBytes   = 64 << 20
	objectRatio      = 100
	objectRatioSlack = 1 << 20
	maxTypeLen       = 128 // Content-Type and Content-Encoding kept
)

// httpObjs follows HTTP connections and lists their transactions and
// objects.
type httpObjs struct {
	conns    int // connections followed now
	held     int // out-of-order bytes held, all connections
	heads    int // bytes of heads being collected, all connections
	decoders int // decoders running
	sink     ObjectSink
	hasher   bodyHasher // hashes and writes the bodies (httpobj_hash.go)
	strs     interned   // the strings of the lists that repeat
	hashErr  string

	tx        []httpTx
	txBytes   int
	txTotal   int64
	objs      []httpObj
	objTotal  int64
	skipped   httpSkips
	lastClose time.Time
}

// httpSkips counts what was not followed or not kept.
type httpSkips struct {
	conns       int64 // connections not followed: maxHTTPConns were
	lost        int64 // directions left: a gap, a head too long or not HTTP
	decoders    int64 // bodies hashed as sent: maxDecoders were busy
	notWritten  int64 // objects not extracted: maxExtracting were open, or the sink failed
	pendingFull int64 // requests not paired: maxPendingRequests waited
	resynced    int64 // gaps skipped to the next message
}

// httpTx is a transaction as kept: strings copied and cut.
type httpTx struct {
	t                    time.Time
	client, server       netip.Addr
	cport, sport         uint16
	method, host, target string
	referer, agent       string
	status               int
	ctype                string
	size                 int64 // response body after decoding, -1 before one
	respObj, reqObj      int32 // index in objs + 1, 0 for none
}

// httpObj is an object as kept.
type httpObj struct {
	t          time.Time
	tx         int32 // index in tx + 1, 0 when the transaction is not listed
	request    bool
	size, wire int64
	encoding   string
	ctype      string
	sniffed    string
	kind       string
	sha256     [32]byte
	md5        [16]byte
	sha1       [20]byte
	weakHashes bool // md5 and sha1 were computed (decideWeak)
	incomplete bool
	truncated  bool
	undecoded  bool
	file       string
}

// httpConn is one followed connection; dir[0] is the client's direction.
type httpConn struct {
	dir       [2]httpDir
	clientFwd bool // the client is the flow's A end
	client    netip.Addr
	server    netip.Addr
	cport     uint16
	sport     uint16
	pending   []pendingReq
	dead      bool
}

type pendingReq struct {
	tx   int32 // index in tx + 1, 0 when not listed
	head bool  // a HEAD request: its response has no body
}

// HTTP parser states of one direction.
const (
	stHead = iota
	stBodyLen
	stChunkSize
	stChunkData
	stChunkCRLF
	stTrailer
	stUntilClose
	stDead
)

// httpDir is one direction of a followed connection.
type httpDir struct {
	next      uint32 // sequence number of the next byte expected
	started   bool
	closed    bool // FIN delivered
	held      []heldSeg
	acked     uint32 // the highest ACK from the peer, when ackSeen
	ackSeen   bool
	heldBytes int
	state     int
	head      []byte // a message head being collected
	line      []byte // a chunk-size or trailer line being collected
	remain    int64  // bytes left in a Content-Length body or a chunk
	body      *objWriter
}

type heldSeg struct {
	seq  uint32
	data []byte
}

func newHTTPObjs(sink ObjectSink) httpObjs { return httpObjs{sink: sink} }

// segment follows one TCP segment of flow c, sent by the flow's A end
// when fwd. tcp is the TCP header and payload its data.
func (o *httpObjs) segment(c *flowCount, fwd bool, tcp, payload []byte, ts time.Time, src, dst netip.Addr, sport, dport uint16) {
	hc := c.http
	if hc == nil {
		if len(payload) <= 1 {
			return // a keep-alive probe's byte decides nothing
		}
		c.httpNo = true
		_, req, _ := parseHTTPRequest(payload)
		_, resp := parseHTTPResponse(payload)
		if !req && !resp {
			return
		}
		if o.conns >= maxHTTPConns {
			o.skipped.conns++
			return
		}
		o.conns++
		if req {
			hc = &httpConn{clientFwd: fwd, client: src, server: dst, cport: sport, sport: dport}
		} else { // a response first: its request was not captured
			hc = &httpConn{clientFwd: !fwd, client: dst, server: src, cport: dport, sport: sport}
		}
		c.http = hc
	}
	d := 0
	if fwd != hc.clientFwd {
		d = 1
	}
	flags := tcp[13]
	if flags&0x10 != 0 { // ACK: how far the peer's data was received
		p := &hc.dir[1-d]
		ack := binary.BigEndian.Uint32(tcp[8:12])
		if !p.ackSeen || int32(ack-p.acked) > 0 {
			p.acked, p.ackSeen = ack, true
		}
		if len(p.held) > 0 {
			o.resync(hc, 1-d, ts)
		}
	}
	o.tcp(hc, d, tcpSeq(tcp), flags, payload, ts)
	if hc.dead || (hc.dir[0].closed && hc.dir[1].closed) || flags&0x04 != 0 {
		o.close(hc, ts)
		c.http = nil
	}
}

// tcp places one segment of direction d in sequence.
func (o *httpObjs) tcp(hc *httpConn, d int, seq uint32, flags byte, payload []byte, ts time.Time) {
	st := &hc.dir[d]
	if flags&0x02 != 0 { // SYN
		st.next, st.started = seq+1, true
		seq++
		if len(payload) == 0 {
			return
		}
	}
	if !st.started {
		if len(payload) == 0 {
			return
		}
		st.next, st.started = seq, true
	}
	fin := flags&0x01 != 0
	off := int32(seq - st.next)
	switch {
	case off > 0: // after a gap: hold it
		if len(payload) > 0 || fin {
			o.hold(hc, d, seq, payload, fin, ts)
		}
		return
	case off < 0:
		if int(-off) >= len(payload) {
			return // a retransmission
		}
		payload = payload[-off:]
	}
	o.deliver(hc, d, payload, ts)
	if fin {
		o.fin(hc, d, ts)
	}
	o.drain(hc, d, ts)
}

// hold keeps a segment that came after a gap; past the limits, the gap is
// given up and the direction left.
func (o *httpObjs) hold(hc *httpConn, d int, seq uint32, payload []byte, fin bool, ts time.Time) {
	st := &hc.dir[d]
	n := len(payload)
	if st.heldBytes+n > maxHeldPerDir || o.held+n > maxHeldBytes || len(st.held) >= 256 {
		o.lose(hc, d, ts)
		return
	}
	if n > 0 {
		st.held = append(st.held, heldSeg{seq: seq, data: bytes.Clone(payload)})
	}
	if fin { // a FIN takes the sequence number after the data: a marker without data
		st.held = append(st.held, heldSeg{seq: seq + uint32(n)})
	}
	st.heldBytes += n
	o.held += n
}

// resync gives up a gap in direction d that the peer acknowledged: data
// that was received but not captured, never to be seen. The body in
// progress is incomplete; parsing goes on at the first held segment when
// that starts a message (as tshark does), else the direction is left.
func (o *httpObjs) resync(hc *httpConn, d int, ts time.Time) {
	st := &hc.dir[d]
	if !st.ackSeen || int32(st.acked-st.next) <= 0 || len(st.held) == 0 {
		return
	}
	first := 0
	for i, h := range st.held {
		if int32(h.seq-st.held[first].seq) < 0 {
			first = i
		}
	}
	h := st.held[first]
	if int32(h.seq-st.acked) > 0 {
		return // the gap is not wholly acknowledged yet
	}
	starts := false
	if d == 0 {
		_, starts, _ = parseHTTPRequest(h.data)
	} else {
		_, starts = parseHTTPResponse(h.data)
	}
	o.endBody(st, true)
	if !starts {
		o.lose(hc, d, ts)
		return
	}
	o.skipped.resynced++
	o.dropHead(st)
	st.state, st.line, st.next = stHead, st.line[:0], h.seq
	o.drain(hc, d, ts)
}

// drain delivers the held segments that the stream has reached.
func (o *httpObjs) drain(hc *httpConn, d int, ts time.Time) {
	st := &hc.dir[d]
	for moved := true; moved && len(st.held) > 0 && st.state != stDead; {
		moved = false
		for i := 0; i < len(st.held); i++ {
			h := st.held[i]
			off := int32(h.seq - st.next)
			if off > 0 {
				continue
			}
			st.held = append(st.held[:i], st.held[i+1:]...)
			i--
			st.heldBytes -= len(h.data)
			o.held -= len(h.data)
			moved = true
			if h.data == nil { // a FIN
				if off == 0 {
					o.fin(hc, d, ts)
				}
				continue
			}
			if int(-off) < len(h.data) {
				o.deliver(hc, d, h.data[-off:], ts)
			}
		}
	}
}

// dropHead empties the head buffer of st; a large one is let go, so that
// an idle connection does not keep it.
func (o *httpObjs) dropHead(st *httpDir) {
	o.heads -= len(st.head)
	st.head = st.head[:0]
	if cap(st.head) > 4<<10 {
		st.head = nil
	}
}

// lose gives up a direction at a gap it cannot fill: its object in
// progress is incomplete, and the connection is no longer followed (its
// messages can no longer be told apart).
func (o *httpObjs) lose(hc *httpConn, d int, ts time.Time) {
	o.skipped.lost++
	o.endBody(&hc.dir[d], true)
	o.dropHead(&hc.dir[d])
	hc.dir[d].state = stDead
	hc.dead = true
}

// fin ends direction d: a body read until the close is complete.
func (o *httpObjs) fin(hc *httpConn, d int, ts time.Time) {
	st := &hc.dir[d]
	st.closed = true
	st.next++
	switch st.state {
	case stUntilClose:
		o.endBody(st, false)
		st.state = stHead
	case stHead:
	default:
		o.endBody(st, true)
	}
}

// close stops following hc: whatever is in progress is incomplete.
func (o *httpObjs) close(hc *httpConn, ts time.Time) {
	for d := range hc.dir {
		st := &hc.dir[d]
		if len(st.held) > 0 {
			// Give the held data its chance: a gap at the end of the capture
			// leaves the bodies after it incomplete.
			o.endBody(st, true)
			for _, h := range st.held {
				o.held -= len(h.data)
			}
			st.held = nil
		}
		o.endBody(st, st.state != stUntilClose || !st.closed)
		o.dropHead(st)
		st.state = stDead
	}
	hc.dead = true
	o.conns--
}

// deliver parses in-order bytes of direction d.
func (o *httpObjs) deliver(hc *httpConn, d int, b []byte, ts time.Time) {
	st := &hc.dir[d]
	st.next += uint32(len(b))
	for len(b) > 0 {
		switch st.state {
		case stDead:
			return
		case stHead:
			if len(st.head) == 0 {
				// Empty lines between messages are allowed (RFC 9112 section 2.2).
				for len(b) > 0 && (b[0] == '\r' || b[0] == '\n') {
					b = b[1:]
				}
				if len(b) == 0 {
					return
				}
			}
			from := max(0, len(st.head)-3)
			take := min(len(b), maxHeadBytes-len(st.head))
			st.head = append(st.head, b[:take]...)
			o.heads += take
			end := headEnd(st.head, from)
			if end < 0 {
				if len(st.head) >= maxHeadBytes || o.heads > maxHeadTotal {
					o.lose(hc, d, ts)
					return
				}
				b = b[take:]
				continue
			}
			// Bytes of b past the head go on to the body.
			b = b[take-(len(st.head)-end):]
			head := st.head[:end]
			if d == 0 {
				o.requestHead(hc, head, ts)
			} else {
				o.responseHead(hc, head, ts)
			}
			o.dropHead(st)
			if hc.dead {
				return
			}
		case stBodyLen, stChunkData:
			n := int(min(int64(len(b)), st.remain))
			st.body.write(b[:n])
			b = b[n:]
			st.remain -= int64(n)
			if st.remain == 0 {
				if st.state == stBodyLen {
					o.endBody(st, false)
					st.state = stHead
				} else {
					st.state = stChunkCRLF
				}
			}
		case stChunkCRLF:
			if b[0] == '\r' {
				b = b[1:]
				continue
			}
			if b[0] != '\n' {
				o.lose(hc, d, ts)
				return
			}
			b = b[1:]
			st.state = stChunkSize
		case stChunkSize, stTrailer:
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				if len(st.line)+len(b) > 1024 {
					o.lose(hc, d, ts)
					return
				}
				st.line = append(st.line, b...)
				return
			}
			line := b[:i]
			if len(st.line) > 0 {
				st.line = append(st.line, line...)
				line = st.line
			}
			b = b[i+1:]
			line = bytes.TrimSuffix(line, []byte{'\r'})
			if st.state == stTrailer {
				st.line = st.line[:0]
				if len(line) == 0 {
					o.endBody(st, false)
					st.state = stHead
				}
				continue
			}
			size, ok := httpChunkSize(line)
			st.line = st.line[:0]
			switch {
			case !ok:
				o.lose(hc, d, ts)
				return
			case size == 0:
				st.state = stTrailer
			default:
				st.remain, st.state = size, stChunkData
			}
		case stUntilClose:
			st.body.write(b)
			return
		}
	}
}

// headEnd returns the length of the head in b up to and including the
// empty line that ends it, looking from byte from on; -1 if not there.
func headEnd(b []byte, from int) int {
	for i := from; i < len(b); i++ {
		if b[i] != '\n' {
			continue
		}
		if i >= 1 && b[i-1] == '\n' {
			return i + 1
		}
		if i >= 2 && b[i-1] == '\r' && b[i-2] == '\n' {
			return i + 1
		}
	}
	return -1
}

// httpChunkSize parses a chunk-size line (hex digits, then extensions after ';').
func httpChunkSize(line []byte) (int64, bool) {
	if i := bytes.IndexByte(line, ';'); i >= 0 {
		line = line[:i]
	}
	line = trimOWS(line)
	if len(line) == 0 || len(line) > 15 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(line), 16, 64)
	return n, err == nil && n >= 0
}

// msgHead holds the headers of a message head that frame and describe its body.
type msgHead struct {
	length            int64 // Content-Length, -1 when absent
	chunked           bool
	ctype, encoding   []byte
	referer           []byte
	upgrade, badFrame bool
}

// readHead scans the header lines of head (after its first line).
func readHead(head []byte) msgHead {
	m := msgHead{length: -1}
	i := bytes.IndexByte(head, '\n')
	for p := i + 1; i >= 0 && p < len(head); {
		nl := bytes.IndexByte(head[p:], '\n')
		if nl < 0 {
			break
		}
		line := bytes.TrimSuffix(head[p:p+nl], []byte{'\r'})
		p += nl + 1
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			continue
		}
		name, value := line[:colon], trimOWS(line[colon+1:])
		switch {
		case asciiEqualFold(name, "content-length"):
			n, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || n < 0 || (m.length >= 0 && n != m.length) {
				m.badFrame = true
			}
			m.length = n
		case asciiEqualFold(name, "transfer-encoding"):
			last := value
			if j := bytes.LastIndexByte(value, ','); j >= 0 {
				last = trimOWS(value[j+1:])
			}
			m.chunked = asciiEqualFold(last, "chunked")
			if !m.chunked {
				m.badFrame = true // another coding last: read until close
			}
		case asciiEqualFold(name, "content-type") && m.ctype == nil:
			m.ctype = value
		case asciiEqualFold(name, "content-encoding") && m.encoding == nil:
			m.encoding = value
		case asciiEqualFold(name, "referer") && m.referer == nil:
			m.referer = value
		}
	}
	return m
}

// requestHead starts a transaction at a request head from the client.
func (o *httpObjs) requestHead(hc *httpConn, head []byte, ts time.Time) {
	req, ok, complete := parseHTTPRequest(head)
	if !ok || !complete {
		o.lose(hc, 0, ts)
		return
	}
	m := readHead(head)
	o.txTotal++
	var txi int32
	if len(o.tx) < maxHTTPTransactions {
		tx := httpTx{t: ts, client: hc.client, server: hc.server, cport: hc.cport, sport: hc.sport, size: -1}
		tx.method = o.strs.get(req.method, MaxNameLen)
		tx.host = o.strs.get(req.host, MaxNameLen)
		tx.target = cutString(req.target, MaxTargetLen)
		tx.referer = o.strs.get(m.referer, MaxTargetLen)
		tx.agent = o.strs.get(req.userAgent, MaxUserAgentLen)
		n := len(tx.method) + len(tx.host) + len(tx.target) + len(tx.referer) + len(tx.agent)
		if o.txBytes+n <= maxTransactionBytes {
			o.txBytes += n
			o.tx = append(o.tx, tx)
			txi = int32(len(o.tx))
		}
	}
	if len(hc.pending) < maxPendingRequests {
		hc.pending = append(hc.pending, pendingReq{tx: txi, head: string(req.method) == "HEAD"})
	} else {
		o.skipped.pendingFull++
	}
	st := &hc.dir[0]
	switch {
	case m.chunked:
		st.state = stChunkSize
	case m.length > 0:
		st.state, st.remain = stBodyLen, m.length
	default:
		return // a request without a body (a request is never read until close)
	}
	st.body = o.newObject(txi, true, &m, ts)
}

// responseHead pairs a response head with the oldest request waiting.
func (o *httpObjs) responseHead(hc *httpConn, head []byte, ts time.Time) {
	status, ok := parseHTTPResponse(head)
	if !ok {
		o.lose(hc, 1, ts)
		return
	}
	m := readHead(head)
	var req pendingReq
	if status >= 200 || status == 101 {
		if len(hc.pending) > 0 {
			req = hc.pending[0]
			hc.pending = append(hc.pending[:0], hc.pending[1:]...)
		}
	}
	if req.tx > 0 {
		tx := &o.tx[req.tx-1]
		tx.status = status
		tx.ctype = o.strs.get(m.ctype, maxTypeLen)
		tx.size = 0
	}
	st := &hc.dir[1]
	switch {
	case status == 101:
		// Switching protocols (WebSocket...): no more HTTP/1.x here.
		hc.dead = true
		return
	case status < 200 || status == 204 || status == 304 || req.head:
		return
	case m.chunked:
		st.state = stChunkSize
	case m.length == 0:
		return
	case m.length > 0 && !m.badFrame:
		st.state, st.remain = stBodyLen, m.length
	default:
		st.state = stUntilClose
	}
	st.body = o.newObject(req.tx, false, &m, ts)
}

// interned keeps one copy of each short string the transaction and object
// lists repeat: methods, hosts, Referers, User-Agents, content types and
// codings. On the generated 10 GB capture the 20,000 transactions and
// 10,000 objects held 17 MB, most of it these strings again and again, which
// pushed the live heap past the memory budget (internal/gcpolicy). At most
// maxInterned strings of up to maxInternLen bytes are kept (about 1 MiB);
// past that each is copied as before.
type interned map[string]string

const (
	maxInterned  = 4096
	maxInternLen = 256
)

// get returns b cut to limit bytes (cutString), the kept copy when there is one.
func (m *interned) get(b []byte, limit int) string {
	if len(b) > limit || len(b) > maxInternLen {
		return cutString(b, limit)
	}
	if s, ok := (*m)[string(b)]; ok {
		return s
	}
	s := string(b)
	if *m == nil {
		*m = make(interned)
	}
	if len(*m) < maxInterned {
		(*m)[s] = s
	}
	return s
}

// cutString copies b cut to limit bytes (appendCut).
func cutString(b []byte, limit int) string {
	if len(b) <= limit {
		return string(b)
	}
	s, _ := appendCut(nil, b, limit)
	return string(s)
}

// endBody finishes the object of st, incomplete when bytes are missing.
func (o *httpObjs) endBody(st *httpDir, incomplete bool) {
	w := st.body
	if w == nil {
		return
	}
	st.body = nil
	st.remain = 0
	o.finish(w, incomplete)
}
