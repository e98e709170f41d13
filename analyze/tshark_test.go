package analyze_test

// TestTshark and TestTsharkShared compare analyze.File with counts that
// tshark (Wireshark) made of the same captures: testdata/tshark/gen.sh ran
// tshark and wrote one JSON file per capture; testdata/tshark/README.md
// says what each field holds and which tshark fields and filters made it.
// tshark is not needed to run these tests.

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

const (
	tsharkDir = "../testdata/tshark"
	// sharedDir is ../shared/captures relative to the repository root.
	sharedDir = "../../shared/captures"
)

// tsharkCounts is one testdata/tshark/*.json file.
type tsharkCounts struct {
	Capture          string   `json:"capture"`
	SHA256           string   `json:"sha256"`
	Tshark           string   `json:"tshark"`
	TsharkExitStatus int      `json:"tshark_exit_status"`
	TsharkMessages   []string `json:"tshark_messages"`

	Packets         int64  `json:"packets"`
	IPPackets       int64  `json:"ip_packets"`
	IPBytes         int64  `json:"ip_bytes"`
	First           string `json:"first"`
	Last            string `json:"last"`
	DurationSeconds string `json:"duration_seconds"`
	TimeDigits      int    `json:"time_digits"`

	NonPacketRecords []int64 `json:"non_packet_records"`
	UntimedFrames    []int64 `json:"untimed_frames"`
	UntimedIP        struct {
		Packets int64 `json:"packets"`
		Bytes   int64 `json:"bytes"`
	} `json:"untimed_ip"`
	IPLenZeroFrames []int64           `json:"ip_len_zero_frames"`
	IrregularFrames []json.RawMessage `json:"irregular_frames"`

	Sources       []analyze.Endpoint     `json:"sources"`
	Destinations  []analyze.Endpoint     `json:"destinations"`
	Conversations []analyze.Conversation `json:"conversations"`

	DNSQueries      []analyze.Count `json:"dns_queries"`
	DNSTotalQueries int64           `json:"dns_total_queries"`
	DNSResponses    int64           `json:"dns_responses"`
	DNSSpecial      []struct {
		Frame    int64  `json:"frame"`
		How      string `json:"how"`
		Response bool   `json:"response"`
		Name     string `json:"name"`
	} `json:"dns_special"`
	DNSICMPQuoted int64 `json:"dns_icmp_quoted"`

	Timeline struct {
		Sparse bool          `json:"sparse"`
		Bins   []analyze.Bin `json:"bins"`
	} `json:"timeline"`
}

// dnsDifference is a set of DNS messages that tshark counts and analyze,
// by design, does not read. how is the dns_special "how" of gen.sh:
//
//   - "ip_reassembly": the message is in an IP datagram that came in
//     fragments. tshark reassembles the fragments and dissects DNS in the
//     frame of the last one; analyze reads no transport header or data of
//     any IP fragment (see ipHeader.fragment).
//   - "tunnel": the message is inside a tunnel (GRE, IP in IP). tshark
//     dissects the inner packet; analyze reads only the outermost IP header
//     and the transport that directly follows it.
//   - "tcp_reassembly": a DNS-over-TCP message split over several segments,
//     which tshark reassembles and analyze skips (dnsCounter.message).
//
// Every difference must be backed by the dns_special entries of the
// capture's JSON, and every dns_special entry by a difference here, so this
// table can only excuse messages that tshark itself says were carried that
// way.
type dnsDifference struct {
	how          string
	queries      map[string]int64 // query counts by name
	totalQueries int64
	responses    int64
}

// knownDNSDifferences holds, per capture, the DNS messages analyze does
// not count and tshark does, with why.
var knownDNSDifferences = map[string][]dnsDifference{
	// Frames 54, 59, 63 and 85 complete four IPv4 datagrams of two
	// fragments each (first fragments 53, 58, 62, 84): DNS responses over
	// UDP larger than the 1500-byte MTU (EDNS answers for weberlab.de and
	// fg2.weberlab.de). tshark counts 65 responses, analyze 61.
	"dns_edns_tcp_ipv6.pcap": {{how: "ip_reassembly", responses: 4}},
	// Frame 8 completes an IPv6 datagram of three fragments (frames 6, 7,
	// 8): the TXT response for txtpadding_3230.n1.netalyzr.icsi.berkeley.edu.
	// Frame 4 is the last fragment of another response whose other
	// fragments were not captured; neither tool counts it. tshark counts 2
	// responses, analyze 1.
	"ipv6_fragmented_dns.pcap": {{how: "ip_reassembly", responses: 1}},
	// Frames 33 and 35 are A queries for www.gleeble.org inside the GRE
	// tunnel (outer IPv4 protocol 47). analyze's outermost-header rule
	// gives them to GRE, not UDP, so it counts no DNS in this capture.
	// (Frames 34 and 36 are ICMP port-unreachable errors quoting those
	// queries: gen.sh counts no DNS message quoted in an ICMP error.)
	"gre_tunnel_mixed.pcap": {{how: "tunnel", queries: map[string]int64{"www.gleeble.org": 2}, totalQueries: 2}},
}

// sharedRequired are the shared captures whose expected counts must be in
// testdata/tshark; other shared captures without a JSON file are skipped.
var sharedRequired = []string{
	"mixed_lan_vlan_tls_http_2010_2015.pcap",
	"http_browsing_dns_2013.pcap",
	"tls_browsing_sni_ipv4_ipv6.pcap",
	"linux_sll_mixed.pcap",
	"echo_many_tcp_connections.pcap.gz",
}

// TestTshark compares every capture in testdata (not testdata/malformed)
// with tshark's counts.
func TestTshark(t *testing.T) {
	var paths []string
	for _, pattern := range []string{"../testdata/*.pcap", "../testdata/*.pcapng"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	if len(paths) == 0 {
		t.Fatal("no captures in ../testdata")
	}
	slices.Sort(paths)
	for _, p := range paths {
		name := filepath.Base(p)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want, err := readTsharkCounts(name)
			if err != nil {
				t.Fatalf("%s: %v (run testdata/tshark/gen.sh)", name, err)
			}
			compareWithTshark(t, p, want)
		})
	}
	// Every expected file must belong to a capture that is tested here or
	// in TestTsharkShared.
	files, _ := filepath.Glob(filepath.Join(tsharkDir, "*.json"))
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		if _, err := os.Stat(filepath.Join("../testdata", name)); err == nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(sharedDir, name)); err == nil || !sharedPresent() {
			continue
		}
		t.Errorf("%s: no capture %s in testdata or %s; remove the file or rerun gen.sh", f, name, sharedDir)
	}
}

// TestTsharkShared compares the top-level captures of ../shared/captures
// (relative to the repository root) with tshark's counts, when that
// folder exists.
func TestTsharkShared(t *testing.T) {
	if !sharedPresent() {
		t.Skipf("%s (../shared/captures from the repository root) not found: the shared capture corpus is not here, so its captures are not compared with tshark", sharedDir)
	}
	entries, err := os.ReadDir(sharedDir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !isCaptureName(name) {
			continue
		}
		seen[name] = true
		p := filepath.Join(sharedDir, name)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want, err := readTsharkCounts(name)
			if errors.Is(err, fs.ErrNotExist) && !slices.Contains(sharedRequired, name) {
				t.Skipf("%s: no expected counts in %s; run testdata/tshark/gen.sh to add them", name, tsharkDir)
			}
			if err != nil {
				t.Fatalf("%s: %v (run testdata/tshark/gen.sh)", name, err)
			}
			compareWithTshark(t, p, want)
		})
	}
	for _, name := range sharedRequired {
		if !seen[name] {
			t.Errorf("%s: not found in %s", name, sharedDir)
		}
	}
}

func sharedPresent() bool {
	st, err := os.Stat(sharedDir)
	return err == nil && st.IsDir()
}

func isCaptureName(name string) bool {
	for _, ext := range []string{".pcap", ".pcapng", ".pcap.gz", ".pcapng.gz"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

func readTsharkCounts(name string) (*tsharkCounts, error) {
	b, err := os.ReadFile(filepath.Join(tsharkDir, name+".json"))
	if err != nil {
		return nil, err
	}
	var c tsharkCounts
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s.json: %v", name, err)
	}
	if c.Capture != name {
		return nil, fmt.Errorf("%s.json is for capture %q", name, c.Capture)
	}
	return &c, nil
}

// compareWithTshark analyses the capture at path and compares it with want,
// section by section. Each failure names the capture, the section and the
// first differing entry.
func compareWithTshark(t *testing.T, path string, want *tsharkCounts) {
	name := want.Capture
	s, err := analyze.File(path, analyze.Options{})
	if err != nil {
		t.Fatalf("%s: analyze.File: %v", name, err)
	}
	if s.Capture.SHA256 != want.SHA256 {
		t.Fatalf("%s: the capture's SHA-256 is %s, but the tshark counts are of %s: rerun testdata/tshark/gen.sh",
			name, s.Capture.SHA256, want.SHA256)
	}
	// gen.sh found nothing it could not pair up (see README.md); if it
	// did, its counts for those frames would be incomplete.
	if len(want.IrregularFrames) > 0 {
		t.Errorf("%s: tshark counts: irregular frames %s; look at them before trusting this file", name, want.IrregularFrames)
	}
	// No capture here has an IPv4 total length of 0 (TSO); if one had, the
	// two tools would take the length from the frame in slightly different
	// ways (tshark: reported length, analyze: captured bytes).
	if len(want.IPLenZeroFrames) > 0 {
		t.Logf("%s: frames with IPv4 total length 0: %v", name, want.IPLenZeroFrames)
	}

	checkCapture(t, name, s, want)
	checkEndpoints(t, name, "sources", s.Sources, want.Sources)
	checkEndpoints(t, name, "destinations", s.Destinations, want.Destinations)
	checkConversations(t, name, s.Conversations.IP, want.Conversations)
	checkDNS(t, name, s.DNS, want)
	checkTimeline(t, name, s.Timeline, want)
}

func checkCapture(t *testing.T, name string, s *analyze.Summary, want *tsharkCounts) {
	c := s.Capture
	for _, f := range []struct {
		field     string
		got, want int64
	}{
		{"packets", c.Packets, want.Packets},
		{"ip_packets", c.IPPackets, want.IPPackets},
		{"ip_bytes", c.IPBytes, want.IPBytes},
	} {
		if f.got != f.want {
			t.Errorf("%s: capture: %s: analyze %d, tshark %d", name, f.field, f.got, f.want)
		}
	}
	// gen.sh writes first and last with the capture's precision: the most
	// fractional digits any packet's timestamp has (tshark's Time column).
	if c.First != want.First {
		t.Errorf("%s: capture: first: analyze %q, tshark %q", name, c.First, want.First)
	}
	if c.Last != want.Last {
		t.Errorf("%s: capture: last: analyze %q, tshark %q", name, c.Last, want.Last)
	}
	wd, err := strconv.ParseFloat(want.DurationSeconds, 64)
	if err != nil {
		t.Fatalf("%s: tshark counts: duration_seconds %q: %v", name, want.DurationSeconds, err)
	}
	if math.Abs(c.DurationSeconds-wd) > 1e-6+1e-12*wd {
		t.Errorf("%s: capture: duration_seconds: analyze %v, tshark %s (last minus first)", name, c.DurationSeconds, want.DurationSeconds)
	}
	if c.IPPackets+c.OtherPackets+c.UndecodablePackets != c.Packets {
		t.Errorf("%s: capture: ip %d + other %d + undecodable %d != packets %d",
			name, c.IPPackets, c.OtherPackets, c.UndecodablePackets, c.Packets)
	}
	// A capture that tshark calls cut short or corrupt must carry a warning.
	if want.TsharkExitStatus != 0 && len(c.Warnings) == 0 {
		t.Errorf("%s: capture: warnings: none, but tshark says %q", name, want.TsharkMessages)
	}
}

// checkEndpoints compares analyze's endpoints with tshark's by address, and
// checks analyze's documented order: packets desc, then address asc.
// checkConversations compares the IP pairs, each direction's packets and
// bytes, with the pairs gen.sh built from tshark's outermost addresses.
func checkConversations(t *testing.T, name string, got, want []analyze.Conversation) {
	t.Helper()
	if want == nil {
		t.Errorf("%s: conversations: the tshark file has none; run testdata/tshark/gen.sh", name)
		return
	}
	type counts struct{ pab, bab, pba, bba int64 }
	canon := func(ip string) string {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			t.Errorf("%s: conversations: bad address %q", name, ip)
		}
		return a.String()
	}
	gm := map[[2]string]counts{}
	for _, c := range got {
		gm[[2]string{c.A, c.B}] = counts{c.PacketsAB, c.BytesAB, c.PacketsBA, c.BytesBA}
	}
	wm := map[[2]string]counts{}
	for _, c := range want {
		wm[[2]string{canon(c.A), canon(c.B)}] = counts{c.PacketsAB, c.BytesAB, c.PacketsBA, c.BytesBA}
	}
	if !maps.Equal(gm, wm) {
		n := 0
		for k, w := range wm {
			if g := gm[k]; g != w && n < 5 {
				t.Errorf("%s: conversation %s <-> %s: analyze %+v, tshark %+v", name, k[0], k[1], g, w)
				n++
			}
		}
		for k, g := range gm {
			if _, ok := wm[k]; !ok && n < 5 {
				t.Errorf("%s: conversation %s <-> %s: analyze %+v, tshark has none", name, k[0], k[1], g)
				n++
			}
		}
		t.Errorf("%s: conversations: %d pairs here, %d from tshark", name, len(gm), len(wm))
	}
}

func checkEndpoints(t *testing.T, name, section string, got, want []analyze.Endpoint) {
	canon := func(ip string) string {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			t.Errorf("%s: %s: bad address %q: %v", name, section, ip, err)
			return ip
		}
		return a.String()
	}
	gm := map[string]analyze.Endpoint{}
	for _, e := range got {
		gm[e.IP] = e
	}
	var diffs []string
	seen := map[string]bool{}
	for _, w := range want {
		ip := canon(w.IP)
		seen[ip] = true
		g, ok := gm[ip]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s: analyze has no entry, tshark packets=%d bytes=%d", ip, w.Packets, w.Bytes))
		case g.Packets != w.Packets || g.Bytes != w.Bytes:
			diffs = append(diffs, fmt.Sprintf("%s: analyze packets=%d bytes=%d, tshark packets=%d bytes=%d",
				ip, g.Packets, g.Bytes, w.Packets, w.Bytes))
		}
	}
	for _, g := range got {
		if !seen[g.IP] {
			diffs = append(diffs, fmt.Sprintf("%s: analyze packets=%d bytes=%d, tshark has no entry", g.IP, g.Packets, g.Bytes))
		}
	}
	if len(diffs) > 0 {
		t.Errorf("%s: %s: %d of %d addresses differ; first: %s", name, section, len(diffs), len(want), diffs[0])
	}
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		aa, _ := netip.ParseAddr(a.IP)
		ba, _ := netip.ParseAddr(b.IP)
		if a.Packets < b.Packets || (a.Packets == b.Packets && aa.Compare(ba) >= 0) {
			t.Errorf("%s: %s: order: entry %d (%s, %d packets) before entry %d (%s, %d packets)",
				name, section, i-1, a.IP, a.Packets, i, b.IP, b.Packets)
			break
		}
	}
}

func checkDNS(t *testing.T, name string, got analyze.DNS, want *tsharkCounts) {
	// What tshark says analyze does not read, by carrier.
	special := map[string]*dnsDifference{}
	for _, sp := range want.DNSSpecial {
		d := special[sp.How]
		if d == nil {
			d = &dnsDifference{how: sp.How, queries: map[string]int64{}}
			special[sp.How] = d
		}
		switch {
		case sp.Response:
			d.responses++
		default:
			d.totalQueries++
			if sp.Name != "" {
				d.queries[sp.Name]++
			}
		}
	}
	// The table must say exactly that.
	table := map[string]dnsDifference{}
	for _, d := range knownDNSDifferences[name] {
		table[d.how] = d
	}
	for how, sp := range special {
		d, ok := table[how]
		switch {
		case !ok:
			t.Errorf("%s: dns: tshark found %d queries and %d responses carried by %s, which analyze does not read, and knownDNSDifferences does not list them (frames in dns_special)",
				name, sp.totalQueries, sp.responses, how)
		case d.totalQueries != sp.totalQueries || d.responses != sp.responses || !maps.Equal(d.queries, sp.queries):
			t.Errorf("%s: dns: knownDNSDifferences for %s says %d queries %v and %d responses; tshark's dns_special says %d queries %v and %d responses",
				name, how, d.totalQueries, d.queries, d.responses, sp.totalQueries, sp.queries, sp.responses)
		}
	}
	for how := range table {
		if special[how] == nil {
			t.Errorf("%s: dns: knownDNSDifferences lists messages carried by %s, but tshark found none", name, how)
		}
	}

	// What analyze must count: tshark's count minus the known differences.
	wantQ := map[string]int64{}
	for _, q := range want.DNSQueries {
		wantQ[q.Name] += q.Count
	}
	wantTotal, wantResp := want.DNSTotalQueries, want.DNSResponses
	for _, d := range table {
		for n, c := range d.queries {
			wantQ[n] -= c
			if wantQ[n] == 0 {
				delete(wantQ, n)
			}
		}
		wantTotal -= d.totalQueries
		wantResp -= d.responses
	}
	gotQ := map[string]int64{}
	for _, q := range got.Queries {
		gotQ[q.Name] += q.Count
	}
	names := make([]string, 0, len(wantQ)+len(gotQ))
	for n := range wantQ {
		names = append(names, n)
	}
	for n := range gotQ {
		if _, ok := wantQ[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	var diffs []string
	for _, n := range names {
		if gotQ[n] != wantQ[n] {
			diffs = append(diffs, fmt.Sprintf("%q: analyze %d, tshark %d", n, gotQ[n], wantQ[n]))
		}
	}
	if len(diffs) > 0 {
		t.Errorf("%s: dns.queries: %d of %d names differ; first: %s", name, len(diffs), len(names), diffs[0])
	}
	if got.TotalQueries != wantTotal {
		t.Errorf("%s: dns.total_queries: analyze %d, tshark %d", name, got.TotalQueries, wantTotal)
	}
	if got.Responses != wantResp {
		t.Errorf("%s: dns.responses: analyze %d, tshark %d", name, got.Responses, wantResp)
	}
	for i := 1; i < len(got.Queries); i++ {
		a, b := got.Queries[i-1], got.Queries[i]
		if c := cmp.Compare(b.Count, a.Count); c > 0 || (c == 0 && a.Name >= b.Name) {
			t.Errorf("%s: dns.queries: order: %q (%d) before %q (%d)", name, a.Name, a.Count, b.Name, b.Count)
			break
		}
	}
}

func checkTimeline(t *testing.T, name string, got analyze.Timeline, want *tsharkCounts) {
	if got.IntervalSeconds != 2 || got.BinSeconds != 2 {
		t.Errorf("%s: timeline: interval_seconds %v, bin_seconds %v, want 2 and 2", name, got.IntervalSeconds, got.BinSeconds)
	}
	// tshark's bins hold every IP packet that has a timestamp. Packets of a
	// pcapng Simple Packet Block have none (tshark shows no time), so they
	// are in no bin and are not the first or last packet.
	var sum int64
	for _, b := range want.Timeline.Bins {
		sum += b.Packets
	}
	if sum+want.UntimedIP.Packets != want.IPPackets {
		t.Fatalf("%s: tshark counts: timeline holds %d packets + %d untimed, ip_packets is %d", name, sum, want.UntimedIP.Packets, want.IPPackets)
	}
	if got.Sparse != want.Timeline.Sparse {
		t.Errorf("%s: timeline: sparse: analyze %v, tshark %v", name, got.Sparse, want.Timeline.Sparse)
	}
	n := min(len(got.Bins), len(want.Timeline.Bins))
	for i := range n {
		if g, w := got.Bins[i], want.Timeline.Bins[i]; g != w {
			t.Errorf("%s: timeline: bin %d of %d (analyze) / %d (tshark) differs: analyze %+v, tshark %+v%s",
				name, i, len(got.Bins), len(want.Timeline.Bins), g, w, binStartDiff(got.Bins, want.Timeline.Bins))
			return
		}
	}
	if len(got.Bins) != len(want.Timeline.Bins) {
		t.Errorf("%s: timeline: analyze has %d bins, tshark %d; the first %d agree%s",
			name, len(got.Bins), len(want.Timeline.Bins), n, binStartDiff(got.Bins, want.Timeline.Bins))
	}
}

// binStartDiff names the first bin start only analyze has and the first
// only tshark has, which is what matters when bins are shifted.
func binStartDiff(got, want []analyze.Bin) string {
	first := func(a, b []analyze.Bin) (analyze.Bin, int) {
		in := map[string]bool{}
		for _, x := range b {
			in[x.Start] = true
		}
		var f analyze.Bin
		n := 0
		for _, x := range a {
			if !in[x.Start] {
				if n == 0 {
					f = x
				}
				n++
			}
		}
		return f, n
	}
	var b strings.Builder
	if f, n := first(got, want); n > 0 {
		fmt.Fprintf(&b, "; %d bin starts only in analyze, first %+v", n, f)
	}
	if f, n := first(want, got); n > 0 {
		fmt.Fprintf(&b, "; %d bin starts only in tshark, first %+v", n, f)
	}
	return b.String()
}
