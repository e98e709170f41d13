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
