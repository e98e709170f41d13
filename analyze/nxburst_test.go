package analyze

import (
	"fmt"
	"net/netip"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// nxResponse is a DNS response for name with response code 3.
func nxResponse(name string) []byte {
	b := dnsMessage(name, true)
	b[3] = 0x83 // RA, NXDOMAIN
	return b
}

// tsharkNX is what tshark counts of a client's NXDOMAIN answers
// (dns.flags.rcode==3 && dns.flags.response==1, by ip.dst or ipv6.dst):
// all of them, and the most in one window of 60 s of Unix time, with the
// window's start (the earliest of equal ones).
type tsharkNX struct {
	n, peak   int64
	peakStart int64
}

func tsharkNXCounts(t *testing.T, path string) map[string]*tsharkNX {
	t.Helper()
	out, err := exec.Command("tshark", "-r", path, "-Y", "dns.flags.rcode==3 && dns.flags.response==1",
		"-T", "fields", "-e", "ip.dst", "-e", "ipv6.dst", "-e", "frame.time_epoch").Output()
	if _, cut := err.(*exec.ExitError); cut {
		t.Logf("tshark %s: %v (a capture cut short: the packets it read count)", filepath.Base(path), err)
	} else if err != nil {
		t.Fatalf("tshark %s: %v", path, err)
	}
	byWindow := map[string]map[int64]int64{}
	m := map[string]*tsharkNX{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 3 {
			continue
		}
		ip := f[0] + f[1]
		if i := strings.IndexByte(ip, ','); i >= 0 {
			ip = ip[:i] // the outer header of a tunnel
		}
		sec, err := strconv.ParseInt(strings.Split(f[2], ".")[0], 10, 64)
		if err != nil {
			t.Fatalf("tshark time %q", f[2])
		}
		if m[ip] == nil {
			m[ip], byWindow[ip] = &tsharkNX{}, map[int64]int64{}
		}
		m[ip].n++
		byWindow[ip][sec/60*60]++
	}
	for ip, ws := range byWindow {
		for w, n := range ws {
			if c := m[ip]; n > c.peak || n == c.peak && w < c.peakStart {
				c.peak, c.peakStart = n, w
			}
		}
	}
	return m
}

// checkNXAgainstTshark compares every client's NXDOMAIN answers and peak
// minute with tshark's, and returns tshark's.
func checkNXAgainstTshark(t *testing.T, path string, b *DNSNXBursts) map[string]*tsharkNX {
	t.Helper()
	want := tsharkNXCounts(t, path)
	if len(b.Clients) != len(want) || b.Unfollowed != 0 {
		t.Errorf("%s: %d clients (%d answers unfollowed), tshark %d", filepath.Base(path), len(b.Clients), b.Unfollowed, len(want))
	}
	for _, c := range b.Clients {
		w := want[c.Client]
		if w == nil {
			t.Errorf("%s: client %s not in tshark's answers", filepath.Base(path), c.Client)
			continue
		}
		start := time.Unix(w.peakStart, 0).UTC().Format("2006-01-02T15:04:05.000Z")
		if c.NXDomain != w.n || c.Peak60s != w.peak || c.PeakStart != start {
			t.Errorf("%s: %s got %d NXDOMAIN, %d in the minute from %s; tshark %d, %d from %s",
				filepath.Base(path), c.Client, c.NXDomain, c.Peak60s, c.PeakStart, w.n, w.peak, start)
		}
	}
	return want
}

// TestNXBurstAgainstTsharkOnCorpus checks the per-client NXDOMAIN counts
// and peak minutes of every real capture against tshark's, and that
// dns-nxdomain-burst fires on none (the most any client gets in a minute
// is 4, wpad lookups).
func TestNXBurstAgainstTsharkOnCorpus(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("no tshark")
	}
	paths := realCaptures()
	if testing.Short() { // the captures with NXDOMAIN answers
		paths = slices.DeleteFunc(paths, func(p string) bool {
			return !strings.Contains(p, "dns_") && !strings.Contains(p, "http_browsing_dns")
		})
	}
	clients := 0
	for _, p := range paths {
		s := fileSummary(t, p)
		want := checkNXAgainstTshark(t, p, &s.DNS.NXBursts)
		clients += len(want)
		if got := findingsOf(s, "dns-nxdomain-burst"); len(got) != 0 {
			t.Errorf("%s: %+v", filepath.Base(p), got)
		}
	}
	if clients < 3 {
		t.Errorf("only %d clients with NXDOMAIN answers in the corpus: the comparison checks little", clients)
	}
}

// TestNXBurstGenerated runs gencap -mode dga three ways: a burst of 300
// generated names within a minute from a client that does little else
// (dns-nxdomain fires, with the peak minute in it, and no second
// finding), the same burst diluted by 2,000 ordinary lookups over the
// hour (the share is 12%: only dns-nxdomain-burst fires, medium), and the
// same 300 names spread over 25 minutes amid the 2,000 (no finding: the
// near miss). Counts are checked against gencap's and tshark's.
func TestNXBurstGenerated(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to run cmd/gencap: %v", err)
	}
	_, tshark := exec.LookPath("tshark")
	re := regexp.MustCompile(`dga: (\S+) got (\d+) NXDOMAIN answers .* most in one minute: (\d+) from (\S+)`)
	for _, tc := range []struct {
		name  string
		args  []string
		share bool   // dns-nxdomain fires
		burst string // dns-nxdomain-burst's severity, or ""
	}{
		{"alone", nil, true, ""},
		{"diluted", []string{"-dga-normal", "2000"}, false, SeverityMedium},
		{"spread", []string{"-dga-normal", "2000", "-dga-spread", "25m"}, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "dga.pcap")
			args := append([]string{"run", "../cmd/gencap", "-mode", "dga", "-duration", "1h", "-o", path}, tc.args...)
			out, err := exec.Command(goCmd, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("gencap: %v\n%s", err, out)
			}
			m := re.FindStringSubmatch(string(out))
			if m == nil {
				t.Fatalf("gencap printed no dga line:\n%s", out)
			}
			client := m[1]
			n, _ := strconv.ParseInt(m[2], 10, 64)
			peak, _ := strconv.ParseInt(m[3], 10, 64)
			start, _ := time.Parse(time.RFC3339, m[4])
			s := fileSummary(t, path)
			if tshark == nil {
				checkNXAgainstTshark(t, path, &s.DNS.NXBursts)
			}
			c := nxClientOf(&s.DNS.NXBursts, client)
			if c == nil {
				t.Fatalf("%s not followed: %+v", client, s.DNS.NXBursts.Clients[:min(3, len(s.DNS.NXBursts.Clients))])
			}
			if c.NXDomain != n || c.Peak60s != peak || c.PeakStart != formatTime(start, 3) || c.PeakReverse != 0 ||
				len(c.PeakNames) != maxNXNames || !c.PeakNamesMore || s.DNS.NXBursts.Clients[0].Client != client {
				t.Errorf("got %+v; gencap: %d answers, %d in the minute from %s", *c, n, peak, m[4])
			}
			share, burst := findingsOf(s, "dns-nxdomain"), findingsOf(s, "dns-nxdomain-burst")
			if tc.share != (len(share) == 1) {
				t.Errorf("dns-nxdomain: %+v", share)
			}
			if tc.share && (countOf(share[0], "NXDOMAIN answers in the peak minute") != peak ||
				!strings.Contains(share[0].Title, fmt.Sprintf("most within one minute: %d NXDOMAIN answers, from %s UTC", peak, start.Format("2006-01-02 15:04:05")))) {
				t.Errorf("dns-nxdomain does not give the peak minute: %+v", share[0])
			}
			if tc.burst == "" {
				if len(burst) != 0 {
					t.Errorf("dns-nxdomain-burst fired: %+v", burst)
				}
				return
			}
			if len(burst) != 1 {
				t.Fatalf("want one dns-nxdomain-burst finding, got %+v", burst)
			}
			f := burst[0]
			if f.Severity != tc.burst || !slices.Equal(f.Evidence.Hosts, []string{client}) || !slices.Equal(f.Evidence.Names, c.PeakNames) ||
				countOf(f, "NXDOMAIN answers in the peak minute") != peak || countOf(f, "NXDOMAIN answers") != n ||
				!strings.HasPrefix(f.Title, fmt.Sprintf("%s got %d NXDOMAIN answers (no such name) within one minute, from %s UTC, for names such as %s,",
					client, peak, start.Format("2006-01-02 15:04:05"), c.PeakNames[0])) {
				t.Errorf("got %+v", f)
			}
		})
	}
}

// TestNXBurstWindows: answers are counted in the window of their time,
// an answer dated in another window starts that window again (times out
// of order), reverse lookups are counted apart, names are kept distinct
// and at most maxNXNames, an answer without a question counts without a
// name, and a response that is not NXDOMAIN, or a query, is not counted.
func TestNXBurstWindows(t *testing.T) {
	base := time.Date(2024, 3, 11, 8, 5, 0, 0, time.UTC)
	at := func(s float64) time.Time { return base.Add(time.Duration(s * float64(time.Second))) }
	resp := func(ts time.Time, dst string, msg []byte) testPacket {
		return testPacket{ts, udpFrame(t, "10.0.0.53", dst, 53, 40000, msg)}
	}
	noQuestion := nxResponse("x.example")[:12]
	noQuestion[5] = 0 // QDCOUNT 0
	query := nxResponse("q.example")
	query[2] &^= 0x80 // QR 0
	pkts := []testPacket{
		resp(at(-1), "10.0.0.1", nxResponse("a.example")), // 08:04:59: window 08:04
		resp(at(0), "10.0.0.1", nxResponse("A.example.")), // 08:05, same name as later ones
		resp(at(1), "10.0.0.1", nxResponse("a.example")),
		resp(at(2), "10.0.0.1", nxResponse("b.example")),
		resp(at(3), "10.0.0.1", nxResponse("4.3.2.1.in-addr.arpa")),
		resp(at(4), "10.0.0.1", nxResponse("c.example")),
		resp(at(5), "10.0.0.1", nxResponse("d.example")), // a fifth distinct name
		resp(at(6), "10.0.0.1", noQuestion),
		resp(at(7), "10.0.0.1", dnsMessage("ok.example", true)),         // NOERROR
		{at(8), udpFrame(t, "10.0.0.1", "10.0.0.53", 40000, 53, query)}, // a query with the bits of NXDOMAIN
		resp(at(-30), "10.0.0.1", nxResponse("e.example")),              // back to 08:04: starts again
		resp(at(61), "10.0.0.2", nxResponse("f.example")),
		resp(at(62), "10.0.0.2", nxResponse("f.example")),
	}
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts), Options{})
	b := s.DNS.NXBursts
	want := []DNSNXClient{
		{Client: "10.0.0.1", NXDomain: 9, Peak60s: 7, PeakStart: "2024-03-11T08:05:00.000Z", PeakReverse: 1,
			PeakNames: []string{"a.example", "b.example", "4.3.2.1.in-addr.arpa", "c.example"}, PeakNamesMore: true},
		{Client: "10.0.0.2", NXDomain: 2, Peak60s: 2, PeakStart: "2024-03-11T08:06:00.000Z", PeakNames: []string{"f.example"}},
	}
	if b.Unfollowed != 0 || len(b.Clients) != 2 {
		t.Fatalf("got %+v", b)
	}
	for i := range want {
		if fmt.Sprint(b.Clients[i]) != fmt.Sprint(want[i]) {
			t.Errorf("client %d: got %+v, want %+v", i, b.Clients[i], want[i])
		}
	}
	if got := s.DNS.Rcodes; !slices.Contains(got, Count{"NXDOMAIN", 11}) {
		t.Errorf("rcodes %+v, want 11 NXDOMAIN", got)
	}
}

// TestNXBurstBounded: the counter follows maxNXClients clients and counts
// the answers to the others; a client's names stay at maxNXNames whatever
// it is sent; counting an answer for a name already kept allocates
// nothing.
func TestNXBurstBounded(t *testing.T) {
	b := newNXBursts()
	base := time.Date(2024, 3, 11, 8, 0, 0, 0, time.UTC)
	for i := range maxNXClients + 100 {
		ip := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		for j := range 3 {
			b.add(ip, base, []byte(fmt.Sprintf("n%d.example", j)))
		}
	}
	if len(b.clients) != maxNXClients || b.unfollowed != 300 {
		t.Errorf("%d clients followed, %d answers unfollowed; want %d and 300", len(b.clients), b.unfollowed, maxNXClients)
	}
	one := netip.AddrFrom4([4]byte{10, 0, 0, 0})
	for i := range 10_000 {
		b.add(one, base, []byte(fmt.Sprintf("long-%d.example", i)))
	}
	if c := b.clients[one]; c.peak.nnames != maxNXNames || !c.peak.more || c.peak.n != 10_003 {
		t.Errorf("peak window %+v", c.peak)
	}
	name := []byte("n0.example")
	if allocs := testing.AllocsPerRun(1000, func() { b.add(one, base, name) }); allocs != 0 {
		t.Errorf("%v allocations per answer, want 0", allocs)
	}
}

// TestNXBurstWorstCaseMemory fills the counter as an attacker would: 4,096
// clients, each with 4 distinct names of the longest kept length in its
// peak window and 4 others in a later, lower window. The heap it holds
// must stay within the README's 10 MiB.
func TestNXBurstWorstCaseMemory(t *testing.T) {
	base := time.Date(2024, 3, 11, 8, 0, 0, 0, time.UTC)
	name := func(i, j int) []byte {
		b := []byte(strings.Repeat("x", MaxNameLen))
		copy(b, fmt.Sprintf("%d-%d.", i, j))
		return b
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b := newNXBursts()
	for i := range maxNXClients {
		ip := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
		for j := range 5 {
			b.add(ip, base, name(i, j))
		}
		for j := 5; j < 9; j++ {
			b.add(ip, base.Add(time.Minute), name(i, j))
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	c := b.clients[netip.AddrFrom4([4]byte{10, 1, 0, 0})]
	if c.peak.n != 5 || c.peak.nnames != maxNXNames || c.cur.nnames != maxNXNames || c.cur.n != 4 {
		t.Fatalf("the test did not fill both windows: peak %+v, current %+v", c.peak, c.cur)
	}
	t.Logf("%d clients with 8 names of %d bytes: %.1f MiB of heap", len(b.clients), MaxNameLen, float64(held)/(1<<20))
	if held > 10<<20 {
		t.Errorf("the counter holds %.1f MiB, more than the 10 MiB the README says", float64(held)/(1<<20))
	}
	runtime.KeepAlive(b)
}

// TestNXBurstMerge: merging adds a client's answers and the unfollowed
// ones, keeps the higher peak with its window and names (the earlier
// window of two equal peaks), cuts names past maxNXNames, and keeps the
// maxNXClients clients of highest peak, counting the others' answers as
// unfollowed.
func TestNXBurstMerge(t *testing.T) {
	m := newNXBurstMerger()
	a := DNSNXBursts{Unfollowed: 2, Clients: []DNSNXClient{
		{Client: "10.0.0.1", NXDomain: 5, Peak60s: 3, PeakStart: "2024-03-11T08:00:00.000Z", PeakNames: []string{"a"}},
		{Client: "10.0.0.2", NXDomain: 4, Peak60s: 4, PeakStart: "2024-03-11T09:00:00.000Z", PeakNames: []string{"late"}},
	}}
	b := DNSNXBursts{Unfollowed: 1, Clients: []DNSNXClient{
		{Client: "10.0.0.1", NXDomain: 10, Peak60s: 8, PeakStart: "2024-03-11T08:10:00.000Z", PeakReverse: 1,
			PeakNames: []string{"b", "c", "d", "e", "f"}},
		{Client: "10.0.0.2", NXDomain: 4, Peak60s: 4, PeakStart: "2024-03-11T07:00:00.000Z", PeakNames: []string{"early"}},
	}}
	for _, x := range []*DNSNXBursts{&a, &b} {
		if err := m.add(x); err != nil {
			t.Fatal(err)
		}
	}
	got := m.result()
	want := DNSNXBursts{Unfollowed: 3, Clients: []DNSNXClient{
		{Client: "10.0.0.1", NXDomain: 15, Peak60s: 8, PeakStart: "2024-03-11T08:10:00.000Z", PeakReverse: 1,
			PeakNames: []string{"b", "c", "d", "e"}, PeakNamesMore: true},
		{Client: "10.0.0.2", NXDomain: 8, Peak60s: 4, PeakStart: "2024-03-11T07:00:00.000Z", PeakNames: []string{"early"}},
	}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if err := m.add(&DNSNXBursts{Clients: []DNSNXClient{{Client: "not an address"}}}); err == nil {
		t.Error("a client that is not an address merged")
	}
	many := newNXBurstMerger()
	big := DNSNXBursts{}
	for i := range maxNXClients + 10 {
		big.Clients = append(big.Clients, DNSNXClient{Client: netip.AddrFrom4([4]byte{10, 2, byte(i >> 8), byte(i)}).String(),
			NXDomain: 2, Peak60s: int64(1 + i%3)})
	}
	if err := many.add(&big); err != nil {
		t.Fatal(err)
	}
	r := many.result()
	if len(r.Clients) != maxNXClients || r.Unfollowed != 20 || r.Clients[len(r.Clients)-1].Peak60s != 1 || r.Clients[0].Peak60s != 3 {
		t.Errorf("%d clients, %d unfollowed, peaks %d..%d", len(r.Clients), r.Unfollowed, r.Clients[0].Peak60s, r.Clients[len(r.Clients)-1].Peak60s)
	}
}
