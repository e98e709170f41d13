package main

import (
	"encoding/binary"
	"encoding/json"
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
// User-Agent are size bytes long and unique to it. A request has its own
// connection (client port), so every one is parsed.
func writeLongHTTPCapture(w io.Writer, n, size int) error {
	var hdr [24]byte
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 262144)
	binary.LittleEndian.PutUint32(hdr[20:], 1) // Ethernet
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	long := func(c byte, i int) string {
		tag := strconv.Itoa(i)
		return tag + strings.Repeat(string(c), size-len(tag))
	}
	var frame []byte
	for i := range n {
		payload := "GET /" + long('p', i)[:size-1] + " HTTP/1.1\r\nHost: " + long('h', i) +
			"\r\nUser-Agent: " + long('u', i) + "\r\n\r\n"
		frame = frame[:0]
		frame = append(frame, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00) // Ethernet, IPv4
		ipLen := 20 + 20 + len(payload)
		frame = append(frame, 0x45, 0, byte(ipLen>>8), byte(ipLen), 0, 0, 0x40, 0, 64, 6, 0, 0,
			10, 0, 0, 1, 10, 0, 0, 2)
		sport := uint16(10000 + i%50000)
		frame = append(frame, byte(sport>>8), byte(sport), 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0)
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

// writeZstd writes a capture through zstd to path.
func writeZstd(t testing.TB, path string, write func(io.Writer) error) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw, err := zstd.NewWriter(f)
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
// distinct requests kept stop at 32 MiB of text, and the run stays under
// memoryBound with a JSON of under 128 MiB.
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
	if fi.Size() > 128<<20 {
		t.Errorf("JSON is %d MiB, over 128 MiB", fi.Size()>>20)
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
	// Requests stop at 32 MiB of text: about 14,000 of these 2.3 KB ones.
	if !h.RequestsTruncated || len(h.Requests) < 10_000 || len(h.Requests) >= n {
		t.Errorf("%d requests kept (truncated %v), want 10,000 to %d and truncated", len(h.Requests), h.RequestsTruncated, n)
	}
	for _, r := range h.Requests {
		if !strings.HasSuffix(r.Path, mark) || len(r.Path) != analyze.MaxTargetLen+len(mark) || !strings.HasSuffix(r.Host, mark) {
			t.Fatalf("request %q…: target or host not cut", r.URL[:40])
		}
	}
}
