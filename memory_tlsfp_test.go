package main

import (
	"encoding/binary"
	"io"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

// TestTLSFingerprintFloodMemory analyses 30,000 ClientHellos that each
// have their own JA4 and JA3 (a cipher suite of their own among 200) and
// server name: both fingerprint lists must stop at 10,000 entries (or
// their text budget) and say so, and the run stay under memoryBound.
func TestTLSFingerprintFloodMemory(t *testing.T) {
	const n = 30_000
	dir := t.TempDir()
	capture := filepath.Join(dir, "fp.pcap.zst")
	writeZstd(t, capture, func(w io.Writer) error {
		return writeIPv4Capture(w, n, func(i int) (byte, uint16, uint16, []byte) {
			c := uint16(0x8000 + i)
			if c&0x0f0f == 0x0a0a && c>>8 == c&0xff { // GREASE, which fingerprints leave out
				c = uint16(0x0400 + i)
			}
			return 6, uint16(10000 + i%50000), 443, fingerprintHello("h"+strconv.Itoa(i)+".example", c)
		})
	})
	b, s := reportWithin(t, capture, memoryBound)
	t.Logf("JSON %.1f MiB", float64(len(b))/(1<<20))
	if s.TLS.ClientHellos != n || !s.TLS.FingerprintsTruncated || len(s.TLS.JA4) == 0 || len(s.TLS.JA4) > 10_000 || len(s.TLS.JA3) == 0 || len(s.TLS.JA3) > 10_000 {
		t.Errorf("%d ClientHellos, %d JA4s, %d JA3s, truncated %v; want %d, at most 10,000 of each, truncated",
			s.TLS.ClientHellos, len(s.TLS.JA4), len(s.TLS.JA3), s.TLS.FingerprintsTruncated, n)
	}
	t.Logf("%d JA4s and %d JA3s kept", len(s.TLS.JA4), len(s.TLS.JA3))
	for _, fps := range [][]analyze.TLSFingerprint{s.TLS.JA4, s.TLS.JA3} {
		for _, fp := range fps {
			if fp.Count != 1 || len(fp.ServerNames) != 1 || len(fp.Raw) > 2048 {
				t.Fatalf("fingerprint %+v: want 1 ClientHello, 1 server name, at most 2,048 bytes of raw string", fp)
			}
		}
	}
}

// fingerprintHello is a TLS record with a ClientHello whose server_name
// is sni and whose cipher suites are cipher and 199 others.
func fingerprintHello(sni string, cipher uint16) []byte {
	ext := binary.BigEndian.AppendUint16(nil, uint16(len(sni)+3))
	ext = append(ext, 0)
	ext = binary.BigEndian.AppendUint16(ext, uint16(len(sni)))
	ext = append(ext, sni...)
	exts := binary.BigEndian.AppendUint16([]byte{0, 0}, uint16(len(ext)))
	exts = append(exts, ext...)
	body := append([]byte{3, 3}, make([]byte, 32)...)
	body = append(body, 0)
	body = binary.BigEndian.AppendUint16(body, 2*200)
	body = binary.BigEndian.AppendUint16(body, cipher)
	for k := range 199 {
		body = binary.BigEndian.AppendUint16(body, uint16(0x0100+k))
	}
	body = append(body, 1, 0)
	body = binary.BigEndian.AppendUint16(body, uint16(len(exts)))
	body = append(body, exts...)
	hs := append([]byte{1, 0}, byte(len(body)>>8), byte(len(body)))
	hs = append(hs, body...)
	rec := append([]byte{22, 3, 1}, byte(len(hs)>>8), byte(len(hs)))
	return append(rec, hs...)
}
