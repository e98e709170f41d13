package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tlsRecord wraps a handshake fragment in a TLS 1.2 handshake record.
func tlsRecord(frag []byte) []byte {
	return append([]byte{22, 3, 3, byte(len(frag) >> 8), byte(len(frag))}, frag...)
}

// TestCertificatesMemory analyses server flights built to fill the
// certificate bounds: 5,000 flows whose Certificate message claims 16 MiB
// and stops after 48 KiB (each would hold a 64 KiB buffer), then 6,000
// flows each sending its own certificate with 32 SANs of 253 bytes and a
// 1 KiB subject (10 KiB of text each). At most 128 flights are read at
// once, the certificates listed stop at 4 MiB of text, and the run stays
// under memoryBound.
func TestCertificatesMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 250 MB capture")
	}
	const stuck, distinct = 5000, 6000
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	san := func(i, j int) string {
		s := strconv.Itoa(i) + "-" + strconv.Itoa(j) + "."
		return s + strings.Repeat("a", 253-len(s))
	}
	// A ServerHello: version, random, no session ID, a suite, no compression.
	body := append(append([]byte{3, 3}, make([]byte, 32)...), 0, 0xc0, 0x2f, 0)
	hello := tlsRecord(append([]byte{2, 0, 0, byte(len(body))}, body...))
	at := time.Unix(1_700_000_000, 0)
	dir := t.TempDir()
	capture := filepath.Join(dir, "certs.pcap.zst")
	writeZstd(t, capture, func(w io.Writer) error {
		return writeIPv4Capture(w, stuck+distinct, func(i int) (byte, uint16, uint16, []byte) {
			p := append([]byte(nil), hello...)
			if i < stuck {
				p = append(p, tlsRecord(append([]byte{11, 0xff, 0xff, 0xff}, make([]byte, 16000)...))...)
				p = append(p, tlsRecord(make([]byte, 16000))...)
				p = append(p, tlsRecord(make([]byte, 16000))...)
				return 6, 443, uint16(1024 + i), p
			}
			var dns []string
			for j := range 32 {
				dns = append(dns, san(i, j))
			}
			tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(i)), Subject: pkix.Name{CommonName: strings.Repeat("s", 1100)},
				NotBefore: at.AddDate(-1, 0, 0), NotAfter: at.AddDate(1, 0, 0), DNSNames: dns}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
			if err != nil {
				t.Error(err)
				return 6, 443, 1, nil
			}
			n := len(der)
			msg := []byte{11, byte((n + 6) >> 16), byte((n + 6) >> 8), byte(n + 6), byte((n + 3) >> 16), byte((n + 3) >> 8), byte(n + 3),
				byte(n >> 16), byte(n >> 8), byte(n)}
			msg = append(msg, der...)
			for len(msg) > 0 {
				k := min(len(msg), 1<<14)
				p = append(p, tlsRecord(msg[:k])...)
				msg = msg[k:]
			}
			return 6, 443, uint16(1024 + i), p
		})
	})
	b, s := reportWithin(t, capture, memoryBound)
	c := s.TLS.Certificates
	text := 0
	for _, x := range c.List {
		text += len(x.Subject) + len(x.Issuer) + len(x.Serial)
		for _, d := range x.DNSNames {
			text += len(d)
		}
	}
	t.Logf("JSON %.1f MiB; %d certificates listed (%d KiB of text), %d unlisted, %d flights incomplete", float64(len(b))/(1<<20), len(c.List), text>>10, c.Unlisted, c.Incomplete)
	if c.Messages != distinct || c.Seen != distinct || int64(len(c.List))+c.Unlisted != distinct || c.Incomplete != stuck {
		t.Errorf("%d messages, %d certificates, %d listed + %d unlisted, %d incomplete; want %d, %d, %d, %d",
			c.Messages, c.Seen, len(c.List), c.Unlisted, c.Incomplete, distinct, distinct, distinct, stuck)
	}
	if text > 4<<20+12<<10 || len(c.List) < 300 {
		t.Errorf("%d certificates listed with %d bytes of text", len(c.List), text)
	}
}
