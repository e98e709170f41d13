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

// manyHostsIP is host i of buildManyHosts.
func manyHostsIP(i int) net.IP { return net.IPv4(10, 1, byte(i/250), byte(i%250+1)).To4() }

// buildManyHosts writes a capture of n hosts: hosts 0 to 9 are servers,
// each host from 10 on sends 3 UDP packets of 200 bytes of data to server
// i%10, which answers one of 100 bytes, and one packet of 20 bytes to the
// next host (a ring). So the servers are the busiest hosts, server 0 the
// busiest of all (it serves hosts 10, 20, ... and the ring passes it).
func buildManyHosts(t testing.TB, dir string, n int) string {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("hosts%d.pcap", n))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	write := func(src, dst int, sport, dport uint16, size int) {
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0x00, 0x0c, 0x29, 0, byte(src >> 8), byte(src)},
			DstMAC: net.HardwareAddr{0x00, 0x0c, 0x29, 0, byte(dst >> 8), byte(dst)}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 128, Protocol: layers.IPProtocolUDP, SrcIP: manyHostsIP(src), DstIP: manyHostsIP(dst)}
		udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
		if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
			eth, ip, udp, gopacket.Payload(make([]byte, size))); err != nil {
			t.Fatal(err)
		}
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(buf.Bytes()), Length: len(buf.Bytes())}, buf.Bytes()); err != nil {
			t.Fatal(err)
		}
		ts = ts.Add(time.Millisecond)
	}
	for i := 10; i < n; i++ {
		for range 3 {
			write(i, i%10, 40000, 5000, 200)
		}
		write(i%10, i, 5000, 40000, 100)
	}
	for i := range n {
		write(i, (i+1)%n, 7000, 7000, 20)
	}
	return path
}

// TestNetmapManyHosts renders a capture of 1,000 hosts: the map draws the
// 50 busiest, the ten servers first, server 0 largest, only edges between
// drawn hosts, and the table beside it holds the same edges; the page
// says what was left out.
func TestNetmapManyHosts(t *testing.T) {
	s, page := renderFile(t, buildManyHosts(t, t.TempDir(), 1000))
	if s.Hosts.Total != 1000 || len(s.Hosts.List) != 1000 {
		t.Fatalf("%d hosts (%d listed), want 1,000", s.Hosts.Total, len(s.Hosts.List))
	}
	pv := checkPage(t, page, map[string]bool{"chart-dns": true, "chart-http-hosts": true, "chart-tls-sni": true})
	opt := pv.chartData["chart-netmap"]
	series, _ := opt["series"].([]any)
	if len(series) != 1 {
		t.Fatalf("the map has %d series", len(series))
	}
	m := series[0].(map[string]any)
	nodes, _ := m["data"].([]any)
	links, _ := m["links"].([]any)
	if len(nodes) != 50 {
		t.Fatalf("%d nodes, want 50", len(nodes))
	}
	drawn := map[string]bool{}
	for i, n := range nodes {
		name := n.(map[string]any)["name"].(string)
		drawn[name] = true
		if i < 10 && name != manyHostsIP(i).String() {
			// Servers 1-9 serve 99 hosts each, server 0 99 and the ring.
			if i == 0 || !strings.HasPrefix(name, "10.1.0.") {
				t.Errorf("node %d is %s, want a server (10.1.0.1-10)", i, name)
			}
		}
	}
	if nodes[0].(map[string]any)["name"] != "10.1.0.1" {
		t.Errorf("the largest node is %v, want server 0, 10.1.0.1", nodes[0])
	}
	// Between the drawn hosts (the ten servers and 40 clients), every
	// conversation is a client with its server or a ring neighbour.
	for _, l := range links {
		lm := l.(map[string]any)
		if !drawn[lm["source"].(string)] || !drawn[lm["target"].(string)] {
			t.Errorf("edge %v has an end not drawn", lm)
		}
	}
	if len(links) == 0 {
		t.Fatal("no edge drawn")
	}
	body := string(page)
	sec := body[strings.Index(body, `id="netmap"`):]
	sec = sec[:strings.Index(sec, "</section>")]
	if got := strings.Count(sec, "<tr") - 1; got != len(links) {
		t.Errorf("the map's table has %d rows, the map %d edges", got, len(links))
	}
	if !strings.Contains(sec, "50 of 1,000 hosts are drawn (the busiest); 950 are left out") {
		t.Errorf("the map does not say what it left out")
	}
}
