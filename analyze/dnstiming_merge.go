package analyze

import "net/netip"

// dnsTimingMerger merges DNS.Timing: counts add up, each server's
// histograms add up (its median is taken again from the sum) and its worst
// is the worst of all. It holds at most 2 × maxTimedServers servers: past
// that, after a Summary is added, it keeps the maxTimedServers first as
// result lists them and sets ServersTruncated; the totals and the
// histogram of all servers still count those cut. Up to that many servers
// in the union the list is exact and does not depend on the order of
// adding; past it, a server cut and seen again later lists only its counts
// since, as one capture lists the first servers to come.
type dnsTimingMerger struct {
	total     DNSServerTiming
	untracked int64
	truncated bool
	servers   map[string]*DNSServerTiming
	hists     map[string]map[int]int64 // by server, then bucket; "" is every server
}

func newDNSTimingMerger() dnsTimingMerger {
	return dnsTimingMerger{servers: map[string]*DNSServerTiming{}, hists: map[string]map[int]int64{"": {}}}
}

func (m *dnsTimingMerger) add(t *DNSTiming) error {
	for _, b := range t.Histogram {
		m.hists[""][b.Bucket] += b.Count
	}
	addServerTiming(&m.total, &DNSServerTiming{Queries: t.Queries, Answered: t.Answered,
		Unanswered: t.Unanswered, Retransmissions: t.Retransmissions, Unsolicited: t.Unsolicited,
		WorstMS: t.WorstMS, WorstName: t.WorstName})
	m.untracked += t.Untracked
	m.truncated = m.truncated || t.ServersTruncated
	for i := range t.Servers {
		s := &t.Servers[i]
		if _, err := netip.ParseAddr(s.Server); err != nil {
			return err
		}
		ms := m.servers[s.Server]
		if ms == nil {
			ms = &DNSServerTiming{Server: s.Server}
			m.servers[s.Server] = ms
			m.hists[s.Server] = map[int]int64{}
		}
		h := m.hists[s.Server]
		addServerTiming(ms, s)
		for _, b := range s.Histogram {
			if b.Bucket >= 0 && b.Bucket < rttBuckets { // histogram lists no other
				h[b.Bucket] += b.Count
			}
		}
	}
	if len(m.servers) > 2*maxTimedServers {
		ss := make([]DNSServerTiming, 0, len(m.servers))
		for _, s := range m.servers {
			ss = append(ss, *s)
		}
		sortServerTimings(ss)
		for _, s := range ss[maxTimedServers:] {
			delete(m.servers, s.Server)
			delete(m.hists, s.Server)
		}
		m.truncated = true
	}
	return nil
}

// addServerTiming adds the counts and the worst of s to m.
func addServerTiming(m *DNSServerTiming, s *DNSServerTiming) {
	if s.Answered > 0 && (m.Answered == 0 || s.WorstMS > m.WorstMS) {
		m.WorstMS, m.WorstName = s.WorstMS, s.WorstName
	}
	m.Queries += s.Queries
	m.Answered += s.Answered
	m.Unanswered += s.Unanswered
	m.Retransmissions += s.Retransmissions
	m.Unsolicited += s.Unsolicited
}

// histogram lists h's buckets in order.
func histogram(h map[int]int64) []DNSRTTBucket {
	out := []DNSRTTBucket{}
	for b := range rttBuckets {
		if c := h[b]; c > 0 {
			out = append(out, DNSRTTBucket{Bucket: b, Count: c})
		}
	}
	return out
}

func (m *dnsTimingMerger) result() DNSTiming {
	all := histogram(m.hists[""])
	out := DNSTiming{Queries: m.total.Queries, Answered: m.total.Answered, Unanswered: m.total.Unanswered,
		Retransmissions: m.total.Retransmissions, Unsolicited: m.total.Unsolicited, Untracked: m.untracked,
		MedianMS: histMedian(all), WorstMS: m.total.WorstMS, WorstName: m.total.WorstName, Histogram: all}
	out.Servers = make([]DNSServerTiming, 0, len(m.servers))
	for ip, s := range m.servers {
		r := *s
		r.Histogram = histogram(m.hists[ip])
		r.MedianMS = histMedian(r.Histogram)
		out.Servers = append(out.Servers, r)
	}
	sortServerTimings(out.Servers)
	if len(out.Servers) > maxTimedServers {
		out.Servers = out.Servers[:maxTimedServers]
	}
	out.ServersTruncated = m.truncated || len(m.servers) >= maxTimedServers
	return out
}
