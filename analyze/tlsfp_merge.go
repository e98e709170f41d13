package analyze

// fpMerger merges the TLS fingerprint lists of Summaries (TLS.JA4,
// TLS.JA3, TLS.FingerprintsTruncated) within the bounds of one capture's
// (tlsfp.go).
type fpMerger struct {
	ja4, ja3 map[string]*mergedFingerprint
	bytes4   int64 // raw strings and server names kept, per list, as fingerprints'
	bytes3   int64
	full     bool
}

type mergedFingerprint struct {
	raw   string
	q     *mergedQuery
	names map[string]int64 // at most fpNames
}

func newFPMerger() fpMerger {
	return fpMerger{ja4: map[string]*mergedFingerprint{}, ja3: map[string]*mergedFingerprint{}}
}

func (f *fpMerger) add(t *TLS) error {
	f.full = f.full || t.FingerprintsTruncated
	if err := f.addList(f.ja4, &f.bytes4, t.JA4); err != nil {
		return err
	}
	return f.addList(f.ja3, &f.bytes3, t.JA3)
}

func (f *fpMerger) addList(m map[string]*mergedFingerprint, used *int64, fps []TLSFingerprint) error {
	for i := range fps {
		fp := &fps[i]
		e := m[fp.Fingerprint]
		if e == nil {
			size := int64(len(fp.Raw))
			if len(m) >= maxFingerprints || *used+size > maxFingerprintBytes {
				f.full = true
				continue
			}
			*used += size
			e = &mergedFingerprint{raw: fp.Raw, q: newMergedQuery(), names: map[string]int64{}}
			m[fp.Fingerprint] = e
		}
		if err := e.q.add(fp.Count, fp.Clients, fp.ClientsTotal); err != nil {
			return err
		}
		for _, n := range fp.ServerNames {
			if _, ok := e.names[n.Name]; !ok {
				if len(e.names) >= fpNames {
					continue // only the first fpNames are kept, as in one capture
				}
				if *used+int64(len(n.Name)) > maxFingerprintBytes {
					f.full = true
					continue
				}
				*used += int64(len(n.Name))
			}
			e.names[n.Name] += n.Count
		}
	}
	return nil
}

func (f *fpMerger) result() (ja4s, ja3s []TLSFingerprint, truncated bool) {
	return mergedFPList(f.ja4), mergedFPList(f.ja3), f.full
}

func mergedFPList(m map[string]*mergedFingerprint) []TLSFingerprint {
	out := make([]TLSFingerprint, 0, len(m))
	for k, e := range m {
		clients, total := e.q.listed()
		fp := TLSFingerprint{Fingerprint: k, Raw: e.raw, Count: e.q.count, ServerNames: sortedCounts(e.names),
			Clients: clients[:min(len(clients), fewClients)], ClientsTotal: total}
		out = append(out, fp)
	}
	sortFingerprints(out)
	return out
}
