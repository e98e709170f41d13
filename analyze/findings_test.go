package analyze

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Each rule is tested on a capture that fires it and one that does not:
// real captures checked against tshark where it is installed, and
// captures built here with a known answer.

// tsharkFields runs tshark on path with a display filter and returns one
// line per matching packet (its fields, tab-separated). The test is
// skipped when tshark is not installed.
func tsharkFields(t *testing.T, path, filter string, fields ...string) []string {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	args := []string{"-n", "-r", path, "-Y", filter, "-T", "fields"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	out, err := exec.Command("tshark", args...).Output()
	if err != nil && len(out) == 0 {
		t.Fatalf("tshark %v: %v", args, err)
	}
	var lines []string
	for l := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// findingsOf returns the findings of rule in s.
func findingsOf(s *Summary, rule string) []Finding {
	var out []Finding
	for _, f := range s.Findings {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func fileSummary(t *testing.T, path string) *Summary {
	t.Helper()
	s, err := File(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// arpFrame builds an Ethernet ARP message: op 1 (who-has) or 2 (is-at).
func arpFrame(t *testing.T, op uint16, senderMAC, senderIP, targetIP string) []byte {
	t.Helper()
	mac, err := net.ParseMAC(senderMAC)
	if err != nil {
		t.Fatal(err)
	}
	eth := &layers.Ethernet{SrcMAC: mac, DstMAC: net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, EthernetType: layers.EthernetTypeARP}
	arp := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
		Operation: op, SourceHwAddress: mac, SourceProtAddress: net.ParseIP(senderIP).To4(),
		DstHwAddress: make([]byte, 6), DstProtAddress: net.ParseIP(targetIP).To4()}
	return serialize(t, eth, arp)
}

func frames(fs ...[]byte) []testPacket {
	out := make([]testPacket, len(fs))
	for i, f := range fs {
		out[i] = testPacket{at: t0.Add(time.Duration(i) * time.Millisecond), data: f}
	}
	return out
}

func TestFindingsARPConflict(t *testing.T) {
	const gwA, gwB, hostC, hostD = "00:00:5e:00:01:01", "02:de:ad:be:ef:01", "00:11:22:33:44:55", "00:11:22:33:44:66"
	benign := [][]byte{
		arpFrame(t, 1, "00:aa:00:00:00:50", "192.168.1.50", "192.168.1.1"),
		arpFrame(t, 2, gwA, "192.168.1.1", "192.168.1.50"),
		arpFrame(t, 2, gwA, "192.168.1.1", "192.168.1.50"),
		arpFrame(t, 2, gwA, "192.168.1.1", "192.168.1.50"),
		arpFrame(t, 2, hostC, "192.168.1.77", "192.168.1.50"),
	}
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, frames(benign...)), Options{})
	if fs := append(findingsOf(s, "arp-ip-conflict"), findingsOf(s, "arp-gateway-impersonation")...); len(fs) != 0 {
		t.Errorf("one MAC per address: want no ARP finding, got %+v", fs)
	}

	// A second MAC claims the gateway twice, and another host's address once.
	spoofed := append(benign,
		arpFrame(t, 2, gwB, "192.168.1.1", "192.168.1.50"),
		arpFrame(t, 2, gwB, "192.168.1.1", "192.168.1.50"),
		arpFrame(t, 2, hostD, "192.168.1.77", "192.168.1.50"),
	)
	s = analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, frames(spoofed...)), Options{})
	fs := findingsOf(s, "arp-ip-conflict")
	if len(fs) != 2 {
		t.Fatalf("want 2 arp-ip-conflict findings, got %+v", fs)
	}
	gw, other := fs[0], fs[1]
	if gw.Severity != SeverityHigh || !slices.Equal(gw.Evidence.Hosts, []string{"192.168.1.1"}) ||
		!slices.Equal(gw.Evidence.MACs, []string{gwA, gwB}) || countOf(gw, "ARP packets from "+gwA) != 3 || countOf(gw, "ARP packets from "+gwB) != 2 {
		t.Errorf("gateway conflict: got %+v", gw)
	}
	if other.Severity != SeverityMedium || !slices.Equal(other.Evidence.Hosts, []string{"192.168.1.77"}) || !slices.Equal(other.Evidence.MACs, []string{hostC, hostD}) {
		t.Errorf("host conflict: got %+v", other)
	}
	for _, want := range []string{"192.168.1.1", "2 MACs", gwA, gwB, "likely gateway"} {
		if !strings.Contains(gw.Title, want) {
			t.Errorf("title %q lacks %q", gw.Title, want)
		}
	}
	if s.Findings[0].Rule != "arp-ip-conflict" || s.Findings[0].Severity != SeverityHigh {
		t.Errorf("the high finding is not first: %+v", s.Findings[0])
	}
}

// TestFindingsARPGatewayImpersonation: in the real ARP poisoning capture,
// one MAC (an HP host) claims the gateway 172.16.0.1 to the victim and its
// own 172.16.0.105; the real gateway never speaks ARP, so no address is
// claimed twice. tshark tells which addresses that MAC claimed.
func TestFindingsARPGatewayImpersonation(t *testing.T) {
	const path = "../testdata/arp_poison_http_dns.pcapng"
	const mac = "00:25:b3:bf:91:ee"
	claims := tsharkFields(t, path, "arp.src.hw_mac == "+mac, "arp.src.proto_ipv4")
	want := map[string]int64{}
	for _, ip := range claims {
		want[ip]++
	}
	s := fileSummary(t, path)
	fs := findingsOf(s, "arp-gateway-impersonation")
	if len(fs) != 1 {
		t.Fatalf("want 1 arp-gateway-impersonation finding, got %+v", s.Findings)
	}
	f := fs[0]
	if f.Severity != SeverityHigh || !slices.Equal(f.Evidence.MACs, []string{mac}) || f.Anchor != "arp-bindings" {
		t.Errorf("got %+v", f)
	}
	if len(f.Evidence.Hosts) != len(want) || f.Evidence.Hosts[0] != "172.16.0.1" {
		t.Errorf("hosts %v, tshark: %v claimed by %s (the gateway .1 first)", f.Evidence.Hosts, want, mac)
	}
	for ip, n := range want {
		if got := countOf(f, "ARP packets claiming "+ip); got != n {
			t.Errorf("%s claimed %s in %d ARP packets, tshark says %d", mac, ip, got, n)
		}
	}
	if high := highFindings(s); len(high) != 1 {
		t.Errorf("want exactly this high finding, got %+v", high)
	}

	// A Windows LAN: two VMs each claim a link-local and a DHCP address,
	// but not the gateway (192.168.199.1, the ARP target asked for most).
	s = fileSummary(t, "../testdata/windows_lan_dns_llmnr_smb.pcap")
	if len(s.ARP.SharedMACs) == 0 {
		t.Fatal("the capture has no MAC with several addresses: the test checks nothing")
	}
	if fs := findingsOf(s, "arp-gateway-impersonation"); len(fs) != 0 {
		t.Errorf("want no finding, got %+v", fs)
	}
}

func TestFindingsDNSUnanswered(t *testing.T) {
	const lan = "../testdata/windows_lan_dns_llmnr_smb.pcap"
	queries := int64(len(tsharkFields(t, lan, "udp.port == 53 && dns.flags.response == 0", "frame.number")))
	responses := int64(len(tsharkFields(t, lan, "udp.port == 53 && dns.flags.response == 1", "frame.number")))
	s := fileSummary(t, lan)
	fs := findingsOf(s, "dns-unanswered")
	if len(fs) != 1 {
		t.Fatalf("%d queries, %d responses (tshark): want a dns-unanswered finding, got %+v", queries, responses, s.Findings)
	}
	sentence := fmt.Sprintf("Only %d of %d DNS queries", responses, queries)
	if responses == 0 {
		sentence = fmt.Sprintf("None of %d DNS queries", queries)
	}
	if f := fs[0]; countOf(f, "queries") != queries || countOf(f, "responses") != responses || f.Severity != SeverityMedium ||
		!strings.HasPrefix(f.Title, sentence) {
		t.Errorf("tshark: %d queries, %d responses; got %+v", queries, responses, f)
	}

	const answered = "../testdata/dns_many_queries_mdns_llmnr.pcap"
	queries = int64(len(tsharkFields(t, answered, "udp.port == 53 && dns.flags.response == 0", "frame.number")))
	responses = int64(len(tsharkFields(t, answered, "udp.port == 53 && dns.flags.response == 1", "frame.number")))
	if queries < dnsUnansweredMin || responses*2 < queries {
		t.Fatalf("tshark: %d queries, %d responses: not a capture where most queries are answered", queries, responses)
	}
	if fs := findingsOf(fileSummary(t, answered), "dns-unanswered"); len(fs) != 0 {
		t.Errorf("%d of %d queries answered: want no finding, got %+v", responses, queries, fs)
	}
}

// dnsExchange is a query from client to 10.0.0.53 and, unless rcode < 0,
// its response with that response code.
func dnsExchange(t *testing.T, client, name string, rcode int) [][]byte {
	out := [][]byte{udpFrame(t, client, "10.0.0.53", 40000, 53, dnsMessage(name, false))}
	if rcode >= 0 {
		r := dnsMessage(name, true)
		r[3] |= byte(rcode)
		out = append(out, udpFrame(t, "10.0.0.53", client, 53, 40000, r))
	}
	return out
}

func TestFindingsDNSNXDomain(t *testing.T) {
	var fs [][]byte
	// 10.0.0.5 looks up 12 names that do not exist (a DGA's pattern) and 4
	// that do; 10.0.0.6 mistypes 2 names in 20.
	for i := range 12 {
		fs = append(fs, dnsExchange(t, "10.0.0.5", fmt.Sprintf("qx%dzv.example", i), 3)...)
	}
	for i := range 4 {
		fs = append(fs, dnsExchange(t, "10.0.0.5", fmt.Sprintf("www%d.example.org", i), 0)...)
	}
	for i := range 18 {
		fs = append(fs, dnsExchange(t, "10.0.0.6", fmt.Sprintf("host%d.example.org", i), 0)...)
	}
	fs = append(fs, dnsExchange(t, "10.0.0.6", "gogle.example", 3)...)
	fs = append(fs, dnsExchange(t, "10.0.0.6", "gmial.example", 3)...)
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, frames(fs...)), Options{})
	got := findingsOf(s, "dns-nxdomain")
	if len(got) != 1 {
		t.Fatalf("want one dns-nxdomain finding (10.0.0.5), got %+v", got)
	}
	f := got[0]
	if !slices.Equal(f.Evidence.Hosts, []string{"10.0.0.5"}) || countOf(f, "queries") != 16 || countOf(f, "NXDOMAIN-name queries") != 12 ||
		countOf(f, "NXDOMAIN names") != 12 || len(f.Evidence.Names) != 12 || !strings.Contains(f.Title, "12 of its 16 DNS queries (75%)") {
		t.Errorf("got %+v", f)
	}
	if findingsOf(s, "dns-unanswered") != nil {
		t.Error("every query was answered, yet dns-unanswered fired")
	}

	// A real lab capture with NXDOMAIN answers, too few to say anything.
	const lab = "../testdata/dns_lab_ptr_nxdomain.pcapng"
	nx := tsharkFields(t, lab, "dns.flags.rcode == 3", "frame.number")
	if len(nx) == 0 {
		t.Fatal("tshark sees no NXDOMAIN in the lab capture: the test checks nothing")
	}
	if got := findingsOf(fileSummary(t, lab), "dns-nxdomain"); len(got) != 0 {
		t.Errorf("%d NXDOMAIN responses: want no finding, got %+v", len(nx), got)
	}
}

func TestFindingsDNSOddLabels(t *testing.T) {
	var fs [][]byte
	// 12 names under tunnel.example carry the 64 hex digits of a SHA-256
	// each, in a label of 48 and one of 16, as a DNS tunnel carries data.
	for i := range 12 {
		sum := sha256.Sum256([]byte{byte(i)})
		h := hex.EncodeToString(sum[:])
		fs = append(fs, dnsExchange(t, "10.0.0.5", h[:48]+"."+h[48:]+".tunnel.example", 0)...)
	}
	// One 24-letter label with every letter different: log2(24) = 4.58 bits.
	fs = append(fs, dnsExchange(t, "10.0.0.5", "x7k2q9vfz3m8wp4j6r1tb5nc.cdn.example", 0)...)
	// Ordinary names, long and short, and a long reverse lookup.
	for _, n := range []string{"www.patisseriepaindesucre.com", "e1234.dscb.akamaiedge.net", "mail-attachment.googleusercontent.com",
		"b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa"} {
		fs = append(fs, dnsExchange(t, "10.0.0.6", n, 0)...)
	}
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, frames(fs...)), Options{})
	got := findingsOf(s, "dns-odd-labels")
	if len(got) != 2 {
		t.Fatalf("want 2 dns-odd-labels findings, got %+v", got)
	}
	tunnel, random := got[0], got[1]
	if tunnel.Severity != SeverityMedium || countOf(tunnel, "names") != 12 || countOf(tunnel, "longest label") != 48 ||
		!strings.Contains(tunnel.Title, "12 query names under tunnel.example") {
		t.Errorf("tunnel: got %+v", tunnel)
	}
	if random.Severity != SeverityLow || !slices.Equal(random.Evidence.Names, []string{"x7k2q9vfz3m8wp4j6r1tb5nc.cdn.example"}) {
		t.Errorf("random label: got %+v", random)
	}

	// A real capture of many ordinary lookups (counted by tshark), none odd.
	const browsing = "../testdata/dns_many_queries_mdns_llmnr.pcap"
	names := tsharkFields(t, browsing, "udp.port == 53 && dns.flags.response == 0", "dns.qry.name")
	if len(names) == 0 {
		t.Fatal("no DNS names: the test checks nothing")
	}
	if got := findingsOf(fileSummary(t, browsing), "dns-odd-labels"); len(got) != 0 {
		t.Errorf("want no finding on %d ordinary queries, got %+v", len(names), got)
	}
}

func TestOddLabelsAndEntropy(t *testing.T) {
	for _, c := range []struct {
		name    string
		longest int
		odd     bool
	}{
		{"www.example.com", 7, false},
		{strings.Repeat("a", 40) + ".example", 40, true}, // long, whatever its letters
		{strings.Repeat("a", 39) + ".example", 39, false},
		{"abcdefghijklmnopqrst.example", 20, true},     // 20 distinct: 4.32 bits
		{"abcdefghijklmnopqrs.example", 19, false},     // too short to judge
		{"googleusercontentgoogle.example", 23, false}, // words: 3.3 bits
		{"patisseriepaindesucre.example", 21, false},   // 3.27 bits
		{"", 0, false},
	} {
		longest, odd := oddLabels(c.name)
		if longest != c.longest || odd != c.odd {
			t.Errorf("oddLabels(%q) = %d, %v; want %d, %v", c.name, longest, odd, c.longest, c.odd)
		}
	}
	if e := entropy("abcd"); e != 2 {
		t.Errorf("entropy(abcd) = %v, want 2", e)
	}
	if e := entropy("aaaa"); e != 0 {
		t.Errorf("entropy(aaaa) = %v, want 0", e)
	}
}

func TestFindingsSnapLength(t *testing.T) {
	const path = "../testdata/snaplen96_tcp.pcap"
	cut := tsharkFields(t, path, "frame.cap_len < frame.len", "frame.number", "frame.cap_len")
	all := tsharkFields(t, path, "frame", "frame.number")
	first, _ := strconv.ParseInt(strings.Fields(cut[0])[0], 10, 64)
	var snap int64
	for _, l := range cut {
		n, _ := strconv.ParseInt(strings.Fields(l)[1], 10, 64)
		snap = max(snap, n)
	}
	s := fileSummary(t, path)
	q := s.Capture.Quality
	if q.SnappedPackets != int64(len(cut)) || q.SnapLength != snap || q.FirstSnapped != first {
		t.Errorf("quality %+v; tshark: %d packets cut, at most %d bytes, first %d", q, len(cut), snap, first)
	}
	fs := findingsOf(s, "capture-snaplen")
	want := fmt.Sprintf("%d of %d packets", len(cut), len(all))
	if len(fs) != 1 || fs[0].Severity != SeverityMedium || !strings.Contains(fs[0].Title, want) ||
		!strings.Contains(fs[0].Title, fmt.Sprintf("at most %d bytes", snap)) || !slices.Equal(fs[0].Evidence.Packets, []int64{first}) {
		t.Errorf("want a medium finding saying %q, got %+v", want, fs)
	}
	if fs := findingsOf(s, "capture-out-of-order"); len(fs) != 0 {
		t.Errorf("tshark sees no timestamp going back; got %+v", fs)
	}

	const whole = "../testdata/http_espn_browsing.pcapng"
	if cut := tsharkFields(t, whole, "frame.cap_len < frame.len", "frame.number"); len(cut) != 0 {
		t.Fatalf("tshark: %d packets cut in %s", len(cut), whole)
	}
	s = fileSummary(t, whole)
	if s.Capture.Quality.SnappedPackets != 0 || findingsOf(s, "capture-snaplen") != nil {
		t.Errorf("no packet cut: got %+v and %+v", s.Capture.Quality, s.Findings)
	}
}

func TestFindingsOutOfOrder(t *testing.T) {
	frame := udpFrame(t, "10.0.0.1", "10.0.0.2", 1000, 2000, []byte("x"))
	var pkts []testPacket
	// Packets 3 and 5 go back in time; 4 is after 3 but before 2: it is in
	// order with the packet before it.
	for _, at := range []time.Duration{0, 2 * time.Second, time.Second, 1500 * time.Millisecond, 0} {
		pkts = append(pkts, testPacket{at: t0.Add(at), data: frame})
	}
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts), Options{})
	if q := s.Capture.Quality; q.OutOfOrder != 2 || q.FirstOutOfOrder != 3 {
		t.Errorf("want 2 packets out of order, the first packet 3; got %+v", q)
	}
	fs := findingsOf(s, "capture-out-of-order")
	if len(fs) != 1 || !strings.HasPrefix(fs[0].Title, "2 packets have a timestamp earlier") || !slices.Equal(fs[0].Evidence.Packets, []int64{3}) {
		t.Errorf("got %+v", fs)
	}
	// The same packets in order.
	slices.SortStableFunc(pkts, func(a, b testPacket) int { return a.at.Compare(b.at) })
	s = analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts), Options{})
	if s.Capture.Quality.OutOfOrder != 0 || findingsOf(s, "capture-out-of-order") != nil {
		t.Errorf("in order: got %+v", s.Capture.Quality)
	}

	// A real capture: the first packet whose time goes back (tshark).
	const real = "../testdata/pcapng_two_linktypes_eth_sll.pcapng"
	back := tsharkFields(t, real, "frame.time_delta < 0", "frame.number")
	if len(back) == 0 {
		t.Fatal("tshark sees no timestamp going back")
	}
	if q := fileSummary(t, real).Capture.Quality; strconv.FormatInt(q.FirstOutOfOrder, 10) != back[0] {
		t.Errorf("first packet out of order: %d, tshark %s", q.FirstOutOfOrder, back[0])
	}
}

func TestFindingsCutShortAndDecodeErrors(t *testing.T) {
	s := fileSummary(t, "../testdata/cut_short_vlan_qinqinq_http.pcap")
	whole := tsharkFields(t, "../testdata/cut_short_vlan_qinqinq_http.pcap", "frame", "frame.number")
	fs := findingsOf(s, "capture-cut-short")
	if len(fs) != 1 || fs[0].Severity != SeverityMedium || countOf(fs[0], "packets read") != int64(len(whole)) ||
		!strings.Contains(fs[0].Title, fmt.Sprintf("after packet %d", len(whole))) {
		t.Errorf("tshark reads %d whole packets; got %+v", len(whole), fs)
	}
	s = fileSummary(t, "../testdata/vlan_qinqinq_http.pcap")
	if s.Capture.Quality.CutShort || findingsOf(s, "capture-cut-short") != nil || findingsOf(s, "capture-decode-errors") != nil {
		t.Errorf("the whole file: got %+v", s.Findings)
	}

	s = fileSummary(t, "../testdata/malformed/ipv4_invalid_hdr_length.pcap")
	fs = findingsOf(s, "capture-decode-errors")
	if len(fs) != 1 || countOf(fs[0], s.Capture.DecodeErrorReasons[0].Name) != s.Capture.DecodeErrors ||
		!slices.Equal(fs[0].Evidence.Packets, []int64{s.Capture.DecodeErrorExamples[0].Packet}) || fs[0].Anchor != "problems" {
		t.Errorf("decode errors %+v: got %+v", s.Capture.DecodeErrorReasons, fs)
	}
}

func TestFindingsHTTPIPHost(t *testing.T) {
	const path = "../testdata/nanosec_bigendian_http.pcap"
	var want []string
	for _, h := range tsharkFields(t, path, "http.request", "http.host") {
		if hostIsIP(h) {
			want = append(want, h)
		}
	}
	if len(want) == 0 {
		t.Fatal("tshark sees no request to an IP host")
	}
	s := fileSummary(t, path)
	fs := findingsOf(s, "http-ip-host")
	if len(fs) != 1 || countOf(fs[0], "requests") != int64(len(want)) || !slices.Contains(fs[0].Evidence.Names, want[0]) || len(fs[0].Evidence.Hosts) == 0 {
		t.Errorf("tshark: %d requests to %v; got %+v", len(want), want, fs)
	}

	const named = "../testdata/http_espn_browsing.pcapng"
	for _, h := range tsharkFields(t, named, "http.request", "http.host") {
		if hostIsIP(h) {
			t.Fatalf("tshark sees a request to %s in %s", h, named)
		}
	}
	if fs := findingsOf(fileSummary(t, named), "http-ip-host"); len(fs) != 0 {
		t.Errorf("every Host is a name: got %+v", fs)
	}
}

func TestHostIsIP(t *testing.T) {
	for h, want := range map[string]bool{
		"10.0.0.1": true, "10.0.0.1:8080": true, "[2001:db8::1]": true, "[2001:db8::1]:80": true, "2001:db8::1": true,
		"example.com": false, "example.com:80": false, "": false, "10.0.0.1:x": false, "1.2.3": false,
	} {
		if got := hostIsIP(h); got != want {
			t.Errorf("hostIsIP(%q) = %v, want %v", h, got, want)
		}
	}
}

func highFindings(s *Summary) []Finding {
	var out []Finding
	for _, f := range s.Findings {
		if f.Severity == SeverityHigh {
			out = append(out, f)
		}
	}
	return out
}

// TestFindingsBenign: no real capture but the ARP poisoning one gives a
// high-severity finding (the fuzzed inputs of malformed/ are not benign).
func TestFindingsBenign(t *testing.T) {
	var paths []string
	for _, dir := range []string{"../testdata", "../../shared/captures"} {
		for _, pat := range []string{"*.pcap", "*.pcapng", "*.gz"} {
			m, _ := filepath.Glob(filepath.Join(dir, pat))
			paths = append(paths, m...)
		}
	}
	if len(paths) == 0 {
		t.Fatal("no captures")
	}
	for _, p := range paths {
		if strings.Contains(p, "arp_poison") {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			continue
		}
		s, err := File(p, Options{})
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if high := highFindings(s); len(high) > 0 {
			t.Errorf("%s: high-severity finding on a benign capture: %+v", p, high)
		}
		for _, f := range s.Findings {
			if f.Evidence.Hosts == nil || f.Evidence.MACs == nil || f.Evidence.Names == nil || f.Evidence.Counts == nil || f.Evidence.Packets == nil {
				t.Errorf("%s: %s has a nil evidence list", p, f.Rule)
			}
		}
	}
}

// TestFindingsMerged: an overview's findings come from the merged lists,
// with packet numbers (which mean nothing across captures) dropped.
func TestFindingsMerged(t *testing.T) {
	var o Overview
	for _, p := range []string{"../testdata/snaplen96_tcp.pcap", "../testdata/arp_poison_http_dns.pcapng"} {
		if err := o.Add(fileSummary(t, p)); err != nil {
			t.Fatal(err)
		}
	}
	s := o.Summary()
	if len(findingsOf(s, "arp-gateway-impersonation")) != 1 {
		t.Errorf("the overview lost the ARP finding: %+v", s.Findings)
	}
	fs := findingsOf(s, "capture-snaplen")
	if len(fs) != 1 || len(fs[0].Evidence.Packets) != 0 || s.Capture.Quality.SnappedPackets != fileSummary(t, "../testdata/snaplen96_tcp.pcap").Capture.Quality.SnappedPackets {
		t.Errorf("got %+v, quality %+v", fs, s.Capture.Quality)
	}
}

func TestPercent(t *testing.T) {
	for _, c := range []struct {
		part, whole int64
		want        string
	}{{691, 878, "79%"}, {0, 357, "0%"}, {1, 1000, "0.1%"}, {999, 1000, "99.9%"}, {1, 1, "100%"}, {1, 0, "0%"}} {
		if got := percent(c.part, c.whole); got != c.want {
			t.Errorf("percent(%d, %d) = %s, want %s", c.part, c.whole, got, c.want)
		}
	}
}

// TestFindingsEvidenceBounded: a client asking for many names that do not
// exist gets one finding whose evidence lists maxEvidence of them and
// counts them all.
func TestFindingsEvidenceBounded(t *testing.T) {
	var fs [][]byte
	for i := range maxEvidence + 5 {
		fs = append(fs, dnsExchange(t, "10.0.0.9", fmt.Sprintf("n%d.example", i), 3)...)
	}
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, frames(fs...)), Options{})
	got := findingsOf(s, "dns-nxdomain")
	if len(got) != 1 || len(got[0].Evidence.Names) != maxEvidence || countOf(got[0], "NXDOMAIN names") != maxEvidence+5 ||
		!strings.Contains(got[0].Title, fmt.Sprintf("for %d names", maxEvidence+5)) {
		t.Errorf("got %+v", got)
	}
}

func TestFindingsUnexpectedProtocol(t *testing.T) {
	get := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	hello := []byte{0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00} // a TLS handshake record
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, frames(
		// HTTP to SSH's port, in three flows from two clients.
		tcpFrame(t, "10.0.0.1", "10.0.0.22", 40001, 22, get),
		tcpFrame(t, "10.0.0.1", "10.0.0.22", 40002, 22, get),
		tcpFrame(t, "10.0.0.3", "10.0.0.22", 40001, 22, get),
		// TLS to HTTP's port.
		tcpFrame(t, "10.0.0.1", "10.0.0.80", 40003, 80, hello),
		// In place: HTTP on 80, TLS on 443, STARTTLS on SMTP's 25, a SIP
		// OPTIONS on 5060, HTTP on a port known for nothing.
		tcpFrame(t, "10.0.0.1", "10.0.0.80", 40004, 80, get),
		tcpFrame(t, "10.0.0.1", "10.0.0.43", 40005, 443, hello),
		tcpFrame(t, "10.0.0.1", "10.0.0.25", 40006, 25, hello),
		tcpFrame(t, "10.0.0.1", "10.0.0.50", 40007, 5060, []byte("OPTIONS sip:x@y SIP/2.0\r\n\r\n")),
		tcpFrame(t, "10.0.0.1", "10.0.0.88", 40008, 8000, get),
	)), Options{})
	want := []Unexpected{
		{Proto: "tcp", Server: "10.0.0.22", Port: 22, Service: "ssh", Seen: "HTTP", Flows: 3, Clients: []string{"10.0.0.1", "10.0.0.3"}},
		{Proto: "tcp", Server: "10.0.0.80", Port: 80, Service: "http", Seen: "TLS", Flows: 1, Clients: []string{"10.0.0.1"}},
	}
	if got := s.Ports.Unexpected; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("unexpected services:\n got %+v\nwant %+v", got, want)
	}
	fs := findingsOf(s, "port-unexpected-protocol")
	if len(fs) != 2 || fs[0].Severity != SeverityMedium || fs[0].Anchor != "ports-unexpected" ||
		!strings.HasPrefix(fs[0].Title, "HTTP was spoken to 10.0.0.22 on TCP port 22, the port of ssh, in 3 flows, from 10.0.0.1, 10.0.0.3") ||
		!slices.Equal(fs[0].Evidence.Hosts, []string{"10.0.0.22", "10.0.0.1", "10.0.0.3"}) {
		t.Errorf("got %+v", fs)
	}

	// An overview adds the flows up and keeps the clients once.
	var o Overview
	for range 2 {
		if err := o.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	if got := o.Summary().Ports.Unexpected; len(got) != 2 || got[0].Flows != 6 || !slices.Equal(got[0].Clients, want[0].Clients) {
		t.Errorf("merged: %+v", got)
	}

	// Real web browsing: every request on HTTP's port (tshark).
	const web = "../testdata/http_espn_browsing.pcapng"
	for _, p := range tsharkFields(t, web, "http.request", "tcp.dstport") {
		if p != "80" {
			t.Fatalf("tshark: a request to port %s", p)
		}
	}
	if s := fileSummary(t, web); len(s.Ports.Unexpected) != 0 || findingsOf(s, "port-unexpected-protocol") != nil {
		t.Errorf("%s: got %+v", web, s.Ports.Unexpected)
	}
}

// BenchmarkQualityPacket measures the only per-packet cost of the
// findings, Capture.Quality's two checks (compare with BenchmarkAnalyze's
// ns/packet): on whole packets in order, and on cut packets that go back
// in time every other packet, where every check takes its slower branch.
func BenchmarkQualityPacket(b *testing.B) {
	for _, c := range []struct {
		name      string
		cut, back bool
	}{{"typical", false, false}, {"worst", true, true}} {
		b.Run(c.name, func(b *testing.B) {
			var q qualityCounter
			stored := 1514
			if c.cut {
				stored = 96
			}
			second := t0.Add(time.Second)
			if c.back {
				second = t0.Add(-time.Second)
			}
			cis := [2]gopacket.CaptureInfo{
				{Timestamp: t0, CaptureLength: stored, Length: 1514},
				{Timestamp: second, CaptureLength: stored, Length: 1514},
			}
			b.ReportAllocs()
			for i := range b.N {
				q.packet(&cis[i&1], int64(i+1), true)
			}
			if c.cut != (q.SnappedPackets == int64(b.N)) {
				b.Fatal("not counted")
			}
		})
	}
}

// TestFindingsTimeGap: the longest stretch without IP traffic, against
// the largest step between consecutive IP packets' times (tshark), to one
// 2-second bin.
func TestFindingsTimeGap(t *testing.T) {
	maxStep := func(path string) float64 {
		var prev, step float64
		for i, l := range tsharkFields(t, path, "ip || ipv6", "frame.time_epoch") {
			v, err := strconv.ParseFloat(l, 64)
			if err != nil {
				t.Fatal(err)
			}
			if i > 0 {
				step = max(step, v-prev)
			}
			prev = v
		}
		return step
	}
	const merged = "../testdata/vlan_mpls_mixed.pcap"
	step := maxStep(merged)
	s := fileSummary(t, merged)
	fs := findingsOf(s, "capture-time-gap")
	if len(fs) != 1 || fs[0].Anchor != "timeline" {
		t.Fatalf("tshark: IP packets %.0f s apart; got %+v", step, fs)
	}
	if got := float64(countOf(fs[0], "seconds without IP traffic")); math.Abs(got-step) > s.Timeline.IntervalSeconds {
		t.Errorf("gap %.0f s, tshark %.0f s", got, step)
	}
	if !strings.Contains(fs[0].Title, spell(step)) {
		t.Errorf("title %q does not say %s", fs[0].Title, spell(step))
	}

	const one = "../testdata/http_espn_browsing.pcapng"
	if step := maxStep(one); step >= timeGapSeconds {
		t.Fatalf("tshark: a step of %.0f s in %s", step, one)
	}
	if fs := findingsOf(fileSummary(t, one), "capture-time-gap"); len(fs) != 0 {
		t.Errorf("got %+v", fs)
	}

	// A dense time line: packets a day and a half apart.
	frame := udpFrame(t, "10.0.0.1", "10.0.0.2", 1000, 2000, []byte("x"))
	s = analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, []testPacket{{t0, frame}, {t0.Add(36 * time.Hour), frame}}), Options{Interval: time.Minute})
	fs = findingsOf(s, "capture-time-gap")
	if s.Timeline.Sparse || len(fs) != 1 || !strings.Contains(fs[0].Title, "1.5 days") {
		t.Errorf("sparse %v; got %+v", s.Timeline.Sparse, fs)
	}

	// A dense time line whose bins were coarsened past MaxBins: the gap
	// is counted in bins of the width used, not of the interval asked for.
	// Packets every 30 s for 4,101 bins (more than MaxBins, so the bins
	// become 60 s wide), then one 95,000 s after the last: a span of
	// 218,000 s, 3,634 bins of 60 s, listed densely.
	var pkts []testPacket
	for i := range 4101 {
		pkts = append(pkts, testPacket{t0.Add(time.Duration(30*i) * time.Second), frame})
	}
	pkts = append(pkts, testPacket{t0.Add(218000 * time.Second), frame})
	s = analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts), Options{})
	fs = findingsOf(s, "capture-time-gap")
	if s.Timeline.Sparse || s.Timeline.BinSeconds <= s.Timeline.IntervalSeconds || len(fs) != 1 {
		t.Fatalf("sparse %v, bins of %g s for an interval of %g s; got %+v", s.Timeline.Sparse, s.Timeline.BinSeconds, s.Timeline.IntervalSeconds, fs)
	}
	if got := float64(countOf(fs[0], "seconds without IP traffic")); math.Abs(got-95000) > s.Timeline.BinSeconds {
		t.Errorf("gap %.0f s in bins of %g s, want 95,000 s", got, s.Timeline.BinSeconds)
	}
}

func TestFindingsDNSUnsolicited(t *testing.T) {
	// 10.0.0.66 sends 25 responses that nobody asked for (a different ID
	// and port each), 10.0.0.53 answers the 30 queries sent to it.
	var fs [][]byte
	for i := range 25 {
		r := dnsMessage(fmt.Sprintf("bank%d.example", i), true)
		r[0], r[1] = byte(i), 0x77
		fs = append(fs, udpFrame(t, "10.0.0.66", "10.0.0.5", 53, uint16(30000+i), r))
	}
	for i := range 30 {
		fs = append(fs, dnsExchange(t, "10.0.0.5", fmt.Sprintf("host%d.example.org", i), 0)...)
	}
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, frames(fs...)), Options{})
	got := findingsOf(s, "dns-unsolicited")
	if len(got) != 1 {
		t.Fatalf("want one dns-unsolicited finding (10.0.0.66), got %+v (timing %+v)", got, s.DNS.Timing)
	}
	if f := got[0]; !slices.Equal(f.Evidence.Hosts, []string{"10.0.0.66"}) || countOf(f, "unsolicited responses") != 25 ||
		countOf(f, "answered queries") != 0 || f.Severity != SeverityLow || f.Anchor != "dns-timing" {
		t.Errorf("got %+v", f)
	}
	if s.DNS.Timing.Answered != 30 || s.DNS.Timing.Unsolicited != 25 {
		t.Errorf("timing %+v: want 30 answered, 25 unsolicited", s.DNS.Timing)
	}

	// Real captures: tshark's dns.unsolicited responses per server stay
	// under the rule's threshold, and it does not fire.
	for _, p := range []string{"../testdata/dns_edns_tcp_ipv6.pcap", "../testdata/dns_many_queries_mdns_llmnr.pcap"} {
		un := tsharkFields(t, p, "dns.unsolicited", "frame.number")
		s := fileSummary(t, p)
		if got := findingsOf(s, "dns-unsolicited"); len(got) != 0 {
			t.Errorf("%s: %d unsolicited responses (tshark): want no finding, got %+v", p, len(un), got)
		}
	}
}

// TestARPGratuitousMatchesTshark compares the gratuitous-ARP senders,
// their counts and their busiest 10-second window with tshark's
// arp.isgratuitous on every capture with ARP in testdata and
// ../shared/captures.
func TestARPGratuitousMatchesTshark(t *testing.T) {
	paths := realCaptures()
	seen := 0
	for _, p := range paths {
		s := fileSummary(t, p)
		if len(s.ARP.Pairs) == 0 {
			continue // no ARP sender: nothing to compare (TestTshark checks the packet counts)
		}
		type gc struct{ n, peak int64 }
		want := map[string]*gc{}
		windows := map[string]map[int64]int64{}
		for _, l := range tsharkFields(t, p, "arp.isgratuitous == 1", "arp.src.proto_ipv4", "frame.time_epoch") {
			f := strings.Split(l, "\t")
			if len(f) != 2 {
				t.Fatalf("%s: tshark line %q", p, l)
			}
			sec, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				t.Fatal(err)
			}
			if want[f[0]] == nil {
				want[f[0]], windows[f[0]] = &gc{}, map[int64]int64{}
			}
			w := windows[f[0]]
			w[int64(math.Floor(sec))/10]++
			want[f[0]].n++
			want[f[0]].peak = max(want[f[0]].peak, w[int64(math.Floor(sec))/10])
		}
		got := map[string]gc{}
		for _, g := range s.ARP.Gratuitous {
			got[g.IP] = gc{g.Packets, g.Peak10s}
			seen++
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d gratuitous senders, tshark %d", p, len(got), len(want))
		}
		for ip, w := range want {
			if got[ip] != *w {
				t.Errorf("%s, %s: %+v, tshark %+v", p, ip, got[ip], *w)
			}
		}
	}
	if seen == 0 {
		t.Error("no capture has gratuitous ARP: the comparison checks nothing")
	}
}

func TestFindingsARPGratuitousStorm(t *testing.T) {
	var fs []testPacket
	at := t0.Truncate(10 * time.Second)
	// 10.0.0.9 announces itself 150 times in 3 s; 10.0.0.7 three times,
	// as a host does when its link comes up; 10.0.0.8 once every 2 s for
	// 100 s (5 in each 10-second window).
	for i := range 150 {
		fs = append(fs, testPacket{at.Add(time.Duration(i) * 20 * time.Millisecond), arpFrame(t, 2, "02:00:00:00:00:09", "10.0.0.9", "10.0.0.9")})
	}
	for i := range 3 {
		fs = append(fs, testPacket{at.Add(time.Duration(i) * time.Second), arpFrame(t, 1, "02:00:00:00:00:07", "10.0.0.7", "10.0.0.7")})
	}
	for i := range 50 {
		fs = append(fs, testPacket{at.Add(time.Duration(i) * 2 * time.Second), arpFrame(t, 1, "02:00:00:00:00:08", "10.0.0.8", "10.0.0.8")})
	}
	slices.SortStableFunc(fs, func(x, y testPacket) int { return x.at.Compare(y.at) })
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, fs), Options{})
	got := findingsOf(s, "arp-gratuitous-storm")
	if len(got) != 1 {
		t.Fatalf("want one arp-gratuitous-storm finding (10.0.0.9), got %+v (gratuitous %+v)", got, s.ARP.Gratuitous)
	}
	if f := got[0]; !slices.Equal(f.Evidence.Hosts, []string{"10.0.0.9"}) || countOf(f, "gratuitous ARP packets") != 150 ||
		countOf(f, "most in 10 seconds") != 150 || f.Severity != SeverityMedium || f.Anchor != "arp-gratuitous" {
		t.Errorf("got %+v", f)
	}
	want := []ARPGratuitous{{"10.0.0.9", 150, 150}, {"10.0.0.8", 50, 5}, {"10.0.0.7", 3, 3}}
	if !slices.Equal(s.ARP.Gratuitous, want) {
		t.Errorf("gratuitous %+v, want %+v", s.ARP.Gratuitous, want)
	}
}

func TestFindingsDNSTXTVolume(t *testing.T) {
	// typed is a query for name with the given record type.
	typed := func(client, name string, typ byte) []byte {
		m := dnsMessage(name, false)
		m[len(m)-3] = typ
		return udpFrame(t, client, "10.0.0.53", 40000, 53, m)
	}
	build := func(txt, null, a int) *Summary {
		var fs [][]byte
		for i := range txt {
			fs = append(fs, typed("10.0.0.5", fmt.Sprintf("c%d.t.example", i), 16))
		}
		for i := range null {
			fs = append(fs, typed("10.0.0.5", fmt.Sprintf("n%d.t.example", i), 10))
		}
		for i := range a {
			fs = append(fs, typed("10.0.0.6", fmt.Sprintf("www%d.example.org", i), 1))
		}
		return analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, frames(fs...)), Options{})
	}
	// A tunnel: 80 TXT and 40 NULL queries among 300.
	s := build(80, 40, 180)
	got := findingsOf(s, "dns-txt-volume")
	if len(got) != 1 {
		t.Fatalf("want a dns-txt-volume finding, got %+v (types %+v)", got, s.DNS.Types)
	}
	if f := got[0]; countOf(f, "TXT and NULL queries") != 120 || countOf(f, "queries") != 300 || f.Severity != SeverityMedium ||
		!strings.HasPrefix(f.Title, "120 of 300 DNS queries (40%)") || f.Evidence.Hosts[0] != "10.0.0.6" {
		t.Errorf("got %+v", f)
	}
	// A mail server's SPF lookups: 120 TXT among 600 (20%).
	if got := findingsOf(build(120, 0, 480), "dns-txt-volume"); len(got) != 0 {
		t.Errorf("20%% TXT: want no finding, got %+v", got)
	}
	// Few queries: 60 TXT of 80.
	if got := findingsOf(build(60, 0, 20), "dns-txt-volume"); len(got) != 0 {
		t.Errorf("60 TXT queries: want no finding, got %+v", got)
	}
}
