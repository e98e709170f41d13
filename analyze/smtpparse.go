package analyze

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
)

// A message's parse, on its own goroutine (smtpobj.go): the header with
// net/mail, the parts with mime/multipart (raw parts: the
// Content-Transfer-Encoding is decoded here, base64 or quoted-printable),
// encoded words with mime.WordDecoder.
//
// Memory: a header block (the message's, or a forwarded message's) is
// read only up to maxSMTPHeader bytes; a part's header is read by
// mime/multipart, which stops at 10 MiB (its own bound), and is dropped
// once its few fields are read, so nesting does not keep it; at most
// maxSMTPDepth levels and maxSMTPParts parts of a message are read; an
// attachment streams to the hasher and is cut at maxObjectBytes.
const (
	maxSMTPHeader = 64 << 10
	maxSMTPDepth  = 8
	maxSMTPParts  = 1000
)

// smtpParseCounts is what parses left out, by reason.
type smtpParseCounts struct {
	header     int64 // messages whose header was longer than maxSMTPHeader or malformed
	deep       int64 // parts nested deeper than maxSMTPDepth
	parts      int64 // parts past maxSMTPParts of a message
	decode     int64 // attachments whose encoding did not decode to the end
	cut        int64 // attachments cut at maxObjectBytes
	notWritten int64 // attachments not extracted
	failed     int64 // parses that failed (a panic, recovered)
	malformed  int64 // multiparts whose parts stopped at bytes that are not a part (a control byte in a part's header...)
}

func (c *smtpParseCounts) add(d *smtpParseCounts) {
	c.header += d.header
	c.deep += d.deep
	c.parts += d.parts
	c.decode += d.decode
	c.cut += d.cut
	c.notWritten += d.notWritten
	c.failed += d.failed
	c.malformed += d.malformed
}

// smtpPending is an attachment read, its hashes not yet ended: the pass
// ends them in order once the parse is done, so that which attachments
// are listed does not depend on the goroutines' timing.
type smtpPending struct {
	rec  smtpObj
	feed bodyFeed
}

// smtpParse is one message's parse. The pass reads it only after done is
// closed.
type smtpParse struct {
	hasher            *bodyHasher
	sink              ObjectSink
	from, to, subject string
	atts              []smtpPending
	counts            smtpParseCounts
	parts             int
	buf               []byte
}

// run parses the message coming through pr; whatever it does not read is
// read and dropped, so that the pass never waits on it.
func (p *smtpParse) run(pr *io.PipeReader, done chan struct{}) {
	defer close(done)
	defer func() {
		if r := recover(); r != nil {
			p.counts.failed++
		}
		io.Copy(io.Discard, pr)
	}()
	br := bufio.NewReaderSize(pr, 4096)
	h, ok := p.header(br)
	if !ok {
		return
	}
	p.from, p.to, p.subject = headerText(h.Get("From")), headerText(h.Get("To")), headerText(h.Get("Subject"))
	p.entity(h, br, 0)
}

// header reads a header block up to its blank line, at most maxSMTPHeader
// bytes, with net/mail.
func (p *smtpParse) header(br *bufio.Reader) (textproto.MIMEHeader, bool) {
	var buf []byte
	for whole := true; ; {
		line, err := br.ReadSlice('\n')
		if len(buf)+len(line) > maxSMTPHeader {
			p.counts.header++
			return nil, false
		}
		buf = append(buf, line...)
		if err == bufio.ErrBufferFull {
			whole = false // the rest of the line comes next
			continue
		}
		blank := whole && (len(line) == 1 || len(line) == 2 && line[0] == '\r')
		if err != nil || blank {
			break
		}
		whole = true
	}
	m, err := mail.ReadMessage(bytes.NewReader(buf))
	if err != nil {
		p.counts.header++
		return nil, false
	}
	return textproto.MIMEHeader(m.Header), true
}

// headerText is a header's value with its encoded words decoded, cut to
// MaxTargetLen: text from the capture, shown only as text.
func headerText(s string) string {
	if strings.Contains(s, "=?") {
		if d, err := new(mime.WordDecoder).DecodeHeader(s); err == nil {
			s = d
		}
	}
	return cutString([]byte(strings.TrimSpace(s)), MaxTargetLen)
}

// entity reads one entity (the message, or a part) of header h and body.
func (p *smtpParse) entity(h textproto.MIMEHeader, body io.Reader, depth int) {
	ctype := h.Get("Content-Type")
	mt, params, _ := mime.ParseMediaType(ctype)
	if mt == "" {
		mt = "text/plain" // RFC 2045 5.2
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	attachment := name != "" || disp == "attachment"
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		if params["boundary"] == "" {
			return // no parts can be found
		}
		if depth >= maxSMTPDepth {
			p.counts.deep++
			return
		}
		mr := multipart.NewReader(newPartHeaderClean(body, params["boundary"]), params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err != nil {
				// The end, or bytes that are not parts: what follows is
				// dropped.
				if err != io.EOF && !errors.Is(err, errSMTPCut) && !errors.Is(err, io.ErrUnexpectedEOF) {
					p.counts.malformed++
				}
				return
			}
			if p.parts >= maxSMTPParts {
				p.counts.parts++
				continue
			}
			p.parts++
			ph := part.Header
			part.Header = nil // not kept while the part is read
			p.entity(ph, part, depth+1)
		}
	case mt == "message/rfc822" && !attachment:
		// A forwarded message: its attachments are the message's.
		if depth >= maxSMTPDepth {
			p.counts.deep++
			return
		}
		br := bufio.NewReaderSize(body, 4096)
		ih, ok := p.header(br)
		if ok {
			p.entity(ih, br, depth+1)
		}
		return
	case !attachment && (strings.HasPrefix(mt, "text/") || strings.HasPrefix(mt, "message/")):
		return // the message's text, not an attachment
	}
	p.attachment(h, mt, headerText(name), body)
}

// attachment decodes one attachment and streams it to the hasher.
func (p *smtpParse) attachment(h textproto.MIMEHeader, mt, name string, body io.Reader) {
	enc := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	r := body
	switch enc {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, &b64Clean{r: body})
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	}
	a := smtpPending{rec: smtpObj{name: name, ctype: cutString([]byte(mt), maxTypeLen), encoding: cutString([]byte(enc), maxTypeLen)}}
	var file ObjectFile
	if p.sink != nil {
		if p.hasher.extracting.Load() < maxExtracting {
			if f, err := p.sink.Create(); err == nil {
				file = f
				p.hasher.extracting.Add(1) // the hasher closes it
			} else {
				p.counts.notWritten++
			}
		} else {
			p.counts.notWritten++
		}
	}
	a.feed = newBodyFeed(p.hasher, file, listSMTP)
	if p.buf == nil {
		p.buf = make([]byte, 32<<10)
	}
	rec := &a.rec
	for {
		n, err := r.Read(p.buf)
		if n > 0 {
			if rec.size+int64(n) > maxObjectBytes {
				n = int(maxObjectBytes - rec.size)
				a.feed.feed(p.buf[:n], mt)
				rec.size += int64(n)
				rec.incomplete = true
				p.counts.cut++
				break
			}
			a.feed.feed(p.buf[:n], mt)
			rec.size += int64(n)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			rec.incomplete = true
			if !errors.Is(err, errSMTPCut) && !errors.Is(err, io.ErrUnexpectedEOF) {
				p.counts.decode++
			}
			break
		}
	}
	p.atts = append(p.atts, a)
}

// b64Clean drops the spaces and tabs some mailers leave in base64 lines
// (the decoder itself skips CR and LF).
type b64Clean struct{ r io.Reader }

func (c *b64Clean) Read(b []byte) (int, error) {
	for {
		n, err := c.r.Read(b)
		k := 0
		for _, x := range b[:n] {
			if x != ' ' && x != '\t' {
				b[k] = x
				k++
			}
		}
		if k > 0 || err != nil || n == 0 {
			return k, err
		}
	}
}

// partHeaderClean is what mime/multipart reads of a multipart body: the
// bytes as they are, but for control bytes in the header of each part,
// read as '?'. net/textproto refuses a header with a control byte in it,
// and the multipart would stop there: a byte that mail clients pass over
// would hide the attachments after it. A part's header starts after a
// line that starts with the delimiter ("--" and the boundary, then '-',
// white space or the line's end) and ends at the first empty line.
type partHeaderClean struct {
	r       io.Reader
	delim   []byte
	matched int  // bytes of delim matched at the start of the line; -1 when the line is not a delimiter
	delimOK bool // the line is a delimiter line
	header  bool // in a part's header
	blank   bool // the header line so far is empty (or a CR)
}

func newPartHeaderClean(r io.Reader, boundary string) *partHeaderClean {
	return &partHeaderClean{r: r, delim: []byte("--" + boundary)}
}

func (c *partHeaderClean) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	for i := 0; i < n; i++ {
		x := b[i]
		switch {
		case c.header:
			switch {
			case x == '\n':
				if c.blank {
					c.header = false
					c.matched = 0
					continue
				}
				c.blank = true
			case x == '\r':
			default:
				c.blank = false
				if x < 0x20 && x != '\t' || x == 0x7f {
					b[i] = '?'
				}
			}
		case c.delimOK:
			if x == '\n' {
				c.delimOK, c.header, c.blank = false, true, true
			}
		case c.matched >= len(c.delim):
			// Just after the delimiter: a delimiter line, or a line that
			// only starts like one.
			c.matched = -1
			if x == '-' || x == ' ' || x == '\t' || x == '\r' {
				c.delimOK = true
			} else if x == '\n' {
				c.header, c.blank = true, true
			} else {
				i-- // read the byte again as any line's
			}
		case c.matched >= 0:
			if x == c.delim[c.matched] {
				c.matched++
				continue
			}
			c.matched = -1
			i--
		default: // the rest of a line that is not a delimiter
			j := bytes.IndexByte(b[i:n], '\n')
			if j < 0 {
				i = n
				continue
			}
			i += j
			c.matched = 0
		}
	}
	return n, err
}
