package analyze

import "slices"

// certMerger merges the TLS certificates of Summaries, as certs (certs.go)
// builds them for one capture: counts add up, certificates are merged by
// SHA-256 with their flags or-ed and their servers and server names
// united, each list cut at the bounds of one capture.
type certMerger struct {
	sum   TLSCertificates // the counts; List unused
	list  map[string]*Certificate
	bytes int // text of the certificates kept, as certs.bytes
}

func newCertMerger() certMerger { return certMerger{list: map[string]*Certificate{}} }

func (m *certMerger) add(t *TLSCertificates) {
	s := &m.sum
	s.Messages += t.Messages
	s.Seen += t.Seen
	s.Unlisted += t.Unlisted
	s.Malformed += t.Malformed
	s.Incomplete += t.Incomplete
	s.ParseErrors += t.ParseErrors
	s.Skipped += t.Skipped
	for i := range t.List {
		c := &t.List[i]
		have := m.list[c.SHA256]
		if have == nil {
			if len(m.list) >= maxCertificates || m.bytes >= maxCertBytes {
				s.Unlisted += c.Count
				continue
			}
			n := *c
			n.DNSNames = slices.Clone(nonNil(c.DNSNames))
			n.IPAddresses = slices.Clone(nonNil(c.IPAddresses))
			n.Servers, n.ServerNames = []string{}, []string{}
			n.Count = 0
			have = &n
			m.list[c.SHA256] = have
			m.bytes += certTextBytes(c)
		}
		have.Count += c.Count
		have.Leaf = have.Leaf || c.Leaf
		have.Expired = have.Expired || c.Expired
		have.NotYetValid = have.NotYetValid || c.NotYetValid
		have.Servers, have.ServersCut = unite(have.Servers, c.Servers, have.ServersCut || c.ServersCut)
		have.ServerNames, have.ServerNamesCut = unite(have.ServerNames, c.ServerNames, have.ServerNamesCut || c.ServerNamesCut)
	}
}

// unite adds the strings of b missing from a, up to maxCertServers, and
// reports whether any was left out (or cut already was).
func unite(a, b []string, cut bool) ([]string, bool) {
	for _, x := range b {
		if slices.Contains(a, x) {
			continue
		}
		if len(a) >= maxCertServers {
			cut = true
			continue
		}
		a = append(a, x)
	}
	slices.Sort(a)
	return a, cut
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// certTextBytes is the text of c counted against maxCertBytes.
func certTextBytes(c *Certificate) int {
	n := len(c.Subject) + len(c.Issuer) + len(c.Serial) + len(c.Error)
	for _, s := range c.DNSNames {
		n += len(s)
	}
	for _, s := range c.IPAddresses {
		n += len(s)
	}
	return n
}

func (m *certMerger) result() TLSCertificates {
	out := m.sum
	out.List = make([]Certificate, 0, len(m.list))
	for _, c := range m.list {
		out.List = append(out.List, *c)
	}
	sortCertificates(out.List)
	return out
}
