package analyze

import (
	"bytes"
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// FTP data transfers as objects.
//
// A TCP connection to or from port 21 is followed as an FTP control
// connection: its lines are read in sequence order (a gap drops the line
// in progress). PORT and EPRT from the client, and the replies 227 (PASV)
// and 229 (EPSV) from the server, name the end that will listen for the
// data connection; the next TCP connection whose first packet reaches
// (or comes from) that address and port is the data connection. RETR,
// STOR, STOU, APPE, LIST, NLST and MLSD name what it carries; the final
// reply (226, 426...) is kept with the transfer.
//
// The data connection's bytes are placed in sequence order (out-of-order
// segments held within maxFTPHeldPerConn and maxFTPHeld) and stream into
// SHA-256 (and MD5 and SHA-1 for file-like kinds, as for HTTP objects)
// and, with Options.Objects, into a file: a file is never held whole. A
// gap that cannot be filled ends the object there, incomplete.
const (
	// Control and data connections followed at once: past these, the one
	// followed longest is given up for the new one (a connection never
	// closed in the capture does not hold its place). A control connection
	// expects at most one data connection.
	maxFTPControl     = 256
	maxFTPData        = 64
	maxFTPObjects     = 10_000
	maxFTPNameBytes   = 4 << 20 // file names of the transfers listed
	maxFTPLine        = 1024    // a control line longer is dropped
	maxFTPHeldPerConn = 256 << 10
	maxFTPHeld        = 4 << 20 // out-of-order data bytes held, all data connections
	maxFTPHeldSegs    = 256
)

// ftpObjs follows FTP control and data connections.
type ftpObjs struct {
	sink   ObjectSink
	hasher *bodyHasher // shared with the HTTP objects (aggregate.go), else its own
	ctls   []*ftpFlow  // control connections followed now, oldest first
	// expect finds the control connection that expects a data connection
	// to an address and port: at most two entries per control connection.
	expect map[ftpEndpoint]*ftpCtl
	data   []*ftpFlow // data connections followed now, oldest first
	held   int        // out-of-order bytes held

	objs      []ftpObj
	nameBytes int
	objTotal  int64
	skipped   struct {
		ctls, data, lost, notWritten, unmatched int64
	}
}

type ftpEndpoint struct {
	addr netip.Addr
	port uint16
}

// ftpFlow is what a flow is to the FTP follower: a control connection or
// a data connection (flowCount.ftp).
type ftpFlow struct {
	ctl    *ftpCtl
	data   *ftpData
	closed bool // no longer followed (close)
}

// ftpCtl is a control connection.
type ftpCtl struct {
	o              *ftpObjs
	client, server netip.Addr
	cport, sport   uint16
	clientFwd      bool // the client is the flow's A end
	next           [2]uint32
	started        [2]bool
	line           [2][]byte
	skipLine       [2]bool // the line in progress is too long: dropped

	// The expected data connection: the listening end (and, for PASV, the
	// control server's address, which clients behind NAT use instead).
	expect      bool
	passive     bool
	listen, alt netip.Addr
	listenPort  uint16
	pendingCmd  string // a transfer command waiting for its data connection
	pendingArg  string
	pendingAt   time.Time
	cur         *ftpData // the data connection of the last transfer
	curObj      int      // index in objs + 1 of the last transfer listed, 0 none
	waitReply   bool
	fin         [2]bool // a FIN from the client, from the server
	closed      bool    // a RST, or both FINs
}

// ftpData is a data connection being followed.
type ftpData struct {
	ctl       *ftpCtl
	rec       ftpObj
	named     bool // the command is known
	dir       int  // the direction carrying data (0 the flow's A to B), -1 until one does
	next      [2]uint32
	started   [2]bool
	held      []heldSeg
	heldBytes int
	lost      bool     // a gap given up: the object ends there
	body      bodyFeed // to the hasher (httpobj_hash.go); its h is nil once listed
	done      bool
}

// ftpObj is a transfer as kept.
type ftpObj struct {
	t              time.Time
	client, server netip.Addr
	cport, sport   uint16
	passive        bool
	dataPort       uint16
	upload         bool
	command, name  string
	reply          int
	size           int64
	sniffed, kind  string
	sha256         [32]byte
	md5            [16]byte
	sha1           [20]byte
	weakHashes     bool
	incomplete     bool
	file           string
}

func newFTPObjs(sink ObjectSink) ftpObjs {
	return ftpObjs{sink: sink, expect: map[ftpEndpoint]*ftpCtl{}}
}

// wants says whether a TCP packet of a flow not followed yet should be
// looked at: a first packet of a flow on port 21, or of any flow while a
// data connection is expected.
func (o *ftpObjs) wants(sport, dport uint16) bool {
	return sport == 21 || dport == 21 || len(o.expect) > 0
}

// segment follows one TCP segment of flow c, sent by its A end when fwd.
// newFlow says it is the flow's first packet.
func (o *ftpObjs) segment(c *flowCount, fwd, newFlow bool, tcp, payload []byte, ts time.Time, src, dst netip.Addr, sport, dport uint16) {
	f := c.ftp
	if f != nil && f.closed { // given up for a newer connection
		c.ftp = nil
		return
	}
	if f == nil {
		if !newFlow {
			return
		}
		if f = o.start(fwd, src, dst, sport, dport, ts); f == nil {
			return
		}
		c.ftp = f
	}
	d := 0
	if !fwd {
		d = 1
	}
	flags := tcp[13]
	if f.ctl != nil {
		o.control(f.ctl, d, tcpSeq(tcp), flags, payload, ts)
		if flags&0x05 != 0 && f.ctl.closed {
			o.close(f)
			c.ftp = nil
		}
		return
	}
	o.dataSegment(f.data, d, tcpSeq(tcp), flags, payload)
	if f.data.done {
		o.close(f)
		c.ftp = nil
	}
}

// start decides what a new flow is: a control connection (port 21) or an
// expected data connection.
func (o *ftpObjs) start(fwd bool, src, dst netip.Addr, sport, dport uint16, ts time.Time) *ftpFlow {
	if len(o.expect) > 0 && sport != 21 && dport != 21 { // a connection on port 21 is a control connection
		ctl := o.expect[ftpEndpoint{dst.Unmap(), dport}]
		if ctl == nil {
			ctl = o.expect[ftpEndpoint{src.Unmap(), sport}]
		}
		if ctl != nil {
			o.unexpect(ctl)
			return o.startData(ctl, ts)
		}
	}
	if sport != 21 && dport != 21 {
		return nil
	}
	if len(o.ctls) >= maxFTPControl {
		o.skipped.ctls++
		o.close(o.ctls[0])
	}
	ctl := &ftpCtl{o: o, clientFwd: fwd, client: src, server: dst, cport: sport, sport: dport}
	if sport == 21 && dport != 21 { // the server's packet first
		ctl = &ftpCtl{o: o, clientFwd: !fwd, client: dst, server: src, cport: dport, sport: sport}
	}
	f := &ftpFlow{ctl: ctl}
	o.ctls = append(o.ctls, f)
	return f
}

// unexpect forgets the data connection ctl expected.
func (o *ftpObjs) unexpect(ctl *ftpCtl) {
	if !ctl.expect {
		return
	}
	ctl.expect = false
	for _, a := range []netip.Addr{ctl.listen, ctl.alt} {
		k := ftpEndpoint{a, ctl.listenPort}
		if a.IsValid() && o.expect[k] == ctl {
			delete(o.expect, k)
		}
	}
}

// startData follows the data connection ctl expected.
func (o *ftpObjs) startData(ctl *ftpCtl, ts time.Time) *ftpFlow {
	if len(o.data) >= maxFTPData {
		o.skipped.data++
		o.close(o.data[0]) // listed as far as it went, incomplete
	}
	dc := &ftpData{ctl: ctl, dir: -1}
	dc.rec = ftpObj{t: ts, client: ctl.client, server: ctl.server, cport: ctl.cport, sport: ctl.sport,
		passive: ctl.passive, dataPort: ctl.listenPort}
	var file ObjectFile
	if o.sink != nil {
		if f, err := o.sink.Create(); err == nil {
			file = f
			o.hash().extracting.Add(1) // the hasher closes it
		} else {
			o.skipped.notWritten++
		}
	}
	dc.body = newBodyFeed(o.hash(), file, listFTP)
	if ctl.cur != nil && !ctl.cur.done {
		ctl.cur.ctl = nil // an earlier transfer still open: it keeps what it knows
	}
	ctl.cur, ctl.curObj = dc, 0
	if ctl.pendingCmd != "" {
		o.name(dc, ctl.pendingCmd, ctl.pendingArg, ctl.pendingAt)
		ctl.pendingCmd, ctl.pendingArg = "", ""
	}
	f := &ftpFlow{data: dc}
	o.data = append(o.data, f)
	return f
}

// name gives a data connection its command and file name.
func (o *ftpObjs) name(dc *ftpData, cmd, arg string, ts time.Time) {
	dc.named = true
	dc.rec.command, dc.rec.name = cmd, arg
	dc.rec.upload = cmd == "STOR" || cmd == "STOU" || cmd == "APPE"
	if ts.Before(dc.rec.t) {
		dc.rec.t = ts
	}
}

// control reads the lines of a control connection in sequence order.
func (o *ftpObjs) control(ctl *ftpCtl, d int, seq uint32, flags byte, payload []byte, ts time.Time) {
	side := 0 // 0 client, 1 server
	if (d == 0) != ctl.clientFwd {
		side = 1
	}
	if flags&0x01 != 0 {
		ctl.fin[side] = true
	}
	ctl.closed = flags&0x04 != 0 || ctl.fin[0] && ctl.fin[1]
	if flags&0x02 != 0 {
		ctl.next[side], ctl.started[side] = seq+1, true
		seq++
	}
	if len(payload) == 0 {
		return
	}
	if !ctl.started[side] {
		ctl.next[side], ctl.started[side] = seq, true
	}
	off := int32(seq - ctl.next[side])
	end := seq + uint32(len(payload))
	switch {
	case off > 0: // a gap: the line in progress is lost
		ctl.line[side] = ctl.line[side][:0]
		ctl.skipLine[side] = true
	case off < 0:
		if int(-off) >= len(payload) {
			return // a retransmission
		}
		payload = payload[-off:]
	}
	ctl.next[side] = end
	for len(payload) > 0 {
		i := bytes.IndexByte(payload, '\n')
		part := payload
		if i >= 0 {
			part = payload[:i]
			payload = payload[i+1:]
		} else {
			payload = nil
		}
		if !ctl.skipLine[side] {
			if len(ctl.line[side])+len(part) > maxFTPLine {
				ctl.skipLine[side] = true
				ctl.line[side] = ctl.line[side][:0]
			} else {
				ctl.line[side] = append(ctl.line[side], part...)
			}
		}
		if i < 0 {
			break
		}
		if !ctl.skipLine[side] {
			line := bytes.TrimSuffix(ctl.line[side], []byte{'\r'})
			if side == 0 {
				o.command(ctl, line, ts)
			} else {
				o.reply(ctl, line)
			}
		}
		ctl.line[side], ctl.skipLine[side] = ctl.line[side][:0], false
	}
	if cap(ctl.line[side]) > 4<<10 && len(ctl.line[side]) == 0 {
		ctl.line[side] = nil
	}
}

// command reads a line from the client.
func (o *ftpObjs) command(ctl *ftpCtl, line []byte, ts time.Time) {
	verb, arg, _ := bytes.Cut(line, []byte{' '})
	switch v := string(bytes.ToUpper(verb)); v {
	case "PORT":
		if a, p, ok := parseFTPHostPort(arg); ok {
			ctl.expectAt(a, netip.Addr{}, p, false)
		}
	case "EPRT":
		if a, p, ok := parseEPRT(arg); ok {
			ctl.expectAt(a, netip.Addr{}, p, false)
		}
	case "RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD":
		name := cutString(trimOWS(arg), MaxTargetLen)
		ctl.waitReply = true
		if dc := ctl.cur; dc != nil && !dc.named && dc.ctl == ctl {
			o.name(dc, v, name, ts)
			return
		}
		ctl.pendingCmd, ctl.pendingArg, ctl.pendingAt = v, name, ts
	}
}

// expectAt records the end that will listen for the next data connection.
func (ctl *ftpCtl) expectAt(listen, alt netip.Addr, port uint16, passive bool) {
	o := ctl.o
	o.unexpect(ctl)
	ctl.expect, ctl.passive = true, passive
	ctl.listen, ctl.alt, ctl.listenPort = listen.Unmap(), alt.Unmap(), port
	if ctl.alt == ctl.listen {
		ctl.alt = netip.Addr{}
	}
	ctl.pendingCmd, ctl.pendingArg = "", ""
	for _, a := range []netip.Addr{ctl.listen, ctl.alt} {
		if a.IsValid() {
			o.expect[ftpEndpoint{a, port}] = ctl // the latest expectation of an endpoint wins
		}
	}
}

// reply reads a line from the server: only the last line of a reply
// ("ddd text") counts.
func (o *ftpObjs) reply(ctl *ftpCtl, line []byte) {
	if len(line) < 3 || len(line) > 3 && line[3] != ' ' {
		return
	}
	code, err := strconv.Atoi(string(line[:3]))
	if err != nil || code < 100 || code > 599 {
		return
	}
	switch {
	case code == 227:
		// "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)": the numbers
		// start at the first digit after the code.
		rest := line[3:]
		i := bytes.IndexAny(rest, "0123456789")
		if i < 0 {
			return
		}
		j := i
		for j < len(rest) && (rest[j] == ',' || rest[j] >= '0' && rest[j] <= '9' || rest[j] == ' ') {
			j++
		}
		if a, p, ok := parseFTPHostPort(rest[i:j]); ok {
			ctl.expectAt(a, ctl.server, p, true)
		}
	case code == 229:
		// "229 Entering Extended Passive Mode (|||port|)": the control
		// connection's server.
		i := bytes.IndexByte(line, '(')
		k := bytes.LastIndexByte(line, ')')
		if i < 0 || k < i {
			return
		}
		parts := bytes.Split(line[i+1:k], line[i+1:i+2])
		if len(parts) == 5 {
			if p, err := strconv.ParseUint(string(parts[3]), 10, 16); err == nil && p > 0 {
				ctl.expectAt(ctl.server, netip.Addr{}, uint16(p), true)
			}
		}
	case code >= 200 && ctl.waitReply:
		// The final reply to a transfer command.
		ctl.waitReply = false
		if ctl.pendingCmd != "" && code >= 400 {
			ctl.pendingCmd, ctl.pendingArg = "", "" // refused: no data connection comes
		}
		if dc := ctl.cur; dc != nil && dc.ctl == ctl {
			dc.rec.reply = code
		} else if ctl.curObj > 0 && ctl.curObj <= len(o.objs) {
			o.objs[ctl.curObj-1].reply = code
		}
	}
}

// parseFTPHostPort reads "h1,h2,h3,h4,p1,p2".
func parseFTPHostPort(b []byte) (netip.Addr, uint16, bool) {
	parts := bytes.Split(bytes.TrimSpace(b), []byte{','})
	if len(parts) != 6 {
		return netip.Addr{}, 0, false
	}
	var n [6]byte
	for i, p := range parts {
		v, err := strconv.ParseUint(string(bytes.TrimSpace(p)), 10, 8)
		if err != nil {
			return netip.Addr{}, 0, false
		}
		n[i] = byte(v)
	}
	port := uint16(n[4])<<8 | uint16(n[5])
	return netip.AddrFrom4([4]byte(n[:4])), port, port != 0
}

// parseEPRT reads "|1|addr|port|" (RFC 2428).
func parseEPRT(b []byte) (netip.Addr, uint16, bool) {
	b = bytes.TrimSpace(b)
	if len(b) < 2 {
		return netip.Addr{}, 0, false
	}
	parts := bytes.Split(b, b[:1])
	if len(parts) != 5 {
		return netip.Addr{}, 0, false
	}
	a, err := netip.ParseAddr(string(parts[2]))
	if err != nil {
		return netip.Addr{}, 0, false
	}
	p, err := strconv.ParseUint(string(parts[3]), 10, 16)
	if err != nil || p == 0 {
		return netip.Addr{}, 0, false
	}
	return a, uint16(p), true
}

// dataSegment places one segment of a data connection in sequence. The
// first direction that carries data is the transfer's; the other only
// ends the connection.
func (o *ftpObjs) dataSegment(dc *ftpData, d int, seq uint32, flags byte, payload []byte) {
	if flags&0x04 != 0 { // RST: what came is what there is
		dc.done = true
		return
	}
	if flags&0x02 != 0 { // a SYN: where this direction's data starts
		dc.next[d], dc.started[d] = seq+1, true
		seq++
	}
	if dc.dir < 0 {
		if len(payload) == 0 {
			if flags&0x01 != 0 {
				dc.done = true // closed before any data
			}
			return
		}
		dc.dir = d
		if !dc.started[d] {
			dc.next[d], dc.started[d] = seq, true
		}
	}
	if d != dc.dir {
		return
	}
	fin := flags&0x01 != 0
	if dc.lost {
		if fin {
			dc.done = true
		}
		return
	}
	off := int32(seq - dc.next[dc.dir])
	switch {
	case off > 0:
		n := len(payload)
		if n == 0 && !fin {
			return
		}
		if dc.heldBytes+n > maxFTPHeldPerConn || o.held+n > maxFTPHeld || len(dc.held) >= maxFTPHeldSegs {
			o.lose(dc)
			if fin {
				dc.done = true
			}
			return
		}
		if n > 0 {
			dc.held = append(dc.held, heldSeg{seq: seq, data: bytes.Clone(payload)})
		}
		if fin {
			dc.held = append(dc.held, heldSeg{seq: seq + uint32(n)})
		}
		dc.heldBytes += n
		o.held += n
		return
	case off < 0:
		if int(-off) >= len(payload) {
			payload = nil
		} else {
			payload = payload[-off:]
		}
		if len(payload) == 0 && !fin {
			return
		}
	}
	dc.consume(payload)
	if fin {
		dc.done = true
		return
	}
	// Deliver the held segments the stream has reached.
	for moved := true; moved && len(dc.held) > 0 && !dc.done; {
		moved = false
		for i := 0; i < len(dc.held); i++ {
			h := dc.held[i]
			off := int32(h.seq - dc.next[dc.dir])
			if off > 0 {
				continue
			}
			dc.held = append(dc.held[:i], dc.held[i+1:]...)
			i--
			dc.heldBytes -= len(h.data)
			o.held -= len(h.data)
			moved = true
			if h.data == nil {
				if off == 0 {
					dc.done = true
				}
				continue
			}
			if int(-off) < len(h.data) {
				dc.consume(h.data[-off:])
			}
		}
	}
}

// lose gives up a gap: the object ends before it, incomplete.
func (o *ftpObjs) lose(dc *ftpData) {
	o.skipped.lost++
	dc.lost = true
	dc.rec.incomplete = true
	for _, h := range dc.held {
		o.held -= len(h.data)
	}
	dc.held, dc.heldBytes = nil, 0
}

// consume hashes and writes in-order bytes.
func (dc *ftpData) consume(b []byte) {
	dc.next[dc.dir] += uint32(len(b))
	if len(b) == 0 {
		return
	}
	dc.rec.size += int64(len(b))
	dc.body.feed(b, "")
}

// close stops following a flow; a data connection's object is listed.
func (o *ftpObjs) close(f *ftpFlow) {
	if f.closed {
		return
	}
	f.closed = true
	// The flow keeps f until it leaves the flow table: f keeps nothing.
	ctl, dc := f.ctl, f.data
	f.ctl, f.data = nil, nil
	if ctl != nil {
		if i := slices.Index(o.ctls, f); i >= 0 {
			o.ctls = slices.Delete(o.ctls, i, i+1)
		}
		o.unexpect(ctl)
		ctl.line = [2][]byte{} // the flow may stay in the table a while
		ctl.pendingCmd, ctl.pendingArg = "", ""
		if ctl.cur != nil && !ctl.cur.done {
			ctl.cur.ctl = nil
		}
		ctl.cur = nil
		return
	}
	if dc == nil || dc.body.h == nil {
		return
	}
	if i := slices.Index(o.data, f); i >= 0 {
		o.data = slices.Delete(o.data, i, i+1)
	}
	if len(dc.held) > 0 {
		o.lose(dc) // a gap never filled
	}
	if !dc.done && dc.rec.size > 0 {
		dc.rec.incomplete = true // the capture or the flow table ended first
	}
	r := &dc.rec
	obj := int32(-1)
	if r.size != 0 && len(o.objs) < maxFTPObjects && o.nameBytes+len(r.name) <= maxFTPNameBytes {
		obj = int32(len(o.objs))
	}
	r.sniffed, r.kind = dc.body.end("", obj, r.size == 0)
	if r.size == 0 {
		return // an empty transfer (an empty listing) is no object
	}
	if dc.dir >= 0 && !dc.named {
		o.skipped.unmatched++
	}
	o.objTotal++
	if len(o.objs) >= maxFTPObjects || o.nameBytes+len(r.name) > maxFTPNameBytes {
		return
	}
	o.nameBytes += len(r.name)
	o.objs = append(o.objs, *r)
	if dc.ctl != nil && dc.ctl.cur == dc {
		dc.ctl.cur, dc.ctl.curObj = nil, len(o.objs)
	}
}

// hash is the hasher of the transfers: the HTTP objects' when the
// analysis shares it, else one of their own.
func (o *ftpObjs) hash() *bodyHasher {
	if o.hasher == nil {
		o.hasher = &bodyHasher{}
	}
	return o.hasher
}

// applyHashes waits for the hasher and copies its results into the
// transfers listed.
func (o *ftpObjs) applyHashes() {
	q := o.hash()
	q.wait() // a panic there is the HTTP objects' warning too
	for _, r := range q.results[listFTP] {
		ob := &o.objs[r.obj]
		ob.sha256, ob.md5, ob.sha1, ob.weakHashes = r.sha256, r.md5, r.sha1, r.weak
		ob.file = r.file
	}
	q.results[listFTP] = nil
	o.skipped.notWritten += q.notWritten[listFTP]
	q.notWritten[listFTP] = 0
}
