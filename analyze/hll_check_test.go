package analyze

import (
	"math"
	"net/netip"
	"testing"
)

// TestHLLEstimates checks the sketches' estimates against exact counts:
// ports 1..n, hosts of a /16 and (host, port) pairs, n from 10 to 20,000.
func TestHLLEstimates(t *testing.T) {
	for _, n := range []int{10, 50, 100, 300, 1000, 3000, 20000} {
		var ports, hosts, targets hll
		for i := range n {
			ports.add(uint64(uint16(i+1)) * 0x9e3779b97f4a7c15)
			h := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
			hosts.add(addrHash(h, 0))
			targets.add(addrHash(netip.AddrFrom4([4]byte{10, 0, 0, byte(i % 7)}), uint16(i)))
		}
		for name, h := range map[string]*hll{"ports": &ports, "hosts": &hosts, "targets": &targets} {
			e := h.estimate()
			if n > 65535 && name == "ports" {
				continue
			}
			rel := math.Abs(float64(e)-float64(n)) / float64(n)
			t.Logf("%s n=%d est=%d (%.1f%%)", name, n, e, 100*rel)
			if rel > 0.12 { // 512 registers: a standard error of 4.6%; 12% is past 2.5 of them
				t.Errorf("%s: %d distinct, estimated %d", name, n, e)
			}
		}
	}
}
