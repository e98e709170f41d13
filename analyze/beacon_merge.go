package analyze

// beaconMerger merges the beacons of Summaries: a pair's intervals cannot
// be joined across captures (the times are not kept), so the overview
// lists each (client, destination) pair once, as the capture that scored
// it best saw it (more connections breaking ties), best first, at most
// MaxBeacons: no more are held.
type beaconMerger map[beaconID]Beacon

type beaconID struct {
	client, server, proto string
	port                  uint16
}

func (m beaconMerger) add(bs []Beacon) {
	for _, b := range bs {
		id := beaconID{b.Client, b.Server, b.Proto, b.Port}
		if o, ok := m[id]; ok && (o.Score > b.Score || o.Score == b.Score && o.Connections >= b.Connections) {
			continue
		}
		m[id] = b
	}
	// Only the MaxBeacons best are listed; a pair cut here has as many
	// better ones, which stay, and its best can only take its place again
	// if it beats them: the overview is that of all pairs, in any order.
	if len(m) > MaxBeacons {
		all := make([]Beacon, 0, len(m))
		for _, b := range m {
			all = append(all, b)
		}
		kept := sortBeacons(all)
		clear(m)
		for _, b := range kept {
			m[beaconID{b.Client, b.Server, b.Proto, b.Port}] = b
		}
	}
}

func (m beaconMerger) result() []Beacon {
	out := make([]Beacon, 0, len(m))
	for _, b := range m {
		out = append(out, b)
	}
	return sortBeacons(out)
}
