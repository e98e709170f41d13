package analyze

import "net/netip"

// nxBurstMerger merges DNS.NXBursts: a client's answers add up; its peak
// is the highest of the captures' (with that capture's window, reverse
// count and names), not a sum, as ARP's Peak10s: two captures of the same
// minute (two sensors) would otherwise count it twice. The merged list
// keeps the maxNXClients clients of highest peak; the answers of those
// cut are counted in Unfollowed.
//
// It holds at most twice that: past it, after a Summary is added, it is
// cut back to the maxNXClients first as result lists them. Up to that many
// clients in the union the list is exact and does not depend on the order
// of adding; past it, a client cut and seen again later lists only what it
// got since (the rest is in Unfollowed), as one capture lists the first
// maxNXClients clients to come, and batch mode adds in path order.
type nxBurstMerger struct {
	clients    map[string]*DNSNXClient
	unfollowed int64
}

func newNXBurstMerger() nxBurstMerger { return nxBurstMerger{clients: map[string]*DNSNXClient{}} }

func (m *nxBurstMerger) add(b *DNSNXBursts) error {
	m.unfollowed += b.Unfollowed
	for i := range b.Clients {
		c := &b.Clients[i]
		if _, err := netip.ParseAddr(c.Client); err != nil {
			return err
		}
		mc := m.clients[c.Client]
		if mc == nil {
			mc = &DNSNXClient{Client: c.Client, PeakNames: []string{}}
			m.clients[c.Client] = mc
		}
		mc.NXDomain += c.NXDomain
		if c.Peak60s > mc.Peak60s || (c.Peak60s == mc.Peak60s && c.Peak60s > 0 && c.PeakStart < mc.PeakStart) {
			mc.Peak60s, mc.PeakStart, mc.PeakReverse = c.Peak60s, c.PeakStart, c.PeakReverse
			mc.PeakNames = append(mc.PeakNames[:0], c.PeakNames[:min(len(c.PeakNames), maxNXNames)]...)
			mc.PeakNamesMore = c.PeakNamesMore || len(c.PeakNames) > maxNXNames
		}
	}
	if len(m.clients) > 2*maxNXClients {
		cs := make([]DNSNXClient, 0, len(m.clients))
		for _, c := range m.clients {
			cs = append(cs, *c)
		}
		sortNXClients(cs)
		for _, c := range cs[maxNXClients:] {
			m.unfollowed += c.NXDomain
			delete(m.clients, c.Client)
		}
	}
	return nil
}

func (m *nxBurstMerger) result() DNSNXBursts {
	out := DNSNXBursts{Unfollowed: m.unfollowed, Clients: make([]DNSNXClient, 0, len(m.clients))}
	for _, c := range m.clients {
		out.Clients = append(out.Clients, *c)
	}
	sortNXClients(out.Clients)
	if len(out.Clients) > maxNXClients {
		for _, c := range out.Clients[maxNXClients:] {
			out.Unfollowed += c.NXDomain
		}
		out.Clients = out.Clients[:maxNXClients]
	}
	return out
}
