package analyze

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// An overview's heavy-hitter lists (sources, destinations, IP and
// transport conversations, DNS query names) keep at most as many keys as
// one capture's: Overview.keys, max(Options.Keys, DefaultKeys). Without a
// bound, a batch of floods holds the union of every capture's 20,000 keys
// a list, and its memory grows with the number of captures (eight 10 MB
// floods of `gencap -cardinality high`: 480,000 rows, 450-550 MB of RSS).
//
// Up to the bound a merged list is exact, as one capture's is. Past it,
// after each Summary is added, the list is cut back to the bound: the keys
// of lowest excess (below) go, as the lightest keys of a Space-Saving list
// lose their slot. The bounds stay those of bounds (hitters_merge.go),
// with one more term:
//
//   - a key's excess is its count plus its own errors less the max_errors
//     of the estimated lists that listed it (count + perr - seen): its true
//     count over the Summaries added so far is at most its excess plus the
//     sum E of their lists' max_errors;
//   - X is the largest excess of any key cut so far (XB for bytes): a key
//     cut had at most X + E, E of the Summaries added by then;
//   - a key that comes in after a cut may be one cut before: it starts
//     with X (and XB) as its error, so its error still covers what it
//     counted before it was cut;
//   - a key not listed has at most E + X: the overview's max_error of the
//     list (Estimate.MaxError), E summed over every Summary added.
//
// Which keys are cut depends on the order the Summaries are added, as a
// Space-Saving list depends on the order of packets: batch mode adds them
// in path order, whatever order its workers finish in.

// keyCap is what an overview's cuts of one list left out.
type keyCap struct {
	dropped           int64 // keys cut
	excess, excessBys int64 // X and XB: the largest excess of a key cut
}

// start is the bounds a key new to the list starts with.
func (c *keyCap) start() bounds { return bounds{perr: c.excess, berr: c.excessBys} }

// capped is a key of a list being cut: its excess and its index.
type capped[K any] struct {
	k         K
	x, xBytes int64
}

// trimKeys cuts m to its n keys of highest excess (ties by compare, the
// key's order in the list) and notes what it cut in c. get returns a
// key's packets (or queries), bytes and bounds; drop, when not nil, is
// called with each value cut.
func trimKeys[K comparable, V any](m map[K]V, n int, c *keyCap, get func(V) (int64, int64, *bounds), compare func(x, y K) int, drop func(V)) {
	if len(m) <= n {
		return
	}
	keys := make([]capped[K], 0, len(m))
	for k, v := range m {
		p, b, bd := get(v)
		keys = append(keys, capped[K]{k, p + bd.perr - bd.seen, b + bd.berr - bd.seenBy})
	}
	slices.SortFunc(keys, func(x, y capped[K]) int {
		return cmp.Or(cmp.Compare(y.x, x.x), compare(x.k, y.k))
	})
	for _, k := range keys[n:] {
		c.excess = max(c.excess, k.x)
		c.excessBys = max(c.excessBys, k.xBytes)
		c.dropped++
		if drop != nil {
			drop(m[k.k])
		}
		delete(m, k.k)
	}
}

// Overview.caps indexes, one per capped list.
const (
	capSources = iota
	capDestinations
	capIPConversations
	capTransportConversations
	capDNSQueries
	numCaps
)

var capLists = [numCaps]struct{ list, unit string }{
	{ListSources, "packets"}, {ListDestinations, "packets"},
	{ListIPConversations, "packets"}, {ListTransportConversations, "packets"},
	{ListDNSQueries, "queries"},
}

func getEndpoint(c *endpointCount) (int64, int64, *bounds) { return c.packets, c.bytes, &c.bounds }
func getConv(c *mergedConv) (int64, int64, *bounds) {
	return c.packetsAB + c.packetsBA, c.bytesAB + c.bytesBA, &c.bounds
}
func getQuery(q *mergedQuery) (int64, int64, *bounds) { return q.count, 0, &q.bounds }

func comparePairs(x, y pairKey) int { return cmp.Or(x.a.Compare(y.a), x.b.Compare(y.b)) }
func compareFlows(x, y flowKey) int {
	return cmp.Or(cmp.Compare(x.proto, y.proto), x.a.Compare(y.a), cmp.Compare(x.aPort, y.aPort),
		x.b.Compare(y.b), cmp.Compare(x.bPort, y.bPort))
}

// trim cuts the overview's heavy-hitter lists to o.keys keys each.
func (o *Overview) trim() {
	n := o.keys
	trimKeys(o.src, n, &o.caps[capSources], getEndpoint, netip.Addr.Compare, nil)
	trimKeys(o.dst, n, &o.caps[capDestinations], getEndpoint, netip.Addr.Compare, nil)
	trimKeys(o.conv.pairs, n, &o.caps[capIPConversations], getConv, comparePairs, nil)
	// A transport conversation cut still counts in TransportTotal and in
	// TCPOutcomes, by its merged outcome.
	trimKeys(o.conv.flows, n, &o.caps[capTransportConversations], getConv, compareFlows, func(mc *mergedConv) {
		o.conv.unlisted++
		o.conv.outcomes[mc.o.outcome]++
	})
	trimKeys(o.dns.queries, n, &o.caps[capDNSQueries], getQuery, strings.Compare, nil)
}

// estimatesResult is the merged Estimates with the overview's own cuts:
// a list cut gets an Estimate (tracking o.keys) if no capture's was one,
// and its max_error grows by X (see above).
func (o *Overview) estimatesResult() []Estimate {
	out := o.estimates.result()
	for i, c := range o.caps {
		if c.dropped == 0 {
			continue
		}
		l := capLists[i]
		j := slices.IndexFunc(out, func(e Estimate) bool { return e.List == l.list })
		if j < 0 {
			out = append(out, Estimate{List: l.list, Unit: l.unit})
			j = len(out) - 1
		}
		e := &out[j]
		e.Tracked = max(e.Tracked, o.keys)
		e.Replaced += c.dropped
		e.MaxError += c.excess
		e.MaxErrorBytes += c.excessBys
	}
	slices.SortFunc(out, func(x, y Estimate) int { return strings.Compare(x.List, y.List) })
	return out
}

// An overview's DNS clients, servers and NXDOMAIN, mDNS and LLMNR names
// are bounded as one capture's (dnsCounter): at most maxKeys of each, and
// maxListBytes of names in all; past that, a new key's count is in the
// totals and in a warning, not listed. Keys already listed keep exact
// counts. Its answers keep the maxAnswers first (by name, type and data),
// the only ones it lists.

// addNames adds a Summary's counts by name to m, one of d's name lists.
func (d *dnsMerger) addNames(m map[string]int64, cs []Count) {
	for _, c := range cs {
		if _, ok := m[c.Name]; ok {
			m[c.Name] += c.Count
			continue
		}
		if len(m) >= maxKeys || d.listBytes+int64(len(c.Name)) > maxListBytes {
			d.untracked += c.Count
			continue
		}
		m[c.Name] = c.Count
		d.listBytes += int64(len(c.Name))
	}
}

// addAddrs adds a Summary's counts by address to m, d's clients or servers.
func (d *dnsMerger) addAddrs(m map[netip.Addr]int64, cs []IPCount) error {
	n, err := addIPCounts(m, cs)
	d.untracked += n
	return err
}

// trimAnswers keeps the maxAnswers first answers once there are twice as
// many: an answer past them has maxAnswers before it for good, so it could
// never be listed, and its count is not needed. The answers listed, and
// their counts, are those of the whole union.
func (d *dnsMerger) trimAnswers() {
	if len(d.answers) <= 2*maxAnswers {
		return
	}
	keys := make([]answerKey, 0, len(d.answers))
	for k := range d.answers {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareAnswers)
	for _, k := range keys[maxAnswers:] {
		delete(d.answers, k)
	}
	d.answersTruncated = true
}

func compareAnswers(x, y answerKey) int {
	return cmp.Or(strings.Compare(x.name, y.name), strings.Compare(x.typ, y.typ), strings.Compare(x.data, y.data))
}

// overviewWarnings are the overview's own warnings: what its bounds left
// out of its lists.
func (o *Overview) overviewWarnings() []string {
	var w []string
	if n := o.dns.untracked; n > 0 {
		w = append(w, fmt.Sprintf("overview: more than %d distinct DNS clients, servers or names of one kind in the captures merged (or 16 MiB of NXDOMAIN, mDNS and LLMNR names): %d of their counts are in the totals but not listed", maxKeys, n))
	}
	if s := o.arp.warning(" in the captures merged"); s != "" {
		w = append(w, "overview: "+s)
	}
	if n := o.ports.unexpectedCut; n > 0 {
		w = append(w, "overview: "+unexpectedWarning(" in the captures merged", n))
	}
	return w
}
