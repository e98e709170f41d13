package analyze_test

import (
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
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/pcapreport/pcapreport/analyze"
)

// hostCaptures are real captures of Ethernet LANs the host tests run on:
// the first from testdata, the rest from ../shared/captures when present.
var hostCaptures = []string{
	"../testdata/windows_lan_dns_llmnr_smb.pcap",
	"../testdata/arp_poison_http_dns.pcapng",
	"../testdata/http_espn_browsing.pcapng",
	"../testdata/vlan_qinqinq_http.pcap",
	filepath.Join(sharedDir, "mixed_lan_vlan_tls_http_2010_2015.pcap"),
	filepath.Join(sharedDir, "http_browsing_dns_2013.pcap"),
	filepath.Join(sharedDir, "quic_firefox_google.pcap"),
}

func needTshark(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("no tshark")
	}
}

// tsharkLines runs tshark on path with args and returns its output lines.
func tsharkLines(t *testing.T, path string, args ...string) []string {
	t.Helper()
	out, err := exec.Command("tshark", append([]string{"-r", path}, args...)...).Output()
	if err != nil {
		t.Fatalf("tshark %s %v: %v", path, args, err)
	}
	return strings.Split(strings.TrimRight(string(out), "\n"), "\n")
}

func hostsOf(t *testing.T, path string) (*analyze.Summary, map[string]*analyze.Host) {
	t.Helper()
	s, err := analyze.File(path, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if int(s.Hosts.Total) != len(s.Hosts.List) {
		t.Fatalf("%s: %d hosts listed of %d", path, len(s.Hosts.List), s.Hosts.Total)
	}
	m := map[string]*analyze.Host{}
	for i := range s.Hosts.List {
		m[s.Hosts.List[i].IP] = &s.Hosts.List[i]
	}
	return s, m
}

// TestHostsCountsMatchTshark compares each host's packets sent and
// received with tshark's -z endpoints,ip and endpoints,ipv6 (Tx and Rx
// packets), and its bytes with the IP lengths tshark reads (ip.len, and
// 40 plus ipv6.plen), summed by source and destination. (tshark's
// endpoint bytes are frame lengths, link header and padding included.)
func TestHostsCountsMatchTshark(t *testing.T) {
	t.Parallel() // tshark or a long pass: beside the other slow checks
	needTshark(t)
	ran := 0
	for _, path := range hostCaptures {
		if _, err := os.Stat(path); err != nil {
			continue
		}
		ran++
		t.Run(filepath.Base(path), func(t *testing.T) {
			_, hosts := hostsOf(t, path)
			type tx struct{ txP, rxP, txB, rxB int64 }
			want := map[string]*tx{}
			get := func(ip string) *tx {
				if want[ip] == nil {
					want[ip] = &tx{}
				}
				return want[ip]
			}
			for _, z := range []string{"endpoints,ip", "endpoints,ipv6"} {
				for _, line := range tsharkLines(t, path, "-q", "-z", z) {
					f := strings.Fields(line)
					if len(f) != 7 || strings.Count(f[0], ".")+strings.Count(f[0], ":") < 2 {
						continue
					}
					e := get(f[0])
					e.txP, _ = strconv.ParseInt(f[3], 10, 64)
					e.rxP, _ = strconv.ParseInt(f[5], 10, 64)
				}
			}
			// Outer header only: the first value of each field (ICMP errors
			// quote an inner header that tshark lists after it).
			first := func(s string) string { v, _, _ := strings.Cut(s, ","); return v }
			for _, line := range tsharkLines(t, path, "-T", "fields", "-E", "occurrence=f",
				"-e", "ip.src", "-e", "ip.dst", "-e", "ip.len", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "ipv6.plen") {
				f := strings.Split(line, "\t")
				if len(f) != 6 {
					continue
				}
				src, dst, n := first(f[0]), first(f[1]), first(f[2])
				if src == "" {
					src, dst, n = first(f[3]), first(f[4]), first(f[5])
					if v, err := strconv.ParseInt(n, 10, 64); err == nil {
						n = strconv.FormatInt(v+40, 10)
					}
				}
				v, err := strconv.ParseInt(n, 10, 64)
				if src == "" || err != nil {
					continue
				}
				get(src).txB += v
				get(dst).rxB += v
			}
			if len(want) == 0 {
				t.Fatal("tshark lists no endpoint")
			}
			for ip, w := range want {
				h := hosts[ip]
				if h == nil {
					t.Errorf("%s: not a host; tshark: %+v", ip, *w)
					continue
				}
				got := tx{h.PacketsSent, h.PacketsReceived, h.BytesSent, h.BytesReceived}
				if got != *w {
					t.Errorf("%s: sent/received packets, bytes %+v, tshark %+v", ip, got, *w)
				}
			}
			if len(hosts) != len(want) {
				t.Errorf("%d hosts, tshark %d endpoints", len(hosts), len(want))
			}
		})
	}
	if ran == 0 {
		t.Skip("no capture")
	}
}

// TestHostsMACsMatchTshark compares each host's MACs with the source MACs
// of the frames tshark finds with that IP source (eth.src, ip.src or
// ipv6.src). The analysis reads a flow's first frame each way, so its set
// may miss a MAC that only appears later in a flow (a relay in the middle
// of one); it may never hold one tshark has not.
func TestHostsMACsMatchTshark(t *testing.T) {
	needTshark(t)
	equalIn := map[string]bool{"windows_lan_dns_llmnr_smb.pcap": true, "http_espn_browsing.pcapng": true,
		"vlan_qinqinq_http.pcap": true, "mixed_lan_vlan_tls_http_2010_2015.pcap": true}
	for _, path := range hostCaptures {
		if _, err := os.Stat(path); err != nil {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			_, hosts := hostsOf(t, path)
			want := map[string][]string{}
			for _, line := range tsharkLines(t, path, "-T", "fields", "-E", "occurrence=f",
				"-e", "eth.src", "-e", "ip.src", "-e", "ipv6.src") {
				f := strings.Split(line, "\t")
				if len(f) != 3 || f[0] == "" {
					continue
				}
				ip := f[1]
				if ip == "" {
					ip = f[2]
				}
				if ip != "" && !slices.Contains(want[ip], f[0]) {
					want[ip] = append(want[ip], f[0])
				}
			}
			checked := 0
			for ip, h := range hosts {
				var got []string
				for _, m := range h.MACs {
					got = append(got, m.MAC)
					if !slices.Contains(want[ip], m.MAC) {
						t.Errorf("%s: MAC %s, not among tshark's %v", ip, m.MAC, want[ip])
					}
				}
				slices.Sort(want[ip])
				// 0.0.0.0 and :: are every booting client's source: their
				// DHCP and DAD flows carry many MACs, the first one kept.
				if equalIn[filepath.Base(path)] && ip != "0.0.0.0" && ip != "::" && !slices.Equal(got, want[ip]) {
					t.Errorf("%s: MACs %v, tshark %v", ip, got, want[ip])
				}
				checked += len(got)
			}
			if checked == 0 {
				t.Error("no MAC")
			}
		})
	}
}

// TestHostsTTLHint checks the OS hint on a Windows LAN capture: the two
// Windows machines (NTLMSSP from Windows, SMB) send with TTL 128, and the
// TTL is the highest tshark finds on their packets to unicast addresses.
func TestHostsTTLHint(t *testing.T) {
	needTshark(t)
	path := "../testdata/windows_lan_dns_llmnr_smb.pcap"
	_, hosts := hostsOf(t, path)
	maxTTL := map[string]int{}
	for _, line := range tsharkLines(t, path, "-T", "fields", "-E", "occurrence=f", "-e", "ip.src", "-e", "ip.ttl",
		"-Y", "ip && !(ip.dst == 224.0.0.0/4) && ip.dst != 255.255.255.255") {
		ip, ttl, _ := strings.Cut(line, "\t")
		if v, err := strconv.Atoi(ttl); err == nil {
			maxTTL[ip] = max(maxTTL[ip], v)
		}
	}
	for _, ip := range []string{"192.168.199.132", "192.168.199.133"} {
		h := hosts[ip]
		if h == nil {
			t.Fatalf("%s: not a host", ip)
		}
		if h.TTL != maxTTL[ip] || h.InitialTTL != 128 || h.OSHint != "Windows" {
			t.Errorf("%s: TTL %d (tshark's highest %d), initial %d, hint %q; want 128, Windows", ip, h.TTL, maxTTL[ip], h.InitialTTL, h.OSHint)
		}
	}
	for ip, h := range hosts {
		if h.TTL != 0 && maxTTL[ip] != 0 && h.TTL > maxTTL[ip] {
			t.Errorf("%s: TTL %d over tshark's highest %d", ip, h.TTL, maxTTL[ip])
		}
	}
}

// TestHostsServicesMatchTshark compares the TCP services of each host
// with the source ports of SYN-ACKs that tshark finds.
func TestHostsServicesMatchTshark(t *testing.T) {
	needTshark(t)
	for _, path := range hostCaptures {
		if _, err := os.Stat(path); err != nil {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			_, hosts := hostsOf(t, path)
			want := map[string]bool{}
			for _, line := range tsharkLines(t, path, "-T", "fields", "-E", "occurrence=f", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport",
				"-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 1") {
				f := strings.Split(line, "\t")
				if len(f) == 3 {
					want[f[0]+f[1]+" "+f[2]] = true
				}
			}
			got := map[string]bool{}
			for ip, h := range hosts {
				for _, s := range h.Services {
					if s.Proto == "tcp" {
						got[ip+" "+strconv.Itoa(int(s.Port))] = true
					}
				}
			}
			for k := range want {
				if !got[k] {
					t.Errorf("tshark: SYN-ACK from %s; not a service", k)
				}
			}
			for k := range got {
				if !want[k] {
					t.Errorf("service %s; tshark finds no SYN-ACK from it", k)
				}
			}
		})
	}
}

// TestHostsKnownAnswer builds a capture with a known answer: a Windows
// host (TTL 128, a VMware MAC) asks a DNS server (TTL 64) over UDP, which
// replies from port 53, and sends an mDNS query (TTL 255, to a group);
// the server also answers a TCP SYN on port 80 with a SYN-ACK.
func TestHostsKnownAnswer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hosts.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	client, server, group := net.IP{10, 0, 0, 1}, net.IP{10, 0, 0, 2}, net.IP{224, 0, 0, 251}
	macOf := map[string]net.HardwareAddr{client.String(): {0x00, 0x0c, 0x29, 0, 0, 1}, server.String(): {0x02, 0, 0, 0, 0, 2}}
	ts := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	write := func(src, dst net.IP, ttl uint8, l4 gopacket.SerializableLayer, payload int) {
		eth := &layers.Ethernet{SrcMAC: macOf[src.String()], DstMAC: net.HardwareAddr{0x01, 0, 0x5e, 0, 0, 0xfb}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: ttl, SrcIP: src, DstIP: dst}
		switch l := l4.(type) {
		case *layers.UDP:
			ip.Protocol = layers.IPProtocolUDP
			l.SetNetworkLayerForChecksum(ip)
		case *layers.TCP:
			ip.Protocol = layers.IPProtocolTCP
			l.SetNetworkLayerForChecksum(ip)
		}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
			eth, ip, l4, gopacket.Payload(make([]byte, payload))); err != nil {
			t.Fatal(err)
		}
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(buf.Bytes()), Length: len(buf.Bytes())}, buf.Bytes()); err != nil {
			t.Fatal(err)
		}
		ts = ts.Add(time.Second)
	}
	write(client, server, 128, &layers.UDP{SrcPort: 50000, DstPort: 9999}, 30)
	write(server, client, 64, &layers.UDP{SrcPort: 9999, DstPort: 50000}, 60)
	write(client, group, 255, &layers.UDP{SrcPort: 5353, DstPort: 5353}, 0)
	write(client, server, 128, &layers.TCP{SrcPort: 50001, DstPort: 80, SYN: true, Window: 1}, 0)
	write(server, client, 64, &layers.TCP{SrcPort: 80, DstPort: 50001, SYN: true, ACK: true, Window: 1}, 0)
	// The client's ACK ends the handshake: no service of its own.
	write(client, server, 128, &layers.TCP{SrcPort: 50001, DstPort: 80, ACK: true, Window: 1}, 0)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	s, hosts := hostsOf(t, path)
	c, sv, g := hosts["10.0.0.1"], hosts["10.0.0.2"], hosts["224.0.0.251"]
	if c == nil || sv == nil || g == nil || s.Hosts.Total != 3 {
		t.Fatalf("hosts %v, want 10.0.0.1, 10.0.0.2 and 224.0.0.251", hosts)
	}
	if c.TTL != 128 || c.InitialTTL != 128 || c.OSHint != "Windows" {
		t.Errorf("client: TTL %d, initial %d, hint %q; want 128 (the mDNS query's 255 is to a group)", c.TTL, c.InitialTTL, c.OSHint)
	}
	if sv.TTL != 64 || sv.InitialTTL != 64 {
		t.Errorf("server: TTL %d, initial %d; want 64", sv.TTL, sv.InitialTTL)
	}
	if len(c.MACs) != 1 || c.MACs[0] != (analyze.HostMAC{MAC: "00:0c:29:00:00:01", Vendor: "VMware, Inc."}) {
		t.Errorf("client MACs %v", c.MACs)
	}
	if len(sv.MACs) != 1 || sv.MACs[0] != (analyze.HostMAC{MAC: "02:00:00:00:00:02"}) {
		t.Errorf("server MACs %v: a locally administered MAC has no vendor", sv.MACs)
	}
	want := []analyze.Service{{Proto: "tcp", Port: 80, Name: "http"}, {Proto: "udp", Port: 9999}}
	if !slices.Equal(sv.Services, want) {
		t.Errorf("server services %v, want %v", sv.Services, want)
	}
	if len(c.Services) != 0 || len(g.Services) != 0 || len(g.MACs) != 0 || g.TTL != 0 {
		t.Errorf("client services %v, group %+v: want none", c.Services, g)
	}
	if c.Peers != 2 || sv.Peers != 1 || g.Peers != 1 {
		t.Errorf("peers: client %d, server %d, group %d; want 2, 1, 1", c.Peers, sv.Peers, g.Peers)
	}
	if c.PacketsSent != 4 || c.PacketsReceived != 2 || sv.PacketsSent != 2 || sv.PacketsReceived != 3 {
		t.Errorf("packets: client %d/%d, server %d/%d; want 4/2, 2/3", c.PacketsSent, c.PacketsReceived, sv.PacketsSent, sv.PacketsReceived)
	}
	// pcap times have microseconds: six digits.
	if c.First != "2024-03-01T12:00:00.000000Z" || c.Last != "2024-03-01T12:00:05.000000Z" ||
		sv.First != "2024-03-01T12:00:00.000000Z" || sv.Last != "2024-03-01T12:00:05.000000Z" {
		t.Errorf("times: client %s-%s, server %s-%s", c.First, c.Last, sv.First, sv.Last)
	}
}

// TestHostsDHCPNamesMatchTshark checks that every DHCP host name (option
// 12) tshark reads is a name of the address the message is about: the
// client's (ciaddr), else the one it asks for (option 50), else the one
// it is given (yiaddr).
func TestHostsDHCPNamesMatchTshark(t *testing.T) {
	needTshark(t)
	checked := 0
	for _, path := range []string{"../testdata/windows_lan_dns_llmnr_smb.pcap", filepath.Join(sharedDir, "linux_sll_mixed.pcap")} {
		if _, err := os.Stat(path); err != nil {
			continue
		}
		_, hosts := hostsOf(t, path)
		for _, line := range tsharkLines(t, path, "-Y", "dhcp.option.hostname", "-T", "fields", "-E", "occurrence=f",
			"-e", "dhcp.option.hostname", "-e", "dhcp.ip.client", "-e", "dhcp.option.requested_ip_address", "-e", "dhcp.ip.your") {
			f := strings.Split(line, "\t")
			if len(f) != 4 {
				continue
			}
			ip := f[1]
			if ip == "0.0.0.0" {
				ip = f[2]
			}
			if ip == "" || ip == "0.0.0.0" {
				ip = f[3]
			}
			if ip == "0.0.0.0" {
				continue
			}
			checked++
			if h := hosts[ip]; h == nil || !slices.Contains(h.Names, strings.ToLower(f[0])) {
				t.Errorf("%s: DHCP names %s %q; host %+v", filepath.Base(path), ip, f[0], h)
			}
		}
	}
	if checked == 0 {
		t.Skip("no DHCP host name in the captures")
	}
	t.Logf("%d DHCP host names checked", checked)
}
