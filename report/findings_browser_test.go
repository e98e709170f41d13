package report_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// TestFindingsBrowser opens reports of real captures in Chromium: the
// findings panel sits under the capture's identity, shows each finding's
// severity in words and its sentence, and each finding's link lands on
// the table (or facts) that hold its evidence, in view below the sticky
// contents bar. A capture without findings says so in one line. The page
// stays quiet: no request but itself, no error.
func TestFindingsBrowser(t *testing.T) {
	bctx := startBrowser(t)
	dir := t.TempDir()
	for _, c := range []struct {
		capture string
		want    int // findings
	}{
		{"../testdata/arp_poison_http_dns.pcapng", 1},       // arp-bindings
		{"../testdata/windows_lan_dns_llmnr_smb.pcap", 1},   // dns-servers
		{"../testdata/snaplen96_tcp.pcap", 1},               // capture facts
		{"../testdata/cut_short_vlan_qinqinq_http.pcap", 1}, // warnings
		{"../testdata/vlan_mpls_mixed.pcap", 1},             // timeline
		{"../testdata/http_espn_browsing.pcapng", 0},
		{unexpectedCapture(t, dir), 1}, // ports-unexpected
		{scanCapture(t, dir), 1},       // scanners
	} {
		t.Run(c.capture[strings.LastIndexByte(c.capture, '/')+1:], func(t *testing.T) {
			file, s, _ := writeReport(t, dir, c.capture)
			if len(s.Findings) != c.want {
				t.Fatalf("%d findings, want %d: %+v", len(s.Findings), c.want, s.Findings)
			}
			ctx, run := openPage(t, bctx, file, "light")
			if err := waitCharts(ctx, renderWait); err != nil {
				t.Fatalf("charts did not render: %v", err)
			}
			type shown struct {
				Severity, Title, Href string
			}
			items := eval[[]shown](t, ctx, `Array.from(document.querySelectorAll("#findings li.finding")).map(function (li) {
  return {severity: li.querySelector(".sev").textContent, title: li.querySelector(".what").textContent,
          href: li.querySelector("a").getAttribute("href")}; })`)
			if len(items) != len(s.Findings) {
				t.Fatalf("the panel shows %d findings, the Summary has %d", len(items), len(s.Findings))
			}
			// Under the identity, above the cards, in the first screen.
			place := eval[[]float64](t, ctx, `[document.querySelector("dl.identity").getBoundingClientRect().bottom,
  document.getElementById("findings").getBoundingClientRect().top, document.querySelector(".cards").getBoundingClientRect().top, innerHeight]`)
			if !(place[0] <= place[1] && place[1] < place[2] && place[1] < place[3]) {
				t.Errorf("panel top %v: want below the identity (%v), above the cards (%v) and in the first screen (%v)", place[1], place[0], place[2], place[3])
			}
			if len(s.Findings) == 0 {
				text := eval[string](t, ctx, `document.getElementById("findings").innerText`)
				var lines []string
				for l := range strings.SplitSeq(text, "\n") {
					if strings.TrimSpace(l) != "" {
						lines = append(lines, l)
					}
				}
				if !strings.Contains(text, "No findings") || len(lines) != 2 {
					t.Errorf("a capture without findings: panel reads %q, want its title and one line", text)
				}
			}
			for i, f := range s.Findings {
				label := strings.ToUpper(f.Severity[:1]) + f.Severity[1:]
				if items[i].Severity != label || items[i].Title != f.Title || items[i].Href != "#"+f.Anchor {
					t.Errorf("finding %d: shown %+v, want %s %q linking to #%s", i, items[i], label, f.Title, f.Anchor)
				}
				// Follow the link as a user would, from the top of the page.
				eval[bool](t, ctx, `window.scrollTo(0, 0), true`)
				eval[bool](t, ctx, fmt.Sprintf(`document.querySelectorAll("#findings li.finding a")[%d].click(), true`, i))
				type landing struct {
					Hash                 string
					Top, NavBottom, View float64
					Text                 string
				}
				l := eval[landing](t, ctx, `new Promise(function (r) { requestAnimationFrame(function () { requestAnimationFrame(function () {
  var el = document.getElementById(location.hash.slice(1));
  // A table's title and filter are in its tools, above it: they must show too.
  var tools = el && el.tagName === "TABLE" ? el.parentNode.previousElementSibling : el;
  r({hash: location.hash, top: tools ? tools.getBoundingClientRect().top : -1, navBottom: document.querySelector("nav.toc").getBoundingClientRect().bottom,
     view: innerHeight, text: el ? el.textContent : ""}); }); }); })`)
				if l.Hash != "#"+f.Anchor {
					t.Errorf("%s: the link led to %q, want #%s", f.Rule, l.Hash, f.Anchor)
				}
				if l.Top < l.NavBottom-1 || l.Top >= l.View {
					t.Errorf("%s: #%s landed at %v px, want in view below the contents bar (%v to %v)", f.Rule, f.Anchor, l.Top, l.NavBottom, l.View)
				}
				// The evidence is there: the hosts and MACs the finding names.
				for _, x := range append(f.Evidence.Hosts[:min(len(f.Evidence.Hosts), 2)], f.Evidence.MACs...) {
					if !strings.Contains(l.Text, x) {
						t.Errorf("%s: #%s does not show %s", f.Rule, f.Anchor, x)
					}
				}
			}
			checkQuietPage(t, ctx, run)
		})
	}
}

// unexpectedCapture writes a capture of one HTTP request from 10.0.0.1 to
// port 22 of 10.0.0.22, and returns its path.
func unexpectedCapture(t *testing.T, dir string) string {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 1, 2, 3, 4, 5}, DstMAC: net.HardwareAddr{0, 1, 2, 3, 4, 6}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.IPv4(10, 0, 0, 1).To4(), DstIP: net.IPv4(10, 0, 0, 22).To4()}
	tcp := &layers.TCP{SrcPort: 40000, DstPort: 22, ACK: true, PSH: true, Window: 1000}
	tcp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		eth, ip, tcp, gopacket.Payload("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "http_to_ssh_port.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	ci := gopacket.CaptureInfo{Timestamp: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC), CaptureLength: len(data), Length: len(data)}
	if err := w.WritePacket(ci, data); err != nil {
		t.Fatal(err)
	}
	return path
}

// scanCapture writes a capture of a vertical SYN scan: 10.0.0.66 sends a
// SYN to ports 1 to 150 of 10.0.0.80, which answers each with RST-ACK.
func scanCapture(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "syn_scan.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	for port := 1; port <= 150; port++ {
		for _, back := range []bool{false, true} {
			eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 1, 2, 3, 4, 5}, DstMAC: net.HardwareAddr{0, 1, 2, 3, 4, 6}, EthernetType: layers.EthernetTypeIPv4}
			ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.IPv4(10, 0, 0, 66).To4(), DstIP: net.IPv4(10, 0, 0, 80).To4()}
			tcp := &layers.TCP{SrcPort: 40000, DstPort: layers.TCPPort(port), SYN: true, Window: 1024}
			if back {
				ip.SrcIP, ip.DstIP = ip.DstIP, ip.SrcIP
				tcp = &layers.TCP{SrcPort: layers.TCPPort(port), DstPort: 40000, RST: true, ACK: true}
			}
			tcp.SetNetworkLayerForChecksum(ip)
			buf := gopacket.NewSerializeBuffer()
			if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp); err != nil {
				t.Fatal(err)
			}
			at = at.Add(time.Millisecond)
			ci := gopacket.CaptureInfo{Timestamp: at, CaptureLength: len(buf.Bytes()), Length: len(buf.Bytes())}
			if err := w.WritePacket(ci, buf.Bytes()); err != nil {
				t.Fatal(err)
			}
		}
	}
	return path
}
