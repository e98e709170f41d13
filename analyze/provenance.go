package analyze

import (
	"cmp"
	"slices"
	"strconv"
)

// Provenance says, in an overview, which captures each row of its main
// lists came from: for each of the first ProvenanceMaxRows rows of a list,
// the first ProvenanceCap captures
// holding it (by path) and how many hold it in all. It is not made by the
// merge but after it (ProvenanceBuilder), by reading each capture's
// Summary again once the overview's rows are known, so that it costs the
// rows kept times ProvenanceCap, however many captures are merged.
type Provenance struct {
	// Cap is the most captures a row lists (ProvenanceCap).
	Cap int `json:"cap"`
	// Captures are the captures the rows list, sorted by path, then
	// SHA-256, then report.
	Captures []ProvenanceCapture `json:"captures"`
	// Lists are the lists covered, in a fixed order (ProvenanceLists).
	Lists []ProvenanceList `json:"lists"`
}

// ProvenanceCapture is one capture a row came from.
type ProvenanceCapture struct {
	// Path is the capture's path, as its Summary has it.
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	// Report is the capture's report, slash-separated and relative to the
	// overview's report; empty when there is none to link to.
	Report string `json:"report"`
}

// ProvenanceList is the provenance of the rows of one list of the
// Summary, in the list's order.
type ProvenanceList struct {
	// List names the Summary's list, as the JSON writes it: "sources",
	// "conversations.ip", "dns.queries", "findings"...
	List string          `json:"list"`
	Rows []ProvenanceRow `json:"rows"`
	// Truncated is true when the list has more rows than
	// ProvenanceMaxRows: the rows past it have none.
	Truncated bool `json:"truncated"`
}

// ProvenanceRow is the provenance of one row.
type ProvenanceRow struct {
	// Key identifies the row (ProvenanceKey).
	Key string `json:"key"`
	// Captures index Provenance.Captures: the first Cap captures, in
	// its order, that hold the row.
	Captures []int `json:"captures"`
	// Total is how many captures hold the row.
	Total int64 `json:"total"`
}

// ProvenanceCap is the most captures a row of an overview lists.
const ProvenanceCap = 5

// ProvenanceMaxRows bounds the rows of each list that get a provenance:
// the first ones, in the list's order (the busiest). An overview merges
// its captures' lists whole, so a batch of floods can hold hundreds of
// thousands of rows; at about 150 bytes a row (collecting it, the result,
// the page's lookup) the bound keeps the provenance near 16 MiB.
const ProvenanceMaxRows = 10_000

// firstRows is keys cut to ProvenanceMaxRows.
func firstRows(keys []string) []string { return keys[:min(len(keys), ProvenanceMaxRows)] }

// provList is a list whose rows get a provenance: its name and the keys
// of its rows in a Summary, in the list's order.
type provList struct {
	name string
	keys func(s *Summary) []string
}

// provPair is an unordered pair of endpoints as one key.
func provPair(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return a + " " + b
}

func endpointKeys(eps []Endpoint) []string {
	k := make([]string, len(eps))
	for i, e := range eps {
		k[i] = e.IP
	}
	return k
}

func countKeys(cs []Count) []string {
	k := make([]string, len(cs))
	for i, c := range cs {
		k[i] = c.Name
	}
	return k
}

func portKeys(ps []Port) []string {
	k := make([]string, len(ps))
	for i, p := range ps {
		k[i] = strconv.Itoa(int(p.Port))
	}
	return k
}

// provLists are the lists with a provenance, in the order the JSON
// writes them. The keys are those of ProvenanceKey.
var provLists = []provList{
	{"sources", func(s *Summary) []string { return endpointKeys(s.Sources) }},
	{"destinations", func(s *Summary) []string { return endpointKeys(s.Destinations) }},
	{"conversations.ip", func(s *Summary) []string {
		k := make([]string, len(s.Conversations.IP))
		for i, c := range s.Conversations.IP {
			k[i] = provPair(c.A, c.B)
		}
		return k
	}},
	{"conversations.transport", func(s *Summary) []string {
		k := make([]string, len(s.Conversations.Transport))
		for i, c := range s.Conversations.Transport {
			k[i] = c.Proto + " " + provPair(c.A+" "+strconv.Itoa(int(c.APort)), c.B+" "+strconv.Itoa(int(c.BPort)))
		}
		return k
	}},
	{"hosts.list", func(s *Summary) []string {
		k := make([]string, len(s.Hosts.List))
		for i, h := range s.Hosts.List {
			k[i] = h.IP
		}
		return k
	}},
	{"ports.tcp", func(s *Summary) []string { return portKeys(s.Ports.TCP) }},
	{"ports.udp", func(s *Summary) []string { return portKeys(s.Ports.UDP) }},
	{"dns.queries", func(s *Summary) []string {
		k := make([]string, len(s.DNS.Queries))
		for i, q := range s.DNS.Queries {
			k[i] = q.Name
		}
		return k
	}},
	{"http.hosts", func(s *Summary) []string { return countKeys(s.HTTP.Hosts) }},
	{"tls.server_names", func(s *Summary) []string {
		k := make([]string, len(s.TLS.ServerNames))
		for i, n := range s.TLS.ServerNames {
			k[i] = n.Name
		}
		return k
	}},
	{"tls.ja4", func(s *Summary) []string {
		k := make([]string, len(s.TLS.JA4))
		for i, f := range s.TLS.JA4 {
			k[i] = f.Fingerprint
		}
		return k
	}},
}

// ProvenanceLists names the lists of a Provenance, in its order:
// those of provLists, then "findings".
func ProvenanceLists() []string {
	names := make([]string, 0, len(provLists)+1)
	for _, l := range provLists {
		names = append(names, l.name)
	}
	return append(names, "findings")
}

// ProvenanceKeys returns the keys of the rows of list (a ProvenanceLists
// name) in s, in the list's order: an address ("sources",
// "destinations", "hosts.list"), "A B" for an address pair with the lower
// address (as text) first, "proto A portA B portB" for a TCP/UDP
// conversation likewise ordered by endpoint, a port number, a DNS, HTTP
// or TLS name, a JA4; for "findings", the rule and title.
func ProvenanceKeys(s *Summary, list string) []string {
	if list == "findings" {
		k := make([]string, len(s.Findings))
		for i, f := range s.Findings {
			k[i] = f.Rule + " " + f.Title
		}
		return k
	}
	for _, l := range provLists {
		if l.name == list {
			return l.keys(s)
		}
	}
	return nil
}

// provRow is a row being collected: its captures (indexes of
// ProvenanceBuilder.caps, in capture order) and total.
type provRow struct {
	total int64
	n     uint8
	ids   [ProvenanceCap]int32
}

// ProvenanceBuilder collects an overview's Provenance from the captures'
// Summaries, one at a time, in any order: memory is the overview's rows
// times ProvenanceCap, plus the captures listed.
type ProvenanceBuilder struct {
	sum   *Summary
	index []map[string]int32 // by provLists: key -> row
	rows  [][]provRow
	finds []provRow // by the overview's findings: captures with the same finding
	caps  []ProvenanceCapture
	capID map[ProvenanceCapture]int32
}

// NewProvenanceBuilder returns a builder for the rows of the overview sum.
func NewProvenanceBuilder(sum *Summary) *ProvenanceBuilder {
	b := &ProvenanceBuilder{sum: sum, capID: map[ProvenanceCapture]int32{}}
	for _, l := range provLists {
		keys := firstRows(l.keys(sum))
		m := make(map[string]int32, len(keys))
		for i, k := range keys {
			if _, dup := m[k]; !dup {
				m[k] = int32(i)
			}
		}
		b.index = append(b.index, m)
		b.rows = append(b.rows, make([]provRow, len(keys)))
	}
	b.finds = make([]provRow, len(sum.Findings))
	return b
}

// sameFinding reports whether a capture's finding g is the overview's
// finding f: the same rule, about a host, MAC or name in common (or, when
// neither names any, the same rule alone).
func sameFinding(f, g *Finding) bool {
	if f.Rule != g.Rule {
		return false
	}
	fe, ge := &f.Evidence, &g.Evidence
	if len(fe.Hosts)+len(fe.MACs)+len(fe.Names) == 0 && len(ge.Hosts)+len(ge.MACs)+len(ge.Names) == 0 {
		return true
	}
	shared := func(a, b []string) bool {
		for _, x := range a {
			if slices.Contains(b, x) {
				return true
			}
		}
		return false
	}
	return shared(fe.Hosts, ge.Hosts) || shared(fe.MACs, ge.MACs) || shared(fe.Names, ge.Names)
}

func compareCaptures(a, b ProvenanceCapture) int {
	return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.SHA256, b.SHA256), cmp.Compare(a.Report, b.Report))
}

// note adds capture c to row r, counting n captures in its total.
func (b *ProvenanceBuilder) note(r *provRow, c ProvenanceCapture, n int64) {
	r.total += n
	pos := int(r.n)
	for i := range int(r.n) {
		d := compareCaptures(c, b.caps[r.ids[i]])
		if d == 0 {
			return // already listed (a capture in two merged overviews)
		}
		if d < 0 {
			pos = i
			break
		}
	}
	if pos >= ProvenanceCap {
		return
	}
	id, ok := b.capID[c]
	if !ok {
		id = int32(len(b.caps))
		b.caps = append(b.caps, c)
		b.capID[c] = id
	}
	if r.n < ProvenanceCap {
		r.n++
	}
	copy(r.ids[pos+1:r.n], r.ids[pos:r.n-1])
	r.ids[pos] = id
}

// Add notes the rows of s, a capture's Summary that the overview merged,
// as coming from capture c. When s is itself an overview with a
// Provenance, its rows' captures are noted instead (their Report relative
// to the new overview's report, which the caller sees to); an overview
// without one counts as one capture, c.
func (b *ProvenanceBuilder) Add(s *Summary, c ProvenanceCapture) {
	if p := s.Provenance; p != nil {
		byName := map[string]*ProvenanceList{}
		for i := range p.Lists {
			byName[p.Lists[i].List] = &p.Lists[i]
		}
		for li, l := range provLists {
			pl := byName[l.name]
			if pl == nil {
				continue
			}
			for _, row := range pl.Rows {
				ri, ok := b.index[li][row.Key]
				if !ok {
					continue
				}
				r := &b.rows[li][ri]
				r.total += row.Total
				for _, ci := range row.Captures {
					if ci >= 0 && ci < len(p.Captures) {
						b.note(r, p.Captures[ci], 0)
					}
				}
			}
		}
		if pl := byName["findings"]; pl != nil && len(pl.Rows) == len(s.Findings) {
			for fi := range b.sum.Findings {
				for gi := range s.Findings {
					if !sameFinding(&b.sum.Findings[fi], &s.Findings[gi]) {
						continue
					}
					r := &b.finds[fi]
					r.total += pl.Rows[gi].Total
					for _, ci := range pl.Rows[gi].Captures {
						if ci >= 0 && ci < len(p.Captures) {
							b.note(r, p.Captures[ci], 0)
						}
					}
				}
			}
		}
		return
	}
	for fi := range b.sum.Findings {
		for gi := range s.Findings {
			if sameFinding(&b.sum.Findings[fi], &s.Findings[gi]) {
				b.note(&b.finds[fi], c, 1)
				break
			}
		}
	}
	for li, l := range provLists {
		for _, k := range l.keys(s) {
			if ri, ok := b.index[li][k]; ok {
				b.note(&b.rows[li][ri], c, 1)
			}
		}
	}
}

// Result returns the Provenance. A finding's captures are those whose own
// findings have it (sameFinding); when none has it alone (an address
// claimed by different MACs in two captures), those of its subject: the
// first of its evidence hosts in the overview's hosts, sources or
// destinations, else the first of its names in the DNS queries, TLS
// server names or HTTP hosts; else none.
func (b *ProvenanceBuilder) Result() *Provenance {
	// The captures listed, in their order; the ids are renumbered.
	used := map[int32]bool{}
	for _, rows := range append(b.rows, b.finds) {
		for _, r := range rows {
			for _, id := range r.ids[:r.n] {
				used[id] = true
			}
		}
	}
	order := make([]int32, 0, len(used))
	for id := range used {
		order = append(order, id)
	}
	slices.SortFunc(order, func(x, y int32) int { return compareCaptures(b.caps[x], b.caps[y]) })
	newID := make(map[int32]int, len(order))
	p := &Provenance{Cap: ProvenanceCap, Captures: make([]ProvenanceCapture, len(order)), Lists: []ProvenanceList{}}
	for i, id := range order {
		newID[id] = i
		p.Captures[i] = b.caps[id]
	}
	row := func(key string, r provRow) ProvenanceRow {
		pr := ProvenanceRow{Key: key, Captures: make([]int, r.n), Total: r.total}
		for i, id := range r.ids[:r.n] {
			pr.Captures[i] = newID[id]
		}
		return pr
	}
	listIndex := map[string]int{}
	for li, l := range provLists {
		listIndex[l.name] = li
		all := l.keys(b.sum)
		keys := firstRows(all)
		pl := ProvenanceList{List: l.name, Rows: make([]ProvenanceRow, len(keys)), Truncated: len(all) > len(keys)}
		for i, k := range keys {
			pl.Rows[i] = row(k, b.rows[li][i])
		}
		p.Lists = append(p.Lists, pl)
	}
	subject := func(f Finding) (provRow, bool) {
		for _, group := range [][]string{{"hosts.list", "sources", "destinations"}, {"dns.queries", "tls.server_names", "http.hosts"}} {
			keys := f.Evidence.Hosts
			if group[0] == "dns.queries" {
				keys = f.Evidence.Names
			}
			for _, k := range keys {
				for _, name := range group {
					li := listIndex[name]
					if ri, ok := b.index[li][k]; ok {
						return b.rows[li][ri], true
					}
				}
			}
		}
		return provRow{}, false
	}
	fl := ProvenanceList{List: "findings", Rows: make([]ProvenanceRow, len(b.sum.Findings))}
	for i, f := range b.sum.Findings {
		r := b.finds[i]
		if r.total == 0 {
			r, _ = subject(f)
		}
		fl.Rows[i] = row(f.Rule+" "+f.Title, r)
	}
	p.Lists = append(p.Lists, fl)
	return p
}
