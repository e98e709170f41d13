package main

// Memory and output-size tests for captures whose time line is the
// problem: many packets in as many bins, packets far apart in time, a
// small capture spanning days. Each input is written here, in the test,
// with a known answer (how many packets, at which times).

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

// pcapWriter writes a classic little-endian microsecond pcap of Ethernet frames.
type pcapWriter struct {
	w   io.Writer
	hdr [16]byte
	err error
}

func newPcapWriter(w io.Writer) *pcapWriter {
	p := &pcapWriter{w: w}
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 65535)
	binary.LittleEndian.PutUint32(h[20:], 1) // Ethernet
	_, p.err = w.Write(h[:])
	return p
}

// record writes one frame stamped sec.usec since the epoch.
func (p *pcapWriter) record(sec uint32, usec uint32, frame []byte) {
	if p.err != nil {
		return
	}
	binary.LittleEndian.PutUint32(p.hdr[0:], sec)
	binary.LittleEndian.PutUint32(p.hdr[4:], usec)
	binary.LittleEndian.PutUint32(p.hdr[8:], uint32(len(frame)))
	binary.LittleEndian.PutUint32(p.hdr[12:], uint32(len(frame)))
	if _, p.err = p.w.Write(p.hdr[:]); p.err == nil {
		_, p.err = p.w.Write(frame)
	}
}

// udpFrame is an Ethernet/IPv4/UDP frame from src:sport to dst:dport
// carrying payload, with a correct IPv4 header checksum.
func udpFrame(src, dst [4]byte, sport, dport uint16, payload []byte) []byte {
	b := make([]byte, 14+20+8+len(payload))
	copy(b[0:6], []byte{0x02, 0, 0, 0, 0, 2})
	copy(b[6:12], []byte{0x02, 0, 0, 0, 0, 1})
	binary.BigEndian.PutUint16(b[12:], 0x0800)
	ip := b[14:34]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+8+len(payload)))
	ip[8] = 64
	ip[9] = 17
	copy(ip[12:16], src[:])
	copy(ip[16:20], dst[:])
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	udp := b[34:42]
	binary.BigEndian.PutUint16(udp[0:], sport)
	binary.BigEndian.PutUint16(udp[2:], dport)
	binary.BigEndian.PutUint16(udp[4:], uint16(8+len(payload)))
	copy(b[42:], payload)
	return b
}

// dnsQuery is a DNS query for name (type A) with id.
func dnsQuery(id uint16, name string) []byte {
	b := make([]byte, 12, 12+len(name)+6)
	binary.BigEndian.PutUint16(b[0:], id)
	b[2] = 0x01 // RD
	binary.BigEndian.PutUint16(b[4:], 1)
	start := 0
	for i := 0; i <= len(name); i++ {
		if i == len(name) || name[i] == '.' {
			b = append(b, byte(i-start))
			b = append(b, name[start:i]...)
			start = i + 1
		}
	}
	return append(b, 0, 0, 1, 0, 1)
}

// timelineRun reports on capture and returns the measured run, the JSON
// Summary and the sizes of the JSON and the HTML written.
func timelineRun(t *testing.T, capture string) (measured, analyze.Summary, int64, int64) {
	t.Helper()
	dir := t.TempDir()
	html, js := filepath.Join(dir, "r.html"), filepath.Join(dir, "r.json")
	m := runMeasured(t, nil, "report", capture, "-o", html, "--json", js)
	if m.exitCode != 0 {
		t.Fatalf("exit %d: %s", m.exitCode, m.stderr)
	}
	data, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var s analyze.Summary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	hi, err := os.Stat(html)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("peak RSS %.1f MiB, JSON %d bytes, HTML %d bytes, %d bins of %g s",
		float64(m.peakRSS)/(1<<20), len(data), hi.Size(), len(s.Timeline.Bins), s.Timeline.BinSeconds)
	return m, s, int64(len(data)), hi.Size()
}

// timelineSize is the size of tl as JSON.
func timelineSize(t *testing.T, tl analyze.Timeline) int {
	b, err := json.Marshal(tl)
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}

// checkBins checks that the time line is within analyze.MaxBins bins and
// holds every one of the capture's IP packets, want of them.
func checkBins(t *testing.T, tl analyze.Timeline, want int64) {
	t.Helper()
	if len(tl.Bins) > analyze.MaxBins {
		t.Errorf("%d bins, want at most %d", len(tl.Bins), analyze.MaxBins)
	}
	var n int64
	for _, b := range tl.Bins {
		n += b.Packets
	}
	if n != want {
		t.Errorf("bins hold %d packets, want %d", n, want)
	}
}

// TestMemoryTimelineOneBinPerPacket: DNS queries 2 s apart, each in a
// 2-second bin of its own. The old time line kept and wrote every bin
// (3 M packets: 1.8 GB RSS, 373 MB of JSON); 1 M packets already took it
// past the memory bound. Now the bins are coarsened to stay at most
// analyze.MaxBins, and memory and output stay small.
func TestMemoryTimelineOneBinPerPacket(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	path := filepath.Join(t.TempDir(), "dns.pcap.gz")
	if err := writeOneBinPerPacket(path, n); err != nil {
		t.Fatal(err)
	}
	m, s, jsonSize, htmlSize := timelineRun(t, path)
	if m.peakRSS > memoryBound {
		t.Errorf("peak RSS %d MiB, want at most %d MiB", m.peakRSS>>20, memoryBound>>20)
	}
	checkBins(t, s.Timeline, int64(n))
	// 2 s x n spread over at most MaxBins bins: each bin is at least
	// 2n/MaxBins seconds wide.
	if s.Timeline.BinSeconds*float64(analyze.MaxBins) < float64(2*n) {
		t.Errorf("bins of %g s cannot cover %d s in %d bins", s.Timeline.BinSeconds, 2*n, analyze.MaxBins)
	}
	if s.Timeline.IntervalSeconds != 2 {
		t.Errorf("interval_seconds %g, want the requested 2", s.Timeline.IntervalSeconds)
	}
	if jsonSize > 2<<20 {
		t.Errorf("JSON of %d bytes for %d packets, want at most 2 MiB", jsonSize, n)
	}
	if htmlSize > 4<<20 {
		t.Errorf("HTML of %d bytes, want at most 4 MiB", htmlSize)
	}
	if s.Capture.Bulk.OutlyingPackets != 0 {
		t.Errorf("%d packets outlying in time, want none", s.Capture.Bulk.OutlyingPackets)
	}
}

// TestMemoryTimelineTwoPacketsFarApart: two packets 1,999,998 s apart
// once made a million dense 2-second bins (112 MB of JSON). Now they give
// two bins and a JSON of kilobytes.
func TestMemoryTimelineTwoPacketsFarApart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "two.pcap")
	if err := writeTwoFarApart(path); err != nil {
		t.Fatal(err)
	}
	m, s, jsonSize, _ := timelineRun(t, path)
	if m.peakRSS > memoryBound {
		t.Errorf("peak RSS %d MiB, want at most %d MiB", m.peakRSS>>20, memoryBound>>20)
	}
	checkBins(t, s.Timeline, 2)
	if len(s.Timeline.Bins) != 2 || !s.Timeline.Sparse {
		t.Errorf("%d bins (sparse %v), want the 2 non-empty ones, sparse", len(s.Timeline.Bins), s.Timeline.Sparse)
	}
	if jsonSize > 16<<10 {
		t.Errorf("JSON of %d bytes, want at most 16 KiB", jsonSize)
	}
	if got := s.Capture.Bulk.DurationSeconds; got != 1_999_998 {
		t.Errorf("bulk spans %g s, want both packets' 1999998 s", got)
	}
}

// TestMemoryTimelineFourteenDays: a small capture of 174 ordinary packets
// (DNS queries and answers, HTTP requests) at random times over 14 days,
// about 120 KB, as in the issue. The old time line listed every 2-second
// bin of the 14 days (69 MB of JSON).
func TestMemoryTimelineFourteenDays(t *testing.T) {
	path := filepath.Join(t.TempDir(), "days.pcap")
	if err := writeFourteenDays(path); err != nil {
		t.Fatal(err)
	}
	m, s, jsonSize, _ := timelineRun(t, path)
	if m.peakRSS > memoryBound {
		t.Errorf("peak RSS %d MiB, want at most %d MiB", m.peakRSS>>20, memoryBound>>20)
	}
	checkBins(t, s.Timeline, 174)
	if len(s.Timeline.Bins) > 174 {
		t.Errorf("%d bins for 174 packets", len(s.Timeline.Bins))
	}
	// The whole JSON grows with the 174 packets' conversations and names,
	// the time line with its at most 174 non-empty bins.
	if jsonSize > 256<<10 {
		t.Errorf("JSON of %d bytes, want at most 256 KiB", jsonSize)
	}
	if n := timelineSize(t, s.Timeline); n > 32<<10 {
		t.Errorf("time line of %d bytes of JSON, want at most 32 KiB", n)
	}
	if s.Capture.Bulk.OutlyingPackets != 0 || s.Capture.Bulk.First != s.Capture.First || s.Capture.Bulk.Last != s.Capture.Last {
		t.Errorf("bulk %+v, want the whole capture %s to %s", s.Capture.Bulk, s.Capture.First, s.Capture.Last)
	}
}

// writeOneBinPerPacket writes a gzip-compressed pcap of n DNS queries, 2 s apart.
func writeOneBinPerPacket(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	bw := bufio.NewWriterSize(zw, 1<<16)
	pw := newPcapWriter(bw)
	q := udpFrame([4]byte{10, 0, 0, 1}, [4]byte{10, 0, 0, 53}, 40000, 53, dnsQuery(0, "www.example.com"))
	const t0 = 1_600_000_000
	for i := range n {
		binary.BigEndian.PutUint16(q[42:], uint16(i)) // DNS id
		pw.record(uint32(t0+2*i), 0, q)
	}
	if pw.err != nil {
		return pw.err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}

// writeTwoFarApart writes a pcap of two DNS queries 1,999,998 s apart.
func writeTwoFarApart(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	pw := newPcapWriter(f)
	q := udpFrame([4]byte{10, 0, 0, 1}, [4]byte{10, 0, 0, 53}, 40000, 53, dnsQuery(1, "a.example"))
	pw.record(1_600_000_000, 0, q)
	pw.record(1_600_000_000+1_999_998, 0, q)
	if pw.err != nil {
		return pw.err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return nil
}

// writeFourteenDays writes a pcap of 174 packets (DNS queries, large
// datagrams from the DNS server, datagrams to port 443) at random times
// over 14 days: about 120 KB.
func writeFourteenDays(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	pw := newPcapWriter(f)
	r := rand.New(rand.NewPCG(14, 174))
	const t0, span = 1_700_000_000, 14 * 86400
	times := make([]int, 174)
	for i := range times {
		times[i] = r.IntN(span)
	}
	times[0], times[len(times)-1] = 0, span-1
	slices.Sort(times)
	for i, ts := range times {
		var frame []byte
		client := [4]byte{192, 168, 1, byte(10 + i%20)}
		switch i % 3 {
		case 0:
			frame = udpFrame(client, [4]byte{192, 168, 1, 1}, uint16(50000+i), 53, dnsQuery(uint16(i), "host"+string(rune('a'+i%26))+".example.org"))
		case 1:
			// A large DNS answer-sized datagram (the body is opaque to the
			// test; only its length matters here).
			frame = udpFrame([4]byte{192, 168, 1, 1}, client, 53, uint16(50000+i), make([]byte, 900+r.IntN(400)))
		default:
			frame = udpFrame(client, [4]byte{203, 0, 113, 7}, uint16(40000+i), 443, make([]byte, 600+r.IntN(300)))
		}
		pw.record(uint32(t0+ts), uint32(r.IntN(1_000_000)), frame)
	}
	if pw.err != nil {
		return pw.err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return nil
}
