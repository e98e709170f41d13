package analyze

import (
	"bytes"
	"math"
	"math/bits"
	"math/rand/v2"
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

// TestHLLSparseSameAsDense: a sketch that keeps its first registers as
// pairs holds, at every step, the registers of a plain array of hllRegs
// that saw the same hashes and merges (the form the sketches had before
// they were kept sparse), so that its estimate and its JSON are the same.
// The merges include registers no real hash gives (up to 255), as a
// hostile Summary may carry.
func TestHLLSparseSameAsDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 2000 {
		var h hll
		var ref [hllRegs]uint8
		steps := rng.IntN(40)
		for range steps {
			if rng.IntN(8) == 0 {
				o := make([]byte, hllRegs)
				for range rng.IntN(6) {
					o[rng.IntN(hllRegs)] = uint8(rng.IntN(256))
				}
				h.merge(o)
				for i, r := range o {
					ref[i] = max(ref[i], r)
				}
				continue
			}
			// Few distinct values, so that registers repeat.
			x := uint64(rng.IntN(30)) * 0x9e3779b97f4a7c15
			h.add(x)
			y := x
			y ^= y >> 33
			y *= 0xff51afd7ed558ccd
			y ^= y >> 33
			y *= 0xc4ceb9fe1a85ec53
			y ^= y >> 33
			i := y >> (64 - hllBits)
			ref[i] = max(ref[i], uint8(bits.LeadingZeros64(y<<hllBits|1<<(hllBits-1))+1))
		}
		var got [hllRegs]uint8
		h.registers(&got)
		if got != ref {
			t.Fatalf("round %d: registers differ from the array's", round)
		}
		if e, w := h.estimate(), refEstimate(&ref); e != w {
			t.Fatalf("round %d: estimate %d, the array gives %d", round, e, w)
		}
		if !bytes.Equal(h.appendRegisters(nil), ref[:]) {
			t.Fatalf("round %d: JSON registers differ", round)
		}
	}
	// Sketches of a few registers take no array.
	var h hll
	for i := range hllSparse {
		h.set(i, 1)
	}
	if h.dense != nil {
		t.Errorf("%d registers set: took an array", hllSparse)
	}
	h.set(hllSparse, 1)
	if h.dense == nil || h.dense[0] != 1 || h.dense[hllSparse] != 1 {
		t.Errorf("%d registers set: no array, or the array lost a register", hllSparse+1)
	}
}

// refEstimate is estimate over a plain array, as it was written before
// the sketches were kept sparse.
func refEstimate(h *[hllRegs]uint8) int64 {
	sum, zeros := 0.0, 0
	for _, r := range h {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	m := float64(hllRegs)
	e := 0.7213 / (1 + 1.079/m) * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros))
	}
	return int64(math.Round(e))
}
