package analyze

import (
	"maps"
	"net/netip"
	"slices"
)

// webMerger merges the HTTP and TLS parts of Summaries, as web (web.go)
// builds them for one capture, within the same bounds.
type webMerger struct {
	requests                       map[[3]string]*mergedQuery // method, host, path
	requestsTruncated              bool
	totalRequests, totalResponses  int64
	hosts, methods, status, agents map[string]int64
	sni                            map[string]*mergedQuery
	hellos, withoutSNI, ech        int64
	versions, alpn                 map[string]int64
	httpCut, tlsCut                map[string]int64
	requestBytes                   int64 // text of the requests kept, as web.requestBytes
	quic                           quicMerger
}

func newWebMerger() webMerger {
	return webMerger{
		requests: map[[3]string]*mergedQuery{},
		hosts:    map[string]int64{}, methods: map[string]int64{}, status: map[string]int64{}, agents: map[string]int64{},
		sni: map[string]*mergedQuery{}, versions: map[string]int64{}, alpn: map[string]int64{},
		httpCut: map[string]int64{}, tlsCut: map[string]int64{},
	}
}

// mergedQuery is a clientCount (web.go) merged across captures: a DNS
// query name, an HTTP request or a TLS server name, with its clients and
// what its count may miss from estimated lists.
//
// It keeps at most maxClientsPerName clients, as one capture's does: the
// first in address order, whatever the order of adding (a client cut has
// as many before it, which stay, so it is cut for good), each with the sum
// of its counts in the Summaries that listed it. ClientsTotal is the sum
// of the Summaries' totals less the clients kept counted twice: exact up
// to the bound, and past it an upper bound, as one capture's past its.
type mergedQuery struct {
	count   int64
	clients map[netip.Addr]mergedClient
	total   int64 // the Summaries' ClientsTotal (at least the clients each listed)
	twice   int64 // listings of the clients kept past their first
	bounds        // perr: the CountErrors; seen: the max_errors of the estimated lists that listed it
}

// mergedClient is a client's count and the Summaries that listed it.
type mergedClient struct{ n, lists int64 }

func newMergedQuery() *mergedQuery {
	return &mergedQuery{clients: map[netip.Addr]mergedClient{}}
}

// add merges a count with its listed clients and their total.
func (q *mergedQuery) add(count int64, clients []IPCount, total int64) error {
	q.count += count
	for _, ic := range clients {
		ip, err := netip.ParseAddr(ic.IP)
		if err != nil {
			return err
		}
		c, ok := q.clients[ip]
		if ok {
			q.twice++
		}
		q.clients[ip] = mergedClient{c.n + ic.Count, c.lists + 1}
		if len(q.clients) > 2*maxClientsPerName {
			q.trim()
		}
	}
	q.trim()
	q.total += max(total, int64(len(clients)))
	return nil
}

// trim keeps the maxClientsPerName first clients.
func (q *mergedQuery) trim() {
	if len(q.clients) <= maxClientsPerName {
		return
	}
	for _, ip := range slices.SortedFunc(maps.Keys(q.clients), netip.Addr.Compare)[maxClientsPerName:] {
		q.twice -= q.clients[ip].lists - 1
		delete(q.clients, ip)
	}
}

// clientList is q's clients, by count desc then address.
func (q *mergedQuery) clientList() []IPCount {
	out := make([]IPCount, 0, len(q.clients))
	for ip, c := range q.clients {
		out = append(out, IPCount{ip.String(), c.n})
	}
	sortIPCounts(out)
	return out
}

// listed returns q's clients as a Summary lists them: at most
// maxClientsPerName, with the total including those not listed.
func (q *mergedQuery) listed() ([]IPCount, int64) {
	return q.clientList(), q.total - q.twice
}

func (w *webMerger) add(h *HTTP, t *TLS) error {
	for _, r := range h.Requests {
		k := [3]string{r.Method, r.Host, r.Path}
		q := w.requests[k]
		if q == nil {
			// The bounds of one capture's list hold for the overview's.
			size := int64(len(k[0]) + len(k[1]) + len(k[2]))
			if len(w.requests) >= maxHTTPRequests || w.requestBytes+size > maxRequestBytes {
				w.requestsTruncated = true
				continue
			}
			w.requestBytes += size
			q = newMergedQuery()
			w.requests[k] = q
		}
		if err := q.add(r.Count, r.Clients, r.ClientsTotal); err != nil {
			return err
		}
	}
	w.requestsTruncated = w.requestsTruncated || h.RequestsTruncated
	w.totalRequests += h.TotalRequests
	w.totalResponses += h.TotalResponses
	addCountsMax(w.hosts, h.Hosts, maxDistinctNames)
	addCountsMax(w.methods, h.Methods, maxDistinctNames)
	addCounts(w.status, h.StatusCodes)
	addCountsMax(w.agents, h.UserAgents, maxDistinctNames)
	addCounts(w.httpCut, h.StringsCut)
	addCounts(w.tlsCut, t.StringsCut)
	for _, n := range t.ServerNames {
		q := w.sni[n.Name]
		if q == nil {
			if len(w.sni) >= maxDistinctNames {
				continue
			}
			q = newMergedQuery()
			w.sni[n.Name] = q
		}
		if err := q.add(n.Count, n.Clients, n.ClientsTotal); err != nil {
			return err
		}
		q.bounds.add(n.CountError, 0, Estimate{}) // server names are never estimated
	}
	w.hellos += t.ClientHellos
	w.withoutSNI += t.WithoutSNI
	w.ech += t.ECH
	addCounts(w.versions, t.Versions)
	addCountsMax(w.alpn, t.ALPN, maxDistinctNames)
	w.quic.add(&t.QUIC)
	return nil
}

// addCountsMax is addCounts that adds no new name once m has limit names,
// as one capture's nameCounts does.
func addCountsMax(m map[string]int64, cs []Count, limit int) {
	for _, c := range cs {
		if _, ok := m[c.Name]; ok || len(m) < limit {
			m[c.Name] += c.Count
		}
	}
}

func (w *webMerger) result() (HTTP, TLS) {
	h := HTTP{TotalRequests: w.totalRequests, TotalResponses: w.totalResponses,
		RequestsTruncated: w.requestsTruncated}
	h.Requests = make([]HTTPRequest, 0, len(w.requests))
	for k, q := range w.requests {
		r := HTTPRequest{Method: k[0], Host: k[1], Path: k[2], URL: requestURL(k[1], k[2]), Count: q.count}
		r.Clients, r.ClientsTotal = q.listed()
		h.Requests = append(h.Requests, r)
	}
	sortHTTPRequests(h.Requests)
	h.Hosts = sortedCounts(w.hosts)
	h.Methods = sortedCounts(w.methods)
	h.StatusCodes = sortedCounts(w.status)
	h.UserAgents = sortedCounts(w.agents)
	h.StringsCut = sortedCounts(w.httpCut)

	t := TLS{ClientHellos: w.hellos, WithoutSNI: w.withoutSNI, ECH: w.ech,
		Versions: sortedCounts(w.versions), ALPN: sortedCounts(w.alpn), StringsCut: sortedCounts(w.tlsCut)}
	t.ServerNames = make([]NamedCount, 0, len(w.sni))
	for name, q := range w.sni {
		n := NamedCount{Name: name, Count: q.count}
		n.Clients, n.ClientsTotal = q.listed()
		n.CountError, _ = q.errors(nil)
		t.ServerNames = append(t.ServerNames, n)
	}
	sortNamedCounts(t.ServerNames)
	t.QUIC = w.quic.result()
	return h, t
}
