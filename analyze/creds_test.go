package analyze

import (
	"bytes"
	"encoding/base64"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// credCapture builds a capture of client segments (one per line given) to
// the given server ports, with gopacket's serializer: each conversation
// is a list of payloads sent from 10.0.0.9 to 192.0.2.1:port.
type credConvo struct {
	port  uint16
	lines []string
}

func credCapture(t *testing.T, convos []credConvo) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	n := 0
	for ci, c := range convos {
		seq := uint32(1000)
		for _, l := range c.lines {
			eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
			ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.IP{10, 0, 0, 9}, DstIP: net.IP{192, 0, 2, 1}}
			tcp := &layers.TCP{SrcPort: layers.TCPPort(40000 + ci), DstPort: layers.TCPPort(c.port), Seq: seq, ACK: true, PSH: true, Window: 1024}
			if rest, ok := strings.CutPrefix(l, "S:"); ok { // from the server
				l = rest
				ip.SrcIP, ip.DstIP = ip.DstIP, ip.SrcIP
				tcp.SrcPort, tcp.DstPort = tcp.DstPort, tcp.SrcPort
				tcp.Seq = 5000 + seq
			}
			tcp.SetNetworkLayerForChecksum(ip)
			sb := gopacket.NewSerializeBuffer()
			if err := gopacket.SerializeLayers(sb, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(l)); err != nil {
				t.Fatal(err)
			}
			seq += uint32(len(l))
			ts := t0.Add(time.Duration(n) * time.Second)
			n++
			if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(sb.Bytes()), Length: len(sb.Bytes())}, sb.Bytes()); err != nil {
				t.Fatal(err)
			}
		}
	}
	return buf.Bytes()
}

func b64s(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestCredentials: one login per protocol and mechanism, each with a
// known user and password, is found with its protocol, server, user,
// packet number and (only with ShowSecrets) password; masked otherwise,
// and then the password is nowhere in the JSON.
func TestCredentials(t *testing.T) {
	convos := []credConvo{
		{21, []string{"USER ftpuser\r\n", "PASS ftp-secret-1\r\n"}},                                                                // packets 1, 2
		{110, []string{"USER popuser\r\n", "PASS pop-secret-2\r\n"}},                                                               // 3, 4
		{110, []string{"AUTH PLAIN " + b64s("\x00popplain\x00pop-secret-3") + "\r\n"}},                                             // 5
		{143, []string{"a1 LOGIN imapuser \"imap \\\"secret\\\" 4\"\r\n"}},                                                         // 6
		{143, []string{"a2 AUTHENTICATE PLAIN\r\n", b64s("\x00imapplain\x00imap-secret-5") + "\r\n"}},                              // 7, 8
		{25, []string{"EHLO x\r\n", "AUTH LOGIN\r\n", b64s("smtpuser") + "\r\n", b64s("smtp-secret-6") + "\r\n"}},                  // 9-12
		{587, []string{"AUTH PLAIN " + b64s("\x00smtpplain\x00smtp-secret-7") + "\r\n"}},                                           // 13
		{80, []string{"GET / HTTP/1.1\r\nHost: example.com\r\nAuthorization: Basic " + b64s("webuser:web-secret-8") + "\r\n\r\n"}}, // 14
		// Telnet, typed a character a segment with the server's echo, a
		// typo corrected with DEL, and option negotiation: 15-36.
		{23, []string{"S:\xff\xfd\x18Welcome\r\nlogin: ", "\xff\xfb\x18", "t", "S:t", "e", "S:e", "l", "S:l", "x", "\x7f", "n", "S:n", "\r\n",
			"S:\r\nPassword: ", "t", "n", "-", "s", "e", "c", "r", "e", "t", "-", "9", "\r"}},
		// Not credentials: a PASS without USER, FTP's AUTH TLS, Bearer.
		{21, []string{"PASS lonely-secret\r\n", "AUTH TLS\r\n"}},
		{80, []string{"GET / HTTP/1.1\r\nHost: example.com\r\nAuthorization: Bearer abc.def\r\n\r\n"}},
	}
	want := []struct {
		proto, mech, server, user, secret string
		packet                            int64
	}{
		{"FTP", "USER/PASS", "192.0.2.1:21", "ftpuser", "ftp-secret-1", 2},
		{"POP3", "USER/PASS", "192.0.2.1:110", "popuser", "pop-secret-2", 4},
		{"POP3", "AUTH PLAIN", "192.0.2.1:110", "popplain", "pop-secret-3", 5},
		{"IMAP", "LOGIN", "192.0.2.1:143", "imapuser", "imap \"secret\" 4", 6},
		{"IMAP", "AUTH PLAIN", "192.0.2.1:143", "imapplain", "imap-secret-5", 8},
		{"SMTP", "AUTH LOGIN", "192.0.2.1:25", "smtpuser", "smtp-secret-6", 12},
		{"SMTP", "AUTH PLAIN", "192.0.2.1:587", "smtpplain", "smtp-secret-7", 13},
		{"HTTP", "Basic", "192.0.2.1:80", "webuser", "web-secret-8", 14},
		{"Telnet", "login", "192.0.2.1:23", "teln", "tn-secret-9", 40},
	}
	data := credCapture(t, convos)
	if out := os.Getenv("PCAPREPORT_CREDS_OUT"); out != "" {
		// For a look with tshark -z credentials (see the README).
		if err := os.WriteFile(out, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, show := range []bool{false, true} {
		s, err := Read("creds.pcap", bytes.NewReader(data), Options{ShowSecrets: show})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Credentials) != len(want) {
			t.Fatalf("show=%v: %d credentials, want %d: %+v", show, len(s.Credentials), len(want), s.Credentials)
		}
		var js bytes.Buffer
		if err := WriteJSON(&js, s); err != nil {
			t.Fatal(err)
		}
		for i, w := range want {
			c := s.Credentials[i]
			if c.Protocol != w.proto || c.Mechanism != w.mech || c.Server != w.server || c.User != w.user || c.Packet != w.packet || c.Client != "10.0.0.9" {
				t.Errorf("show=%v: credential %d = %+v, want %+v", show, i, c, w)
			}
			secret := MaskSecret([]byte(w.secret))
			if show {
				secret = w.secret
			}
			if c.Secret != secret {
				t.Errorf("show=%v: %s secret %q, want %q", show, w.proto, c.Secret, secret)
			}
			if !show && strings.Contains(js.String(), strings.ReplaceAll(w.secret, `"`, `\"`)) {
				t.Errorf("the masked Summary's JSON holds %s's secret", w.proto)
			}
		}
		n := 0
		for _, f := range s.Findings {
			if f.Rule == "cleartext-credentials" {
				n++
				if f.Severity != SeverityMedium || !strings.HasPrefix(f.Title, "cleartext credentials for ") {
					t.Errorf("finding %+v", f)
				}
			}
		}
		if n != len(want) {
			t.Errorf("show=%v: %d credential findings, want %d", show, n, len(want))
		}
	}
	if got := MaskSecret([]byte("ftp-secret-1")); got != "•••• (12 characters)" {
		t.Errorf("mask %q", got)
	}
}

// TestCredentialsBounded: 5,000 logins keep MaxCredentials, each user
// name cut to MaxCredentialLen, and 100,000 half-done logins keep at most
// maxCredPending connections waiting.
func TestCredentialsBounded(t *testing.T) {
	c := newCreds(false)
	long := strings.Repeat("u", 10_000)
	cl, sv := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("192.0.2.1")
	for i := range 5000 {
		c.segment(cl, sv, uint16(i), 21, []byte("USER "+long+"\r\nPASS x\r\n"))
	}
	if len(c.list) != MaxCredentials || c.total != 5000 {
		t.Errorf("%d kept of %d, want %d of 5000", len(c.list), c.total, MaxCredentials)
	}
	if u := c.list[0].User; len(u) > MaxCredentialLen+40 || !strings.Contains(u, CutMark) {
		t.Errorf("user of %d bytes kept as %d bytes", len(long), len(u))
	}
	for i := range 100_000 {
		c.segment(netip.MustParseAddr("10.1.0.1"), sv, uint16(i), 110, []byte("USER x\r\n"))
		if len(c.pending) > maxCredPending {
			t.Fatalf("%d pending", len(c.pending))
		}
	}
}
