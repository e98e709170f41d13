package analyze

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// envelopeCapture writes three SMTP sessions, each message with one
// attachment named after it: transactions with refused and accepted
// recipients, RSET, a null reverse-path, lowercase commands, a space after
// the colon, parameters; the second session pipelined (commands in one
// segment, replies in one); the third sends BDAT.
func envelopeCapture(t *testing.T) []byte {
	c := &smtpCapture{t: t, at: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)}
	msg := func(name string) string {
		return dotStuff("From: h@example.com\r\nTo: header@example.com\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
			"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=" + name + "\r\n\r\n" +
			"data of " + name + "\r\n--b--\r\n")
	}
	s := c.open("10.0.0.5", "192.0.2.25", 40000, 25)
	for _, x := range []struct {
		fromServer bool
		b          string
	}{
		{true, "220 mx ESMTP\r\n"}, {false, "EHLO c\r\n"}, {true, "250 mx\r\n"},
		{false, "MAIL FROM:<alice@example.net>\r\n"}, {true, "250 ok\r\n"},
		{false, "RCPT TO:<v1@example.org>\r\n"}, {true, "250 ok\r\n"},
		{false, "RCPT TO:<nobody@example.org>\r\n"}, {true, "550 5.1.1 no such user\r\n"},
		{false, "RCPT TO: <v2@example.org> NOTIFY=NEVER\r\n"}, {true, "250 ok\r\n"},
		{false, "DATA\r\n"}, {true, "354 go\r\n"}, {false, msg("one.bin")}, {true, "250 queued\r\n"},
		{false, "RSET\r\n"}, {true, "250 ok\r\n"},
		{false, "mail from:<> SIZE=100\r\n"}, {true, "250 ok\r\n"},
		{false, "rcpt to:<postmaster@example.org>\r\n"}, {true, "250 ok\r\n"},
		{false, "rcpt to:<temp@example.org>\r\n"}, {true, "451 4.3.0 try later\r\n"},
		{false, "data\r\n"}, {true, "354 go\r\n"}, {false, msg("two.bin")}, {true, "250 queued\r\n"},
		{false, "QUIT\r\n"}, {true, "221 bye\r\n"},
	} {
		s.send(x.fromServer, x.b)
	}
	s.close()
	p := c.open("10.0.0.6", "192.0.2.25", 40001, 587)
	p.send(true, "220 mx ESMTP\r\n")
	p.send(false, "EHLO c\r\n")
	p.send(true, "250 mx\r\n")
	p.send(false, "MAIL FROM: <bob@example.net>\r\nRCPT TO:<w1@example.org>\r\nRCPT TO:<w2@example.org>\r\nRCPT TO:<w3@example.org>\r\nDATA\r\n")
	p.send(true, "250 ok\r\n550 no\r\n250 ok\r\n250 ok\r\n354 go\r\n")
	p.send(false, msg("three.bin"))
	p.send(true, "250 queued\r\n")
	p.send(false, "QUIT\r\n")
	p.send(true, "221 bye\r\n")
	p.close()
	b := c.open("10.0.0.7", "192.0.2.25", 40002, 2525)
	body := strings.TrimSuffix(msg("four.bin"), ".\r\n")
	b.send(true, "220 mx ESMTP\r\n")
	b.send(false, "EHLO c\r\n")
	b.send(true, "250 mx\r\n")
	b.send(false, "MAIL FROM:<carol@example.net>\r\n")
	b.send(true, "250 ok\r\n")
	b.send(false, "RCPT TO:<x1@example.org>\r\n")
	b.send(true, "250 ok\r\n")
	b.send(false, "RCPT TO:<x2@example.org>\r\n")
	b.send(true, "553 not allowed\r\n")
	b.send(false, fmt.Sprintf("BDAT %d LAST\r\n%s", len(body), body))
	b.send(true, "250 queued\r\n")
	b.send(false, "QUIT\r\n")
	b.send(true, "221 bye\r\n")
	b.close()
	return pcapBytes(t, layers.LinkTypeEthernet, c.pkts)
}

// tsharkValues reads a field tshark writes once as a value, repeated as a
// list (--no-duplicate-keys).
func tsharkValues[T any](t *testing.T, raw json.RawMessage) []T {
	t.Helper()
	if len(raw) == 0 {
		return nil
	}
	if raw[0] == '[' {
		var l []T
		if err := json.Unmarshal(raw, &l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return []T{v}
}

// testEnvelope is an envelope as this test reads it from tshark.
type testEnvelope struct {
	from  string
	rcpts []string
}

// testPath takes the path out of a MAIL or RCPT parameter as tshark
// splits it ("FROM:<a@b> SIZE=1", "TO: <c@d>").
func testPath(param string) string {
	_, rest, _ := strings.Cut(param, ":")
	rest = strings.TrimSpace(rest)
	if strings.HasPrefix(rest, "<") {
		end := strings.Index(rest, ">")
		return rest[1:end]
	}
	word, _, _ := strings.Cut(rest, " ")
	return word
}

// TestSMTPEnvelopeTshark compares each message's envelope with the one
// read here from tshark's SMTP commands and reply codes
// (smtp.req.command, smtp.req.parameter, smtp.response.code), paired in
// this test: the first reply is the greeting, each command gets the next
// reply, a message after 354 one more; a 4xx or 5xx reply to RCPT refuses
// it. tshark 4.0 does not read BDAT as a command: the transaction still
// open at a session's end is taken for its BDAT message.
func TestSMTPEnvelopeTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	path := filepath.Join(t.TempDir(), "envelope.pcap")
	if err := os.WriteFile(path, envelopeCapture(t), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("tshark", "-r", path, "-d", "tcp.port==2525,smtp", "-Y", "smtp.req.command or smtp.response.code",
		"-T", "json", "-J", "tcp smtp", "--no-duplicate-keys").Output()
	if err != nil {
		t.Fatal(err)
	}
	var pkts []struct {
		Source struct {
			Layers struct {
				TCP struct {
					Stream string `json:"tcp.stream"`
					Port   string `json:"tcp.srcport"`
				} `json:"tcp"`
				SMTP struct {
					Commands  json.RawMessage `json:"smtp.command_line_tree"`
					Responses json.RawMessage `json:"smtp.response_tree"`
				} `json:"smtp"`
			} `json:"layers"`
		} `json:"_source"`
	}
	if err := json.Unmarshal(out, &pkts); err != nil {
		t.Fatal(err)
	}
	type command struct {
		Command   string `json:"smtp.req.command"`
		Parameter string `json:"smtp.req.parameter"`
	}
	type response struct {
		Code string `json:"smtp.response.code"`
	}
	// Per session (by the client's port): the lines awaiting a reply,
	// the transaction open, and the envelopes of its messages.
	type rcptRef struct {
		tx *testEnvelope
		i  int
	}
	type session struct {
		await    []any // rcptRef, or a command's name
		tx       *testEnvelope
		refused  map[rcptRef]bool
		messages []*testEnvelope
		greeted  bool
	}
	sessions := map[string]*session{}
	var order []string
	for _, p := range pkts {
		l := p.Source.Layers
		ss := sessions[l.TCP.Stream]
		if ss == nil {
			ss = &session{refused: map[rcptRef]bool{}}
			sessions[l.TCP.Stream] = ss
			order = append(order, l.TCP.Stream)
		}
		for _, c := range tsharkValues[command](t, l.SMTP.Commands) {
			switch strings.ToUpper(c.Command) {
			case "MAIL":
				ss.tx = &testEnvelope{from: testPath(c.Parameter)}
			case "RCPT":
				ss.tx.rcpts = append(ss.tx.rcpts, testPath(c.Parameter))
				ss.await = append(ss.await, rcptRef{ss.tx, len(ss.tx.rcpts) - 1})
				continue
			case "RSET":
				ss.tx = nil
			}
			ss.await = append(ss.await, strings.ToUpper(c.Command))
		}
		for _, r := range tsharkValues[response](t, l.SMTP.Responses) {
			code, err := strconv.Atoi(r.Code)
			if err != nil {
				t.Fatal(err)
			}
			if !ss.greeted {
				ss.greeted = true
				continue
			}
			if len(ss.await) == 0 {
				continue
			}
			switch a := ss.await[0].(type) {
			case rcptRef:
				if code >= 400 {
					ss.refused[a] = true
				}
			case string:
				if a == "DATA" && code == 354 {
					ss.messages = append(ss.messages, ss.tx)
					ss.tx = nil
					ss.await = append(ss.await[:1], append([]any{"end of message"}, ss.await[1:]...)...)
				}
			}
			ss.await = ss.await[1:]
		}
	}
	var want []string
	for _, k := range order {
		ss := sessions[k]
		if ss.tx != nil {
			ss.messages = append(ss.messages, ss.tx) // its BDAT message
		}
		for _, m := range ss.messages {
			var rcpts []string
			for i, r := range m.rcpts {
				if !ss.refused[rcptRef{m, i}] {
					rcpts = append(rcpts, r)
				}
			}
			want = append(want, fmt.Sprintf("%q %q", m.from, rcpts))
		}
	}

	s, err := File(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range s.SMTP.Objects {
		if int(o.RcptTotal) != len(o.RcptTo) {
			t.Errorf("%s: %d recipients, %d listed", o.Filename, o.RcptTotal, len(o.RcptTo))
		}
		got = append(got, fmt.Sprintf("%q %q", o.MailFrom, o.RcptTo))
	}
	if len(want) != 4 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("envelopes:\n%s\ntshark's:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
