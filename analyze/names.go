package analyze

import (
	"cmp"
	"encoding/binary"
	"maps"
	"net/netip"
	"slices"
	"strings"
)

// passiveNames maps IP addresses to the names the capture itself gives
// them: A and AAAA answers, TLS server names and HTTP Host headers sent to
// the address. It never looks anything up.
type passiveNames struct {
	m     map[netip.Addr]map[string]struct{}
	buf   []byte
	cut   []byte // scratch
	bytes int64  // length of the names kept
	full  bool   // a name was not kept for maxKeys or maxNameBytes
}

// maxNameBytes bounds the length of all passive names kept: 100,000
// addresses of MaxNamesPerIP names of MaxNameLen bytes would be 250 MB.
// 16 MiB is over 500,000 names of 30 bytes.
const maxNameBytes = 16 << 20

func newPassiveNames() passiveNames {
	return passiveNames{m: map[netip.Addr]map[string]struct{}{}, buf: make([]byte, 0, 256)}
}

// add records name for ip: lower-cased, without a trailing dot, cut to
// MaxNameLen, at most MaxNamesPerIP names per address. Seeing a known pair
// allocates nothing.
func (p *passiveNames) add(ip netip.Addr, name []byte) {
	b := appendName(p.buf[:0], name)
	p.buf = b
	if len(b) == 0 {
		return
	}
	if len(b) > MaxNameLen {
		p.cut, _ = appendCut(p.cut[:0], b, MaxNameLen)
		b = p.cut
	}
	set := p.m[ip]
	if set == nil {
		if len(p.m) >= maxKeys {
			p.full = true
			return
		}
		set = map[string]struct{}{}
		p.m[ip] = set
	}
	if _, ok := set[string(b)]; ok || len(set) >= MaxNamesPerIP {
		return
	}
	if p.bytes+int64(len(b)) > maxNameBytes {
		p.full = true
		return
	}
	p.bytes += int64(len(b))
	set[string(b)] = struct{}{}
}

func (p *passiveNames) summary() []Name {
	ips := make([]netip.Addr, 0, len(p.m))
	for ip := range p.m {
		ips = append(ips, ip)
	}
	slices.SortFunc(ips, func(a, b netip.Addr) int { return a.Compare(b) })
	out := make([]Name, len(ips))
	for i, ip := range ips {
		names := make([]string, 0, len(p.m[ip]))
		for n := range p.m[ip] {
			names = append(names, n)
		}
		slices.Sort(names)
		out[i] = Name{IP: ip.String(), Names: slices.Clip(names[:min(len(names), MaxNamesPerIP)])}
	}
	return out
}

// merge adds a Summary's names to p, an overview's, within one capture's
// bounds (maxKeys addresses, MaxNamesPerIP names an address, maxNameBytes
// of names): what it keeps is the first in sorted order, addresses by
// address and an address's names by name, an order that does not depend
// on the order of adding. A name or address past the bounds is dropped
// for good (it has as many before it that stay); past maxKeys or
// maxNameBytes it sets full, as in one capture. So the
// names listed, up to the bounds, are those of the union of the Summaries
// whatever their order; only when the bytes bind may an address dropped
// come back with fewer names, as the names before it shrink.
func (p *passiveNames) merge(names []Name, truncated bool) error {
	for _, n := range names {
		ip, err := netip.ParseAddr(n.IP)
		if err != nil {
			return err
		}
		set := p.m[ip]
		if set == nil {
			set = map[string]struct{}{}
			p.m[ip] = set
		}
		for _, name := range n.Names {
			if _, ok := set[name]; ok {
				continue
			}
			set[name] = struct{}{}
			p.bytes += int64(len(name))
			if len(set) > 2*MaxNamesPerIP {
				p.trimNames(set)
			}
		}
		p.trimNames(set)
	}
	p.full = p.full || truncated
	p.trimMerged()
	return nil
}

// trimNames keeps the MaxNamesPerIP first names of set.
func (p *passiveNames) trimNames(set map[string]struct{}) {
	if len(set) <= MaxNamesPerIP {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(set))[MaxNamesPerIP:] {
		delete(set, name)
		p.bytes -= int64(len(name))
	}
}

// trimMerged keeps the maxKeys first addresses, and of them those whose
// names fit in maxNameBytes: past the first that does not fit, none.
func (p *passiveNames) trimMerged() {
	if len(p.m) <= maxKeys && p.bytes <= maxNameBytes {
		return
	}
	var used int64
	stop := false
	for i, ip := range slices.SortedFunc(maps.Keys(p.m), netip.Addr.Compare) {
		n := int64(0)
		for name := range p.m[ip] {
			n += int64(len(name))
		}
		if stop = stop || i >= maxKeys || used+n > maxNameBytes; stop {
			delete(p.m, ip)
			p.full = true
			continue
		}
		used += n
	}
	p.bytes = used
}

// appendField appends b to a composite map key, prefixed with its length,
// so that no byte of b (a NUL in a hostile Host header, say) can be taken
// for a field boundary. Building a key this way allocates nothing.
func appendField(key, b []byte) []byte {
	key = binary.AppendUvarint(key, uint64(len(b)))
	return append(key, b...)
}

// splitFields splits a key made of n appendField calls.
func splitFields(key string, n int) []string {
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		l, w := binary.Uvarint([]byte(key))
		if w <= 0 || uint64(len(key)-w) < l {
			break // not a key appendField made
		}
		out = append(out, key[w:w+int(l)])
		key = key[w+int(l):]
	}
	for len(out) < n {
		out = append(out, "")
	}
	return out
}

// appendName appends a DNS-style name to dst lower-cased (ASCII) and
// without a trailing dot: the form in which names are counted and shown.
func appendName(dst, name []byte) []byte {
	dst = lowerASCII(dst, name)
	if n := len(dst); n > 0 && dst[n-1] == '.' {
		dst = dst[:n-1]
	}
	return dst
}

// namedCounts lists counts with their clients, count desc then name asc.
func namedCounts(m map[string]*clientCount) []NamedCount {
	out := make([]NamedCount, 0, len(m))
	for name, c := range m {
		out = append(out, NamedCount{Name: name, Count: c.count, Clients: c.clientList(), ClientsTotal: c.clientsTotal})
	}
	sortNamedCounts(out)
	return out
}

func sortNamedCounts(xs []NamedCount) {
	slices.SortFunc(xs, func(x, y NamedCount) int {
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		return strings.Compare(x.Name, y.Name)
	})
}
