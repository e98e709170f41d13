package analyze

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// emlAttachments reads a message as tshark exports it (.eml) with
// net/mail and mime/multipart, on its own (not with this package's
// parser), and returns the SHA-256 of each part that has a file name or
// is not text, decoded.
func emlAttachments(t *testing.T, r io.Reader) []string {
	t.Helper()
	m, err := mail.ReadMessage(r)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(h map[string][]string, body io.Reader)
	walk = func(h map[string][]string, body io.Reader) {
		get := func(k string) string {
			if v := h[k]; len(v) > 0 {
				return v[0]
			}
			return ""
		}
		mt, params, _ := mime.ParseMediaType(get("Content-Type"))
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header, p)
			}
		}
		_, dp, _ := mime.ParseMediaType(get("Content-Disposition"))
		if dp["filename"] == "" && (mt == "" || strings.HasPrefix(mt, "text/")) {
			return
		}
		var dec io.Reader = body
		switch strings.ToLower(get("Content-Transfer-Encoding")) {
		case "base64":
			dec = base64.NewDecoder(base64.StdEncoding, body)
		case "quoted-printable":
			dec = quotedprintable.NewReader(body)
		}
		b, err := io.ReadAll(dec)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sha256Hex(b))
	}
	walk(m.Header, m.Body)
	return out
}

// TestSMTPObjectsTshark compares the attachments with those of the
// messages `tshark --export-objects imf,DIR` writes: a session carrying
// knownMessage (tshark's attachments must be ours, all 3); and the SMTP
// capture of testdata, whose only message is cut by the damaged record
// after 18 packets: tshark exports nothing, and the analysis lists no
// attachment and counts the message as cut.
func TestSMTPObjectsTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	dir := t.TempDir()
	known := filepath.Join(dir, "known.pcap")
	atts := knownAttachments()
	// tshark 4.0 takes the bytes after a refused DATA for a message, and
	// mixes swapped segments up: the session it is given has neither.
	c := &smtpCapture{t: t, at: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)}
	ss := c.open("10.0.0.5", "192.0.2.25", 40000, 25)
	ss.send(true, "220 mx.example.org ESMTP\r\n")
	ss.send(false, "EHLO client\r\n")
	ss.send(true, "250 mx.example.org\r\n")
	ss.send(false, "MAIL FROM:<a@example.net>\r\n")
	ss.send(true, "250 ok\r\n")
	ss.send(false, "RCPT TO:<victim@example.org>\r\n")
	ss.send(true, "250 ok\r\n")
	ss.send(false, "DATA\r\n")
	ss.send(true, "354 go ahead\r\n")
	ss.send(false, dotStuff(knownMessage(atts)))
	ss.send(true, "250 queued\r\n")
	ss.send(false, "QUIT\r\n")
	ss.send(true, "221 bye\r\n")
	ss.close()
	if err := os.WriteFile(known, pcapBytes(t, layers.LinkTypeEthernet, c.pkts), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path            string
		emls, tsharkAtt int
	}{{known, 1, 3}, {"../testdata/smtp_corrupt_record_header.pcap", 0, 0}} {
		s, err := File(c.path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var ours []string
		for _, o := range s.SMTP.Objects {
			if !o.Incomplete {
				ours = append(ours, o.SHA256)
			}
		}
		out := filepath.Join(dir, filepath.Base(c.path)+".imf")
		if err := os.Mkdir(out, 0o755); err != nil {
			t.Fatal(err)
		}
		// tshark exits non-zero on the damaged capture, after exporting.
		msg, _ := exec.Command("tshark", "-o", "tcp.reassemble_out_of_order:TRUE", "-r", c.path, "-q",
			"--export-objects", "imf,"+out).CombinedOutput()
		entries, err := os.ReadDir(out)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != c.emls {
			t.Fatalf("%s: tshark exported %d messages, want %d: %s", c.path, len(entries), c.emls, msg)
		}
		var theirs []string
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(out, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			// tshark 4.0 writes the DATA bytes as sent, dot-stuffed: the
			// stuffing is removed here as RFC 5321 4.5.2 says.
			b = bytes.ReplaceAll(append([]byte("\r\n"), b...), []byte("\r\n."), []byte("\r\n"))[2:]
			theirs = append(theirs, emlAttachments(t, bytes.NewReader(b))...)
		}
		if len(theirs) != c.tsharkAtt {
			t.Errorf("%s: %d attachments in tshark's messages, want %d", c.path, len(theirs), c.tsharkAtt)
		}
		for _, h := range theirs {
			if !slices.Contains(ours, h) {
				t.Errorf("%s: tshark's attachment %s is not among ours %v", c.path, h, ours)
			}
		}
		if c.emls == 0 && (len(s.SMTP.Objects) != 0 || s.SMTP.Messages != 1 || skippedCount(s.SMTP.ObjectsSkipped, "messages_cut") != 1) {
			t.Errorf("%s: %d messages, objects %+v, skipped %v", c.path, s.SMTP.Messages, s.SMTP.Objects, s.SMTP.ObjectsSkipped)
		}
	}
}
