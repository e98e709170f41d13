package analyze

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"math"
	"math/bits"
	"net/netip"
	"slices"
)

// Scanner is a source that opened TCP connections (a SYN without ACK) to
// many distinct targets (host and port pairs). The distinct counts are
// estimates (a HyperLogLog sketch of 512 registers each: within about 5%,
// closer below 1,000).
type Scanner struct {
	Source string `json:"source"`
	// Conversations counts the TCP conversations the source opened;
	// Failed, those of them with no answer or rejected by RST.
	Conversations int64 `json:"conversations"`
	Failed        int64 `json:"failed"`
	// Hosts, Ports and Targets estimate the distinct destination hosts,
	// ports, and (host, port) pairs of those conversations.
	Hosts   int64 `json:"hosts"`
	Ports   int64 `json:"ports"`
	Targets int64 `json:"targets"`
	// TopHosts and TopPorts are the hosts and ports tried most, with
	// how often (at most 4 each, counted by Space-Saving: a count may
	// include up to that of a host or port that lost its place).
	TopHosts []IPCount   `json:"top_hosts"`
	TopPorts []PortCount `json:"top_ports"`
	// Sketch holds the three sketches (hosts, ports, targets), base64, so
	// that merged Summaries count distinct targets across captures.
	Sketch string `json:"sketch"`
	// Unreachable counts, of the Failed, those answered by an ICMP or
	// ICMPv6 destination unreachable (of any code but fragmentation
	// needed) that quoted the probe.
	Unreachable int64 `json:"unreachable"`
	// TimeExceeded counts the probes answered by an ICMP time exceeded
	// (TTL or hop limit), as a traceroute's are. A UDP probe so answered
	// is not failed; a TCP one is (no answer).
	TimeExceeded int64 `json:"time_exceeded"`
}

// PortCount is a count by port.
type PortCount struct {
	Port  uint16 `json:"port"`
	Count int64  `json:"count"`
}

const (
	// ScanListMin is the fewest distinct targets that list a source
	// among Conversations.Scanners.
	ScanListMin = 50
	// MaxScanners bounds Conversations.Scanners.
	MaxScanners = 50
	// scanSources is how many sources the analysis follows (a heavy-hitter
	// summary by conversations opened): about 0.8 MB, and 512 bytes more
	// for each sketch past hllSparse registers.
	scanSources = 2048
	topN        = 4
	hllBits     = 9
	hllRegs     = 1 << hllBits
)

// top counts the few keys seen most, by Space-Saving with topN slots.
type top[K comparable] struct {
	key [topN]K
	n   [topN]int64
}

func (t *top[K]) add(k K, w int64) {
	low := 0
	for i := range t.key {
		if t.n[i] > 0 && t.key[i] == k {
			t.n[i] += w
			return
		}
		if t.n[i] < t.n[low] {
			low = i
		}
	}
	t.key[low] = k
	t.n[low] += w
}

// sorted lists the keys by count desc, then by cmp.
func (t *top[K]) sorted(less func(a, b K) int) []int {
	var idx []int
	for i := range t.key {
		if t.n[i] > 0 {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int {
		if o := cmp.Compare(t.n[b], t.n[a]); o != 0 {
			return o
		}
		return less(t.key[a], t.key[b])
	})
	return idx
}

// hll is a HyperLogLog sketch (Flajolet et al. 2007) of hllRegs registers.
//
// Most sources open conversations to a few hosts and ports: at the end of
// the generated 10 GB capture, 11,700 of the 12,288 sketches the two scan
// lists follow had 16 registers set or fewer. An array of 512 registers
// each made the lists' 4,096 slots 7.9 MB of the 60 MB live; so a sketch
// keeps its first hllSparse registers as (index, rank) pairs in place and
// takes its array only when one more is set. Both forms hold the same
// registers: estimates and the JSON's sketches are the same either way.
type hll struct {
	dense  *[hllRegs]uint8
	sparse [hllSparse]uint16 // index<<6 | rank, for registers set while dense is nil
	n      uint8             // pairs in sparse
}

// hllSparse is how many registers a sketch keeps as pairs: as many as
// make the sketch 32 bytes.
const hllSparse = 11

func (h *hll) add(x uint64) {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	// The rank is at most 64-hllBits+1 = 56: it fits a pair's 6 bits.
	r := uint8(bits.LeadingZeros64(x<<hllBits|1<<(hllBits-1)) + 1)
	h.set(int(x>>(64-hllBits)), r)
}

// set raises register i to r.
func (h *hll) set(i int, r uint8) {
	if h.dense == nil && r < 64 {
		for k, e := range h.sparse[:h.n] {
			if int(e>>6) == i {
				if r > uint8(e&63) {
					h.sparse[k] = uint16(i<<6) | uint16(r)
				}
				return
			}
		}
		if int(h.n) < len(h.sparse) {
			h.sparse[h.n] = uint16(i<<6) | uint16(r)
			h.n++
			return
		}
	}
	if h.dense == nil {
		// Past hllSparse registers, or a rank no pair holds (only a
		// merged sketch, read from JSON, can carry one).
		d := new([hllRegs]uint8)
		h.registers(d)
		h.dense, h.n = d, 0
	}
	h.dense[i] = max(h.dense[i], r)
}

// registers writes the sketch's registers into d.
func (h *hll) registers(d *[hllRegs]uint8) {
	if h.dense != nil {
		*d = *h.dense
		return
	}
	*d = [hllRegs]uint8{}
	for _, e := range h.sparse[:h.n] {
		d[e>>6] = uint8(e & 63)
	}
}

// merge raises each register to o's (the registers of a sketch as the
// JSON carries it).
func (h *hll) merge(o []byte) {
	for i, r := range o[:hllRegs] {
		if r != 0 {
			h.set(i, r)
		}
	}
}

// appendRegisters appends the sketch's hllRegs registers to b.
func (h *hll) appendRegisters(b []byte) []byte {
	var d [hllRegs]uint8
	h.registers(&d)
	return append(b, d[:]...)
}

// estimate is the sketch's count, by linear counting while registers are
// empty and small counts, else the HyperLogLog estimate.
func (h *hll) estimate() int64 {
	var d [hllRegs]uint8
	h.registers(&d)
	sum, zeros := 0.0, 0
	for _, r := range d {
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

// addrHash hashes an address and a port for the sketches.
func addrHash(a netip.Addr, port uint16) uint64 {
	b := a.As16()
	lo := uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
	hi := uint64(b[8])<<56 | uint64(b[9])<<48 | uint64(b[10])<<40 | uint64(b[11])<<32 |
		uint64(b[12])<<24 | uint64(b[13])<<16 | uint64(b[14])<<8 | uint64(b[15])
	return lo*0x9e3779b97f4a7c15 ^ hi*0xc2b2ae3d27d4eb4f ^ (uint64(port)+1)*0x165667b19e3779f9
}

// scanCount is what one source opened.
type scanCount struct {
	convs, failed         int64
	unreach, expired      int64
	hosts, ports, targets hll
	topHosts              top[netip.Addr]
	topPorts              top[uint16]
}

func (c *scanCount) add(server netip.Addr, port uint16, failed bool, answer uint8) {
	c.convs++
	if failed {
		c.failed++
		if answer&seenUnreach != 0 {
			c.unreach++
		}
	}
	if answer&seenExpired != 0 {
		c.expired++
	}
	c.hosts.add(addrHash(server, 0))
	c.ports.add(uint64(port) * 0x9e3779b97f4a7c15)
	c.targets.add(addrHash(server, port))
	c.topHosts.add(server, 1)
	c.topPorts.add(port, 1)
}

// scans follows the sources that open TCP connections, per conversation
// (not per packet), in bounded memory: scanSources sources at most.
type scans struct {
	src hitters[netip.Addr, scanCount]
}

func newScans() scans { return scans{src: newHitters[netip.Addr, scanCount](scanSources)} }

// add counts a conversation that client opened to server's port; answer
// holds the server's seenUnreach and seenExpired bits.
func (s *scans) add(client, server netip.Addr, port uint16, failed bool, answer uint8) {
	if s.src.capacity == 0 {
		return
	}
	i := s.src.slot(client)
	s.src.at(i).val.add(server, port, failed, answer)
	s.src.add(i)
}

func (s *scans) summary() []Scanner {
	out := []Scanner{}
	for _, e := range s.src.all() {
		if sc, ok := e.val.scanner(e.key); ok {
			out = append(out, sc)
		}
	}
	return sortScanners(out)
}

func (c *scanCount) scanner(src netip.Addr) (Scanner, bool) {
	t := c.targets.estimate()
	if t < ScanListMin {
		return Scanner{}, false
	}
	sc := Scanner{Source: src.String(), Conversations: c.convs, Failed: c.failed,
		Hosts: c.hosts.estimate(), Ports: c.ports.estimate(), Targets: t,
		Unreachable: c.unreach, TimeExceeded: c.expired, TopHosts: []IPCount{}, TopPorts: []PortCount{}}
	for _, i := range c.topHosts.sorted(netip.Addr.Compare) {
		sc.TopHosts = append(sc.TopHosts, IPCount{c.topHosts.key[i].String(), c.topHosts.n[i]})
	}
	for _, i := range c.topPorts.sorted(cmp.Compare[uint16]) {
		sc.TopPorts = append(sc.TopPorts, PortCount{c.topPorts.key[i], c.topPorts.n[i]})
	}
	b := make([]byte, 0, 3*hllRegs)
	b = c.targets.appendRegisters(c.ports.appendRegisters(c.hosts.appendRegisters(b)))
	sc.Sketch = base64.StdEncoding.EncodeToString(b)
	return sc, true
}

func sortScanners(out []Scanner) []Scanner {
	slices.SortFunc(out, func(x, y Scanner) int {
		if o := cmp.Compare(y.Targets, x.Targets); o != 0 {
			return o
		}
		return cmp.Compare(x.Source, y.Source)
	})
	return out[:min(len(out), MaxScanners)]
}

// scanMerger merges the Scanners of Summaries: counts add, sketches unite.
// It follows at most scanSources sources, as one capture does: past that,
// after a Summary is added, it keeps the scanSources/2 first as result
// sorts them (most targets first). Up to scanSources sources in the union
// it is exact and does not depend on the order of adding; past it, a
// source cut and seen again later counts only what it did since.
type scanMerger map[netip.Addr]*scanCount

func (m scanMerger) add(list []Scanner) error {
	for _, sc := range list {
		a, err := netip.ParseAddr(sc.Source)
		if err != nil {
			return fmt.Errorf("scanner %q: %v", sc.Source, err)
		}
		b, err := base64.StdEncoding.DecodeString(sc.Sketch)
		if err != nil || len(b) != 3*hllRegs {
			return fmt.Errorf("scanner %s: a sketch of %d bytes, not %d", sc.Source, len(b), 3*hllRegs)
		}
		c := m[a]
		if c == nil {
			c = &scanCount{}
			m[a] = c
		}
		c.convs += sc.Conversations
		c.failed += sc.Failed
		c.unreach += sc.Unreachable
		c.expired += sc.TimeExceeded
		for i, h := range []*hll{&c.hosts, &c.ports, &c.targets} {
			h.merge(b[i*hllRegs : (i+1)*hllRegs])
		}
		for _, h := range sc.TopHosts {
			a, err := netip.ParseAddr(h.IP)
			if err != nil {
				return fmt.Errorf("scanner %s: %v", sc.Source, err)
			}
			c.topHosts.add(a, h.Count)
		}
		for _, p := range sc.TopPorts {
			c.topPorts.add(p.Port, p.Count)
		}
	}
	if len(m) > scanSources {
		type ranked struct {
			a       netip.Addr
			src     string
			targets int64
		}
		rs := make([]ranked, 0, len(m))
		for a, c := range m {
			rs = append(rs, ranked{a, a.String(), c.targets.estimate()})
		}
		slices.SortFunc(rs, func(x, y ranked) int {
			return cmp.Or(cmp.Compare(y.targets, x.targets), cmp.Compare(x.src, y.src))
		})
		for _, r := range rs[scanSources/2:] {
			delete(m, r.a)
		}
	}
	return nil
}

func (m scanMerger) result() []Scanner {
	out := []Scanner{}
	for a, c := range m {
		if sc, ok := c.scanner(a); ok {
			out = append(out, sc)
		}
	}
	return sortScanners(out)
}
