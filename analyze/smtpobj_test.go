package analyze

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/quotedprintable"
	"net"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// smtpCapture builds the packets of TCP sessions for a test: a handshake,
// segments each way, and the closing FINs.
type smtpCapture struct {
	t    testing.TB
	pkts []testPacket
	at   time.Time
}

type smtpConn struct {
	c              *smtpCapture
	client, server string
	cport, sport   uint16
	seq            [2]uint32 // next sequence number: client, server
}

func (c *smtpCapture) frame(src, dst string, sport, dport uint16, seq, ack uint32, syn, fin bool, payload []byte) {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 1, 2, 3, 4, 5}, DstMAC: net.HardwareAddr{0, 1, 2, 3, 4, 6}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: seq, Ack: ack, SYN: syn, FIN: fin,
		ACK: ack != 0, PSH: len(payload) > 0, Window: 65535}
	tcp.SetNetworkLayerForChecksum(ip)
	c.at = c.at.Add(time.Millisecond)
	c.pkts = append(c.pkts, testPacket{at: c.at, data: serialize(c.t, eth, ip, tcp, gopacket.Payload(payload))})
}

// open writes a session's handshake.
func (c *smtpCapture) open(client, server string, cport, sport uint16) *smtpConn {
	s := &smtpConn{c: c, client: client, server: server, cport: cport, sport: sport, seq: [2]uint32{1000, 5000}}
	c.frame(client, server, cport, sport, s.seq[0], 0, true, false, nil)
	c.frame(server, client, sport, cport, s.seq[1], s.seq[0]+1, true, false, nil)
	s.seq[0]++
	s.seq[1]++
	c.frame(client, server, cport, sport, s.seq[0], s.seq[1], false, false, nil)
	return s
}

// segs cuts b into segments of at most size bytes, as sent by the client
// (or the server).
func (s *smtpConn) segs(fromServer bool, b []byte, size int) []testPacket {
	d := 0
	if fromServer {
		d = 1
	}
	var out []testPacket
	n0 := len(s.c.pkts)
	for off := 0; off < len(b); off += size {
		p := b[off:min(off+size, len(b))]
		if fromServer {
			s.c.frame(s.server, s.client, s.sport, s.cport, s.seq[1], s.seq[0], false, false, p)
		} else {
			s.c.frame(s.client, s.server, s.cport, s.sport, s.seq[0], s.seq[1], false, false, p)
		}
		s.seq[d] += uint32(len(p))
	}
	out = append(out, s.c.pkts[n0:]...)
	s.c.pkts = s.c.pkts[:n0]
	return out
}

func (s *smtpConn) send(fromServer bool, b string) {
	s.c.pkts = append(s.c.pkts, s.segs(fromServer, []byte(b), 1400)...)
}

func (s *smtpConn) close() {
	s.c.frame(s.client, s.server, s.cport, s.sport, s.seq[0], s.seq[1], false, true, nil)
	s.c.frame(s.server, s.client, s.sport, s.cport, s.seq[1], s.seq[0]+1, false, true, nil)
}

// dotStuff makes a message the DATA phase's bytes (RFC 5321 4.5.2),
// with the line "." after it.
func dotStuff(msg string) string {
	lines := strings.SplitAfter(msg, "\r\n")
	var b strings.Builder
	for _, l := range lines {
		if strings.HasPrefix(l, ".") {
			b.WriteByte('.')
		}
		b.WriteString(l)
	}
	return b.String() + ".\r\n"
}

// wrap76 cuts base64 text into lines of 76 characters.
func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	return b.String() + s + "\r\n"
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// testAttachments are the files the known-answer message carries, with
// the bytes of each.
type testAttachment struct {
	name, ctype, encoding string
	data                  []byte
	kind                  string
}

func knownAttachments() []testAttachment {
	rng := rand.New(rand.NewPCG(1, 2))
	exe := append([]byte("MZ\x90\x00"), make([]byte, 20000)...)
	for i := 4; i < len(exe); i++ {
		exe[i] = byte(rng.Uint32())
	}
	notes := []byte("Quarterly numbers = good.\r\n.a line that starts with a dot\r\n..and one with two\r\n" +
		strings.Repeat("A long line of text that quoted-printable must break with soft line breaks. ", 4) + "\r\nCaf\xc3\xa9 \xe2\x82\xac\r\n.\r\nend\r\n")
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0, 1, 2, 3, '.', '\r', '\n'}, 300)...)
	return []testAttachment{
		{"tool.exe", "application/octet-stream", "base64", exe, KindExecutable},
		{"Résumé notes.txt", "text/plain", "quoted-printable", notes, ""},
		{"", "image/png", "base64", png, ""},
	}
}

// knownMessage is a multipart/mixed message with a text body, the three
// attachments (the image inline, without a name, nested two levels deep
// in multipart/related inside multipart/alternative).
func knownMessage(atts []testAttachment) string {
	var qp bytes.Buffer
	w := quotedprintable.NewWriter(&qp)
	w.Write(atts[1].data)
	w.Close()
	return "From: =?UTF-8?Q?Mallory_=C3=89ve?= <mallory@example.net>\r\n" +
		"To: victim@example.org\r\n" +
		"Subject: =?UTF-8?B?SW52b2ljZSDigqwgMTIz?=\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"outer-b\"\r\n\r\n" +
		"This is a multi-part message in MIME format.\r\n" +
		"--outer-b\r\n" +
		"Content-Type: multipart/alternative; boundary=\"alt-b\"\r\n\r\n" +
		"--alt-b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease see attached.\r\n.\r\n..\r\n" +
		"--alt-b\r\nContent-Type: multipart/related; boundary=\"rel-b\"\r\n\r\n" +
		"--rel-b\r\nContent-Type: text/html\r\n\r\n<p>See <img src=\"cid:x\"></p>\r\n" +
		"--rel-b\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <x>\r\n\r\n" +
		wrap76(base64.StdEncoding.EncodeToString(atts[2].data)) +
		"--rel-b--\r\n" +
		"--alt-b--\r\n" +
		"--outer-b\r\n" +
		"Content-Type: application/octet-stream; name=\"tool.exe\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment; filename=\"tool.exe\"\r\n\r\n" +
		wrap76(base64.StdEncoding.EncodeToString(atts[0].data)) +
		"--outer-b\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n" +
		"Content-Disposition: attachment;\r\n filename*=UTF-8''R%C3%A9sum%C3%A9%20notes.txt\r\n\r\n" +
		qp.String() + "\r\n" +
		"--outer-b--\r\n"
}

// bdatMessage is a message sent with BDAT: one attachment, raw 8-bit
// lines (one starting with a dot, which BDAT does not stuff).
func bdatMessage(data []byte) string {
	return "From: bdat@example.net\r\nTo: x@example.org\r\nSubject: chunked\r\n" +
		"Content-Type: multipart/mixed; boundary=zz\r\n\r\n" +
		"--zz\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=report.pdf\r\n" +
		"Content-Transfer-Encoding: binary\r\n\r\n" + string(data) + "\r\n--zz--\r\n"
}

// smtpSessionCapture writes one SMTP session: a rejected DATA; after
// RSET, a DATA message (null reverse-path, lowercase commands, two
// recipients of which one is refused) cut into segments of segSize (two
// swapped; skip drops one, a gap); after RSET, a BDAT message in two
// chunks (a space after "FROM:", parameters, a quoted local part, three
// recipients sent before their replies, of which the third is refused
// after the first chunk).
func smtpSessionCapture(t testing.TB, msg, bdat string, segSize int, skip int) []byte {
	return pcapBytes(t, layers.LinkTypeEthernet, smtpSessionPackets(t, msg, bdat, segSize, skip))
}

func smtpSessionPackets(t testing.TB, msg, bdat string, segSize int, skip int) []testPacket {
	c := &smtpCapture{t: t, at: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := c.open("10.0.0.5", "192.0.2.25", 40000, 25)
	s.send(true, "220 mx.example.org ESMTP\r\n")
	s.send(false, "EHLO client\r\n")
	s.send(true, "250-mx.example.org\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 8BITMIME\r\n")
	s.send(false, "MAIL FROM:<a@example.net>\r\nRCPT TO:<nobody@example.org>\r\nDATA\r\n")
	s.send(true, "250 ok\r\n550 no such user\r\n554 no valid recipients\r\n")
	s.send(false, "RSET\r\n")
	s.send(true, "250 ok\r\n")
	s.send(false, "mail from:<>\r\nrcpt to:<victim@example.org>\r\nrcpt TO:<nobody@example.org>\r\ndata\r\n")
	s.send(true, "250 ok\r\n250 ok\r\n550 5.1.1 no such user\r\n354 go ahead\r\n")
	segs := s.segs(false, []byte(dotStuff(msg)), segSize)
	if len(segs) > 4 {
		segs[2], segs[3] = segs[3], segs[2]
	}
	for i, p := range segs {
		if i != skip {
			c.pkts = append(c.pkts, p)
		}
	}
	s.send(true, "250 queued\r\n")
	if bdat != "" {
		half := len(bdat) / 2
		s.send(false, "RSET\r\n")
		s.send(true, "250 ok\r\n")
		s.send(false, "MAIL FROM: <b@example.net> SIZE=1234 BODY=BINARYMIME\r\nRCPT TO:<x@example.org> NOTIFY=NEVER\r\n"+
			"Rcpt To:<\"q>uoted\"@example.org>\r\nRCPT TO: <later@example.org>\r\n"+fmt.Sprintf("BDAT %d\r\n%s", half, bdat[:half]))
		s.send(true, "250 ok\r\n250 ok\r\n250 ok\r\n452 4.5.3 too many recipients\r\n250 chunk\r\n")
		s.send(false, fmt.Sprintf("BDAT %d LAST\r\n%s", len(bdat)-half, bdat[half:]))
		s.send(true, "250 queued\r\n")
	}
	s.send(false, "QUIT\r\n")
	s.send(true, "221 bye\r\n")
	s.close()
	return c.pkts
}

// TestSMTPObjectsKnownAnswer checks every field of the attachments of a
// session built here: base64, quoted-printable (with dot-stuffed lines),
// an inline image nested two levels down, an RFC 2231 file name, encoded
// words in From and Subject, swapped segments, a rejected DATA and a BDAT
// message; the SHA-256 of each is known from the bytes encoded.
func TestSMTPObjectsKnownAnswer(t *testing.T) {
	atts := knownAttachments()
	pdf := []byte("%PDF-1.4\r\n.dot line kept as is\r\n\x00\x01binary\xff\r\n%%EOF")
	for _, segSize := range []int{1400, 97, 1} {
		data := smtpSessionCapture(t, knownMessage(atts), bdatMessage(pdf), segSize, -1)
		s, err := Read("smtp.pcap", bytes.NewReader(data), Options{})
		if err != nil {
			t.Fatal(err)
		}
		m := s.SMTP
		if m.Messages != 2 || m.ObjectsTotal != 4 || len(m.Objects) != 4 || len(m.ObjectsSkipped) != 0 {
			t.Fatalf("segments of %d: %d messages, %d objects (total %d), skipped %v: %+v", segSize, m.Messages, len(m.Objects), m.ObjectsTotal, m.ObjectsSkipped, m.Objects)
		}
		dataRcpt, bdatRcpt := []string{"victim@example.org"}, []string{"x@example.org", "\"q>uoted\"@example.org"}
		want := []struct {
			att           testAttachment
			from, subject string
			to, sniffed   string
			md5           bool
			mailFrom      string
			rcptTo        []string
		}{
			{atts[2], "Mallory Éve <mallory@example.net>", "Invoice € 123", "victim@example.org", "image/png", false, "", dataRcpt},
			{atts[0], "Mallory Éve <mallory@example.net>", "Invoice € 123", "victim@example.org", "application/x-msdownload", true, "", dataRcpt},
			{atts[1], "Mallory Éve <mallory@example.net>", "Invoice € 123", "victim@example.org", "text/plain", false, "", dataRcpt},
			{testAttachment{"report.pdf", "application/pdf", "binary", pdf, KindDocument}, "bdat@example.net", "chunked", "x@example.org", "application/pdf", true,
				"b@example.net", bdatRcpt},
		}
		for i, w := range want {
			o := m.Objects[i]
			if o.MailFrom != w.mailFrom || strings.Join(o.RcptTo, "|") != strings.Join(w.rcptTo, "|") || o.RcptTotal != int64(len(w.rcptTo)) {
				t.Errorf("segments of %d, object %d: envelope %q %q (%d), want %q %q", segSize, i, o.MailFrom, o.RcptTo, o.RcptTotal, w.mailFrom, w.rcptTo)
			}
			if o.Client != "10.0.0.5" || o.ClientPort != 40000 || o.Server != "192.0.2.25" || o.ServerPort != 25 ||
				o.From != w.from || o.To != w.to || o.Subject != w.subject || o.Filename != w.att.name ||
				o.DeclaredType != w.att.ctype || o.Encoding != w.att.encoding || o.Size != int64(len(w.att.data)) ||
				o.SHA256 != sha256Hex(w.att.data) || o.SniffedType != w.sniffed || o.Kind != w.att.kind ||
				(o.MD5 != "") != w.md5 || (o.SHA1 != "") != w.md5 || o.Incomplete || o.File != "" || o.Time == "" {
				t.Errorf("segments of %d, object %d: got %+v\nwant %q %s %d bytes sha256 %s sniffed %s", segSize, i, o,
					w.att.name, w.att.ctype, len(w.att.data), sha256Hex(w.att.data), w.sniffed)
			}
		}
		if m.Objects[0].Time != m.Objects[2].Time || m.Objects[3].Time <= m.Objects[0].Time {
			t.Errorf("times %s %s %s", m.Objects[0].Time, m.Objects[2].Time, m.Objects[3].Time)
		}
		// smtp-executable-attachment fires for tool.exe only: not for the
		// image, the text or the PDF (a document, not an executable).
		var fired []Finding
		for _, f := range s.Findings {
			if f.Rule == "smtp-executable-attachment" {
				fired = append(fired, f)
			}
		}
		exe := m.Objects[1]
		if len(fired) != 1 || fired[0].Anchor != "smtp-objects" || fired[0].Severity != SeverityMedium ||
			!strings.Contains(fired[0].Title, exe.SHA256) || !strings.Contains(fired[0].Title, "tool.exe") ||
			!strings.HasPrefix(fired[0].Title, "10.0.0.5 sent an executable") || fired[0].Evidence.Counts[0].Count != exe.Size {
			t.Errorf("segments of %d: findings %+v", segSize, fired)
		}
	}
}

// TestSMTPObjectsGap: a segment of the message missing from the capture
// makes the attachment it cut incomplete, its hash not the file's; the
// attachments before it are whole, and the session goes on to the next
// message.
func TestSMTPObjectsGap(t *testing.T) {
	atts := knownAttachments()
	msg := knownMessage(atts)
	stuffed := dotStuff(msg)
	// The segment of 500 bytes that holds the middle of tool.exe's base64.
	mid := strings.Index(stuffed, "Content-Disposition: attachment; filename=\"tool.exe\"") + 10000
	skip := mid / 500
	pdf := []byte("%PDF-1.4 small")
	data := smtpSessionCapture(t, msg, bdatMessage(pdf), 500, skip)
	s, err := Read("gap.pcap", bytes.NewReader(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := s.SMTP
	if m.Messages != 2 || len(m.Objects) != 3 {
		t.Fatalf("%d messages, objects %+v", m.Messages, m.Objects)
	}
	png, exe, pdfObj := m.Objects[0], m.Objects[1], m.Objects[2]
	if png.Incomplete || png.SHA256 != sha256Hex(atts[2].data) {
		t.Errorf("the image before the gap: %+v", png)
	}
	if !exe.Incomplete || exe.SHA256 == sha256Hex(atts[0].data) || exe.Size == 0 || exe.Size >= int64(len(atts[0].data)) || exe.Filename != "tool.exe" {
		t.Errorf("the attachment cut by the gap: %+v", exe)
	}
	if pdfObj.Incomplete || pdfObj.SHA256 != sha256Hex(pdf) || pdfObj.Filename != "report.pdf" {
		t.Errorf("the next message: %+v", pdfObj)
	}
	// Past the gap, replies are no longer paired with the lines: the
	// recipient refused after the first chunk counts as sent.
	if pdfObj.MailFrom != "b@example.net" || len(pdfObj.RcptTo) != 3 || pdfObj.RcptTo[2] != "later@example.org" || pdfObj.RcptTotal != 3 {
		t.Errorf("envelope past the gap: %q %q %d", pdfObj.MailFrom, pdfObj.RcptTo, pdfObj.RcptTotal)
	}
	if got := skippedCount(m.ObjectsSkipped, "messages_cut"); got != 1 {
		t.Errorf("messages_with_gaps %d, skipped %v", got, m.ObjectsSkipped)
	}
}

func skippedCount(cs []Count, name string) int64 {
	for _, c := range cs {
		if c.Name == name {
			return c.Count
		}
	}
	return 0
}

// readSMTP analyses a session carrying msg (sent with DATA) and returns
// its SMTP section.
func readSMTP(t *testing.T, msg string) SMTP {
	t.Helper()
	s, err := Read("hostile.pcap", bytes.NewReader(smtpSessionCapture(t, msg, "", 1400, -1)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s.SMTP
}

// TestSMTPHostileNames: a file name with markup, control bytes and
// invalid UTF-8, and a subject the same, are kept as sent (the report and
// JSON show them as text), cut to MaxTargetLen with the mark.
func TestSMTPHostileNames(t *testing.T) {
	name := "</script><script>alert(1)</script>\xff\xfe../../etc/passwd"
	subject := "__f__function(){}\xc3\x28" + strings.Repeat("s", 5000)
	msg := "From: a@example.net\r\nSubject: " + subject + "\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"" + name + "\"\r\n\r\n" +
		"payload\r\n--b--\r\n"
	m := readSMTP(t, msg)
	if len(m.Objects) != 1 {
		t.Fatalf("%d messages, objects %+v, skipped %v", m.Messages, m.Objects, m.ObjectsSkipped)
	}
	o := m.Objects[0]
	if o.Filename != name || o.Size != int64(len("payload")) || o.SHA256 != sha256Hex([]byte("payload")) {
		t.Errorf("file name %q, size %d, sha256 %s", o.Filename, o.Size, o.SHA256)
	}
	// A control byte in the message's header is kept; in a part's header
	// (which net/textproto would refuse, ending the parts) it is read as
	// '?': the part after it is listed.
	msg = strings.Replace(msg, "Subject: ", "Subject: \x1b[31m", 1)
	msg = strings.Replace(msg, "--b--\r\n", "--b\r\nContent-Type: application/x-y\r\nX-Bad: \x00\x1b\r\n"+
		"Content-Disposition: attachment; filename=\"a\x1bb.exe\"\r\n\r\nhidden\x00\x1b\r\n--b--\r\n", 1)
	m2 := readSMTP(t, msg)
	if len(m2.Objects) != 2 || !strings.HasPrefix(m2.Objects[0].Subject, "\x1b[31m__f__") || m2.Objects[0].Filename != name ||
		m2.Objects[1].Filename != "a?b.exe" || m2.Objects[1].SHA256 != sha256Hex([]byte("hidden\x00\x1b")) || len(m2.ObjectsSkipped) != 0 {
		t.Errorf("with control bytes: objects %+v, skipped %v", m2.Objects, m2.ObjectsSkipped)
	}
	if !strings.HasPrefix(o.Subject, subject[:MaxTargetLen-10]) || !strings.Contains(o.Subject, CutMark) || len(o.Subject) > MaxTargetLen+64 {
		t.Errorf("subject of %d bytes not cut: %q…", len(o.Subject), o.Subject[:40])
	}
}

// TestSMTPManyParts: a message of 10,000 tiny parts lists the first
// maxSMTPParts and counts the others; the session's next message is read.
func TestSMTPManyParts(t *testing.T) {
	var b strings.Builder
	b.WriteString("Subject: parts\r\nContent-Type: multipart/mixed; boundary=p\r\n\r\n")
	for i := range 10_000 {
		fmt.Fprintf(&b, "--p\r\nContent-Type: application/x-part\r\n\r\n%d\r\n", i)
	}
	b.WriteString("--p--\r\n")
	m := readSMTP(t, b.String())
	if len(m.Objects) != maxSMTPParts || m.ObjectsTotal != maxSMTPParts || skippedCount(m.ObjectsSkipped, "parts_not_read") != 10_000-maxSMTPParts {
		t.Fatalf("%d objects (total %d), skipped %v", len(m.Objects), m.ObjectsTotal, m.ObjectsSkipped)
	}
	for i, o := range m.Objects {
		if want := []byte(fmt.Sprint(i)); o.SHA256 != sha256Hex(want) || o.DeclaredType != "application/x-part" || o.Incomplete {
			t.Fatalf("part %d: %+v", i, o)
		}
	}
}

// TestSMTPDeepNesting: parts nested deeper than maxSMTPDepth are counted,
// not read; an attachment within the depth is.
func TestSMTPDeepNesting(t *testing.T) {
	for _, depth := range []int{maxSMTPDepth - 1, 100} {
		var head, tail strings.Builder
		head.WriteString("Subject: deep\r\n")
		for i := range depth {
			fmt.Fprintf(&head, "Content-Type: multipart/mixed; boundary=d%d\r\n\r\n--d%d\r\n", i, i)
			fmt.Fprintf(&tail, "--d%d--\r\n", depth-1-i)
		}
		head.WriteString("Content-Type: application/zip\r\n\r\nPK\x03\x04inner\r\n")
		m := readSMTP(t, head.String()+tail.String())
		deep := skippedCount(m.ObjectsSkipped, "parts_too_deep")
		if depth <= maxSMTPDepth {
			if len(m.Objects) != 1 || m.Objects[0].SHA256 != sha256Hex([]byte("PK\x03\x04inner")) || m.Objects[0].Kind != KindArchive || deep != 0 {
				t.Errorf("depth %d: objects %+v, skipped %v", depth, m.Objects, m.ObjectsSkipped)
			}
			continue
		}
		if len(m.Objects) != 0 || deep != 1 {
			t.Errorf("depth %d: objects %+v, skipped %v", depth, m.Objects, m.ObjectsSkipped)
		}
	}
}

// TestSMTPNeverEnding: a DATA phase that never ends (no "." line, no FIN)
// lists its attachment as far as it came, incomplete; STARTTLS stops the
// following of its session.
func TestSMTPNeverEnding(t *testing.T) {
	c := &smtpCapture{t: t, at: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := c.open("10.0.0.5", "192.0.2.25", 40000, 587)
	s.send(false, "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n")
	s.send(true, "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n")
	s.send(false, "Subject: endless\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	chunk := wrap76(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("0123456789ab"), 1000)))
	for range 50 {
		s.send(false, chunk)
	}
	t2 := c.open("10.0.0.6", "192.0.2.25", 40001, 25)
	t2.send(false, "EHLO y\r\nSTARTTLS\r\n")
	t2.send(true, "220 go ahead\r\n")
	t2.send(false, "\x16\x03\x01 DATA\r\n")
	t2.send(true, "354 not really\r\n")
	t2.send(false, "Content-Type: application/octet-stream\r\n\r\nsecret\r\n.\r\n")
	data := pcapBytes(t, layers.LinkTypeEthernet, c.pkts)
	sum, err := Read("endless.pcap", bytes.NewReader(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := sum.SMTP
	if m.Messages != 1 || len(m.Objects) != 1 || !m.Objects[0].Incomplete || m.Objects[0].Size != 50*12000 ||
		m.Objects[0].ServerPort != 587 || skippedCount(m.ObjectsSkipped, "messages_cut") != 1 ||
		skippedCount(m.ObjectsSkipped, "sessions_starttls") != 1 {
		t.Errorf("messages %d, objects %+v, skipped %v", m.Messages, m.Objects, m.ObjectsSkipped)
	}
}

// TestSMTPBounds: more sessions than are followed at once, and more
// messages than are parsed at once, are given up and counted.
func TestSMTPBounds(t *testing.T) {
	c := &smtpCapture{t: t, at: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)}
	var conns []*smtpConn
	for i := range maxSMTPSessions + 5 {
		s := c.open(fmt.Sprintf("10.1.%d.%d", i>>8, i&0xff), "192.0.2.25", 40000, 25)
		s.send(false, "DATA\r\n")
		s.send(true, "354 go\r\n")
		s.send(false, "Content-Type: application/x-a\r\n\r\nfirst part\r\n")
		conns = append(conns, s)
	}
	for _, s := range conns {
		s.send(false, "more\r\n.\r\n")
	}
	data := pcapBytes(t, layers.LinkTypeEthernet, c.pkts)
	sum, err := Read("many.pcap", bytes.NewReader(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := sum.SMTP
	// The 5 sessions given up free their parsers for the last 5.
	parsed := maxSMTPParsers + 5
	if m.Messages != maxSMTPSessions+5 || skippedCount(m.ObjectsSkipped, "messages_not_parsed") != int64(maxSMTPSessions+5-parsed) ||
		skippedCount(m.ObjectsSkipped, "sessions_given_up") != 5 || len(m.Objects) != parsed {
		t.Fatalf("messages %d, %d objects, skipped %v", m.Messages, len(m.Objects), m.ObjectsSkipped)
	}
	// The first 5 sessions were given up, their messages cut; the other
	// parsed ones end whole.
	for i, o := range m.Objects {
		whole := i >= 5
		body := "first part\r\n"
		if whole {
			body += "more\r\n"
		}
		if o.Incomplete == whole || o.SHA256 != sha256Hex([]byte(body)) {
			t.Errorf("object %d: %+v", i, o)
		}
	}
}

// TestPartHeaderClean: control bytes are read as '?' in part headers
// only, the same whether the bytes come at once or one by one; a body
// line that only starts like the delimiter keeps its bytes.
func TestPartHeaderClean(t *testing.T) {
	in := "pre\x01amble\r\n--b\r\nX-A: \x00\x1b\t\x7f\r\nX-B: ok\r\n\r\nbody\x01\r\n--bx\x02\r\nY: \x03\r\n\r\n" +
		"--b  \r\nZ: \x04\r\n\r\n\x05--b\x06\r\n--b--\r\nepi\x07"
	want := "pre\x01amble\r\n--b\r\nX-A: ??\t?\r\nX-B: ok\r\n\r\nbody\x01\r\n--bx\x02\r\nY: \x03\r\n\r\n" +
		"--b  \r\nZ: ?\r\n\r\n\x05--b\x06\r\n--b--\r\nepi?"
	for _, oneByte := range []bool{false, true} {
		var r io.Reader = strings.NewReader(in)
		if oneByte {
			r = iotest.OneByteReader(r)
		}
		got, err := io.ReadAll(newPartHeaderClean(r, "b"))
		if err != nil || string(got) != want {
			t.Errorf("one byte at a time %v: %q, %v\nwant %q", oneByte, got, err, want)
		}
	}
}
