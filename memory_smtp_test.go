package main

import (
	"encoding/base64"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// TestSMTPObjectsMemory: 12 SMTP sessions at once, each in a DATA phase
// that never ends (no "." line, no FIN), interleaved in 64 KiB steps
// (a 300 MB capture, zstd-compressed): a multipart message whose first
// part has an 8 MiB header (under mime/multipart's own 10 MiB cut), then
// 16 MiB of base64 lines. At most maxSMTPParsers (8) messages are parsed
// at once: the other 4 are counted; the 8 attachments are listed as far
// as the capture goes, incomplete, and the run stays under memoryBound.
func TestSMTPObjectsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("a 300 MB capture")
	}
	const sessions, step = 12, 64 << 10
	var msg strings.Builder
	msg.WriteString("From: a@example.net\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n")
	pad := strings.Repeat("a", 4000)
	for i := 0; msg.Len() < 8<<20; i++ {
		fmt.Fprintf(&msg, "X-Pad-%d: %s\r\n", i, pad)
	}
	msg.WriteString("Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")

	line := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("0123456789ab", 5)[:57])) + "\r\n" // 78 bytes for 57
	lines := (16 << 20) / len(line)
	msg.WriteString(strings.Repeat(line, lines))
	stream := msg.String()
	dir := t.TempDir()
	capture := filepath.Join(dir, "smtp.pcap.zst")
	writeZstd(t, capture, func(w io.Writer) error {
		sw := newSMTPWriter(w)
		for i := range sessions {
			sw.send(i, false, "EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n")
			sw.send(i, true, "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n")
		}
		for off := 0; off < len(stream); off += step {
			for i := range sessions {
				sw.send(i, false, stream[off:min(off+step, len(stream))])
			}
		}
		return sw.err
	})
	_, s := reportWithin(t, capture, memoryBound)
	sm := s.SMTP
	skipped := map[string]int64{}
	for _, c := range sm.ObjectsSkipped {
		skipped[c.Name] = c.Count
	}
	if sm.Messages != sessions || len(sm.Objects) != 8 || skipped["messages_not_parsed"] != sessions-8 || skipped["messages_cut"] != sessions {
		t.Fatalf("%d messages, %d objects, skipped %v", sm.Messages, len(sm.Objects), sm.ObjectsSkipped)
	}
	for _, o := range sm.Objects {
		if !o.Incomplete || o.Size != int64(lines*57) || o.Subject != "big" {
			t.Errorf("object %+v, want %d bytes, incomplete", o, lines*57)
		}
	}
}
