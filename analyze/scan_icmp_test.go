package analyze

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// icmpUnreachable builds an Ethernet frame of an ICMP destination
// unreachable (code) from router to the sender of frame (an Ethernet/IPv4
// frame), quoting its IP header and first 8 bytes of payload.
func icmpUnreachable(t testing.TB, router string, code uint8, frame []byte) []byte {
	t.Helper()
	quoted := frame[14:]
	quoted = quoted[:min(len(quoted), int(quoted[0]&0x0f)*4+8)]
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 1, 2, 3, 4, 6}, DstMAC: net.HardwareAddr{0, 1, 2, 3, 4, 5}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolICMPv4, SrcIP: net.ParseIP(router).To4(),
		DstIP: net.IP(append([]byte(nil), quoted[12:16]...))}
	icmp := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeDestinationUnreachable, code)}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		eth, ip, icmp, gopacket.Payload(quoted)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestTCPRejectedByICMP builds a capture of 150 TCP SYNs from one source
// to 150 (host, port) targets: 120 answered by an ICMP unreachable from a
// router (host unreachable, or administratively prohibited, quoting the
// SYN), 20 by RST, 10 by SYN-ACK (established), and one more ICMP error,
// fragmentation needed, which rejects nothing. The ICMP-answered SYNs are
// rejected, the source a tcp-scan with 140 failed, 120 of them by ICMP;
// tshark counts the same messages.
func TestTCPRejectedByICMP(t *testing.T) {
	base := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	var pkts []testPacket
	at := func(i int) time.Time { return base.Add(time.Duration(i) * time.Millisecond) }
	for i := range 150 {
		host := fmt.Sprintf("10.1.%d.%d", i/100, i%100+1)
		port := uint16(1000 + i)
		syn := tcpFlags(t, "10.9.9.9", host, 40000, port, "S", nil)
		pkts = append(pkts, testPacket{at(2 * i), syn})
		switch {
		case i < 120:
			pkts = append(pkts, testPacket{at(2*i + 1), icmpUnreachable(t, "10.1.255.1", uint8(1+12*(i%2)), syn)})
		case i < 140:
			pkts = append(pkts, testPacket{at(2*i + 1), tcpFlags(t, host, "10.9.9.9", port, 40000, "RA", nil)})
		default:
			pkts = append(pkts, testPacket{at(2*i + 1), tcpFlags(t, host, "10.9.9.9", port, 40000, "SA", nil)},
				testPacket{at(2*i + 1), tcpFlags(t, "10.9.9.9", host, 40000, port, "A", nil)})
			if i == 140 {
				pkts = append(pkts, testPacket{at(2*i + 1), icmpUnreachable(t, "10.1.255.1", 4, syn)})
			}
		}
	}
	capture := pcapBytes(t, layers.LinkTypeEthernet, pkts)
	s := analyzeBytes(t, capture, Options{})
	o := s.Conversations.TCPOutcomes
	if o.Rejected != 140 || o.Established != 10 || o.NoAnswer != 0 {
		t.Errorf("outcomes %+v, want 140 rejected (120 by ICMP, 20 by RST), 10 established", o)
	}
	a := s.Conversations.ICMPAnswers
	if a != (ICMPAnswers{Unreachable: 120, UnreachableFlows: 120}) {
		t.Errorf("ICMP answers %+v, want 120 unreachables, all matched (fragmentation needed is none)", a)
	}
	if len(s.Conversations.Scanners) != 1 {
		t.Fatalf("scanners %+v, want 10.9.9.9", s.Conversations.Scanners)
	}
	sc := s.Conversations.Scanners[0]
	if sc.Source != "10.9.9.9" || sc.Conversations != 150 || sc.Failed != 140 || sc.Unreachable != 120 {
		t.Errorf("scanner %+v, want 10.9.9.9: 150 opened, 140 failed, 120 by ICMP", sc)
	}
	var fired bool
	for _, f := range s.Findings {
		if f.Rule == "tcp-scan" && f.Evidence.Hosts[0] == "10.9.9.9" {
			fired = strings.HasSuffix(f.Title, "93% of the 150 connections it opened failed (no answer, RST or ICMP unreachable).")
			if !fired {
				t.Errorf("tcp-scan %q", f.Title)
			}
		}
	}
	if !fired {
		t.Errorf("no tcp-scan finding: %+v", s.Findings)
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skipf("no tshark: %v", err)
	}
	path := filepath.Join(t.TempDir(), "syn_icmp.pcap")
	if err := os.WriteFile(path, capture, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("tshark", "-r", path, "-Y", "icmp.type==3 && icmp.code!=4 && tcp.srcport==40000", "-T", "fields", "-e", "tcp.dstport").Output()
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(out), "\n"); int64(n) != a.Unreachable {
		t.Errorf("tshark: %d unreachables quoting the scanner's TCP, the analysis %d", n, a.Unreachable)
	}
}
