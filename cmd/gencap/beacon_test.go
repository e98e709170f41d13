package main

import (
	"net/netip"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/pcapreport/pcapreport/analyze"
)

// syns reads path with gopacket (not pcapreport's decoder) and returns the
// times of the TCP SYNs (without ACK) from client to server:port.
func syns(t *testing.T, path string, client, server netip.Addr, port uint16) []time.Time {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Time
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		ip, _ := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		tcp, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if ip == nil || tcp == nil || !tcp.SYN || tcp.ACK || uint16(tcp.DstPort) != port {
			continue
		}
		src, _ := netip.AddrFromSlice(ip.SrcIP)
		dst, _ := netip.AddrFromSlice(ip.DstIP)
		if src == client && dst == server {
			out = append(out, ci.Timestamp)
		}
	}
	return out
}

// medianInterval is the median gap between consecutive times.
func medianInterval(ts []time.Time) float64 {
	var iv []float64
	for i := 1; i < len(ts); i++ {
		iv = append(iv, ts[i].Sub(ts[i-1]).Seconds())
	}
	slices.Sort(iv)
	n := len(iv)
	if n%2 == 1 {
		return iv[n/2]
	}
	return (iv[n/2-1] + iv[n/2]) / 2
}

func beaconFindings(s *analyze.Summary, minSeverity string) []analyze.Finding {
	var out []analyze.Finding
	for _, f := range s.Findings {
		if f.Rule == "beacon" && analyze.SeverityRank(f.Severity) <= analyze.SeverityRank(minSeverity) {
			out = append(out, f)
		}
	}
	return out
}

// TestBeaconFires: a client that calls its server every 60 s ± 5% for an
// hour, amid background sessions, is found with the count and period
// gopacket sees, and nothing else is.
func TestBeaconFires(t *testing.T) {
	for _, seed := range []string{"1", "2", "3"} {
		path := generate(t, "-mode", "beacon", "-period", "60s", "-jitter", "0.05", "-duration", "1h", "-seed", seed, "-size", "64MB")
		s, err := analyze.File(path, analyze.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// The beacon's peers, as newGen makes them for this seed.
		seedN := map[string]uint64{"1": 1, "2": 2, "3": 3}[seed]
		gg := newGen(config{seed: seedN, hosts: 5000, size: 1}, nil)
		c, sv := gg.beaconPeer()
		client, server := netip.AddrFrom4(c.v4), netip.AddrFrom4(sv.v4)
		want := syns(t, path, client, server, 443)
		if len(want) < 55 || len(want) > 66 {
			t.Fatalf("seed %s: gopacket sees %d beacon SYNs, want about 60", seed, len(want))
		}
		var b *analyze.Beacon
		for i := range s.Beacons {
			x := &s.Beacons[i]
			if x.Client == client.String() && x.Server == server.String() && x.Port == 443 && x.Proto == "tcp" {
				b = x
			}
		}
		if b == nil {
			t.Fatalf("seed %s: no beacon %s -> %s:443 in %+v", seed, client, server, s.Beacons)
		}
		if b.Connections != int64(len(want)) {
			t.Errorf("seed %s: %d connections, gopacket sees %d SYNs", seed, b.Connections, len(want))
		}
		if m := medianInterval(want); b.PeriodSeconds < m-0.002 || b.PeriodSeconds > m+0.002 {
			t.Errorf("seed %s: period %.3f s, gopacket's median interval %.3f s", seed, b.PeriodSeconds, m)
		}
		if b.JitterSeconds <= 0 || b.JitterSeconds > 3 {
			t.Errorf("seed %s: jitter %.3f s, want between 0 and 5%% of 60 s", seed, b.JitterSeconds)
		}
		fs := beaconFindings(s, analyze.SeverityMedium)
		if len(fs) != 1 || fs[0].Evidence.Hosts[0] != client.String() || fs[0].Evidence.Hosts[1] != server.String() {
			t.Errorf("seed %s: medium or high beacon findings %+v, want the one beacon", seed, fs)
		}
	}
}

// TestBeaconRandomDoesNotFire: the same client calling at exponential
// (random) intervals of mean 60 s gives no medium or high beacon finding.
func TestBeaconRandomDoesNotFire(t *testing.T) {
	for _, seed := range []string{"1", "2", "3"} {
		path := generate(t, "-mode", "beacon", "-period", "60s", "-jitter", "exp", "-duration", "1h", "-seed", seed, "-size", "64MB")
		s, err := analyze.File(path, analyze.Options{})
		if err != nil {
			t.Fatal(err)
		}
		gg := newGen(config{seed: map[string]uint64{"1": 1, "2": 2, "3": 3}[seed], hosts: 5000, size: 1}, nil)
		c, sv := gg.beaconPeer()
		if n := len(syns(t, path, netip.AddrFrom4(c.v4), netip.AddrFrom4(sv.v4), 443)); n < 30 {
			t.Fatalf("seed %s: only %d calls: the control has too few to score", seed, n)
		}
		if fs := beaconFindings(s, analyze.SeverityMedium); len(fs) != 0 {
			t.Errorf("seed %s: random intervals gave %+v", seed, fs)
		}
	}
}
