package analyze

import (
	"encoding/binary"
	"net/netip"
	"slices"
)

// passiveNames maps IP addresses to the names the capture itself gives
// them: A and AAAA answers, TLS server names and HTTP Host headers sent to
// the address. It never looks anything up.
type passiveNames struct {
	m   map[netip.Addr]map[string]struct{}
	buf []byte
}

func newPassiveNames() passiveNames {
	return passiveNames{m: map[netip.Addr]map[string]struct{}{}, buf: make([]byte, 0, 256)}
}

// add records name for ip: lower-cased, without a trailing dot, at most
// MaxNamesPerIP names per address. Seeing a known pair allocates nothing.
func (p *passiveNames) add(ip netip.Addr, name []byte) {
	b := p.buf[:0]
	for _, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	if n := len(b); n > 0 && b[n-1] == '.' {
		b = b[:n-1]
	}
	p.buf = b
	if len(b) == 0 {
		return
	}
	set := p.m[ip]
	if set == nil {
		set = map[string]struct{}{}
		p.m[ip] = set
	}
	if _, ok := set[string(b)]; ok || len(set) >= MaxNamesPerIP {
		return
	}
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
		out[i] = Name{IP: ip.String(), Names: names}
	}
	return out
}

// appendField appends b to a composite map key, prefixed with its length,
// so that no byte of b (a NUL in a hostile Host header, say) can be taken
// for a field boundary. Building a key this way allocates nothing.
func appendField(key, b []byte) []byte {
	key = binary.AppendUvarint(key, uint64(len(b)))
	return append(key, b...)
}

// appendFieldString is appendField for a string.
func appendFieldString(key []byte, s string) []byte {
	key = binary.AppendUvarint(key, uint64(len(s)))
	return append(key, s...)
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
