package analyze

import (
	"net/netip"
	"slices"
)

// dnsMerger merges the DNS part of Summaries, as dnsCounter (dns.go)
// builds it for one capture.
type dnsMerger struct {
	queries                              map[string]*mergedQuery
	total, responses                     int64
	types, rcodes, nxdomain, mdns, llmnr map[string]int64
	cut                                  map[string]int64 // DNS.StringsCut
	answers                              map[answerKey]int64
	answersTruncated                     bool
	clients, servers                     map[netip.Addr]int64
	timing                               dnsTimingMerger
	bursts                               nxBurstMerger
	// untracked counts what the merged clients, servers and NXDOMAIN,
	// mDNS and LLMNR names past their bounds counted (keycap_merge.go);
	// listBytes is the bytes of those names listed.
	untracked, listBytes int64
}

type answerKey struct{ name, typ, data string }

func newDNSMerger() dnsMerger {
	return dnsMerger{
		queries: map[string]*mergedQuery{},
		types:   map[string]int64{}, rcodes: map[string]int64{}, nxdomain: map[string]int64{},
		mdns: map[string]int64{}, llmnr: map[string]int64{}, cut: map[string]int64{},
		answers: map[answerKey]int64{},
		clients: map[netip.Addr]int64{}, servers: map[netip.Addr]int64{},
		timing: newDNSTimingMerger(), bursts: newNXBurstMerger(),
	}
}

// add merges s; e is s's estimate of its query list, zero when exact, and
// a name new to the list starts with the bounds start (keyCap.start).
func (d *dnsMerger) add(s *DNS, e Estimate, start bounds) error {
	for _, q := range s.Queries {
		mq := d.queries[q.Name]
		if mq == nil {
			mq = newMergedQuery()
			mq.bounds = start
			d.queries[q.Name] = mq
		}
		if err := mq.add(q.Count, q.Clients, q.ClientsTotal); err != nil {
			return err
		}
		mq.bounds.add(q.CountError, 0, e)
	}
	d.total += s.TotalQueries
	d.responses += s.Responses
	addCounts(d.types, s.Types)
	addCounts(d.rcodes, s.Rcodes)
	d.addNames(d.nxdomain, s.NXDomain)
	d.addNames(d.mdns, s.MDNS)
	d.addNames(d.llmnr, s.LLMNR)
	addCounts(d.cut, s.StringsCut)
	for _, a := range s.Answers {
		d.answers[answerKey{a.Name, a.Type, a.Data}] += a.Count
	}
	d.trimAnswers()
	d.answersTruncated = d.answersTruncated || s.AnswersTruncated
	if err := d.timing.add(&s.Timing); err != nil {
		return err
	}
	if err := d.bursts.add(&s.NXBursts); err != nil {
		return err
	}
	if err := d.addAddrs(d.clients, s.Clients); err != nil {
		return err
	}
	return d.addAddrs(d.servers, s.Servers)
}

// result is the merged DNS, sorted and bounded as dnsCounter.summary's;
// e is the overview's estimate of the query list, or nil.
func (d *dnsMerger) result(e *Estimate) DNS {
	out := DNS{TotalQueries: d.total, Responses: d.responses}
	out.Queries = make([]DNSQuery, 0, len(d.queries))
	for name, mq := range d.queries {
		q := DNSQuery{Name: name, Count: mq.count}
		q.Clients, q.ClientsTotal = mq.listed()
		q.CountError, _ = mq.errors(e)
		out.Queries = append(out.Queries, q)
	}
	sortNamedCounts(out.Queries)
	out.Types = sortedCounts(d.types)
	out.Rcodes = sortedCounts(d.rcodes)
	out.NXDomain = sortedCounts(d.nxdomain)
	out.MDNS = sortedCounts(d.mdns)
	out.LLMNR = sortedCounts(d.llmnr)
	out.StringsCut = sortedCounts(d.cut)
	out.Clients = ipCounts(d.clients)
	out.Servers = ipCounts(d.servers)
	keys := make([]answerKey, 0, len(d.answers))
	for k := range d.answers {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareAnswers)
	keys = keys[:min(len(keys), maxAnswers)]
	out.Answers = make([]DNSAnswer, len(keys))
	for i, k := range keys {
		out.Answers[i] = DNSAnswer{Name: k.name, Type: k.typ, Data: k.data, Count: d.answers[k]}
	}
	out.AnswersTruncated = d.answersTruncated || len(d.answers) >= maxAnswers
	out.Timing = d.timing.result()
	out.NXBursts = d.bursts.result()
	return out
}
