package analyze

import "bytes"

// httpRequest is what the analysis reads from the head of an HTTP/1.x
// request. Every slice aliases the bytes given to parseHTTPRequest (or the
// streamBuf it came from): callers copy what they keep.
type httpRequest struct {
	// method is the request method, e.g. "GET"; it is 1 to maxMethodLen
	// bytes of A-Z, '-' and '_' (so also "M-SEARCH", "VERSION-CONTROL").
	method []byte
	// target is the request-target exactly as sent: "/path?query", an
	// absolute URI to a proxy, "host:port" for CONNECT, or "*".
	target []byte
	// minor is the minor version digit x of "HTTP/1.x", '0' to '9' ('0'
	// or '1' in practice).
	minor byte
	// host is the value of the first Host header with surrounding spaces and
	// tabs removed, nil when no complete Host line was seen.
	host []byte
	// userAgent is the value of the first User-Agent header, like host.
	userAgent []byte
	// authorization is the value of the first Authorization header, like
	// host (creds.go reads Basic credentials from it).
	authorization []byte
	// headerLen is the length of the request line and header block including
	// the empty line that ends it (where a body would start); 0 when the
	// header block is cut.
	headerLen int
}

// maxMethodLen bounds the method token. The longest registered method,
// "UPDATEREDIRECTREF", has 17 bytes.
const maxMethodLen = 24

// parseHTTPRequest recognises an HTTP/1.x request at the start of b: a
// request line "METHOD SP request-target SP HTTP/1.x" ended by CRLF or a bare
// LF, then header lines up to an empty line. It never allocates and never
// panics; the fields of req alias b.
//
// The two results mean:
//
//	ok     complete
//	true   true    a request; the whole header block is in b
//	true   false   the request line is in b, the header block is cut:
//	               req holds the headers of the complete lines
//	false  false   b is a prefix of what may still become a request line
//	               (empty, "GE", "GET /inde"): more bytes may decide
//	false  true    b does not start with an HTTP/1.x request
//
// Header names are compared without regard to ASCII case. Lines of the
// header block without a colon and obsolete line folding (lines starting
// with a space or tab) are skipped, not rejected. HTTP/0.9 requests
// ("GET /" with no version) and HTTP/2 (binary, starts "PRI * HTTP/2.0") are
// not recognised; HTTP/3 runs over QUIC, not TCP.
func parseHTTPRequest(b []byte) (req httpRequest, ok bool, complete bool) {
	// Method: a token of upper-case letters, '-' and '_', then one space.
	i := 0
	for i < len(b) && i < maxMethodLen && isMethodByte(b[i]) {
		i++
	}
	switch {
	case i == len(b):
		return req, false, false
	case i == 0 || b[i] != ' ':
		return req, false, true
	}
	req.method = b[:i]

	// Request-target: visible bytes up to the next space. Bytes over 0x7f
	// are accepted because some clients send raw UTF-8.
	start := i + 1
	j := start
	for j < len(b) && b[j] != ' ' {
		if c := b[j]; c < 0x21 || c == 0x7f {
			return httpRequest{}, false, true
		}
		j++
	}
	switch {
	case j == len(b):
		return httpRequest{}, false, false
	case j == start:
		return httpRequest{}, false, true
	}
	req.target = b[start:j]

	// Version, then CRLF or LF.
	const version = "HTTP/1."
	v := b[j+1:]
	for k := 0; k < len(version); k++ {
		if k == len(v) {
			return httpRequest{}, false, false
		}
		if v[k] != version[k] {
			return httpRequest{}, false, true
		}
	}
	k := len(version)
	switch {
	case k == len(v):
		return httpRequest{}, false, false
	case v[k] < '0' || v[k] > '9':
		return httpRequest{}, false, true
	}
	req.minor = v[k]
	k++
	if k < len(v) && v[k] == '\r' {
		k++
	}
	switch {
	case k == len(v):
		return httpRequest{}, false, false
	case v[k] != '\n':
		return httpRequest{}, false, true
	}
	p := j + 1 + k + 1 // first byte after the request line

	// Header lines. Only complete lines are read, so a value is never
	// reported cut short.
	for p < len(b) {
		nl := bytes.IndexByte(b[p:], '\n')
		if nl < 0 {
			break
		}
		line := b[p : p+nl]
		p += nl + 1
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if len(line) == 0 {
			req.headerLen = p
			return req, true, true
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // obsolete line folding: a continuation of the previous value
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			continue
		}
		name, value := line[:colon], trimOWS(line[colon+1:])
		switch {
		case req.host == nil && asciiEqualFold(name, "host"):
			req.host = value
		case req.userAgent == nil && asciiEqualFold(name, "user-agent"):
			req.userAgent = value
		case req.authorization == nil && asciiEqualFold(name, "authorization"):
			req.authorization = value
		}
	}
	return req, true, false
}

// parseHTTPResponse reads the status code from an HTTP/1.x status line at
// the start of b: "HTTP/1.x NNN", then a space, CR, LF or the end of b. The
// code must be 100 to 999.
func parseHTTPResponse(b []byte) (status int, ok bool) {
	const version = "HTTP/1."
	if len(b) < len(version)+5 || string(b[:len(version)]) != version {
		return 0, false
	}
	if c := b[7]; c < '0' || c > '9' || b[8] != ' ' {
		return 0, false
	}
	for _, c := range b[9:12] {
		if c < '0' || c > '9' {
			return 0, false
		}
		status = status*10 + int(c-'0')
	}
	if status < 100 {
		return 0, false
	}
	if len(b) > 12 && b[12] != ' ' && b[12] != '\r' && b[12] != '\n' {
		return 0, false
	}
	return status, true
}

func isMethodByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || c == '-' || c == '_'
}

// trimOWS removes the spaces and tabs around a header value.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// asciiEqualFold reports whether b equals the lower-case ASCII string lower,
// ignoring the case of b.
func asciiEqualFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// Stream buffer limits: how many bytes from its start a streamBuf keeps.
const (
	// defaultStreamLimit is for HTTP request heads. Browsers' heads are
	// well under 4 KiB; a request line longer than the limit is not found.
	defaultStreamLimit = 4 << 10
	// helloStreamLimit is for TLS ClientHellos: those with post-quantum
	// key shares are about 1.2 to 2 KiB, padded hellos can be larger.
	helloStreamLimit = 16 << 10
)

// streamBuf collects the first bytes of one direction of a TCP stream, for
// an HTTP request head or a TLS ClientHello that spans several segments.
// The caller keys its streamBufs by connection and direction (addresses and
// ports). For a segment with data and no streamBuf open it parses the
// payload in place; when that finds the start of a request or hello but not
// all of it (parseHTTPRequest's complete=false, parseClientHello's ok=false
// with need>0), it opens a streamBuf at the segment's sequence number and
// adds the payload. Every later payload of that direction goes to add, then
// to request or hello; when they say done, the caller drops the streamBuf.
// Since any segment may start a request, later requests on a keep-alive
// connection are found too, as long as each starts a segment (browsers'
// do). A segment at the sequence number where the last message found in its
// direction started is a retransmission of it, to be skipped.
//
// It copies what it keeps, so the payload passed to add may be the packet
// buffer a reader reuses. add allocates only to grow the buffer, up to
// limit bytes; reset keeps the buffer, so a reused streamBuf allocates
// nothing.
//
// Limits, by design:
//   - Bytes are placed by sequence number relative to the start given to
//     newStreamBuf or reset. Data before the start is dropped, and so is
//     data at or after start+limit.
//   - A retransmission adds only the bytes not already held: bytes in the
//     contiguous part are never overwritten.
//   - One out-of-order range (data after a gap) is held until the gap fills.
//     A second disjoint range after a gap is dropped; if it is never
//     retransmitted the streamBuf stays incomplete until it hits its limit
//     or the caller drops it (at FIN, RST or an idle timeout).
//   - Sequence numbers wrap as TCP's do: offsets are computed modulo 2^32,
//     and a segment starting 2^31 bytes or more after the start counts as
//     before it.
type streamBuf struct {
	// data holds the stream from start: data[:n] is contiguous; when
	// pendEnd > 0, data[pendOff:pendEnd] holds bytes after a gap
	// (n < pendOff). len(data) is the highest offset written; cap(data) <= limit.
	data             []byte
	n                int
	pendOff, pendEnd int
	start            uint32 // sequence number of data[0]
	limit            int    // bytes kept at most, > 0
	// scanned is n when request last parsed: it skips re-parsing until a
	// new line ends. need is parseClientHello's need from the last call.
	scanned, need int
	done          bool // the last request or hello call said done
}

// newStreamBuf returns an empty streamBuf for a stream whose first kept
// byte has sequence number seq, keeping at most limit bytes
// (defaultStreamLimit when limit <= 0).
func newStreamBuf(seq uint32, limit int) *streamBuf {
	s := &streamBuf{}
	s.reset(seq, limit)
	return s
}

// reset empties s for a new stream, keeping its buffer.
func (s *streamBuf) reset(seq uint32, limit int) {
	if limit <= 0 {
		limit = defaultStreamLimit
	}
	*s = streamBuf{data: s.data[:0], start: seq, limit: limit}
}

// add copies payload, which starts at sequence number seq, into s. It
// reports whether the contiguous bytes from the start grew; a retransmission,
// data past a gap and data outside the limit return false.
func (s *streamBuf) add(seq uint32, payload []byte) bool {
	if s.done || len(payload) == 0 {
		return false
	}
	off := int(int32(seq - s.start))
	if off < 0 {
		if -off >= len(payload) {
			return false // wholly before the start
		}
		payload = payload[-off:]
		off = 0
	}
	if off >= s.limit {
		return false
	}
	end := min(off+len(payload), s.limit)
	payload = payload[:end-off]
	if off > s.n { // after a gap
		switch {
		case s.pendEnd == 0:
			s.pendOff, s.pendEnd = off, end
		case off <= s.pendEnd && end >= s.pendOff: // touches the held range
			s.pendOff, s.pendEnd = min(s.pendOff, off), max(s.pendEnd, end)
		default:
			return false
		}
		s.write(off, payload)
		return false
	}
	if end <= s.n {
		return false // a retransmission of bytes already held
	}
	s.write(s.n, payload[s.n-off:])
	s.n = end
	if s.pendEnd > 0 && s.pendOff <= s.n {
		s.n = max(s.n, s.pendEnd)
		s.pendOff, s.pendEnd = 0, 0
	}
	return true
}

// write copies p to data[off:], growing data as needed.
func (s *streamBuf) write(off int, p []byte) {
	end := off + len(p)
	if end > cap(s.data) {
		c := min(s.limit, max(end, 2*cap(s.data), 512))
		d := make([]byte, len(s.data), c)
		copy(d, s.data)
		s.data = d
	}
	if end > len(s.data) {
		s.data = s.data[:end]
	}
	copy(s.data[off:], p)
}

// bytes returns the contiguous bytes from the start. The slice is valid
// until the next add or reset.
func (s *streamBuf) bytes() []byte { return s.data[:s.n] }

// full reports whether s holds limit contiguous bytes and takes no more.
func (s *streamBuf) full() bool { return s.n >= s.limit }

// request parses the bytes held as an HTTP request head. done says the
// caller can drop s: the header block is complete, the bytes are not an
// HTTP/1.x request, or the limit is reached. Only when done are req and ok
// meaningful: ok says whether a request line was found (req as from
// parseHTTPRequest, its slices valid until the next reset). With ok and the
// limit reached, the header block was cut and req holds what was found.
//
// It re-parses only when a new line end arrived since the last call (or the
// limit is reached), so feeding a head byte by byte costs O(lines × size)
// rather than O(size²). Once it has said done, later calls return done with
// a zero req.
func (s *streamBuf) request() (req httpRequest, ok, done bool) {
	if s.done {
		return httpRequest{}, false, true
	}
	b := s.data[:s.n]
	if !s.full() && s.scanned > 0 && bytes.IndexByte(b[s.scanned:], '\n') < 0 {
		s.scanned = s.n
		return httpRequest{}, false, false
	}
	s.scanned = s.n
	req, ok, complete := parseHTTPRequest(b)
	if !complete && !s.full() {
		return httpRequest{}, false, false
	}
	s.done = true
	return req, ok, true
}

// hello parses the bytes held as a TLS ClientHello. done says the caller
// can drop s: a ClientHello was read (ok), the bytes are not one, or it
// needs more than the limit. Only when done are hello and ok meaningful;
// hello's slices are valid until the next reset.
//
// A hello split over several TLS records is joined in place in s's buffer,
// so after that s takes no more bytes. Once it has said done, later calls
// return done with a zero hello.
func (s *streamBuf) hello() (hello clientHello, ok, done bool) {
	if s.done {
		return hello, false, true
	}
	if s.n < s.need && !s.full() {
		return hello, false, false
	}
	b := s.data[:s.n]
	hello, ok, need := parseClientHello(b)
	switch {
	case ok || need == 0:
	case need > s.limit:
		hello, ok = clientHello{}, false
	case need > len(b):
		s.need = need
		return clientHello{}, false, false
	default: // complete, but spread over several records
		hello, ok = parseFragmentedHello(b[:need])
	}
	s.done = true
	return hello, ok, true
}
