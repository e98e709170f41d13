package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/pcapreport/pcapreport/analyze"
)

// writeLongHTTPCapture writes to w a classic pcap (Ethernet) of n TCP
// segments, each one HTTP request whose Host, request target and
// User-Agent are size bytes long and differ from the other requests' in
// their first bytes. A request has its own client port, so every one is
// parsed.
func writeLongHTTPCapture(w io.Writer, n, size int) error {
	long := func(c byte, i int) string {
		tag := strconv.Itoa(i)
		return tag + strings.Repeat(string(c), size-len(tag))
	}
	return writeIPv4Capture(w, n, func(i int) (byte, uint16, uint16, []byte) {
		payload := "GET /" + long('p', i)[:size-1] + " HTTP/1.1\r\nHost: " + long('h', i) +
			"\r\nUser-Agent: " + long('u', i) + "\r\n\r\n"
		return 6, uint16(10000 + i%50000), 80, []byte(payload)
	})
}

// writeIPv4Capture writes to w a classic pcap (Ethernet) of n IPv4
// packets from 10.0.0.1 to 10.0.0.2; packet i is the TCP (proto 6) or UDP
// (17) payload that next(i) returns, with its ports.
func writeIPv4Capture(w io.Writer, n int, next func(i int) (proto byte, sport, dport uint16, payload []byte)) error {
	var hdr [24]byte
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 262144)
	binary.LittleEndian.PutUint32(hdr[20:], 1) // Ethernet
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	var frame []byte
	for i := range n {
		proto, sport, dport, payload := next(i)
		frame = append(frame[:0], 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00) // Ethernet, IPv4
		var l4 []byte
		if proto == 6 {
			l4 = []byte{byte(sport >> 8), byte(sport), byte(dport >> 8), byte(dport), 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0}
		} else {
			ul := 8 + len(payload)
			l4 = []byte{byte(sport >> 8), byte(sport), byte(dport >> 8), byte(dport), byte(ul >> 8), byte(ul), 0, 0}
		}
		ipLen := 20 + len(l4) + len(payload)
		frame = append(frame, 0x45, 0, byte(ipLen>>8), byte(ipLen), 0, 0, 0x40, 0, 64, proto, 0, 0,
			10, 0, 0, 1, 10, 0, 0, 2)
		frame = append(frame, l4...)
		frame = append(frame, payload...)
		var rec [16]byte
		binary.LittleEndian.PutUint32(rec[0:], uint32(1_700_000_000+i/1000))
		binary.LittleEndian.PutUint32(rec[8:], uint32(len(frame)))
		binary.LittleEndian.PutUint32(rec[12:], uint32(len(frame)))
		if _, err := w.Write(rec[:]); err != nil {
			return err
		}
		if _, err := w.Write(frame); err != nil {
			return err
		}
	}
	return nil
}

// writeLongNamesCapture writes n TLS ClientHellos, each with its own
// 16,000-byte server name, and n DNS responses, each with its own TXT
// answer of 60,000 bytes (235 strings of 255 bytes).
func writeLongNamesCapture(w io.Writer, n int) error {
	return writeIPv4Capture(w, 2*n, func(j int) (byte, uint16, uint16, []byte) {
		i := j / 2
		tag := strconv.Itoa(i) + "."
		if j%2 == 0 {
			sni := tag + strings.Repeat("s", 16000-len(tag))
			return 6, uint16(10000 + i%50000), 443, clientHello(sni)
		}
		msg := []byte{byte(i >> 8), byte(i), 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 3, 't', 'x', 't', 0, 0, 16, 0, 1,
			0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60}
		txt := tag + strings.Repeat("t", 235*255-len(tag))
		msg = binary.BigEndian.AppendUint16(msg, uint16(235*256))
		for k := 0; k < 235; k++ {
			msg = append(msg, 255)
			msg = append(msg, txt[k*255:(k+1)*255]...)
		}
		return 17, 53, uint16(10000 + i%50000), msg
	})
}

// clientHello is a TLS record with a ClientHello whose server_name is sni.
func clientHello(sni string) []byte {
	ext := binary.BigEndian.AppendUint16(nil, uint16(len(sni)+3))
	ext = append(ext, 0)
	ext = binary.BigEndian.AppendUint16(ext, uint16(len(sni)))
	ext = append(ext, sni...)
	exts := binary.BigEndian.AppendUint16([]byte{0, 0}, uint16(len(ext)))
	exts = append(exts, ext...)
	body := append([]byte{3, 3}, make([]byte, 32)...)
	body = append(body, 0, 0, 2, 0x13, 0x01, 1, 0)
	body = binary.BigEndian.AppendUint16(body, uint16(len(exts)))
	body = append(body, exts...)
	hs := append([]byte{1, 0}, byte(len(body)>>8), byte(len(body)))
	hs = append(hs, body...)
	rec := append([]byte{22, 3, 1}, byte(len(hs)>>8), byte(len(hs)))
	return append(rec, hs...)
}

// writeZstd writes a capture through zstd to path.
func writeZstd(t testing.TB, path string, write func(io.Writer) error) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw, err := zstd.NewWriter(f, zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := write(zw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestLongHTTPStringsMemory analyses 20,000 HTTP requests, each with its
// own 10 KiB Host, request target and User-Agent (a 420 KB zstd capture).
// Before the strings were cut this took 1.27 GiB of RSS and wrote 1.24 GB
// of JSON. Now every string is cut to its limit with the mark, the
// distinct requests kept stop at 16 MiB of text, and the run stays under
// memoryBound with a JSON of under 80 MiB.
func TestLongHTTPStringsMemory(t *testing.T) {
	const n, size = 20_000, 10 << 10
	dir := t.TempDir()
	capture := filepath.Join(dir, "long.pcap.zst")
	writeZstd(t, capture, func(w io.Writer) error { return writeLongHTTPCapture(w, n, size) })
	jsonPath := filepath.Join(dir, "long.json")
	m := runMeasured(t, nil, "report", capture, "-o", filepath.Join(dir, "long.html"), "--json", jsonPath)
	if m.exitCode != 0 {
		t.Fatalf("exit %d: %s", m.exitCode, m.stderr)
	}
	t.Logf("peak RSS %.1f MiB", float64(m.peakRSS)/(1<<20))
	if m.peakRSS > memoryBound {
		t.Errorf("peak RSS %d MiB, over %d MiB", m.peakRSS>>20, memoryBound>>20)
	}
	fi, err := os.Stat(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("JSON %.1f MiB", float64(fi.Size())/(1<<20))
	if fi.Size() > 80<<20 {
		t.Errorf("JSON is %d MiB, over 80 MiB", fi.Size()>>20)
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var s analyze.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	h := &s.HTTP
	mark := analyze.CutMark + strconv.Itoa(size) + " bytes]"
	wantCut := []analyze.Count{{Name: "host", Count: n}, {Name: "target", Count: n}, {Name: "user_agent", Count: n}}
	if h.TotalRequests != n || !slices.Equal(h.StringsCut, wantCut) {
		t.Errorf("%d requests, strings cut %v; want %d, %v", h.TotalRequests, h.StringsCut, n, wantCut)
	}
	if len(h.Hosts) != n || len(h.UserAgents) != n {
		t.Errorf("%d hosts and %d user agents, want %d each", len(h.Hosts), len(h.UserAgents), n)
	}
	for _, c := range h.Hosts {
		if !strings.HasSuffix(c.Name, mark) || len(c.Name) != analyze.MaxNameLen+len(mark) {
			t.Fatalf("host %q…: not cut to %d bytes with %q", c.Name[:20], analyze.MaxNameLen, mark)
		}
	}
	for _, c := range h.UserAgents {
		if !strings.HasSuffix(c.Name, mark) || len(c.Name) != analyze.MaxUserAgentLen+len(mark) {
			t.Fatalf("user agent %q…: not cut to %d bytes", c.Name[:20], analyze.MaxUserAgentLen)
		}
	}
	// Requests stop at 16 MiB of text: about 7,000 of these 2.3 KB ones.
	var text int
	for _, r := range h.Requests {
		text += len(r.Method) + len(r.Host) + len(r.Path)
	}
	// The keys also hold a length of 1 to 2 bytes before each field.
	if !h.RequestsTruncated || text > 16<<20 || text < 16<<20-6*len(h.Requests)-4096 || len(h.Requests) >= n {
		t.Errorf("%d requests kept, %d bytes (truncated %v), want 16 MiB and truncated", len(h.Requests), text, h.RequestsTruncated)
	}
	for _, r := range h.Requests {
		if !strings.HasSuffix(r.Path, mark) || len(r.Path) != analyze.MaxTargetLen+len(mark) || !strings.HasSuffix(r.Host, mark) {
			t.Fatalf("request %q…: target or host not cut", r.URL[:40])
		}
	}
}

// TestLongNamesMemory analyses 20,000 TLS ClientHellos, each with its own
// 16,000-byte server name, and 20,000 DNS responses, each with its own
// 60,000-byte TXT answer (a 680 KB zstd capture): server names are kept
// to MaxNameLen bytes and answer data to MaxAnswerDataLen, each with the
// mark, and the run stays under memoryBound. Before the cut it took 3.14
// GiB of RSS and wrote 1.54 GB of JSON.
func TestLongNamesMemory(t *testing.T) {
	const n = 20_000
	dir := t.TempDir()
	capture := filepath.Join(dir, "names.pcap.zst")
	writeZstd(t, capture, func(w io.Writer) error { return writeLongNamesCapture(w, n) })
	jsonPath := filepath.Join(dir, "names.json")
	m := runMeasured(t, nil, "report", capture, "-o", filepath.Join(dir, "names.html"), "--json", jsonPath)
	if m.exitCode != 0 {
		t.Fatalf("exit %d: %s", m.exitCode, m.stderr)
	}
	t.Logf("peak RSS %.1f MiB", float64(m.peakRSS)/(1<<20))
	if m.peakRSS > memoryBound {
		t.Errorf("peak RSS %d MiB, over %d MiB", m.peakRSS>>20, memoryBound>>20)
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("JSON %.1f MiB", float64(len(b))/(1<<20))
	if len(b) > 64<<20 {
		t.Errorf("JSON is %d MiB, over 64 MiB", len(b)>>20)
	}
	var s analyze.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if want := []analyze.Count{{Name: "server_name", Count: n}}; s.TLS.ClientHellos != n || !slices.Equal(s.TLS.StringsCut, want) || len(s.TLS.ServerNames) != n {
		t.Errorf("%d ClientHellos, %d server names, cut %v; want %d, %d, %v", s.TLS.ClientHellos, len(s.TLS.ServerNames), s.TLS.StringsCut, n, n, want)
	}
	for _, sn := range s.TLS.ServerNames {
		if mark := analyze.CutMark + "16000 bytes]"; !strings.HasSuffix(sn.Name, mark) || len(sn.Name) != analyze.MaxNameLen+len(mark) {
			t.Fatalf("server name %.40q… not cut to %d bytes", sn.Name, analyze.MaxNameLen)
		}
	}
	if want := []analyze.Count{{Name: "answer_data", Count: n}}; s.DNS.Responses != n || !slices.Equal(s.DNS.StringsCut, want) || len(s.DNS.Answers) != n {
		t.Errorf("%d responses, %d answers, cut %v; want %d, %d, %v", s.DNS.Responses, len(s.DNS.Answers), s.DNS.StringsCut, n, n, want)
	}
	// 235 strings of 255 bytes with a space between them.
	mark := analyze.CutMark + strconv.Itoa(235*256-1) + " bytes]"
	for _, a := range s.DNS.Answers {
		if !strings.HasSuffix(a.Data, mark) || len(a.Data) != analyze.MaxAnswerDataLen+len(mark) {
			t.Fatalf("answer data %.40q… not cut to %d bytes", a.Data, analyze.MaxAnswerDataLen)
		}
	}
}

// writeLongDNSNamesCapture writes 3n DNS messages, each with its own
// 250-byte name: n NXDOMAIN responses, n mDNS and n LLMNR queries.
func writeLongDNSNamesCapture(w io.Writer, n int) error {
	return writeIPv4Capture(w, 3*n, func(j int) (byte, uint16, uint16, []byte) {
		tag := strconv.Itoa(j)
		label := tag + strings.Repeat("x", 62-len(tag))
		msg := []byte{byte(j >> 8), byte(j), 0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 0} // NXDOMAIN
		if j%3 != 0 {
			msg[2], msg[3] = 0, 0 // a query
		}
		for range 3 {
			msg = append(msg, 62)
			msg = append(msg, label...)
		}
		msg = append(msg, 60)
		msg = append(msg, strings.Repeat("y", 60)...)
		msg = append(msg, 0, 0, 1, 0, 1)
		switch j % 3 {
		case 1:
			return 17, 40000, 5353, msg
		case 2:
			return 17, 40000, 5355, msg
		}
		return 17, 53, 40000, msg
	})
}

// TestLongDNSNamesMemory analyses 100,000 NXDOMAIN responses, mDNS and
// LLMNR queries each, every one with its own 250-byte name (a 2.2 MB zstd
// capture). Each list kept up to 100,000 names: 227 MiB of RSS, 92 MB of
// JSON. Now the three lists stop at 16 MiB of names together, with a
// warning, and the run stays well under memoryBound.
func TestLongDNSNamesMemory(t *testing.T) {
	const n = 100_000
	dir := t.TempDir()
	capture := filepath.Join(dir, "dns.pcap.zst")
	writeZstd(t, capture, func(w io.Writer) error { return writeLongDNSNamesCapture(w, n) })
	jsonPath := filepath.Join(dir, "dns.json")
	m := runMeasured(t, nil, "report", capture, "-o", filepath.Join(dir, "dns.html"), "--json", jsonPath)
	if m.exitCode != 0 {
		t.Fatalf("exit %d: %s", m.exitCode, m.stderr)
	}
	t.Logf("peak RSS %.1f MiB", float64(m.peakRSS)/(1<<20))
	if m.peakRSS > memoryBound/2 {
		t.Errorf("peak RSS %d MiB, over %d MiB", m.peakRSS>>20, memoryBound>>21)
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("JSON %.1f MiB", float64(len(b))/(1<<20))
	if len(b) > 32<<20 {
		t.Errorf("JSON is %d MiB, over 32 MiB", len(b)>>20)
	}
	var s analyze.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	var kept, text int64
	for _, l := range [][]analyze.Count{s.DNS.NXDomain, s.DNS.MDNS, s.DNS.LLMNR} {
		for _, c := range l {
			kept += c.Count
			text += int64(len(c.Name))
		}
	}
	if text > 16<<20 || text < 15<<20 || kept >= 3*n {
		t.Errorf("%d names kept, %d bytes; want 15 to 16 MiB, fewer than %d", kept, text, 3*n)
	}
	want := fmt.Sprintf(": %d of them are counted in the totals but not listed", 3*n-kept)
	if len(s.Capture.Warnings) != 1 || !strings.HasSuffix(s.Capture.Warnings[0], want) {
		t.Errorf("warnings %q, want one ending %q", s.Capture.Warnings, want)
	}
}
