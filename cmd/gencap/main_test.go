package main

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

// generate runs gencap with args plus -o into a temporary file and returns its path.
func generate(t *testing.T, args ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "g.pcap")
	var stdout, stderr bytes.Buffer
	if err := run(append(args, "-o", out), &stdout, &stderr); err != nil {
		t.Fatalf("gencap %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "packets") {
		t.Errorf("gencap printed %q, want a packet count", stdout.String())
	}
	return out
}

func TestDeterministic(t *testing.T) {
	for _, args := range [][]string{
		{"-size", "2MB"},
		{"-size", "2MB", "-cardinality", "high"},
		{"-size", "2MB", "-days", "2", "-hosts", "300"},
		{"-size", "2MB", "-train", "3"},
	} {
		a, err := os.ReadFile(generate(t, args...))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(generate(t, args...))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%v: two runs differ", args)
		}
		if len(a) > 2e6 || len(a) < 2e6-2000 {
			t.Errorf("%v: %d bytes, want just under 2000000", args, len(a))
		}
		c, err := os.ReadFile(generate(t, append(args, "-seed", "2")...))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(a, c) {
			t.Errorf("%v: -seed 2 gives the same file as -seed 1", args)
		}
	}
}

// frames returns the frames of a pcap file written by gencap.
func frames(t *testing.T, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for b = b[pcapHeaderLen:]; len(b) >= recHeaderLen; {
		n := int(binary.LittleEndian.Uint32(b[8:12]))
		out = append(out, b[recHeaderLen:recHeaderLen+n])
		b = b[recHeaderLen+n:]
	}
	if len(b) != 0 {
		t.Fatalf("%d bytes after the last record", len(b))
	}
	return out
}

// TestMix checks that the capture has the traffic the package comment
// promises and that pcapreport decodes every packet of it.
func TestMix(t *testing.T) {
	path := generate(t, "-size", "4MB")
	var tagged, qinq int
	fs := frames(t, path)
	for _, f := range fs {
		switch binary.BigEndian.Uint16(f[12:14]) {
		case 0x8100:
			tagged++
		case 0x88a8:
			qinq++
		}
	}
	if tagged == 0 || qinq == 0 {
		t.Errorf("%d 802.1Q and %d QinQ frames of %d, want some of each", tagged, qinq, len(fs))
	}
	s, err := analyze.File(path, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Capture
	if c.DecodeErrors != 0 || c.UndecodablePackets != 0 {
		t.Errorf("%d decode errors, %d undecodable packets: %v", c.DecodeErrors, c.UndecodablePackets, c.DecodeErrorExamples)
	}
	proto := map[string]int64{}
	for _, ps := range [][]analyze.ProtocolCount{s.Protocols.Network, s.Protocols.Transport, s.Protocols.Application} {
		for _, p := range ps {
			proto[p.Name] = p.Packets
		}
	}
	for _, name := range []string{"IPv4", "IPv6", "ARP", "TCP", "UDP", "ICMP", "ICMPv6", "DNS", "TLS", "HTTP"} {
		if proto[name] == 0 {
			t.Errorf("no %s packets; protocols: %v", name, proto)
		}
	}
	if v6 := float64(proto["IPv6"]) / float64(c.IPPackets); v6 < 0.08 || v6 > 0.25 {
		t.Errorf("IPv6 is %.0f%% of IP packets, want about 15%%", 100*v6)
	}
	if len(s.Sources) < 500 {
		t.Errorf("%d sources, want hundreds", len(s.Sources))
	}
}

func TestHighCardinality(t *testing.T) {
	var stdout bytes.Buffer
	out := filepath.Join(t.TempDir(), "h.pcap")
	if err := run([]string{"-size", "2MB", "-cardinality", "high", "-o", out}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	s, err := analyze.File(out, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Capture.DecodeErrors != 0 {
		t.Errorf("%d decode errors: %v", s.Capture.DecodeErrors, s.Capture.DecodeErrorExamples)
	}
	// Nearly every packet is an attack packet from a source of its own.
	if n := int64(len(s.Sources)); n < s.Capture.Packets*8/10 {
		t.Errorf("%d sources in %d packets, want nearly one per packet", n, s.Capture.Packets)
	}
	if s.DNS.TotalQueries < s.Capture.Packets/3 {
		t.Errorf("%d DNS queries in %d packets, want over a third", s.DNS.TotalQueries, s.Capture.Packets)
	}
}

func TestAttackDistinct(t *testing.T) {
	g := newGen(config{size: 1 << 20, seed: 1, hosts: 100, rate: 1e5}, io.Discard)
	const n = 200_000
	srcs := make(map[[16]byte]bool, n)
	names := make(map[string]bool, n)
	for i := uint64(0); i < n; i++ {
		a, _ := g.attackSource(i * (attackUniverse / n))
		srcs[a] = true
		names[string(g.attackName(nil, i*(attackUniverse/n)))] = true
	}
	if len(srcs) != n || len(names) != n {
		t.Errorf("%d distinct sources and %d distinct names of %d", len(srcs), len(names), n)
	}
	seen := make(map[uint32]bool, 1<<16)
	for x := uint32(0); x < 1<<16; x++ {
		seen[perm28(x<<12)] = true
	}
	if len(seen) != 1<<16 {
		t.Errorf("perm28 is not injective: %d images of %d", len(seen), 1<<16)
	}
}

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"1MB", 1e6}, {"64MB", 64e6}, {"1GB", 1e9}, {"10GB", 10e9}, {"1.5GB", 1.5e9},
		{"512MiB", 512 << 20}, {"2KiB", 2048}, {"123", 123}, {"10 gb", 10e9}, {"1g", 1e9},
	} {
		if got, err := parseSize(c.in); err != nil || got != c.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "MB", "-1MB", "1XB", "1e30GB"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) succeeded", bad)
		}
	}
}

// TestChecksum checks sum and fold against the RFC 1071 example.
func TestChecksum(t *testing.T) {
	b := []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}
	if got := fold(sum(b, 0)); got != 0xddf2 {
		t.Errorf("sum of the RFC 1071 example = %#x, want 0xddf2", got)
	}
	for n := 0; n <= 9; n++ {
		// The slow way: 16-bit words, end-around carry.
		var s uint32
		for i := 0; i < n; i += 2 {
			w := uint32(b[i%8]) << 8
			if i+1 < n {
				w |= uint32(b[(i+1)%8])
			}
			s += w
		}
		for s > 0xffff {
			s = s>>16 + s&0xffff
		}
		in := make([]byte, n)
		for i := range in {
			in[i] = b[i%8]
		}
		if got := fold(sum(in, 0)); uint32(got) != s {
			t.Errorf("%d bytes: sum %#x, want %#x", n, got, s)
		}
	}
}

// flowOf returns the TCP or UDP conversation of an Ethernet frame written
// by gencap (either direction gives the same key), or "" for other frames.
func flowOf(f []byte) string {
	if len(f) < 14 {
		return ""
	}
	et, p := binary.BigEndian.Uint16(f[12:]), f[14:]
	for (et == 0x8100 || et == 0x88a8) && len(p) >= 4 {
		et, p = binary.BigEndian.Uint16(p[2:]), p[4:]
	}
	var proto byte
	var a, b, l4 []byte
	switch {
	case et == 0x0800 && len(p) >= 20:
		proto, a, b, l4 = p[9], p[12:16], p[16:20], p[int(p[0]&15)*4:]
	case et == 0x86dd && len(p) >= 40:
		proto, a, b, l4 = p[6], p[8:24], p[24:40], p[40:]
	default:
		return ""
	}
	if (proto != 6 && proto != 17) || len(l4) < 4 {
		return ""
	}
	x, y := string(a)+string(l4[0:2]), string(b)+string(l4[2:4])
	if y < x {
		x, y = y, x
	}
	return string(proto) + x + y
}

// TestTrains: by default each packet comes from a session picked at
// random, so a TCP or UDP packet almost never follows one of the same
// conversation; with -train 3 about two in three do, as in the real
// captures of ../shared/captures (64-80%, by tshark's stream numbers).
func TestTrains(t *testing.T) {
	for _, c := range []struct {
		train    string
		min, max float64
	}{{"1", 0, 0.05}, {"3", 0.55, 0.72}, {"10", 0.8, 0.95}} {
		var n, same int
		prev := ""
		for _, f := range frames(t, generate(t, "-size", "4MB", "-train", c.train)) {
			k := flowOf(f)
			if k == "" {
				continue
			}
			n++
			if k == prev {
				same++
			}
			prev = k
		}
		t.Logf("-train %s: %d of %d (%.3f)", c.train, same, n, float64(same)/float64(n))
		if got := float64(same) / float64(n); n < 1000 || got < c.min || got > c.max {
			t.Errorf("-train %s: %d of %d TCP/UDP packets follow one of their conversation (%.2f), want %.2f-%.2f", c.train, same, n, got, c.min, c.max)
		}
	}
	var stderr bytes.Buffer
	if err := run([]string{"-size", "1MB", "-train", "0.5", "-o", filepath.Join(t.TempDir(), "x")}, io.Discard, &stderr); err == nil {
		t.Error("-train 0.5 accepted")
	}
}
