package analyze

import (
	"fmt"
	"io/fs"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// TestScanRuleFiresOnGeneratedScan generates a capture with gencap -mode
// scan (a vertical scan of 1,000 ports and a horizontal one of port 445
// on 300 hosts, among background traffic; gencap prints what it sent) and
// checks the Scanners and the tcp-scan findings against gencap's counts.
func TestScanRuleFiresOnGeneratedScan(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to run cmd/gencap: %v", err)
	}
	path := filepath.Join(t.TempDir(), "scan.pcap")
	out, err := exec.Command(goCmd, "run", "../cmd/gencap", "-size", "12MB", "-mode", "scan", "-o", path).CombinedOutput()
	if err != nil {
		t.Fatalf("gencap: %v\n%s", err, out)
	}
	// "gencap: scan 1: 10.0.1.10 probed 1000 targets: 900 rejected, 50 no answer, 50 open"
	re := regexp.MustCompile(`scan \d: (\S+) probed (\d+) targets: (\d+) rejected, (\d+) no answer, (\d+) open`)
	sent := re.FindAllStringSubmatch(string(out), -1)
	if len(sent) != 2 {
		t.Fatalf("gencap did not finish both scans:\n%s", out)
	}
	s, err := File(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range sent {
		src := m[1]
		probes, _ := strconv.ParseInt(m[2], 10, 64)
		rejected, _ := strconv.ParseInt(m[3], 10, 64)
		silent, _ := strconv.ParseInt(m[4], 10, 64)
		var sc *Scanner
		for j := range s.Conversations.Scanners {
			if s.Conversations.Scanners[j].Source == src {
				sc = &s.Conversations.Scanners[j]
			}
		}
		if sc == nil {
			t.Fatalf("scanner %s (%d probes) not listed: %+v", src, probes, s.Conversations.Scanners)
		}
		// The scanner also browses (gencap's background), all of it
		// answered: its failed connections are exactly the scan's.
		if sc.Failed != rejected+silent || sc.Conversations < probes || sc.Conversations > probes+probes/10 {
			t.Errorf("%s: %d connections, %d failed; gencap sent %d probes, %d rejected, %d unanswered", src, sc.Conversations, sc.Failed, probes, rejected, silent)
		}
		if d := float64(sc.Targets-probes) / float64(probes); d < -0.12 || d > 0.12 {
			t.Errorf("%s: %d targets estimated, %d probed", src, sc.Targets, probes)
		}
		want := fmt.Sprintf("%s scanned about", src)
		if i == 1 {
			want = fmt.Sprintf("%s probed TCP port 445 on about", src)
		}
		found := false
		for _, f := range s.Findings {
			if f.Rule == "tcp-scan" && strings.HasPrefix(f.Title, want) && f.Evidence.Hosts[0] == src && f.Anchor == "scanners" {
				found = true
				if f.Severity != map[int]string{0: SeverityHigh, 1: SeverityMedium}[i] {
					t.Errorf("%s: severity %s", f.Title, f.Severity)
				}
			}
		}
		if !found {
			t.Errorf("no tcp-scan finding starting %q: %+v", want, s.Findings)
		}
	}
	// The vertical scan's target is its top host.
	if h := s.Conversations.Scanners[0].TopHosts; len(h) == 0 || h[0].IP != "10.0.1.11" || h[0].Count < 1000 {
		t.Errorf("vertical scan's top hosts %+v, want 10.0.1.11 with its 1000 probes", h)
	}
}

// TestNoScanOrVolumeFindingOnRealCaptures runs the scan and volume rules
// over every capture in testdata and ../shared/captures: none shows a
// scan, so the tcp-scan rule must not fire (its false-positive rate on
// them is logged), nor the volume rule, none having 10 MB one way.
func TestNoScanOrVolumeFindingOnRealCaptures(t *testing.T) {
	var paths []string
	for _, dir := range []string{"../testdata", "../../shared/captures"} {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && isCaptureName(d.Name()) {
				paths = append(paths, p)
			}
			return nil
		})
	}
	if testing.Short() {
		paths = paths[:min(len(paths), 10)]
	}
	var fired, long int
	for _, p := range paths {
		s, err := File(p, Options{})
		if err != nil {
			continue
		}
		// The sources nearest to a scan, for the closing notes.
		for _, sc := range slices.Concat(s.Conversations.Scanners, s.Conversations.UDPScanners) {
			t.Logf("%s: scanner %s: %d opened, %d failed, %d unreachable, %d time exceeded, %d targets", p, sc.Source,
				sc.Conversations, sc.Failed, sc.Unreachable, sc.TimeExceeded, sc.Targets)
		}
		for _, f := range s.Findings {
			switch f.Rule {
			case "tcp-scan", "udp-scan", "volume-upload":
				fired++
				t.Errorf("%s: %s %s", p, f.Rule, f.Title)
			case "long-lived-connection":
				long++
				t.Logf("%s: %s", p, f.Title)
			}
		}
	}
	t.Logf("%d captures: %d scan or volume findings, %d long-lived", len(paths), fired, long)
}

func isCaptureName(name string) bool {
	for _, ext := range []string{".pcap", ".pcapng", ".pcap.gz", ".cap"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// TestVolumeRule builds a capture of three TCP conversations over two
// hours: 12 MB uploaded from a private address to a public one (with a
// few ACKs back), 3 MB downloaded the other way, and 3 MB between two
// private addresses. Only the upload, two thirds of the capture's bytes,
// makes a volume-upload finding; each conversation lasted two hours, a
// long-lived one.
func TestVolumeRule(t *testing.T) {
	base := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	payload := make([]byte, 1400)
	up := tcpFlags(t, "192.168.1.5", "203.0.113.9", 50000, 443, "A", payload)
	ack := tcpFlags(t, "203.0.113.9", "192.168.1.5", 443, 50000, "A", nil)
	down := tcpFlags(t, "198.51.100.7", "192.168.1.6", 443, 50001, "A", payload)
	local := tcpFlags(t, "10.0.0.1", "10.0.0.2", 50002, 445, "A", payload)
	var pkts []testPacket
	const n = 12_000_000 / 1440
	var upBytes, ackBytes int64
	for i := range n {
		at := base.Add(time.Duration(i) * 2 * time.Hour / n)
		pkts = append(pkts, testPacket{at, up})
		upBytes += int64(up[16])<<8 | int64(up[17]) // the IPv4 total length
		if i%4 == 0 {
			pkts = append(pkts, testPacket{at, down}, testPacket{at, local})
		}
		if i%100 == 0 {
			pkts = append(pkts, testPacket{at, ack})
			ackBytes += int64(ack[16])<<8 | int64(ack[17])
		}
	}
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts), Options{})
	var volume, long []string
	for _, f := range s.Findings {
		switch f.Rule {
		case "volume-upload":
			volume = append(volume, f.Title)
		case "long-lived-connection":
			long = append(long, f.Title)
		}
	}
	want := fmt.Sprintf("192.168.1.5 sent %s to the public address 203.0.113.9 and got %s back (%s of the capture's IP bytes): a large one-way transfer out of the local network.",
		megabytes(upBytes), megabytes(ackBytes), percent(upBytes, s.Capture.IPBytes))
	if len(volume) != 1 || volume[0] != want {
		t.Errorf("volume findings %q, want %q", volume, want)
	}
	if len(long) != 3 || !strings.HasPrefix(long[1], "192.168.1.5 kept a TCP conversation with 203.0.113.9 port 443 open for 2 hours (12 MB") {
		t.Errorf("long-lived findings %q, want three (by title), the upload's among them", long)
	}
}

// TestUDPScanRule generates a capture with gencap -mode udpscan (a UDP
// scan from the scanner's IPv4 and IPv6 addresses, most probes answered
// by ICMP or ICMPv6 unreachable; a traceroute and a resolver as near
// misses; gencap prints what it sent) and checks the UDP scanners, the
// udp-scan findings and the ICMP answers against gencap's counts and
// against tshark's count of the ICMP errors.
func TestUDPScanRule(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to run cmd/gencap: %v", err)
	}
	path := filepath.Join(t.TempDir(), "udpscan.pcap")
	out, err := exec.Command(goCmd, "run", "../cmd/gencap", "-size", "20MB", "-mode", "udpscan", "-o", path).CombinedOutput()
	if err != nil {
		t.Fatalf("gencap: %v\n%s", err, out)
	}
	scanRe := regexp.MustCompile(`udp scan: (\S+) probed (\d+) targets: (\d+) port unreachable, (\d+) prohibited, (\d+) no answer, (\d+) open`)
	traceRe := regexp.MustCompile(`traceroute: (\S+) sent (\d+) probes: (\d+) time exceeded, (\d+) no answer`)
	resolverRe := regexp.MustCompile(`resolver: (\S+) asked (\d+) servers: (\d+) answered`)
	scans, trace, resolver := scanRe.FindAllStringSubmatch(string(out), -1), traceRe.FindStringSubmatch(string(out)), resolverRe.FindStringSubmatch(string(out))
	if len(scans) != 2 || trace == nil || resolver == nil {
		t.Fatalf("gencap did not finish the scan and the near misses:\n%s", out)
	}
	s, err := File(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	find := func(src string) *Scanner {
		for i := range s.Conversations.UDPScanners {
			if sc := &s.Conversations.UDPScanners[i]; sc.Source == src {
				return sc
			}
		}
		t.Fatalf("UDP scanner %s not listed: %+v", src, s.Conversations.UDPScanners)
		return nil
	}
	atoi := func(x string) int64 { n, _ := strconv.ParseInt(x, 10, 64); return n }
	rules := map[string]int{}
	for _, f := range s.Findings {
		rules[f.Rule]++
	}
	var unreach int64
	for _, m := range scans {
		src, probes, port, prohibited, silent := m[1], atoi(m[2]), atoi(m[3]), atoi(m[4]), atoi(m[5])
		unreach += port + prohibited
		sc := find(src)
		// The scanner also looks names up (gencap's background), all of it
		// answered: its failed probes are exactly the scan's.
		if sc.Failed != port+prohibited+silent || sc.Unreachable != port+prohibited || sc.TimeExceeded != 0 ||
			sc.Conversations < probes || sc.Conversations > probes+probes/20 {
			t.Errorf("%s: %d probes, %d failed, %d unreachable, %d time exceeded; gencap sent %d: %d port unreachable, %d prohibited, %d unanswered",
				src, sc.Conversations, sc.Failed, sc.Unreachable, sc.TimeExceeded, probes, port, prohibited, silent)
		}
		if d := float64(sc.Targets-probes) / float64(probes); d < -0.12 || d > 0.12 {
			t.Errorf("%s: %d targets estimated, %d probed", src, sc.Targets, probes)
		}
		if sc.Ports != 4 {
			t.Errorf("%s: %d ports, gencap probed 4", src, sc.Ports)
		}
		found := false
		for _, f := range s.Findings {
			if f.Rule == "udp-scan" && f.Evidence.Hosts[0] == src {
				found = true
				want := fmt.Sprintf("%s probed about 4 UDP ports on about", src)
				if !strings.HasPrefix(f.Title, want) || f.Severity != SeverityMedium || f.Anchor != "scanners" {
					t.Errorf("%s finding %q, want a medium one starting %q", f.Severity, f.Title, want)
				}
			}
		}
		if !found {
			t.Errorf("no udp-scan finding for %s: %+v", src, s.Findings)
		}
	}
	// The near misses are listed (many targets) but do not fire.
	// (Its background may end with a query the capture cut short.)
	tr := find(trace[1])
	if tr.TimeExceeded != atoi(trace[3]) || tr.Failed < atoi(trace[4]) || tr.Failed > atoi(trace[4])+2 || tr.Unreachable != 0 {
		t.Errorf("traceroute %s: %d time exceeded, %d failed; gencap: %s", trace[1], tr.TimeExceeded, tr.Failed, trace[0])
	}
	rs := find(resolver[1])
	if rs.Failed != atoi(resolver[2])-atoi(resolver[3]) {
		t.Errorf("resolver %s: %d failed; gencap: %s", resolver[1], rs.Failed, resolver[0])
	}
	if rules["udp-scan"] != 2 || rules["tcp-scan"] != 0 {
		t.Errorf("findings by rule %v: want the two scans alone", rules)
	}
	// Merged with itself (a batch of two copies), counts double and the
	// distinct targets stay: the sketches unite.
	var m Summary
	if err := Merge(&m, s); err != nil {
		t.Fatal(err)
	}
	if err := Merge(&m, s); err != nil {
		t.Fatal(err)
	}
	for i, sc := range s.Conversations.UDPScanners {
		if i >= len(m.Conversations.UDPScanners) {
			t.Fatalf("merged: %d UDP scanners, want %d", len(m.Conversations.UDPScanners), len(s.Conversations.UDPScanners))
		}
		mc := m.Conversations.UDPScanners[i]
		if mc.Source != sc.Source || mc.Conversations != 2*sc.Conversations || mc.Failed != 2*sc.Failed ||
			mc.Unreachable != 2*sc.Unreachable || mc.TimeExceeded != 2*sc.TimeExceeded || mc.Targets != sc.Targets {
			t.Errorf("merged twice: %+v, from %+v", mc, sc)
		}
	}
	if got := m.Conversations.ICMPAnswers; got.Unreachable != 2*s.Conversations.ICMPAnswers.Unreachable {
		t.Errorf("merged twice: ICMP answers %+v, from %+v", got, s.Conversations.ICMPAnswers)
	}
	a := s.Conversations.ICMPAnswers
	if a.Unreachable != unreach || a.UnreachableFlows != unreach || a.TimeExceeded != atoi(trace[3]) || a.TimeExceededFlows != a.TimeExceeded {
		t.Errorf("ICMP answers %+v; gencap sent %d unreachables, %s time exceeded", a, unreach, trace[3])
	}
	// tshark's count of the same messages, and of the distinct probes
	// (quoted source, ports) they answer.
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skipf("no tshark: %v", err)
	}
	for _, c := range []struct {
		filter string
		want   int64
	}{
		{"(icmp.type==3 && icmp.code!=4) || icmpv6.type==1", a.Unreachable},
		{"(icmp.type==11 && icmp.code==0) || (icmpv6.type==3 && icmpv6.code==0)", a.TimeExceeded},
	} {
		out, err := exec.Command("tshark", "-r", path, "-Y", c.filter, "-T", "fields", "-e", "udp.srcport", "-e", "udp.dstport").Output()
		if err != nil {
			t.Fatalf("tshark: %v", err)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if int64(len(lines)) != c.want {
			t.Errorf("tshark -Y %q: %d messages, the analysis %d", c.filter, len(lines), c.want)
		}
		for _, l := range lines {
			if f := strings.Fields(l); len(f) != 2 {
				t.Errorf("tshark -Y %q: a message quoting no UDP ports: %q", c.filter, l)
			}
		}
	}
}
