package analyze

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// SMTP attachments as objects.
//
// A TCP connection to port 25, 587 or 2525 is followed as an SMTP
// session from its first packet: its lines are read in sequence order (a
// gap drops the line in progress; the client's out-of-order segments are
// held within maxSMTPHeldPerConn and maxSMTPHeld). After the client's
// DATA and the server's 354 reply, the client's bytes are a message up to
// the line "." (RFC 5321 4.5.2: a leading dot of a line is removed);
// after BDAT (RFC 3030) the chunk's bytes are, without dot-stuffing, up
// to the chunk marked LAST. After STARTTLS and the server's 220 nothing is
// readable: the session is no longer followed. The envelope of each
// message, MAIL FROM and the RCPT TO the server did not refuse, comes from
// the commands and replies (smtpobj_env.go).
//
// A message's bytes go through a pipe to a goroutine of its own that
// parses it (smtpparse.go) with the standard library's readers, which
// pull; at most maxSMTPParsers messages are parsed at once (a message
// past them is counted, not parsed). The pass waits for the goroutine when
// the message ends, then lists its attachments: their hashes are made by
// the HTTP objects' hasher (httpobj_hash.go), which the FTP transfers
// share too (aggregate.go), or one of their own when made alone.
const (
	maxSMTPSessions    = 256 // followed at once: past it the oldest is given up
	maxSMTPParsers     = 8   // messages parsed at once
	maxSMTPObjects     = 10_000
	maxSMTPTextBytes   = 4 << 20 // file names, senders, recipients, subjects and envelopes of the objects listed
	maxSMTPLine        = 2048    // of a command or reply line longer, the first bytes are read (for the envelope and reply codes only)
	maxSMTPHeldPerConn = 256 << 10
	maxSMTPHeld        = 4 << 20
	maxSMTPHeldSegs    = 256
)

// smtpPort says whether a TCP port is one SMTP sessions are followed on.
func smtpPort(p uint16) bool { return p == 25 || p == 587 || p == 2525 }

// errSMTPCut ends a message's parse when bytes of it are missing.
var errSMTPCut = errors.New("message not complete in the capture")

// smtpObjs follows SMTP sessions.
type smtpObjs struct {
	sink     ObjectSink
	hasher   *bodyHasher
	sessions map[flowKey]*smtpSession
	order    []*smtpSession // sessions followed, oldest first
	held     int            // client bytes held out of order, all sessions
	parsers  int            // messages being parsed

	objs      []smtpObj
	textBytes int
	objTotal  int64
	messages  int64
	skipped   struct {
		sessions, starttls, busy, lost int64
		parse                          smtpParseCounts
	}
}

// smtpSession is one SMTP session.
type smtpSession struct {
	key            flowKey
	client, server netip.Addr
	cport, sport   uint16
	clientFwd      bool // the client is the flow's A end
	next           [2]uint32
	started        [2]bool
	line           [2][]byte
	skipLine       [2]bool
	lineLen        [2]int    // bytes of the line in progress as sent
	lineCR         [2]bool   // its last byte is a CR
	held           []heldSeg // the client's segments ahead of next
	heldBytes      int
	fin            [2]bool

	lastCmd  string // the client's last command verb
	waitData bool   // DATA sent, its reply not read yet
	inData   bool   // the client's bytes are a message up to "."
	bol      bool   // at the start of a line of the message
	dot      uint8  // at a line start: 1 after a '.', 2 after ".\r"
	bdat     uint64 // bytes of a BDAT chunk still to come
	bdatLast bool
	msg      *smtpMsg

	env      *smtpEnvelope // the transaction's (smtpobj_env.go)
	await    []smtpAwait   // replies awaited, oldest first
	unpaired bool          // replies are not paired with lines
	replied  bool          // the server replied once
}

// smtpMsg is a message being read, on the pass's side.
type smtpMsg struct {
	t    time.Time
	pw   *io.PipeWriter // nil when not parsed, or no longer
	done chan struct{}
	p    *smtpParse
	lost bool          // bytes of it missing
	env  *smtpEnvelope // its transaction's
}

// smtpObj is an attachment as kept.
type smtpObj struct {
	t                      time.Time
	client, server         netip.Addr
	cport, sport           uint16
	from, to, subject      string
	name, ctype, encoding  string
	size                   int64
	sniffed, kind          string
	sha256                 [32]byte
	md5                    [16]byte
	sha1                   [20]byte
	weakHashes, incomplete bool
	file                   string
	env                    *smtpEnvelope
}

func newSMTPObjs(sink ObjectSink) smtpObjs {
	return smtpObjs{sink: sink, sessions: map[flowKey]*smtpSession{}, hasher: &bodyHasher{}}
}

// segment follows one TCP segment of the flow key on an SMTP port; newFlow
// says it is the flow's first packet, fwd that the flow's A end sent it.
func (o *smtpObjs) segment(key *flowKey, newFlow, fwd bool, tcp, payload []byte, ts time.Time, src, dst netip.Addr, sport, dport uint16) {
	s := o.sessions[*key]
	if newFlow {
		if s != nil {
			o.close(s)
		}
		s = o.start(key, fwd, src, dst, sport, dport)
	}
	if s == nil {
		return
	}
	side := 0
	if fwd != s.clientFwd {
		side = 1
	}
	flags := tcp[13]
	seq := tcpSeq(tcp)
	if flags&0x02 != 0 {
		s.next[side], s.started[side] = seq+1, true
		seq++
	}
	if len(payload) > 0 {
		if !s.started[side] {
			s.next[side], s.started[side] = seq, true
		}
		o.place(s, side, seq, payload, ts)
	}
	if side == 1 && flags&0x10 != 0 && len(s.held) > 0 && int32(binary.BigEndian.Uint32(tcp[8:12])-s.next[0]) > 0 {
		// The server acknowledges client bytes the capture does not
		// have: the gap is for good.
		o.deliverHeld(s, ts, true)
	}
	if flags&0x01 != 0 {
		s.fin[side] = true
	}
	if o.sessions[*key] == s && (flags&0x04 != 0 || s.fin[0] && s.fin[1]) {
		o.close(s)
	}
}

// start follows a new session; the end on an SMTP port is the server.
func (o *smtpObjs) start(key *flowKey, fwd bool, src, dst netip.Addr, sport, dport uint16) *smtpSession {
	if len(o.order) >= maxSMTPSessions {
		o.skipped.sessions++
		o.close(o.order[0])
	}
	s := &smtpSession{key: *key, clientFwd: fwd, client: src, server: dst, cport: sport, sport: dport}
	if smtpPort(sport) && !smtpPort(dport) { // the server's packet first
		s.clientFwd, s.client, s.server, s.cport, s.sport = !fwd, dst, src, dport, sport
	}
	o.sessions[*key] = s
	o.order = append(o.order, s)
	return s
}

// evict stops following the flow key when it leaves the flow table.
func (o *smtpObjs) evict(key *flowKey) {
	if s := o.sessions[*key]; s != nil {
		o.close(s)
	}
}

// place puts a segment's bytes in sequence: the server's lines go on
// past a gap (the line cut is dropped); the client's segments ahead are
// held, and when they are too many the gaps before them are given up
// (the message in progress is cut there).
func (o *smtpObjs) place(s *smtpSession, side int, seq uint32, payload []byte, ts time.Time) {
	end := seq + uint32(len(payload))
	off := int32(seq - s.next[side])
	if off < 0 {
		if int(-off) >= len(payload) {
			return // a retransmission
		}
		payload = payload[-off:]
	}
	if side == 1 {
		if off > 0 {
			s.line[1], s.skipLine[1] = s.line[1][:0], true
			s.unpair() // replies are missing
		}
		s.next[1] = end
		o.server(s, payload, ts)
		return
	}
	if off > 0 {
		n := len(payload)
		s.held = append(s.held, heldSeg{seq: seq, data: bytes.Clone(payload)})
		s.heldBytes += n
		o.held += n
		full := s.heldBytes > maxSMTPHeldPerConn || o.held > maxSMTPHeld || len(s.held) > maxSMTPHeldSegs
		o.deliverHeld(s, ts, full)
		return
	}
	s.next[0] = end
	o.client(s, payload, ts)
	o.deliverHeld(s, ts, false)
}

// deliverHeld passes on the held segments the client's stream has
// reached; force gives up the gaps before the held segments, lowest
// first.
func (o *smtpObjs) deliverHeld(s *smtpSession, ts time.Time, force bool) {
	for len(s.held) > 0 {
		best := -1
		for i, h := range s.held {
			if best < 0 || int32(h.seq-s.held[best].seq) < 0 {
				best = i
			}
		}
		h := s.held[best]
		off := int32(h.seq - s.next[0])
		if off > 0 {
			if !force {
				return
			}
			o.gap(s, uint64(off))
			s.next[0] = h.seq
			off = 0
		}
		s.held = slices.Delete(s.held, best, best+1)
		s.heldBytes -= len(h.data)
		o.held -= len(h.data)
		if int(-off) < len(h.data) {
			p := h.data[-off:]
			s.next[0] += uint32(len(p))
			o.client(s, p, ts)
		}
	}
	s.held = nil
}

// gap gives up n bytes of the client's stream missing from the capture.
func (o *smtpObjs) gap(s *smtpSession, n uint64) {
	s.unpair() // lines may be missing
	switch {
	case s.bdat > 0:
		o.lose(s)
		if n >= s.bdat {
			s.bdat = 0 // the chunk's end is lost too: the next line is cut
			s.line[0], s.skipLine[0] = s.line[0][:0], true
			if s.bdatLast {
				o.endMsg(s)
			}
			return
		}
		s.bdat -= n
	case s.inData:
		o.lose(s)
		s.bol, s.dot = false, 0
	default:
		s.line[0], s.skipLine[0] = s.line[0][:0], true
	}
}

// lose marks the message in progress as missing bytes: its parse ends
// there.
func (o *smtpObjs) lose(s *smtpSession) {
	m := s.msg
	if m == nil || m.lost {
		return
	}
	m.lost = true
	o.skipped.lost++
	o.endParse(s, m, errSMTPCut)
}

// lines splits p into the lines of one side, as the FTP control
// connection does, and calls fn with each whole line (CR removed) and its
// length as sent: of a line longer than maxSMTPLine, the first
// maxSMTPLine bytes are kept.
func (s *smtpSession) lines(side int, p []byte, fn func(line []byte, sent int) bool) []byte {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		part := p
		if i >= 0 {
			part = p[:i]
		}
		if !s.skipLine[side] {
			room := maxSMTPLine - len(s.line[side])
			s.line[side] = append(s.line[side], part[:min(room, len(part))]...)
		}
		s.lineLen[side] += len(part)
		if len(part) > 0 {
			s.lineCR[side] = part[len(part)-1] == '\r'
		}
		if i < 0 {
			return nil
		}
		p = p[i+1:]
		skip, sent := s.skipLine[side], s.lineLen[side]
		line := s.line[side]
		if sent <= len(line) {
			line = bytes.TrimSuffix(line, []byte{'\r'})
			sent = len(line)
		} else if s.lineCR[side] {
			sent-- // the CR, not kept
		}
		s.line[side], s.skipLine[side], s.lineLen[side], s.lineCR[side] = s.line[side][:0], false, 0, false
		if !skip && fn(line, sent) {
			return p // the bytes after the line are not lines
		}
	}
	return nil
}

// server reads the server's replies: only a reply's last line ("ddd
// text") counts.
func (o *smtpObjs) server(s *smtpSession, p []byte, ts time.Time) {
	s.lines(1, p, func(line []byte, _ int) bool {
		if len(line) < 3 || len(line) > 3 && line[3] != ' ' {
			return false
		}
		code, err := strconv.Atoi(string(line[:3]))
		if err != nil {
			return false
		}
		paired := s.reply(code)
		switch {
		case s.waitData && code == 354:
			s.waitData = false
			if s.msg != nil {
				o.endMsg(s) // a BDAT message left open
			}
			s.inData, s.bol, s.dot = true, true, 0
			s.msg = o.startMsg(s, ts)
		case s.waitData && code >= 400 && paired != replyOther:
			// DATA refused (a reply to another line, with PIPELINING,
			// is not its)
			s.waitData = false
		case s.lastCmd == "STARTTLS" && code == 220:
			// The rest is TLS: nothing more is readable.
			o.skipped.starttls++
			o.close(s)
			return true
		}
		return false
	})
}

// client reads the client's bytes in order: commands, a message after
// DATA, BDAT chunks.
func (o *smtpObjs) client(s *smtpSession, p []byte, ts time.Time) {
	for len(p) > 0 && o.sessions[s.key] == s {
		switch {
		case s.bdat > 0:
			n := min(uint64(len(p)), s.bdat)
			o.write(s, p[:n])
			s.bdat -= n
			p = p[n:]
			if s.bdat == 0 && s.bdatLast {
				o.endMsg(s)
			}
		case s.inData:
			p = o.data(s, p)
		default:
			p = s.lines(0, p, func(line []byte, sent int) bool { return o.command(s, line, sent, ts) })
		}
	}
}

// command reads a command line (sent: its length as sent, longer than
// line when it was cut); true when the bytes after it are not lines (a
// BDAT chunk).
func (o *smtpObjs) command(s *smtpSession, line []byte, sent int, ts time.Time) bool {
	verb, arg, _ := bytes.Cut(line, []byte{' '})
	v := string(bytes.ToUpper(verb))
	s.envCommand(v, line, arg, sent) // every line is answered
	if sent > len(line) {
		return false // a line too long is no command here
	}
	switch v {
	case "BDAT":
		return o.bdatCommand(s, arg, ts)
	case "DATA", "STARTTLS", "RSET", "QUIT", "MAIL", "RCPT", "HELO", "EHLO", "NOOP", "AUTH":
	default:
		return false // AUTH's base64 answers and the like are not commands
	}
	s.lastCmd = v
	switch v {
	case "DATA":
		s.waitData = true
	case "RSET":
		if s.msg != nil { // a BDAT message given up by its sender
			o.lose(s)
			o.endMsg(s)
		}
	}
	return false
}

// bdatCommand reads "BDAT size [LAST]"; true when a chunk follows.
func (o *smtpObjs) bdatCommand(s *smtpSession, arg []byte, ts time.Time) bool {
	f := bytes.Fields(arg)
	if len(f) == 0 || len(f) > 2 {
		return false
	}
	n, err := strconv.ParseUint(string(f[0]), 10, 64)
	if err != nil {
		return false
	}
	s.lastCmd = "BDAT"
	if s.msg == nil {
		s.msg = o.startMsg(s, ts)
	}
	s.bdat = n
	s.bdatLast = len(f) == 2 && bytes.EqualFold(f[1], []byte("LAST"))
	if n == 0 && s.bdatLast {
		o.endMsg(s)
	}
	return n > 0
}

// data reads a message's bytes from p up to the line "." and returns what
// follows that line. A line's leading dot is not the message's.
func (o *smtpObjs) data(s *smtpSession, p []byte) []byte {
	start, i := 0, 0
	for i < len(p) {
		if !s.bol {
			j := bytes.IndexByte(p[i:], '\n')
			if j < 0 {
				i = len(p)
				break
			}
			i += j + 1
			s.bol = true
			continue
		}
		c := p[i]
		switch s.dot {
		case 0:
			if c != '.' {
				s.bol = false
				continue
			}
			o.write(s, p[start:i])
			i++
			start, s.dot = i, 1
		case 1:
			switch c {
			case '\r':
				i++
				start, s.dot = i, 2 // the CR is held: the end of the message, or its byte
			case '\n':
				s.bol, s.dot = false, 0
				o.endMsg(s)
				s.expect(nil, 0, false) // the reply to the message
				return p[i+1:]
			default:
				s.bol, s.dot = false, 0
			}
		case 2:
			s.bol, s.dot = false, 0
			if c == '\n' {
				o.endMsg(s)
				s.expect(nil, 0, false) // the reply to the message
				return p[i+1:]
			}
			o.write(s, []byte{'\r'})
		}
	}
	o.write(s, p[start:i])
	return nil
}

// write passes bytes of the message to its parser.
func (o *smtpObjs) write(s *smtpSession, b []byte) {
	if m := s.msg; m != nil && m.pw != nil && len(b) > 0 {
		m.pw.Write(b) // the parser reads to the end whatever it finds
	}
}

// startMsg starts a message: at the 354 reply, or the first BDAT. It
// takes its transaction's envelope, which ends there.
func (o *smtpObjs) startMsg(s *smtpSession, ts time.Time) *smtpMsg {
	o.messages++
	m := &smtpMsg{t: ts, env: s.env}
	s.env = nil
	if o.parsers >= maxSMTPParsers {
		o.skipped.busy++
		return m
	}
	o.parsers++
	pr, pw := io.Pipe()
	m.pw, m.done = pw, make(chan struct{})
	m.p = &smtpParse{hasher: o.hasher, sink: o.sink}
	go m.p.run(pr, m.done)
	return m
}

// endMsg ends the message in progress and lists its attachments.
func (o *smtpObjs) endMsg(s *smtpSession) {
	m := s.msg
	s.msg, s.inData, s.bdat, s.bdatLast = nil, false, 0, false
	if m != nil {
		o.endParse(s, m, nil)
	}
}

// endParse closes a message's pipe (with err when bytes are missing),
// waits for its parser and lists what it found.
func (o *smtpObjs) endParse(s *smtpSession, m *smtpMsg, err error) {
	if m.pw == nil {
		return
	}
	m.pw.CloseWithError(err)
	<-m.done
	m.pw = nil
	o.parsers--
	p := m.p
	m.p = nil
	o.skipped.parse.add(&p.counts)
	for i := range p.atts {
		a := &p.atts[i]
		r := &a.rec
		r.t, r.client, r.server, r.cport, r.sport = m.t, s.client, s.server, s.cport, s.sport
		r.from, r.to, r.subject, r.env = p.from, p.to, p.subject, m.env
		text := len(r.name) + len(r.from) + len(r.to) + len(r.subject) + m.env.text()
		listed := r.size != 0 && len(o.objs) < maxSMTPObjects && o.textBytes+text <= maxSMTPTextBytes
		obj := int32(-1)
		if listed {
			obj = int32(len(o.objs))
		}
		r.sniffed, r.kind = a.feed.end(r.ctype, obj, r.size == 0)
		if r.size == 0 {
			continue // an empty part is no object
		}
		o.objTotal++
		if !listed {
			continue // objects_not_listed
		}
		o.textBytes += text
		o.objs = append(o.objs, *r)
	}
}

// close stops following a session; a message in progress is listed as
// far as it went, incomplete.
func (o *smtpObjs) close(s *smtpSession) {
	if o.sessions[s.key] != s {
		return
	}
	o.deliverHeld(s, time.Time{}, true) // what was held is placed, past its gaps
	if o.sessions[s.key] != s {
		return // closed by what was placed (STARTTLS cannot be: only the server's lines do that)
	}
	delete(o.sessions, s.key)
	if i := slices.Index(o.order, s); i >= 0 {
		o.order = slices.Delete(o.order, i, i+1)
	}
	if s.msg != nil {
		o.lose(s)
		o.endMsg(s)
	}
	s.line = [2][]byte{}
}

// closeAll stops following every session, at the end of the capture.
func (o *smtpObjs) closeAll() {
	for len(o.order) > 0 {
		o.close(o.order[0])
	}
}

// applyHashes waits for the hasher and copies its results into the
// attachments listed.
func (o *smtpObjs) applyHashes() error {
	err := o.hasher.wait()
	for _, r := range o.hasher.results[listSMTP] {
		ob := &o.objs[r.obj]
		ob.sha256, ob.md5, ob.sha1, ob.weakHashes = r.sha256, r.md5, r.sha1, r.weak
		ob.file = r.file
	}
	o.hasher.results[listSMTP] = nil
	o.skipped.parse.notWritten += o.hasher.notWritten[listSMTP]
	o.hasher.notWritten[listSMTP] = 0
	return err
}
