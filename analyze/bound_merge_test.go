package analyze

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// boundSummary is an empty Summary of capture c, ready for an overview.
func boundSummary(c int) *Summary {
	s := &Summary{}
	s.Capture = Capture{Path: "c" + strconv.Itoa(c) + ".pcap", SHA256: strings.Repeat("0", 63) + strconv.Itoa(c%10), Captures: 1}
	return s
}

// boundIP is the i-th address of a test: address order is index order.
func boundIP(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
}

// overviewOf merges sums in the order given.
func overviewOf(t *testing.T, sums []*Summary, order []int) (*Overview, *Summary) {
	t.Helper()
	o := NewOverview(Options{})
	for _, i := range order {
		if err := o.Add(sums[i]); err != nil {
			t.Fatal(err)
		}
	}
	return o, o.Summary()
}

// orders are the orders a test merges n Summaries in: forward, reverse
// and shuffled.
func orders(n int) [][]int {
	fwd := make([]int, n)
	for i := range fwd {
		fwd[i] = i
	}
	rev := slices.Clone(fwd)
	slices.Reverse(rev)
	shuf := slices.Clone(fwd)
	rand.New(rand.NewPCG(1, 2)).Shuffle(n, func(i, j int) { shuf[i], shuf[j] = shuf[j], shuf[i] })
	return [][]int{fwd, rev, shuf}
}

// wantNames is the names of the union u (address -> names) as the
// overview must list them: addresses in order, each with its
// MaxNamesPerIP first names, up to maxKeys addresses and, past the first
// address whose names do not fit in maxNameBytes, none.
func wantNames(u map[netip.Addr]map[string]bool) []Name {
	var out []Name
	var bytes int
	for i, ip := range slices.SortedFunc(maps.Keys(u), netip.Addr.Compare) {
		names := slices.Sorted(maps.Keys(u[ip]))
		names = names[:min(len(names), MaxNamesPerIP)]
		n := 0
		for _, s := range names {
			n += len(s)
		}
		if i >= maxKeys || bytes+n > maxNameBytes {
			break
		}
		bytes += n
		out = append(out, Name{IP: ip.String(), Names: names})
	}
	return out
}

// checkNames compares the overview's names with want and checks the
// bounds of one capture.
func checkNames(t *testing.T, what string, m *Summary, want []Name) {
	t.Helper()
	if !m.NamesTruncated {
		t.Errorf("%s: names_truncated false, but the union is over the bounds", what)
	}
	var bytes int
	for _, n := range m.Names {
		if len(n.Names) > MaxNamesPerIP {
			t.Fatalf("%s: %s has %d names", what, n.IP, len(n.Names))
		}
		for _, s := range n.Names {
			bytes += len(s)
		}
	}
	if len(m.Names) > maxKeys || bytes > maxNameBytes {
		t.Errorf("%s: %d addresses, %d bytes of names: over %d, %d", what, len(m.Names), bytes, maxKeys, maxNameBytes)
	}
	if len(m.Names) != len(want) {
		t.Fatalf("%s: %d addresses named, want %d", what, len(m.Names), len(want))
	}
	for i := range want {
		if m.Names[i].IP != want[i].IP || !slices.Equal(m.Names[i].Names, want[i].Names) {
			t.Fatalf("%s: names[%d] = %v, want %v", what, i, m.Names[i], want[i])
		}
	}
}

// TestOverviewBoundsNamesByAddress merges 5 Summaries of 40,000 named
// addresses each, overlapping by 10,000 (160,000 addresses), each giving
// an address 6 names of its own: the overview keeps maxKeys addresses,
// the first in address order, with the MaxNamesPerIP first of their 6 or
// 12 names, says so, and does so in any order of adding.
func TestOverviewBoundsNamesByAddress(t *testing.T) {
	const per, step = 40_000, 30_000
	u := map[netip.Addr]map[string]bool{}
	var sums []*Summary
	for c := range 5 {
		s := boundSummary(c)
		for i := c * step; i < c*step+per; i++ {
			ip := boundIP(i)
			n := Name{IP: ip.String()}
			for k := range 6 {
				n.Names = append(n.Names, fmt.Sprintf("%c%d", 'a'+c, k))
			}
			s.Names = append(s.Names, n)
			if u[ip] == nil {
				u[ip] = map[string]bool{}
			}
			for _, name := range n.Names {
				u[ip][name] = true
			}
		}
		sums = append(sums, s)
	}
	want := wantNames(u)
	if len(u) <= maxKeys || len(want) != maxKeys {
		t.Fatalf("the union has %d addresses, %d listed: the test must pass the bound %d", len(u), len(want), maxKeys)
	}
	if len(want[step].Names) != MaxNamesPerIP || want[step].Names[0] != "a0" || want[step].Names[9] != "b3" {
		t.Fatalf("address %d: %v, want a0..a5 b0..b3", step, want[step])
	}
	for _, order := range orders(len(sums)) {
		o, m := overviewOf(t, sums, order)
		checkNames(t, fmt.Sprint("order ", order), m, want)
		if len(o.names.m) > maxKeys {
			t.Errorf("order %v: the overview holds %d addresses", order, len(o.names.m))
		}
		for ip, set := range o.names.m {
			if len(set) > MaxNamesPerIP {
				t.Fatalf("order %v: the overview holds %d names of %s", order, len(set), ip)
			}
		}
	}
}

// TestOverviewBoundsNameBytes merges 4 Summaries of 2,000 addresses of
// their own, each with 10 names of 250 bytes (20 MB in all): the overview
// keeps the addresses, in order, whose names fit in maxNameBytes.
func TestOverviewBoundsNameBytes(t *testing.T) {
	u := map[netip.Addr]map[string]bool{}
	var sums []*Summary
	for c := range 4 {
		s := boundSummary(c)
		for i := c * 2000; i < (c+1)*2000; i++ {
			ip := boundIP(i)
			n := Name{IP: ip.String()}
			u[ip] = map[string]bool{}
			for k := range MaxNamesPerIP {
				name := fmt.Sprintf("%d.%d.", i, k) + strings.Repeat("x", 250)
				name = name[:250]
				n.Names = append(n.Names, name)
				u[ip][name] = true
			}
			s.Names = append(s.Names, n)
		}
		sums = append(sums, s)
	}
	want := wantNames(u)
	if len(want) != maxNameBytes/2500 {
		t.Fatalf("%d addresses listed, want %d", len(want), maxNameBytes/2500)
	}
	for _, order := range orders(len(sums)) {
		_, m := overviewOf(t, sums, order)
		checkNames(t, fmt.Sprint("order ", order), m, want)
	}
}

// TestOverviewBoundsARP merges 4 Summaries of 40,000 ARP bindings and
// 4,000 gratuitous senders each, overlapping (130,000 bindings, 13,000
// senders in all): the overview keeps maxKeys bindings and maxGratuitous
// senders, the first by address (and MAC), with the sums (and the highest
// peak) of every Summary, in any order of adding, and its warning counts
// the packets of those it cut.
func TestOverviewBoundsARP(t *testing.T) {
	type pair struct{ ip, mac string }
	type grat struct{ n, peak int64 }
	pairs, grats := map[pair]int64{}, map[netip.Addr]*grat{}
	var total, totalGrat int64
	var sums []*Summary
	for c := range 4 {
		s := boundSummary(c)
		for i := c * 30_000; i < c*30_000+40_000; i++ {
			mac := fmt.Sprintf("02:00:00:%02x:%02x:%02x", byte(i>>16), byte(i>>8), byte(i))
			if i%1000 == 0 { // a conflict: another MAC each capture
				mac = fmt.Sprintf("02:00:01:00:00:%02x", c)
			}
			p := ARPPair{IP: boundIP(i).String(), MAC: mac, Packets: int64(c + 1 + i%7)}
			s.ARP.Pairs = append(s.ARP.Pairs, p)
			pairs[pair{p.IP, p.MAC}] += p.Packets
			total += p.Packets
		}
		for i := c * 3000; i < c*3000+4000; i++ {
			g := ARPGratuitous{IP: boundIP(i).String(), Packets: int64(1 + i%5), Peak10s: int64(1 + (i+c)%4)}
			s.ARP.Gratuitous = append(s.ARP.Gratuitous, g)
			w := grats[boundIP(i)]
			if w == nil {
				w = &grat{}
				grats[boundIP(i)] = w
			}
			w.n += g.Packets
			w.peak = max(w.peak, g.Peak10s)
			totalGrat += g.Packets
		}
		sums = append(sums, s)
	}
	// The maxKeys first bindings by address, then MAC (all lower-case
	// hex of the same length: string order is byte order).
	keys := slices.SortedFunc(maps.Keys(pairs), func(x, y pair) int {
		if c := netip.MustParseAddr(x.ip).Compare(netip.MustParseAddr(y.ip)); c != 0 {
			return c
		}
		return strings.Compare(x.mac, y.mac)
	})
	if len(keys) <= maxKeys || len(grats) <= maxGratuitous {
		t.Fatalf("%d bindings, %d gratuitous senders: the test must pass the bounds", len(keys), len(grats))
	}
	keys = keys[:maxKeys]
	kept := int64(0)
	for _, k := range keys {
		kept += pairs[k]
	}
	gips := slices.SortedFunc(maps.Keys(grats), netip.Addr.Compare)[:maxGratuitous]
	keptGrat := int64(0)
	for _, ip := range gips {
		keptGrat += grats[ip].n
	}
	warning := fmt.Sprintf("overview: more than %d ARP addresses of requests or replies, or %d address-to-MAC bindings, or %d senders of gratuitous ARP in the captures merged: 0, %d and %d of their packets are not listed",
		maxKeys, maxKeys, maxGratuitous, total-kept, totalGrat-keptGrat)
	for _, order := range orders(len(sums)) {
		o, m := overviewOf(t, sums, order)
		what := fmt.Sprint("order ", order)
		if len(o.arp.pairs) > maxKeys || len(o.arp.grat) > maxGratuitous {
			t.Errorf("%s: the overview holds %d bindings and %d gratuitous senders", what, len(o.arp.pairs), len(o.arp.grat))
		}
		if len(m.ARP.Pairs) != len(keys) {
			t.Fatalf("%s: %d bindings listed, want %d", what, len(m.ARP.Pairs), len(keys))
		}
		for i, k := range keys {
			if p := m.ARP.Pairs[i]; p.IP != k.ip || p.MAC != k.mac || p.Packets != pairs[k] {
				t.Fatalf("%s: binding %d is %+v, want %v with %d packets", what, i, p, k, pairs[k])
			}
		}
		if len(m.ARP.Gratuitous) != len(gips) {
			t.Fatalf("%s: %d gratuitous senders listed, want %d", what, len(m.ARP.Gratuitous), len(gips))
		}
		for _, g := range m.ARP.Gratuitous {
			ip := netip.MustParseAddr(g.IP)
			w := grats[ip]
			if w == nil || g.Packets != w.n || g.Peak10s != w.peak || ip.Compare(gips[len(gips)-1]) > 0 {
				t.Fatalf("%s: gratuitous %+v, want %+v and an address up to %s", what, g, w, gips[len(gips)-1])
			}
		}
		if !slices.Contains(m.Capture.Warnings, warning) {
			t.Errorf("%s: warnings %q, want %q", what, m.Capture.Warnings, warning)
		}
	}
}

// TestOverviewBoundsClientsPerName merges 5 Summaries in which 10 DNS
// names and 10 TLS server names each have 40 clients listed and 5 more
// counted, overlapping (160 clients a name listed in all), and one name
// more with 20 clients in two captures: the overview keeps
// maxClientsPerName clients a name, the first by address, each with the
// sum of its counts, in any order of adding; ClientsTotal is exact for
// the name within the bound and, past it, the captures' totals less the
// clients kept counted twice, at least the clients listed in all.
func TestOverviewBoundsClientsPerName(t *testing.T) {
	type client struct{ n, lists int64 }
	clients := map[netip.Addr]*client{}
	var total, listed int64
	var sums []*Summary
	for c := range 5 {
		s := boundSummary(c)
		var cs []IPCount
		for i := c * 30; i < c*30+40; i++ {
			ic := IPCount{boundIP(i).String(), int64(1 + (i+c)%3)}
			cs = append(cs, ic)
			w := clients[boundIP(i)]
			if w == nil {
				w = &client{}
				clients[boundIP(i)] = w
			}
			w.n += ic.Count
			w.lists++
			listed++
		}
		sortIPCounts(cs)
		total += 45
		for k := range 10 {
			q := NamedCount{Name: fmt.Sprintf("n%d.example", k), Count: 100, Clients: cs, ClientsTotal: 45}
			s.DNS.Queries = append(s.DNS.Queries, q)
			s.TLS.ServerNames = append(s.TLS.ServerNames, q)
		}
		if c < 2 { // 20 clients, 10 in both captures, 2 more unlisted in each
			q := NamedCount{Name: "few.example", Count: 7, ClientsTotal: 22}
			for i := c * 10; i < c*10+20; i++ {
				q.Clients = append(q.Clients, IPCount{boundIP(1000 + i).String(), 1})
			}
			s.DNS.Queries = append(s.DNS.Queries, q)
		}
		s.DNS.TotalQueries = 1007
		sums = append(sums, s)
	}
	ips := slices.SortedFunc(maps.Keys(clients), netip.Addr.Compare)
	if len(ips) <= maxClientsPerName {
		t.Fatalf("%d clients: the test must pass the bound %d", len(ips), maxClientsPerName)
	}
	ips = ips[:maxClientsPerName]
	want := map[string]int64{}
	wantTotal := total
	for _, ip := range ips {
		want[ip.String()] = clients[ip].n
		wantTotal -= clients[ip].lists - 1
	}
	check := func(what string, q NamedCount) {
		t.Helper()
		if len(q.Clients) != len(want) || q.ClientsTotal != wantTotal || q.ClientsTotal < int64(len(clients)) {
			t.Fatalf("%s: %d clients listed, %d in all; want %d, %d", what, len(q.Clients), q.ClientsTotal, len(want), wantTotal)
		}
		for i, c := range q.Clients {
			if want[c.IP] != c.Count {
				t.Fatalf("%s: client %+v, want %d", what, c, want[c.IP])
			}
			if i > 0 && c.Count > q.Clients[i-1].Count {
				t.Fatalf("%s: clients not by count: %v", what, q.Clients)
			}
		}
	}
	for _, order := range orders(len(sums)) {
		o, m := overviewOf(t, sums, order)
		what := fmt.Sprint("order ", order)
		for name, q := range o.dns.queries {
			if len(q.clients) > maxClientsPerName {
				t.Errorf("%s: the overview holds %d clients of %s", what, len(q.clients), name)
			}
		}
		if len(m.DNS.Queries) != 11 || len(m.TLS.ServerNames) != 10 {
			t.Fatalf("%s: %d queries, %d server names", what, len(m.DNS.Queries), len(m.TLS.ServerNames))
		}
		for _, q := range m.DNS.Queries {
			if q.Name == "few.example" {
				// 30 clients listed, 2 + 2 unlisted: exact.
				if len(q.Clients) != 30 || q.ClientsTotal != 34 || q.Count != 14 {
					t.Errorf("%s: few.example: %d clients, %d in all, count %d; want 30, 34, 14", what, len(q.Clients), q.ClientsTotal, q.Count)
				}
				continue
			}
			check(what+" "+q.Name, q)
		}
		for _, q := range m.TLS.ServerNames {
			check(what+" server name "+q.Name, q)
		}
	}
}

// TestOverviewBoundsBeacons merges 10 Summaries of MaxBeacons beacons
// each, half of them pairs of the next Summary too with another score
// (550 pairs in all): the overview holds no more than MaxBeacons, and
// lists the MaxBeacons best pairs, each as the capture that scored it best
// saw it, in any order of adding.
func TestOverviewBoundsBeacons(t *testing.T) {
	best := map[string]Beacon{}
	var sums []*Summary
	for c := range 10 {
		s := boundSummary(c)
		for j := c * 50; j < c*50+MaxBeacons; j++ {
			b := Beacon{Client: boundIP(j).String(), Server: "192.0.2.1", Proto: "tcp", Port: 443,
				Connections: int64(10 + c), Score: float64((j*37+c*11)%1000) / 1000, PeriodSeconds: float64(c + 1)}
			s.Beacons = append(s.Beacons, b)
			if o, ok := best[b.Client]; !ok || b.Score > o.Score || b.Score == o.Score && b.Connections > o.Connections {
				best[b.Client] = b
			}
		}
		sums = append(sums, s)
	}
	var all []Beacon
	for _, b := range best {
		all = append(all, b)
	}
	slices.SortFunc(all, func(x, y Beacon) int {
		if x.Score != y.Score {
			return cmpFloat(y.Score, x.Score)
		}
		if x.Connections != y.Connections {
			return int(y.Connections - x.Connections)
		}
		return strings.Compare(x.Client, y.Client)
	})
	if len(all) <= MaxBeacons {
		t.Fatalf("%d pairs: the test must pass the bound %d", len(all), MaxBeacons)
	}
	want := all[:MaxBeacons]
	for _, order := range orders(len(sums)) {
		o, m := overviewOf(t, sums, order)
		if len(o.beacons) > MaxBeacons {
			t.Errorf("order %v: the overview holds %d beacons", order, len(o.beacons))
		}
		if !slices.Equal(m.Beacons, want) {
			t.Fatalf("order %v: beacons\n%v\nwant\n%v", order, m.Beacons, want)
		}
	}
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// TestOverviewBoundsUnexpected merges 3 Summaries of 600 services on
// unexpected ports each, overlapping by 200 (1,400 in all): the overview
// keeps maxUnexpected, the first by protocol, port and server, with the
// flows of every Summary, in any order of adding, and its warning counts
// the flows of those it cut.
func TestOverviewBoundsUnexpected(t *testing.T) {
	flows := map[int]int64{}
	var total int64
	var sums []*Summary
	for c := range 3 {
		s := boundSummary(c)
		for i := c * 400; i < c*400+600; i++ {
			u := Unexpected{Proto: "tcp", Server: boundIP(i).String(), Port: 22, Service: "ssh", Seen: "HTTP",
				Flows: int64(1 + (i+c)%4), Clients: []string{boundIP(100_000 + c).String()}}
			s.Ports.Unexpected = append(s.Ports.Unexpected, u)
			flows[i] += u.Flows
			total += u.Flows
		}
		sums = append(sums, s)
	}
	if len(flows) <= maxUnexpected {
		t.Fatalf("%d services: the test must pass the bound %d", len(flows), maxUnexpected)
	}
	var kept int64
	for i := range maxUnexpected {
		kept += flows[i]
	}
	warning := fmt.Sprintf("overview: more than %d services on unexpected ports in the captures merged: %d of their flows are not listed", maxUnexpected, total-kept)
	for _, order := range orders(len(sums)) {
		o, m := overviewOf(t, sums, order)
		what := fmt.Sprint("order ", order)
		if len(o.ports.unexpected) > maxUnexpected || len(m.Ports.Unexpected) != maxUnexpected {
			t.Fatalf("%s: the overview holds %d services, lists %d; want %d", what, len(o.ports.unexpected), len(m.Ports.Unexpected), maxUnexpected)
		}
		for _, u := range m.Ports.Unexpected {
			ip := netip.MustParseAddr(u.Server).As4()
			i := int(ip[1])<<16 | int(ip[2])<<8 | int(ip[3])
			if i >= maxUnexpected || u.Flows != flows[i] {
				t.Fatalf("%s: %+v listed, want the first %d servers with %d flows", what, u, maxUnexpected, flows[i])
			}
		}
		if !slices.Contains(m.Capture.Warnings, warning) {
			t.Errorf("%s: warnings %q, want %q", what, m.Capture.Warnings, warning)
		}
	}
}

// TestOverviewBoundsNXBursts merges 3 Summaries of maxNXClients NXDOMAIN
// clients each: 96 in all three with high peaks, and 4,000 of their own
// (12,096 in all): the overview holds at most twice the bound and lists
// the bound, the 96 with the sums of their answers and their highest
// peak, and every answer is listed or in unfollowed.
func TestOverviewBoundsNXBursts(t *testing.T) {
	const heavy = 96
	var total int64
	var sums []*Summary
	for c := range 3 {
		s := boundSummary(c)
		for i := range heavy {
			s.DNS.NXBursts.Clients = append(s.DNS.NXBursts.Clients, DNSNXClient{Client: boundIP(i).String(),
				NXDomain: 5000, Peak60s: int64(1000 + i + c), PeakStart: fmt.Sprintf("2026-12-0%dT00:00:00Z", c+1), PeakNames: []string{}})
			total += 5000
		}
		for i := range maxNXClients - heavy {
			n := int64(1 + i%5)
			s.DNS.NXBursts.Clients = append(s.DNS.NXBursts.Clients, DNSNXClient{Client: boundIP(1000 + c*10_000 + i).String(),
				NXDomain: n, Peak60s: n, PeakNames: []string{}})
			total += n
		}
		s.DNS.NXBursts.Unfollowed = 7
		total += 7
		sums = append(sums, s)
	}
	for _, order := range orders(len(sums)) {
		o, m := overviewOf(t, sums, order)
		what := fmt.Sprint("order ", order)
		b := m.DNS.NXBursts
		if len(o.dns.bursts.clients) > 2*maxNXClients || len(b.Clients) != maxNXClients {
			t.Fatalf("%s: the overview holds %d clients, lists %d; want at most %d, %d", what, len(o.dns.bursts.clients), len(b.Clients), 2*maxNXClients, maxNXClients)
		}
		listed := b.Unfollowed
		for i, c := range b.Clients {
			listed += c.NXDomain
			if i < heavy {
				k := heavy - 1 - i // by peak desc
				if c.Client != boundIP(k).String() || c.NXDomain != 15000 || c.Peak60s != int64(1000+k+2) || c.PeakStart != "2026-12-03T00:00:00Z" {
					t.Fatalf("%s: client %d is %+v, want %s with 15000 answers, peak %d of the third capture", what, i, c, boundIP(k), 1000+k+2)
				}
			}
		}
		if listed != total || b.Unfollowed <= 21 {
			t.Errorf("%s: %d answers listed or unfollowed (%d), want %d, some cut", what, listed, b.Unfollowed, total)
		}
	}
}

// TestOverviewBoundsDNSTiming merges 3 Summaries of maxTimedServers timed
// DNS servers each: 96 in all three with many queries, and 4,000 of their
// own (12,096 in all): the overview holds at most twice the bound, lists
// the bound, the 96 with the sums of their counts and histograms, says
// the list is cut, and its totals count every server.
func TestOverviewBoundsDNSTiming(t *testing.T) {
	const heavy = 96
	var queries int64
	var sums []*Summary
	for c := range 3 {
		s := boundSummary(c)
		tm := &s.DNS.Timing
		for i := range heavy {
			tm.Servers = append(tm.Servers, DNSServerTiming{Server: boundIP(i).String(), Queries: int64(10_000 + i), Answered: int64(10_000 + i),
				Histogram: []DNSRTTBucket{{Bucket: 200 + c, Count: int64(10_000 + i)}}})
			tm.Queries += int64(10_000 + i)
		}
		for i := range maxTimedServers - heavy {
			tm.Servers = append(tm.Servers, DNSServerTiming{Server: boundIP(1000 + c*10_000 + i).String(), Queries: 1, Answered: 1,
				Histogram: []DNSRTTBucket{{Bucket: 100, Count: 1}}})
			tm.Queries++
		}
		tm.Answered = tm.Queries
		tm.Histogram = []DNSRTTBucket{{Bucket: 100, Count: maxTimedServers - heavy}, {Bucket: 200 + c, Count: tm.Queries - (maxTimedServers - heavy)}}
		queries += tm.Queries
		sums = append(sums, s)
	}
	for _, order := range orders(len(sums)) {
		o, m := overviewOf(t, sums, order)
		what := fmt.Sprint("order ", order)
		tm := m.DNS.Timing
		if len(o.dns.timing.servers) > 2*maxTimedServers || len(o.dns.timing.hists) > 2*maxTimedServers+1 || len(tm.Servers) != maxTimedServers || !tm.ServersTruncated {
			t.Fatalf("%s: the overview holds %d servers, lists %d, truncated %v; want at most %d, %d, true",
				what, len(o.dns.timing.servers), len(tm.Servers), tm.ServersTruncated, 2*maxTimedServers, maxTimedServers)
		}
		if tm.Queries != queries || tm.Answered != queries {
			t.Errorf("%s: %d queries, %d answered; want %d", what, tm.Queries, tm.Answered, queries)
		}
		for i, s := range tm.Servers[:heavy] {
			k := heavy - 1 - i
			q := int64(3 * (10_000 + k))
			want := []DNSRTTBucket{{200, int64(10_000 + k)}, {201, int64(10_000 + k)}, {202, int64(10_000 + k)}}
			if s.Server != boundIP(k).String() || s.Queries != q || s.Answered != q || !slices.Equal(s.Histogram, want) {
				t.Fatalf("%s: server %d is %+v, want %s with %d queries, histogram %v", what, i, s, boundIP(k), q, want)
			}
		}
	}
}

// TestOverviewBoundsScanners merges 60 Summaries of MaxScanners TCP
// scanners each: 10 in all of them, scanning 200 targets of their own in
// each capture, and 40 of their own with 60 to 99 targets (2,410 sources
// in all): the overview follows at most scanSources sources, and lists
// exactly what the analysis of all the scans as one would: the same
// counts and sketches.
func TestOverviewBoundsScanners(t *testing.T) {
	const captures, heavy = 60, 10
	whole := map[netip.Addr]*scanCount{}
	scan := func(c *scanCount, src netip.Addr, first, n int) {
		w := whole[src]
		if w == nil {
			w = &scanCount{}
			whole[src] = w
		}
		for i := first; i < first+n; i++ {
			dst := netip.AddrFrom4([4]byte{172, 16, byte(i >> 8), byte(i)})
			c.add(dst, uint16(1+i%1000), i%3 == 0, 0)
			w.add(dst, uint16(1+i%1000), i%3 == 0, 0)
		}
	}
	var sums []*Summary
	for c := range captures {
		s := boundSummary(c)
		for i := range MaxScanners {
			var sc scanCount
			src := boundIP(i)
			if i < heavy {
				scan(&sc, src, c*200, 200)
			} else {
				src = boundIP(1000 + c*100 + i)
				scan(&sc, src, 50_000+c*100, 60+(c+i)%40)
			}
			x, ok := sc.scanner(src)
			if !ok {
				t.Fatalf("%s: %d targets, not a scanner", src, sc.targets.estimate())
			}
			s.Conversations.Scanners = append(s.Conversations.Scanners, x)
		}
		sums = append(sums, s)
	}
	if len(whole) <= scanSources {
		t.Fatalf("%d scanners: the test must pass the bound %d", len(whole), scanSources)
	}
	var want []Scanner
	for a, c := range whole {
		x, _ := c.scanner(a)
		want = append(want, x)
	}
	want = sortScanners(want)
	for _, order := range orders(len(sums)) {
		o, m := overviewOf(t, sums, order)
		what := fmt.Sprint("order ", order)
		if len(o.conv.scans) > scanSources {
			t.Errorf("%s: the overview follows %d scanners", what, len(o.conv.scans))
		}
		got := m.Conversations.Scanners
		if len(got) != len(want) {
			t.Fatalf("%s: %d scanners, want %d", what, len(got), len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.Source != w.Source || g.Conversations != w.Conversations || g.Failed != w.Failed || g.Targets != w.Targets ||
				g.Hosts != w.Hosts || g.Ports != w.Ports || g.Sketch != w.Sketch {
				t.Fatalf("%s: scanner %d is %+v, want %+v", what, i, g, w)
			}
		}
		if got[0].Conversations != captures*200 {
			t.Errorf("%s: the first scanner opened %d conversations, want %d", what, got[0].Conversations, captures*200)
		}
	}
}

// TestOverviewNamesPerAddressNotTruncated: an address given 12 names by
// two captures lists its 10 first, and names_truncated stays false, as in
// one capture, where it means the 100,000 addresses or 16 MiB.
func TestOverviewNamesPerAddressNotTruncated(t *testing.T) {
	var sums []*Summary
	for c := range 2 {
		s := boundSummary(c)
		n := Name{IP: "192.0.2.7"}
		for k := range 6 {
			n.Names = append(n.Names, fmt.Sprintf("%c%d.example", 'a'+c, k))
		}
		s.Names = []Name{n}
		sums = append(sums, s)
	}
	for _, order := range orders(2) {
		_, m := overviewOf(t, sums, order)
		want := []string{"a0.example", "a1.example", "a2.example", "a3.example", "a4.example", "a5.example",
			"b0.example", "b1.example", "b2.example", "b3.example"}
		if m.NamesTruncated || len(m.Names) != 1 || !slices.Equal(m.Names[0].Names, want) {
			t.Errorf("order %v: names %v, truncated %v; want %v, false", order, m.Names, m.NamesTruncated, want)
		}
	}
}
