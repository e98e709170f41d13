package analyze

// quicMerger merges the QUIC part of TLS (quic.go) across captures, within
// the same bounds as one capture's.
type quicMerger struct {
	initials, decrypted, hellos     int64
	versions, names, alpn, failures map[string]int64
}

func (m *quicMerger) add(q *QUIC) {
	if m.versions == nil {
		m.versions, m.names, m.alpn, m.failures = map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}
	}
	m.initials += q.Initials
	m.decrypted += q.Decrypted
	m.hellos += q.ClientHellos
	addCounts(m.versions, q.Versions)
	addCountsMax(m.names, q.ServerNames, maxQUICNames)
	addCountsMax(m.alpn, q.ALPN, maxQUICNames)
	addCounts(m.failures, q.Failures)
}

func (m *quicMerger) result() QUIC {
	return QUIC{Initials: m.initials, Decrypted: m.decrypted, ClientHellos: m.hellos,
		Versions: sortedCounts(m.versions), ServerNames: sortedCounts(m.names), ALPN: sortedCounts(m.alpn),
		Failures: sortedCounts(m.failures)}
}
