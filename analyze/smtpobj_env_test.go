package analyze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// TestSMTPPath reads the paths of MAIL FROM and RCPT TO arguments as RFC
// 5321 4.1.2 writes them, and as servers tolerate them.
func TestSMTPPath(t *testing.T) {
	long := strings.Repeat("a", 300)
	for _, c := range []struct {
		line, kw string
		sent     int // 0: the line's length
		want     string
		ok       bool
	}{
		{"MAIL FROM:<>", "FROM:", 0, "", true},
		{"MAIL FROM:<> BODY=8BITMIME", "FROM:", 0, "", true},
		{"mail from:<A@Example.net>", "FROM:", 0, "A@Example.net", true},
		{"MAIL FROM: <x@y> SIZE=10", "FROM:", 0, "x@y", true},
		{"MAIL  From:\t<x@y>", "FROM:", 0, "x@y", true},
		{"MAIL FROM:x@y SIZE=10", "FROM:", 0, "x@y", true},
		{"MAIL FROM:x@y", "FROM:", 0, "x@y", true},
		{"MAIL FROM:<x@y", "FROM:", 0, "x@y", true},
		{"RCPT TO:<\"a>b c\"@d> NOTIFY=NEVER", "TO:", 0, "\"a>b c\"@d", true},
		{"RCPT TO:<\"a\\\">\"@d>", "TO:", 0, "\"a\\\">\"@d", true},
		{"RCPT TO:<@relay.example:u@d>", "TO:", 0, "@relay.example:u@d", true},
		{"RCPT TO:<" + long + ">", "TO:", 0, long[:256] + "…[cut, 300 bytes]", true},
		{"RCPT TO:<" + long, "TO:", 1 << 20, long[:256] + "…[cut, 1048567 bytes]", true},
		{"RCPT TO <x@y>", "TO:", 0, "", false},
		{"MAIL FROMX:<x@y>", "FROM:", 0, "", false},
		{"RCPT", "TO:", 0, "", false},
	} {
		_, arg, _ := strings.Cut(c.line, " ")
		sent := c.sent
		if sent == 0 {
			sent = len(c.line)
		}
		got, ok := smtpPath([]byte(c.line), []byte(arg), c.kw, sent)
		if got != c.want || ok != c.ok {
			t.Errorf("%.40q: %q %v, want %q %v", c.line, got, ok, c.want, c.ok)
		}
	}
}

// TestSMTPEnvelopeUnpaired: with no server side in the capture (the
// client's packets only), replies cannot be paired: the recipients are
// those sent, the refused ones too. The DATA message, started by the
// server's 354, is not seen; the BDAT message is.
func TestSMTPEnvelopeUnpaired(t *testing.T) {
	pdf := []byte("%PDF-1.4 x")
	var pkts []testPacket
	for _, p := range smtpSessionPackets(t, knownMessage(knownAttachments()), bdatMessage(pdf), 1400, -1) {
		if netip.AddrFrom4([4]byte(p.data[26:30])) == netip.MustParseAddr("10.0.0.5") {
			pkts = append(pkts, p)
		}
	}
	s, err := Read("client.pcap", bytes.NewReader(pcapBytes(t, layers.LinkTypeEthernet, pkts)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := s.SMTP
	if m.Messages != 1 || len(m.Objects) != 1 {
		t.Fatalf("%d messages, objects %+v", m.Messages, m.Objects)
	}
	o := m.Objects[0]
	want := []string{"x@example.org", "\"q>uoted\"@example.org", "later@example.org"}
	if o.SHA256 != sha256Hex(pdf) || o.MailFrom != "b@example.net" || strings.Join(o.RcptTo, " ") != strings.Join(want, " ") || o.RcptTotal != 3 {
		t.Errorf("object %+v", o)
	}
}

// TestSMTPEnvelopeAwaitBound: a client that sends runs of RCPT TO and
// NOOP without reading replies holds at most maxSMTPAwait runs: past
// them, replies are no longer paired (its recipients count as sent); the
// replies awaited hold at most two transactions' envelopes.
func TestSMTPEnvelopeAwaitBound(t *testing.T) {
	s := &smtpSession{}
	o := &smtpObjs{}
	cmd := func(l string) { o.command(s, []byte(l), len(l), time.Time{}) }
	var txs []*smtpEnvelope
	for i := range 3 {
		cmd("MAIL FROM:<a" + string(rune('0'+i)) + "@x>")
		cmd("RCPT TO:<r@x>")
		cmd("RCPT TO:<q@x>")
		txs = append(txs, s.env)
	}
	envs := map[*smtpEnvelope]bool{}
	for _, a := range s.await {
		if a.env != nil {
			envs[a.env] = true
		}
	}
	if len(envs) != 2 || len(s.await) != 6 || s.unpaired {
		t.Fatalf("%d envelopes held, %d runs %+v", len(envs), len(s.await), s.await)
	}
	// MAIL, RCPT, RCPT of the three transactions: the first one's
	// refusal is no longer paired, the last one's is.
	for _, code := range []int{250, 550, 250, 250, 250, 250, 250, 550, 250} {
		s.reply(code)
	}
	for i, want := range []string{"r@x q@x", "r@x q@x", "q@x"} {
		if r, n := txs[i].accepted(); strings.Join(r, " ") != want || n != int64(len(r)) || txs[i].from != "a"+string(rune('0'+i))+"@x" {
			t.Errorf("transaction %d: %q %d", i, r, n)
		}
	}
	if len(s.await) != 0 {
		t.Errorf("runs left: %+v", s.await)
	}
	for range maxSMTPAwait / 2 {
		cmd("RCPT TO:<x@y>")
		cmd("NOOP")
	}
	if s.unpaired || len(s.await) != maxSMTPAwait {
		t.Fatalf("%d runs: unpaired %v", len(s.await), s.unpaired)
	}
	cmd("RCPT TO:<x@y>")
	if !s.unpaired || len(s.await) != 0 {
		t.Fatalf("past %d runs: unpaired %v, %d runs", maxSMTPAwait, s.unpaired, len(s.await))
	}
	s.reply(550)
	if _, acc := s.env.accepted(); acc != 1+maxSMTPAwait/2+1 {
		t.Errorf("unpaired: %d accepted", acc)
	}
}

// TestSMTPEnvelopeHostile: addresses holding markup, go-echarts' function
// marker, control bytes and invalid UTF-8 (in a quoted local part, where
// '>' does not end the path) are kept as sent, and a long one is cut with
// the mark; the report shows them as text (report's
// TestSMTPObjectsHostileStrings).
func TestSMTPEnvelopeHostile(t *testing.T) {
	from := "\"</script><script>alert(1)</script>\"@evil.example"
	rcpts := []string{"\"__f__function(){alert(1)}__f__\"@x", "\xff\xfe\x1b[31m\x00@x", "\"" + strings.Repeat("\xc3\xa9", 200) + "\"@x"}
	c := &smtpCapture{t: t, at: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := c.open("10.0.0.5", "192.0.2.25", 40000, 25)
	s.send(true, "220 mx\r\n")
	s.send(false, "MAIL FROM:<"+from+">\r\nRCPT TO:<"+rcpts[0]+">\r\nRCPT TO:<"+rcpts[1]+">\r\nRCPT TO:<"+rcpts[2]+">\r\nDATA\r\n")
	s.send(true, "250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n")
	s.send(false, "Content-Type: application/x-y\r\n\r\nabc\r\n.\r\n")
	s.send(true, "250 queued\r\n")
	s.close()
	sum, err := Read("hostile.pcap", bytes.NewReader(pcapBytes(t, layers.LinkTypeEthernet, c.pkts)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.SMTP.Objects) != 1 {
		t.Fatalf("objects %+v", sum.SMTP.Objects)
	}
	o := sum.SMTP.Objects[0]
	// 404 bytes, cut at 256: the last é would straddle it (bytes 255-256).
	long := "\"" + strings.Repeat("\xc3\xa9", 127) + "…[cut, 404 bytes]"
	if o.MailFrom != from || len(o.RcptTo) != 3 || o.RcptTo[0] != rcpts[0] || o.RcptTo[1] != rcpts[1] || o.RcptTo[2] != long || o.RcptTotal != 3 {
		t.Errorf("envelope %q %q %d", o.MailFrom, o.RcptTo, o.RcptTotal)
	}
}

// TestSMTPEnvelopeMerge: in an overview the envelope travels with its
// attachment unchanged; an attachment of a Summary written before the
// envelope was (no rcpt_to) gets an empty list, not null.
func TestSMTPEnvelopeMerge(t *testing.T) {
	pdf := []byte("%PDF-1.4 merge")
	data := smtpSessionCapture(t, knownMessage(knownAttachments()), bdatMessage(pdf), 1400, -1)
	one, err := Read("a.pcap", bytes.NewReader(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(one)
	if err != nil {
		t.Fatal(err)
	}
	old := regexp.MustCompile(`,"mail_from":"[^"]*","rcpt_to":\[[^\]]*\],"rcpt_total":\d+`).ReplaceAll(b, nil)
	var two Summary
	if err := json.Unmarshal(old, &two); err != nil {
		t.Fatal(err)
	}
	two.Capture.Path = "b.pcap"
	if len(two.SMTP.Objects) != 4 || two.SMTP.Objects[3].RcptTo != nil {
		t.Fatalf("the old Summary: %+v", two.SMTP.Objects)
	}
	dst := *one
	if err := Merge(&dst, &two); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range dst.SMTP.Objects {
		got = append(got, fmt.Sprintf("%s %q %q %d", o.Filename, o.MailFrom, o.RcptTo, o.RcptTotal))
	}
	want := []string{`tool.exe "" ["victim@example.org"] 1`, `report.pdf "b@example.net" ["x@example.org" "\"q>uoted\"@example.org"] 2`,
		`tool.exe "" [] 0`, `report.pdf "" [] 0`}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s not in the overview's objects:\n%s", w, strings.Join(got, "\n"))
		}
	}
	if out, err := json.Marshal(dst.SMTP); err != nil || bytes.Contains(out, []byte(`"rcpt_to":null`)) || len(dst.SMTP.Objects) != 8 {
		t.Errorf("%d objects, JSON %s, %v", len(dst.SMTP.Objects), out, err)
	}
}
