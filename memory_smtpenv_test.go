package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

// TestSMTPEnvelopeMemory: one SMTP transaction with 2,000 RCPT TO of
// 1 MB addresses each (a 2 GB capture, zstd-compressed), the server
// refusing the 51st and the 1,501st, then a message with one attachment.
// Its envelope keeps the first 100 recipients sent less the refused one,
// each cut to 256 bytes with the mark giving its length, and counts
// 1,998; the run stays under memoryBound.
func TestSMTPEnvelopeMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("a 2 GB capture")
	}
	const rcpts, addrLen = 2_000, 1 << 20
	refused := map[int]bool{50: true, 1500: true}
	addr := strings.Repeat("a", addrLen-len("@example.org")) + "@example.org"
	dir := t.TempDir()
	capture := filepath.Join(dir, "envelope.pcap.zst")
	writeZstd(t, capture, func(w io.Writer) error {
		sw := newSMTPWriter(w)
		sw.send(0, true, "220 mx ESMTP\r\n")
		sw.send(0, false, "EHLO c\r\nMAIL FROM:<"+addr+"> SIZE=100\r\n")
		sw.send(0, true, "250 mx\r\n250 ok\r\n")
		var replies strings.Builder
		for i := range rcpts {
			sw.send(0, false, "RCPT TO:<"+addr+">\r\n")
			if refused[i] {
				replies.WriteString("550 5.1.1 no such user\r\n")
			} else {
				replies.WriteString("250 ok\r\n")
			}
		}
		sw.send(0, true, replies.String())
		sw.send(0, false, "DATA\r\n")
		sw.send(0, true, "354 go\r\n")
		sw.send(0, false, "Subject: many\r\nContent-Type: application/octet-stream\r\n\r\npayload\r\n.\r\n")
		sw.send(0, true, "250 queued\r\n")
		return sw.err
	})
	_, s := reportWithin(t, capture, memoryBound)
	if len(s.SMTP.Objects) != 1 {
		t.Fatalf("objects %+v", s.SMTP.Objects)
	}
	o := s.SMTP.Objects[0]
	// The path runs past the 2 KiB kept of its line: the mark gives the
	// rest of the line ("...@example.org> SIZE=100", and ">").
	cut := func(rest int) string { return addr[:256] + analyze.CutMark + fmt.Sprint(rest) + " bytes]" }
	wantRcpts, wantTotal := 99, int64(rcpts-2)
	if o.MailFrom != cut(addrLen+len("> SIZE=100")) || len(o.RcptTo) != wantRcpts || o.RcptTotal != wantTotal || o.Size != int64(len("payload\r\n")) {
		t.Fatalf("mail from %.300q, %d recipients (total %d), want %d (%d), size %d", o.MailFrom, len(o.RcptTo), o.RcptTotal, wantRcpts, wantTotal, o.Size)
	}
	for i, r := range o.RcptTo {
		if r != cut(addrLen+1) {
			t.Fatalf("recipient %d: %.300q", i, r)
		}
	}
}

// TestSMTPEnvelopesManySessions: 256 SMTP sessions at once (as many as
// are followed), each with 30 transactions of 100 RCPT TO of 300-byte
// addresses sent without reading a reply and a BDAT message that never
// ends (a 240 MB capture, zstd-compressed). Each session holds the
// envelopes of its transaction, its message and at most two whose
// replies are awaited (of 30 sent: with all kept, the run peaked at
// 417 MiB); the run stays under memoryBound (67 MiB).
func TestSMTPEnvelopesManySessions(t *testing.T) {
	if testing.Short() {
		t.Skip("256 sessions")
	}
	const sessions, txs = 256, 30
	addr := strings.Repeat("b", 300-len("@example.org")) + "@example.org"
	dir := t.TempDir()
	capture := filepath.Join(dir, "envelopes.pcap.zst")
	writeZstd(t, capture, func(w io.Writer) error {
		sw := newSMTPWriter(w)
		for tx := range txs {
			for i := range sessions {
				var b strings.Builder
				fmt.Fprintf(&b, "MAIL FROM:<%d.%d.%s>\r\n", tx, i, addr)
				for r := range 100 {
					fmt.Fprintf(&b, "RCPT TO:<%d.%s>\r\n", r, addr)
				}
				if tx == txs-1 {
					b.WriteString("BDAT 1000000\r\nContent-Type: application/x-y\r\n\r\nstart")
				}
				sw.send(i, false, b.String())
			}
		}
		return sw.err
	})
	_, s := reportWithin(t, capture, memoryBound)
	// The messages end with the capture, cut: 8 parsed at once list
	// their attachment, each with its transaction's 100 recipients.
	if s.SMTP.Messages != sessions || len(s.SMTP.Objects) != 8 {
		t.Fatalf("%d messages, %d objects, skipped %v", s.SMTP.Messages, len(s.SMTP.Objects), s.SMTP.ObjectsSkipped)
	}
	for _, o := range s.SMTP.Objects {
		if !strings.HasPrefix(o.MailFrom, "29.") || len(o.RcptTo) != 100 || o.RcptTotal != 100 || o.RcptTo[99] != "99."+addr[:256-3]+analyze.CutMark+"303 bytes]" {
			t.Fatalf("object: from %.20q, %d recipients (%d), last %q", o.MailFrom, len(o.RcptTo), o.RcptTotal, o.RcptTo[len(o.RcptTo)-1])
		}
	}
}
