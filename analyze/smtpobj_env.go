package analyze

import (
	"bytes"
	"slices"
	"strconv"
)

// The SMTP envelope of a message: the reverse-path of its transaction's
// MAIL FROM and the forward-paths of its RCPT TO (RFC 5321 4.1.1.2-3),
// as the client sent them.
//
// A transaction starts at MAIL FROM and ends at RSET, HELO or EHLO, the
// next MAIL FROM, or the start of its message (the 354 reply to DATA, the
// first BDAT): the message gets the envelope as it is then. A recipient
// the server refused (a 4xx or 5xx reply to its RCPT TO) is not one. The
// server answers the client's lines in order, one reply each (and one
// more to a message's end): the replies awaited are kept in order, as
// runs, so that a reply that comes late (BDAT sent before the replies to
// RCPT TO, with PIPELINING) still refuses its recipient. Where replies
// cannot be paired (no server side, a gap on either side, more than
// maxSMTPAwait runs awaited) the recipients are those sent.
//
// Memory: an address is cut to maxSMTPAddrLen with the mark, a
// transaction keeps its first maxSMTPRcpts recipients and counts the
// others; the replies awaited hold at most two transactions' envelopes
// (the older is let go: its recipients then count as sent); an envelope
// kept by a listed attachment counts against maxSMTPTextBytes.
const (
	maxSMTPRcpts   = 100
	maxSMTPAddrLen = 256 // RFC 5321 4.5.3.1.3: a path is at most 256 octets
	maxSMTPAwait   = 64  // runs of replies awaited in a session
)

// smtpEnvelope is one transaction's envelope.
type smtpEnvelope struct {
	from    string   // the reverse-path; "" for "<>" or when no MAIL FROM was seen
	rcpts   []string // the first maxSMTPRcpts forward-paths sent
	refused [maxSMTPRcpts]bool
	sent    int64 // RCPT TO sent
	nRefuse int64 // of them refused
}

// text is the bytes of the envelope's strings.
func (e *smtpEnvelope) text() int {
	if e == nil {
		return 0
	}
	n := len(e.from)
	for _, r := range e.rcpts {
		n += len(r)
	}
	return n
}

// accepted is the recipients kept and not refused, and how many of all
// the recipients sent were not refused.
func (e *smtpEnvelope) accepted() ([]string, int64) {
	out := []string{}
	if e == nil {
		return out, 0
	}
	for i, r := range e.rcpts {
		if !e.refused[i] {
			out = append(out, r)
		}
	}
	return out, e.sent - e.nRefuse
}

func (e *smtpEnvelope) refuse(i int64) {
	if i < maxSMTPRcpts {
		if e.refused[i] {
			return
		}
		e.refused[i] = true
	}
	e.nRefuse++
}

// smtpAwait is a run of n replies awaited: to RCPT TO of env, of index
// rcpt and the next ones, to DATA, or (env nil) to other lines.
type smtpAwait struct {
	env  *smtpEnvelope
	rcpt int64
	n    int64
	data bool
}

// Replies as paired (smtpSession.reply).
const (
	replyUnpaired = iota
	replyOther
	replyData // to DATA
)

// expect notes a reply awaited: to the RCPT TO of index rcpt of env, to
// DATA, or (env nil) to another line.
func (s *smtpSession) expect(env *smtpEnvelope, rcpt int64, data bool) {
	if s.unpaired {
		return
	}
	if k := len(s.await); k > 0 {
		if a := &s.await[k-1]; a.env == env && a.data == data && (env == nil || a.rcpt+a.n == rcpt) {
			a.n++
			return
		}
	}
	if len(s.await) >= maxSMTPAwait {
		s.unpair()
		return
	}
	if env != nil {
		// At most two envelopes are held by the replies awaited: the
		// oldest other one is let go.
		var others []*smtpEnvelope // in order, oldest first
		for _, a := range s.await {
			if a.env != nil && a.env != env && !slices.Contains(others, a.env) {
				others = append(others, a.env)
			}
		}
		if len(others) >= 2 {
			for i := range s.await {
				if s.await[i].env == others[0] {
					s.await[i].env = nil
				}
			}
		}
	}
	s.await = append(s.await, smtpAwait{env: env, rcpt: rcpt, n: 1, data: data})
}

// unpair stops pairing the session's replies with its lines.
func (s *smtpSession) unpair() {
	s.unpaired, s.await = true, nil
}

// reply pairs a reply of the code with the oldest line awaiting one, and
// says what it answered. The server's first reply, 220 or 554, is its
// greeting.
func (s *smtpSession) reply(code int) int {
	if !s.replied {
		s.replied = true
		if code == 220 || code == 554 {
			return replyOther
		}
	}
	if s.unpaired || len(s.await) == 0 {
		return replyUnpaired
	}
	a := &s.await[0]
	what := replyOther
	if a.data {
		what = replyData
	}
	if a.env != nil && code >= 400 {
		a.env.refuse(a.rcpt)
	}
	a.rcpt++
	a.n--
	if a.n == 0 {
		s.await = slices.Delete(s.await, 0, 1)
	}
	return what
}

// envCommand reads a command line for the envelope: v is its verb, arg
// what follows, sent the line's length as sent (it is longer than line
// when it was cut at maxSMTPLine).
func (s *smtpSession) envCommand(v string, line, arg []byte, sent int) {
	switch v {
	case "MAIL":
		if p, ok := smtpPath(line, arg, "FROM:", sent); ok {
			s.env = &smtpEnvelope{from: p}
		}
	case "RCPT":
		p, ok := smtpPath(line, arg, "TO:", sent)
		if !ok {
			break
		}
		if s.env == nil {
			s.env = &smtpEnvelope{} // no MAIL FROM seen
		}
		e := s.env
		if len(e.rcpts) < maxSMTPRcpts {
			e.rcpts = append(e.rcpts, p)
		}
		e.sent++
		s.expect(e, e.sent-1, false)
		return
	case "RSET", "HELO", "EHLO":
		if sent <= len(line) { // a line too long is refused
			s.env = nil
		}
	}
	s.expect(nil, 0, v == "DATA" && sent <= len(line))
}

// smtpPath is the path of a MAIL FROM or RCPT TO command: arg (part of
// line) is the command's argument, kw "FROM:" or "TO:". The path is what
// is inside <...> (a '>' in a quoted local part does not end it), or,
// without '<', the word after the colon; a space may follow the colon. It
// is cut to maxSMTPAddrLen with the mark; when it runs past the bytes
// kept of a line longer than maxSMTPLine, its length in the mark is that
// of the rest of the line.
func smtpPath(line, arg []byte, kw string, sent int) (string, bool) {
	arg = bytes.TrimLeft(arg, " \t")
	if len(arg) < len(kw) || !bytes.EqualFold(arg[:len(kw)], []byte(kw)) {
		return "", false
	}
	rest := bytes.TrimLeft(arg[len(kw):], " \t")
	end := -1
	if len(rest) > 0 && rest[0] == '<' {
		rest = rest[1:]
		quoted := false
	scan:
		for i := 0; i < len(rest); i++ {
			switch c := rest[i]; {
			case c == '\\' && quoted:
				i++
			case c == '"':
				quoted = !quoted
			case c == '>' && !quoted:
				end = i
				break scan
			}
		}
	} else {
		end = bytes.IndexAny(rest, " \t")
		if end < 0 && sent <= len(line) {
			end = len(rest) // the line's last word
		}
	}
	if end >= 0 {
		return cutString(rest[:end], maxSMTPAddrLen), true
	}
	if sent <= len(line) {
		return cutString(rest, maxSMTPAddrLen), true // no '>': the rest of the line
	}
	// The path runs past the bytes kept of a long line: its length as
	// sent is the rest of the line's.
	n := sent - (len(line) - len(rest))
	b := append([]byte(nil), rest[:cutPoint(rest, min(maxSMTPAddrLen, len(rest)))]...)
	b = append(b, CutMark...)
	b = strconv.AppendInt(b, int64(n), 10)
	return string(append(b, " bytes]"...)), true
}
