package analyze

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Bounds on the HTTP and TLS analysis, so that a capture crafted to hold
// millions of distinct URLs or open streams cannot exhaust memory. Counts
// of messages stay exact; only the distinct entries kept are capped.
const (
	maxHTTPRequests  = 50_000 // distinct method+URL kept
	maxDistinctNames = 20_000 // distinct hosts, user agents, server names kept
	maxOpenStreams   = 4_096  // TCP directions buffered at once for a split message
	// maxRequestBytes bounds the text of the distinct requests kept
	// (method, Host and target, each cut to its limit): 50,000 requests of
	// 2 KiB targets would otherwise keep about 120 MB, and as much again
	// in the Summary's URLs. Real captures stay far below: 16 MiB is
	// 50,000 URLs of 335 bytes.
	maxRequestBytes = 16 << 20
)

// dirState follows one direction of a TCP conversation, looking for an HTTP
// request or response or a TLS ClientHello at the start of its segments.
type dirState struct {
	buf      *streamBuf // a message that spans segments, being assembled
	last     uint32     // sequence number of the last message found
	bufTLS   bool       // buf holds a ClientHello (else an HTTP request)
	seenLast bool
	helloed  bool // a ClientHello was found: nothing more to look for
}

// web counts HTTP requests and responses and TLS ClientHellos.
type web struct {
	requests     map[string]*urlCount // key: appendField of method, host, target
	hosts        nameCounts
	agents       nameCounts
	methods      nameCounts
	status       map[int]int64
	httpRequests int64
	responses    int64

	sni        map[string]*clientCount
	versions   map[uint16]int64
	alpn       nameCounts
	hellos     int64
	withoutSNI int64
	ech        int64

	open  int          // streams being assembled
	spare []*streamBuf // released buffers, reused
	key   []byte       // scratch
	lower []byte       // scratch
	cut   []byte       // scratch: a field cut to its limit
	names *passiveNames

	requestBytes int64   // length of the keys of requests
	requestsFull bool    // a new request was not kept
	cuts         webCuts // strings cut to their limit, by field

	quic quicState    // ClientHellos in QUIC Initials (quic.go)
	fp   fingerprints // JA4 and JA3 (tlsfp.go)
	// helloSNI is the server name of the last ClientHello read, valid
	// until the next segment (certs.segment copies it).
	helloSNI []byte
	creds    *creds // HTTP Basic credentials go here (creds.go)
}

// webCuts counts the HTTP and TLS strings cut to their limit (see appendCut).
type webCuts struct{ host, target, agent, sni int64 }

type urlCount struct{ clientCount }

// clientCount is a count with the clients behind it, at most
// maxClientsPerName of them remembered. Most names and URLs have a client
// or two, so the first few are kept in a slice and a map is made only
// past fewClients: a map per key was most of the memory of the 10 GB
// generated capture (30,000 URLs).
type clientCount struct {
	count, clientsTotal int64
	few                 []ipCount
	many                map[netip.Addr]int64 // all clients, once there are more than fewClients
}

type ipCount struct {
	ip netip.Addr
	n  int64
}

const fewClients = 8

func (c *clientCount) add(client netip.Addr) {
	c.count++
	if c.many != nil {
		if n, ok := c.many[client]; ok {
			c.many[client] = n + 1
			return
		}
		c.clientsTotal++
		if len(c.many) < maxClientsPerName {
			c.many[client] = 1
		}
		return
	}
	if c.countFew(client) {
		return
	}
	c.clientsTotal++
	if len(c.few) < fewClients {
		c.few = append(c.few, ipCount{client, 1})
		return
	}
	c.many = make(map[netip.Addr]int64, 2*fewClients)
	for _, f := range c.few {
		c.many[f.ip] = f.n
	}
	c.many[client] = 1
	c.few = nil
}

// countFew counts one more for client if the few listed clients hold it.
func (c *clientCount) countFew(client netip.Addr) bool {
	for i := range c.few {
		if c.few[i].ip == client {
			c.few[i].n++
			return true
		}
	}
	return false
}

// reset empties c, keeping its slice for reuse.
func (c *clientCount) reset() {
	*c = clientCount{few: c.few[:0]}
}

func newWeb(names *passiveNames) web {
	return web{
		requests: map[string]*urlCount{}, hosts: nameCounts{}, agents: nameCounts{}, methods: nameCounts{},
		status: map[int]int64{}, sni: map[string]*clientCount{}, versions: map[uint16]int64{}, alpn: nameCounts{},
		key: make([]byte, 0, 512), names: names, fp: newFingerprints(),
	}
}

// segment looks at one TCP segment's payload in the direction st follows,
// from src to dst.
func (w *web) segment(st *dirState, seq uint32, payload []byte, src, dst netip.Addr) {
	if len(payload) == 0 {
		return
	}
	if st.buf != nil {
		if !st.buf.add(seq, payload) {
			return
		}
		if st.bufTLS {
			if h, ok, done := st.buf.hello(); done {
				if ok {
					w.hello(&h, src, dst)
					st.helloed = true
				}
				w.release(st)
			}
			return
		}
		if req, ok, done := st.buf.request(); done {
			if ok {
				w.request(&req, src, dst)
				st.last, st.seenLast = st.buf.start, true
			}
			w.release(st)
		}
		return
	}
	if st.seenLast && seq == st.last {
		return // a retransmission of the last message found
	}
	switch c := payload[0]; {
	case c == 0x16 && !st.helloed:
		h, ok, need := parseClientHello(payload)
		switch {
		case ok:
			w.hello(&h, src, dst)
			st.helloed = true
		case need > 0:
			// Split over segments, or over several TLS records.
			w.assemble(st, true, seq, payload, src, dst)
		}
	case c == 'H' && len(payload) >= 12 && string(payload[:7]) == "HTTP/1.":
		if status, ok := parseHTTPResponse(payload); ok {
			w.responses++
			w.status[status]++
			st.last, st.seenLast = seq, true
		}
	case 'A' <= c && c <= 'Z':
		req, ok, complete := parseHTTPRequest(payload)
		switch {
		case ok && complete:
			w.request(&req, src, dst)
			st.last, st.seenLast = seq, true
		case !complete:
			w.assemble(st, false, seq, payload, src, dst)
		}
	}
}

// assemble opens a buffer for a message that continues in later segments.
func (w *web) assemble(st *dirState, tls bool, seq uint32, payload []byte, src, dst netip.Addr) {
	if w.open >= maxOpenStreams {
		return
	}
	limit := defaultStreamLimit
	if tls {
		limit = helloStreamLimit
	}
	if n := len(w.spare); n > 0 {
		st.buf = w.spare[n-1]
		w.spare = w.spare[:n-1]
		st.buf.reset(seq, limit)
	} else {
		st.buf = newStreamBuf(seq, limit)
	}
	st.bufTLS = tls
	w.open++
	st.buf.add(seq, payload)
	// A ClientHello split over several records may already be complete.
	if tls {
		if h, ok, done := st.buf.hello(); done {
			if ok {
				w.hello(&h, src, dst)
				st.helloed = true
			}
			w.release(st)
		}
	}
}

func (w *web) release(st *dirState) {
	w.spare = append(w.spare, st.buf)
	st.buf = nil
	w.open--
}

// request counts an HTTP request from client to server.
func (w *web) request(r *httpRequest, client, server netip.Addr) {
	w.httpRequests++
	w.methods.add(r.method, maxDistinctNames)
	var cut bool
	w.cut, cut = appendCut(w.cut[:0], r.host, MaxNameLen)
	w.cuts.host += b2i(cut)
	w.lower = lowerASCII(w.lower[:0], w.cut)
	if len(r.host) > 0 {
		w.hosts.add(w.lower, maxDistinctNames)
		w.names.add(server, hostWithoutPort(r.host))
	}
	if len(r.userAgent) > 0 {
		w.cut, cut = appendCut(w.cut[:0], r.userAgent, MaxUserAgentLen)
		w.cuts.agent += b2i(cut)
		w.agents.add(w.cut, maxDistinctNames)
	}
	if len(r.authorization) > 0 && w.creds != nil {
		w.creds.httpBasic(r.authorization, client, server)
	}
	w.cut, cut = appendCut(w.cut[:0], r.target, MaxTargetLen)
	w.cuts.target += b2i(cut)
	k := appendField(w.key[:0], r.method)
	k = appendField(k, w.lower)
	k = appendField(k, w.cut)
	w.key = k
	u := w.requests[string(k)]
	if u == nil {
		if len(w.requests) >= maxHTTPRequests || w.requestBytes+int64(len(k)) > maxRequestBytes {
			w.requestsFull = true
			return
		}
		u = &urlCount{}
		w.requests[string(k)] = u
		w.requestBytes += int64(len(k))
	}
	u.add(client)
}

// hello counts a TLS ClientHello from client to server over TCP.
func (w *web) hello(h *clientHello, client, server netip.Addr) {
	w.helloOver(h, client, server, ja4TCP)
}

// helloOver counts a TLS ClientHello from client to server carried over
// transport, as JA4 names it: ja4TCP, ja4QUIC or ja4DTLS.
func (w *web) helloOver(h *clientHello, client, server netip.Addr, transport byte) {
	w.helloSNI = h.sni
	w.hellos++
	w.versions[h.maxVersion()]++
	for _, p := range h.protocols() {
		w.alpn.add(p, maxDistinctNames)
	}
	if h.ech {
		w.ech++
	}
	if len(h.sni) == 0 {
		w.withoutSNI++
		w.fp.add(h, transport, nil, client)
		return
	}
	w.names.add(server, h.sni)
	var cut bool
	w.cut, cut = appendCut(w.cut[:0], h.sni, MaxNameLen)
	w.cuts.sni += b2i(cut)
	k := lowerASCII(w.key[:0], w.cut)
	w.key = k
	w.fp.add(h, transport, k, client)
	c := w.sni[string(k)]
	if c == nil {
		if len(w.sni) >= maxDistinctNames {
			return
		}
		c = &clientCount{}
		w.sni[string(k)] = c
	}
	c.add(client)
}

// b2i is 1 for true, 0 for false.
func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// cutCounts lists the non-zero counts of strings cut, by field.
func cutCounts(m map[string]int64) []Count {
	maps.DeleteFunc(m, func(_ string, n int64) bool { return n == 0 })
	return sortedCounts(m)
}

func lowerASCII(dst, s []byte) []byte {
	for _, c := range s {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// hostWithoutPort drops a ":port" from a Host header (not from an IPv6 literal).
func hostWithoutPort(h []byte) []byte {
	if i := bytes.LastIndexByte(h, ':'); i >= 0 && bytes.Count(h, []byte{':'}) == 1 {
		return h[:i]
	}
	return h
}

// tcpSeq is the sequence number of a TCP header.
func tcpSeq(tcp []byte) uint32 { return binary.BigEndian.Uint32(tcp[4:8]) }

func (c *clientCount) clientList() []IPCount {
	out := make([]IPCount, 0, len(c.few)+len(c.many))
	for _, f := range c.few {
		out = append(out, IPCount{f.ip.String(), f.n})
	}
	for ip, n := range c.many {
		out = append(out, IPCount{ip.String(), n})
	}
	sortIPCounts(out)
	return out
}

func (w *web) summary() (HTTP, TLS) {
	h := HTTP{TotalRequests: w.httpRequests, TotalResponses: w.responses, RequestsTruncated: w.requestsFull}
	h.Requests = make([]HTTPRequest, 0, len(w.requests))
	methods := map[string]string{}
	for k, u := range w.requests {
		parts := splitFields(k, 3)
		r := HTTPRequest{Method: parts[0], Count: u.count, Clients: u.clientList(), ClientsTotal: u.clientsTotal}
		r.URL, r.Host, r.Path = requestStrings(parts[1], parts[2])
		m, ok := methods[r.Method]
		if !ok {
			m = strings.Clone(r.Method) // not a part of the key
			methods[m] = m
		}
		r.Method = m
		h.Requests = append(h.Requests, r)
	}
	sortHTTPRequests(h.Requests)
	h.Hosts = w.hosts.sorted()
	h.UserAgents = w.agents.sorted()
	h.Methods = w.methods.sorted()
	status := map[string]int64{}
	for s, n := range w.status {
		status[strconv.Itoa(s)] = n
	}
	h.StatusCodes = sortedCounts(status)
	h.StringsCut = cutCounts(map[string]int64{"host": w.cuts.host, "target": w.cuts.target, "user_agent": w.cuts.agent})

	t := TLS{ClientHellos: w.hellos, WithoutSNI: w.withoutSNI, ECH: w.ech}
	t.ServerNames = namedCounts(w.sni)
	versions := map[string]int64{}
	for v, n := range w.versions {
		versions[tlsVersionName(v)] += n
	}
	t.Versions = sortedCounts(versions)
	t.ALPN = w.alpn.sorted()
	t.QUIC = w.quic.summary()
	t.StringsCut = cutCounts(map[string]int64{"server_name": w.cuts.sni, "fingerprint_raw": w.fp.cutRaw})
	t.JA4, t.JA3 = w.fp.summary()
	t.FingerprintsTruncated = w.fp.full
	return h, t
}

// sortHTTPRequests orders requests by count desc, then URL and method asc.
func sortHTTPRequests(xs []HTTPRequest) {
	slices.SortFunc(xs, func(x, y HTTPRequest) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), strings.Compare(x.URL, y.URL), strings.Compare(x.Method, y.Method))
	})
}

// requestStrings returns the URL of a request with its host and target
// as parts of the URL's memory where they are, so that the Summary does
// not keep the map keys they come from.
func requestStrings(host, target string) (url, h, t string) {
	url = requestURL(host, target)
	if len(url) == len("http://")+len(host)+len(target) && strings.HasPrefix(url, "http://") {
		return url, url[7 : 7+len(host)], url[7+len(host):]
	}
	// The URL is the target as sent.
	return url, strings.Clone(host), url
}

// requestURL joins a Host header and a request target into a URL as the
// client meant it; absolute targets (proxies) and CONNECT targets stand alone.
func requestURL(host, target string) string {
	switch {
	case strings.HasPrefix(target, "/") && host != "":
		return "http://" + host + target
	case strings.HasPrefix(target, "/"):
		return target
	}
	return target
}

func tlsVersionName(v uint16) string {
	switch v {
	case 0x0300:
		return "SSL 3.0"
	case 0x0301:
		return "TLS 1.0"
	case 0x0302:
		return "TLS 1.1"
	case 0x0303:
		return "TLS 1.2"
	case 0x0304:
		return "TLS 1.3"
	}
	return "0x" + strconv.FormatUint(uint64(v), 16)
}
