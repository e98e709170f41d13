package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// smtpWriter writes a classic pcap (Ethernet, IPv4) of SMTP sessions from
// 10.0.<i>.1 to 192.0.2.25:25, each with its own sequence numbers, so
// that sessions can be interleaved.
type smtpWriter struct {
	w   io.Writer
	seq map[[2]int]uint32 // by session and side (0 client)
	n   uint32
	err error
}

func newSMTPWriter(w io.Writer) *smtpWriter {
	var hdr [24]byte
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 262144)
	binary.LittleEndian.PutUint32(hdr[20:], 1)
	_, err := w.Write(hdr[:])
	return &smtpWriter{w: w, seq: map[[2]int]uint32{}, err: err}
}

// send writes b from one side of session i in segments of 1400 bytes.
func (s *smtpWriter) send(i int, fromServer bool, b string) {
	side := 0
	if fromServer {
		side = 1
	}
	client := [4]byte{10, 0, byte(i), 1}
	server := [4]byte{192, 0, 2, 25}
	cport, sport := uint16(40000+i), uint16(25)
	for off := 0; off < len(b) && s.err == nil; off += 1400 {
		p := b[off:min(off+1400, len(b))]
		src, dst, sp, dp := client, server, cport, sport
		if fromServer {
			src, dst, sp, dp = server, client, sport, cport
		}
		k := [2]int{i, side}
		seq := s.seq[k] + 1000
		s.seq[k] += uint32(len(p))
		frame := []byte{0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00}
		ipLen := 40 + len(p)
		frame = append(frame, 0x45, 0, byte(ipLen>>8), byte(ipLen), 0, 0, 0x40, 0, 64, 6, 0, 0)
		frame = append(frame, src[:]...)
		frame = append(frame, dst[:]...)
		frame = binary.BigEndian.AppendUint16(frame, sp)
		frame = binary.BigEndian.AppendUint16(frame, dp)
		frame = binary.BigEndian.AppendUint32(frame, seq)
		frame = append(frame, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0) // PSH, no ACK number
		frame = append(frame, p...)
		var rec [16]byte
		s.n++
		binary.LittleEndian.PutUint32(rec[0:], 1_700_000_000+s.n/1000)
		binary.LittleEndian.PutUint32(rec[4:], (s.n%1000)*1000)
		binary.LittleEndian.PutUint32(rec[8:], uint32(len(frame)))
		binary.LittleEndian.PutUint32(rec[12:], uint32(len(frame)))
		if _, s.err = s.w.Write(rec[:]); s.err == nil {
			_, s.err = s.w.Write(frame)
		}
	}
}

// TestExtractSMTPObjects runs report --extract on a capture of one SMTP
// message with a base64 and a quoted-printable attachment: both are
// written under their SHA-256, with the bytes encoded, and objects.json
// lists them (smtp_objects) with their file names.
func TestExtractSMTPObjects(t *testing.T) {
	exe := append([]byte("MZ"), bytes.Repeat([]byte{0, 0xff, 7, '.', '\n'}, 3000)...)
	text := []byte(".starts with a dot\r\nx = y\r\n" + strings.Repeat("long line ", 30) + "\r\n")
	var qp bytes.Buffer
	w := quotedprintable.NewWriter(&qp)
	w.Write(text)
	w.Close()
	b64 := base64.StdEncoding.EncodeToString(exe)
	var lines strings.Builder
	for len(b64) > 76 {
		lines.WriteString(b64[:76] + "\r\n")
		b64 = b64[76:]
	}
	lines.WriteString(b64 + "\r\n")
	msg := "From: a@example.net\r\nTo: b@example.org\r\nSubject: files\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n" +
		"--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment; filename=\"../../evil.exe\"\r\n\r\n" + lines.String() +
		"--B\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n" +
		"Content-Disposition: attachment; filename=notes.txt\r\n\r\n" + qp.String() + "\r\n--B--\r\n"
	stuffed := strings.ReplaceAll("\r\n"+msg, "\r\n.", "\r\n..")[2:] + ".\r\n"
	root := t.TempDir()
	capture := filepath.Join(root, "smtp.pcap")
	var buf bytes.Buffer
	sw := newSMTPWriter(&buf)
	sw.send(0, true, "220 mx\r\n")
	sw.send(0, false, "EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n")
	sw.send(0, true, "250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n")
	sw.send(0, false, stuffed)
	sw.send(0, true, "250 queued\r\n")
	if err := os.WriteFile(capture, buf.Bytes(), 0o644); err != nil || sw.err != nil {
		t.Fatal(err, sw.err)
	}
	dir := filepath.Join(root, "objects")
	if _, stderr, err := runCLI(t, root, nil, "report", capture, "-o", filepath.Join(root, "r.html"), "--extract", dir); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	var m struct {
		SMTPObjects []struct {
			File, SHA256, Filename string
		} `json:"smtp_objects"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "objects.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name string
		data []byte
		ext  string
	}{{"../../evil.exe", exe, "exe"}, {"notes.txt", text, "txt"}}
	if len(m.SMTPObjects) != len(want) {
		t.Fatalf("manifest lists %+v, want 2 SMTP objects", m.SMTPObjects)
	}
	for i, w := range want {
		sum := sha256.Sum256(w.data)
		hash := hex.EncodeToString(sum[:])
		o := m.SMTPObjects[i]
		if o.Filename != w.name || o.SHA256 != hash || o.File != hash+"."+w.ext {
			t.Errorf("manifest: %+v, want %q sha256 %s.%s", o, w.name, hash, w.ext)
			continue
		}
		body, err := os.ReadFile(filepath.Join(dir, o.File))
		if err != nil || !bytes.Equal(body, w.data) {
			t.Errorf("%s: %d bytes, %v", o.File, len(body), err)
		}
		if fi, err := os.Stat(filepath.Join(dir, o.File)); err != nil || fi.Mode().Perm()&0o111 != 0 {
			t.Errorf("%s: mode %v, %v", o.File, fi.Mode(), err)
		}
	}
	// Nothing but the objects and the manifest: no name from the capture.
	entries, _ := os.ReadDir(dir)
	object := regexp.MustCompile(`^[0-9a-f]{64}\.(exe|txt)$`)
	for _, e := range entries {
		if e.Name() != "objects.json" && !object.MatchString(e.Name()) || len(entries) != 3 {
			t.Errorf("in the folder: %s (of %d entries)", e.Name(), len(entries))
		}
	}
}
