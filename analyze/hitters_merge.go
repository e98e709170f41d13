package analyze

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
)

// Merging what the heavy-hitter lists (hitters) give a Summary: the
// Estimates, the errors of the keys of estimated lists, and Sources and
// Destinations, whose per-capture lists endpointList (aggregate.go) makes.

// estimateMerger merges Summary.Estimates by list: a key missing from
// every capture's list may have up to the sum of their MaxErrors.
type estimateMerger map[string]*Estimate

func (m estimateMerger) add(es []Estimate) {
	for _, e := range es {
		me := m[e.List]
		if me == nil {
			me = &Estimate{List: e.List, Unit: e.Unit}
			m[e.List] = me
		}
		me.Tracked = max(me.Tracked, e.Tracked)
		me.Replaced += e.Replaced
		me.MaxError += e.MaxError
		me.MaxErrorBytes += e.MaxErrorBytes
	}
}

// result lists the merged estimates by list name.
func (m estimateMerger) result() []Estimate {
	out := make([]Estimate, 0, len(m))
	for _, e := range m {
		out = append(out, *e)
	}
	slices.SortFunc(out, func(x, y Estimate) int { return strings.Compare(x.List, y.List) })
	return out
}

// byList indexes one Summary's estimates by list; a list not there is
// exact (a zero Estimate).
func byList(es []Estimate) map[string]Estimate {
	m := make(map[string]Estimate, len(es))
	for _, e := range es {
		m[e.List] = e
	}
	return m
}

// bounds is what a merged key may miss: the errors of the lists that
// listed it, plus, in seen, the max_error of those lists. A key missing
// from an estimated list of another capture may still have had up to that
// list's max_error there, so the overview adds its total max_error minus
// seen (errors).
type bounds struct {
	perr, berr   int64
	seen, seenBy int64 // max_error and max_error_bytes of the estimated lists that listed the key
}

func (b *bounds) add(perr, berr int64, e Estimate) {
	b.perr += perr
	b.berr += berr
	b.seen += e.MaxError
	b.seenBy += e.MaxErrorBytes
}

// errors returns the key's packet and byte errors in the overview whose
// merged estimate of the list is e (nil when no capture estimated it).
func (b *bounds) errors(e *Estimate) (int64, int64) {
	if e == nil {
		return b.perr, b.berr
	}
	return b.perr + e.MaxError - b.seen, b.berr + e.MaxErrorBytes - b.seenBy
}

// endpointMerger merges Sources (or Destinations) by address.
type endpointMerger map[netip.Addr]*endpointCount

// endpointCount is an address's packets and bytes in an Overview, with
// what they may miss when a capture's list was estimated.
type endpointCount struct {
	packets, bytes int64
	bounds
}

// add merges eps, a Summary's list, estimated as e (zero when exact); an
// address new to the list starts with the bounds start (keyCap.start).
func (m endpointMerger) add(eps []Endpoint, e Estimate, start bounds) error {
	for _, ep := range eps {
		ip, err := netip.ParseAddr(ep.IP)
		if err != nil {
			return err
		}
		c := m[ip]
		if c == nil {
			c = &endpointCount{bounds: start}
			m[ip] = c
		}
		c.packets += ep.Packets
		c.bytes += ep.Bytes
		c.bounds.add(ep.PacketsError, ep.BytesError, e)
	}
	return nil
}

// result orders the endpoints as endpointList does: packets desc, then
// address. est is the overview's estimate of the list, or nil.
func (m endpointMerger) result(est *Estimate) []Endpoint {
	type kv struct {
		ip netip.Addr
		c  *endpointCount
	}
	tmp := make([]kv, 0, len(m))
	for ip, c := range m {
		tmp = append(tmp, kv{ip, c})
	}
	slices.SortFunc(tmp, func(x, y kv) int {
		return cmp.Or(cmp.Compare(y.c.packets, x.c.packets), x.ip.Compare(y.ip))
	})
	out := make([]Endpoint, len(tmp))
	for i, e := range tmp {
		perr, berr := e.c.errors(est)
		out[i] = Endpoint{IP: e.ip.String(), Packets: e.c.packets, Bytes: e.c.bytes, PacketsError: perr, BytesError: berr}
	}
	return out
}
